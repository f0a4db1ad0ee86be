import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    isWithin,
    objectName,
    tenantComponentOf,
    tenantComponentType,
    tenantNamespaces,
} from "./tenant-namespace-guardrails";
import { layerType } from "../../../contract/layers";

/** Type token of the platform's layer components (`contract/layers.ts`). */
export { layerType };

/** The enforcement layers of a stack: Layer components named `enforcement` or `<platform>-enforcement`. */
export function enforcementLayers(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter(
        (r) =>
            r.type === layerType && (r.name === "enforcement" || r.name.endsWith("-enforcement")),
    );
}

/** The runtime layers of a stack: Layer components named `runtime` or `<platform>-runtime`. */
export function runtimeLayers(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter(
        (r) => r.type === layerType && (r.name === "runtime" || r.name.endsWith("-runtime")),
    );
}

/**
 * Whether `resource` depends, directly or through the resources it depends on, on a resource lying
 * within one of `layers`. A tenant's objects depend on its Namespace, and the Namespace on the
 * layers' readiness gates: the engine creates them in that order, so the order holds transitively.
 */
function reachesLayer(
    resource: PolicyResource,
    layers: readonly PolicyResource[],
    memo: Map<PolicyResource, boolean>,
): boolean {
    const known = memo.get(resource);
    if (known !== undefined) {
        return known;
    }
    memo.set(resource, false); // a cycle cannot order anything
    const found = resource.dependencies.some(
        (d) => layers.some((layer) => isWithin(d, layer)) || reachesLayer(d, layers, memo),
    );
    memo.set(resource, found);
    return found;
}

/** True for a resource a `dependsOn` on a component expands to: not itself a component. */
function isRegisteredWork(resource: PolicyResource): boolean {
    return !resource.type.startsWith("sovereign:");
}

/**
 * The resources of a stack that belong to tenants, grouped by tenant: the children of each
 * TenantNamespace component, and any other Namespace labelled as a tenant's.
 */
function tenantResources(
    resources: readonly PolicyResource[],
): Map<PolicyResource, PolicyResource[]> {
    const groups = new Map<PolicyResource, PolicyResource[]>();
    for (const component of resources.filter((r) => r.type === tenantComponentType)) {
        groups.set(component, []);
    }
    for (const r of resources) {
        const component = tenantComponentOf(r);
        if (component !== undefined && isRegisteredWork(r)) {
            groups.get(component)?.push(r);
        }
    }
    for (const ns of tenantNamespaces(resources)) {
        if (tenantComponentOf(ns) === undefined) {
            groups.set(ns, [ns]);
        }
    }
    return groups;
}

/**
 * Tenants are created only after the enforcement layer (admission control) is in place: every
 * resource of a tenant depends, directly or through its Namespace, on the enforcement layer, so no tenant namespace, and no binding
 * that lets a team deploy into it, exists before the policies that judge what they deploy.
 *
 * The Node SDK expands a `dependsOn` on a component into the custom (and remote component)
 * resources under it, so the engine records dependencies on the layer's resources, never on the
 * layer itself: a tenant resource passes when one of its dependencies is the enforcement layer or
 * lies under it. An enforcement layer without any resource orders nothing and fails the check.
 *
 * Mandatory: the platform applies its layers bootstrap → enforcement → runtime → audit → baseline
 * (`applyOrder` in components/platform/layers.ts), so every tenant resource must carry a dependency
 * on a resource of the enforcement layer and, when the stack has a runtime layer with resources,
 * on one of the runtime layer; and no resource outside the tenants depends on a tenant resource. A
 * tenant built outside that order is refused.
 *
 * @severity high
 * @frameworks nist-800-53-cm-3, nist-800-53-cm-7, cis-kubernetes-5.2.1, iso-27001-a.8.9
 * @topics tenancy, admission, ordering
 * @link https://www.pulumi.com/docs/iac/concepts/options/dependson/
 */
