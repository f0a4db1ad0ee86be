import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject, podTemplateOf } from "../../lib/workloads";
import { namespaceOf } from "../../lib/objects";
import { allowListProperty } from "../lib/config";
import { defaultDenies } from "../lib/network";
import { isPlatformStack } from "../../lib/platform";

const networkPolicyType = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const namespaceType = "kubernetes:core/v1:Namespace";

/** Config of {@link networkDefaultDeny}. */
export interface DefaultDenyConfig {
    /** Namespaces exempt from the rule, by name. */
    readonly exemptNamespaces: string[];
}

/**
 * Every namespace that runs workloads in this stack has default-deny NetworkPolicies for both
 * ingress and egress (one policy with both types, or one per direction): a NetworkPolicy selecting
 * all pods (`podSelector: {}`), listing the direction in `policyTypes`, with no rules for it.
 * Allowed traffic (DNS, the mesh control plane, named peers) is then opened by further policies.
 * A workload without `metadata.namespace` counts for `default`.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.3.2, nist-800-53-ac-4, nist-800-53-sc-7, nist-800-53-sc-7(5), iso-27001-a.8.22, iso-27001-a.8.20
 * @topics network, isolation
 * @link https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies
 */
export const networkDefaultDeny: StackValidationPolicy = {
    name: "network-default-deny",
    description:
        "Every namespace that runs workloads must have default-deny ingress and egress NetworkPolicies.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            exemptNamespaces: allowListProperty("Namespaces exempt from the rule, by name."),
        },
    },
    validateStack: (args, reportViolation) => {
        // Namespaces belong to the platform: an application team's manifests judged on their own
        // do not carry their namespace's NetworkPolicies, so the check applies to platform stacks.
        if (!isPlatformStack(args.resources)) {
            args.notApplicable(
                "the stack is not built from the contour's components (no sovereign:* resource)",
            );
        }
        const { exemptNamespaces } = args.getConfig<DefaultDenyConfig>();
        const workloads = new Map<string, PolicyResource[]>();
        const denied = new Map<string, Set<string>>();
        const namespaces = new Map<string, PolicyResource>();
        for (const resource of args.resources) {
            if (podTemplateOf(resource.type, resource.props) !== undefined) {
                const ns = namespaceOf(resource.props);
                workloads.set(ns, [...(workloads.get(ns) ?? []), resource]);
            } else if (resource.type === networkPolicyType) {
                const ns = namespaceOf(resource.props);
                const set = denied.get(ns) ?? new Set<string>();
                defaultDenies(resource.props).forEach((d) => set.add(d));
                denied.set(ns, set);
            } else if (resource.type === namespaceType) {
                const meta = isObject(resource.props.metadata) ? resource.props.metadata : {};
                const name = typeof meta.name === "string" ? meta.name : resource.name;
                namespaces.set(name, resource);
            }
        }
        for (const ns of [...workloads.keys()].sort()) {
            if (exemptNamespaces.includes(ns)) {
                continue;
            }
            const have = denied.get(ns) ?? new Set<string>();
            const missing = ["Ingress", "Egress"].filter((d) => !have.has(d));
            if (missing.length === 0) {
                continue;
            }
            const running = (workloads.get(ns) ?? []).map((r) =>
                describeObject(r.type, r.props, r.name),
            );
            const directions = missing.map((d) => d.toLowerCase()).join(" and ");
            reportViolation(
                `Namespace "${ns}" runs workloads (${running.join(", ")}) but has no ` +
                    `default-deny ${directions} NetworkPolicy. Add a NetworkPolicy in "${ns}" with ` +
                    `podSelector: {}, policyTypes [${missing.join(", ")}] and no ` +
                    `${missing.map((d) => d.toLowerCase()).join(" or ")} rules, then allow the ` +
                    `traffic the workloads need with further policies.`,
                (namespaces.get(ns) ?? workloads.get(ns)?.[0])?.urn,
            );
        }
    },
};
