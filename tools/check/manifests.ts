import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./errors";
import {
    describeFsError,
    formatBytes,
    InputFile,
    maxManifestBytes,
    maxManifestFileBytes,
    readInputFile,
} from "./input-files";
import { KubeYamlError, readKubeYaml } from "./kube-yaml";

/** One Kubernetes object read from a YAML file. */
export interface ManifestObject {
    readonly file: string;
    /** Position of the document in its file, from 0. */
    readonly index: number;
    /** Position in the `items` of a `List` document, from 0; undefined for a plain object. */
    readonly item?: number;
    readonly object: Record<string, unknown>;
}

/** The file names `kubectl apply -f <folder>` reads (its FileExtensions). */
const manifestExtension = /\.(ya?ml|json)$/;

/**
 * Every manifest file (`.yaml`, `.yml`, `.json`, as `kubectl apply -f` reads) under the given
 * files and folders: each folder walked in name order, each file once (however many ways lead to
 * it). A symbolic link is followed only inside the tree of the path given: one whose target lies
 * outside it, one that leads back into a folder being walked (a loop) and one that leads nowhere
 * are errors naming the link, so nothing outside what the user named is ever read.
 */
export function manifestFiles(paths: readonly string[]): string[] {
    const files: string[] = [];
    const seen = new Set<string>();
    for (const given of paths) {
        let root: string;
        try {
            root = fs.realpathSync(given);
        } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            throw new UsageError(
                code === "ENOENT"
                    ? `--manifests: "${given}" does not exist`
                    : `--manifests: "${given}" cannot be read: ${describeFsError(e)}`,
            );
        }
        const stat = fs.statSync(root);
        if (stat.isDirectory()) {
            walk(given, root, { given, real: root }, [root], files, seen);
        } else if (!stat.isFile()) {
            throw new UsageError(`--manifests: "${given}" is not a regular file or folder`);
        } else if (!manifestExtension.test(given)) {
            throw new UsageError(`--manifests: "${given}" is not a .yaml, .yml or .json file`);
        } else if (!seen.has(root)) {
            seen.add(root);
            files.push(given);
        }
    }
    return files;
}

/**
 * Walks one folder. `shown` is the folder as the user's path names it, `real` its real path,
 * `root` the tree given (as given and its real path) and `ancestors` the real paths being walked
 * (a link to one of them is a loop).
 */
function walk(
    shown: string,
    real: string,
    root: { readonly given: string; readonly real: string },
    ancestors: readonly string[],
    files: string[],
    seen: Set<string>,
): void {
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(real, { withFileTypes: true });
    } catch (e) {
        throw new UsageError(
            `--manifests: folder "${shown}" cannot be read: ${describeFsError(e)}`,
        );
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const entryShown = path.join(shown, entry.name);
        const entryReal = path.join(real, entry.name);
        let target = entryReal;
        let stat: fs.Stats;
        if (entry.isSymbolicLink()) {
            try {
                target = fs.realpathSync(entryReal);
            } catch (e) {
                const code = (e as NodeJS.ErrnoException).code;
                if (code === "ENOENT" && !manifestExtension.test(entry.name)) {
                    continue; // a dangling link to something that is not a manifest
                }
                throw new UsageError(
                    code === "ELOOP"
                        ? `--manifests: "${entryShown}" is a symbolic link loop`
                        : `--manifests: "${entryShown}" is a symbolic link that leads nowhere ` +
                          `(${describeFsError(e)})`,
                );
            }
            stat = fs.statSync(target);
            const inside = target === root.real || target.startsWith(root.real + path.sep);
            if (!inside && (stat.isDirectory() || manifestExtension.test(entry.name))) {
                throw new UsageError(
                    `--manifests: "${entryShown}" is a symbolic link to "${target}", outside ` +
                        `"${root.given}"; the check reads only files inside the paths it is given`,
                );
            }
            if (stat.isDirectory() && ancestors.includes(target)) {
                throw new UsageError(
                    `--manifests: "${entryShown}" is a symbolic link loop (it leads back to "${target}")`,
                );
            }
        } else {
            stat = fs.statSync(entryReal);
        }
        if (stat.isDirectory()) {
            walk(entryShown, target, root, [...ancestors, target], files, seen);
        } else if (manifestExtension.test(entry.name)) {
            if (!stat.isFile()) {
                throw new UsageError(`--manifests: "${entryShown}" is not a regular file`);
            }
            if (!seen.has(target)) {
                seen.add(target);
                files.push(entryShown);
            }
        }
    }
}

