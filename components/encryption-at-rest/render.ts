import * as YAML from "yaml";
import { goDurationMs } from "../shared/duration";
import { SpecIssue } from "../shared/issues";
import {
    ApiServerArg,
    ControlPlaneContribution,
    dirnameOf,
    HostPathMount,
    NodeFile,
} from "../shared/node-files";
import { defaults } from "./defaults";

export { defaults } from "./defaults";

/**
 * Pure functions of encryption at rest: validate a key ring and its resources, render the API
 * server's `EncryptionConfiguration` (apiserver.config.k8s.io/v1), and say how it is delivered.
 * Nothing here creates resources; key material comes in as plain base64 strings.
 *
 * Upstream: https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/ and
 * https://kubernetes.io/docs/tasks/administer-cluster/kms-provider/
 */

/** Providers that encrypt with a key held in the file itself. */
export const localProviders = ["secretbox", "aescbc", "aesgcm"] as const;
/** A provider with a local key. */
export type LocalProvider = (typeof localProviders)[number];
/** Every provider a key ring entry can name. `identity` is plaintext (read fallback only). */
export const encryptionProviders = [...localProviders, "kms", "identity"] as const;
/** A provider of a key ring entry. */
export type EncryptionProvider = (typeof encryptionProviders)[number];

/**
 * The life of a key, oldest state last: `staged` (in every API server's file, decrypt-only),
 * `primary` (encrypts new writes), `retiring` (decrypt-only until everything is re-encrypted),
 * `retired` (out of the file; local key material is kept, protected, for older etcd backups).
 */
export const keyStates = ["staged", "primary", "retiring", "retired"] as const;
/** The state of one key. */
export type KeyState = (typeof keyStates)[number];

/** One entry of the key ring. Entries are listed oldest first. */
export interface EncryptionKeySpec {
    /** Key name; for kms the plugin config name (stored in every object's prefix: never rename). */
    readonly name: string;
    readonly provider: EncryptionProvider;
    readonly state: KeyState;
    /** Key length in bytes, local providers only. @default 32 */
    readonly bytes?: number;
    /** KMS v2 plugin socket (`unix:///...`), kms only. */
    readonly endpoint?: string;
    /** KMS v2 call timeout (Go duration), kms only. @default "3s" */
    readonly timeout?: string;
}

/** What to encrypt and with which keys. */
export interface EncryptionSpec {
    /** Resources to encrypt (`secrets`, `configmaps`, `<resource>.<group>`, `*.<group>`, `*.*`). */
    readonly resources: readonly string[];
    /**
     * Resources deliberately left in plaintext ahead of a wildcard (e.g. `events` before `*.*`),
     * rendered as an `identity` block before the encrypted one. @default []
     */
    readonly plaintextResources: readonly string[];
    /** The key ring, oldest first. */
    readonly keys: readonly EncryptionKeySpec[];
}

export type { SpecIssue } from "../shared/issues";

/** Thrown by the render functions for an invalid spec; `issues` lists every problem. */
export class EncryptionSpecError extends Error {
    readonly issues: readonly SpecIssue[];

    constructor(issues: readonly SpecIssue[]) {
        super(issues.map((i) => i.message).join("; "));
        this.name = "EncryptionSpecError";
        this.issues = issues;
    }
}

/** Key lengths each local provider accepts, in bytes (Kubernetes docs, "Providers" table). */
export const keyLengths: Readonly<Record<LocalProvider, readonly number[]>> = {
    secretbox: [32],
    aescbc: [32],
    aesgcm: [16, 24, 32],
};

/** Resources the API server refuses to encrypt: they are not stored through the REST storage. */
const nonRestResources = ["apiserveripinfo", "serviceipallocations", "servicenodeportallocations"];
const resourceName = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;
const groupName = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;
const stateRank: Readonly<Record<KeyState, number>> = {
    retired: 0,
    retiring: 1,
    primary: 2,
    staged: 3,
};

/** True for a provider whose key lives in the file. */
export function isLocalProvider(provider: EncryptionProvider): provider is LocalProvider {
    return (localProviders as readonly string[]).includes(provider);
}

/** The length of a local key in bytes. */
export function keyBytesOf(key: EncryptionKeySpec): number {
    return key.bytes ?? defaults.keyBytes;
}

/** The keys that have key material to generate and keep (every local key, retired ones too). */
export function keysWithMaterial(keys: readonly EncryptionKeySpec[]): EncryptionKeySpec[] {
    return keys.filter((k) => isLocalProvider(k.provider));
}

