import { ResourceValidationPolicy } from "@pulumi/policy";
import { PodSecurityConfig, podSecurityConfigSchema } from "../lib/level";
import { checkSeccomp } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards "Seccomp". Baseline: a seccomp profile that is set, at pod or container
 * level, is RuntimeDefault or Localhost (never Unconfined). Restricted: additionally every container
 * has one, its own or the pod's; pods with `spec.os.name: windows` are exempt, as upstream.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.6.2, nist-800-53-sc-39, nist-800-53-cm-7
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const podSecuritySeccomp: ResourceValidationPolicy = {
    name: "pod-security-seccomp",
    description:
        "Pods must run under the RuntimeDefault or a Localhost seccomp profile (Pod Security Standards).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        const level = args.getConfig<PodSecurityConfig>().level;
        reportPodSecurity(args, reportViolation, (pod) => checkSeccomp(pod, level));
    },
};
