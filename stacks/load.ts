import { z } from "zod";
import {
    knownKeys,
    missingImageDigests,
    PlatformSettings,
    settingsSchema,
    settingsShape,
} from "../components/platform/settings";
import { secretSettingPaths } from "../components/shared/settings";
import { closestKey, SettingsError, SettingsIssue } from "./errors";

/** The Pulumi project name; every setting lives under `<project>:<key>` in the stack file. */
export const projectName = "sovereign-contour";

/**
 * Config namespaces other than the project's that a stack file may use: the providers' own
 * settings. Anything else is almost certainly a misspelt project name, which would otherwise make
 * every setting under it silently fall back to its default.
 */
export const foreignNamespaces: readonly string[] = ["kubernetes", "pulumi", "random", "tls"];

/** Raw stack config as the Pulumi runtime hands it over: full key (`ns:key`) to string value. */
export type RawConfig = Readonly<Record<string, string>>;

/** The result of loading: typed settings and which top-level keys were secret in the stack file. */
export interface LoadedSettings {
    readonly settings: PlatformSettings;
    /** Top-level keys (without namespace) whose values were set with `--secret`. */
    readonly secretKeys: ReadonlySet<string>;
}

/** Options of {@link loadSettings}. */
export interface LoadOptions {
    /**
     * Also require what deploying the stack needs beyond valid settings: with
     * `workloads.requireImageDigests`, a digest in `images.digests` for the image of every enabled
     * component, reported as one problem listing every missing reference. The program
     * (`loadStackSettings`) sets it; reading a stack's settings for anything else does not, so the
     * defaults alone stay valid settings.
     * @default false
     */
    readonly requireRecordedDigests?: boolean;
}

/**
 * Validates a stack's raw config into typed settings. Every problem is collected and thrown at once
 * as a {@link SettingsError}; nothing is returned half-validated.
 *
 * Structured values (objects, lists) arrive as JSON, as the Pulumi CLI passes them; scalar values
 * stay strings.
 */
export function loadSettings(
    raw: RawConfig,
    secretKeys: Iterable<string> = [],
    options: LoadOptions = {},
): LoadedSettings {
    const issues: SettingsIssue[] = [];
    const values: Record<string, unknown> = {};
    const secrets = new Set<string>();
    const secretFull = new Set(secretKeys);

    for (const [fullKey, value] of Object.entries(raw)) {
        const sep = fullKey.indexOf(":");
        const ns = sep < 0 ? projectName : fullKey.slice(0, sep);
        const key = sep < 0 ? fullKey : fullKey.slice(sep + 1);
        if (ns !== projectName) {
            if (!foreignNamespaces.includes(ns)) {
                const hint = closestKey(ns, [projectName, ...foreignNamespaces]);
                issues.push({
                    key: fullKey,
                    message:
                        `unknown config namespace "${ns}"; expected "${projectName}:<key>"` +
                        (hint !== undefined ? ` (did you mean "${hint}:${key}"?)` : "") +
                        ` or a provider namespace (${foreignNamespaces.join(", ")})`,
                });
            }
            continue;
        }
        if (!knownKeys.includes(key)) {
            const hint = closestKey(key, knownKeys);
            issues.push({
                key: fullKey,
                message:
                    `unknown setting "${key}"` +
                    (hint !== undefined ? `; did you mean "${projectName}:${hint}"?` : "") +
                    `; known settings: ${knownKeys.join(", ")}`,
            });
            continue;
        }
        if (secretFull.has(fullKey)) {
            secrets.add(key);
        }
        values[key] = parseValue(value);
    }

    issues.push(...plaintextSecretIssues(values, secrets));
    const parsed = settingsSchema.safeParse(values);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            issues.push(toSettingsIssue(issue, values, secrets));
        }
    }
    if (options.requireRecordedDigests === true) {
        issues.push(...digestIssues(values));
    }
    if (issues.length > 0 || !parsed.success) {
        throw new SettingsError(issues);
    }
    return { settings: parsed.data, secretKeys: secrets };
}

/**
 * A plaintext value at a setting that must be a Pulumi secret ({@link secretSettingPaths}): the
 * top-level key holding it was not set with `--secret`. The Pulumi runtime tells secret keys
 * apart per top-level key, so a key set with `--secret` (whole, or with `--path` at the value)
 * passes. The value is never shown.
 */
function plaintextSecretIssues(
    values: Record<string, unknown>,
    secrets: ReadonlySet<string>,
): SettingsIssue[] {
    return secretSettingPaths
        .filter((path) => valueAt(values, path) !== undefined && !secrets.has(path[0]))
        .map((path) => {
            const dotted = path.join(".");
            return {
                key: formatPath(path),
                message:
                    "a plaintext value is not accepted: this setting must be a Pulumi secret; " +
                    `set it with \`pulumi config set --secret --path ${dotted} <value>\` ` +
                    "(the stack file then holds a secure: value, which is never printed and " +
                    "never decrypted by the offline check)",
            };
        });
}

/**
 * The missing `images.digests` entries as one problem (see {@link LoadOptions}). Only the sections
 * that decide it are parsed, so it is reported with every other problem; when one of them is
 * invalid itself, its own problem is reported instead.
 */
