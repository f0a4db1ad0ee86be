import { ResourceValidationPolicy } from "@pulumi/policy";
// The check is the same at baseline and restricted, so the configured level does not matter here;
// the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";
import { checkHostNamespaces } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, baseline "Host Namespaces": `spec.hostNetwork`, `spec.hostPID` and
 * `spec.hostIPC` must be unset or false. Applies at baseline and restricted.
 *
 * @severity critical
 * @frameworks cis-kubernetes-5.2.3, cis-kubernetes-5.2.4, cis-kubernetes-5.2.5, nist-800-53-ac-6, nist-800-53-sc-39
 * @topics pod-security, runtime, network
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecurityHostNamespaces: ResourceValidationPolicy = {
    name: "pod-security-host-namespaces",
    description:
        "Pods must not share the host's network, PID or IPC namespace (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        reportPodSecurity(args, reportViolation, checkHostNamespaces);
    },
};
