import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { UsageError } from "./errors";

/** One Kubernetes object read from a YAML file. */
export interface ManifestObject {
    readonly file: string;
    /** Position of the document in its file, from 0. */
    readonly index: number;
    readonly object: Record<string, unknown>;
}

/** Every `.yaml`/`.yml` file under the given files and directories, sorted. */
export function manifestFiles(paths: readonly string[]): string[] {
    const files: string[] = [];
    const walk = (p: string): void => {
        const stat = fs.statSync(p);
        if (stat.isDirectory()) {
            for (const entry of fs.readdirSync(p).sort()) {
                walk(path.join(p, entry));
            }
        } else if (/\.ya?ml$/.test(p)) {
            files.push(p);
        }
    };
    for (const p of paths) {
        if (!fs.existsSync(p)) {
            throw new UsageError(`--manifests: "${p}" does not exist`);
        }
        const stat = fs.statSync(p);
        if (stat.isFile() && !/\.ya?ml$/.test(p)) {
            throw new UsageError(`--manifests: "${p}" is not a .yaml or .yml file`);
        }
        walk(p);
    }
    return files;
}

/**
 * Reads multi-document YAML files into objects. `List` kinds are flattened into their items.
 * A document that is not a Kubernetes object (no apiVersion or kind) is a usage error naming the
 * file and document, since silently skipping it would let it through unjudged.
 */
export function readManifests(files: readonly string[]): ManifestObject[] {
    const out: ManifestObject[] = [];
    for (const file of files) {
        const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
        docs.forEach((doc, index) => {
            if (doc.errors.length > 0) {
                throw new UsageError(`${file}: document ${index + 1}: ${doc.errors[0].message}`);
            }
            const value: unknown = doc.toJS();
            if (value === null || value === undefined) {
                return; // an empty document (e.g. a trailing ---)
            }
            if (typeof value !== "object" || Array.isArray(value)) {
                throw new UsageError(`${file}: document ${index + 1} is not a Kubernetes object`);
            }
            const obj = value as Record<string, unknown>;
            if (
                typeof obj.kind === "string" &&
                obj.kind.endsWith("List") &&
                Array.isArray(obj.items)
            ) {
                for (const item of obj.items as Record<string, unknown>[]) {
                    out.push({ file, index, object: item });
                }
                return;
            }
            if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
                throw new UsageError(
                    `${file}: document ${index + 1} has no apiVersion or kind; expected a Kubernetes object`,
                );
            }
            out.push({ file, index, object: obj });
        });
    }
    return out;
}
