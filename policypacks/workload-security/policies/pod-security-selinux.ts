import { ResourceValidationPolicy } from "@pulumi/policy";
// The check is the same at baseline and restricted, so the configured level does not matter here;
// the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";
import { checkSELinux } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, baseline "SELinux": `seLinuxOptions.type` (pod and containers) is unset
 * or container_t, container_init_t, container_kvm_t or container_engine_t, and
 * `seLinuxOptions.user` and `.role` are unset. Applies at baseline and restricted.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.6.3, nist-800-53-ac-3, nist-800-53-cm-7
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecuritySelinux: ResourceValidationPolicy = {
    name: "pod-security-selinux",
    description:
        "Pods must not set custom SELinux users, roles or types (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        reportPodSecurity(args, reportViolation, checkSELinux);
    },
};
