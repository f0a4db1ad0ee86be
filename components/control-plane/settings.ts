/**
 * The `controlPlane` and `identity` settings: the tunable flags of the API server, controller
 * manager, scheduler and etcd, and the site's identity provider as the API server trusts it.
 */
import { z } from "zod";
import { kubernetesReleasePattern } from "../../contract/kubernetes";
import { addIssues } from "../shared/settings";
import { defaults, identityDefaults } from "./defaults";
import {
    ControlPlaneSettingsSpec,
    identitySiteIssues,
    IdentitySpec,
    isAirGapped,
    validateControlPlaneSettings,
    validateIdentitySpec,
} from "./render";

/** One EventRateLimit bucket: events per second, burst, and how many namespaces/users it tracks. */
const rateLimit = (base: { qps: number; burst: number; cacheSize: number }) =>
    z
        .object({
            /** Events per second, sustained. */
            qps: z.number().int().default(base.qps),
            /** Events accepted at once above the rate. */
            burst: z.number().int().default(base.burst),
            /** How many namespaces or users the limiter tracks. */
            cacheSize: z.number().int().default(base.cacheSize),
        })
        .strict()
        .default({});

/**
 * `controlPlane`: the tunable part of the API server, controller manager, scheduler and etcd
 * flags. Anonymous access, Node,RBAC authorization, NodeRestriction, PodSecurity, EventRateLimit,
 * DenyServiceExternalIPs, profiling off, loopback binds, certificate authentication of etcd and
 * the kubelets, service-account lookup and bound token lifetimes are fixed by the platform (CIS 1.2,
 * 1.3, 1.4, 2) and have no setting.
 * @default CIS-hardened values (see each key)
 */
export const controlPlaneSection = z
    .object({
        /**
         * The exact Kubernetes release kubeadm installs (`v1.33.6`), written into the kubeadm
         * ClusterConfiguration. Without it kubeadm looks up the newest stable release on dl.k8s.io,
         * which an air-gapped site cannot reach and a declarative one must not depend on: the
         * stack policy control-plane-hardened refuses a stack without it. Its minor version is
         * `kubernetesVersion`'s. @default unset (refused by control-plane-hardened)
         */
        kubernetesRelease: z
            .string()
            .regex(kubernetesReleasePattern, "expected an exact release such as v1.33.6")
            .optional(),
        /** Lowest TLS version served (API server, controller manager, scheduler). @default "VersionTLS12" */
        tlsMinVersion: z.enum(["VersionTLS12", "VersionTLS13"]).default(defaults.tlsMinVersion),
        /** TLS 1.2 cipher suites, a subset of the ECDHE AEAD suites (CIS 1.2.29). @default all of them */
        tlsCipherSuites: z.array(z.string()).default([...defaults.tlsCipherSuites]),
        /** API-server request timeout, 1s to 5m (CIS 1.2.20). @default "60s" */
        requestTimeout: z.string().default(defaults.requestTimeout),
        /** Enable the AlwaysPullImages admission plugin (CIS 1.2.11). @default true */
        alwaysPullImages: z.boolean().default(defaults.alwaysPullImages),
        /** Longest lifetime of a requested service-account token, at least 1h. @default "24h" */
        serviceAccountMaxTokenExpiration: z
            .string()
            .default(defaults.serviceAccountMaxTokenExpiration),
        /**
         * CA the API server verifies the kubelets' serving certificates with (CIS 1.2.5): the
         * cluster CA signs bootstrapped ones; with kubelet servingCertificates "files", the CA of
         * those files. @default "/etc/kubernetes/pki/ca.crt"
         */
        kubeletCertificateAuthority: z.string().default(defaults.kubeletCertificateAuthority),
        /** Terminated pods kept before garbage collection (CIS 1.3.1). @default 1000 */
        terminatedPodGCThreshold: z.number().int().default(defaults.terminatedPodGCThreshold),
        /** EventRateLimit buckets (CIS 1.2.9). @default namespace 50/100, user 10/50 (qps/burst) */
        eventRateLimit: z
            .object({
                /** Events of one namespace. */
                namespace: rateLimit(defaults.eventRateLimit.namespace),
                /** Events of one user. */
                user: rateLimit(defaults.eventRateLimit.user),
            })
            .strict()
            .default({}),
    })
    .strict()
    .superRefine((section, ctx) => {
        const spec: ControlPlaneSettingsSpec = section;
        addIssues(ctx, validateControlPlaneSettings(spec));
    })
    .default({});

