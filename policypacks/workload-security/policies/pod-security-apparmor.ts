import { ResourceValidationPolicy } from "@pulumi/policy";
// The check is the same at baseline and restricted, so the configured level does not matter here;
// the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";
import { checkAppArmor } from "../lib/pod-security";
import { reportPodSecurity } from "../lib/report";

/**
 * Pod Security Standards, baseline "AppArmor": `securityContext.appArmorProfile.type` (pod and
 * containers) is RuntimeDefault or Localhost when set, and every
 * `container.apparmor.security.beta.kubernetes.io/*` annotation is empty, `runtime/default` or
 * `localhost/<profile>`. Applies at baseline and restricted.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.6.3, nist-800-53-cm-7
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecurityApparmor: ResourceValidationPolicy = {
    name: "pod-security-apparmor",
    description:
        "Pods must not disable or override the default AppArmor profile (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        reportPodSecurity(args, reportViolation, checkAppArmor);
    },
};
