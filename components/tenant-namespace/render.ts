import type * as k8s from "@pulumi/kubernetes";
import { platformLabels, podSecurityLabels } from "../shared/labels";
import { exemptionReasonAnnotation } from "../../contract/annotations";
import {
    clusterDns,
    gpuResource,
    kubernetesReservedNamespaces,
    linkerdControlPlanePorts,
} from "./defaults";
import { parseQuantity } from "./quantity";

import { ownerLabel, tenantLabel } from "../../contract/labels";

export { ownerLabel, tenantLabel };
/** Annotation that puts a namespace's pods into the Linkerd mesh. */
export const linkerdInjectAnnotation = "linkerd.io/inject";

/** The access levels a tenant grants, one Role each. */
export const tenantAccessLevels = ["admin", "developer", "viewer"] as const;
/** One of the access levels a tenant grants. */
export type TenantAccess = (typeof tenantAccessLevels)[number];

/** One destination port of an egress rule. */
export interface TenantEgressPort {
    readonly port: number;
    readonly endPort?: number;
    /** @default "TCP" */
    readonly protocol?: "TCP" | "UDP" | "SCTP";
}

/** One entry of the egress allow list: a CIDR block (minus `except`) on the given ports. */
export interface TenantEgressRule {
    readonly cidr: string;
    readonly except?: readonly string[];
    readonly ports: readonly TenantEgressPort[];
}

/** ResourceQuota sizes of a tenant. */
export interface TenantQuota {
    readonly cpuRequests: string;
    readonly cpuLimits: string;
    readonly memoryRequests: string;
    readonly memoryLimits: string;
    readonly pods: number;
    readonly persistentVolumeClaims: number;
    readonly storage: string;
    readonly gpus: number;
}

/** LimitRange values for every container of a tenant. */
export interface TenantLimits {
    readonly defaultCpu: string;
    readonly defaultMemory: string;
    readonly defaultCpuRequest: string;
    readonly defaultMemoryRequest: string;
    readonly maxCpu: string;
    readonly maxMemory: string;
}

/** Identity-provider groups per access level. */
export interface TenantGroups {
    readonly admins: readonly string[];
    readonly developers: readonly string[];
    readonly viewers: readonly string[];
}

/** A tenant with every default applied: what the render functions take. */
export interface TenantSpec {
    readonly namespace: string;
    readonly owner: string;
    readonly kubernetesVersion: string;
    readonly podSecurity: "baseline" | "restricted";
    readonly podSecurityReason?: string;
    readonly groups: TenantGroups;
    readonly allowDeveloperExec: boolean;
    readonly allowDeveloperSecretRead: boolean;
    readonly allowSameNamespace: boolean;
    readonly meshed: boolean;
    readonly linkerdNamespace: string;
    readonly egress: readonly TenantEgressRule[];
    readonly ingressFromNamespaces: readonly string[];
    readonly quota: TenantQuota;
    readonly limits: TenantLimits;
}

/** A NetworkPolicy of the bundle with the role its Pulumi resource name carries. */
export interface RenderedNetworkPolicy {
    /** Role in the child's name: `${component}-<role>`. */
    readonly role: string;
    readonly object: k8s.networking.v1.NetworkPolicyArgs;
}

/** A Role of the bundle and, when groups are bound to it, its RoleBinding. */
export interface RenderedAccess {
    readonly access: TenantAccess;
    readonly role: k8s.rbac.v1.RoleArgs;
    readonly binding?: k8s.rbac.v1.RoleBindingArgs;
}

/** Every object of one tenant namespace, in creation order. */
export interface TenantManifests {
    readonly namespace: k8s.core.v1.NamespaceArgs;
    readonly defaultServiceAccount: k8s.core.v1.ServiceAccountPatchArgs;
    readonly networkPolicies: readonly RenderedNetworkPolicy[];
    readonly resourceQuota: k8s.core.v1.ResourceQuotaArgs;
    readonly limitRange: k8s.core.v1.LimitRangeArgs;
    readonly access: readonly RenderedAccess[];
}

