import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { clusterDns } from "../../../contract/network";
import { ownerLabel, tenantLabel } from "../../../contract/labels";
import { namespaceOf } from "../../lib/objects";
import { defaultDenies, policyTypesOf, selectsAllPods } from "../lib/network";
import { isObject, KubeObject } from "../../lib/workloads";

/** Type token of the tenant component. */
export const tenantComponentType = "sovereign:baseline:TenantNamespace";

const types = {
    namespace: "kubernetes:core/v1:Namespace",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    resourceQuota: "kubernetes:core/v1:ResourceQuota",
    limitRange: "kubernetes:core/v1:LimitRange",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    serviceAccountPatch: "kubernetes:core/v1:ServiceAccountPatch",
} as const;

const psa = "pod-security.kubernetes.io";

/** Quota keys every tenant must bound, and the two that must be exactly zero. */
const requiredQuota = [
    "requests.cpu",
    "limits.cpu",
    "requests.memory",
    "limits.memory",
    "pods",
    "persistentvolumeclaims",
    "requests.storage",
];
const zeroQuota = ["services.nodeports", "services.loadbalancers"];

/** The name of a resource's Kubernetes object (`metadata.name`), or its Pulumi name. */
export function objectName(resource: PolicyResource): string {
    const meta: KubeObject = isObject(resource.props.metadata) ? resource.props.metadata : {};
    return typeof meta.name === "string" ? meta.name : resource.name;
}

/** True when `ancestor` is `resource` itself or one of its parents. */
export function isWithin(resource: PolicyResource, ancestor: PolicyResource): boolean {
    for (let r: PolicyResource | undefined = resource; r !== undefined; r = r.parent) {
        if (r.urn === ancestor.urn) {
            return true;
        }
    }
    return false;
}

/** The TenantNamespace component a resource belongs to, if any. */
export function tenantComponentOf(resource: PolicyResource): PolicyResource | undefined {
    for (let r = resource.parent; r !== undefined; r = r.parent) {
        if (r.type === tenantComponentType) {
            return r;
        }
    }
    return undefined;
}

/**
 * The tenant namespaces of a stack: every Namespace carrying the tenant label, and every Namespace
 * created by a TenantNamespace component (labelled or not: a missing label is a finding, not a way
 * out of the check).
 */
export function tenantNamespaces(resources: readonly PolicyResource[]): PolicyResource[] {
    return resources.filter((r) => {
        if (r.type !== types.namespace) {
            return false;
        }
        const meta: KubeObject = isObject(r.props.metadata) ? r.props.metadata : {};
        const labels: KubeObject = isObject(meta.labels) ? meta.labels : {};
        return labels[tenantLabel] !== undefined || tenantComponentOf(r) !== undefined;
    });
}

function matchLabelsEqual(selector: unknown, expected: Readonly<Record<string, string>>): boolean {
    if (!isObject(selector) || !isObject(selector.matchLabels)) {
        return false;
    }
    const labels = selector.matchLabels;
    return Object.entries(expected).every(([k, v]) => labels[k] === v);
}

/**
 * True when a NetworkPolicy lets every pod of its namespace reach the cluster DNS pods (namespace
 * selected by `kubernetes.io/metadata.name`, pods by the DNS label) on both UDP and TCP 53.
 */
function allowsDns(props: KubeObject): boolean {
    const spec: KubeObject = isObject(props.spec) ? props.spec : {};
    if (!selectsAllPods(spec.podSelector) || !policyTypesOf(spec).includes("Egress")) {
        return false;
    }
    const rules: unknown[] = Array.isArray(spec.egress) ? spec.egress : [];
    return rules.some((rule) => {
        if (!isObject(rule) || !Array.isArray(rule.to) || !Array.isArray(rule.ports)) {
            return false;
        }
        const reachesDns = rule.to.some(
            (peer: unknown) =>
                isObject(peer) &&
                matchLabelsEqual(peer.namespaceSelector, {
                    "kubernetes.io/metadata.name": clusterDns.namespace,
                }) &&
                matchLabelsEqual(peer.podSelector, clusterDns.podLabels),
        );
        const protocols = new Set(
            rule.ports
                .filter((p: unknown) => isObject(p) && Number(p.port) === clusterDns.port)
                .map((p: KubeObject) => (typeof p.protocol === "string" ? p.protocol : "TCP")),
        );
        return reachesDns && protocols.has("UDP") && protocols.has("TCP");
    });
}

