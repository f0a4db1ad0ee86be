/**
 * Where a run writes: `<out>/<name>/`, replaced as a whole and only ever inside the output folder.
 *
 * - The name is a strict identifier (a stack name, or `manifests`), never `.`, `..` or a path.
 * - Every write goes to a new folder beside it (`<out>/.<name>.tmp-<pid>-<random>`), renamed into
 *   place when complete; the folder it replaces is first renamed aside and then removed. Every
 *   removal is checked to be a direct child of the output folder's real path.
 * - An existing `<out>/<name>` that the check did not write (a symbolic link, a file, a folder
 *   without report.json) is never removed: the run stops with exit 2.
 * - A run first replaces the folder with an `incomplete` report, so a run that never finishes
 *   (killed, out of memory: nothing can be caught) leaves that report, never a stale `passed`.
 *   A run that ends with exit 2 or 3 replaces it with an `error` report giving the reason.
 */
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./errors";
import { describeFsError, InputDigest, inputDigest, InputFile } from "./input-files";
import { stackNamePattern } from "./stack-config";

/** The `tool` of every report. */
export const checkTool = "sovereign-contour offline check";

/** What a report says about its run. */
export type RunStatus =
    /** exit 0: no mandatory violation and no schema error. */
    | "passed"
    /** exit 1: a mandatory violation or a schema error. */
    | "failed"
    /** exit 2 (invalid input) or 3 (internal error): nothing was judged; `error` says why. */
    | "error"
    /** the run started and has not finished, or stopped without finishing: no verdict. */
    | "incomplete";

/** One file of the output folder: its path inside the folder and its text. */
export interface OutputFile {
    readonly path: string;
    readonly content: string;
    /** @default 0o644 (as umask allows) */
    readonly mode?: number;
}

/** The report of a run that produced no verdict (status `error` or `incomplete`). */
export interface NoVerdictReport {
    readonly tool: string;
    readonly mode: "stack" | "manifests";
    readonly stack?: string;
    readonly status: "error" | "incomplete";
    readonly exitCode: number | null;
    readonly passed: false;
    readonly startedAt: string;
    readonly generatedAt: string;
    readonly error: string;
    readonly input: InputDigest;
}

/** `.<name>.tmp-<pid>-<hex>` and `.<name>.old-<pid>-<hex>`: this module's own transient folders. */
function transientPattern(name: string): RegExp {
    return new RegExp(`^\\.${name.replace(/[.]/g, "\\.")}\\.(tmp|old)-([0-9]+)-[0-9a-f]+$`);
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** The output folder of one run: `<out>/<name>/`. */
export class OutputFolder {
    private constructor(
        /** The real path of the output folder (`out/`). */
        readonly root: string,
        readonly name: string,
    ) {}

    /** `<root>/<name>`. */
    get dir(): string {
        return path.join(this.root, this.name);
    }

    /**
     * Checks `name` and the output folder, creating it if needed, and that `<out>/<name>` is
     * either absent or a folder this check wrote. Removes transient folders left by runs of the
     * same name that no longer run. Throws a UsageError (exit 2) for anything else.
     */
    static open(outDir: string, name: string): OutputFolder {
        if (!stackNamePattern.test(name)) {
            throw new UsageError(
                `"${name}" cannot name an output folder; expected a stack name (letters, digits, ` +
                    `'-', '_' or '.', not starting with '.')`,
            );
        }
        if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) {
            throw new UsageError(`--out: "${outDir}" is not a folder`);
        }
        try {
            fs.mkdirSync(outDir, { recursive: true });
        } catch (e) {
            throw new UsageError(`--out: "${outDir}" cannot be created: ${describeFsError(e)}`);
        }
        const root = fs.realpathSync(outDir);
        const folder = new OutputFolder(root, name);
        folder.checkOwnFolder();
        const transient = transientPattern(name);
        for (const entry of fs.readdirSync(root)) {
            const m = transient.exec(entry);
            if (m !== null && !processAlive(Number(m[2]))) {
                folder.remove(path.join(root, entry));
            }
        }
        return folder;
    }

    /** Refuses to go on when `<out>/<name>` exists and is not a folder the check wrote. */
    private checkOwnFolder(): void {
        let stat: fs.Stats;
        try {
            stat = fs.lstatSync(this.dir);
        } catch {
            return; // absent
        }
        const refuse = (what: string): never => {
            throw new UsageError(
                `"${this.dir}" ${what}, so the check did not write it; it replaces only its own ` +
                    `output folders: move it away or choose another --out`,
            );
        };
        if (stat.isSymbolicLink()) {
            refuse("is a symbolic link");
        }
        if (!stat.isDirectory()) {
            refuse("is not a folder");
        }
        const entries = fs.readdirSync(this.dir);
        if (entries.length > 0 && !entries.includes("report.json")) {
            refuse("holds no report.json");
        }
    }

    /**
     * Removes `target` (recursively) after checking that it is a direct child of the output
     * folder other than the folder itself; anything else is refused.
     */
    private remove(target: string): void {
        const resolved = path.resolve(target);
        if (path.dirname(resolved) !== this.root || resolved === this.root) {
            throw new Error(`refusing to remove "${resolved}": not inside "${this.root}"`);
        }
        const base = path.basename(resolved);
        if (base !== this.name && !transientPattern(this.name).test(base)) {
            throw new Error(`refusing to remove "${resolved}": not a folder of run "${this.name}"`);
        }
        fs.rmSync(resolved, { recursive: true, force: true });
    }

    /**
     * A new folder beside `<out>/<name>` for files a run writes as it goes (manifests.yaml); a
     * later `replace(files, staged)` completes it and renames it into place. It is named as
     * `replace`'s own new folders are, so a run that dies leaves nothing the next run keeps.
     */
    stage(): string {
        const tmp = path.join(this.root, `.${this.name}.tmp-${this.suffix()}`);
        fs.mkdirSync(tmp);
        return tmp;
    }

    /** Removes a folder `stage()` made, if it is still there. */
    discard(staged: string): void {
        if (fs.existsSync(staged)) {
            this.remove(staged);
        }
    }

    private suffix(): string {
        return `${process.pid}-${randomBytes(6).toString("hex")}`;
    }

    /**
     * Writes `files` into a new folder beside `<out>/<name>` (or into `staged`, a folder `stage()`
     * made, beside what is already written there) and renames it into place: readers see the
     * previous folder or the new one, never a mix. On failure the new folder is removed and the
     * previous one stays.
     */
    replace(files: readonly OutputFile[], staged?: string): void {
        const suffix = this.suffix();
        let tmp: string;
        if (staged !== undefined) {
            if (
                path.dirname(staged) !== this.root ||
                !transientPattern(this.name).test(path.basename(staged))
            ) {
                throw new Error(`"${staged}" is not a staging folder of run "${this.name}"`);
            }
            tmp = staged;
        } else {
            tmp = path.join(this.root, `.${this.name}.tmp-${suffix}`);
            fs.mkdirSync(tmp);
        }
        try {
            for (const f of files) {
                const target = path.resolve(tmp, f.path);
                if (!target.startsWith(tmp + path.sep)) {
                    throw new Error(`output file path "${f.path}" escapes the output folder`);
                }
                fs.mkdirSync(path.dirname(target), { recursive: true });
                fs.writeFileSync(target, f.content, f.mode !== undefined ? { mode: f.mode } : {});
            }
            this.checkOwnFolder();
            if (fs.existsSync(this.dir)) {
                const old = path.join(this.root, `.${this.name}.old-${suffix}`);
                fs.renameSync(this.dir, old);
                fs.renameSync(tmp, this.dir);
                this.remove(old);
            } else {
                fs.renameSync(tmp, this.dir);
            }
        } catch (e) {
            if (fs.existsSync(tmp)) {
                this.remove(tmp);
            }
            throw e;
        }
    }
}

