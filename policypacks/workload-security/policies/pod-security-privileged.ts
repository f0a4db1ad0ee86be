import { ResourceValidationPolicy } from "@pulumi/policy";
// The check is the same at baseline and restricted, so the configured level does not matter here;
// the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";
import { checkPrivileged } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, baseline "Privileged Containers": no container (including init and
 * ephemeral containers) may set `securityContext.privileged: true`. Applies at baseline and
 * restricted.
 *
 * @severity critical
 * @frameworks cis-kubernetes-5.2.2, nist-800-53-ac-6
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecurityPrivileged: ResourceValidationPolicy = {
    name: "pod-security-privileged",
    description: "Containers must not run privileged (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        reportPodSecurity(args, reportViolation, checkPrivileged);
    },
};
