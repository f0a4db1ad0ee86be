import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { TenancySettings, TenantSettings } from "./settings";
import { childOptions } from "../shared/options";
import { tenantDefaults } from "./defaults";
import {
    renderTenant,
    TenantAccess,
    TenantEgressRule,
    TenantGroups,
    TenantLimits,
    TenantManifests,
    TenantQuota,
    TenantSpec,
    tenantSpecProblems,
} from "./render";

export {
    objectNames,
    ownerLabel,
    renderTenant,
    tenantAccessLevels,
    tenantLabel,
    tenantSpecProblems,
} from "./render";
export type {
    TenantAccess,
    TenantEgressRule,
    TenantGroups,
    TenantLimits,
    TenantManifests,
    TenantQuota,
    TenantSpec,
} from "./render";

/** Arguments of {@link TenantNamespace}. */
export interface TenantNamespaceArgs {
    /** Namespace name: a DNS-1123 label that is not a Kubernetes or platform namespace. */
    readonly namespace: string;
    /** Owning team, written to the `tenancy.sovereign-contour.io/owner` label. */
    readonly owner: string;
    /** Target Kubernetes minor version (`1.33`), pinned in the `enforce-version` label. */
    readonly kubernetesVersion: string;
    /** Pod Security level enforced in the namespace. @default "restricted" */
    readonly podSecurity?: "baseline" | "restricted";
    /** Why the tenant needs a level below restricted; required for baseline. */
    readonly podSecurityReason?: string;
    /** Identity-provider groups per access level. @default no group bound to any Role */
    readonly groups?: Partial<TenantGroups>;
    /**
     * The identity prefix the API server gives every identity-provider group (setting
     * `identity.prefix`): each bound group must carry it, or its binding matches no person.
     * @default not checked
     */
    readonly identityGroupPrefix?: string;
    /** Give developers exec, attach, port-forward and ephemeral containers. @default false */
    readonly allowDeveloperExec?: boolean;
    /** Give developers access to Secrets. @default false */
    readonly allowDeveloperSecretRead?: boolean;
    /** Allow traffic between the tenant's own pods. @default false */
    readonly allowSameNamespace?: boolean;
    /** Put the namespace in the Linkerd mesh and allow egress to its control plane. @default false */
    readonly meshed?: boolean;
    /** Namespace of the Linkerd control plane. @default "linkerd" */
    readonly linkerdNamespace?: string;
    /** Egress allow list: CIDR blocks and ports. @default [] */
    readonly egress?: readonly TenantEgressRule[];
    /** Namespaces whose pods may connect in (e.g. the ingress gateway). @default [] */
    readonly ingressFromNamespaces?: readonly string[];
    /** ResourceQuota sizes. @default see `tenantDefaults.quota` (8 CPU requested, no GPU, ...) */
    readonly quota?: Partial<TenantQuota>;
    /** LimitRange values per container. @default see `tenantDefaults.limits` */
    readonly limits?: Partial<TenantLimits>;
    /**
     * Namespaces the platform's own components use; a tenant may not take one. The Kubernetes
     * namespaces (kube-system, kube-public, kube-node-lease, default) are always reserved.
     * @default []
     */
    readonly reservedNamespaces?: readonly string[];
    /**
     * Protect every resource of the tenant from deletion by Pulumi: deleting the namespace deletes
     * the tenant's data, and deleting one of its policies would open it up.
     * @default true
     */
    readonly protect?: boolean;
}

/** The arguments of a tenant from the stack settings (see `components/tenant-namespace/settings.ts`). */
export function tenantNamespaceArgs(
    tenant: TenantSettings,
    tenancy: TenancySettings,
    kubernetesVersion: string,
    reservedNamespaces: readonly string[],
): TenantNamespaceArgs {
    return {
        namespace: tenant.name,
        owner: tenant.owner,
        kubernetesVersion,
        podSecurity: tenant.podSecurity,
        podSecurityReason: tenant.podSecurityReason,
        groups: tenant.groups,
        allowDeveloperExec: tenancy.allowDeveloperExec,
        allowDeveloperSecretRead: tenancy.allowDeveloperSecretRead,
        allowSameNamespace: tenant.network.allowSameNamespace,
        meshed: tenant.network.meshed,
        egress: tenant.network.egress,
        ingressFromNamespaces: tenant.network.ingressFromNamespaces,
        quota: dropUndefined(tenant.quota),
        limits: dropUndefined(tenant.limits),
        reservedNamespaces,
        protect: tenancy.protect,
    };
}

/** The spec a tenant is rendered from: the arguments over {@link tenantDefaults}. */
export function resolveTenantSpec(args: TenantNamespaceArgs): TenantSpec {
    return {
        namespace: args.namespace,
        owner: args.owner,
        kubernetesVersion: args.kubernetesVersion,
        podSecurity: args.podSecurity ?? tenantDefaults.podSecurity,
        ...(args.podSecurityReason !== undefined
            ? { podSecurityReason: args.podSecurityReason }
            : {}),
        groups: {
            admins: [...(args.groups?.admins ?? [])],
            developers: [...(args.groups?.developers ?? [])],
            viewers: [...(args.groups?.viewers ?? [])],
        },
        allowDeveloperExec: args.allowDeveloperExec ?? false,
        allowDeveloperSecretRead: args.allowDeveloperSecretRead ?? false,
        allowSameNamespace: args.allowSameNamespace ?? false,
        meshed: args.meshed ?? false,
        linkerdNamespace: args.linkerdNamespace ?? tenantDefaults.linkerdNamespace,
        egress: (args.egress ?? []).map((rule) => ({
            cidr: rule.cidr,
            except: [...(rule.except ?? [])],
            ports: rule.ports.map((p) => ({ ...p })),
        })),
        ingressFromNamespaces: [...(args.ingressFromNamespaces ?? [])],
        quota: { ...tenantDefaults.quota, ...dropUndefined(args.quota ?? {}) },
        limits: { ...tenantDefaults.limits, ...dropUndefined(args.limits ?? {}) },
    };
}