/** Object names inside the tenant namespace (fixed, so admission policies and runbooks can rely on them). */
export const objectNames = {
    denyIngress: "default-deny-ingress",
    denyEgress: "default-deny-egress",
    allowDns: "allow-dns",
    allowSameNamespace: "allow-same-namespace",
    allowLinkerd: "allow-linkerd-control-plane",
    allowEgress: "allow-egress",
    allowIngress: "allow-ingress-from-namespaces",
    quota: "tenant-quota",
    limits: "tenant-limits",
    role: (access: TenantAccess) => `tenant-${access}`,
} as const;

/**
 * Everything wrong with a tenant spec, each naming the tenant, the argument and what is expected.
 * Empty when the spec can be rendered. `reserved` lists namespaces a tenant may not take;
 * `groupPrefix`, when given, is the identity prefix every bound group must carry.
 */
export function tenantSpecProblems(
    spec: TenantSpec,
    reserved: readonly string[],
    groupPrefix?: string,
): string[] {
    const who = `tenant "${spec.namespace}"`;
    const problems: string[] = [];
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(spec.namespace) || spec.namespace.length > 63) {
        problems.push(
            `${who}: namespace must be a DNS-1123 label (at most 63 lower-case letters, digits and '-')`,
        );
    } else if (
        [...kubernetesReservedNamespaces, ...reserved].includes(spec.namespace) ||
        spec.namespace.startsWith("kube-")
    ) {
        problems.push(`${who}: namespace collides with a system namespace; choose another name`);
    }
    if (spec.podSecurity !== "restricted" && spec.podSecurityReason === undefined) {
        problems.push(
            `${who}: podSecurity "${spec.podSecurity}" needs podSecurityReason (any level below restricted needs a reason on record)`,
        );
    }
    for (const level of ["admins", "developers", "viewers"] as const) {
        for (const group of spec.groups[level]) {
            if (group.startsWith("system:")) {
                problems.push(
                    `${who}: groups.${level} holds the Kubernetes system group "${group}"; bind identity-provider groups only`,
                );
            } else if (groupPrefix !== undefined && !group.startsWith(groupPrefix)) {
                problems.push(
                    `${who}: groups.${level} holds "${group}", which does not carry the identity prefix "${groupPrefix}": the API server names identity-provider groups "${groupPrefix}<group>", so the binding would match no person`,
                );
            }
        }
    }
    for (const rule of spec.egress) {
        if (rule.cidr.endsWith("/0")) {
            problems.push(
                `${who}: egress to ${rule.cidr} opens every destination; list the networks needed`,
            );
        }
        if (rule.ports.length === 0) {
            problems.push(`${who}: egress to ${rule.cidr} lists no port; list the ports needed`);
        }
    }
    const quantities: [string, string][] = [
        ...Object.entries(spec.limits).map(([k, v]): [string, string] => [`limits.${k}`, v]),
        ...(["cpuRequests", "cpuLimits", "memoryRequests", "memoryLimits", "storage"] as const).map(
            (k): [string, string] => [`quota.${k}`, spec.quota[k]],
        ),
    ];
    const unparsable = quantities.filter(([, v]) => parseQuantity(v) === undefined);
    for (const [key, value] of unparsable) {
        problems.push(
            `${who}: ${key} "${value}" is not a Kubernetes quantity such as 500m, 4 or 16Gi`,
        );
    }
    if (unparsable.length === 0) {
        for (const resource of ["Cpu", "Memory"] as const) {
            const request = spec.limits[`default${resource}Request`];
            const limit = spec.limits[`default${resource}`];
            const max = spec.limits[`max${resource}`];
            if (parseQuantity(request)! > parseQuantity(limit)!) {
                problems.push(
                    `${who}: limits.default${resource}Request (${request}) exceeds limits.default${resource} (${limit}); a default request must not exceed the default limit`,
                );
            }
            if (parseQuantity(limit)! > parseQuantity(max)!) {
                problems.push(
                    `${who}: limits.default${resource} (${limit}) exceeds limits.max${resource} (${max}); the default limit must fit under the maximum`,
                );
            }
        }
    }
    return problems;
}