/** What type a JSON value is, in a message. */
function typeName(v: unknown): string {
    if (v === null) {
        return "null";
    }
    if (Array.isArray(v)) {
        return "a list";
    }
    return typeof v === "object" ? "a mapping" : `a ${typeof v}`;
}

/**
 * A problem with an object as kubectl sees it (no apiVersion or kind), or undefined. `what` names
 * it: `document 2` or `document 2, items[3]`.
 */
function objectProblem(value: unknown, what: string): string | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return `${what} is ${typeName(value)}, not a Kubernetes object (a mapping with apiVersion and kind)`;
    }
    const obj = value as Record<string, unknown>;
    const missing = ["apiVersion", "kind"].filter(
        (k) => typeof obj[k] !== "string" || obj[k] === "",
    );
    if (missing.length > 0) {
        return `${what} has no ${missing.join(" or ")} (a non-empty string); expected a Kubernetes object`;
    }
    return undefined;
}

/**
 * Reads manifest files as kubectl reads them (tools/check/kube-yaml.ts) into objects. A `List`
 * (a kind ending in `List` with `items`) is flattened into its items, as kubectl applies them.
 * A document or item that is not a Kubernetes object (no apiVersion or kind) is a usage error
 * naming the file, the document and the item, since silently skipping it would let it through
 * unjudged. Every file is recorded in `inputs` with its digest. Nothing at all to judge is an
 * error too: an empty run would pass.
 */
export function readManifests(
    files: readonly string[],
    inputs: InputFile[] = [],
): ManifestObject[] {
    const out: ManifestObject[] = [];
    let total = 0;
    for (const file of files) {
        const { text, input } = readInputFile(file, "manifest", {
            maxBytes: maxManifestFileBytes,
            label: "--manifests",
            decoding: "kubectl",
        });
        total += input.bytes;
        if (total > maxManifestBytes) {
            throw new UsageError(
                `--manifests: the files given are over ${formatBytes(maxManifestBytes)} together ` +
                    `(at "${file}"); check them in several runs`,
            );
        }
        inputs.push(input);
        let docs: ReturnType<typeof readKubeYaml>;
        try {
            docs = readKubeYaml(text);
        } catch (e) {
            if (e instanceof KubeYamlError) {
                throw new UsageError(`${file}: ${e.message}`);
            }
            throw e;
        }
        for (const doc of docs) {
            if (doc.value === null) {
                continue; // an empty document (e.g. a trailing ---): kubectl skips it too
            }
            const what = `document ${doc.index + 1} (line ${doc.line})`;
            const obj = doc.value as Record<string, unknown>;
            if (
                typeof obj === "object" &&
                !Array.isArray(obj) &&
                typeof obj.kind === "string" &&
                obj.kind.endsWith("List") &&
                "items" in obj
            ) {
                flattenList(file, doc.index, what, obj, out);
                continue;
            }
            const problem = objectProblem(obj, what);
            if (problem !== undefined) {
                throw new UsageError(`${file}: ${problem}`);
            }
            out.push({ file, index: doc.index, object: obj });
        }
    }
    if (out.length === 0) {
        throw new UsageError(
            `--manifests: no Kubernetes object in ${files.length} file${files.length === 1 ? "" : "s"} ` +
                `(${files.length === 0 ? "no .yaml, .yml or .json file found" : listed(files)}); ` +
                `an empty run would pass without judging anything`,
        );
    }
    return out;
}

/** File names in a message: the first five, then how many more. */
function listed(files: readonly string[]): string {
    const more = files.length - 5;
    return files.slice(0, 5).join(", ") + (more > 0 ? ` and ${more} more` : "");
}

/** A List's items (Lists inside it flattened too), each of which must be a Kubernetes object. */
function flattenList(
    file: string,
    index: number,
    what: string,
    list: Record<string, unknown>,
    out: ManifestObject[],
): void {
    const items = list.items;
    if (items === null) {
        return; // kubectl reads `items: null` as an empty list
    }
    if (!Array.isArray(items)) {
        throw new UsageError(`${file}: ${what}: items is ${typeName(items)}; expected a list`);
    }
    items.forEach((item: unknown, i) => {
        const itemWhat = `${what}, items[${i}]`;
        const nested = item as Record<string, unknown> | null;
        if (
            typeof nested === "object" &&
            nested !== null &&
            typeof nested.kind === "string" &&
            nested.kind.endsWith("List") &&
            "items" in nested
        ) {
            flattenList(file, index, itemWhat, nested, out);
            return;
        }
        const problem = objectProblem(item, itemWhat);
        if (problem !== undefined) {
            throw new UsageError(`${file}: ${problem}`);
        }
        out.push({ file, index, item: i, object: item as Record<string, unknown> });
    });
}
