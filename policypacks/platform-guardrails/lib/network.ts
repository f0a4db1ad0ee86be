/**
 * How the guardrails read a NetworkPolicy: which pods it selects, which directions it governs
 * (defaulted as the API server defaults `policyTypes`) and which it denies outright.
 */
import { stringList } from "../../lib/objects";
import { isObject, KubeObject } from "../../lib/workloads";

/** True for a selector that selects every pod: absent, or without labels and expressions. */
export function selectsAllPods(selector: unknown): boolean {
    if (selector === undefined || selector === null) {
        return true;
    }
    if (!isObject(selector)) {
        return false;
    }
    const labels = isObject(selector.matchLabels) ? Object.keys(selector.matchLabels) : [];
    const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
    return labels.length === 0 && expressions.length === 0;
}

/** True for an absent or empty rule list (an empty list of rules allows nothing). */
function noRules(rules: unknown): boolean {
    return rules === undefined || rules === null || (Array.isArray(rules) && rules.length === 0);
}

/**
 * The policy types of a NetworkPolicy spec, defaulted as the API server does: Ingress, plus
 * Egress when egress rules are given.
 */
export function policyTypesOf(spec: KubeObject): string[] {
    const given = stringList(spec.policyTypes);
    return given.length > 0 ? given : ["Ingress", ...(spec.egress !== undefined ? ["Egress"] : [])];
}

/**
 * The directions a NetworkPolicy denies by default for every pod of its namespace: it selects all
 * pods, names the direction in `policyTypes` and has no rule for it.
 */
export function defaultDenies(props: KubeObject): string[] {
    const spec: KubeObject = isObject(props.spec) ? props.spec : {};
    if (!selectsAllPods(spec.podSelector)) {
        return [];
    }
    return policyTypesOf(spec).filter((t) =>
        t === "Ingress" ? noRules(spec.ingress) : t === "Egress" ? noRules(spec.egress) : false,
    );
}
