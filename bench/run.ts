// `npm run bench`: measures the offline check as a platform grows. Generates stacks with 10, 100
// and 1000 tenants (the dev stack plus generated tenants), runs the whole check on each (and on the
// real dev and prod stacks) in a fresh process, exactly as CI does, and writes out/bench.json.
// BENCH_TENANTS chooses the sizes (e.g. BENCH_TENANTS=10000 for the 10,000-tenant run, which is
// never run by default nor in CI); BENCH_REPEATS the runs per size below 1000 (default 3);
// BENCH_CODECS=0 skips the codec comparison (docs/performance.md).
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { checkScriptNodeFlags } from "../tools/check/script-flags";

const root = path.resolve(__dirname, "..");
const benchDir = path.join(root, "out", "bench");
const tenantsKey = "sovereign-contour:tenants";
/** Generated stacks are the dev stack plus tenants, so they are judged with dev's pack config. */
const devPolicyConfig = path.join(root, "stacks", "policy-config", "dev");
/** Node flags of `npm run check`, so the benchmark measures what CI runs. */
const checkNodeFlags = checkScriptNodeFlags();

/** One way of serving and encoding the packs' requests, for the codec comparison. */
interface Codec {
    readonly name: string;
    /** CHECK_CODEC (tools/check/protocol/codec.ts). */
    readonly codec: "check" | "google-protobuf";
    /** --pack-host. */
    readonly host: "check" | "pulumi";
}

/** The hand-written codec (the default), google-protobuf in the check's host, and the SDK's host. */
const codecs: readonly Codec[] = [
    { name: "hand-written decoding, check's pack host", codec: "check", host: "check" },
    { name: "google-protobuf, check's pack host", codec: "google-protobuf", host: "check" },
    {
        name: "google-protobuf, the policy SDK's own host",
        codec: "google-protobuf",
        host: "pulumi",
    },
];

interface Run {
    stack: string;
    tenants: number;
    resources: number;
    seconds: { program: number; policies: number; schema: number; total: number };
    peakRssMb: number;
    /**
     * Peak resident memory (MiB) of the check, of the pack processes together, and the sum of those
     * peaks (report.json); `atOnce`: the most the check and its packs held together, sampled.
     */
    memory: { check: number; packs: number; total: number; atOnce: number };
    /** CPU seconds of the check process and of all pack processes together. */
    cpuSeconds: { check: number; packs: number };
    /** The dependency graph: edges, the longest list of one resource, AnalyzeStack bytes. */
    graph: {
        dependencyEdges: number;
        largestDependencyList: number;
        analyzeStackRequestBytes: number;
    };
}

