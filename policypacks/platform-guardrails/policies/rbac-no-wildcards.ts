import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";
import { allowListProperty } from "../lib/config";
import {
    aggregatedBuiltInRules,
    PlatformRolesConfig,
    roleTypes,
    rulesOf,
    wildcardsOf,
} from "../lib/rbac";

/**
 * No wildcards in Roles and ClusterRoles: no rule may list `*` among its `verbs` or `apiGroups`,
 * among its `resources` (alone or with a subresource, as in `*` + `/scale`), or among its
 * `nonResourceURLs` (`*`, `/*`: every URL, `/debug/pprof` and `/logs` included). A wildcard grants
 * every current and future permission of its kind, including ones added by CRDs installed later.
 * An aggregated ClusterRole gets its rules from the ClusterRoles its `aggregationRule` selects:
 * a selector that matches the built-in cluster-admin (an empty selector, or one on the
 * `kubernetes.io/bootstrapping` label every built-in role carries) aggregates its wildcards, whatever
 * the role's own `rules` say. Matching is what the API server's authorizer does (exact and
 * case-sensitive), so `pods/*` or a `resourceNames` entry `*` is no wildcard. Platform roles that
 * truly need one (admission controllers reading every kind) are listed in `allowedRoles`.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.1.3, nist-800-53-ac-6, nist-800-53-ac-6(1), iso-27001-a.8.2
 * @topics rbac, least-privilege
 * @link https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege
 */
export const rbacNoWildcards: ResourceValidationPolicy = {
    name: "rbac-no-wildcards",
    description:
        "Roles and ClusterRoles must not use wildcards in verbs, resources, apiGroups or nonResourceURLs, written or aggregated.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedRoles: allowListProperty(
                "Platform roles allowed to use wildcards: ClusterRoles by name, Roles as <namespace>/<name>.",
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (!roleTypes.includes(args.type)) {
            return;
        }
        const { allowedRoles } = args.getConfig<PlatformRolesConfig>();
        if (allowedRoles.includes(objectKey(args.props, args.name))) {
            return;
        }
        const offenders: string[] = [];
        for (const { rule, path } of rulesOf(args.props)) {
            for (const [field, value] of wildcardsOf(rule)) {
                offenders.push(`${path}.${field} contains "${value}"`);
            }
        }
        for (const { path, role, rules } of aggregatedBuiltInRules(args.props)) {
            const found = [
                ...new Set(
                    rules.flatMap(wildcardsOf).map(([field, value]) => `${field} "${value}"`),
                ),
            ];
            if (found.length > 0) {
                offenders.push(
                    `${path} aggregates the built-in ClusterRole "${role}" (${found.join(", ")})`,
                );
            }
        }
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} uses wildcards: ` +
                    `${offenders.join(", ")}. List the exact verbs, resources, API groups and ` +
                    `non-resource URLs the role needs (and aggregate only roles selected by a ` +
                    `label of your own), or add the role to rbac-no-wildcards.allowedRoles if it ` +
                    `is a platform role that must have them.`,
            );
        }
    },
};
