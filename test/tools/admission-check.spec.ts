/**
 * The admission simulation inside the offline check: the prod stack with stub charts standing in
 * for the platform's own (rendered with helm), and one defect at a time that the cluster would
 * refuse: a missing exemption record, namespace label keys the constraint does not know, an image
 * with a tag where digests are required.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { hostAgentChart, restrictedChart, stubDigest } from "../fixtures/admission/charts";
import { CheckProcess, runCheckProcess } from "../util/check-process";
import { testHelmBinary } from "../util/helm-binary";

const root = path.resolve(__dirname, "..", "..");

const temps: string[] = [];
function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
}

after(() => {
    for (const dir of temps) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

type Config = Record<string, unknown>;

/** The prod stack file with `edit` applied to its config, written as Pulumi.<name>.yaml. */
function prodStack(name: string, edit: (config: Config) => void): string {
    const doc = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8")) as {
        config: Config;
    };
    edit(doc.config);
    const file = path.join(tempDir("admission-stack-"), `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

/** The prod pack configs with local charts allowed (the only change). */
function prodPacksAllowingLocalCharts(): string {
    const dir = tempDir("admission-packs-");
    const prod = path.join(root, "stacks", "policy-config", "prod");
    for (const file of fs.readdirSync(prod)) {
        fs.copyFileSync(path.join(prod, file), path.join(dir, file));
    }
    const file = path.join(dir, "platform-guardrails.json");
    const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, Config>;
    config["charts-allowed-sources"] = {
        ...config["charts-allowed-sources"],
        allowLocalCharts: true,
    };
    fs.writeFileSync(file, JSON.stringify(config, null, 4));
    return dir;
}

function localChart(config: Config, chart: string, chartPath: string): void {
    const charts = (config["sovereign-contour:charts"] ?? {}) as { overrides?: Config };
    charts.overrides = { ...(charts.overrides ?? {}), [chart]: { localPath: chartPath } };
    config["sovereign-contour:charts"] = charts;
}

interface Violation {
    pack: string;
    policy: string;
    enforcementLevel: string;
    resource: { type: string; name: string };
    message: string;
}

function admissionViolations(run: CheckProcess): Violation[] {
    return (run.report.violations as Violation[]).filter((v) => v.pack === "admission-simulation");
}

describe("offline check: admission simulation of the stack's own workloads", function () {
    this.timeout(300_000);
    let helm: string;
    let packs: string;
    let charts: string;

    before(() => {
        helm = testHelmBinary();
        packs = prodPacksAllowingLocalCharts();
        charts = tempDir("admission-charts-");
    });

    function check(name: string, stack: string): CheckProcess {
        return runCheckProcess(
            ["--stack-file", stack, "--policy-config-dir", packs, "--helm", helm],
            { name },
        );
    }

    const agentImage = `registry.sovereign.example/mirror/falcosecurity/falco:0.44.1@${stubDigest}`;
    const agent = "platform-falco-chart:falco/host-agent";

    it("admits the host agent while the stack's falco exemption record covers it", () => {
        const chart = hostAgentChart(charts, agentImage);
        const run = check(
            "admitagent",
            prodStack("admitagent", (c) => localChart(c, "falco", chart)),
        );
        assert.ok(run.report !== undefined, run.stderr + run.stdout);
        const workload = run.report.admission.workloads.find(
            (w: { name: string }) => w.name === "host-agent",
        );
        assert.strictEqual(workload.verdict, "admitted", JSON.stringify(workload, null, 2));
        assert.strictEqual(workload.engines["pod-security"].detail, "privileged (namespace label)");
        assert.match(
            workload.engines["kyverno-validate"].detail,
            /PolicyException kyverno\/falco-host-agent skips ClusterPolicy sovereign-pod-security rule autogen-pod-security-level/,
        );
        assert.strictEqual(workload.engines.gatekeeper.verdict, "admitted");
        assert.deepStrictEqual(admissionViolations(run), []);
        assert.match(
            run.read("report.md") ?? "",
            /\| DaemonSet falco\/host-agent \| \*\*admitted\*\* \|/,
        );
    });

    it("fails when the falco exemption record no longer lifts a rule the agent needs", () => {
        const chart = hostAgentChart(charts, agentImage);
        const stack = prodStack("brokenexemption", (c) => {
            localChart(c, "falco", chart);
            const records = (c["sovereign-contour:admissionExemptions"] ?? []) as {
                namespace: string;
                policies: string[];
            }[];
            const falco = records.find((r) => r.namespace === "falco");
            assert.ok(
                falco !== undefined && falco.policies.includes("pod-hardening"),
                "precondition",
            );
            // The record still exists (a privileged namespace needs one), but lifts less.
            falco.policies = falco.policies.filter(
                (p) => p !== "pod-hardening" && p !== "secure-defaults",
            );
        });
        const run = check("brokenexemption", stack);
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const onAgent = admissionViolations(run).filter((v) => v.resource.name === agent);
        assert.deepStrictEqual(
            onAgent.map((v) => [v.enforcementLevel, v.message.split(": ")[0]]),
            [
                [
                    "mandatory",
                    'DaemonSet "falco/host-agent" and its Pods in namespace falco would be refused by ' +
                        "Gatekeeper, SovereignPodHardening sovereign-pod-hardening",
                ],
                [
                    "mandatory",
                    'the Pods of DaemonSet "falco/host-agent" in namespace falco would be refused by ' +
                        "the kubelet, runAsNonRoot",
                ],
            ],
        );
        assert.strictEqual(
            onAgent[0].message,
            'DaemonSet "falco/host-agent" and its Pods in namespace falco would be refused by ' +
                "Gatekeeper, SovereignPodHardening sovereign-pod-hardening: pods must not mount " +
                "hostPath volumes: proc | containers must not add capabilities other than []: agent. " +
                "Fix: drop the privileged setting, host namespaces, hostPath volumes or added " +
                "capabilities in the chart's values; if it must run as it is, add an " +
                'admissionExemptions entry for namespace falco naming "pod-hardening" (with its ' +
                "justification and expiry), which excludes the namespace from this constraint.",
        );
        const workload = run.report.admission.workloads.find(
            (w: { name: string }) => w.name === "host-agent",
        );
        assert.strictEqual(workload.verdict, "refused");
        // Still lifted: Kyverno's pod-security rule.
        assert.strictEqual(workload.engines["kyverno-validate"].verdict, "admitted");
        assert.deepStrictEqual(workload.engines["kyverno-mutate"].changes, [
            "spec.containers[agent].securityContext.allowPrivilegeEscalation=false",
            'spec.securityContext={"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}',
        ]);
    });

    it("refuses every namespace whose labels the namespace-labels constraint does not know", () => {
        const stack = prodStack("oldlabels", (c) => {
            const g = (c["sovereign-contour:gatekeeper"] ?? {}) as Config;
            c["sovereign-contour:gatekeeper"] = {
                ...g,
                requiredNamespaceLabels: ["owner", "tenant"],
            };
        });
        const run = check("oldlabels", stack);
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const refused = admissionViolations(run).filter((v) =>
            v.message.includes("SovereignNamespaceLabels"),
        );
        const inference = refused.find((v) => v.message.startsWith('Namespace "inference"'));
        assert.ok(inference, JSON.stringify(refused, null, 2));
        assert.strictEqual(inference.enforcementLevel, "mandatory");
        assert.strictEqual(
            inference.message.split(". Fix")[0],
            'Namespace "inference" would be refused by Gatekeeper, SovereignNamespaceLabels ' +
                "sovereign-namespace-labels: namespace inference must carry the labels owner, tenant; " +
                "missing or empty: owner, tenant",
        );
        const names = run.report.admission.namespaces
            .filter((n: { verdict: string }) => n.verdict === "refused")
            .map((n: { name: string }) => n.name);
        for (const tenant of ["inference", "ml-training", "data-platform"]) {
            assert.ok(names.includes(tenant), names.join(", "));
        }
    });

    it("refuses a platform image with a tag where digests are required and nothing pins it", () => {
        const tagged = "registry.sovereign.example/mirror/jetstack/cert-manager-controller:v1.21.1";
        const chart = restrictedChart(charts, tagged);
        const stack = prodStack("tagged", (c) => {
            localChart(c, "cert-manager", chart);
            // Without image verification nothing rewrites the tag to a digest at admission.
            const k = (c["sovereign-contour:kyverno"] ?? {}) as Config;
            c["sovereign-contour:kyverno"] = { ...k, imageVerification: { enabled: false } };
        });
        const run = check("tagged", stack);
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const onAgent = admissionViolations(run).filter(
            (v) => v.resource.name === "platform-cert-manager-chart:cert-manager/restricted-agent",
        );
        assert.deepStrictEqual(
            onAgent.map((v) => v.message),
            [
                'Deployment "cert-manager/restricted-agent" and its Pods in namespace cert-manager ' +
                    "would be refused by Gatekeeper, SovereignImageTags sovereign-image-tags: images " +
                    `must be pinned by a sha256 or sha512 digest (image@sha256:...): agent (${tagged}). ` +
                    "Fix: pin the image by digest (image@sha256:...) in the chart's values; if it must " +
                    "run as it is, add an admissionExemptions entry for namespace cert-manager naming " +
                    '"image-tags" (with its justification and expiry), which excludes the namespace ' +
                    "from this constraint.",
            ],
        );
    });
});
