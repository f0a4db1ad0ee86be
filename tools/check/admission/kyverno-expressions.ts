/**
 * The part of Kyverno's variable language the platform's policies use, evaluated offline:
 * `{{ ... }}` substitutions whose expression is a small JMESPath subset, and rule preconditions.
 *
 * Supported JMESPath: a dotted path from a root the simulation binds (`request.object...`,
 * `request.namespace`, `request.operation`, `element...`, `elementIndex`), the flatten projection
 * `path[]`, a JSON literal in backquotes, `a || b`, and a pipe into `length(@)`. Anything else is an
 * {@link Unsupported} shape, so a policy the simulation cannot read is reported, never guessed.
 */
import { isRecord } from "../values";
import { Unsupported } from "./types";

/** The variables a rule's expressions see. */
export type KyvernoContext = Record<string, unknown>;

/** Evaluates one JMESPath expression of the supported subset. */
export function jmespath(expression: string, context: KyvernoContext): unknown {
    const pipes = splitTop(expression, "|").map((s) => s.trim());
    let value = orChain(pipes[0], context);
    for (const fn of pipes.slice(1)) {
        if (fn === "length(@)") {
            value = Array.isArray(value)
                ? value.length
                : typeof value === "string"
                  ? value.length
                  : isRecord(value)
                    ? Object.keys(value).length
                    : (() => {
                          throw new Unsupported(`length() of ${JSON.stringify(value)}`);
                      })();
        } else {
            throw new Unsupported(`JMESPath function "${fn}" in "${expression}"`);
        }
    }
    return value;
}

/** Splits on a one-character operator outside backquotes, keeping `||` whole when splitting `|`. */
function splitTop(text: string, op: "|"): string[] {
    const parts: string[] = [];
    let quoted = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (c === "`") {
            quoted = !quoted;
        } else if (!quoted && c === op) {
            if (text[i + 1] === op) {
                i++; // `||`
                continue;
            }
            parts.push(text.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(text.slice(start));
    return parts;
}

function orChain(text: string, context: KyvernoContext): unknown {
    const alternatives: string[] = [];
    let quoted = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
        if (text[i] === "`") {
            quoted = !quoted;
        } else if (!quoted && text[i] === "|" && text[i + 1] === "|") {
            alternatives.push(text.slice(start, i));
            start = i + 2;
            i++;
        }
    }
    alternatives.push(text.slice(start));
    let value: unknown = null;
    for (const alt of alternatives) {
        value = primary(alt.trim(), context);
        // JMESPath `||`: the first truthy value (false, null, "", [] and {} are falsy).
        if (truthy(value)) {
            return value;
        }
    }
    return value;
}

function truthy(v: unknown): boolean {
    if (v === null || v === undefined || v === false || v === "") {
        return false;
    }
    if (Array.isArray(v)) {
        return v.length > 0;
    }
    if (isRecord(v)) {
        return Object.keys(v).length > 0;
    }
    return true;
}

function primary(text: string, context: KyvernoContext): unknown {
    if (text.startsWith("`") && text.endsWith("`") && text.length >= 2) {
        const literal = text.slice(1, -1);
        try {
            return JSON.parse(literal) as unknown;
        } catch {
            return literal;
        }
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[\])*$/.test(text)) {
        throw new Unsupported(`JMESPath expression "${text}"`);
    }
    const root = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text)![0];
    if (!Object.prototype.hasOwnProperty.call(context, root)) {
        throw new Unsupported(`variable "${root}" (only ${Object.keys(context).join(", ")})`);
    }
    let value: unknown = context[root];
    const steps = text.slice(root.length).match(/\.[A-Za-z_][A-Za-z0-9_]*|\[\]/g) ?? [];
    let projected = false;
    for (const step of steps) {
        if (step === "[]") {
            if (!Array.isArray(value)) {
                return null;
            }
            value = value.flatMap((v) => (Array.isArray(v) ? v : [v]));
            projected = true;
            continue;
        }
        const key = step.slice(1);
        if (projected) {
            value = (value as unknown[])
                .map((v) => (isRecord(v) ? v[key] : undefined))
                .filter((v) => v !== undefined && v !== null);
        } else {
            value = isRecord(value) ? value[key] : undefined;
            if (value === undefined) {
                return null;
            }
        }
    }
    return value === undefined ? null : value;
}

const whole = /^\{\{\s*(.*?)\s*\}\}$/s;
const embedded = /\{\{\s*(.*?)\s*\}\}/gs;

/**
 * Substitutes `{{ ... }}` in every string of a value: a string that is one substitution takes the
 * value's type, one with text around it is interpolated.
 */
export function substitute(value: unknown, context: KyvernoContext): unknown {
    if (typeof value === "string") {
        const m = whole.exec(value);
        if (m !== null) {
            return jmespath(m[1], context);
        }
        return value.replace(embedded, (_, expr: string) => {
            const v = jmespath(expr, context);
            return typeof v === "string" ? v : JSON.stringify(v);
        });
    }
    if (Array.isArray(value)) {
        return value.map((v) => substitute(v, context));
    }
    if (isRecord(value)) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            out[substitute(k, context) as string] = substitute(v, context);
        }
        return out;
    }
    return value;
}

/**
 * Kyverno preconditions (`any`/`all` of `{key, operator, value}`): true when the rule applies. A
 * bare list is Kyverno's legacy form of `all`.
 */
export function preconditionsHold(conditions: unknown, context: KyvernoContext): boolean {
    if (conditions === undefined || conditions === null) {
        return true;
    }
    if (Array.isArray(conditions)) {
        return conditions.every((c) => condition(c, context));
    }
    if (!isRecord(conditions)) {
        throw new Unsupported(`preconditions ${JSON.stringify(conditions)}`);
    }
    for (const key of Object.keys(conditions)) {
        if (key !== "any" && key !== "all") {
            throw new Unsupported(`preconditions field "${key}"`);
        }
    }
    const all = Array.isArray(conditions.all) ? conditions.all : [];
    const any = Array.isArray(conditions.any) ? conditions.any : [];
    return (
        all.every((c) => condition(c, context)) &&
        (any.length === 0 || any.some((c) => condition(c, context)))
    );
}

function condition(c: unknown, context: KyvernoContext): boolean {
    if (!isRecord(c) || typeof c.operator !== "string") {
        throw new Unsupported(`condition ${JSON.stringify(c)}`);
    }
    const key = substitute(c.key, context);
    const value = substitute(c.value, context);
    const num = (v: unknown): number => {
        const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
        if (Number.isNaN(n)) {
            throw new Unsupported(
                `operator ${String(c.operator)} on ${JSON.stringify(v)} (numbers only)`,
            );
        }
        return n;
    };
    const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    switch (c.operator) {
        case "Equals":
            return same(key, value);
        case "NotEquals":
            return !same(key, value);
        case "GreaterThan":
            return num(key) > num(value);
        case "GreaterThanOrEquals":
            return num(key) >= num(value);
        case "LessThan":
            return num(key) < num(value);
        case "LessThanOrEquals":
            return num(key) <= num(value);
        case "AnyIn":
            return list(key).some((k) => list(value).some((v) => same(k, v)));
        case "AllIn":
            return list(key).every((k) => list(value).some((v) => same(k, v)));
        case "AnyNotIn":
            return list(key).some((k) => !list(value).some((v) => same(k, v)));
        case "AllNotIn":
            return list(key).every((k) => !list(value).some((v) => same(k, v)));
        default:
            throw new Unsupported(`condition operator "${c.operator}"`);
    }
}
