import { ResourceValidationPolicy } from "@pulumi/policy";
// The check is the same at baseline and restricted, so the configured level does not matter here;
// the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";
import { checkHostPorts } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, baseline "Host Ports": `ports[*].hostPort` of every container (including
 * init and ephemeral containers) must be unset or 0. Applies at baseline and restricted.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.2.12, nist-800-53-sc-7, nist-800-53-ac-6
 * @topics pod-security, network
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecurityHostPorts: ResourceValidationPolicy = {
    name: "pod-security-host-ports",
    description: "Containers must not bind host ports (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        reportPodSecurity(args, reportViolation, checkHostPorts);
    },
};
