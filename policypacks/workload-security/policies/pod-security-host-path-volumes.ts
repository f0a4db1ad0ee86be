import { ResourceValidationPolicy } from "@pulumi/policy";
// The check is the same at baseline and restricted, so the configured level does not matter here;
// the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";
import { checkHostPathVolumes } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, baseline "HostPath Volumes": no `spec.volumes[*].hostPath`. Applies at
 * baseline and restricted (where `pod-security-restricted-volumes` rejects hostPath as well, as
 * one of the volume types outside the restricted set).
 *
 * @severity critical
 * @frameworks cis-kubernetes-5.2.11, nist-800-53-ac-6
 * @topics pod-security, storage
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecurityHostPathVolumes: ResourceValidationPolicy = {
    name: "pod-security-host-path-volumes",
    description: "Pods must not mount hostPath volumes (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        reportPodSecurity(args, reportViolation, checkHostPathVolumes);
    },
};
