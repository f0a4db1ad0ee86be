/**
 * The check shows the packs what the engine shows them: a remote component (`remote: true`, here a
 * `kubernetes:helm.sh/v4:Chart`) is registered by its provider's Construct with no inputs, so in
 * `pulumi preview --policy-pack` every pack's Analyze sees it with empty properties. (AnalyzeStack
 * gets each resource's outputs from the engine, for a Chart v4 the references to the objects it
 * rendered; the check, which renders no remote chart, shows none there either.) The check must not
 * show the packs the program's inputs instead (it would certify charts the real engine refuses),
 * while it keeps those inputs for its own report.
 *
 * The check runs as a user runs it, in a copy of the project whose program is a probe (one Chart
 * and one ConfigMap) and which has one more pack, `probe`, whose policies report the properties
 * each Kubernetes resource reaches them with.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheckProcess } from "../util/check-process";

const root = path.resolve(__dirname, "..", "..");

// The check of a stack refuses a program that builds no sovereign:platform:Platform; the probe is
// about how the engine shows resources, so it registers an empty component of that type.
const program = `import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

new pulumi.ComponentResource("sovereign:platform:Platform", "probe-platform");
new k8s.helm.v4.Chart("probe-chart", {
    chart: "gatekeeper",
    version: "3.20.1",
    repositoryOpts: { repo: "https://open-policy-agent.github.io/gatekeeper/charts" },
    namespace: "probe",
    values: { replicas: 2 },
});
new k8s.core.v1.ConfigMap("probe-config", {
    metadata: { name: "probe", namespace: "probe" },
    data: { mode: "probe" },
});
export const kubernetesVersion = "1.33";
`;

const probePack = `import { PolicyPack } from "@pulumi/policy";

new PolicyPack("probe", {
    enforcementLevel: "advisory",
    policies: [
        {
            name: "probe-analyze",
            description: "Reports the properties each Kubernetes resource is analyzed with.",
            validateResource: (args, report) => {
                if (args.type.startsWith("kubernetes:")) {
                    report("analyze " + args.type + " " + JSON.stringify(args.props));
                }
            },
        },
        {
            name: "probe-stack",
            description: "Reports the properties each Kubernetes resource has in the stack.",
            validateStack: (args, report) => {
                for (const r of args.resources) {
                    if (r.type.startsWith("kubernetes:")) {
                        report("stack " + r.type + " " + JSON.stringify(r.props), r.urn);
                    }
                }
            },
        },
    ],
});
`;

/** A copy of the project (sources only, node_modules linked) with the probe program and pack. */
function probeProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-remote-"));
    const skip = new Set([".git", ".cache", "node_modules", "out", "test"]);
    for (const entry of fs.readdirSync(root)) {
        if (!skip.has(entry)) {
            fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
        }
    }
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    fs.writeFileSync(path.join(dir, "index.ts"), program);
    const pack = path.join(dir, "policypacks", "probe");
    fs.mkdirSync(pack);
    fs.writeFileSync(path.join(pack, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    fs.writeFileSync(
        path.join(pack, "package.json"),
        JSON.stringify({ name: "probe", version: "0.1.0", main: "index.ts", private: true }),
    );
    fs.writeFileSync(path.join(pack, "index.ts"), probePack);
    fs.writeFileSync(path.join(dir, "stacks", "policy-config", "dev", "probe.json"), "{}\n");
    return dir;
}

describe("offline check: remote components reach the packs as the engine shows them", function () {
    this.timeout(600_000);
    let project: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let report: any;

    before(function () {
        project = probeProject();
        const run = runCheckProcess(["--stack", "dev"], {
            name: "dev",
            cwd: project,
            cli: path.join(project, "tools", "check", "cli.ts"),
            timeoutMs: 600_000,
        });
        assert.ok(run.report !== undefined, `no report:\n${run.stderr}`);
        report = run.report;
    });

    after(function () {
        if (project !== undefined) {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });

    /** A violation's own message (the report puts the policy's description on the line before). */
    const own = (message: string): string => message.slice(message.indexOf("\n") + 1);

    /** The probe's messages, sorted. */
    function probed(policy: string): string[] {
        return (report.violations as { pack: string; policy: string; message: string }[])
            .filter((v) => v.pack === "probe" && v.policy === policy)
            .map((v) => own(v.message))
            .sort();
    }

    it("Analyze sees the Chart with no inputs and a custom resource with its inputs", function () {
        assert.deepStrictEqual(probed("probe-analyze"), [
            "analyze kubernetes:core/v1:ConfigMap " +
                '{"apiVersion":"v1","data":{"mode":"probe"},"kind":"ConfigMap",' +
                '"metadata":{"name":"probe","namespace":"probe"}}',
            "analyze kubernetes:helm.sh/v4:Chart {}",
        ]);
    });

    it("AnalyzeStack sees the Chart with no inputs too", function () {
        assert.deepStrictEqual(probed("probe-stack"), [
            "stack kubernetes:core/v1:ConfigMap " +
                '{"apiVersion":"v1","data":{"mode":"probe"},"kind":"ConfigMap",' +
                '"metadata":{"name":"probe","namespace":"probe"}}',
            "stack kubernetes:helm.sh/v4:Chart {}",
        ]);
    });

    it("the check keeps the Chart's inputs for its own report", function () {
        const charts = report.charts as { name: string; chart: string; version: string }[];
        assert.deepStrictEqual(
            charts.map((c) => [c.name, c.chart, c.version]),
            [["probe-chart", "gatekeeper", "3.20.1"]],
        );
    });

    it("the chart policies refuse the Chart that declares no ChartSource (fail closed)", function () {
        const declared = (report.violations as { policy: string; message: string }[]).filter(
            (v) => v.policy === "charts-declared-sources",
        );
        assert.deepStrictEqual(
            declared.map((v) => own(v.message).split(":")[0]),
            ['Chart "probe-chart" has no ChartSource naming it'],
        );
    });
});