/** What is missing from one tenant namespace, each entry naming the field and the fix. */
export function tenantNamespaceFindings(
    namespace: PolicyResource,
    resources: readonly PolicyResource[],
): string[] {
    const name = objectName(namespace);
    const findings: string[] = [];
    const meta: KubeObject = isObject(namespace.props.metadata) ? namespace.props.metadata : {};
    const labels: KubeObject = isObject(meta.labels) ? meta.labels : {};

    const enforce: unknown = labels[`${psa}/enforce`];
    if (enforce !== "restricted" && enforce !== "baseline") {
        findings.push(
            `metadata.labels["${psa}/enforce"] is ${JSON.stringify(enforce)}: set it to "restricted" (or "baseline" with a recorded reason)`,
        );
    }
    const enforceVersion: unknown = labels[`${psa}/enforce-version`];
    if (typeof enforceVersion !== "string" || !/^v\d+\.\d+$/.test(enforceVersion)) {
        findings.push(
            `metadata.labels["${psa}/enforce-version"] is ${JSON.stringify(enforceVersion)}: pin it to the cluster's minor version, e.g. "v1.33"`,
        );
    }
    for (const mode of ["audit", "warn"]) {
        if (typeof labels[`${psa}/${mode}`] !== "string") {
            findings.push(
                `metadata.labels["${psa}/${mode}"] is missing: set it to the enforced level`,
            );
        }
        if (labels[`${psa}/${mode}-version`] !== "latest") {
            findings.push(
                `metadata.labels["${psa}/${mode}-version"] is ${JSON.stringify(labels[`${psa}/${mode}-version`])}: set it to "latest" so new checks show before they are enforced`,
            );
        }
    }
    if (labels[tenantLabel] !== name) {
        findings.push(
            `metadata.labels["${tenantLabel}"] is ${JSON.stringify(labels[tenantLabel])}: set it to "${name}"`,
        );
    }
    if (typeof labels[ownerLabel] !== "string" || labels[ownerLabel] === "") {
        findings.push(`metadata.labels["${ownerLabel}"] is missing: set it to the owning team`);
    }

    const inNamespace = resources.filter(
        (r) => r.type !== types.namespace && namespaceOf(r.props) === name,
    );
    const policies = inNamespace.filter((r) => r.type === types.networkPolicy);
    const denied = new Set(policies.flatMap((p) => defaultDenies(p.props)));
    for (const direction of ["Ingress", "Egress"]) {
        if (!denied.has(direction)) {
            findings.push(
                `no default-deny ${direction.toLowerCase()} NetworkPolicy: add one with podSelector: {}, policyTypes [${direction}] and no ${direction.toLowerCase()} rules`,
            );
        }
    }
    if (!policies.some((p) => allowsDns(p.props))) {
        findings.push(
            `no NetworkPolicy allows DNS: allow egress from all pods to pods labelled k8s-app=kube-dns in the namespace selected by kubernetes.io/metadata.name=kube-system, on UDP and TCP 53`,
        );
    }

    const quotas = inNamespace.filter((r) => r.type === types.resourceQuota);
    const hard: KubeObject = Object.assign(
        {},
        ...quotas.map((q) =>
            isObject(q.props.spec) && isObject(q.props.spec.hard) ? q.props.spec.hard : {},
        ),
    );
    if (quotas.length === 0) {
        findings.push(
            `no ResourceQuota: add one bounding ${requiredQuota.join(", ")} with ${zeroQuota.join(" and ")} at "0"`,
        );
    } else {
        const unbounded = requiredQuota.filter((k) => hard[k] === undefined);
        if (unbounded.length > 0) {
            findings.push(
                `ResourceQuota spec.hard does not bound ${unbounded.join(", ")}: set them`,
            );
        }
        for (const key of zeroQuota) {
            if (hard[key] === undefined || String(hard[key]) !== "0") {
                findings.push(
                    `ResourceQuota spec.hard["${key}"] is ${JSON.stringify(hard[key])}: set it to "0" (expose through the platform's ingress)`,
                );
            }
        }
    }

    const containerLimits = inNamespace
        .filter((r) => r.type === types.limitRange)
        .flatMap((r) =>
            isObject(r.props.spec) && Array.isArray(r.props.spec.limits) ? r.props.spec.limits : [],
        )
        .filter((l: unknown) => isObject(l) && l.type === "Container");
    const complete = containerLimits.some((l: KubeObject) =>
        ["default", "defaultRequest"].every(
            (field) =>
                isObject(l[field]) && l[field].cpu !== undefined && l[field].memory !== undefined,
        ),
    );
    if (!complete) {
        findings.push(
            "no LimitRange gives containers default requests and limits: add a LimitRange with a Container entry setting default and defaultRequest for cpu and memory",
        );
    }

    const defaultAccount = inNamespace.find(
        (r) =>
            (r.type === types.serviceAccount || r.type === types.serviceAccountPatch) &&
            objectName(r) === "default",
    );
    if (
        defaultAccount === undefined ||
        defaultAccount.props.automountServiceAccountToken !== false
    ) {
        findings.push(
            `the default ServiceAccount does not set automountServiceAccountToken: false: manage it (a ServiceAccountPatch named "default") with that field`,
        );
    }
    return findings;
}

