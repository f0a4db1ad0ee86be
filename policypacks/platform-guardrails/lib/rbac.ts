/**
 * What the RBAC policies share: the Pulumi type tokens of roles and bindings, and how a role or
 * binding is named in allow lists.
 */
import { isObject, KubeObject } from "../../lib/workloads";

const rbacGroup = "kubernetes:rbac.authorization.k8s.io";
// v1 is what programs and charts use; the beta and alpha versions are still declarable through the
// provider SDK and grant exactly the same permissions, so they are judged the same way.
const rbacVersions = ["v1", "v1beta1", "v1alpha1"];

/** Type tokens of `Role` and `ClusterRole`, every API version. */
export const roleTypes: readonly string[] = rbacVersions.flatMap((v) => [
    `${rbacGroup}/${v}:Role`,
    `${rbacGroup}/${v}:ClusterRole`,
]);

/** Type tokens of `RoleBinding` and `ClusterRoleBinding`, every API version. */
export const bindingTypes: readonly string[] = rbacVersions.flatMap((v) => [
    `${rbacGroup}/${v}:RoleBinding`,
    `${rbacGroup}/${v}:ClusterRoleBinding`,
]);

/** One rule of a role with where it sits. */
export interface RuleRef {
    readonly rule: KubeObject;
    /** Field path of the rule: `rules[2]`. */
    readonly path: string;
}

/** The rules of a Role or ClusterRole (non-objects are skipped). */
export function rulesOf(props: KubeObject): RuleRef[] {
    const rules: unknown = props.rules;
    if (!Array.isArray(rules)) {
        return [];
    }
    const refs: RuleRef[] = [];
    rules.forEach((rule: unknown, index: number) => {
        if (isObject(rule)) {
            refs.push({ rule, path: `rules[${index}]` });
        }
    });
    return refs;
}

/** The config of the RBAC policies that exempt platform roles. */
export interface PlatformRolesConfig {
    /**
     * Roles allowed to break the rule: ClusterRoles by name (`gatekeeper-manager-role`), Roles as
     * `<namespace>/<name>`.
     */
    readonly allowedRoles: string[];
}
