/**
 * The `tenants` and `tenancy` settings: the teams of the platform, one namespace each, and how
 * every tenant namespace is managed; and the cross-section check that no tenant takes a namespace
 * the platform reserves.
 */
import { isIP } from "net";
import { z } from "zod";
import { dns1123Label } from "../shared/settings";
import { kubernetesNamespaces } from "./defaults";

const dns1123Pattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A label value (owner label): at most 63 characters, alphanumerics with `-`, `_`, `.` inside. */
const labelValue = z
    .string()
    .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, {
        message:
            "expected a label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
    })
    .max(63, { message: "expected at most 63 characters (label value)" });

/** A Kubernetes resource quantity: `500m`, `4`, `16Gi`, `1.5`. */
const quantity = z.string().regex(/^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, {
    message: "expected a Kubernetes quantity such as 500m, 4, 512Mi or 16Gi",
});

/**
 * A quantity a container limit is set from: above zero, since a LimitRange `max` or default limit
 * of 0 admits no container at all (every pod of the tenant would be refused).
 */
const limitQuantity = quantity.refine((q) => !/^0+(\.0+)?[A-Za-z]*$/.test(q), {
    message:
        "expected a quantity above zero such as 500m, 4 or 512Mi: a container limit of 0 admits no container",
});

/** An identity-provider group name. `system:` groups are Kubernetes' own and never bound here. */
export const groupName = z.string().trim().min(1, { message: "expected a non-empty group name" });

/** A CIDR block, IPv4 or IPv6. */
const cidr = z.string().refine(isCidr, {
    message: "expected a CIDR block such as 10.20.0.0/16 or fd00:10::/64",
});

/** One destination port of an egress rule. */
const egressPort = z
    .object({
        /** Port number. */
        port: z.number().int().min(1).max(65535),
        /** Last port of a range starting at `port`. */
        endPort: z.number().int().min(1).max(65535).optional(),
        /** Transport protocol. @default "TCP" */
        protocol: z.enum(["TCP", "UDP", "SCTP"]).default("TCP"),
    })
    .strict()
    .refine((p) => p.endPort === undefined || p.endPort >= p.port, {
        message: "expected endPort to be at least port",
        path: ["endPort"],
    });

/** One entry of a tenant's egress allow list: a CIDR block and the ports allowed to it. */
const egressRule = z
    .object({
        /** Destination CIDR block (e.g. the internal model registry mirror). */
        cidr,
        /** Blocks inside `cidr` that stay denied. @default [] */
        except: z.array(cidr).default([]),
        /** Destination ports; at least one (a whole network on every port is never opened). */
        ports: z.array(egressPort).min(1, {
            message: "expected at least one port: list the ports the tenant needs on this network",
        }),
    })
    .strict();

/**
 * One tenant: a team that gets its own namespace with the baseline guardrails (Pod Security labels,
 * default-deny network policies with DNS allowed, quota and limit defaults, group-bound roles).
 */