/** A stack file: the dev stack with `extra` generated tenants appended (same shape as dev's last). */
function generateStack(extra: number): { file: string; tenants: number } {
    const doc = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    const tenants = (doc.config[tenantsKey] as Record<string, unknown>[] | undefined) ?? [];
    const template = tenants[tenants.length - 1] ?? {};
    for (let i = 1; i <= extra; i++) {
        const name = `bench-${String(i).padStart(4, "0")}`;
        tenants.push({
            ...template,
            name,
            owner: `team-${name}`,
            groups: {
                admins: [`oidc:${name}-admins`],
                developers: [`oidc:${name}-developers`],
                viewers: [`oidc:${name}-viewers`],
            },
        });
    }
    doc.config[tenantsKey] = tenants;
    fs.mkdirSync(benchDir, { recursive: true });
    const file = path.join(benchDir, `Pulumi.bench-${extra}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc, { aliasDuplicateObjects: false }));
    return { file, tenants: tenants.length };
}

/** How often the resident memory of the check and its pack processes is sampled. */
const sampleEveryMs = 500;

/** `pid` and every process below it (Linux /proc; empty elsewhere). */
function processTree(pid: number): number[] {
    const all = [pid];
    for (let i = 0; i < all.length; i++) {
        let children = "";
        try {
            for (const task of fs.readdirSync(`/proc/${all[i]}/task`)) {
                children += ` ${fs.readFileSync(`/proc/${all[i]}/task/${task}/children`, "utf8")}`;
            }
        } catch {
            continue; // the process has ended
        }
        all.push(
            ...children
                .split(/\s+/)
                .filter((c) => c !== "")
                .map(Number),
        );
    }
    return all;
}

/** The resident memory (KiB) of `pid` and its descendants together, now. */
function treeRssKb(pid: number): number {
    let kb = 0;
    for (const p of processTree(pid)) {
        try {
            const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
            kb += m !== null ? Number(m[1]) : 0;
        } catch {
            // ended between the listing and the read
        }
    }
    return kb;
}

/** Runs a command to its end; resolves with its exit status, output and sampled peak tree RSS. */
function runSampled(
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string; atOnceKb: number }> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { cwd: root, env });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
            stdout = (stdout + d).slice(-1024 * 1024);
        });
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
            stderr = (stderr + d).slice(-1024 * 1024);
        });
        let atOnceKb = 0;
        const timer = setInterval(() => {
            if (child.pid !== undefined) {
                atOnceKb = Math.max(atOnceKb, treeRssKb(child.pid));
            }
        }, sampleEveryMs);
        child.on("error", (e) => {
            clearInterval(timer);
            reject(e);
        });
        child.on("close", (status) => {
            clearInterval(timer);
            resolve({ status, stdout, stderr, atOnceKb });
        });
    });
}

async function runOnce(args: string[], stack: string, codec: Codec = codecs[0]): Promise<Run> {
    const out = path.join(benchDir, "runs");
    const res = await runSampled(
        process.execPath,
        [
            ...checkNodeFlags,
            "-r",
            path.join(root, "tools", "ts-register.js"),
            path.join(root, "tools/check/cli.ts"),
            ...args,
            "--pack-host",
            codec.host,
            "--out",
            out,
        ],
        { ...process.env, CHECK_CODEC: codec.codec },
    );
    if (res.status !== 0) {
        throw new Error(
            `check ${args.join(" ")} exited ${res.status}:\n${res.stderr}\n${res.stdout.slice(0, 4000)}`,
        );
    }
    const report = JSON.parse(fs.readFileSync(path.join(out, stack, "report.json"), "utf8")) as {
        resources: number;
        timings: Run["seconds"];
        peakRssMb: number;
        memory: {
            checkPeakRssMb: number;
            packsPeakRssMb: Record<string, number>;
            totalPeakRssMb: number;
        };
        cpuSeconds: { check: number; packs: Record<string, number> };
        resourcesByType: Record<string, number>;
        graph: Run["graph"];
    };
    return {
        stack,
        tenants: report.resourcesByType["sovereign:baseline:TenantNamespace"] ?? 0,
        resources: report.resources,
        seconds: report.timings,
        peakRssMb: report.peakRssMb,
        memory: {
            check: report.memory.checkPeakRssMb,
            packs: Object.values(report.memory.packsPeakRssMb).reduce((a, b) => a + b, 0),
            total: report.memory.totalPeakRssMb,
            atOnce: Math.round(res.atOnceKb / 1024),
        },
        cpuSeconds: {
            check: report.cpuSeconds.check,
            packs:
                Math.round(
                    Object.values(report.cpuSeconds.packs).reduce((a, b) => a + b, 0) * 100,
                ) / 100,
        },
        graph: report.graph,
    };
}

function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

async function measure(
    args: string[],
    stack: string,
    repeats: number,
    codec?: Codec,
): Promise<Run> {
    const runs: Run[] = [];
    for (let i = 0; i < repeats; i++) {
        runs.push(await runOnce(args, stack, codec));
    }
    const pick = (f: (r: Run) => number): number => median(runs.map(f));
    return {
        stack,
        tenants: runs[0].tenants,
        resources: runs[0].resources,
        seconds: {
            program: pick((r) => r.seconds.program),
            policies: pick((r) => r.seconds.policies),
            schema: pick((r) => r.seconds.schema),
            total: pick((r) => r.seconds.total),
        },
        peakRssMb: pick((r) => r.peakRssMb),
        memory: {
            check: pick((r) => r.memory.check),
            packs: pick((r) => r.memory.packs),
            total: pick((r) => r.memory.total),
            atOnce: pick((r) => r.memory.atOnce),
        },
        cpuSeconds: {
            check: pick((r) => r.cpuSeconds.check),
            packs: pick((r) => r.cpuSeconds.packs),
        },
        // The graph is the same in every run of one stack.
        graph: runs[0].graph,
    };
}

/** Runs one of the floor measurements (bench/<script>.ts) in a fresh process: its JSON line. */
function floor(script: string, arg: string): unknown {
    const res = spawnSync(
        process.execPath,
        [
            ...checkNodeFlags,
            "-r",
            path.join(root, "tools", "ts-register.js"),
            path.join(root, "bench", `${script}.ts`),
            arg,
        ],
        { cwd: root, encoding: "utf8" },
    );
    if (res.status !== 0) {
        throw new Error(`${script} exited ${res.status}:\n${res.stderr}`);
    }
    return JSON.parse(res.stdout.trim().split("\n").pop() ?? "{}") as unknown;
}

async function main(): Promise<void> {
    const sizes = (process.env.BENCH_TENANTS ?? "10,100,1000").split(",").map(Number);
    const repeats = Number(process.env.BENCH_REPEATS ?? "3");
    const runs: Run[] = [];
    runs.push(await measure(["--stack", "dev"], "dev", repeats));
    runs.push(await measure(["--stack", "prod"], "prod", repeats));
    /** The largest generated stack of at most 1000 tenants: floors and codecs are measured on it. */
    let reference: { file: string; n: number } | undefined;
    for (const n of sizes) {
        const { file } = generateStack(n);
        if (n <= 1000) {
            reference = { file, n };
        }
        // Sizes from 1000 up run once: a median would cost minutes for little extra precision.
        runs.push(
            await measure(
                ["--stack-file", file, "--policy-config-dir", devPolicyConfig],
                `bench-${n}`,
                n >= 1000 ? 1 : repeats,
            ),
        );
    }
    const referenceRun = runs.find((r) => r.stack === `bench-${reference?.n}`);
    // The same number of resources as the reference stack, for comparison.
    const sdkFloor =
        referenceRun !== undefined ? floor("sdk-floor", String(referenceRun.resources)) : null;
    // The reference stack's own program, with no analysis: what the check cannot beat.
    const programFloor = reference !== undefined ? floor("program-floor", reference.file) : null;
    // The codec comparison (issue 19): the same stack served with google-protobuf, in the check's
    // pack host and in the policy SDK's own, against the hand-written codec's run above.
    const codecRuns: (Run & { codec: string })[] = [];
    if (reference !== undefined && referenceRun !== undefined && process.env.BENCH_CODECS !== "0") {
        codecRuns.push({ ...referenceRun, codec: codecs[0].name });
        for (const codec of codecs.slice(1)) {
            const args = ["--stack-file", reference.file, "--policy-config-dir", devPolicyConfig];
            const run = await measure(
                args,
                `bench-${reference.n}`,
                reference.n >= 1000 ? 1 : repeats,
                codec,
            );
            codecRuns.push({ ...run, codec: codec.name });
        }
    }
    fs.writeFileSync(
        path.join(root, "out", "bench.json"),
        JSON.stringify(
            { nodeFlags: checkNodeFlags, runs, sdkFloor, programFloor, codecs: codecRuns },
            null,
            2,
        ) + "\n",
    );
    console.log(`node flags: ${checkNodeFlags.join(" ")}`);
    console.log(
        "stack        tenants  resources  program  policies  schema   total  peakRssMb  rss check  rss packs  rss sum  at once  cpu check  cpu packs",
    );
    const row = (r: Run, label: string): string =>
        `${label.padEnd(12)} ${String(r.tenants).padStart(7)} ${String(r.resources).padStart(10)} ` +
        `${r.seconds.program.toFixed(2).padStart(8)} ${r.seconds.policies.toFixed(2).padStart(9)} ` +
        `${r.seconds.schema.toFixed(2).padStart(7)} ${r.seconds.total.toFixed(2).padStart(7)} ` +
        `${String(r.peakRssMb).padStart(10)} ${String(r.memory.check).padStart(10)} ` +
        `${String(r.memory.packs).padStart(10)} ${String(r.memory.total).padStart(8)} ` +
        `${String(r.memory.atOnce).padStart(8)} ` +
        `${r.cpuSeconds.check.toFixed(1).padStart(10)} ${r.cpuSeconds.packs.toFixed(1).padStart(10)}`;
    for (const r of runs) {
        console.log(row(r, r.stack));
    }
    console.log("");
    console.log(
        "stack        tenants  resources  dependency edges  largest list  edges/tenant  AnalyzeStack MB",
    );
    const base = runs.find((r) => r.stack === "dev");
    for (const r of runs) {
        const perTenant =
            base !== undefined && r.tenants > base.tenants
                ? (
                      (r.graph.dependencyEdges - base.graph.dependencyEdges) /
                      (r.tenants - base.tenants)
                  ).toFixed(1)
                : "-";
        console.log(
            `${r.stack.padEnd(12)} ${String(r.tenants).padStart(7)} ${String(r.resources).padStart(10)} ` +
                `${String(r.graph.dependencyEdges).padStart(17)} ${String(r.graph.largestDependencyList).padStart(13)} ` +
                `${perTenant.padStart(13)} ${(r.graph.analyzeStackRequestBytes / 1e6).toFixed(1).padStart(16)}`,
        );
    }
    if (codecRuns.length > 0) {
        console.log("");
        console.log(`Codec comparison on ${codecRuns[0].stack}:`);
        for (const r of codecRuns) {
            const cpu = r.cpuSeconds.check + r.cpuSeconds.packs;
            console.log(`${row(r, r.stack)}  cpu total ${cpu.toFixed(1)}  ${r.codec}`);
        }
    }
    console.log(`SDK floor (bench/sdk-floor.ts): ${JSON.stringify(sdkFloor)}`);
    console.log(`Program floor (bench/program-floor.ts): ${JSON.stringify(programFloor)}`);
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