/** Splits `secrets` / `deployments.apps` / `*.*` into resource and group (core group is ""). */
function parseResource(entry: string): { resource: string; group: string } {
    const dot = entry.indexOf(".");
    return dot < 0
        ? { resource: entry, group: "" }
        : { resource: entry.slice(0, dot), group: entry.slice(dot + 1) };
}

/** Checks the resource lists the way the API server does, plus what this platform requires. */
export function validateResources(
    resources: readonly string[],
    plaintextResources: readonly string[],
): SpecIssue[] {
    const issues: SpecIssue[] = [];
    if (resources.length === 0) {
        issues.push({
            path: ["resources"],
            message: "at least one resource is required; secrets must be encrypted (CIS 1.2.27)",
        });
    }
    const entries = [
        ...plaintextResources.map((value, index) => ({ list: "plaintextResources", index, value })),
        ...resources.map((value, index) => ({ list: "resources", index, value })),
    ];
    const seen: { value: string; list: string }[] = [];
    for (const { list, index, value } of entries) {
        const path = [list, index];
        const { resource, group } = parseResource(value);
        if (value === "*") {
            issues.push({ path, message: `"*" is not allowed; use "*.*" for every resource` });
            continue;
        }
        const wellFormed =
            resourceName.test(resource) &&
            (value.endsWith(".")
                ? resource === "*" && group === ""
                : group === "" || groupName.test(group)) &&
            !(group === "*" && resource !== "*");
        if (!wellFormed) {
            issues.push({
                path,
                message:
                    `"${value}" is not a resource name: expected lower-case "<resource>", ` +
                    `"<resource>.<group>", "*.<group>", "*." (core group) or "*.*"`,
            });
            continue;
        }
        if (group === "extensions") {
            issues.push({ path, message: `"${value}": the extensions group cannot be encrypted` });
            continue;
        }
        if (nonRestResources.includes(resource) && group === "") {
            issues.push({
                path,
                message: `"${value}" is not stored through the REST API and cannot be encrypted`,
            });
            continue;
        }
        if (list === "plaintextResources") {
            if (resource === "*") {
                issues.push({
                    path,
                    message: `"${value}": a wildcard cannot be left in plaintext; name single resources (e.g. events)`,
                });
                continue;
            }
            if (group === "" && (resource === "secrets" || resource === "configmaps")) {
                issues.push({ path, message: `"${value}" must stay encrypted` });
                continue;
            }
        }
        const masking = seen.find(
            (s) =>
                s.value === value ||
                s.value === "*.*" ||
                (parseResource(s.value).resource === "*" && parseResource(s.value).group === group),
        );
        if (masking !== undefined) {
            issues.push({
                path,
                message:
                    masking.value === value
                        ? `"${value}" is listed twice` +
                          (masking.list !== list ? " (in plaintextResources and resources)" : "")
                        : `"${value}" is masked by the earlier entry "${masking.value}" (the API server refuses masked entries)`,
            });
            continue;
        }
        seen.push({ value, list });
    }
    const coversSecrets = resources.some((r) => r === "secrets" || r === "*." || r === "*.*");
    if (resources.length > 0 && !coversSecrets) {
        issues.push({
            path: ["resources"],
            message: `secrets must be encrypted (CIS 1.2.27): add "secrets" (or "*." / "*.*")`,
        });
    }
    return issues;
}

/**
 * Checks a key ring on its own: names, per-provider fields and lengths, exactly one primary, at
 * most one staged key, `identity` only as the oldest entry and never a write provider, and states
 * in life order (keys are listed oldest first, so states never go back up the list).
 */