/** Typed `controlPlane` settings. */
export type ControlPlaneSettings = z.infer<typeof controlPlaneSection>;

/**
 * `identity`: the site's identity provider (single sign-on, e.g. a Keycloak realm), as the API
 * server's JWT authenticator trusts it. Every user and group it names appears in the cluster as
 * `<prefix><name>`; the prefix is defined here once, and every tenant and break-glass group must
 * carry it ({@link checkIdentityGroups}), so those bindings can match a person.
 * @default no issuer (no person can log in through an identity provider), prefix "oidc:"
 */
export const identitySection = z
    .object({
        /**
         * Issuer URL of the identity provider, exactly as its tokens' `iss` claim: https only
         * (Keycloak: `https://<host>/realms/<realm>`). Unset: no JWT authenticator.
         */
        issuer: z.string().optional(),
        /**
         * PEM CA certificates that sign the issuer's TLS certificate. Required in an air-gapped
         * stack (`images.mirror` or `charts.mirror` set), where that CA is the site's own.
         */
        certificateAuthority: z.string().optional(),
        /** Acceptable `aud` values: the client ID(s) the provider issues the cluster's tokens to. @default [] */
        audiences: z.array(z.string()).default([]),
        /**
         * Claim a person's user name comes from: `sub` (immutable), `preferred_username` (only
         * where users cannot rename themselves) or `email` (verified addresses only).
         * @default "sub"
         */
        usernameClaim: z
            .enum(["sub", "preferred_username", "email"])
            .default(identityDefaults.usernameClaim),
        /** Claim the groups come from (Keycloak: a Group Membership mapper without full path). @default "groups" */
        groupsClaim: z.string().default(identityDefaults.groupsClaim),
        /** Prefix of every identity-provider user and group in the cluster. @default "oidc:" */
        prefix: z.string().default(identityDefaults.prefix),
    })
    .strict()
    .superRefine((section, ctx) => {
        const spec: IdentitySpec = section;
        addIssues(ctx, validateIdentitySpec(spec));
    })
    .default({});

/** Typed `identity` settings. */
export type IdentitySettings = z.infer<typeof identitySection>;

/**
 * Cross-section check, run on the whole settings object: an air-gapped stack names its identity
 * provider's CA, and every group a binding names (tenant roles, break-glass, the audit policy's
 * break-glass groups) carries the identity prefix. A group without it can never match a person:
 * the API server names every group from the provider `<prefix><group>`. Kubernetes `system:`
 * groups are refused by their own sections.
 */
export function checkIdentityGroups(
    settings: {
        readonly identity: IdentitySettings;
        readonly images: { readonly mirror?: string };
        readonly charts: { readonly mirror?: unknown };
        readonly tenants: readonly {
            readonly name: string;
            readonly groups: Readonly<
                Record<"admins" | "developers" | "viewers", readonly string[]>
            >;
        }[];
        readonly breakGlass: { readonly group?: string };
        readonly audit: { readonly breakGlassGroups: readonly string[] };
    },
    ctx: z.RefinementCtx,
): void {
    for (const issue of identitySiteIssues(settings.identity, isAirGapped(settings))) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ["identity", ...issue.path],
            message: issue.message,
        });
    }
    const prefix = settings.identity.prefix;
    const check = (group: string, path: (string | number)[], who: string): void => {
        if (group.startsWith("system:") || group.startsWith(prefix)) {
            return;
        }
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path,
            message: `${who}: group "${group}" does not carry the identity prefix "${prefix}" (identity.prefix): the API server names every identity-provider group "${prefix}<group>", so this binding would match no person; write "${prefix}${group}"`,
        });
    };
    settings.tenants.forEach((tenant, i) => {
        for (const role of ["admins", "developers", "viewers"] as const) {
            tenant.groups[role].forEach((group, j) => {
                check(group, ["tenants", i, "groups", role, j], `tenant "${tenant.name}"`);
            });
        }
    });
    if (settings.breakGlass.group !== undefined) {
        check(settings.breakGlass.group, ["breakGlass", "group"], "break-glass");
    }
    settings.audit.breakGlassGroups.forEach((group, i) => {
        check(group, ["audit", "breakGlassGroups", i], "audit break-glass");
    });
}
