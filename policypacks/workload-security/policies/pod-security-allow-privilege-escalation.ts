import { ResourceValidationPolicy } from "@pulumi/policy";
import { PodSecurityConfig, podSecurityConfigSchema } from "../lib/level";
import { checkAllowPrivilegeEscalation } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, restricted "Privilege Escalation": every container sets
 * `securityContext.allowPrivilegeEscalation: false`; unset fails. Applies at restricted only; pods
 * with `spec.os.name: windows` are exempt, as upstream.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.2.6, nist-800-53-ac-6
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const podSecurityAllowPrivilegeEscalation: ResourceValidationPolicy = {
    name: "pod-security-allow-privilege-escalation",
    description:
        "Containers must set allowPrivilegeEscalation to false (Pod Security Standards, restricted).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        const level = args.getConfig<PodSecurityConfig>().level;
        reportPodSecurity(args, reportViolation, (pod) =>
            checkAllowPrivilegeEscalation(pod, level),
        );
    },
};
