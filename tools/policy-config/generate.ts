/**
 * `npm run policy-config`: writes `stacks/policy-config/<stack>/<pack>.json` for every stack file
 * `Pulumi.<stack>.yaml` of the project and every pack of `policypacks/`, each derived from the
 * stack's settings (./derive.ts; the table is in stacks/policy-config/README.md). The stack file is
 * read as the offline check reads it and validated by the project's settings loader, so a stack
 * the check refuses gets no config either. `--check` writes nothing and fails, naming each file
 * and policy, when a committed file is missing or is not what its stack file gives.
 */
import * as fs from "fs";
import * as path from "path";
import * as prettier from "prettier";
import { loadSettings, PlatformSettings } from "../../stacks";
import { UsageError } from "../check/errors";
import { checkStackName, readStackConfig, stackNamePattern } from "../check/stack-config";
import { PackConfig, packConfigOf } from "./derive";

/** The command, as the messages name it. */
export const command = "npm run policy-config";

const usage = `Usage: ${command} [-- [--check] [--stack <name>]... | --stack-file <file> [--out <dir>]]

Writes stacks/policy-config/<stack>/<pack>.json, the config \`pulumi preview --policy-pack-config\`
and \`npm run check -- --stack <stack>\` give each pack, derived from Pulumi.<stack>.yaml: for every
stack file of the project, or for each --stack. See stacks/policy-config/README.md.

  --check              write nothing; exit 1 naming each file (and policy) that is missing or is
                       not what its stack file gives
  --stack <name>       only this stack of the project (repeatable)
  --stack-file <file>  a stack file Pulumi.<stack>.yaml kept outside the project (as the check's
                       --stack-file); its configs go to stacks/policy-config/<stack>/, or --out
  --out <dir>          with one stack: the folder for its <pack>.json files (the check's
                       --policy-config-dir)
  --help               this text

Exit codes: 0 written (or, with --check, current); 1 --check found a difference; 2 invalid input
(the flag, stack file or setting is named); 3 internal error.`;

/** Exit codes of the command. */
export const exitCodes = { ok: 0, differs: 1, invalidInput: 2, internalError: 3 } as const;

/** Options of one run. */
export interface GenerateOptions {
    /** The project: its stack files, `policypacks/` and `stacks/policy-config/`. */
    readonly projectDir: string;
    /** The stacks of the project to generate; every stack file when empty (and no stackFile). */
    readonly stacks: readonly string[];
    /** A stack file `Pulumi.<stack>.yaml` outside the project, instead of `stacks`. */
    readonly stackFile?: string;
    /** With one stack: the folder its files go to, instead of `stacks/policy-config/<stack>/`. */
    readonly outDir?: string;
    /** Compare with the files on disk instead of writing them. */
    readonly check: boolean;
}

/** One stack to generate for: where its settings come from and where its files go. */
export interface Target {
    readonly stack: string;
    /** Its stack file when it is not the project's `Pulumi.<stack>.yaml`. */
    readonly stackFile?: string;
    /** The folder of its `<pack>.json` files (absolute). */
    readonly dir: string;
}

/** One generated file: where it goes, its stack file and its text. */
export interface GeneratedFile {
    /** The file as messages name it: relative to the project when inside it. */
    readonly file: string;
    /** The absolute path. */
    readonly path: string;
    /** The stack file its values come from, as messages name it. */
    readonly source: string;
    readonly text: string;
}

/** The stacks of a project, sorted: one per `Pulumi.<stack>.yaml`. Throws on an invalid name. */
export function projectStacks(projectDir: string): string[] {
    const stacks: string[] = [];
    for (const file of fs.readdirSync(projectDir).sort()) {
        const m = /^Pulumi\.(.*)\.yaml$/.exec(file);
        if (m === null) {
            continue;
        }
        if (!stackNamePattern.test(m[1])) {
            throw new UsageError(
                `${file}: "${m[1]}" is not a valid stack name; expected 1 to 100 letters, ` +
                    `digits, '-', '_' or '.', not starting with '.'`,
            );
        }
        stacks.push(m[1]);
    }
    if (stacks.length === 0) {
        throw new UsageError(`${projectDir}: no stack file Pulumi.<stack>.yaml`);
    }
    return stacks;
}