export function validateKeyRing(keys: readonly EncryptionKeySpec[]): SpecIssue[] {
    const issues: SpecIssue[] = [];
    if (keys.length === 0) {
        return [{ path: ["keys"], message: "at least one key is required (state: primary)" }];
    }
    const names = new Map<string, number>();
    keys.forEach((key, i) => {
        const at = (field?: string): (string | number)[] =>
            field === undefined ? ["keys", i] : ["keys", i, field];
        const first = names.get(key.name);
        if (first !== undefined) {
            issues.push({
                path: at("name"),
                message: `key "${key.name}" is listed twice (keys[${first}] has the same name); key names are unique`,
            });
        } else {
            names.set(key.name, i);
        }
        if (key.name.includes(":")) {
            issues.push({
                path: at("name"),
                message: `key "${key.name}": a name cannot contain ":"`,
            });
        }
        if (isLocalProvider(key.provider)) {
            const bytes = keyBytesOf(key);
            const allowed = keyLengths[key.provider];
            if (!allowed.includes(bytes)) {
                issues.push({
                    path: at("bytes"),
                    message: `key "${key.name}": ${key.provider} keys are ${allowed.join(", ")} bytes long`,
                });
            }
        } else if (key.bytes !== undefined) {
            issues.push({
                path: at("bytes"),
                message: `key "${key.name}": bytes applies to secretbox, aescbc and aesgcm keys only`,
            });
        }
        if (key.provider === "kms") {
            if (key.endpoint === undefined) {
                issues.push({
                    path: at("endpoint"),
                    message: `key "${key.name}": a kms key needs the plugin's endpoint (unix:///path/to/socket)`,
                });
            } else if (!/^unix:\/\/\/?.+/.test(key.endpoint)) {
                issues.push({
                    path: at("endpoint"),
                    message: `key "${key.name}": the KMS endpoint must be a unix socket (unix:///...)`,
                });
            }
            if (key.timeout !== undefined && !((goDurationMs(key.timeout) ?? 0) > 0)) {
                issues.push({
                    path: at("timeout"),
                    message: `key "${key.name}": timeout must be a positive duration such as "3s"`,
                });
            }
        } else {
            for (const field of ["endpoint", "timeout"] as const) {
                if (key[field] !== undefined) {
                    issues.push({
                        path: at(field),
                        message: `key "${key.name}": ${field} applies to kms keys only`,
                    });
                }
            }
        }
        if (key.provider === "identity") {
            if (key.state === "primary" || key.state === "staged") {
                issues.push({
                    path: at("state"),
                    message:
                        `key "${key.name}": identity stores data in plaintext and can never be ${key.state}; ` +
                        `it is allowed only as the trailing read fallback of the first migration (state retiring)`,
                });
            } else if (i !== 0) {
                issues.push({
                    path: at("provider"),
                    message:
                        `key "${key.name}": identity is allowed only as the read fallback of the first migration, ` +
                        `so it must be the oldest (first) key`,
                });
            }
        }
    });

    const primaries = keys.filter((k) => k.state === "primary");
    if (primaries.length === 0) {
        issues.push({
            path: ["keys"],
            message: "no key is primary: exactly one key encrypts new writes (state: primary)",
        });
    }
    for (const extra of primaries.slice(1)) {
        issues.push({
            path: ["keys", keys.indexOf(extra), "state"],
            message:
                `key "${extra.name}" is primary, but "${primaries[0].name}" is primary already: only one key ` +
                `encrypts new writes; stage the new key first, then promote it and set the old one to retiring`,
        });
    }
    const staged = keys.filter((k) => k.state === "staged");
    for (const extra of staged.slice(1)) {
        issues.push({
            path: ["keys", keys.indexOf(extra), "state"],
            message: `key "${extra.name}" is staged, but "${staged[0].name}" is staged already: rotate one key at a time`,
        });
    }
    for (let i = 1; i < keys.length; i++) {
        const before = keys[i - 1];
        const key = keys[i];
        if (stateRank[key.state] < stateRank[before.state]) {
            issues.push({
                path: ["keys", i, "state"],
                message:
                    `key "${key.name}" (${key.state}) is listed after "${before.name}" (${before.state}): keys are ` +
                    `listed oldest first and move staged → primary → retiring → retired, so a ${key.state} key ` +
                    `cannot be newer than a ${before.state} one`,
            });
        }
    }
    return issues;
}

/** Every problem of a spec: resources and key ring. */
export function validateEncryptionSpec(spec: EncryptionSpec): SpecIssue[] {
    return [
        ...validateResources(spec.resources, spec.plaintextResources),
        ...validateKeyRing(spec.keys),
    ];
}

/**
 * Checks one rotation step, from the key ring as deployed to the key ring about to be deployed.
 * A key moves one state at a time (staged → primary → retiring → retired; a staged key may also be
 * abandoned straight to retired); a new key enters as staged, except in a ring that had no key yet;
 * a key keeps its provider and length; and a key never leaves the list except a retired key that
 * holds no key material (a retired local key stays listed: its material is escrowed and protected).
 */
