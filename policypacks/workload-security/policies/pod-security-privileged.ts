import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeObject, podBearingTypes, podTemplateOf } from "../../lib/workloads";
// The check is part of baseline, which restricted includes, so the configured level does not matter
// here; the schema is still declared so every pod-security policy takes the same config.
import { podSecurityConfigSchema } from "../lib/level";

/**
 * Pod Security Standards, baseline "Privileged Containers": no container (including init and
 * ephemeral containers) may set `securityContext.privileged: true`. Applies at baseline and
 * restricted.
 *
 * @severity critical
 * @frameworks cis-kubernetes-5.2.2, nist-800-53-ac-6
 * @topics pod-security, runtime
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
 */
export const podSecurityPrivileged: ResourceValidationPolicy = {
    name: "pod-security-privileged",
    description: "Containers must not run privileged (Pod Security Standards, baseline).",
    enforcementLevel: "mandatory",
    configSchema: podSecurityConfigSchema,
    validateResource: (args, reportViolation) => {
        if (!podBearingTypes.includes(args.type)) {
            return;
        }
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined) {
            return;
        }
        const offenders = containersOf(template).filter(
            (ref) => ref.container.securityContext?.privileged === true,
        );
        if (offenders.length > 0) {
            const where = offenders.map((ref) => `${ref.path}.securityContext.privileged`).join(", ");
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} runs privileged containers ` +
                    `(${offenders.map((ref) => ref.name).join(", ")}): ${where} is true. ` +
                    `Remove privileged or set it to false.`,
            );
        }
    },
};
