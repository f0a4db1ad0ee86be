import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";
import { allowListProperty } from "../lib/config";
import { bindingTypes } from "../lib/rbac";

/**
 * The identities every request carries: anyone (`system:anonymous`, `system:unauthenticated`) or
 * anyone with any credential (`system:authenticated`). Binding a role to them grants it to the world.
 */
const everyoneSubjects = ["system:anonymous", "system:unauthenticated", "system:authenticated"];

/**
 * The group of every service account of every namespace: binding a role to it grants the role to
 * every pod of every tenant (`system:serviceaccounts:<namespace>`, one namespace's, is fine).
 */
const allServiceAccounts = "system:serviceaccounts";

/** Config of {@link rbacNoAnonymousBindings}. */
export interface NoAnonymousBindingsConfig {
    /** Bindings allowed to name these subjects: ClusterRoleBindings by name, RoleBindings as `<namespace>/<name>`. */
    readonly allowedBindings: string[];
}

/**
 * No role (cluster-admin or any other) is bound to `system:anonymous`, `system:unauthenticated` or
 * `system:authenticated`, as a User or a Group, nor to the Group `system:serviceaccounts` (every
 * service account of every namespace: on a multi-tenant cluster, every tenant's pods). Subject
 * kinds and names are compared exactly, as the API server does: it refuses any other kind, and a
 * name in another case is another (unused) identity. The API server's own discovery bindings are
 * created by the API server, not by this program, so nothing the platform declares needs an
 * exception.
 *
 * @severity critical
 * @frameworks cis-kubernetes-5.1.1, cis-kubernetes-5.1.2, cis-kubernetes-5.1.4, nist-800-53-ac-3, nist-800-53-ac-6, iso-27001-a.5.15, iso-27001-a.8.2
 * @topics rbac, authentication
 * @link https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings
 */
export const rbacNoAnonymousBindings: ResourceValidationPolicy = {
    name: "rbac-no-anonymous-bindings",
    description:
        "RoleBindings and ClusterRoleBindings must not bind any role to system:anonymous, system:unauthenticated, system:authenticated or system:serviceaccounts.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedBindings: allowListProperty(
                "Bindings allowed to name these subjects: ClusterRoleBindings by name, RoleBindings as <namespace>/<name>.",
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (!bindingTypes.includes(args.type)) {
            return;
        }
        const { allowedBindings } = args.getConfig<NoAnonymousBindingsConfig>();
        if (allowedBindings.includes(objectKey(args.props, args.name))) {
            return;
        }
        const subjects: unknown = args.props.subjects;
        const offenders: string[] = [];
        if (Array.isArray(subjects)) {
            subjects.forEach((subject: unknown, index: number) => {
                if (!isObject(subject) || typeof subject.name !== "string") {
                    return;
                }
                if (
                    (subject.kind === "User" || subject.kind === "Group") &&
                    everyoneSubjects.includes(subject.name)
                ) {
                    offenders.push(`subjects[${index}] is ${subject.kind} "${subject.name}"`);
                } else if (subject.kind === "Group" && subject.name === allServiceAccounts) {
                    offenders.push(
                        `subjects[${index}] is Group "${subject.name}" (every service account ` +
                            `of every namespace)`,
                    );
                }
            });
        }
        if (offenders.length > 0) {
            const role = isObject(args.props.roleRef)
                ? `${String(args.props.roleRef.kind)} "${String(args.props.roleRef.name)}"`
                : "its role";
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} binds ${role} to everyone: ` +
                    `${offenders.join(", ")}. Bind the role to the groups or service accounts ` +
                    `that need it instead.`,
            );
        }
    },
};
