import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { UsageError } from "./errors";

/** Placeholder handed to the program for a `secure:` value; the ciphertext is never decrypted. */
export const secretStandIn = "[secret: not decrypted by the offline check]";

/** A stack's config as the Pulumi CLI would hand it to the program. */
export interface StackConfig {
    /** `ns:key` → string value (objects and lists as JSON, as the CLI passes them). */
    readonly values: Record<string, string>;
    /** Keys whose value is (or contains) a `secure:` value. */
    readonly secretKeys: string[];
    /** The stack file that was read. */
    readonly file: string;
}

/**
 * Reads `Pulumi.<stack>.yaml` from the project directory and converts its `config` block the way
 * the CLI does for a program: structured values become JSON, scalars strings. A `secure:` value
 * (anywhere in a structured value) becomes an opaque stand-in and marks the key secret.
 */
export function readStackConfig(
    projectDir: string,
    stack: string,
    stackFile?: string,
): StackConfig {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
        throw new UsageError(
            `--stack: "${stack}" is not a valid stack name; expected letters, digits, '-', '_' or '.'`,
        );
    }
    const file = stackFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (stackFile !== undefined && !fs.existsSync(stackFile)) {
        throw new UsageError(`--stack-file: "${stackFile}" does not exist`);
    }
    if (!fs.existsSync(file)) {
        const known = fs
            .readdirSync(projectDir)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => s !== undefined);
        throw new UsageError(
            `--stack: no stack file ${path.basename(file)} for stack "${stack}"; known stacks: ${known.join(", ") || "none"}`,
        );
    }
    let doc: unknown;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new UsageError(`${path.basename(file)}: not valid YAML: ${(e as Error).message}`);
    }
    const config: unknown = (doc as { config?: unknown } | null)?.config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new UsageError(
            `${path.basename(file)}: "config" must be a mapping of keys to values`,
        );
    }
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, raw] of Object.entries(config as Record<string, unknown>)) {
        const { value, secret } = replaceSecure(raw);
        if (secret) {
            secretKeys.push(key);
        }
        values[key] =
            typeof value === "string"
                ? value
                : typeof value === "object" && value !== null
                  ? JSON.stringify(value)
                  : String(value);
    }
    return { values, secretKeys, file };
}

function isSecure(value: unknown): boolean {
    return (
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value) &&
        Object.keys(value).length === 1 &&
        typeof (value as { secure?: unknown }).secure === "string"
    );
}

function replaceSecure(value: unknown): { value: unknown; secret: boolean } {
    if (isSecure(value)) {
        return { value: secretStandIn, secret: true };
    }
    if (Array.isArray(value)) {
        let secret = false;
        const out = value.map((v) => {
            const r = replaceSecure(v);
            secret ||= r.secret;
            return r.value;
        });
        return { value: out, secret };
    }
    if (typeof value === "object" && value !== null) {
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = replaceSecure(v);
            secret ||= r.secret;
            out[k] = r.value;
        }
        return { value: out, secret };
    }
    return { value, secret: false };
}