/**
 * One tenant of the platform (baseline layer): a namespace with Pod Security labels, default-deny
 * NetworkPolicies with DNS allowed, a ResourceQuota and LimitRange, Roles bound to the tenant's
 * identity-provider groups, and a `default` ServiceAccount that mounts no token.
 *
 * The Namespace carries the component's `dependsOn` (see `childOptions`), so the tenant is created
 * only after the layers it is placed behind, and every object inside the namespace waits for the
 * Namespace itself (and so, transitively, for those layers).
 */
export class TenantNamespace extends pulumi.ComponentResource {
    /** The namespace name. */
    readonly namespaceName: string;
    /** The Namespace. */
    readonly namespace: k8s.core.v1.Namespace;
    /** The patch that turns off token automount on the `default` ServiceAccount. */
    readonly defaultServiceAccount: k8s.core.v1.ServiceAccountPatch;
    /** The NetworkPolicies by role (`deny-ingress`, `deny-egress`, `allow-dns`, ...). */
    readonly networkPolicies: Readonly<Record<string, k8s.networking.v1.NetworkPolicy>>;
    /** The ResourceQuota. */
    readonly resourceQuota: k8s.core.v1.ResourceQuota;
    /** The LimitRange. */
    readonly limitRange: k8s.core.v1.LimitRange;
    /** The Roles by access level. */
    readonly roles: Readonly<Record<TenantAccess, k8s.rbac.v1.Role>>;
    /** The RoleBindings by access level; a level without groups has none. */
    readonly roleBindings: Readonly<Partial<Record<TenantAccess, k8s.rbac.v1.RoleBinding>>>;

    constructor(name: string, args: TenantNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:baseline:TenantNamespace", name, {}, opts);
        const spec = resolveTenantSpec(args);
        const problems = tenantSpecProblems(
            spec,
            args.reservedNamespaces ?? [],
            args.identityGroupPrefix,
        );
        if (problems.length > 0) {
            throw new pulumi.ResourceError(problems.join("; "), this);
        }
        const protect = args.protect ?? tenantDefaults.protect;
        const manifests = renderTenant(spec);

        this.namespaceName = spec.namespace;
        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            manifests.namespace,
            childOptions(this, opts, { protect }),
        );
        // Everything below lives in the namespace, so it waits for it, and through it for the
        // readiness gates the Namespace waits for: one dependency each instead of every gate, so a
        // tenant's dependency edges stay few (the stack policy follows dependencies transitively).
        const inNamespace = (...after: pulumi.Resource[]): pulumi.CustomResourceOptions => ({
            parent: this,
            protect,
            dependsOn: [this.namespace, ...after],
        });

        // The ServiceAccount controller creates `default` in every new namespace. Declaring it as a
        // ServiceAccount would make Pulumi create an object that already exists and delete one the
        // controller immediately recreates; a Server-Side Apply patch owns only the one field it
        // sets and gives it back when removed.
        this.defaultServiceAccount = new k8s.core.v1.ServiceAccountPatch(
            `${name}-default-sa`,
            manifests.defaultServiceAccount,
            inNamespace(),
        );
        const networkPolicies: Record<string, k8s.networking.v1.NetworkPolicy> = {};
        for (const policy of manifests.networkPolicies) {
            networkPolicies[policy.role] = new k8s.networking.v1.NetworkPolicy(
                `${name}-${policy.role}`,
                policy.object,
                inNamespace(),
            );
        }
        this.networkPolicies = networkPolicies;
        this.resourceQuota = new k8s.core.v1.ResourceQuota(
            `${name}-quota`,
            manifests.resourceQuota,
            inNamespace(),
        );
        this.limitRange = new k8s.core.v1.LimitRange(
            `${name}-limits`,
            manifests.limitRange,
            inNamespace(),
        );
        const { roles, roleBindings } = createAccess(name, manifests.access, inNamespace);
        this.roles = roles;
        this.roleBindings = roleBindings;

        this.registerOutputs({
            namespaceName: this.namespaceName,
            networkPolicies: Object.keys(networkPolicies),
            roleBindings: Object.keys(roleBindings),
        });
    }
}

/**
 * Creates the Role of each access level and, when the level has groups, its RoleBinding (which
 * waits for the Role), in the order of `access`.
 */
function createAccess(
    name: string,
    access: TenantManifests["access"],
    inNamespace: (...after: pulumi.Resource[]) => pulumi.CustomResourceOptions,
): {
    roles: Record<TenantAccess, k8s.rbac.v1.Role>;
    roleBindings: Partial<Record<TenantAccess, k8s.rbac.v1.RoleBinding>>;
} {
    const roles = {} as Record<TenantAccess, k8s.rbac.v1.Role>;
    const roleBindings: Partial<Record<TenantAccess, k8s.rbac.v1.RoleBinding>> = {};
    for (const level of access) {
        roles[level.access] = new k8s.rbac.v1.Role(
            `${name}-role-${level.access}`,
            level.role,
            inNamespace(),
        );
        if (level.binding !== undefined) {
            roleBindings[level.access] = new k8s.rbac.v1.RoleBinding(
                `${name}-binding-${level.access}`,
                level.binding,
                inNamespace(roles[level.access]),
            );
        }
    }
    return { roles, roleBindings };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
    return Object.fromEntries(
        Object.entries(value).filter(([, v]) => v !== undefined),
    ) as Partial<T>;
}
