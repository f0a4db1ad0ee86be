/**
 * The real Pulumi engine for the tier `npm run test:pulumi`: the Pulumi CLI, its Node.js language
 * host and the Kubernetes provider, built once from the Go modules of `tools/go/` by
 * `tools/go/build.sh` into the git-ignored tool cache, and a project copy in a temporary folder
 * with a local file backend, run without network.
 *
 * ```ts
 * const bin = pulumiBinaries();                    // builds or finds the three binaries
 * const project = copyProject(tmp, "sovereign");   // the program, packs, stacks and the check
 * const cli = new PulumiCli(project, bin, { KUBECONFIG: cp.kubeconfigPath });
 * cli.run(["stack", "init", "sovereign"]);
 * ```
 */
import { spawn, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** The project's root folder. */
export const projectDir = path.resolve(__dirname, "../..");

/** The binaries of the tier, by the name the CLI looks for on PATH. */
const binaries = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-kubernetes"] as const;

/** What {@link pulumiBinaries} built or found. */
export interface PulumiBinaries {
    /** A folder holding the three binaries side by side, to put first on PATH. */
    readonly binDir: string;
    /** Seconds each `tools/go/build.sh <name>` took (a cached build is a lookup). */
    readonly buildSeconds: Readonly<Record<string, number>>;
}

/**
 * Builds (or finds in the cache) the Pulumi CLI, the language host and the Kubernetes provider,
 * one at a time, and links them into one folder: the CLI finds its language host next to itself, as
 * in a release, and the provider on PATH (an ambient plugin), so nothing is downloaded. A missing
 * Go or a failed build throws an error naming the tool and the build's output.
 */
export function pulumiBinaries(): PulumiBinaries {
    const paths: string[] = [];
    const buildSeconds: Record<string, number> = {};
    for (const name of binaries) {
        const start = Date.now();
        const run = spawnSync("bash", [path.join(projectDir, "tools/go/build.sh"), name], {
            cwd: projectDir,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        buildSeconds[name] = (Date.now() - start) / 1000;
        if (run.status !== 0) {
            const output = `${run.stderr ?? ""}${run.error?.message ?? ""}`
                .trim()
                .split("\n")
                .slice(-40)
                .join("\n");
            throw new Error(
                `tools/go/build.sh ${name} failed (exit ${run.status ?? run.signal}): the real-engine ` +
                    `tier needs ${name} built from its Go module (tools/go/tools.tsv).\n${output}`,
            );
        }
        paths.push(fs.realpathSync(run.stdout.trim()));
    }
    const key = crypto.createHash("sha256").update(paths.join("\n")).digest("hex").slice(0, 16);
    const cache = process.env.SOVEREIGN_TOOL_CACHE ?? path.join(projectDir, ".cache", "tools");
    const binDir = path.join(cache, `pulumi-cli-${key}`);
    if (!binaries.every((name) => fs.existsSync(path.join(binDir, name)))) {
        const tmp = `${binDir}.tmp.${process.pid}`;
        fs.rmSync(tmp, { recursive: true, force: true });
        fs.mkdirSync(tmp, { recursive: true });
        binaries.forEach((name, i) => {
            try {
                fs.linkSync(paths[i], path.join(tmp, name));
            } catch {
                fs.copyFileSync(paths[i], path.join(tmp, name));
                fs.chmodSync(path.join(tmp, name), 0o755);
            }
        });
        fs.rmSync(binDir, { recursive: true, force: true });
        fs.renameSync(tmp, binDir);
    }
    return { binDir, buildSeconds };
}

/** What a project copy holds besides `node_modules` (linked): the program, its packs and the check. */
const copied = [
    "Pulumi.yaml",
    "package.json",
    "tsconfig.json",
    "index.ts",
    "components",
    "contract",
    "stacks",
    "policypacks",
    "compliance",
    "tools",
];

/**
 * Copies the project into `dir` (the program, the stack files, the packs, their configs and the
 * offline check) with `node_modules` linked, so `pulumi stack init` and planted changes never touch
 * the repository. Returns `dir`.
 */
export function copyProject(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    for (const entry of copied) {
        fs.cpSync(path.join(projectDir, entry), path.join(dir, entry), {
            recursive: true,
            // The Go modules of tools/go are not part of the program.
            filter: (src) => !src.startsWith(path.join(projectDir, "tools", "go")),
        });
    }
    for (const file of fs.readdirSync(projectDir)) {
        if (/^Pulumi\..+\.yaml$/.test(file)) {
            fs.copyFileSync(path.join(projectDir, file), path.join(dir, file));
        }
    }
    fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

/** One finished `pulumi` command. */
export interface PulumiRun {
    readonly args: readonly string[];
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

/** One engine event of `--event-log` (the fields the tier reads). */
export interface EngineEvent {
    readonly sequence: number;
    readonly timestamp: number;
    readonly resourcePreEvent?: { metadata: StepMetadata };
    readonly resOutputsEvent?: { metadata: StepMetadata };
    readonly resOpFailedEvent?: { metadata: StepMetadata };
    readonly policyEvent?: PolicyEvent;
    readonly diagnosticEvent?: { urn?: string; message: string; severity: string };
    readonly summaryEvent?: { resourceChanges?: Record<string, number> };
}

/** A step of the engine: what it does to which resource. */
export interface StepMetadata {
    readonly op: string;
    readonly urn: string;
    readonly type: string;
    readonly detailedDiff?: Record<string, unknown> | null;
    readonly diffs?: string[];
}

/** A policy verdict as the engine reports it. */
export interface PolicyEvent {
    readonly resourceUrn?: string;
    readonly message: string;
    readonly policyName: string;
    readonly policyPackName: string;
    readonly policyPackVersion: string;
    readonly enforcementLevel: string;
}

/** Reads an `--event-log` file: one JSON event per line. */
export function readEventLog(file: string): EngineEvent[] {
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as EngineEvent);
}

/**
 * The Pulumi CLI in a project copy: a file backend and a Pulumi home in the copy's folder, the
 * built binaries first on PATH, no update check and no plugin download.
 */
export class PulumiCli {
    /** The environment every command runs with. */
    readonly env: NodeJS.ProcessEnv;

    constructor(
        readonly dir: string,
        bin: PulumiBinaries,
        extraEnv: NodeJS.ProcessEnv,
    ) {
        const state = path.join(dir, ".pulumi-state");
        fs.mkdirSync(state, { recursive: true });
        this.env = {
            ...process.env,
            PATH: `${bin.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
            PULUMI_HOME: path.join(dir, ".pulumi-home"),
            PULUMI_BACKEND_URL: `file://${state}`,
            PULUMI_CONFIG_PASSPHRASE: "real-engine-tier",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
            // Enables the --event-log flag the tier reads the engine's events from.
            PULUMI_DEBUG_COMMANDS: "true",
            // Helm's caches and repositories of this copy only (a chart fetched by an earlier run
            // must not be found in ~/.cache/helm).
            HELM_CACHE_HOME: path.join(dir, ".helm", "cache"),
            HELM_CONFIG_HOME: path.join(dir, ".helm", "config"),
            HELM_DATA_HOME: path.join(dir, ".helm", "data"),
            NO_COLOR: "1",
            ...extraEnv,
        };
        delete this.env.PULUMI_ACCESS_TOKEN;
    }

    /**
     * Runs `pulumi <args>` in the project copy. Asynchronous on purpose: the chart repositories and
     * the controller stand-in run in this process and must keep serving while the CLI runs.
     */
    run(args: readonly string[], timeoutMs = 1_800_000): Promise<PulumiRun> {
        return this.spawn("pulumi", [...args], this.env, timeoutMs);
    }

    /** Runs a bash script (a CI step) in the project copy with this environment and `env`. */
    bash(script: string, env: NodeJS.ProcessEnv, timeoutMs = 1_800_000): Promise<PulumiRun> {
        return this.spawn(
            "bash",
            ["-euo", "pipefail", "-c", script],
            { ...this.env, ...env },
            timeoutMs,
        );
    }

    private spawn(
        command: string,
        args: string[],
        env: NodeJS.ProcessEnv,
        timeoutMs: number,
    ): Promise<PulumiRun> {
        const start = Date.now();
        return new Promise((resolve) => {
            const child = spawn(command, args, {
                cwd: this.dir,
                env,
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            const timer = setTimeout(() => {
                stderr += `\n[test] killed after ${timeoutMs / 1000} s`;
                child.kill("SIGTERM");
            }, timeoutMs);
            const done = (status: number | null, extra = ""): void => {
                clearTimeout(timer);
                resolve({
                    args: command === "pulumi" ? args : [command, ...args],
                    status,
                    stdout,
                    stderr: stderr + extra,
                    seconds: (Date.now() - start) / 1000,
                });
            };
            child.on("error", (error) => done(null, `\n${error.message}`));
            child.on("close", (code) => done(code));
        });
    }
}

/**
 * A failed command's message: the command, its exit, the policy verdicts and diagnostics it printed
 * (the part of the output before the stack's outputs) and the end of its standard error.
 */
export function describeRun(run: PulumiRun): string {
    const tail = (s: string, n: number): string => s.trim().split("\n").slice(-n).join("\n");
    const start = run.stdout.search(/^(Policies|Diagnostics):$/m);
    const end = run.stdout.search(/^Outputs:$/m);
    const report =
        start >= 0 ? run.stdout.slice(start, end > start ? end : undefined) : tail(run.stdout, 60);
    return (
        `${run.args.join(" ")}\nexited ${run.status} after ${run.seconds} s\n--- stdout\n` +
        `${tail(report, 120)}\n--- stderr\n${tail(run.stderr, 40)}`
    );
}
