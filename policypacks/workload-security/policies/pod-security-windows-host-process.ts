import { ResourceValidationPolicy } from "@pulumi/policy";
// The check is the same at baseline and restricted, so the configured level does not matter here;
// the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";
import { checkWindowsHostProcess } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, baseline "HostProcess": `securityContext.windowsOptions.hostProcess`
 * (pod and containers) is unset or false. Applies at baseline and restricted.
 *
 * @severity critical
 * @frameworks cis-kubernetes-5.2.10, nist-800-53-ac-6
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecurityWindowsHostProcess: ResourceValidationPolicy = {
    name: "pod-security-windows-host-process",
    description:
        "Pods must not run Windows HostProcess containers (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        reportPodSecurity(args, reportViolation, checkWindowsHostProcess);
    },
};