/** The policy packs of a project, sorted: every folder of `policypacks/` with a `PulumiPolicy.yaml`. */
export function projectPacks(projectDir: string): string[] {
    const root = path.join(projectDir, "policypacks");
    return fs
        .readdirSync(root)
        .filter((d) => fs.existsSync(path.join(root, d, "PulumiPolicy.yaml")))
        .sort();
}

/** `stacks/policy-config/<stack>/<pack>.json`, relative to the project. */
export function packConfigFile(stack: string, pack: string): string {
    return path.posix.join("stacks", "policy-config", stack, `${pack}.json`);
}

/**
 * A stack's validated settings, read from `Pulumi.<stack>.yaml` as the offline check reads it
 * (a `secure:` value stays an opaque stand-in: no derived entry reads a secret). Invalid settings
 * are a UsageError naming the stack file and every problem.
 */
export function stackSettings(
    projectDir: string,
    stack: string,
    stackFile?: string,
): PlatformSettings {
    const config = readStackConfig(projectDir, stack, stackFile);
    try {
        return loadSettings(config.values, config.secretKeys).settings;
    } catch (e) {
        if ((e as Error | undefined)?.name === "SettingsError") {
            throw new UsageError(`${shown(projectDir, config.file)}: ${(e as Error).message}`);
        }
        throw e;
    }
}

/** A path as messages show it: relative to the project (with `/`) when inside it, else as is. */
function shown(projectDir: string, file: string): string {
    const rel = path.relative(projectDir, file);
    return rel.startsWith("..") || path.isAbsolute(rel) ? file : rel.split(path.sep).join("/");
}

/**
 * A pack config as the file holds it: JSON formatted as the project's Prettier settings format
 * `stacks/policy-config/` (`npm run lint` checks these files too), every object expanded, wherever
 * the file is written.
 */
export async function renderPackConfig(
    projectDir: string,
    stack: string,
    pack: string,
    config: PackConfig,
): Promise<string> {
    const filepath = path.join(projectDir, packConfigFile(stack, pack));
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    return prettier.format(JSON.stringify(config, null, 4), { ...options, filepath });
}

/** The project's own stacks as targets: each into `stacks/policy-config/<stack>/`. */
export function projectTargets(projectDir: string, stacks: readonly string[]): Target[] {
    return stacks.map((stack) => ({
        stack,
        dir: path.join(projectDir, "stacks", "policy-config", stack),
    }));
}

/**
 * Every file of the targets, in target then pack order. Every stack file is read and validated
 * before any file is rendered.
 */
export async function generateFiles(
    projectDir: string,
    targets: readonly Target[],
): Promise<GeneratedFile[]> {
    const packs = projectPacks(projectDir);
    const settings = targets.map((t) => stackSettings(projectDir, t.stack, t.stackFile));
    const files: GeneratedFile[] = [];
    for (const [i, target] of targets.entries()) {
        const source = shown(
            projectDir,
            target.stackFile ?? path.join(projectDir, `Pulumi.${target.stack}.yaml`),
        );
        for (const pack of packs) {
            const config = packConfigOf(pack, settings[i]);
            const full = path.join(target.dir, `${pack}.json`);
            files.push({
                file: shown(projectDir, full),
                path: full,
                source,
                text: await renderPackConfig(projectDir, target.stack, pack, config),
            });
        }
    }
    return files;
}

function entriesOf(doc: unknown): Record<string, unknown> {
    return typeof doc === "object" && doc !== null && !Array.isArray(doc)
        ? (doc as Record<string, unknown>)
        : {};
}