/** Labels every object of a tenant carries. */
export function tenantObjectLabels(spec: TenantSpec): Record<string, string> {
    return { ...platformLabels("tenant-namespace"), [tenantLabel]: spec.namespace };
}

/**
 * The Namespace: Pod Security `enforce` at the tenant's level pinned to the cluster version, `audit`
 * and `warn` at `latest`; tenant and owner labels; mesh injection and the reason for a level below
 * restricted as annotations.
 */
export function renderNamespace(spec: TenantSpec): k8s.core.v1.NamespaceArgs {
    const annotations: Record<string, string> = {
        ...(spec.meshed ? { [linkerdInjectAnnotation]: "enabled" } : {}),
        ...(spec.podSecurityReason !== undefined && spec.podSecurity !== "restricted"
            ? { [exemptionReasonAnnotation]: spec.podSecurityReason }
            : {}),
    };
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name: spec.namespace,
            labels: {
                ...tenantObjectLabels(spec),
                [ownerLabel]: spec.owner,
                ...podSecurityLabels(spec.podSecurity, spec.kubernetesVersion),
            },
            ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
    };
}

/**
 * The namespace's `default` ServiceAccount without token automount (CIS 5.1.5): a pod that names no
 * ServiceAccount gets no API credentials.
 */
export function renderDefaultServiceAccount(spec: TenantSpec): k8s.core.v1.ServiceAccountPatchArgs {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: spec.namespace },
        automountServiceAccountToken: false,
    };
}

function networkPolicy(
    spec: TenantSpec,
    name: string,
    body: k8s.types.input.networking.v1.NetworkPolicySpec,
): k8s.networking.v1.NetworkPolicyArgs {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace: spec.namespace, labels: tenantObjectLabels(spec) },
        spec: body,
    };
}

/**
 * A selector on a namespace's `kubernetes.io/metadata.name` label, which the API server sets and
 * no tenant can forge (pure).
 */
export function namespaceSelector(namespace: string): { matchLabels: Record<string, string> } {
    return { matchLabels: { "kubernetes.io/metadata.name": namespace } };
}

/** The egress rule allowing DNS (UDP and TCP) to the cluster DNS pods, and nothing else (pure). */
export function dnsEgressRule(): Record<string, unknown> {
    return {
        to: [
            {
                namespaceSelector: namespaceSelector(clusterDns.namespace),
                podSelector: { matchLabels: { ...clusterDns.podLabels } },
            },
        ],
        ports: [
            { protocol: "UDP", port: clusterDns.port },
            { protocol: "TCP", port: clusterDns.port },
        ],
    };
}

/**
 * The NetworkPolicies: default deny for ingress and for egress (CIS 5.3.2), DNS to the cluster DNS
 * pods on UDP and TCP 53, then the tenant's own allowances (same-namespace traffic, Linkerd
 * control plane, egress allow list, ingress from named namespaces).
 */
export function renderNetworkPolicies(spec: TenantSpec): RenderedNetworkPolicy[] {
    const policies: RenderedNetworkPolicy[] = [
        {
            role: "deny-ingress",
            object: networkPolicy(spec, objectNames.denyIngress, {
                podSelector: {},
                policyTypes: ["Ingress"],
            }),
        },
        {
            role: "deny-egress",
            object: networkPolicy(spec, objectNames.denyEgress, {
                podSelector: {},
                policyTypes: ["Egress"],
            }),
        },
        {
            role: "allow-dns",
            object: networkPolicy(spec, objectNames.allowDns, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [dnsEgressRule()],
            }),
        },
    ];
    if (spec.allowSameNamespace) {
        policies.push({
            role: "allow-same-namespace",
            object: networkPolicy(spec, objectNames.allowSameNamespace, {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [{ podSelector: {} }] }],
                egress: [{ to: [{ podSelector: {} }] }],
            }),
        });
    }
    if (spec.meshed) {
        policies.push({
            role: "allow-linkerd",
            object: networkPolicy(spec, objectNames.allowLinkerd, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [{ namespaceSelector: namespaceSelector(spec.linkerdNamespace) }],
                        ports: linkerdControlPlanePorts.map((port) => ({ protocol: "TCP", port })),
                    },
                ],
            }),
        });
    }
    if (spec.egress.length > 0) {
        policies.push({
            role: "allow-egress",
            object: networkPolicy(spec, objectNames.allowEgress, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: spec.egress.map((rule) => ({
                    to: [
                        {
                            ipBlock: {
                                cidr: rule.cidr,
                                ...(rule.except !== undefined && rule.except.length > 0
                                    ? { except: [...rule.except] }
                                    : {}),
                            },
                        },
                    ],
                    ports: rule.ports.map((p) => ({
                        protocol: p.protocol ?? "TCP",
                        port: p.port,
                        ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
                    })),
                })),
            }),
        });
    }
    if (spec.ingressFromNamespaces.length > 0) {
        policies.push({
            role: "allow-ingress",
            object: networkPolicy(spec, objectNames.allowIngress, {
                podSelector: {},
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: spec.ingressFromNamespaces.map((ns) => ({
                            namespaceSelector: namespaceSelector(ns),
                        })),
                    },
                ],
            }),
        });
    }
    return policies;
}

