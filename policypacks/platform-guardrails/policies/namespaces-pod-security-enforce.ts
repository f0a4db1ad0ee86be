import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import { allowListProperty } from "../lib/config";

/** The Pod Security Admission label that decides what a namespace admits. */
export const enforceLabel = "pod-security.kubernetes.io/enforce";

const levels = ["privileged", "baseline", "restricted"];

/** Config of {@link namespacesPodSecurityEnforce}. */
export interface PodSecurityEnforceConfig {
    /** System namespaces allowed to enforce `privileged`, by name. */
    readonly privilegedNamespaces: string[];
}

/**
 * Every Namespace carries a Pod Security enforce label with a valid level, and `privileged` only
 * for the listed system namespaces (those whose components need host access, each with its reason
 * recorded in the stack settings). Without the label, the namespace gets the cluster default, which
 * on an unconfigured API server is `privileged`.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.2.1, nist-800-53-cm-7, nist-800-53-ac-6, iso-27001-a.8.9
 * @topics pod-security, namespaces
 * @link https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces
 */
export const namespacesPodSecurityEnforce: ResourceValidationPolicy = {
    name: "namespaces-pod-security-enforce",
    description:
        "Namespaces must carry a Pod Security enforce label; privileged only for listed system namespaces.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            privilegedNamespaces: allowListProperty(
                "System namespaces allowed to enforce the privileged level, by name.",
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Namespace") {
            return;
        }
        const object = describeObject(args.type, args.props, args.name);
        const meta = isObject(args.props.metadata) ? args.props.metadata : {};
        const labels = isObject(meta.labels) ? meta.labels : {};
        const level: unknown = labels[enforceLabel];
        if (level === undefined) {
            reportViolation(
                `${object} has no Pod Security enforce label: set ` +
                    `metadata.labels["${enforceLabel}"] to "restricted" (or "baseline").`,
            );
            return;
        }
        if (typeof level !== "string" || !levels.includes(level)) {
            reportViolation(
                `${object} has an invalid Pod Security level: ` +
                    `metadata.labels["${enforceLabel}"] is ${JSON.stringify(level)}; ` +
                    `set it to "restricted" or "baseline".`,
            );
            return;
        }
        const name = typeof meta.name === "string" ? meta.name : args.name;
        const { privilegedNamespaces } = args.getConfig<PodSecurityEnforceConfig>();
        if (level === "privileged" && !privilegedNamespaces.includes(name)) {
            reportViolation(
                `${object} enforces Pod Security "privileged" ` +
                    `(metadata.labels["${enforceLabel}"]) but is not a listed system namespace. ` +
                    `Set the label to "restricted" or "baseline", or declare the namespace in the ` +
                    `stack's systemNamespaces with a reason and list it in ` +
                    `namespaces-pod-security-enforce.privilegedNamespaces.`,
            );
        }
    },
};
