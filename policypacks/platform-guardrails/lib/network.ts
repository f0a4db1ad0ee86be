/**
 * How the guardrails read a NetworkPolicy: which pods it selects, which directions it governs
 * (defaulted as the API server defaults `policyTypes`) and which it denies outright.
 */
import { isIP } from "net";
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

/**
 * True for a label selector that every namespace (or pod) meets, or every one but a few named ones,
 * so that the set grows with each namespace created later: an empty selector, one made only of
 * `NotIn` and `DoesNotExist` requirements (met by everything without the label), or one whose
 * only positive requirement is `Exists` on `kubernetes.io/metadata.name` (which the API server
 * sets on every namespace). An absent selector is not judged here: in a peer it means "this
 * namespace" (namespaceSelector) or "every pod" (podSelector), and callers say which.
 */
export function selectsEverything(selector: unknown): boolean {
    if (!isObject(selector)) {
        return false;
    }
    if (isObject(selector.matchLabels) && Object.keys(selector.matchLabels).length > 0) {
        return false;
    }
    const expressions: unknown[] = Array.isArray(selector.matchExpressions)
        ? selector.matchExpressions
        : [];
    return expressions.every(
        (e) =>
            isObject(e) &&
            (e.operator === "NotIn" ||
                e.operator === "DoesNotExist" ||
                (e.operator === "Exists" && e.key === "kubernetes.io/metadata.name")),
    );
}

/** A CIDR block read as the API server reads it (IPv4 octets may carry leading zeros). */
export interface CidrBlock {
    readonly family: 4 | 6;
    readonly prefix: number;
}

/** The family and prefix length of a CIDR block, or undefined when it is not one. */
export function parseCidr(cidr: string): CidrBlock | undefined {
    const match = /^([^/\s]+)\/(\d{1,3})$/.exec(cidr.trim());
    if (match === null) {
        return undefined;
    }
    const [, address, prefixText] = match;
    const prefix = Number(prefixText);
    // The API server parses leniently (netutils.ParseCIDRSloppy): `010.0.0.0` is 10.0.0.0.
    const v4 = address.split(".");
    if (v4.length === 4 && v4.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
        return prefix <= 32 ? { family: 4, prefix } : undefined;
    }
    if (isIP(address) === 6) {
        return prefix <= 128 ? { family: 6, prefix } : undefined;
    }
    return undefined;
}
