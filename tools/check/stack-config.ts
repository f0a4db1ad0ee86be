import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { closestKey } from "../../contract/suggest";
import { UsageError } from "./errors";
import { InputFile, maxStackFileBytes, readInputFile } from "./input-files";
import { firstControlCharacter } from "./kube-yaml";

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
    /** The stack file's bytes as read: path, size and SHA-256. */
    readonly input: InputFile;
}

/**
 * Stack names the check accepts: Pulumi's own rule (1 to 100 letters, digits, `-`, `_` or `.`),
 * except a leading `.`. A stack name becomes a file name (`Pulumi.<stack>.yaml`) and folder names
 * (`stacks/policy-config/<stack>/`, `out/<stack>/`), so `.` and `..` must never be one.
 */
export const stackNamePattern = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/;

const stackNameRule = "expected 1 to 100 letters, digits, '-', '_' or '.', not starting with '.'";

/** Throws a UsageError naming `flag` unless `name` is a valid stack name. */
export function checkStackName(name: string, flag: string, file?: string): void {
    if (!stackNamePattern.test(name)) {
        throw new UsageError(
            file !== undefined
                ? `${flag}: "${file}" names stack "${name}", which is not a valid stack name; ${stackNameRule}`
                : `${flag}: "${name}" is not a valid stack name; ${stackNameRule}`,
        );
    }
}

/** The top-level keys of a Pulumi stack file (the CLI's ProjectStack) the check reads or ignores. */
const stackFileKeys = ["config", "secretsprovider", "encryptedkey", "encryptionsalt"];

/**
 * Reads `Pulumi.<stack>.yaml` from the project directory and converts its `config` block the way
 * the CLI does for a program: a scalar is passed as the text written (`1.30` stays `1.30`, a null
 * becomes ""), structured values become JSON. A `secure:` value (anywhere in a structured value)
 * becomes an opaque stand-in and marks the key secret.
 *
 * A file the CLI would not read, or whose settings the check cannot see, is a UsageError naming
 * the file and the problem: empty, not text, not YAML, not a mapping, an unknown top-level key
 * (with the closest known one), or an `environment:` (Pulumi ESC, unreachable offline).
 */
export function readStackConfig(
    projectDir: string,
    stack: string,
    stackFile?: string,
): StackConfig {
    checkStackName(stack, stackFile !== undefined ? "--stack-file" : "--stack", stackFile);
    const file = stackFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        if (stackFile !== undefined) {
            throw new UsageError(`--stack-file: "${stackFile}" does not exist`);
        }
        const known = fs
            .readdirSync(projectDir)
            .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
            .filter((s): s is string => s !== undefined && stackNamePattern.test(s));
        throw new UsageError(
            `--stack: no stack file ${path.basename(file)} for stack "${stack}"; known stacks: ${known.join(", ") || "none"}`,
        );
    }
    const name = path.basename(file);
    const { text, input } = readInputFile(file, "stack", {
        maxBytes: maxStackFileBytes,
        label: stackFile !== undefined ? "--stack-file" : "--stack",
        decoding: "strict",
    });
    const bad = firstControlCharacter(text);
    if (bad !== undefined) {
        const cp = `U+${bad.codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
        throw new UsageError(
            `${name}: line ${bad.line}: control character ${cp} is not allowed in YAML; is it a binary file?`,
        );
    }
    let doc: YAML.Document.Parsed;
    let top: unknown;
    try {
        doc = YAML.parseDocument(text);
        if (doc.errors.length > 0) {
            throw doc.errors[0];
        }
        top = doc.toJS();
    } catch (e) {
        // The first line only: the excerpt after it would show the file's text (secrets too).
        const problem = (e as Error).message.split("\n")[0].replace(/:$/, "");
        throw new UsageError(`${name}: not valid YAML: ${problem}`);
    }
    if (top === null || top === undefined) {
        throw new UsageError(
            `${name}: the stack file is empty; it holds a config: block ` +
                `(write "config: {}" for a stack that takes every default)`,
        );
    }
    if (typeof top !== "object" || Array.isArray(top)) {
        throw new UsageError(
            `${name}: expected a mapping with a config: block at the top level; found ` +
                `${Array.isArray(top) ? "a list" : `a ${typeof top}`}`,
        );
    }
    for (const key of Object.keys(top)) {
        if (key === "environment") {
            throw new UsageError(
                `${name}: environment: the offline check cannot resolve Pulumi ESC environments ` +
                    `(no Pulumi Cloud access), so the settings they provide would go unjudged; ` +
                    `set the settings under config:`,
            );
        }
        if (!stackFileKeys.includes(key)) {
            const hint = closestKey(key, stackFileKeys);
            throw new UsageError(
                `${name}: unknown top-level key "${key}"` +
                    (hint !== undefined ? ` (did you mean "${hint}"?)` : "") +
                    `; a stack file holds ${stackFileKeys.join(", ")}`,
            );
        }
    }
    const config: unknown = (top as { config?: unknown }).config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new UsageError(`${name}: "config" must be a mapping of keys to values`);
    }
    const rawScalars = scalarTexts(doc);
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, raw] of Object.entries(config as Record<string, unknown>)) {
        const { value, secret } = replaceSecure(raw);
        if (secret) {
            secretKeys.push(key);
        }
        values[key] =
            typeof value === "object" && value !== null
                ? JSON.stringify(value)
                : (rawScalars.get(key) ?? (value === null ? "" : String(value)));
    }
    return { values, secretKeys, file, input };
}

/**
 * The text of each scalar value of the config block, as the CLI passes a scalar (go-yaml decodes
 * it into a string: the text written, "" for a null).
 */
function scalarTexts(doc: YAML.Document.Parsed): Map<string, string> {
    const texts = new Map<string, string>();
    const top = doc.contents;
    const config = YAML.isMap(top) ? top.get("config", true) : undefined;
    if (!YAML.isMap(config)) {
        return texts;
    }
    for (const pair of config.items) {
        let node: unknown = pair.value;
        if (YAML.isAlias(node)) {
            node = node.resolve(doc);
        }
        const key = YAML.isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key === undefined) {
            continue;
        }
        if (node === null || node === undefined) {
            texts.set(key, "");
        } else if (YAML.isScalar(node)) {
            texts.set(
                key,
                node.value === null
                    ? ""
                    : typeof node.source === "string"
                      ? node.source
                      : String(node.value),
            );
        }
    }
    return texts;
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
