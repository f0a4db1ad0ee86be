import { ResourceValidationPolicy } from "@pulumi/policy";
import { PodSecurityConfig, podSecurityConfigSchema } from "../lib/level";
import { checkProcMount } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards "/proc Mount Type": `securityContext.procMount` is unset or `Default`.
 * At baseline any value is allowed for a pod in a user namespace (`spec.hostUsers: false`); at
 * restricted never.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.6.3, nist-800-53-cm-7
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecurityProcMount: ResourceValidationPolicy = {
    name: "pod-security-proc-mount",
    description: "Containers must keep the default /proc masks (Pod Security Standards).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        const level = args.getConfig<PodSecurityConfig>().level;
        reportPodSecurity(args, reportViolation, (pod) => checkProcMount(pod, level));
    },
};
