/**
 * Runs the offline check as CI runs it: `node -r ./tools/ts-register.js tools/check/cli.ts` in a
 * separate process, with an output directory of its own, and reads back what it wrote.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");

/** One finished run of the check. */
export interface CheckProcess {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** `<out>/<name>/`: where the run wrote its report. */
    readonly dir: string;
    /** report.json, parsed; undefined when the run wrote none. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly report: any;
    /** A file the run wrote under `dir`, or undefined. */
    read(file: string): string | undefined;
}

/** Options of {@link runCheckProcess}. */
export interface CheckProcessOptions {
    /** The report's folder name: the stack, or `manifests`. */
    readonly name: string;
    /** The environment of the process. @default process.env */
    readonly env?: NodeJS.ProcessEnv;
    /** @default 240000 */
    readonly timeoutMs?: number;
    /** The CLI to run. @default tools/check/cli.ts of this repository */
    readonly cli?: string;
    /** Extra Node flags, before ts-node. @default [] */
    readonly nodeArgs?: readonly string[];
    /** Working directory. @default the repository */
    readonly cwd?: string;
}

/** Runs the check with `args` (plus `--out <temp dir>`) and returns what it did and wrote. */
export function runCheckProcess(args: readonly string[], opts: CheckProcessOptions): CheckProcess {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "check-"));
    const res = spawnSync(
        process.execPath,
        [
            ...(opts.nodeArgs ?? []),
            "-r",
            path.join(root, "tools", "ts-register.js"),
            opts.cli ?? path.join(root, "tools/check/cli.ts"),
            ...args,
            "--out",
            out,
        ],
        {
            cwd: opts.cwd ?? root,
            encoding: "utf8",
            timeout: opts.timeoutMs ?? 240_000,
            env: opts.env ?? process.env,
        },
    );
    const dir = path.join(out, opts.name);
    const read = (file: string): string | undefined => {
        const full = path.join(dir, file);
        return fs.existsSync(full) ? fs.readFileSync(full, "utf8") : undefined;
    };
    const report = read("report.json");
    return {
        code: res.status,
        stdout: res.stdout,
        stderr: res.stderr,
        dir,
        report: report !== undefined ? (JSON.parse(report) as unknown) : undefined,
        read,
    };
}
