import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";
import { allowListProperty } from "../lib/config";
import {
    aggregatedBuiltInRules,
    escalationVerbsOf,
    PlatformRolesConfig,
    roleTypes,
    rulesOf,
} from "../lib/rbac";

/**
 * No `escalate`, `bind` or `impersonate` outside listed platform roles. `escalate` lets a subject
 * write roles with permissions it does not hold, `bind` lets it bind roles it does not hold, and
 * `impersonate` lets it act as another user, group or service account: each one is a path to
 * cluster-admin. The `*` verb grants all three and counts as well. Verbs are compared as the API
 * server's authorizer compares them, exactly and case-sensitively: `Escalate` grants nothing. An
 * aggregated ClusterRole gets the verbs of the ClusterRoles its `aggregationRule` selects: a
 * selector that matches the built-in cluster-admin (`*`), `edit` or its source
 * `system:aggregate-to-edit` (both grant `impersonate` on serviceaccounts) counts too.
 *
 * @severity critical
 * @frameworks cis-kubernetes-5.1.8, nist-800-53-ac-6, nist-800-53-ac-6(10), iso-27001-a.8.2
 * @topics rbac, privilege-escalation
 * @link https://kubernetes.io/docs/concepts/security/rbac-good-practices/#escalate-verb
 */
export const rbacNoEscalateBindImpersonate: ResourceValidationPolicy = {
    name: "rbac-no-escalate-bind-impersonate",
    description:
        "Roles and ClusterRoles must not grant escalate, bind or impersonate, except listed platform roles.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedRoles: allowListProperty(
                "Platform roles allowed to grant escalate, bind or impersonate: ClusterRoles by name, Roles as <namespace>/<name>.",
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
        const quoted = (verbs: readonly string[]): string => verbs.map((v) => `"${v}"`).join(", ");
        for (const { rule, path } of rulesOf(args.props)) {
            const verbs = escalationVerbsOf(rule);
            if (verbs.length > 0) {
                offenders.push(`${path}.verbs grants ${quoted(verbs)}`);
            }
        }
        for (const { path, role, rules } of aggregatedBuiltInRules(args.props)) {
            const verbs = [...new Set(rules.flatMap(escalationVerbsOf))];
            if (verbs.length > 0) {
                offenders.push(
                    `${path} aggregates the built-in ClusterRole "${role}", which grants ${quoted(verbs)}`,
                );
            }
        }
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} grants privilege escalation: ` +
                    `${offenders.join("; ")}. Remove escalate, bind and impersonate (and "*") ` +
                    `from the role and from what it aggregates, or add it to rbac-no-escalate-bind-impersonate.allowedRoles ` +
                    `if it is a platform role that must have them.`,
            );
        }
    },
};
