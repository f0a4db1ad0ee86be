/**
 * The tools bench:peers runs side by side on the same files: the project's check (`--manifests`),
 * checkov and kubernetes-validate (PyPI, pinned with hashes in tools/python/peers.txt, installed
 * into a git-ignored venv under .cache/) and trivy's Kubernetes misconfiguration scan (its
 * embedded checks, offline; built from its Go module by tools/go/build.sh). Each runner reads the
 * tool's machine-readable output into one verdict per file.
 */
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const root = path.resolve(__dirname, "..", "..");

/** What a tool says about one file. */
export interface FileVerdict {
    /** `refuse` when the tool reports at least one failed check or error for the file. */
    readonly verdict: "admit" | "refuse";
    /** The IDs of the checks that failed (sorted, unique). */
    readonly findings: string[];
}

/** One run of one tool over a folder. */
export interface ToolRun {
    readonly tool: string;
    readonly version: string;
    /** Wall-clock seconds of the one run over every file of the input. */
    readonly seconds: number;
    /** By file name (relative to the input folder). */
    readonly files: Record<string, FileVerdict>;
}

/** A command's result. */
interface Exec {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    readonly seconds: number;
}

function exec(
    cmd: string,
    args: readonly string[],
    opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Exec {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, [...args], {
        cwd: opts.cwd ?? root,
        env: opts.env ?? process.env,
        encoding: "utf8",
        maxBuffer: 512 * 1024 * 1024,
        timeout: 1_800_000,
    });
    if (r.error !== undefined) {
        throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`);
    }
    return {
        code: r.status ?? -1,
        stdout: r.stdout,
        stderr: r.stderr,
        seconds: Number(process.hrtime.bigint() - start) / 1e9,
    };
}

function fail(what: string, run: Exec): never {
    throw new Error(
        `${what} failed (exit code ${run.code}):\n${run.stderr.slice(-4000)}\n${run.stdout.slice(-2000)}`,
    );
}

const requirements = path.join(root, "tools", "python", "peers.txt");

/**
 * The venv of the Python peers: `.cache/peers-venv-<hash of peers.txt>`, created once with
 * `pip install --require-hashes` (every package and hash pinned), so a changed requirements file
 * gets a new venv and a half-installed venv is never used.
 */
export function pythonPeers(): string {
    const key = createHash("sha256")
        .update(fs.readFileSync(requirements))
        .digest("hex")
        .slice(0, 16);
    const venv = path.join(root, ".cache", `peers-venv-${key}`);
    const done = path.join(venv, ".installed");
    if (!fs.existsSync(done)) {
        // No marker: absent or half-installed. A venv's scripts name its own path, so it is built
        // where it will live; the marker is written only after every package installed.
        fs.rmSync(venv, { recursive: true, force: true });
        const python = process.env.PYTHON ?? "python3";
        const mk = exec(python, ["-m", "venv", venv]);
        if (mk.code !== 0) {
            fail(`${python} -m venv ${venv}`, mk);
        }
        process.stderr.write(`installing checkov and kubernetes-validate into ${venv} ...\n`);
        const pip = exec(path.join(venv, "bin", "pip"), [
            "install",
            "--quiet",
            "--require-hashes",
            "--no-deps",
            "-r",
            requirements,
        ]);
        if (pip.code !== 0) {
            fs.rmSync(venv, { recursive: true, force: true });
            fail(`pip install -r ${path.relative(root, requirements)}`, pip);
        }
        fs.writeFileSync(done, `${new Date().toISOString()}\n`);
    }
    return path.join(venv, "bin");
}

/** The trivy binary, built by tools/go/build.sh (an Error names the build failure). */
export function trivyBinary(): string {
    const r = exec("bash", [path.join(root, "tools", "go", "build.sh"), "trivy"]);
    if (r.code !== 0) {
        fail("tools/go/build.sh trivy", r);
    }
    return r.stdout.trim().split("\n").pop() ?? "";
}

/** The file names of a folder (the input files), sorted. */
export function inputFiles(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .filter((f) => /\.(ya?ml|json)$/.test(f))
        .sort();
}

function verdicts(
    files: readonly string[],
    found: ReadonlyMap<string, Set<string>>,
): Record<string, FileVerdict> {
    const out: Record<string, FileVerdict> = {};
    for (const f of files) {
        const ids = [...(found.get(f) ?? new Set<string>())].sort();
        out[f] = { verdict: ids.length > 0 ? "refuse" : "admit", findings: ids };
    }
    return out;
}

function add(found: Map<string, Set<string>>, file: string, id: string): void {
    const set = found.get(file) ?? new Set<string>();
    set.add(id);
    found.set(file, set);
}

/** Options of the project's check for one input. */
export interface CheckOptions {
    readonly podSecurityLevel?: "baseline" | "restricted";
    readonly policyConfig?: string;
    readonly policyConfigDir?: string;
    /** Only violations of these policies count (undefined: every mandatory violation). */
    readonly policies?: (policy: string) => boolean;
}

/** The project's check: `--manifests <dir>`, one run; mandatory violations by file. */
export function runCheck(dir: string, opts: CheckOptions): ToolRun {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "peers-check-"));
    try {
        const args = [
            "--max-semi-space-size=128",
            "-r",
            "./tools/ts-register.js",
            "tools/check/cli.ts",
            "--manifests",
            dir,
            "--out",
            out,
            ...(opts.podSecurityLevel !== undefined
                ? ["--pod-security-level", opts.podSecurityLevel]
                : []),
            ...(opts.policyConfig !== undefined ? ["--policy-config", opts.policyConfig] : []),
            ...(opts.policyConfigDir !== undefined
                ? ["--policy-config-dir", opts.policyConfigDir]
                : []),
        ];
        const r = exec(process.execPath, args);
        if (r.code !== 0 && r.code !== 1) {
            fail(`npm run check -- --manifests ${dir}`, r);
        }
        const report = JSON.parse(
            fs.readFileSync(path.join(out, "manifests", "report.json"), "utf8"),
        ) as {
            violations: {
                pack: string;
                policy: string;
                enforcementLevel: string;
                resource?: { file?: string };
            }[];
        };
        const files = inputFiles(dir);
        const found = new Map<string, Set<string>>();
        for (const v of report.violations) {
            if (v.enforcementLevel !== "mandatory" || v.resource?.file === undefined) {
                continue;
            }
            if (opts.policies !== undefined && !opts.policies(v.policy)) {
                continue;
            }
            add(found, path.basename(v.resource.file), `${v.pack}/${v.policy}`);
        }
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
            version: string;
        };
        return {
            tool: "check",
            version: pkg.version,
            seconds: r.seconds,
            files: verdicts(files, found),
        };
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

/** A clean environment for a peer: its own HOME, no cluster, no telemetry. */
function peerEnv(home: string): NodeJS.ProcessEnv {
    return {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        KUBECONFIG: path.join(home, "no-kubeconfig"),
        LANG: "C.UTF-8",
        // checkov: no platform, no update check, no download of guidelines.
        BC_SKIP_MAPPING: "TRUE",
        CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: "false",
        // trivy: no version check.
        TRIVY_DISABLE_VEX_NOTICE: "true",
    };
}

/** checkov's Kubernetes framework (every built-in check), JSON output. */
export function runCheckov(dir: string, bin: string): ToolRun {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "peers-home-"));
    try {
        const version = exec(path.join(bin, "checkov"), ["--version"], {
            env: peerEnv(home),
        }).stdout.trim();
        const r = exec(
            path.join(bin, "checkov"),
            [
                "--directory",
                dir,
                "--framework",
                "kubernetes",
                "--output",
                "json",
                "--quiet",
                "--skip-download",
                "--compact",
            ],
            { env: peerEnv(home), cwd: dir },
        );
        if (r.code !== 0 && r.code !== 1) {
            fail("checkov", r);
        }
        const parsed = JSON.parse(r.stdout === "" ? "[]" : r.stdout) as unknown;
        const reports = (Array.isArray(parsed) ? parsed : [parsed]) as {
            results?: { failed_checks?: { check_id: string; file_path: string }[] };
        }[];
        const found = new Map<string, Set<string>>();
        for (const rep of reports) {
            for (const c of rep.results?.failed_checks ?? []) {
                add(found, path.basename(c.file_path), c.check_id);
            }
        }
        return {
            tool: "checkov",
            version,
            seconds: r.seconds,
            files: verdicts(inputFiles(dir), found),
        };
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

/** trivy's misconfiguration scan of Kubernetes files, its embedded checks only (offline). */
export function runTrivy(dir: string, trivy: string): ToolRun {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "peers-home-"));
    try {
        const env = peerEnv(home);
        const version = (
            /Version: (\S+)/.exec(exec(trivy, ["--version"], { env }).stdout)?.[1] ?? "unknown"
        ).trim();
        const r = exec(
            trivy,
            [
                "config",
                "--quiet",
                "--format",
                "json",
                "--misconfig-scanners",
                "kubernetes",
                "--skip-check-update",
                "--cache-dir",
                path.join(home, "cache"),
                dir,
            ],
            { env, cwd: dir },
        );
        if (r.code !== 0) {
            fail("trivy config", r);
        }
        const report = JSON.parse(r.stdout) as {
            Results?: { Target: string; Misconfigurations?: { ID: string; Status: string }[] }[];
        };
        const found = new Map<string, Set<string>>();
        for (const res of report.Results ?? []) {
            for (const m of res.Misconfigurations ?? []) {
                if (m.Status === "FAIL") {
                    add(found, path.basename(res.Target), m.ID);
                }
            }
        }
        return {
            tool: "trivy",
            version,
            seconds: r.seconds,
            files: verdicts(inputFiles(dir), found),
        };
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}

/** kubernetes-validate --strict (unknown fields are errors) for Kubernetes 1.33. */
export function runKubernetesValidate(
    dir: string,
    bin: string,
    kubernetesVersion: string,
): ToolRun {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "peers-home-"));
    try {
        const env = peerEnv(home);
        const exe = path.join(bin, "kubernetes-validate");
        const version = exec(exe, ["--version"], { env }).stdout.trim();
        const files = inputFiles(dir);
        const r = exec(exe, ["--strict", "--kubernetes-version", kubernetesVersion, ...files], {
            env,
            cwd: dir,
        });
        if (r.code !== 0 && r.code !== 1) {
            fail("kubernetes-validate", r);
        }
        const found = new Map<string, Set<string>>();
        for (const line of (r.stdout + r.stderr).split("\n")) {
            const m = /^ERROR (\S+) /.exec(line);
            if (m !== null) {
                add(found, path.basename(m[1]), "schema");
            }
        }
        return {
            tool: "kubernetes-validate",
            version,
            seconds: r.seconds,
            files: verdicts(files, found),
        };
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
}
