// `npm run bench:peers`: the project's check side by side with the scanners platform teams already
// run (checkov, trivy's Kubernetes misconfiguration scan, kubernetes-validate --strict), on the same
// files in one run per tool: the Pod Security corpus (../shared/conformance/pod-security), the
// project's own admitted/refused fixtures, and the rendered manifests of the dev and prod stacks.
// Writes out/peers.json and docs/peers.md: each tool's verdict per file, the agreement with the
// known verdict (the upstream admission plugin's, the fixture's) and with the check, every
// disagreement with its explanation (bench/peers/explanations.ts), and each tool's time on the same
// files as a ratio to the check's. Exits 1 when a disagreement has no explanation.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as prettier from "prettier";
import { explain } from "./peers/explanations";
import { renderMarkdown } from "./peers/markdown";
import { checkScriptNodeFlags } from "../tools/check/script-flags";
import {
    CheckOptions,
    inputFiles,
    pythonPeers,
    root,
    runCheck,
    runCheckov,
    runKubernetesValidate,
    runTrivy,
    ToolRun,
    trivyBinary,
} from "./peers/tools";

/** The Kubernetes version the check validates against (kubernetes-validate uses the same). */
const kubernetesVersion = "1.33.0";

const corpus =
    process.env.POD_SECURITY_CORPUS ??
    path.resolve(root, "..", "shared", "conformance", "pod-security");

/** One input: a folder of files every tool reads, and what is known about each file. */
export interface Input {
    readonly name: string;
    readonly description: string;
    readonly dir: string;
    /** The known verdict by file (the upstream plugin's, the fixture's), when there is one. */
    readonly truth: Record<string, "admit" | "refuse">;
    readonly check: CheckOptions;
}

/** A file's row: the known verdict, each tool's verdict and findings, and the explanations. */
export interface FileRow {
    readonly file: string;
    readonly truth?: "admit" | "refuse";
    readonly verdicts: Record<string, "admit" | "refuse">;
    readonly findings: Record<string, string[]>;
    /** Tools whose verdict differs from the truth (or from the check where no truth is known). */
    readonly disagreements: { tool: string; explanation?: string }[];
}

/** One input's results. */
export interface InputResult {
    readonly name: string;
    readonly description: string;
    readonly files: FileRow[];
    readonly seconds: Record<string, number>;
    /** Each tool's seconds divided by the check's on the same files. */
    readonly ratios: Record<string, number>;
    /** Files where each tool gives the known verdict (or the check's where none is known). */
    readonly agreement: Record<string, { agree: number; total: number }>;
}

/** The whole comparison, as out/peers.json holds it. */
export interface PeersReport {
    readonly generatedAt: string;
    readonly kubernetesVersion: string;
    readonly tools: Record<string, string>;
    /** Tools that could not run here, with the reason. */
    readonly unavailable: Record<string, string>;
    readonly inputs: InputResult[];
}

function copyInto(
    dir: string,
    from: string,
    prefix: string,
    truth?: "admit" | "refuse",
): Record<string, "admit" | "refuse"> {
    const known: Record<string, "admit" | "refuse"> = {};
    for (const f of inputFiles(from)) {
        const name = `${prefix}${f}`;
        fs.copyFileSync(path.join(from, f), path.join(dir, name));
        if (truth !== undefined) {
            known[name] = truth;
        }
    }
    return known;
}

const podSecurityOnly = (policy: string): boolean => policy.startsWith("pod-security-");

