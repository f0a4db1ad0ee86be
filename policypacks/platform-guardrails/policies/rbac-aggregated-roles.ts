import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";
import { allowListProperty } from "../lib/config";
import {
    escalationVerbsOf,
    PlatformRolesConfig,
    roleTypes,
    rulesOf,
    selectorMatches,
    wildcardsOf,
} from "../lib/rbac";

/** The string labels of an object. */
function labelsOf(resource: PolicyResource): Record<string, string> {
    const meta: unknown = resource.props.metadata;
    const labels: unknown = isObject(meta) ? meta.labels : undefined;
    if (!isObject(labels)) {
        return {};
    }
    return Object.fromEntries(
        Object.entries(labels).filter(
            (entry): entry is [string, string] => typeof entry[1] === "string",
        ),
    );
}

/** The selectors of a ClusterRole's aggregation rule (none when it aggregates nothing). */
function selectorsOf(resource: PolicyResource): unknown[] {
    const rule: unknown = resource.props.aggregationRule;
    const selectors: unknown = isObject(rule) ? rule.clusterRoleSelectors : undefined;
    return Array.isArray(selectors) ? selectors : [];
}

/** What a ClusterRole's own rules grant beyond the guardrails: `rules[0].verbs "*"`. */
function beyondGuardrails(resource: PolicyResource): string[] {
    const found: string[] = [];
    for (const { rule, path } of rulesOf(resource.props)) {
        const wildcards = wildcardsOf(rule).map(([field, value]) => `${path}.${field} "${value}"`);
        const verbs = escalationVerbsOf(rule)
            .filter((verb) => verb !== "*") // already named as a wildcard
            .map((verb) => `${path}.verbs "${verb}"`);
        found.push(...wildcards, ...verbs);
    }
    return found;
}

/**
 * An aggregated ClusterRole is held to the RBAC guardrails on the rules it aggregates from the
 * ClusterRoles of the same stack: the aggregation controller copies into it the rules of every
 * ClusterRole whose labels its `aggregationRule.clusterRoleSelectors` match (and, through aggregated
 * sources, theirs), so a wildcard or an `escalate`, `bind` or `impersonate` in a selected role is
 * its own. This matters most for a selected role that its own listing exempts (a platform role in
 * `rbac-no-wildcards.allowedRoles`): the exemption is for that role, not for every role that copies
 * it. The built-in roles of the cluster (cluster-admin, edit) are judged by rbac-no-wildcards and
 * rbac-no-escalate-bind-impersonate on the selector itself; roles that exist only in the cluster
 * cannot be seen here.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.1.3, cis-kubernetes-5.1.8, nist-800-53-ac-6, nist-800-53-ac-6(10), iso-27001-a.8.2
 * @topics rbac, least-privilege, privilege-escalation
 * @link https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles
 */
export const rbacAggregatedRoles: StackValidationPolicy = {
    name: "rbac-aggregated-roles",
    description:
        "Aggregated ClusterRoles must not collect wildcards or escalate, bind or impersonate from the ClusterRoles they select.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedRoles: allowListProperty(
                "Aggregated ClusterRoles allowed to collect such rules, by name.",
            ),
        },
    },
    validateStack: (args, reportViolation) => {
        const { allowedRoles } = args.getConfig<PlatformRolesConfig>();
        const clusterRoles = args.resources.filter(
            (r) => roleTypes.includes(r.type) && r.type.endsWith(":ClusterRole"),
        );
        const labels = new Map(clusterRoles.map((r) => [r, labelsOf(r)]));
        /** The roles a role's selectors match, each with the selector index. */
        const selected = (role: PolicyResource): [PolicyResource, number][] => {
            const found: [PolicyResource, number][] = [];
            selectorsOf(role).forEach((selector, index) => {
                for (const other of clusterRoles) {
                    if (other !== role && selectorMatches(selector, labels.get(other) ?? {})) {
                        found.push([other, index]);
                    }
                }
            });
            return found;
        };
        for (const role of clusterRoles) {
            if (
                selectorsOf(role).length === 0 ||
                allowedRoles.includes(objectKey(role.props, role.name))
            ) {
                continue;
            }
            const findings: string[] = [];
            const visited = new Set<PolicyResource>([role]);
            const visit = (source: PolicyResource, via: string): void => {
                if (visited.has(source)) {
                    return;
                }
                visited.add(source);
                const found = beyondGuardrails(source);
                const name = describeObject(source.type, source.props, source.name);
                if (found.length > 0) {
                    findings.push(`${name} (${via}) has ${found.join(", ")}`);
                }
                for (const [next] of selected(source)) {
                    visit(next, `through ${name}`);
                }
            };
            for (const [source, index] of selected(role)) {
                visit(source, `selected by aggregationRule.clusterRoleSelectors[${index}]`);
            }
            if (findings.length > 0) {
                const key = objectKey(role.props, role.name);
                reportViolation(
                    `${describeObject(role.type, role.props, role.name)} aggregates rules beyond ` +
                        `the RBAC guardrails: ${findings.join("; ")}. Select only roles with exact ` +
                        `verbs, resources and API groups and no escalate, bind or impersonate (by a ` +
                        `label of your own), or add "${key}" to rbac-aggregated-roles.allowedRoles ` +
                        `if it is a platform role that must have them.`,
                    role.urn,
                );
            }
        }
    },
};
