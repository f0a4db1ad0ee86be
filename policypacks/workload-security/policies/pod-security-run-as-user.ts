import { ResourceValidationPolicy } from "@pulumi/policy";
import { PodSecurityConfig, podSecurityConfigSchema } from "../lib/level";
import { checkRunAsUser } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, restricted "Running as Non-root user": `runAsUser` must not be 0 at pod
 * or container level (unset is fine). Applies at restricted only; skipped for pods in a user
 * namespace (`spec.hostUsers: false`).
 *
 * @severity high
 * @frameworks cis-kubernetes-5.2.7, nist-800-53-ac-6
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const podSecurityRunAsUser: ResourceValidationPolicy = {
    name: "pod-security-run-as-user",
    description:
        "Pods and containers must not set runAsUser to 0 (Pod Security Standards, restricted).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        const level = args.getConfig<PodSecurityConfig>().level;
        reportPodSecurity(args, reportViolation, (pod) => checkRunAsUser(pod, level));
    },
};
