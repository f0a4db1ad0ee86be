import { ResourceValidationPolicy } from "@pulumi/policy";
import { requiredNamespaceLabels } from "../../../contract/labels";
import { stringList } from "../../lib/objects";
import { isObject } from "../../lib/workloads";

/** Config of {@link namespacesRequiredLabels}. */
export interface NamespacesRequiredLabelsConfig {
    /** Label keys every namespace must carry with a non-empty value. */
    readonly requiredLabels: string[];
    /** Namespaces the admission twin excludes too (the cluster's own and the controllers'). */
    readonly exemptNamespaces: string[];
}

/**
 * The preview-time twin of the Gatekeeper constraint `sovereign-namespace-labels`: every Namespace
 * carries every required label with a non-empty value, so no Namespace the program declares can
 * be refused at admission after the preview passed it. The label keys come from one definition
 * (`contract/labels.ts`) shared by the components that set them and the constraint that requires
 * them.
 *
 * @severity medium
 * @frameworks nist-800-53-cm-8, nist-800-53-au-3, iso-27001-a.5.9
 * @topics namespaces, ownership, admission-twin
 * @link https://open-policy-agent.github.io/gatekeeper-library/website/validation/requiredlabels/
 */
export const namespacesRequiredLabels: ResourceValidationPolicy = {
    name: "namespaces-required-labels",
    description:
        "Namespaces must carry every required label (the twin of the namespace-labels constraint).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requiredLabels: {
                type: "array",
                items: { type: "string", minLength: 1 },
                uniqueItems: true,
                default: [...requiredNamespaceLabels],
                description: "Label keys every namespace must carry with a non-empty value.",
            },
            exemptNamespaces: {
                type: "array",
                items: { type: "string", minLength: 1 },
                uniqueItems: true,
                default: ["kube-system", "kube-public", "kube-node-lease"],
                description: "Namespaces the namespace-labels constraint excludes too.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Namespace") {
            return;
        }
        const config = args.getConfig<NamespacesRequiredLabelsConfig>();
        const meta: unknown = args.props.metadata;
        const name = isObject(meta) && typeof meta.name === "string" ? meta.name : args.name;
        if (stringList(config.exemptNamespaces).includes(name)) {
            return;
        }
        const labels = isObject(meta) && isObject(meta.labels) ? meta.labels : {};
        const missing = stringList(config.requiredLabels).filter(
            (key) => typeof labels[key] !== "string" || labels[key] === "",
        );
        if (missing.length > 0) {
            reportViolation(
                `Namespace "${name}" lacks the required label${missing.length > 1 ? "s" : ""} ` +
                    `${missing.map((k) => `"${k}"`).join(", ")} in metadata.labels; the ` +
                    "namespace-labels admission constraint would refuse it. Set each to the " +
                    "owning team (tenants: tenants[].owner).",
            );
        }
    },
};