/**
 * What is wrong with one committed file, or `undefined` when it is byte for byte the generated
 * one: missing, not JSON, each policy whose entry differs (with both values), or, when every entry
 * is equal, the order or formatting.
 */
export function fileDifference(generated: GeneratedFile): string | undefined {
    const full = generated.path;
    if (!fs.existsSync(full)) {
        return `${generated.file}: missing`;
    }
    const text = fs.readFileSync(full, "utf8");
    if (text === generated.text) {
        return undefined;
    }
    let committed: Record<string, unknown>;
    try {
        committed = entriesOf(JSON.parse(text));
    } catch (e) {
        return `${generated.file}: not valid JSON (${(e as Error).message})`;
    }
    const wanted = entriesOf(JSON.parse(generated.text));
    const policies = [...new Set([...Object.keys(wanted), ...Object.keys(committed)])];
    const lines = policies.flatMap((policy) => {
        const here = JSON.stringify(committed[policy]);
        const there = JSON.stringify(wanted[policy]);
        if (here === there) {
            return [];
        }
        return [
            `${generated.file}: ${policy}: ${here ?? "absent"} here, ` +
                `${there ?? "absent"} from ${generated.source}`,
        ];
    });
    return lines.length > 0
        ? lines.join("\n")
        : `${generated.file}: same entries, but not in the generated order or formatting`;
}

/**
 * Folders of `stacks/policy-config/` with no stack file, and files in a stack's folder that are no
 * pack's config: stale configs `--check` reports (nothing reads them).
 */
export function strayConfigs(projectDir: string, stacks: readonly string[]): string[] {
    const root = path.join(projectDir, "stacks", "policy-config");
    if (!fs.existsSync(root)) {
        return [];
    }
    const packs = projectPacks(projectDir);
    const stray: string[] = [];
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
        if (!entry.isDirectory()) {
            continue;
        }
        const rel = path.posix.join("stacks", "policy-config", entry.name);
        if (!fs.existsSync(path.join(projectDir, `Pulumi.${entry.name}.yaml`))) {
            stray.push(`${rel}/: no stack file Pulumi.${entry.name}.yaml; delete the folder`);
            continue;
        }
        if (!stacks.includes(entry.name)) {
            continue;
        }
        for (const file of fs.readdirSync(path.join(root, entry.name)).sort()) {
            if (!file.endsWith(".json") || !packs.includes(file.slice(0, -".json".length))) {
                stray.push(`${rel}/${file}: no pack policypacks/${file.replace(/\.json$/, "")}`);
            }
        }
    }
    return stray.sort();
}

/** Parses the command line; throws a UsageError naming the flag. */
export function parseArgs(argv: readonly string[], projectDir: string): GenerateOptions | "help" {
    const stacks: string[] = [];
    let stackFile: string | undefined;
    let outDir: string | undefined;
    let check = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = (): string => {
            const next = argv[++i];
            if (next === undefined || next.startsWith("--")) {
                throw new UsageError(`${arg}: a value is required`);
            }
            return next;
        };
        if (arg === "--help" || arg === "-h") {
            return "help";
        } else if (arg === "--check") {
            check = true;
        } else if (arg === "--stack") {
            stacks.push(value());
        } else if (arg === "--stack-file") {
            if (stackFile !== undefined) {
                throw new UsageError("--stack-file: give one stack file");
            }
            stackFile = path.resolve(value());
        } else if (arg === "--out") {
            outDir = path.resolve(value());
        } else {
            throw new UsageError(`unknown argument "${arg}"\n${usage}`);
        }
    }
    if (stackFile !== undefined && stacks.length > 0) {
        throw new UsageError("--stack and --stack-file: use one or the other");
    }
    if (outDir !== undefined && stackFile === undefined && new Set(stacks).size !== 1) {
        throw new UsageError("--out: give exactly one --stack or a --stack-file");
    }
    return {
        projectDir,
        stacks,
        check,
        ...(stackFile !== undefined ? { stackFile } : {}),
        ...(outDir !== undefined ? { outDir } : {}),
    };
}