export function validateKeyTransition(
    before: readonly EncryptionKeySpec[],
    after: readonly EncryptionKeySpec[],
): SpecIssue[] {
    const issues: SpecIssue[] = [];
    const allowed: Readonly<Record<KeyState, readonly KeyState[]>> = {
        staged: ["staged", "primary", "retired"],
        primary: ["primary", "retiring"],
        retiring: ["retiring", "retired"],
        retired: ["retired"],
    };
    const firstRing = before.length === 0;
    for (const old of before) {
        const index = after.findIndex((k) => k.name === old.name);
        if (index < 0) {
            if (old.state !== "retired" || isLocalProvider(old.provider)) {
                issues.push({
                    path: ["keys"],
                    message:
                        old.state === "retired"
                            ? `key "${old.name}" was dropped: a retired ${old.provider} key stays listed, its key material escrowed for restoring older etcd backups`
                            : `key "${old.name}" was dropped while ${old.state}: data written with it becomes unreadable; ` +
                              `retire it first (after re-encrypting: kubectl get secrets -A -o json | kubectl replace -f -)`,
                });
            }
            continue;
        }
        const now = after[index];
        if (now.provider !== old.provider) {
            issues.push({
                path: ["keys", index, "provider"],
                message: `key "${old.name}" changed provider from ${old.provider} to ${now.provider}: a key's provider is fixed; add a new key instead`,
            });
        }
        if (isLocalProvider(old.provider) && keyBytesOf(now) !== keyBytesOf(old)) {
            issues.push({
                path: ["keys", index, "bytes"],
                message: `key "${old.name}" changed length from ${keyBytesOf(old)} to ${keyBytesOf(now)} bytes: that would replace the key; add a new key instead`,
            });
        }
        if (!allowed[old.state].includes(now.state)) {
            const why =
                old.state === "primary" && now.state === "retired"
                    ? "it must be retiring first, until everything written with it is re-encrypted"
                    : old.state === "retired"
                      ? "a retired key cannot come back; add a new key"
                      : `a key moves one state at a time (staged → primary → retiring → retired)`;
            issues.push({
                path: ["keys", index, "state"],
                message: `key "${old.name}" went from ${old.state} to ${now.state}: ${why}`,
            });
        }
    }
    after.forEach((key, index) => {
        if (before.some((k) => k.name === key.name)) {
            return;
        }
        const ok = firstRing
            ? key.state !== "retired" && key.state !== "staged"
            : key.state === "staged";
        if (!ok) {
            issues.push({
                path: ["keys", index, "state"],
                message: firstRing
                    ? `key "${key.name}" is new as ${key.state}: the first key ring starts with a primary key (and, when migrating, an identity read fallback)`
                    : `key "${key.name}" is new as ${key.state}: a new key is first added as staged (decrypt-only) on every API server, and promoted in a later step`,
            });
        }
    });
    return issues;
}

/** One `providers` entry of an EncryptionConfiguration. */
export type ProviderEntry =
    | { readonly secretbox: { keys: { name: string; secret: string }[] } }
    | { readonly aescbc: { keys: { name: string; secret: string }[] } }
    | { readonly aesgcm: { keys: { name: string; secret: string }[] } }
    | {
          readonly kms: {
              apiVersion: "v2";
              name: string;
              endpoint: string;
              timeout: string;
          };
      }
    | { readonly identity: Record<string, never> };

/** The EncryptionConfiguration document. */
export interface EncryptionConfigurationDocument {
    readonly apiVersion: "apiserver.config.k8s.io/v1";
    readonly kind: "EncryptionConfiguration";
    readonly resources: { resources: string[]; providers: ProviderEntry[] }[];
}

/**
 * The provider list of the encrypted block, in the order the API server uses it: the primary
 * key's provider first (it encrypts writes, with the primary key first in its list), then every
 * other key that may still be needed to read (staged, then retiring, newest first), local keys
 * grouped under their provider, and `identity` last when the first migration still needs it.
 * Retired keys are not in the file. `secrets` maps key name → base64 key material.
 */