/**
 * The ResourceQuota: compute, pods, claims, storage and GPUs, and no NodePort or LoadBalancer
 * Service at all (exposure goes through the platform's ingress, never straight to a node).
 */
export function renderResourceQuota(spec: TenantSpec): k8s.core.v1.ResourceQuotaArgs {
    const q = spec.quota;
    return {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: {
            name: objectNames.quota,
            namespace: spec.namespace,
            labels: tenantObjectLabels(spec),
        },
        spec: {
            hard: {
                "requests.cpu": q.cpuRequests,
                "limits.cpu": q.cpuLimits,
                "requests.memory": q.memoryRequests,
                "limits.memory": q.memoryLimits,
                pods: String(q.pods),
                persistentvolumeclaims: String(q.persistentVolumeClaims),
                "requests.storage": q.storage,
                "services.nodeports": "0",
                "services.loadbalancers": "0",
                [`requests.${gpuResource}`]: String(q.gpus),
            },
        },
    };
}

/**
 * The LimitRange: every container without its own requests and limits gets the defaults (so the
 * quota can account for it), and none may exceed the maximum.
 */
export function renderLimitRange(spec: TenantSpec): k8s.core.v1.LimitRangeArgs {
    const l = spec.limits;
    return {
        apiVersion: "v1",
        kind: "LimitRange",
        metadata: {
            name: objectNames.limits,
            namespace: spec.namespace,
            labels: tenantObjectLabels(spec),
        },
        spec: {
            limits: [
                {
                    type: "Container",
                    default: { cpu: l.defaultCpu, memory: l.defaultMemory },
                    defaultRequest: { cpu: l.defaultCpuRequest, memory: l.defaultMemoryRequest },
                    max: { cpu: l.maxCpu, memory: l.maxMemory },
                },
            ],
        },
    };
}

type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

const readVerbs = ["get", "list", "watch"];
const writeVerbs = ["create", "update", "patch", "delete"];

/** What tenants run: developers manage these, viewers read them. No DaemonSets (node-wide agents are platform business). */
const workloadResources: readonly { apiGroup: string; resources: readonly string[] }[] = [
    {
        apiGroup: "",
        resources: ["configmaps", "persistentvolumeclaims", "pods", "serviceaccounts", "services"],
    },
    {
        apiGroup: "apps",
        resources: [
            "deployments",
            "deployments/scale",
            "replicasets",
            "statefulsets",
            "statefulsets/scale",
        ],
    },
    { apiGroup: "batch", resources: ["cronjobs", "jobs"] },
    { apiGroup: "autoscaling", resources: ["horizontalpodautoscalers"] },
    { apiGroup: "policy", resources: ["poddisruptionbudgets"] },
    { apiGroup: "networking.k8s.io", resources: ["ingresses"] },
];