/** The stacks a run generates for: its --stack-file, its --stack names, or every stack file. */
function targetsOf(opts: GenerateOptions): Target[] {
    if (opts.stackFile !== undefined) {
        const m = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(opts.stackFile));
        if (m === null) {
            throw new UsageError(
                `--stack-file: "${opts.stackFile}" must be named Pulumi.<stack>.yaml`,
            );
        }
        const stack = m[1];
        checkStackName(stack, "--stack-file", opts.stackFile);
        const dir = opts.outDir ?? path.join(opts.projectDir, "stacks", "policy-config", stack);
        return [{ stack, stackFile: opts.stackFile, dir }];
    }
    const stacks =
        opts.stacks.length === 0 ? projectStacks(opts.projectDir) : [...new Set(opts.stacks)];
    const targets = projectTargets(opts.projectDir, stacks);
    return opts.outDir !== undefined ? [{ ...targets[0], dir: opts.outDir }] : targets;
}

/**
 * Runs the command and returns its exit code; messages go to `out` (results) and `err` (problems).
 */
export async function run(
    opts: GenerateOptions,
    out: (line: string) => void,
    err: (line: string) => void,
): Promise<number> {
    const all = opts.stacks.length === 0 && opts.stackFile === undefined;
    const targets = targetsOf(opts);
    const stacks = targets.map((t) => t.stack);
    // Every stack is read and derived before anything is written: an invalid one writes nothing.
    const files = await generateFiles(opts.projectDir, targets);
    const count = `${files.length} pack config${files.length === 1 ? "" : "s"} of ${stacks.join(", ")}`;
    const stray = all ? strayConfigs(opts.projectDir, stacks) : [];
    if (!opts.check) {
        let written = 0;
        for (const { file, path: full, text } of files) {
            if (fs.existsSync(full) && fs.readFileSync(full, "utf8") === text) {
                continue;
            }
            fs.mkdirSync(path.dirname(full), { recursive: true });
            fs.writeFileSync(full, text);
            out(`wrote ${file}`);
            written++;
        }
        out(`${count}: ${written} written, ${files.length - written} unchanged`);
        for (const line of stray) {
            err(`note: ${line}`);
        }
        return exitCodes.ok;
    }
    const problems = files.flatMap((generated) => fileDifference(generated) ?? []);
    if (problems.length === 0 && stray.length === 0) {
        out(`${count}: current`);
        return exitCodes.ok;
    }
    const regenerate = all ? command : `${command} -- ${regenerateArgs(opts)}`;
    err(
        `policy-pack config is not what the stack files give (run \`${regenerate}\` to ` +
            `regenerate it; the values come from Pulumi.<stack>.yaml, see ` +
            `stacks/policy-config/README.md):`,
    );
    for (const line of [...problems, ...stray].join("\n").split("\n")) {
        err(`  ${line}`);
    }
    return exitCodes.differs;
}

/** The arguments that regenerate what a --check run compared. */
function regenerateArgs(opts: GenerateOptions): string {
    const out = opts.outDir !== undefined ? ` --out ${opts.outDir}` : "";
    if (opts.stackFile !== undefined) {
        return `--stack-file ${opts.stackFile}${out}`;
    }
    return [...new Set(opts.stacks)].map((s) => `--stack ${s}`).join(" ") + out;
}

async function main(): Promise<number> {
    const projectDir = path.resolve(__dirname, "..", "..");
    try {
        const opts = parseArgs(process.argv.slice(2), projectDir);
        if (opts === "help") {
            console.log(usage);
            return exitCodes.ok;
        }
        return await run(opts, console.log, console.error);
    } catch (e) {
        if (e instanceof UsageError) {
            console.error(e.message);
            return exitCodes.invalidInput;
        }
        console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
        return exitCodes.internalError;
    }
}

if (require.main === module) {
    void main().then((code) => process.exit(code));
}
