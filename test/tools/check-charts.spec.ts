import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { findHelm, noHelmReason } from "../../tools/check/helm";
import { CheckProcess, runCheckProcess } from "../util/check-process";
import { pinnedHelmVersion, testHelmBinary } from "../util/helm-binary";

const root = path.resolve(__dirname, "..", "..");
const charts = path.join(root, "test", "fixtures", "charts");
const privilegedChart = path.join(charts, "privileged-pod");
const restrictedChart = path.join(charts, "restricted-app");

/** The Chart resource the stacks below point at a stub chart, and its release namespace. */
const gatekeeperChart = "platform-gatekeeper-chart";

/** The dev stack's eight charts, all remote. */
const devCharts: [string, string][] = [
    [
        "platform-gatekeeper-chart",
        "https://open-policy-agent.github.io/gatekeeper/charts (chart gatekeeper)",
    ],
    ["platform-kyverno-chart", "https://kyverno.github.io/kyverno/ (chart kyverno)"],
    ["platform-linkerd-cni", "https://helm.linkerd.io/edge (chart linkerd2-cni)"],
    [
        "platform-falco-sidekick-chart",
        "https://falcosecurity.github.io/charts (chart falcosidekick)",
    ],
    ["platform-cert-manager-chart", "https://charts.jetstack.io (chart cert-manager)"],
    ["platform-linkerd-crds", "https://helm.linkerd.io/edge (chart linkerd-crds)"],
    ["platform-falco-chart", "https://falcosecurity.github.io/charts (chart falco)"],
    [
        "platform-linkerd-control-plane",
        "https://helm.linkerd.io/edge (chart linkerd-control-plane)",
    ],
];

interface ChartEntry {
    readonly name: string;
    readonly analyzed: boolean;
    readonly reason?: string;
    readonly objects?: number;
}

const temps: string[] = [];
function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
}

/** Runs the offline check in its own process, as CI does; `env` replaces the environment. */
function check(stack: string, args: string[], env: NodeJS.ProcessEnv = process.env): CheckProcess {
    return runCheckProcess(args, { name: stack, env });
}

