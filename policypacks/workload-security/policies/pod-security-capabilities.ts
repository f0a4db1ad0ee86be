import { ResourceValidationPolicy } from "@pulumi/policy";
import { PodSecurityConfig, podSecurityConfigSchema } from "../lib/level";
import { checkCapabilities } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards "Capabilities". Baseline: `securityContext.capabilities.add` holds only
 * AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID,
 * SETPCAP, SETUID or SYS_CHROOT (so never NET_RAW). Restricted: every container drops `ALL` and
 * adds nothing but NET_BIND_SERVICE; pods with `spec.os.name: windows` are exempt, as upstream.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.2.8, cis-kubernetes-5.2.9, nist-800-53-ac-6, nist-800-53-cm-7
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export const podSecurityCapabilities: ResourceValidationPolicy = {
    name: "pod-security-capabilities",
    description:
        "Containers must restrict Linux capabilities (Pod Security Standards, baseline and restricted).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        const level = args.getConfig<PodSecurityConfig>().level;
        reportPodSecurity(args, reportViolation, (pod) => checkCapabilities(pod, level));
    },
};
