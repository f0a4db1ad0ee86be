import { ResourceValidationPolicy } from "@pulumi/policy";
import { PodSecurityConfig, podSecurityConfigSchema } from "../lib/level";
import { checkRestrictedVolumes } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, restricted "Volume Types": volumes may only be configMap, csi,
 * downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret. Applies at
 * restricted only.
 *
 * @severity medium
 * @frameworks cis-kubernetes-5.6.3, nist-800-53-cm-7, nist-800-53-ac-6
 * @topics pod-security, storage
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const podSecurityRestrictedVolumes: ResourceValidationPolicy = {
    name: "pod-security-restricted-volumes",
    description: "Pods may use only the volume types the restricted Pod Security Standard allows.",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        const level = args.getConfig<PodSecurityConfig>().level;
        reportPodSecurity(args, reportViolation, (pod) => checkRestrictedVolumes(pod, level));
    },
};