/** A stack file like the dev stack, with the gatekeeper chart taken from `chartPath`. */
function stackWithLocalGatekeeper(name: string, chartPath: string): string {
    const doc = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    doc.config["sovereign-contour:charts"] = {
        overrides: { gatekeeper: { localPath: chartPath } },
    };
    const file = path.join(tempDir("check-charts-stack-"), `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

/** The dev pack configs, with local charts allowed (the only change). */
function packConfigAllowingLocalCharts(): string {
    const dir = tempDir("check-charts-packs-");
    const dev = path.join(root, "stacks", "policy-config", "dev");
    for (const file of fs.readdirSync(dev)) {
        fs.copyFileSync(path.join(dev, file), path.join(dir, file));
    }
    const file = path.join(dir, "platform-guardrails.json");
    const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<
        string,
        Record<string, unknown>
    >;
    assert.strictEqual(config["charts-allowed-sources"].allowLocalCharts, false);
    config["charts-allowed-sources"].allowLocalCharts = true;
    fs.writeFileSync(file, JSON.stringify(config, null, 4));
    return dir;
}

/** The objects of manifests.yaml. */
function manifests(dir: string): Record<string, unknown>[] {
    return YAML.parseAllDocuments(fs.readFileSync(path.join(dir, "manifests.yaml"), "utf8"))
        .map((d) => d.toJS() as Record<string, unknown>)
        .filter((o) => o !== null);
}

function named(objects: Record<string, unknown>[], kind: string, name: string): unknown[] {
    return objects.filter(
        (o) => o.kind === kind && (o.metadata as { name?: string } | undefined)?.name === name,
    );
}

/**
 * The environment without any helm: HELM_BINARY unset, a Go tool cache without the pinned helm and
 * a PATH holding none.
 */
function envWithoutHelm(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: "/usr/bin:/bin",
        SOVEREIGN_TOOL_CACHE: path.join(os.tmpdir(), `no-tool-cache-${process.pid}`),
    };
    delete env.HELM_BINARY;
    assert.strictEqual(
        findHelm(undefined, env),
        undefined,
        "precondition: no helm in /usr/bin:/bin",
    );
    return env;
}

after(() => {
    for (const dir of temps) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

describe("offline check: chart contents (helm template as Chart v4 renders)", function () {
    this.timeout(300_000);
    let helm: string;
    let packs: string;

    before(() => {
        helm = testHelmBinary();
        packs = packConfigAllowingLocalCharts();
    });

    it("renders a local chart and flags its privileged pod; the hook Job is dropped and the CRD kept", () => {
        const stack = stackWithLocalGatekeeper("chartpriv", privilegedChart);
        const run = check("chartpriv", [
            "--stack-file",
            stack,
            "--policy-config-dir",
            packs,
            "--helm",
            helm,
        ]);
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const deployment = "platform-gatekeeper-chart:gatekeeper-system/gatekeeper-debug";
        const privileged = run.report.violations.filter(
            (v: { policy: string }) => v.policy === "pod-security-privileged",
        );
        assert.deepStrictEqual(privileged, [
            {
                pack: "workload-security",
                policy: "pod-security-privileged",
                enforcementLevel: "mandatory",
                resource: { type: "kubernetes:apps/v1:Deployment", name: deployment },
                message:
                    "Containers must not run privileged (Pod Security Standards, baseline).\n" +
                    'Deployment "gatekeeper-system/gatekeeper-debug" runs privileged containers ' +
                    "(shell): spec.template.spec.containers[0].securityContext.privileged is true. " +
                    "Remove privileged or set it to false.",
            },
        ]);
        // Every violation of a rendered object is on the Deployment: the ConfigMap, ClusterRole,
        // CRD and custom resource pass.
        const onChildren = run.report.violations.filter((v: { resource: { name: string } }) =>
            v.resource.name.startsWith(`${gatekeeperChart}:`),
        );
        assert.deepStrictEqual(
            [...new Set(onChildren.map((v: { resource: { name: string } }) => v.resource.name))],
            [deployment],
        );
        const entry = run.report.charts.find((c: ChartEntry) => c.name === gatekeeperChart);
        assert.deepStrictEqual(entry, {
            name: gatekeeperChart,
            chart: privilegedChart,
            version: "",
            repository: privilegedChart,
            analyzed: true,
            objects: 5,
        });
        assert.strictEqual(
            run.report.resourcesByType["kubernetes:debug.sovereign.example/v1:Widget"],
            1,
        );
        assert.strictEqual(run.report.schema.notValidated["debug.sovereign.example/v1/Widget"], 1);
        assert.ok(
            run.report.notes.includes(
                `Chart contents rendered offline with helm ${pinnedHelmVersion()} (from --helm).`,
            ),
            run.report.notes.join("\n"),
        );

        const objects = manifests(run.dir);
        assert.deepStrictEqual(named(objects, "Job", "gatekeeper-debug-migrate"), [], "hook Job");
        assert.deepStrictEqual(named(objects, "Pod", "gatekeeper-debug-test"), [], "test hook");
        assert.strictEqual(
            named(objects, "CustomResourceDefinition", "widgets.debug.sovereign.example").length,
            1,
        );
        // The platform's gatekeeper values reach the chart; the namespace is Chart v4's default.
        const [rendered] = named(objects, "Deployment", "gatekeeper-debug") as {
            metadata: { namespace: string };
            spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
        }[];
        assert.strictEqual(rendered.metadata.namespace, "gatekeeper-system");
        assert.strictEqual(
            rendered.spec.template.spec.containers[0].image,
            "registry.dev.sovereign.example/mirror/openpolicyagent/gatekeeper:v3.23.0",
        );
        assert.deepStrictEqual(named(objects, "ClusterRole", "gatekeeper-debug-reader").length, 1);
        assert.ok(
            fs
                .readFileSync(path.join(run.dir, "report.md"), "utf8")
                .includes(
                    `- ${gatekeeperChart}: ${privilegedChart} (rendered here, 5 objects judged)`,
                ),
        );
    });

    it("passes a compliant local chart, judging each of its objects (helm from HELM_BINARY)", () => {
        const stack = stackWithLocalGatekeeper("chartok", restrictedChart);
        const run = check("chartok", ["--stack-file", stack, "--policy-config-dir", packs], {
            ...envWithoutHelm(),
            HELM_BINARY: helm,
        });
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        assert.deepStrictEqual(run.report.violations, []);
        const entry = run.report.charts.find((c: ChartEntry) => c.name === gatekeeperChart);
        assert.strictEqual(entry.analyzed, true);
        assert.strictEqual(entry.objects, 3);
        assert.ok(
            run.report.notes.includes(
                `Chart contents rendered offline with helm ${pinnedHelmVersion()} (from HELM_BINARY).`,
            ),
            run.report.notes.join("\n"),
        );
        const objects = manifests(run.dir);
        assert.strictEqual(named(objects, "Deployment", "gatekeeper-server").length, 1);
        assert.strictEqual(
            named(objects, "NetworkPolicy", "gatekeeper-server-default-deny").length,
            1,
        );
    });

    it("lists a local chart as not analyzed when no helm is found (no --helm, HELM_BINARY or PATH)", () => {
        const stack = stackWithLocalGatekeeper("chartnohelm", privilegedChart);
        const run = check(
            "chartnohelm",
            ["--stack-file", stack, "--policy-config-dir", packs],
            envWithoutHelm(),
        );
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        const entry = run.report.charts.find((c: ChartEntry) => c.name === gatekeeperChart);
        assert.deepStrictEqual(entry, {
            name: gatekeeperChart,
            chart: privilegedChart,
            version: "",
            repository: privilegedChart,
            analyzed: false,
            reason: noHelmReason,
        });
        const md = fs.readFileSync(path.join(run.dir, "report.md"), "utf8");
        assert.ok(md.includes("## Chart contents not analyzed"), md);
        assert.ok(md.includes(`- ${gatekeeperChart}: ${noHelmReason}\n`), md);
        assert.deepStrictEqual(named(manifests(run.dir), "Deployment", "gatekeeper-debug"), []);
    });

    it("never fetches a remote chart: the dev stack lists every chart as not analyzed, even with helm", () => {
        const run = check("dev", ["--stack", "dev", "--helm", helm]);
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        assert.deepStrictEqual(
            run.report.charts.map((c: ChartEntry) => [c.name, c.analyzed, c.reason, c.objects]),
            // Sorted by resource name, as the report lists charts.
            [...devCharts]
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([name, source]) => [
                    name,
                    false,
                    `remote source ${source}: not fetched offline`,
                    undefined,
                ]),
        );
        const md = fs.readFileSync(path.join(run.dir, "report.md"), "utf8");
        for (const [name, source] of devCharts) {
            assert.ok(
                md.includes(`- ${name}: remote source ${source}: not fetched offline\n`),
                name,
            );
        }
        assert.ok(!run.report.notes.some((n: string) => n.startsWith("Chart contents rendered")));
    });

    it("fails with exit 2 and writes only an error report when a local chart does not render", () => {
        const chart = path.join(tempDir("check-charts-broken-"), "broken");
        fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
        fs.writeFileSync(
            path.join(chart, "Chart.yaml"),
            "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
        );
        fs.writeFileSync(
            path.join(chart, "templates", "deployment.yaml"),
            '{{ required "image.tag is required" .Values.image.tag }}\n',
        );
        const stack = stackWithLocalGatekeeper("chartbroken", chart);
        const run = check("chartbroken", [
            "--stack-file",
            stack,
            "--policy-config-dir",
            packs,
            "--helm",
            helm,
        ]);
        assert.strictEqual(run.code, 2, run.stderr + run.stdout);
        assert.match(
            run.stderr,
            new RegExp(
                `^chart ${gatekeeperChart} \\(${chart.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\): ` +
                    "helm template failed: Error: execution error at \\(broken/templates/deployment.yaml:1:3\\): " +
                    "image.tag is required\n",
                "m",
            ),
        );
        assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
        // No output but the error report (tools/check/outputs.ts): status error, the message.
        assert.deepStrictEqual(fs.readdirSync(run.dir).sort(), ["report.json", "report.md"]);
        assert.strictEqual(run.report.status, "error");
        assert.strictEqual(run.report.exitCode, 2);
        assert.strictEqual(run.report.error, run.stderr.trim());
    });

    it("exits 2 on a --helm that names no executable, naming the flag", () => {
        const missing = path.join(os.tmpdir(), "no-such-dir-for-helm", "helm");
        const run = check("dev", ["--stack", "dev", "--helm", missing]);
        assert.strictEqual(run.code, 2, run.stderr + run.stdout);
        assert.strictEqual(
            run.stderr.trim().split("\n").pop(),
            `--helm: "${missing}" does not exist; expected the path of an executable helm binary (Helm 3 or 4)`,
        );
    });
});
