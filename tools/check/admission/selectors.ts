/**
 * Matching primitives the admission engines share: Kubernetes label selectors (webhook
 * `namespaceSelector`/`objectSelector`, Kyverno `selector`, Gatekeeper `labelSelector`) and the
 * wildcards Kyverno and Gatekeeper accept in names.
 */
import { isRecord } from "../values";
import { Unsupported } from "./types";

/** Labels as a plain string map (anything else is dropped, as the API server would refuse it). */
export function labelsOf(object: unknown): Record<string, string> {
    const meta = isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
    const labels = isRecord(meta.labels) ? meta.labels : {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) {
        if (typeof v === "string") {
            out[k] = v;
        }
    }
    return out;
}

/** Annotations as a plain string map. */
export function annotationsOf(object: unknown): Record<string, string> {
    const meta = isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
    const annotations = isRecord(meta.annotations) ? meta.annotations : {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(annotations)) {
        if (typeof v === "string") {
            out[k] = v;
        }
    }
    return out;
}

/**
 * True when `labels` satisfy a `metav1.LabelSelector`. An absent selector and `{}` select
 * everything (as they do in webhook configurations); a malformed one is an {@link Unsupported}.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
    if (selector === undefined || selector === null) {
        return true;
    }
    if (!isRecord(selector)) {
        throw new Unsupported(`label selector ${JSON.stringify(selector)} is not an object`);
    }
    for (const key of Object.keys(selector)) {
        if (key !== "matchLabels" && key !== "matchExpressions") {
            throw new Unsupported(`label selector field "${key}"`);
        }
    }
    const matchLabels = isRecord(selector.matchLabels) ? selector.matchLabels : {};
    for (const [k, v] of Object.entries(matchLabels)) {
        if (labels[k] !== v) {
            return false;
        }
    }
    const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
    for (const e of expressions) {
        if (!isRecord(e) || typeof e.key !== "string") {
            throw new Unsupported(`label selector expression ${JSON.stringify(e)}`);
        }
        const values = Array.isArray(e.values) ? e.values.map(String) : [];
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        switch (e.operator) {
            case "In":
                if (!has || !values.includes(labels[e.key])) {
                    return false;
                }
                break;
            case "NotIn":
                if (has && values.includes(labels[e.key])) {
                    return false;
                }
                break;
            case "Exists":
                if (!has) {
                    return false;
                }
                break;
            case "DoesNotExist":
                if (has) {
                    return false;
                }
                break;
            default:
                throw new Unsupported(`label selector operator "${String(e.operator)}"`);
        }
    }
    return true;
}

/** Kyverno's wildcards: `*` any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, text: string): boolean {
    if (!pattern.includes("*") && !pattern.includes("?")) {
        return pattern === text;
    }
    const re = pattern
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("");
    return new RegExp(`^${re}$`, "s").test(text);
}

/**
 * Gatekeeper's namespace patterns (`match.namespaces`, `excludedNamespaces`): an exact name, a
 * prefix (`kube-*`) or a suffix (`*-system`).
 */
export function gatekeeperNamespaceMatch(pattern: string, namespace: string): boolean {
    if (pattern.endsWith("*")) {
        return namespace.startsWith(pattern.slice(0, -1));
    }
    if (pattern.startsWith("*")) {
        return namespace.endsWith(pattern.slice(1));
    }
    return pattern === namespace;
}
