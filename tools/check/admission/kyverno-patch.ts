/**
 * Kyverno's `patchStrategicMerge`, for the shapes the platform's policies use:
 *
 * - a plain key sets a scalar, merges a map (creating it when absent) and merges a list of
 *   containers, init containers, ephemeral containers, volumes, ports, env or volume mounts by
 *   `name` (a strategic-merge list); any other list replaces the existing one;
 * - `+(key)`, the add anchor, sets the key only when the resource does not have it, and keeps an
 *   explicit value whatever it is (`false` included).
 *
 * Other anchors (conditional `(key)`, equality `=(key)`, negation `X(key)`, global `<(key)`,
 * existence `^(key)`) and `$patch` directives are {@link Unsupported}: the simulation reports a
 * policy that uses them instead of guessing.
 */
import { isRecord } from "../values";
import { Obj, Unsupported } from "./types";

/** Lists Kubernetes merges by `name` under strategic merge patch. */
const mergedByName = new Set([
    "containers",
    "initContainers",
    "ephemeralContainers",
    "volumes",
    "env",
    "volumeMounts",
    "imagePullSecrets",
    "hostAliases",
]);

const addAnchor = /^\+\((.+)\)$/;
const otherAnchor = /^(\(|=\(|X\(|<\(|\^\()(.+)\)$/;

/** Applies a strategic merge patch with add anchors to a copy of `target`; returns the copy. */
export function strategicMerge(target: Obj, patch: Obj): Obj {
    const out = structuredClone(target);
    mergeInto(out, patch, "");
    return out;
}

function checkNoAnchors(value: unknown, path: string): void {
    if (Array.isArray(value)) {
        value.forEach((v, i) => checkNoAnchors(v, `${path}[${i}]`));
    } else if (isRecord(value)) {
        for (const [k, v] of Object.entries(value)) {
            if (addAnchor.test(k) || otherAnchor.test(k) || k.startsWith("$")) {
                throw new Unsupported(`anchor "${k}" inside the value of an add anchor at ${path}`);
            }
            checkNoAnchors(v, `${path}.${k}`);
        }
    }
}

function mergeInto(target: Obj, patch: Obj, path: string): void {
    for (const [rawKey, value] of Object.entries(patch)) {
        const add = addAnchor.exec(rawKey);
        if (add !== null) {
            const key = add[1];
            checkNoAnchors(value, `${path}.${key}`);
            if (target[key] === undefined || target[key] === null) {
                target[key] = structuredClone(value);
            }
            continue;
        }
        if (otherAnchor.test(rawKey)) {
            throw new Unsupported(`anchor "${rawKey}" at ${path || "."} in patchStrategicMerge`);
        }
        if (rawKey.startsWith("$")) {
            throw new Unsupported(`directive "${rawKey}" at ${path || "."} in patchStrategicMerge`);
        }
        const key = rawKey;
        const here = `${path}.${key}`;
        if (isRecord(value)) {
            if (!isRecord(target[key])) {
                target[key] = {};
            }
            mergeInto(target[key] as Obj, value, here);
        } else if (Array.isArray(value)) {
            if (mergedByName.has(key) && value.every((v) => isRecord(v))) {
                const list: unknown[] = Array.isArray(target[key]) ? target[key] : [];
                for (const item of value as Obj[]) {
                    if (typeof item.name !== "string") {
                        throw new Unsupported(`an element of ${here} without a name`);
                    }
                    const existing = list.find((e) => isRecord(e) && e.name === item.name);
                    if (isRecord(existing)) {
                        mergeInto(existing, item, `${here}[${item.name}]`);
                    } else {
                        const fresh: Obj = {};
                        mergeInto(fresh, item, `${here}[${item.name}]`);
                        list.push(fresh);
                    }
                }
                target[key] = list;
            } else {
                checkNoAnchors(value, here);
                target[key] = structuredClone(value);
            }
        } else {
            target[key] = value;
        }
    }
}

/**
 * The fields a mutation set, as paths with their new values: `spec.securityContext.runAsNonRoot=true`,
 * `spec.containers[app].securityContext.capabilities.drop=["ALL"]`. Named list elements are named.
 */
export function changedPaths(before: unknown, after: unknown, path = ""): string[] {
    if (JSON.stringify(before) === JSON.stringify(after)) {
        return [];
    }
    if (isRecord(after) && isRecord(before)) {
        const out: string[] = [];
        for (const key of Object.keys(after)) {
            out.push(
                ...changedPaths(before[key], after[key], path === "" ? key : `${path}.${key}`),
            );
        }
        return out;
    }
    const earlier: unknown = before === undefined ? [] : before;
    if (Array.isArray(after) && Array.isArray(earlier) && after.every((a) => isRecord(a))) {
        const named = after.every((a) => typeof (a as Obj).name === "string");
        if (named) {
            const out: string[] = [];
            for (const a of after as Obj[]) {
                const b = earlier.find((x) => isRecord(x) && x.name === a.name);
                out.push(...changedPaths(b, a, `${path}[${String(a.name)}]`));
            }
            return out;
        }
    }
    return [`${path}=${JSON.stringify(after)}`];
}
