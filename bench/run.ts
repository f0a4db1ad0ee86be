// `npm run bench`: measures the offline check as a platform grows. Generates stacks with 10, 100
// and 1000 tenants (the dev stack plus generated tenants), runs the whole check on each (and on the
// real dev and prod stacks) in a fresh process, exactly as CI does, and writes out/bench.json.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

const root = path.resolve(__dirname, "..");
const benchDir = path.join(root, "out", "bench");
const tenantsKey = "sovereign-contour:tenants";
/** Generated stacks are the dev stack plus tenants, so they are judged with dev's pack config. */
const devPolicyConfig = path.join(root, "stacks", "policy-config", "dev");
/**
 * Node flags of `npm run check` (package.json), so the benchmark measures what CI runs: a larger
 * young generation, see docs/performance.md.
 */
const checkNodeFlags = ["--max-semi-space-size=128"];

interface Run {
    stack: string;
    tenants: number;
    resources: number;
    seconds: { program: number; policies: number; schema: number; total: number };
    peakRssMb: number;
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

function runOnce(args: string[], stack: string): Run & { tenantsOut: number } {
    const out = path.join(benchDir, "runs");
    const res = spawnSync(
        process.execPath,
        [
            ...checkNodeFlags,
            "-r",
            path.join(root, "tools", "ts-register.js"),
            path.join(root, "tools/check/cli.ts"),
            ...args,
            "--out",
            out,
        ],
        { cwd: root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
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
        cpuSeconds: { check: number; packs: Record<string, number> };
        resourcesByType: Record<string, number>;
        graph: Run["graph"];
    };
    return {
        stack,
        tenants: report.resourcesByType["sovereign:baseline:TenantNamespace"] ?? 0,
        tenantsOut: 0,
        resources: report.resources,
        seconds: report.timings,
        peakRssMb: report.peakRssMb,
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

function measure(args: string[], stack: string, repeats: number): Run {
    const runs = Array.from({ length: repeats }, () => runOnce(args, stack));
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

function main(): void {
    const sizes = (process.env.BENCH_TENANTS ?? "10,100,1000").split(",").map(Number);
    const repeats = Number(process.env.BENCH_REPEATS ?? "3");
    const runs: Run[] = [];
    runs.push(measure(["--stack", "dev"], "dev", repeats));
    runs.push(measure(["--stack", "prod"], "prod", repeats));
    let largest = "";
    for (const n of sizes) {
        const { file } = generateStack(n);
        largest = file;
        // The largest size runs once: its median would cost minutes for little extra precision.
        runs.push(
            measure(
                ["--stack-file", file, "--policy-config-dir", devPolicyConfig],
                `bench-${n}`,
                n >= 1000 ? 1 : repeats,
            ),
        );
    }
    // The same number of resources as the largest generated stack, for comparison.
    const sdkFloor = floor("sdk-floor", String(runs[runs.length - 1].resources));
    // The largest generated stack's own program, with no analysis: what the check cannot beat.
    const programFloor = largest !== "" ? floor("program-floor", largest) : null;
    fs.writeFileSync(
        path.join(root, "out", "bench.json"),
        JSON.stringify({ runs, sdkFloor, programFloor }, null, 2) + "\n",
    );
    console.log(
        "stack        tenants  resources  program  policies  schema   total  peakRssMb  cpu check  cpu packs",
    );
    for (const r of runs) {
        console.log(
            `${r.stack.padEnd(12)} ${String(r.tenants).padStart(7)} ${String(r.resources).padStart(10)} ` +
                `${r.seconds.program.toFixed(2).padStart(8)} ${r.seconds.policies.toFixed(2).padStart(9)} ` +
                `${r.seconds.schema.toFixed(2).padStart(7)} ${r.seconds.total.toFixed(2).padStart(7)} ` +
                `${String(r.peakRssMb).padStart(10)} ${r.cpuSeconds.check.toFixed(1).padStart(10)} ` +
                `${r.cpuSeconds.packs.toFixed(1).padStart(10)}`,
        );
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
    console.log(`SDK floor (bench/sdk-floor.ts): ${JSON.stringify(sdkFloor)}`);
    console.log(`Program floor (bench/program-floor.ts): ${JSON.stringify(programFloor)}`);
}

main();