export const tenantSettings = z
    .object({
        /** Namespace name: a DNS-1123 label, unique, not a Kubernetes or platform namespace. */
        name: z.string(),
        /** Owning team, as the `tenancy.sovereign-contour.io/owner` label value. */
        owner: labelValue,
        /** Pod Security level enforced in the namespace. @default "restricted" */
        podSecurity: z.enum(["baseline", "restricted"]).default("restricted"),
        /** Why the tenant needs a level below restricted; required for baseline. */
        podSecurityReason: z.string().trim().min(1).optional(),
        /** Identity-provider groups bound to the tenant's roles. @default no group on any role */
        groups: z
            .object({
                /** Groups bound to `tenant-admin`. @default [] */
                admins: z.array(groupName).default([]),
                /** Groups bound to `tenant-developer`. @default [] */
                developers: z.array(groupName).default([]),
                /** Groups bound to `tenant-viewer`. @default [] */
                viewers: z.array(groupName).default([]),
            })
            .strict()
            .default({}),
        /** Traffic the tenant is allowed beyond DNS; everything else is denied. */
        network: z
            .object({
                /** Allow traffic between the tenant's own pods. @default false */
                allowSameNamespace: z.boolean().default(false),
                /** The tenant is in the Linkerd mesh (injection and control-plane egress). @default false */
                meshed: z.boolean().default(false),
                /** Egress allow list: CIDR blocks and ports. @default [] */
                egress: z.array(egressRule).default([]),
                /** Namespaces whose pods may connect in (e.g. the ingress gateway). @default [] */
                ingressFromNamespaces: z.array(dns1123Label).default([]),
            })
            .strict()
            .default({}),
        /** ResourceQuota sizes; unset values take the component defaults. */
        quota: z
            .object({
                /** `requests.cpu`. @default "8" */
                cpuRequests: quantity.optional(),
                /** `limits.cpu`. @default "16" */
                cpuLimits: quantity.optional(),
                /** `requests.memory`. @default "16Gi" */
                memoryRequests: quantity.optional(),
                /** `limits.memory`. @default "32Gi" */
                memoryLimits: quantity.optional(),
                /** `pods`. @default 50 */
                pods: z.number().int().min(0).optional(),
                /** `persistentvolumeclaims`. @default 10 */
                persistentVolumeClaims: z.number().int().min(0).optional(),
                /** `requests.storage`. @default "100Gi" */
                storage: quantity.optional(),
                /** `requests.nvidia.com/gpu`: GPUs the tenant may request. @default 0 */
                gpus: z.number().int().min(0).optional(),
            })
            .strict()
            .default({}),
        /** LimitRange defaults per container; unset values take the component defaults. */
        limits: z
            .object({
                /** Default CPU limit. @default "500m" */
                defaultCpu: limitQuantity.optional(),
                /** Default memory limit. @default "512Mi" */
                defaultMemory: limitQuantity.optional(),
                /** Default CPU request. @default "100m" */
                defaultCpuRequest: quantity.optional(),
                /** Default memory request. @default "128Mi" */
                defaultMemoryRequest: quantity.optional(),
                /** Largest CPU limit of one container. @default "4" */
                maxCpu: limitQuantity.optional(),
                /** Largest memory limit of one container. @default "8Gi" */
                maxMemory: limitQuantity.optional(),
            })
            .strict()
            .default({}),
    })
    .strict()
    .superRefine((tenant, ctx) => {
        const who = `tenant "${tenant.name}"`;
        if (!dns1123Pattern.test(tenant.name) || tenant.name.length > 63) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["name"],
                message: `${who}: the name must be a DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)`,
            });
        } else if (isKubernetesNamespace(tenant.name)) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["name"],
                message: `${who}: the name is a Kubernetes system namespace (${kubernetesNamespaces.join(", ")} and the kube- prefix are reserved); choose another name`,
            });
        }
        if (tenant.podSecurity !== "restricted" && tenant.podSecurityReason === undefined) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["podSecurityReason"],
                message: `${who} enforces Pod Security "${tenant.podSecurity}": set podSecurityReason, a reason is required for any level below restricted`,
            });
        }
        for (const role of ["admins", "developers", "viewers"] as const) {
            tenant.groups[role].forEach((group, i) => {
                if (group.startsWith("system:")) {
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: ["groups", role, i],
                        message: `${who}: "${group}" is a Kubernetes system group; bind identity-provider groups only (binding system: groups grants access to every authenticated client or node)`,
                    });
                }
            });
        }
        tenant.network.egress.forEach((rule, i) => {
            if (rule.cidr.endsWith("/0")) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: ["network", "egress", i, "cidr"],
                    message: `${who}: egress to ${rule.cidr} opens every destination; list the networks the tenant needs`,
                });
            }
        });
        if (tenant.network.ingressFromNamespaces.includes(tenant.name)) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["network", "ingressFromNamespaces"],
                message: `${who}: lists its own namespace in ingressFromNamespaces; use network.allowSameNamespace instead`,
            });
        }
    });

/** Typed settings of one tenant. */
export type TenantSettings = z.infer<typeof tenantSettings>;

/**
 * `tenants`: the teams of the platform, one namespace each. Names are unique; a namespace the
 * platform reserves (its components', the exempt ones) is refused by
 * {@link checkTenantNamespaceCollisions}.
 * @default []
 */
export const tenantsSection = z
    .array(tenantSettings)
    .default([])
    .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((tenant, i) => {
            if (seen.has(tenant.name)) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: [i, "name"],
                    message: `tenant "${tenant.name}" is declared more than once; tenant names must be unique`,
                });
            }
            seen.add(tenant.name);
        });
    });

/**
 * `tenancy`: how every tenant namespace is managed. The defaults are the production posture;
 * a development stack may loosen them by name.
 */
export const tenancySection = z
    .object({
        /**
         * Protect every tenant resource from deletion by Pulumi (deleting a namespace deletes its
         * data); removing a tenant then takes an explicit `pulumi state unprotect`.
         * @default true
         */
        protect: z.boolean().default(true),
        /** Give developers `pods/exec`, `attach`, `portforward` and ephemeral containers. @default false */
        allowDeveloperExec: z.boolean().default(false),
        /** Give developers read and write access to Secrets. @default false */
        allowDeveloperSecretRead: z.boolean().default(false),
    })
    .strict()
    .default({});

