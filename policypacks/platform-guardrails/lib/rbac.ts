/**
 * What the RBAC policies share: the Pulumi type tokens of roles and bindings, and how a role or
 * binding is named in allow lists.
 */
import { stringList } from "../../lib/objects";
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

/**
 * Built-in ClusterRoles (the API server's bootstrap policy, present in every cluster) whose rules
 * break a guardrail, with their labels: an aggregated ClusterRole whose `clusterRoleSelectors`
 * match these labels receives these rules from the aggregation controller, whatever its own `rules`
 * say. Every bootstrap ClusterRole carries `kubernetes.io/bootstrapping: rbac-defaults` (so a
 * selector on that label, like an empty one, aggregates cluster-admin); the sources of `edit`
 * carry `aggregate-to-edit` and include `impersonate` on serviceaccounts, which `edit` (labelled
 * `aggregate-to-admin`) and `admin` then hold.
 *
 * @link https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings
 */
export const builtInClusterRoles: readonly {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly rules: readonly KubeObject[];
}[] = [
    {
        name: "cluster-admin",
        labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
        rules: [
            { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
            { nonResourceURLs: ["*"], verbs: ["*"] },
        ],
    },
    {
        name: "edit",
        labels: {
            "kubernetes.io/bootstrapping": "rbac-defaults",
            "rbac.authorization.k8s.io/aggregate-to-admin": "true",
        },
        rules: [{ apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] }],
    },
    {
        name: "system:aggregate-to-edit",
        labels: {
            "kubernetes.io/bootstrapping": "rbac-defaults",
            "rbac.authorization.k8s.io/aggregate-to-edit": "true",
        },
        rules: [{ apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] }],
    },
];

/**
 * True when a label selector matches a set of labels, as `metav1.LabelSelectorAsSelector` does:
 * every `matchLabels` entry equal, every `matchExpressions` requirement met (`In`, `NotIn`,
 * `Exists`, `DoesNotExist`); an empty selector matches everything. A selector that is not an object
 * or holds an unknown operator matches nothing (the API server rejects it).
 */
export function selectorMatches(
    selector: unknown,
    labels: Readonly<Record<string, string>>,
): boolean {
    if (!isObject(selector)) {
        return false;
    }
    const matchLabels: unknown = selector.matchLabels;
    if (matchLabels != null) {
        if (!isObject(matchLabels)) {
            return false;
        }
        for (const [key, value] of Object.entries(matchLabels)) {
            if (labels[key] !== value) {
                return false;
            }
        }
    }
    const expressions: unknown = selector.matchExpressions;
    if (expressions != null) {
        if (!Array.isArray(expressions)) {
            return false;
        }
        for (const e of expressions) {
            if (!isObject(e) || typeof e.key !== "string") {
                return false;
            }
            const has = Object.prototype.hasOwnProperty.call(labels, e.key);
            const values: unknown[] = Array.isArray(e.values) ? e.values : [];
            const met =
                e.operator === "In"
                    ? has && values.includes(labels[e.key])
                    : e.operator === "NotIn"
                      ? !has || !values.includes(labels[e.key])
                      : e.operator === "Exists"
                        ? has
                        : e.operator === "DoesNotExist"
                          ? !has
                          : false;
            if (!met) {
                return false;
            }
        }
    }
    return true;
}

/** Rules an aggregated ClusterRole receives from one built-in ClusterRole its selectors match. */
export interface AggregatedRules {
    /** Field path of the selector: `aggregationRule.clusterRoleSelectors[0]`. */
    readonly path: string;
    /** The built-in ClusterRole. */
    readonly role: string;
    readonly rules: readonly KubeObject[];
}

/**
 * The built-in ClusterRoles (of {@link builtInClusterRoles}) that each selector of a ClusterRole's
 * `aggregationRule` aggregates; empty for a role without an aggregation rule.
 */
export function aggregatedBuiltInRules(props: KubeObject): AggregatedRules[] {
    const rule: unknown = props.aggregationRule;
    const selectors: unknown = isObject(rule) ? rule.clusterRoleSelectors : undefined;
    if (!Array.isArray(selectors)) {
        return [];
    }
    const found: AggregatedRules[] = [];
    selectors.forEach((selector: unknown, index: number) => {
        for (const role of builtInClusterRoles) {
            if (selectorMatches(selector, role.labels)) {
                found.push({
                    path: `aggregationRule.clusterRoleSelectors[${index}]`,
                    role: role.name,
                    rules: role.rules,
                });
            }
        }
    });
    return found;
}

/** The fields of a rule that hold a wildcard, with the value: `["verbs", "*"]`. */
export function wildcardsOf(rule: KubeObject): [string, string][] {
    const found: [string, string][] = [];
    for (const field of ["verbs", "apiGroups", "resources", "nonResourceURLs"] as const) {
        for (const value of stringList(rule[field])) {
            // As the authorizer matches: "*" is every verb, group, resource or URL; "*/scale" is
            // that subresource of every resource; a URL ending in "*" is a prefix, and "/*" (or
            // "*") is every non-resource URL. "pods/*" and resourceNames ["*"] are no wildcards.
            const wildcard =
                value === "*" ||
                (field === "resources" && value.startsWith("*/")) ||
                (field === "nonResourceURLs" && /^\/?\*+$/.test(value));
            if (wildcard) {
                found.push([field, value]);
            }
        }
    }
    return found;
}

/** The verbs that let a subject gain permissions it does not hold. */
const escalationVerbs = ["escalate", "bind", "impersonate"];

/**
 * The verbs of a rule that grant escalation: the three verbs and `*`, compared exactly as the
 * authorizer compares them (`VerbMatches` is case-sensitive and requests carry lower-case verbs, so
 * `Escalate` or `BIND` in a rule matches no request and grants nothing).
 */
export function escalationVerbsOf(rule: KubeObject): string[] {
    return stringList(rule.verbs).filter((verb) => verb === "*" || escalationVerbs.includes(verb));
}
