import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject } from "../../lib/workloads";
import { objectKey, stringList } from "../../lib/objects";
import { allowListProperty } from "../lib/config";
import { PlatformRolesConfig, roleTypes, rulesOf } from "../lib/rbac";

/**
 * No wildcards in Roles and ClusterRoles: no rule may list `*` among its `verbs` or `apiGroups`, or
 * among its `resources` (alone or with a subresource, as in `*` + `/scale`). A wildcard grants
 * every current and future permission of its kind, including ones added by CRDs installed later.
 * Platform roles that truly need one (admission controllers reading every kind) are listed in
 * `allowedRoles`.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.1.3, nist-800-53-ac-6, nist-800-53-ac-6(1), iso-27001-a.8.2
 * @topics rbac, least-privilege
 * @link https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege
 */
export const rbacNoWildcards: ResourceValidationPolicy = {
    name: "rbac-no-wildcards",
    description: "Roles and ClusterRoles must not use wildcards in verbs, resources or apiGroups.",
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
            for (const field of ["verbs", "apiGroups", "resources"] as const) {
                for (const value of stringList(rule[field])) {
                    const wildcard =
                        value === "*" || (field === "resources" && value.startsWith("*/"));
                    if (wildcard) {
                        offenders.push(`${path}.${field} contains "${value}"`);
                    }
                }
            }
        }
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} uses wildcards: ` +
                    `${offenders.join(", ")}. List the exact verbs, resources and API groups the ` +
                    `role needs, or add the role to rbac-no-wildcards.allowedRoles if it is a ` +
                    `platform role that must have them.`,
            );
        }
    },
};