/** What every access level may read but nobody in the tenant may change (the platform owns it). */
const observedResources: readonly { apiGroup: string; resources: readonly string[] }[] = [
    { apiGroup: "", resources: ["endpoints", "events", "limitranges", "resourcequotas"] },
    { apiGroup: "discovery.k8s.io", resources: ["endpointslices"] },
    { apiGroup: "events.k8s.io", resources: ["events"] },
    { apiGroup: "networking.k8s.io", resources: ["networkpolicies"] },
];

/** Interactive access to running pods: a shell, an attached terminal, a tunnel, a debug container. */
const interactiveRules: readonly PolicyRule[] = [
    {
        apiGroups: [""],
        resources: ["pods/attach", "pods/exec", "pods/portforward"],
        verbs: ["get", "create"],
    },
    { apiGroups: [""], resources: ["pods/ephemeralcontainers"], verbs: ["patch", "update"] },
];

/**
 * The rules of one access level. No wildcard, no `bind`, `escalate` or `impersonate`, no
 * `serviceaccounts/token` and no write access to RBAC, quota, limits or network policies anywhere.
 * Admins get Secrets and interactive access; developers only when the stack allows it; viewers
 * never. (Creating pods still lets a developer mount a Secret of the namespace: the restriction
 * removes direct reads, the audit log records the rest.)
 */
export function accessRules(spec: TenantSpec, access: TenantAccess): PolicyRule[] {
    const canWrite = access !== "viewer";
    const rules: PolicyRule[] = workloadResources.map((g) => ({
        apiGroups: [g.apiGroup],
        resources: [...g.resources],
        verbs: canWrite ? [...readVerbs, ...writeVerbs] : [...readVerbs],
    }));
    rules.push({ apiGroups: [""], resources: ["pods/log"], verbs: ["get"] });
    for (const g of observedResources) {
        rules.push({ apiGroups: [g.apiGroup], resources: [...g.resources], verbs: [...readVerbs] });
    }
    const secrets = access === "admin" || (access === "developer" && spec.allowDeveloperSecretRead);
    if (secrets) {
        rules.push({
            apiGroups: [""],
            resources: ["secrets"],
            verbs: [...readVerbs, ...writeVerbs],
        });
    }
    const interactive = access === "admin" || (access === "developer" && spec.allowDeveloperExec);
    if (interactive) {
        rules.push(...interactiveRules.map((r) => ({ ...r })));
    }
    if (access === "admin") {
        rules.push({
            apiGroups: ["rbac.authorization.k8s.io"],
            resources: ["rolebindings", "roles"],
            verbs: [...readVerbs],
        });
    }
    return rules;
}

function groupsOf(spec: TenantSpec, access: TenantAccess): readonly string[] {
    switch (access) {
        case "admin":
            return spec.groups.admins;
        case "developer":
            return spec.groups.developers;
        case "viewer":
            return spec.groups.viewers;
    }
}

/** The Roles of the tenant and, for each level with groups, the RoleBinding to those groups. */
export function renderAccess(spec: TenantSpec): RenderedAccess[] {
    return tenantAccessLevels.map((access) => {
        const name = objectNames.role(access);
        const metadata = { name, namespace: spec.namespace, labels: tenantObjectLabels(spec) };
        const groups = groupsOf(spec, access);
        return {
            access,
            role: {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata,
                rules: accessRules(spec, access),
            },
            ...(groups.length > 0
                ? {
                      binding: {
                          apiVersion: "rbac.authorization.k8s.io/v1",
                          kind: "RoleBinding",
                          metadata: { ...metadata, labels: { ...metadata.labels } },
                          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
                          subjects: groups.map((group) => ({
                              apiGroup: "rbac.authorization.k8s.io",
                              kind: "Group",
                              name: group,
                          })),
                      },
                  }
                : {}),
        };
    });
}

/** Every object of a tenant namespace. */
export function renderTenant(spec: TenantSpec): TenantManifests {
    return {
        namespace: renderNamespace(spec),
        defaultServiceAccount: renderDefaultServiceAccount(spec),
        networkPolicies: renderNetworkPolicies(spec),
        resourceQuota: renderResourceQuota(spec),
        limitRange: renderLimitRange(spec),
        access: renderAccess(spec),
    };
}
