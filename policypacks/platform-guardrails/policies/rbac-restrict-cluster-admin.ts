import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";
import { allowListProperty } from "../lib/config";
import { bindingTypes } from "../lib/rbac";

/** Config of {@link rbacRestrictClusterAdmin}. */
export interface RestrictClusterAdminConfig {
    /** Bindings allowed to grant cluster-admin: ClusterRoleBindings by name, RoleBindings as `<namespace>/<name>`. */
    readonly allowedBindings: string[];
}

/**
 * cluster-admin is granted only by listed bindings (for example the break-glass binding). A
 * RoleBinding that references the `cluster-admin` ClusterRole counts too: it grants full control of
 * its namespace, Secrets included.
 *
 * @severity critical
 * @frameworks cis-kubernetes-5.1.1, nist-800-53-ac-6, nist-800-53-ac-6(5), nist-800-53-ac-2, iso-27001-a.8.2
 * @topics rbac, least-privilege
 * @link https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege
 */
export const rbacRestrictClusterAdmin: ResourceValidationPolicy = {
    name: "rbac-restrict-cluster-admin",
    description: "The cluster-admin ClusterRole may be bound only by listed bindings.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedBindings: allowListProperty(
                "Bindings allowed to grant cluster-admin: ClusterRoleBindings by name, RoleBindings as <namespace>/<name>.",
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (!bindingTypes.includes(args.type)) {
            return;
        }
        const roleRef: unknown = args.props.roleRef;
        if (
            !isObject(roleRef) ||
            roleRef.kind !== "ClusterRole" ||
            roleRef.name !== "cluster-admin"
        ) {
            return;
        }
        const key = objectKey(args.props, args.name);
        const { allowedBindings } = args.getConfig<RestrictClusterAdminConfig>();
        if (!allowedBindings.includes(key)) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} grants cluster-admin ` +
                    `(roleRef.name is "cluster-admin") and is not a listed binding. Bind a role ` +
                    `with only the permissions needed, or add "${key}" to ` +
                    `rbac-restrict-cluster-admin.allowedBindings if it is a sanctioned binding.`,
            );
        }
    },
};