/** Typed `tenancy` settings. */
export type TenancySettings = z.infer<typeof tenancySection>;

/** The settings {@link reservedNamespaces} derives the platform's namespaces from. */
export interface PlatformNamespaceSettings {
    readonly systemNamespaces: readonly { readonly name: string }[];
    readonly gatekeeper: {
        readonly namespace: string;
        readonly exemptNamespaces: readonly string[];
        readonly exposedServiceNamespaces: readonly string[];
    };
    readonly kyverno: { readonly namespace: string; readonly exemptNamespaces: readonly string[] };
    readonly certManager: { readonly namespace: string };
    readonly linkerd: { readonly namespace: string; readonly cniNamespace: string };
    readonly falco: { readonly namespace: string };
}

/**
 * Every namespace a tenant may not take, by name, with the settings that reserve it (each as
 * `key (why)`): the namespaces the platform's components create and run in (whether or not the
 * component is enabled, so that enabling it later cannot collide with a tenant), the
 * `systemNamespaces`, the namespaces no admission policy applies to, and those whose Services may
 * be exposed. A tenant there would share its namespace, roles and exemptions with the platform.
 * The Kubernetes namespaces and the `kube-` prefix are refused per tenant (see
 * {@link kubernetesNamespaces}).
 */
export function reservedNamespaces(settings: PlatformNamespaceSettings): Map<string, string[]> {
    const reserved = new Map<string, string[]>();
    const reserve = (names: readonly string[], why: string): void => {
        for (const name of names) {
            const reasons = reserved.get(name) ?? [];
            if (!reasons.includes(why)) {
                reasons.push(why);
            }
            reserved.set(name, reasons);
        }
    };
    reserve(
        settings.systemNamespaces.map((ns) => ns.name),
        "systemNamespaces (the platform's own components run there)",
    );
    reserve([settings.gatekeeper.namespace], "gatekeeper.namespace (Gatekeeper runs there)");
    reserve([settings.kyverno.namespace], "kyverno.namespace (Kyverno runs there)");
    reserve(
        [settings.certManager.namespace],
        "certManager.namespace (cert-manager and the internal CA run there)",
    );
    reserve(
        [settings.linkerd.namespace],
        "linkerd.namespace (the Linkerd control plane runs there)",
    );
    reserve(
        [settings.linkerd.cniNamespace],
        "linkerd.cniNamespace (the Linkerd CNI plugin runs there)",
    );
    reserve([settings.falco.namespace], "falco.namespace (Falco runs there)");
    reserve(
        settings.gatekeeper.exemptNamespaces,
        "gatekeeper.exemptNamespaces (no Gatekeeper constraint applies there)",
    );
    reserve(
        settings.kyverno.exemptNamespaces,
        "kyverno.exemptNamespaces (no Kyverno policy applies there)",
    );
    reserve(
        settings.gatekeeper.exposedServiceNamespaces,
        "gatekeeper.exposedServiceNamespaces (Services there may be NodePort or LoadBalancer)",
    );
    return reserved;
}

/**
 * Cross-section check, run on the whole settings object: no tenant may take a namespace the
 * platform reserves ({@link reservedNamespaces}); the error names each setting that reserves it.
 */
export function checkTenantNamespaceCollisions(
    settings: PlatformNamespaceSettings & {
        readonly tenants: readonly { readonly name: string }[];
    },
    ctx: z.RefinementCtx,
): void {
    const reserved = reservedNamespaces(settings);
    settings.tenants.forEach((tenant, i) => {
        const reasons = reserved.get(tenant.name);
        // A Kubernetes namespace is already refused with its own message (tenantSettings).
        if (reasons === undefined || isKubernetesNamespace(tenant.name)) {
            return;
        }
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ["tenants", i, "name"],
            message:
                `tenant "${tenant.name}" takes a namespace the platform reserves: ` +
                `${reasons.join("; ")}. A tenant there would share the namespace, its roles and ` +
                "its exemptions with the platform; choose another name",
        });
    });
}

/** True for a namespace Kubernetes owns: {@link kubernetesNamespaces} and the `kube-` prefix. */
function isKubernetesNamespace(name: string): boolean {
    return kubernetesNamespaces.includes(name) || name.startsWith("kube-");
}

function isCidr(value: string): boolean {
    const slash = value.indexOf("/");
    if (slash < 0) {
        return false;
    }
    const address = value.slice(0, slash);
    const prefix = value.slice(slash + 1);
    const family = isIP(address);
    if (family === 0 || !/^\d{1,3}$/.test(prefix)) {
        return false;
    }
    return Number(prefix) <= (family === 4 ? 32 : 128);
}