export const tenantNamespaceAfterEnforcement: StackValidationPolicy = {
    name: "tenant-namespace-after-enforcement",
    description: "Tenant resources must depend on the enforcement layer (admission control first).",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const groups = tenantResources(args.resources);
        if (groups.size === 0) {
            return;
        }
        const layers = enforcementLayers(args.resources);
        const layerNames = layers.map((l) => `Layer "${l.name}"`).join(", ");
        const runtime = runtimeLayers(args.resources).filter((layer) =>
            args.resources.some((r) => r !== layer && isRegisteredWork(r) && isWithin(r, layer)),
        );
        const runtimeNames = runtime.map((l) => `Layer "${l.name}"`).join(", ");
        const afterEnforcement = new Map<PolicyResource, boolean>();
        const afterRuntime = new Map<PolicyResource, boolean>();
        const populated = layers.filter((layer) =>
            args.resources.some((r) => r !== layer && isRegisteredWork(r) && isWithin(r, layer)),
        );
        const fix =
            "create the tenant with dependsOn the enforcement layer (components/platform inLayer) " +
            "so admission control exists before tenants can deploy";
        for (const [owner, members] of groups) {
            const namespace = members.find((m) => m.type === "kubernetes:core/v1:Namespace");
            const tenant =
                owner.type === tenantComponentType
                    ? `Tenant "${namespace !== undefined ? objectName(namespace) : owner.name}" (TenantNamespace "${owner.name}")`
                    : `Tenant namespace "${objectName(owner)}"`;
            if (layers.length === 0) {
                reportViolation(
                    `${tenant}: the stack has no enforcement layer (a ${layerType} named *-enforcement) to order it after; ${fix}.`,
                    owner.urn,
                );
                continue;
            }
            if (populated.length === 0) {
                reportViolation(
                    `${tenant}: ${layerNames} holds no resource, so nothing orders the tenant after admission control; enable an admission controller (Gatekeeper or Kyverno) in the enforcement layer.`,
                    owner.urn,
                );
                continue;
            }
            const unordered = members.filter((m) => !reachesLayer(m, layers, afterEnforcement));
            if (unordered.length > 0) {
                const which =
                    unordered.length === members.length
                        ? `none of its ${members.length} resource${members.length === 1 ? "" : "s"} depends`
                        : `${unordered.map((m) => m.name).join(", ")} do not depend`;
                reportViolation(`${tenant}: ${which} on ${layerNames}; ${fix}.`, owner.urn);
            }
            // Runtime detection, the mesh's identity and the CA come before tenants too, when the
            // stack has them.
            const beforeRuntime = members.filter((m) => !reachesLayer(m, runtime, afterRuntime));
            if (runtime.length > 0 && beforeRuntime.length > 0) {
                const which =
                    beforeRuntime.length === members.length
                        ? `none of its ${members.length} resource${members.length === 1 ? "" : "s"} depends`
                        : `${beforeRuntime.map((m) => m.name).join(", ")} do not depend`;
                reportViolation(
                    `${tenant}: ${which} on ${runtimeNames}; create tenants last, with dependsOn the runtime layer's readiness gates (components/platform inLayer), so runtime detection and the mesh's identity exist before tenants can deploy.`,
                    owner.urn,
                );
            }
        }
        // Nothing in the platform waits for a tenant: a platform resource that depends on one would
        // be held back (or created out of order) by a tenant's change.
        const tenantUrns = new Map<string, string>();
        for (const [owner, members] of groups) {
            for (const m of members) {
                tenantUrns.set(m.urn, owner.name);
            }
        }
        for (const r of args.resources) {
            if (tenantUrns.has(r.urn) || tenantComponentOf(r) !== undefined) {
                continue;
            }
            const on = r.dependencies.filter((d) => tenantUrns.has(d.urn));
            if (on.length > 0) {
                reportViolation(
                    `${r.type} "${r.name}" depends on tenant resources (${on.map((d) => d.name).join(", ")}); nothing in the platform may depend on a tenant: remove the dependency, tenants are applied last.`,
                    r.urn,
                );
            }
        }
    },
};