export function renderProviders(
    keys: readonly EncryptionKeySpec[],
    secrets: Readonly<Record<string, string>>,
): ProviderEntry[] {
    const live = keys.filter((k) => k.state !== "retired");
    const primary = live.find((k) => k.state === "primary");
    if (primary === undefined) {
        throw new EncryptionSpecError([
            { path: ["keys"], message: "no key is primary: exactly one key encrypts new writes" },
        ]);
    }
    const readers = [
        ...live.filter((k) => k.state === "staged"),
        ...live.filter((k) => k.state === "retiring" && k.provider !== "identity").reverse(),
    ];
    const entries: ProviderEntry[] = [];
    const localEntries = new Map<LocalProvider, { name: string; secret: string }[]>();
    for (const key of [primary, ...readers]) {
        if (isLocalProvider(key.provider)) {
            const material = secrets[key.name];
            if (material === undefined) {
                throw new EncryptionSpecError([
                    { path: ["keys"], message: `key "${key.name}": no key material was given` },
                ]);
            }
            const length = Buffer.from(material, "base64").length;
            if (length !== keyBytesOf(key)) {
                throw new EncryptionSpecError([
                    {
                        path: ["keys"],
                        message: `key "${key.name}": the key material is ${length} bytes; ${key.provider} with bytes ${keyBytesOf(key)} needs ${keyBytesOf(key)}`,
                    },
                ]);
            }
            const list = localEntries.get(key.provider);
            if (list !== undefined) {
                list.push({ name: key.name, secret: material });
            } else {
                const keyList = [{ name: key.name, secret: material }];
                localEntries.set(key.provider, keyList);
                entries.push({ [key.provider]: { keys: keyList } } as ProviderEntry);
            }
        } else if (key.provider === "kms") {
            entries.push({
                kms: {
                    apiVersion: "v2",
                    name: key.name,
                    endpoint: key.endpoint ?? "",
                    timeout: key.timeout ?? defaults.kmsTimeout,
                },
            });
        }
    }
    if (live.some((k) => k.provider === "identity")) {
        entries.push({ identity: {} });
    }
    return entries;
}

/**
 * Renders the EncryptionConfiguration. Throws {@link EncryptionSpecError} naming every problem when
 * the spec is invalid. Plaintext opt-outs come first (an opt-out must precede the wildcard it
 * carves out of), the encrypted block last, which is also the block kube-bench 1.2.28 reads.
 */
export function renderEncryptionConfiguration(
    spec: EncryptionSpec,
    secrets: Readonly<Record<string, string>>,
): EncryptionConfigurationDocument {
    const issues = validateEncryptionSpec(spec);
    if (issues.length > 0) {
        throw new EncryptionSpecError(issues);
    }
    const blocks: { resources: string[]; providers: ProviderEntry[] }[] = [];
    if (spec.plaintextResources.length > 0) {
        blocks.push({ resources: [...spec.plaintextResources], providers: [{ identity: {} }] });
    }
    blocks.push({ resources: [...spec.resources], providers: renderProviders(spec.keys, secrets) });
    return {
        apiVersion: "apiserver.config.k8s.io/v1",
        kind: "EncryptionConfiguration",
        resources: blocks,
    };
}

/** The document as the file the API server reads. Comments stay above `providers:` (kube-bench 1.2.28). */
export function encryptionConfigurationYaml(document: EncryptionConfigurationDocument): string {
    const holdsKeys = document.resources.some((block) =>
        block.providers.some((p) => localProviders.some((local) => local in p)),
    );
    return (
        "# Managed by sovereign-contour (Pulumi): do not edit on the host.\n" +
        (holdsKeys
            ? "# Holds key material: install 0600 root:root, identical on every control-plane node.\n"
            : "# No key material (KMS v2); install 0600 root:root, identical on every control-plane node.\n") +
        YAML.stringify(document, { lineWidth: 0 })
    );
}

/** What the encrypted block ends up doing, for reviews, the report and the stack policies. */
export interface EncryptionSummary {
    /** The provider that encrypts new writes (`identity` would mean plaintext). */
    readonly writeProvider: EncryptionProvider;
    /** The key that encrypts new writes. */
    readonly writeKey: string;
    readonly resources: readonly string[];
    readonly plaintextResources: readonly string[];
    /** Key name → state. */
    readonly keyStates: Readonly<Record<string, KeyState>>;
    /** True while the identity read fallback of the first migration is in the file. */
    readonly identityFallback: boolean;
}

/** The summary of a valid spec. */
export function summarizeEncryption(spec: EncryptionSpec): EncryptionSummary {
    const primary = spec.keys.find((k) => k.state === "primary");
    return {
        writeProvider: primary?.provider ?? "identity",
        writeKey: primary?.name ?? "",
        resources: [...spec.resources],
        plaintextResources: [...spec.plaintextResources],
        keyStates: Object.fromEntries(spec.keys.map((k) => [k.name, k.state])),
        identityFallback: spec.keys.some(
            (k) => k.provider === "identity" && k.state === "retiring",
        ),
    };
}

