import { z } from "zod";
import { identityDefaults } from "../../components/control-plane/defaults";
import {
    identitySiteIssues,
    IdentitySpec,
    isAirGapped,
    validateIdentitySpec,
} from "../../components/control-plane/render";

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
        for (const issue of validateIdentitySpec(spec)) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: [...issue.path],
                message: issue.message,
            });
        }
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
