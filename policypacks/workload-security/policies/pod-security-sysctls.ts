import { ResourceValidationPolicy } from "@pulumi/policy";
// The check is the same at baseline and restricted, so the configured level does not matter here;
// the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";
import { checkSysctls } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, baseline "Sysctls": `spec.securityContext.sysctls[*].name` is one of the
 * sysctls that policy version v1.35 treats as safe. Applies at baseline and restricted.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.6.3, nist-800-53-cm-7
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecuritySysctls: ResourceValidationPolicy = {
    name: "pod-security-sysctls",
    description:
        "Pods may set only the safe, namespaced sysctls (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        reportPodSecurity(args, reportViolation, checkSysctls);
    },
};