/**
 * Every tenant namespace carries the baseline guardrails: Pod Security labels (enforce restricted
 * or baseline pinned to a version, audit and warn at latest), tenant and owner labels, default-deny
 * NetworkPolicies for ingress and egress, a NetworkPolicy allowing DNS to the cluster DNS pods on
 * UDP and TCP 53, a ResourceQuota bounding compute, pods, claims and storage with no NodePort or
 * LoadBalancer Service, a LimitRange with container defaults, and a `default` ServiceAccount that
 * mounts no token. Tenant namespaces are those labelled `tenancy.sovereign-contour.io/tenant` and
 * those created by a TenantNamespace component.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.1.5, cis-kubernetes-5.2.1, cis-kubernetes-5.3.2, cis-kubernetes-5.6.1, nist-800-53-ac-4, nist-800-53-sc-6, nist-800-53-cm-7, iso-27001-a.8.22
 * @topics tenancy, network, pod-security, quotas
 * @link https://kubernetes.io/docs/concepts/security/multi-tenancy/
 */
export const tenantNamespaceGuardrails: StackValidationPolicy = {
    name: "tenant-namespace-guardrails",
    description:
        "Every tenant namespace must have Pod Security and tenant labels, default-deny and DNS NetworkPolicies, a quota, a limit range and no default token automount.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        // Index the stack by namespace once: scanning every resource for every tenant is
        // quadratic in the number of tenants.
        const byNamespace = new Map<string, PolicyResource[]>();
        for (const r of args.resources) {
            const ns = namespaceOf(r.props);
            const list = byNamespace.get(ns);
            if (list === undefined) {
                byNamespace.set(ns, [r]);
            } else {
                list.push(r);
            }
        }
        for (const namespace of tenantNamespaces(args.resources)) {
            const candidates = byNamespace.get(objectName(namespace)) ?? [];
            for (const finding of tenantNamespaceFindings(namespace, candidates)) {
                reportViolation(
                    `Tenant namespace "${objectName(namespace)}": ${finding}.`,
                    namespace.urn,
                );
            }
        }
    },
};
