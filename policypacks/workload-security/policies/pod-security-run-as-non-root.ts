import { ResourceValidationPolicy } from "@pulumi/policy";
import { PodSecurityConfig, podSecurityConfigSchema } from "../lib/level";
import { checkRunAsNonRoot } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, restricted "Running as Non-root": `runAsNonRoot: true` at pod level
 * (containers may then leave it unset) or on every container; an explicit `false` anywhere fails.
 * Applies at restricted only; skipped for pods in a user namespace (`spec.hostUsers: false`).
 *
 * @severity high
 * @frameworks cis-kubernetes-5.2.7, nist-800-53-ac-6
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const podSecurityRunAsNonRoot: ResourceValidationPolicy = {
    name: "pod-security-run-as-non-root",
    description: "Containers must run as non-root users (Pod Security Standards, restricted).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        const level = args.getConfig<PodSecurityConfig>().level;
        reportPodSecurity(args, reportViolation, (pod) => checkRunAsNonRoot(pod, level));
    },
};