/** Runs the check on a stack and returns its rendered manifests (secrets masked). */
function stackManifests(stack: string, work: string): string {
    const out = path.join(work, "stack-runs");
    const r = spawnSync(
        process.execPath,
        [
            ...checkScriptNodeFlags(),
            "-r",
            "./tools/ts-register.js",
            "tools/check/cli.ts",
            "--stack",
            stack,
            "--out",
            out,
        ],
        { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
    );
    const file = path.join(out, stack, "manifests.yaml");
    if (r.status !== 0 || !fs.existsSync(file)) {
        throw new Error(
            `npm run check -- --stack ${stack} failed (exit ${String(r.status)}):\n${r.stderr.slice(-3000)}`,
        );
    }
    return file;
}

function inputs(work: string): Input[] {
    const list: Input[] = [];
    const mk = (name: string): string => {
        const dir = path.join(work, name);
        fs.mkdirSync(dir, { recursive: true });
        return dir;
    };
    {
        const dir = mk("pod-security-baseline");
        const truth = {
            ...copyInto(dir, path.join(corpus, "baseline", "pass"), "pass-", "admit"),
            ...copyInto(dir, path.join(corpus, "baseline", "fail"), "fail-", "refuse"),
        };
        list.push({
            name: "pod-security-baseline",
            description:
                "Pod Security corpus, baseline level (truth: the upstream admission plugin)",
            dir,
            truth,
            check: { podSecurityLevel: "baseline", policies: podSecurityOnly },
        });
    }
    {
        const dir = mk("pod-security-restricted");
        const truth = {
            ...copyInto(dir, path.join(corpus, "restricted", "pass"), "pass-", "admit"),
            ...copyInto(dir, path.join(corpus, "restricted", "fail"), "fail-", "refuse"),
            ...copyInto(dir, path.join(corpus, "baseline", "fail"), "baseline-fail-", "refuse"),
        };
        list.push({
            name: "pod-security-restricted",
            description:
                "Pod Security corpus, restricted level, baseline failures included (truth: the upstream admission plugin)",
            dir,
            truth,
            check: { podSecurityLevel: "restricted", policies: podSecurityOnly },
        });
    }
    {
        const dir = mk("fixtures");
        const evasions = path.join(root, "test", "fixtures", "evasions");
        const truth = {
            ...copyInto(dir, path.join(evasions, "manifests", "admitted"), "admitted-", "admit"),
            ...copyInto(dir, path.join(evasions, "manifests", "refused"), "refused-", "refuse"),
        };
        list.push({
            name: "fixtures",
            description:
                "The project's evasion fixtures: documented forms it admits, disguised violations it refuses (truth: the fixture folder)",
            dir,
            truth,
            check: { policyConfig: path.join(evasions, "policy-config.json") },
        });
    }
    for (const stack of ["dev", "prod"]) {
        const dir = mk(`stack-${stack}`);
        fs.copyFileSync(stackManifests(stack, work), path.join(dir, `${stack}.yaml`));
        list.push({
            name: `stack-${stack}`,
            description:
                `The ${stack} stack's rendered manifests (out/${stack}/manifests.yaml, secrets masked; ` +
                `truth: the check of the stack passes, exit 0)`,
            dir,
            truth: { [`${stack}.yaml`]: "admit" },
            check: { policyConfigDir: path.join(root, "stacks", "policy-config", stack) },
        });
    }
    return list;
}

function compare(input: Input, runs: readonly ToolRun[]): InputResult {
    const check = runs.find((r) => r.tool === "check");
    if (check === undefined) {
        throw new Error("the check did not run");
    }
    const files: FileRow[] = [];
    const agreement: Record<string, { agree: number; total: number }> = {};
    for (const run of runs) {
        agreement[run.tool] = { agree: 0, total: 0 };
    }
    for (const file of inputFiles(input.dir)) {
        const truth = input.truth[file];
        const reference = truth ?? check.files[file].verdict;
        const verdicts: Record<string, "admit" | "refuse"> = {};
        const findings: Record<string, string[]> = {};
        const disagreements: { tool: string; explanation?: string }[] = [];
        for (const run of runs) {
            const v = run.files[file];
            verdicts[run.tool] = v.verdict;
            findings[run.tool] = v.findings;
            agreement[run.tool].total++;
            if (v.verdict === reference) {
                agreement[run.tool].agree++;
            } else {
                disagreements.push({
                    tool: run.tool,
                    explanation: explain(input.name, file, run.tool, v.verdict, v.findings),
                });
            }
        }
        files.push({
            file,
            ...(truth !== undefined ? { truth } : {}),
            verdicts,
            findings,
            disagreements,
        });
    }
    const seconds: Record<string, number> = {};
    const ratios: Record<string, number> = {};
    for (const run of runs) {
        seconds[run.tool] = Math.round(run.seconds * 100) / 100;
        ratios[run.tool] = Math.round((run.seconds / check.seconds) * 100) / 100;
    }
    return { name: input.name, description: input.description, files, seconds, ratios, agreement };
}

async function main(): Promise<void> {
    const started = Date.now();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-peers-"));
    try {
        const unavailable: Record<string, string> = {};
        const bin = pythonPeers();
        let trivy: string | undefined;
        try {
            if (process.argv.includes("--skip-trivy")) {
                throw new Error("skipped (--skip-trivy)");
            }
            trivy = trivyBinary();
        } catch (e) {
            unavailable.trivy = (e as Error).message.split("\n").slice(0, 6).join(" ");
            process.stderr.write(`trivy is not available: ${unavailable.trivy}\n`);
        }
        const results: InputResult[] = [];
        const tools: Record<string, string> = {};
        for (const input of inputs(work)) {
            process.stderr.write(`${input.name}: ${inputFiles(input.dir).length} files ...\n`);
            const runs: ToolRun[] = [runCheck(input.dir, input.check)];
            runs.push(runCheckov(input.dir, bin));
            if (trivy !== undefined) {
                runs.push(runTrivy(input.dir, trivy));
            }
            runs.push(runKubernetesValidate(input.dir, bin, kubernetesVersion));
            for (const r of runs) {
                tools[r.tool] = r.version;
            }
            results.push(compare(input, runs));
        }
        const report: PeersReport = {
            generatedAt: new Date().toISOString(),
            kubernetesVersion,
            tools,
            unavailable,
            inputs: results,
        };
        fs.mkdirSync(path.join(root, "out"), { recursive: true });
        fs.writeFileSync(
            path.join(root, "out", "peers.json"),
            `${JSON.stringify(report, null, 2)}\n`,
        );
        // Through prettier with the project's settings, so `npm run lint` accepts the page.
        const page = path.join(root, "docs", "peers.md");
        const options = (await prettier.resolveConfig(page)) ?? {};
        fs.writeFileSync(
            page,
            await prettier.format(renderMarkdown(report), { ...options, filepath: page }),
        );
        const unexplained = results.flatMap((r) =>
            r.files.flatMap((f) =>
                f.disagreements
                    .filter((d) => d.explanation === undefined)
                    .map(
                        (d) =>
                            `${r.name}/${f.file}: ${d.tool} ${f.verdicts[d.tool]} (${f.findings[d.tool].join(", ")})`,
                    ),
            ),
        );
        process.stderr.write(
            `wrote out/peers.json and docs/peers.md in ${Math.round((Date.now() - started) / 1000)} s\n`,
        );
        if (unexplained.length > 0) {
            process.stderr.write(
                `${unexplained.length} disagreement(s) without an explanation (bench/peers/explanations.ts):\n  ${unexplained.join("\n  ")}\n`,
            );
            process.exitCode = 1;
        }
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
});