/** One run of the check and what it writes, from its start to its exit code. */
export class CheckRun {
    /** Every input file read, in order (stack file, pack configs, or manifests). */
    readonly inputs: InputFile[] = [];
    readonly startedAt = new Date().toISOString();
    private staged: string | undefined;

    constructor(
        readonly folder: OutputFolder,
        readonly mode: "stack" | "manifests",
        readonly stack?: string,
    ) {}

    /** The inputs read so far, with their digest. */
    input(): InputDigest {
        return inputDigest(this.inputs);
    }

    /** Replaces the output folder with an `incomplete` report: what stays if the run never ends. */
    begin(): void {
        this.folder.replace(
            noVerdictFiles(
                this.noVerdict(
                    "incomplete",
                    null,
                    `the check started at ${this.startedAt} (process ${process.pid}) and has not ` +
                        `finished; if it no longer runs, it stopped without finishing (killed, or ` +
                        `out of memory) and there is no verdict`,
                ),
            ),
        );
    }

    /** Replaces the output folder with an `error` report for exit code 2 or 3. */
    fail(exitCode: number, message: string): void {
        if (this.staged !== undefined) {
            this.folder.discard(this.staged);
            this.staged = undefined;
        }
        this.folder.replace(noVerdictFiles(this.noVerdict("error", exitCode, message)));
    }

    /**
     * The folder this run writes its streamed outputs into (made on first use, see
     * OutputFolder.stage); `complete` moves it into place, `fail` removes it.
     */
    staging(): string {
        this.staged ??= this.folder.stage();
        return this.staged;
    }

    /** Writes the run's remaining files beside what it staged and puts the folder in place. */
    complete(files: readonly OutputFile[]): void {
        const staged = this.staged;
        this.staged = undefined;
        this.folder.replace(files, staged);
    }

    private noVerdict(
        status: "error" | "incomplete",
        exitCode: number | null,
        error: string,
    ): NoVerdictReport {
        return {
            tool: checkTool,
            mode: this.mode,
            ...(this.stack !== undefined ? { stack: this.stack } : {}),
            status,
            exitCode,
            passed: false,
            startedAt: this.startedAt,
            generatedAt: new Date().toISOString(),
            error,
            input: this.input(),
        };
    }
}

function noVerdictFiles(r: NoVerdictReport): OutputFile[] {
    const title = r.status === "error" ? "ERROR" : "INCOMPLETE";
    const md = [
        `# Offline check: ${r.mode === "stack" ? `stack \`${r.stack ?? ""}\`` : "manifests"}`,
        "",
        `Result: **${title}**${r.exitCode !== null ? ` (exit ${r.exitCode})` : ""}, no verdict ` +
            `(generated ${r.generatedAt}).`,
        "",
        "```",
        r.error,
        "```",
        "",
        ...inputMarkdown(r.input),
    ];
    return [
        { path: "report.json", content: JSON.stringify(r, null, 2) + "\n" },
        { path: "report.md", content: md.join("\n") },
    ];
}

/** The report.md section naming the inputs and their digests. */
export function inputMarkdown(input: InputDigest): string[] {
    const lines = ["## Input", ""];
    if (input.files.length === 0) {
        lines.push("No input file was read.", "");
        return lines;
    }
    lines.push(`SHA-256 of all inputs: \`${input.sha256}\``, "");
    lines.push("| role | file | bytes | SHA-256 |", "| --- | --- | --- | --- |");
    for (const f of input.files) {
        lines.push(`| ${f.role} | \`${f.path}\` | ${f.bytes} | \`${f.sha256}\` |`);
    }
    lines.push("");
    return lines;
}
