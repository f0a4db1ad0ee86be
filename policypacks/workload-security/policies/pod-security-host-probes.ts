import { ResourceValidationPolicy } from "@pulumi/policy";
// The check is the same at baseline and restricted, so the configured level does not matter here;
// the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";
import { checkHostProbes } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, baseline "Host Probes / Lifecycle Hooks" (v1.34+): the `host` of the
 * httpGet or tcpSocket action of every liveness, readiness and startup probe and of every
 * postStart and preStop hook is unset or empty, so the kubelet cannot be used to reach other
 * hosts. Applies at baseline and restricted.
 *
 * @severity medium
 * @frameworks nist-800-53-sc-7, nist-800-53-ac-4
 * @topics pod-security, network
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecurityHostProbes: ResourceValidationPolicy = {
    name: "pod-security-host-probes",
    description:
        "Probes and lifecycle hooks must not target another host (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        reportPodSecurity(args, reportViolation, checkHostProbes);
    },
};
