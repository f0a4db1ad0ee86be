import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./errors";

/** What {@link requirePackConfigFiles} reads of the check's options. */
export interface PackConfigDirOptions {
    readonly projectDir: string;
    readonly stack?: string;
    readonly stackFile?: string;
    readonly policyConfig?: string;
    readonly policyConfigDir?: string;
}

/**
 * The folder of `<pack>.json` files a run reads (`--policy-config-dir`, or for a stack
 * `stacks/policy-config/<stack>/`) must exist and hold one file for every pack, as `pulumi preview`
 * and `pulumi up` are given one `--policy-pack-config` per pack: a pack without its config runs
 * with its defaults, and its verdict is not the stack's (issue 17: a missing folder or file was
 * silently ignored). Throws a UsageError naming the flag, the folder and what to create. A run
 * with `--policy-config`, or in `--manifests` mode without `--policy-config-dir`, reads no folder.
 */
export function requirePackConfigFiles(
    opts: PackConfigDirOptions,
    packDirs: readonly string[],
): void {
    if (opts.policyConfig !== undefined) {
        return;
    }
    if (opts.policyConfigDir === undefined && opts.stack === undefined) {
        return;
    }
    const packs = packDirs.map((d) => path.basename(d));
    const files = packs.map((p) => `${p}.json`).join(", ");
    if (opts.policyConfigDir !== undefined) {
        const dir = opts.policyConfigDir;
        if (!isDirectory(dir)) {
            throw new UsageError(
                `--policy-config-dir: "${dir}" is not a folder; expected a folder with one ` +
                    `<pack>.json per pack (${files})`,
            );
        }
        const missing = packs.filter((p) => !fs.existsSync(path.join(dir, `${p}.json`)));
        if (missing.length > 0) {
            throw new UsageError(
                `--policy-config-dir: "${dir}" has no ${missing.map((p) => `${p}.json`).join(", ")}; ` +
                    `every pack needs its config (the file pulumi is given as --policy-pack-config)`,
            );
        }
        return;
    }
    const stack = opts.stack as string;
    const rel = `stacks/policy-config/${stack}/`;
    const dir = path.join(opts.projectDir, "stacks", "policy-config", stack);
    const generate =
        opts.stackFile !== undefined
            ? `${opts.stackFile} with \`npm run policy-config -- --stack-file ${opts.stackFile}\``
            : `Pulumi.${stack}.yaml with \`npm run policy-config -- --stack ${stack}\``;
    const create =
        `generate it from ${generate} (one <pack>.json per pack: ${files}; see ` +
        `stacks/policy-config/README.md), or give the folder with --policy-config-dir`;
    if (!isDirectory(dir)) {
        throw new UsageError(
            `--stack: no policy-pack config for stack "${stack}": ${rel} does not exist; ${create}`,
        );
    }
    const missing = packs.filter((p) => !fs.existsSync(path.join(dir, `${p}.json`)));
    if (missing.length > 0) {
        throw new UsageError(
            `--stack: no policy-pack config for stack "${stack}": ${rel} has no ` +
                `${missing.map((p) => `${p}.json`).join(", ")}; ${create}`,
        );
    }
}

function isDirectory(dir: string): boolean {
    return fs.existsSync(dir) && fs.statSync(dir).isDirectory();
}
