/**
 * What `manifests.yaml` may show of an object, in every mode (a stack, its rendered charts, plain
 * manifests): secret values are replaced by {@link maskedSecret}, keys and structure stay.
 *
 * - A Secret's `data` and `stringData` values, always (whether or not the program marked them as
 *   Pulumi secrets; in `--manifests` mode nothing does).
 * - Literal credentials where the packs' credential detectors
 *   (policypacks/platform-guardrails/lib/credentials.ts) find them: an `env` entry's `value`
 *   (`name: DB_PASSWORD, value: ...`, or a value of a credential format), a ConfigMap `data`
 *   value (by key or format; inside a config file, the value of each flagged `key = value` line),
 *   a ConfigMap `binaryData` value holding key material.
 * - Any other string of a credential format (a PEM private key, a cloud or forge token, a URL with
 *   a password), wherever it appears, e.g. a container argument.
 * - `kubectl.kubernetes.io/last-applied-configuration`, which repeats the object as JSON: masked by
 *   the same rules, or as a whole when it does not parse.
 *
 * The input is never changed; a masked copy is returned.
 */
import {
    credentialEvidence,
    credentialFormatOf,
    embeddedCredentials,
} from "../../policypacks/platform-guardrails/lib/credentials";
import { isRecord, maskedSecret } from "./values";

/** The annotation `kubectl apply` stores the applied object in, as JSON. */
export const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

/** A `key = value` / `key: value` line (as the ConfigMap detector reads one): key part, value. */
const assignment = /^(\s*(?:export\s+)?["']?[A-Za-z_][A-Za-z0-9_.-]*["']?\s*[:=]\s*)(.*)$/;

function coreKind(obj: Record<string, unknown>, kind: string): boolean {
    return (obj.apiVersion === "v1" || obj.apiVersion === "core/v1") && obj.kind === kind;
}

/** Replaces every value of a map (Secret `data`/`stringData`) by the placeholder. */
function maskValues(value: unknown): unknown {
    if (!isRecord(value)) {
        return value === undefined || value === null ? value : maskedSecret;
    }
    return Object.fromEntries(Object.keys(value).map((k) => [k, maskedSecret]));
}

/** A ConfigMap `data` value: whole when the key or format says so, else each flagged line. */
function maskConfigValue(key: string, value: string): string {
    if (credentialEvidence(key, value) !== undefined) {
        return maskedSecret;
    }
    const flagged = new Set(embeddedCredentials(value).map((f) => f.line));
    if (flagged.size === 0) {
        return value;
    }
    return value
        .split(/(\r?\n)/)
        .map((part, i) =>
            // split with a capture group: even indexes are lines, odd ones the line breaks.
            i % 2 === 0 && flagged.has(i / 2 + 1)
                ? part.replace(assignment, (_, head: string) => `${head}${maskedSecret}`)
                : part,
        )
        .join("");
}

function maskConfigMap(obj: Record<string, unknown>): Record<string, unknown> {
    const out = { ...obj };
    if (isRecord(obj.data)) {
        out.data = Object.fromEntries(
            Object.entries(obj.data).map(([k, v]) => [
                k,
                typeof v === "string" ? maskConfigValue(k, v) : v,
            ]),
        );
    }
    if (isRecord(obj.binaryData)) {
        out.binaryData = Object.fromEntries(
            Object.entries(obj.binaryData).map(([k, v]) => [
                k,
                typeof v === "string" &&
                credentialFormatOf(Buffer.from(v, "base64").toString("latin1")) !== undefined
                    ? maskedSecret
                    : v,
            ]),
        );
    }
    return out;
}

/** An `env` list entry with a literal credential value, masked. */
function maskEnvEntry(entry: unknown): unknown {
    if (
        isRecord(entry) &&
        typeof entry.name === "string" &&
        typeof entry.value === "string" &&
        credentialEvidence(entry.name, entry.value) !== undefined
    ) {
        return { ...entry, value: maskedSecret };
    }
    return entry;
}

/** Every string of a credential format, and every credential in an `env` list, at any depth. */
function maskDeep(value: unknown, key?: string): unknown {
    if (typeof value === "string") {
        return credentialFormatOf(value) !== undefined ? maskedSecret : value;
    }
    if (Array.isArray(value)) {
        const items = key === "env" ? value.map(maskEnvEntry) : value;
        return items.map((v) => maskDeep(v));
    }
    if (isRecord(value)) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = maskDeep(v, k);
        }
        return out;
    }
    return value;
}

function maskLastApplied(obj: Record<string, unknown>): Record<string, unknown> {
    const meta = isRecord(obj.metadata) ? obj.metadata : undefined;
    const annotations = meta !== undefined && isRecord(meta.annotations) ? meta.annotations : {};
    const applied = annotations[lastAppliedAnnotation];
    if (meta === undefined || typeof applied !== "string") {
        return obj;
    }
    let masked: string = maskedSecret;
    try {
        const parsed: unknown = JSON.parse(applied);
        if (isRecord(parsed)) {
            masked = JSON.stringify(maskObject(parsed));
        }
    } catch {
        // not JSON: masked as a whole
    }
    return {
        ...obj,
        metadata: { ...meta, annotations: { ...annotations, [lastAppliedAnnotation]: masked } },
    };
}

/** A copy of a Kubernetes object with its secret values masked (see the module comment). */
export function maskObject(obj: Record<string, unknown>): Record<string, unknown> {
    let out = obj;
    if (coreKind(obj, "Secret")) {
        out = { ...out };
        for (const field of ["data", "stringData"]) {
            if (field in out) {
                out[field] = maskValues(out[field]);
            }
        }
    } else if (coreKind(obj, "ConfigMap")) {
        out = maskConfigMap(out);
    }
    out = maskLastApplied(out);
    return maskDeep(out) as Record<string, unknown>;
}