/** Advice for the operator about a valid spec: weak providers and unfinished rotation steps. */
export function encryptionWarnings(spec: EncryptionSpec): string[] {
    const warnings: string[] = [];
    const primary = spec.keys.find((k) => k.state === "primary");
    if (primary?.provider === "aescbc") {
        warnings.push(
            `key "${primary.name}": aescbc is rated weak (CBC padding oracles); prefer secretbox or kms`,
        );
    }
    if (primary?.provider === "aesgcm") {
        warnings.push(
            `key "${primary.name}": aesgcm keys must be rotated before 200,000 writes, and kube-bench 1.2.28 ` +
                `reports aesgcm as a WARN; prefer secretbox or kms`,
        );
    }
    for (const key of spec.keys) {
        if (key.state === "staged") {
            warnings.push(
                `key "${key.name}" is staged: roll the file out to every control-plane node and reload every ` +
                    `API server before promoting it to primary`,
            );
        }
        if (key.state === "retiring") {
            warnings.push(
                key.provider === "identity"
                    ? `key "${key.name}": the identity read fallback is active, so plaintext objects are still ` +
                          `served; re-encrypt everything and then retire it`
                    : `key "${key.name}" is retiring: re-encrypt (kubectl get secrets -A -o json | kubectl replace -f -, ` +
                          `and the same for every other encrypted resource), then retire it`,
            );
        }
    }
    return warnings;
}

/** API-server flags for the file (`--encryption-provider-config`, automatic reload). */
export function encryptionApiServerArgs(automaticReload: boolean): ApiServerArg[] {
    return [
        { name: "encryption-provider-config", value: `${defaults.hostDir}/${defaults.fileName}` },
        {
            name: "encryption-provider-config-automatic-reload",
            value: automaticReload ? "true" : "false",
        },
    ];
}

/**
 * The host directories of the KMS v2 plugin sockets the file names (`unix:///var/run/kmsplugin/
 * kms.sock` → `/var/run/kmsplugin`), each once, in the order given. Abstract sockets (no path on
 * the host) need no mount and are left out.
 */
export function kmsSocketDirs(endpoints: readonly string[]): string[] {
    const dirs: string[] = [];
    for (const endpoint of endpoints) {
        const path = endpoint.replace(/^unix:\/\//, "");
        if (!path.startsWith("/") || path.startsWith("/@")) {
            continue;
        }
        const dir = dirnameOf(path);
        if (!dirs.includes(dir)) {
            dirs.push(dir);
        }
    }
    return dirs;
}

/**
 * How the file reaches the API server: its directory is mounted read-only (a directory, not the
 * file, so automatic reload sees the file replaced), and the file is installed 0600 root:root on
 * every control-plane node. `holdsKeys` marks the file secret for the node bootstrap (false for a
 * file that only names KMS v2 plugins). `kmsEndpoints` are the sockets of the KMS v2 plugins in
 * the file: the API server runs in a static pod and reaches a plugin only through a mount of the
 * socket's directory (read-write, as a socket is connected to, not read).
 */
export function encryptionControlPlane(
    automaticReload: boolean,
    holdsKeys = true,
    kmsEndpoints: readonly string[] = [],
): ControlPlaneContribution {
    const volume: HostPathMount = {
        name: "encryption-config",
        hostPath: defaults.hostDir,
        mountPath: defaults.hostDir,
        readOnly: true,
        pathType: "DirectoryOrCreate",
    };
    const sockets = kmsSocketDirs(kmsEndpoints).map(
        (dir, i): HostPathMount => ({
            name: i === 0 ? "kms-socket" : `kms-socket-${i + 1}`,
            hostPath: dir,
            mountPath: dir,
            readOnly: false,
            pathType: "DirectoryOrCreate",
        }),
    );
    const file: NodeFile = {
        artifact: defaults.artifact,
        hostPath: `${defaults.hostDir}/${defaults.fileName}`,
        mode: "0600",
        owner: "root:root",
        hosts: "control-plane",
        secret: holdsKeys,
    };
    return {
        apiServerArgs: encryptionApiServerArgs(automaticReload),
        apiServerVolumes: [volume, ...sockets],
        files: [file],
    };
}