function digestIssues(values: Record<string, unknown>): SettingsIssue[] {
    const sections = {
        workloads: settingsShape.workloads.safeParse(values.workloads),
        images: settingsShape.images.safeParse(values.images),
        gatekeeper: settingsShape.gatekeeper.safeParse(values.gatekeeper),
        kyverno: settingsShape.kyverno.safeParse(values.kyverno),
        certManager: settingsShape.certManager.safeParse(values.certManager),
        linkerd: settingsShape.linkerd.safeParse(values.linkerd),
        falco: settingsShape.falco.safeParse(values.falco),
    };
    const s = sections;
    if (
        !s.workloads.success ||
        !s.images.success ||
        !s.gatekeeper.success ||
        !s.kyverno.success ||
        !s.certManager.success ||
        !s.linkerd.success ||
        !s.falco.success
    ) {
        return [];
    }
    const missing = missingImageDigests({
        workloads: s.workloads.data,
        images: s.images.data,
        gatekeeper: s.gatekeeper.data,
        kyverno: s.kyverno.data,
        certManager: s.certManager.data,
        linkerd: s.linkerd.data,
        falco: s.falco.data,
    });
    if (missing.length === 0) {
        return [];
    }
    return [
        {
            key: formatPath(["images", "digests"]),
            message:
                `workloads.requireImageDigests is true, but ${missing.length} platform ` +
                `image${missing.length === 1 ? " has" : "s have"} no digest: ` +
                `${missing.join(", ")}; expected an entry "<reference>": sha256:<64 hex digits> ` +
                "for each, recorded from the mirror with `crane digest <mirror reference>` " +
                "(docs/air-gap.md), or workloads.requireImageDigests: false",
        },
    ];
}

function parseValue(value: string): unknown {
    const trimmed = value.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(trimmed) as unknown;
        } catch {
            return value;
        }
    }
    return value;
}

/** Renders a config path the way a stack file reads: `ns:tenants[0].name`. */
export function formatPath(path: readonly (string | number)[]): string {
    let out = "";
    path.forEach((part, i) => {
        if (typeof part === "number") {
            out += `[${part}]`;
        } else if (i > 0 && !/^[A-Za-z0-9_-]+$/.test(part)) {
            // A map key such as an image reference: `images.digests["quay.io/x:v1"]`.
            out += `[${JSON.stringify(part)}]`;
        } else {
            out += i === 0 ? `${projectName}:${part}` : `.${part}`;
        }
    });
    return out;
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
    let current: unknown = root;
    for (const part of path) {
        if (current === null || typeof current !== "object") {
            return undefined;
        }
        current = (current as Record<string | number, unknown>)[part];
    }
    return current;
}

function describeValue(value: unknown): string {
    if (value === undefined) {
        return "missing";
    }
    // PEM text is never echoed: a mis-pasted private key must not reach a log.
    if (typeof value === "string" && value.includes("-----BEGIN")) {
        return "[PEM text]";
    }
    const text = JSON.stringify(value);
    // Nor an object holding PEM text: its first 80 characters could be a key's.
    if (text.includes("-----BEGIN")) {
        return "[object with PEM text]";
    }
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function toSettingsIssue(
    issue: z.ZodIssue,
    values: Record<string, unknown>,
    secrets: ReadonlySet<string>,
): SettingsIssue {
    const path = issue.path;
    const top = typeof path[0] === "string" ? path[0] : "";
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
        const known = knownSiblingKeys(path);
        const messages = issue.keys.map((k) => {
            const hint = known.length > 0 ? closestKey(k, known) : undefined;
            return (
                `unknown setting "${k}"` + (hint !== undefined ? ` (did you mean "${hint}"?)` : "")
            );
        });
        return {
            key: formatPath(path),
            message: messages.join("; ") + (known.length > 0 ? `; known: ${known.join(", ")}` : ""),
        };
    }
    // A secret value is never echoed back, not even in an error; nor is a value the schema
    // refused because it may hold a credential (a password inside a URL).
    const hidden =
        issue.code === z.ZodIssueCode.custom &&
        (issue.params as { valueNotShown?: unknown } | undefined)?.valueNotShown === true;
    const shown = secrets.has(top) || hidden ? "[secret]" : describeValue(valueAt(values, path));
    return { key: formatPath(path), message: `${issue.message} (got ${shown})` };
}

/** The keys a strict object at `path` accepts, for suggestions. */
function knownSiblingKeys(path: readonly (string | number)[]): string[] {
    let schema: z.ZodTypeAny = settingsSchema;
    for (const part of path) {
        schema = unwrap(schema);
        if (schema instanceof z.ZodObject && typeof part === "string") {
            const shape = schema.shape as Record<string, z.ZodTypeAny>;
            schema = shape[part];
        } else if (schema instanceof z.ZodArray && typeof part === "number") {
            schema = schema.element as z.ZodTypeAny;
        } else {
            return [];
        }
        if (schema === undefined) {
            return [];
        }
    }
    schema = unwrap(schema);
    return schema instanceof z.ZodObject ? Object.keys(schema.shape as object) : [];
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
    let s = schema;
    for (;;) {
        if (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
            s = s._def.innerType as z.ZodTypeAny;
        } else if (s instanceof z.ZodEffects) {
            s = s._def.schema as z.ZodTypeAny;
        } else {
            return s;
        }
    }
}
