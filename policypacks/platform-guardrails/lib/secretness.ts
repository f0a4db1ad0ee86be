/**
 * How a policy can tell a Pulumi secret from a plain value, given how @pulumi/policy 1.21 hands
 * resources to policies:
 *
 * - `Analyze` / `AnalyzeStack` (what `validateResource` and `validateStack` see): the SDK calls
 *   `deserializeProperties(props, false)`, which replaces every secret by its bare value. A
 *   validation policy cannot see secretness at all: a Pulumi secret and a literal look the same.
 * - `Remediate` (what `remediateResource` sees, and only for policies whose enforcement level is
 *   `remediate`): the SDK calls `deserializeProperties(props, true)`, which wraps each secret value
 *   in the SDK's `Secret` class, and hands the policy a `secretsPreservingProxy` (inside an
 *   `unknownCheckingProxy`) that unwraps them again on every property read. The wrapped values are
 *   reachable only through the proxies' target hook.
 *
 * The engine sends secrets to the analyzer with `KeepSecrets: true` and runs every `Remediate`
 * before `Analyze` for the same resource, so a policy can observe secretness in its remediation pass
 * and report in its validation pass.
 */
import { Secret } from "@pulumi/policy";
import { isObject } from "../../lib/workloads";

// The proxies' hooks are internal to the SDK (absent from its type declarations); they are read from
// the module itself so that a renamed hook fails loudly here instead of silently seeing no secrets.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxyInternals = require("@pulumi/policy/proxy") as {
    isSpecialProxy: string;
    getSpecialProxyTarget: string;
};

/** The object under the SDK's proxies, where secret values are still `Secret` instances. */
export function unwrapProxies(value: unknown): unknown {
    let current = value;
    for (;;) {
        if (typeof current !== "object" || current === null) {
            return current;
        }
        const record = current as Record<string, unknown>;
        if (record[proxyInternals.isSpecialProxy] !== true) {
            return current;
        }
        const target = record[proxyInternals.getSpecialProxyTarget];
        if (target === current) {
            return current;
        }
        current = target;
    }
}

/** True for a value the SDK marked secret (a `Secret` instance under the proxies). */
export function isSecretValue(value: unknown): boolean {
    return value instanceof Secret;
}

/**
 * The field paths of a string map (`data`, `stringData`) whose values are not Pulumi secrets, read
 * from unwrapped remediation props. A map that is itself secret counts as all secret; a map that is
 * neither secret nor an object (an unknown value during preview) is reported as a whole.
 */
export function plainEntries(raw: unknown, field: string): string[] {
    const value = isObject(raw) ? raw[field] : undefined;
    if (value === undefined || value === null || isSecretValue(value)) {
        return [];
    }
    if (!isObject(value)) {
        return [field];
    }
    return Object.entries(value)
        .filter(([, entry]) => entry !== undefined && entry !== null && !isSecretValue(entry))
        .map(([key]) => `${field}[${JSON.stringify(key)}]`);
}
