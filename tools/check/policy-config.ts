import * as fs from "fs";
import Ajv, { ErrorObject } from "ajv";
import { closestKey } from "../../contract/suggest";
import { UsageError } from "./errors";
import { InputFile, maxPackConfigBytes, readInputFile } from "./input-files";

/** A policy as GetAnalyzerInfo describes it. */
export interface PolicyInfo {
    readonly name: string;
    readonly description: string;
    readonly enforcementLevel: string;
    readonly configSchema?: {
        readonly properties: Record<string, Record<string, unknown>>;
        readonly required: readonly string[];
    };
}

/** One policy's config: its enforcement level and properties. */
export interface PolicyConfigEntry {
    enforcementLevel?: string;
    properties?: Record<string, unknown>;
}

/** A pack's config by policy name (`all` sets every policy's level). */
export type PackConfig = Record<string, PolicyConfigEntry>;

/** The enforcement levels the CLI accepts in a config file. */
export const validLevels = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * Parses a `--policy-pack-config` JSON file exactly as the Pulumi CLI does: each key is a policy
 * name (or `all`), each value an enforcement level string or an object whose `enforcementLevel`
 * (if any) is split from the remaining properties. Empty entries are dropped.
 */
export function parsePackConfig(text: string, source: string): PackConfig {
    if (text.trim() === "") {
        return {};
    }
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new UsageError(`${source}: not valid JSON: ${(e as Error).message}`);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
        throw new UsageError(`${source}: expected a JSON object of policy names to config`);
    }
    const result: PackConfig = {};
    for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
        let enforcementLevel: string | undefined;
        let properties: Record<string, unknown> | undefined;
        if (typeof value === "string") {
            if (!validLevels.includes(value)) {
                throw new UsageError(
                    `${source}: parsing enforcement level for "${key}": "${value}" is not a valid enforcement level (expected one of ${validLevels.join(", ")})`,
                );
            }
            enforcementLevel = value;
        } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
            const props = { ...(value as Record<string, unknown>) };
            if ("enforcementLevel" in props) {
                const level = props.enforcementLevel;
                if (typeof level !== "string") {
                    throw new UsageError(
                        `${source}: parsing enforcement level for "${key}": ${JSON.stringify(level)} is not a valid enforcement level; must be a string`,
                    );
                }
                if (!validLevels.includes(level)) {
                    throw new UsageError(
                        `${source}: parsing enforcement level for "${key}": "${level}" is not a valid enforcement level (expected one of ${validLevels.join(", ")})`,
                    );
                }
                enforcementLevel = level;
                delete props.enforcementLevel;
            }
            if (Object.keys(props).length > 0) {
                properties = props;
            }
        } else {
            throw new UsageError(
                `${source}: parsing "${key}": ${JSON.stringify(value)} is not a valid value; must be a string or object`,
            );
        }
        if (enforcementLevel === undefined && properties === undefined) {
            continue;
        }
        result[key] = {
            ...(enforcementLevel !== undefined ? { enforcementLevel } : {}),
            ...(properties !== undefined ? { properties } : {}),
        };
    }
    return result;
}

/** Reads and parses a pack config file. */
export function readPackConfig(file: string, label = "--policy-config"): PackConfig {
    return readPackConfigFile(file, label).config;
}

/** Reads and parses a pack config file, with the bytes' digest for the report. */
export function readPackConfigFile(
    file: string,
    label = "--policy-config",
): { config: PackConfig; input: InputFile } {
    if (!fs.existsSync(file)) {
        throw new UsageError(`${label}: file "${file}" does not exist`);
    }
    const { text, input } = readInputFile(file, "pack-config", {
        maxBytes: maxPackConfigBytes,
        label,
        decoding: "strict",
    });
    return { config: parsePackConfig(text, file), input };
}

/**
 * The keys of a pack config that name no policy: each a message naming the file, the key and the
 * closest known policy. `known` are the policies the config may name (those of its pack, or of
 * every pack for a config given to all of them); `all` is always known.
 */
export function unknownPolicyNames(
    config: PackConfig,
    source: string,
    known: readonly string[],
    whose: string,
): string[] {
    return Object.keys(config)
        .filter((key) => key !== "all" && !known.includes(key))
        .map((key) => {
            const hint = closestKey(key, known);
            return (
                `${source}: "${key}" is not a policy of ${whose}` +
                (hint !== undefined ? ` (did you mean "${hint}"?)` : "") +
                `; a misspelt name would leave its policy at its default level`
            );
        });
}

function apply(result: PackConfig, given: PackConfig): void {
    const all = given.all;
    if (all?.enforcementLevel !== undefined) {
        for (const entry of Object.values(result)) {
            entry.enforcementLevel = all.enforcementLevel;
        }
    }
    for (const [policy, entry] of Object.entries(given)) {
        const current = result[policy] ?? {};
        const next: PolicyConfigEntry = { ...current };
        if (entry.enforcementLevel !== undefined) {
            next.enforcementLevel = entry.enforcementLevel;
        }
        if (entry.properties !== undefined) {
            next.properties = { ...(current.properties ?? {}), ...entry.properties };
        }
        result[policy] = next;
    }
}

/**
 * Reconciles a pack's policies with the given config the way the CLI does before it calls
 * Configure: schema defaults first, then the pack's initial config, then the given config (`all`
 * first, then per policy); finally each policy's properties are validated against its config
 * schema. Returns the config to send, or the list of validation errors (`<policy>: <problem>`).
 */
export function reconcilePackConfig(
    policies: readonly PolicyInfo[],
    initial: PackConfig,
    given: PackConfig,
): { config: PackConfig; errors: string[] } {
    const result: PackConfig = {};
    for (const p of policies) {
        const entry: PolicyConfigEntry = { enforcementLevel: p.enforcementLevel };
        for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) {
            if ("default" in schema) {
                entry.properties = { ...(entry.properties ?? {}), [k]: schema.default };
            }
        }
        result[p.name] = entry;
    }
    apply(result, initial);
    apply(result, given);

    const errors: string[] = [];
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const p of policies) {
        if (p.configSchema === undefined) {
            continue;
        }
        const schema: Record<string, unknown> = { type: "object" };
        if (Object.keys(p.configSchema.properties).length > 0) {
            schema.properties = p.configSchema.properties;
        }
        if (p.configSchema.required.length > 0) {
            schema.required = p.configSchema.required;
        }
        const validate = ajv.compile(schema);
        if (!validate(result[p.name]?.properties ?? {})) {
            for (const e of validate.errors ?? []) {
                errors.push(`${p.name}: ${describe(e)}`);
            }
        }
    }
    return { config: result, errors };
}

/** An ajv error worded like the CLI's (gojsonschema) messages: `field: problem`. */
function describe(e: ErrorObject): string {
    const field = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
    switch (e.keyword) {
        case "required":
            return `${(e.params as { missingProperty: string }).missingProperty} is required`;
        case "enum":
            return `${field}: ${field} must be one of the following: ${(
                e.params as { allowedValues: unknown[] }
            ).allowedValues
                .map((v) => JSON.stringify(v))
                .join(", ")}`;
        case "type":
            return `${field}: Invalid type. Expected: ${(e.params as { type: string }).type}`;
        default:
            return `${field !== "" ? `${field}: ` : ""}${e.message ?? "is invalid"}`;
    }
}
