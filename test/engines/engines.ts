/**
 * Helpers of the engine tier: the real policy engines (the Kyverno CLI and Gatekeeper's gator),
 * built from their Go modules by tools/go/build.sh (pinned in tools/go/kyverno and tools/go/gator),
 * run on suites this tier writes into temporary folders.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { buildGoTool } from "../util/helm-binary";

/** What one engine run printed and returned. */
export interface EngineRun {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    /** Wall-clock milliseconds. */
    readonly ms: number;
}

const built = new Map<string, string>();

/** The path of an engine of tools/go/tools.tsv, built on first use (a failed build throws). */
export function engineBinary(name: "kyverno" | "gator"): string {
    let file = built.get(name);
    if (file === undefined) {
        file = buildGoTool(name);
        built.set(name, file);
    }
    return file;
}

/** Runs an engine with a clean HOME and no proxy or kubeconfig, so nothing reaches a cluster. */
export function runEngine(binary: string, args: readonly string[], cwd: string): EngineRun {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "engine-home-"));
    const start = process.hrtime.bigint();
    try {
        const result = spawnSync(binary, [...args], {
            cwd,
            encoding: "utf8",
            timeout: 600_000,
            maxBuffer: 256 * 1024 * 1024,
            env: {
                PATH: process.env.PATH ?? "/usr/bin:/bin",
                HOME: home,
                KUBECONFIG: path.join(home, "no-kubeconfig"),
            },
        });
        if (result.error !== undefined) {
            throw new Error(`${binary} ${args.join(" ")}: ${result.error.message}`);
        }
        return {
            code: result.status ?? -1,
            stdout: result.stdout,
            stderr: result.stderr,
            ms: Number(process.hrtime.bigint() - start) / 1e6,
        };
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

/**
 * {@link runEngine} without blocking the event loop, for a run that talks to a server of this
 * process (the test registry).
 */
export async function runEngineAsync(
    binary: string,
    args: readonly string[],
    cwd: string,
): Promise<EngineRun> {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "engine-home-"));
    const start = process.hrtime.bigint();
    try {
        return await new Promise<EngineRun>((resolve, reject) => {
            const child = spawn(binary, [...args], {
                cwd,
                env: {
                    PATH: process.env.PATH ?? "/usr/bin:/bin",
                    HOME: home,
                    KUBECONFIG: path.join(home, "no-kubeconfig"),
                },
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
            const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
            child.on("error", (e) => {
                clearTimeout(timer);
                reject(new Error(`${binary} ${args.join(" ")}: ${e.message}`));
            });
            child.on("close", (code) => {
                clearTimeout(timer);
                resolve({
                    code: code ?? -1,
                    stdout,
                    stderr,
                    ms: Number(process.hrtime.bigint() - start) / 1e6,
                });
            });
        });
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

/** Writes objects as a multi-document YAML file (creating its folder) and returns its path. */
export function writeYaml(file: string, docs: readonly unknown[]): string {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, docs.map((d) => YAML.stringify(d)).join("---\n"));
    return file;
}

const temps: string[] = [];

/** A fresh temporary folder, removed by {@link removeTemps}. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
}

/** Removes every folder {@link tempDir} made. */
export function removeTemps(): void {
    for (const dir of temps.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A regular expression that matches exactly `text`. */
export function exactly(text: string): string {
    return `^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;
}
