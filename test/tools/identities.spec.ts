import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { chartChildren } from "../../tools/check/helm";
import { DeclaredObject, duplicateIdentities } from "../../tools/check/identities";
import { pulumiTypeOf } from "../../policypacks/lib/workloads";
import { runCheckProcess } from "../util/check-process";
import { testHelmBinary } from "../util/helm-binary";

const root = path.resolve(__dirname, "..", "..");

/** A declared object with the resource name `name`, typed from its apiVersion and kind. */
function declared(name: string, object: Record<string, unknown>, file?: string): DeclaredObject {
    const type = pulumiTypeOf(String(object.apiVersion), String(object.kind));
    return { resource: { type, name, ...(file !== undefined ? { file } : {}) }, object };
}

const namespace = (name: string) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const configMap = (name: string, ns?: string) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, ...(ns !== undefined ? { namespace: ns } : {}) },
});

describe("duplicate object identities (tools/check/identities.ts)", () => {
    it("reports two Namespaces of one name, naming both declarations", () => {
        assert.deepStrictEqual(
            duplicateIdentities([
                declared("platform-kyverno-namespace", namespace("kyverno")),
                declared("platform-tenant-kyverno-namespace", namespace("kyverno")),
            ]),
            [
                {
                    pack: "check",
                    policy: "object-identity-unique",
                    enforcementLevel: "mandatory",
                    resource: {
                        type: "kubernetes:core/v1:Namespace",
                        name: "platform-tenant-kyverno-namespace",
                    },
                    message:
                        'Namespace "kyverno" (API group core) is declared 2 times: ' +
                        "kubernetes:core/v1:Namespace platform-kyverno-namespace; " +
                        "kubernetes:core/v1:Namespace platform-tenant-kyverno-namespace. The API " +
                        "server keeps one object per API group, kind, namespace and name, so one " +
                        "declaration would overwrite or fail the other; rename or remove all but one.",
                },
            ],
        );
    });

    it("resolves identities as the API server does: group not version, default namespace, scope", () => {
        const found = duplicateIdentities([
            // one group, two versions: one object
            declared("a", {
                apiVersion: "autoscaling/v1",
                kind: "HorizontalPodAutoscaler",
                metadata: { name: "web", namespace: "t" },
            }),
            declared("b", {
                apiVersion: "autoscaling/v2",
                kind: "HorizontalPodAutoscaler",
                metadata: { name: "web", namespace: "t" },
            }),
            // a namespaced object without a namespace lands in default
            declared("c", configMap("settings")),
            declared("d", configMap("settings", "default")),
            // a cluster-scoped object has no namespace whatever its metadata says
            declared("e", {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRole",
                metadata: { name: "viewer", namespace: "x" },
            }),
            declared("f", {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRole",
                metadata: { name: "viewer" },
            }),
        ]);
        assert.deepStrictEqual(
            found.map((v) => [v.resource.name, v.message.split(" is declared")[0]]),
            [
                ["b", 'HorizontalPodAutoscaler "t/web" (API group autoscaling)'],
                ["d", 'ConfigMap "default/settings" (API group core)'],
                ["f", 'ClusterRole "viewer" (API group rbac.authorization.k8s.io)'],
            ],
        );
    });

    it("keeps apart what the API server keeps apart", () => {
        assert.deepStrictEqual(
            duplicateIdentities([
                declared("a", configMap("settings", "team-a")),
                declared("b", configMap("settings", "team-b")),
                // same kind and name in another group
                declared("c", {
                    apiVersion: "example.com/v1",
                    kind: "ConfigMap",
                    metadata: { name: "settings", namespace: "team-a" },
                }),
                // other kind
                declared("d", {
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: "settings", namespace: "team-a" },
                }),
                // generated names, and names unknown during preview, are not compared
                declared("e", {
                    apiVersion: "v1",
                    kind: "Pod",
                    metadata: { generateName: "job-", namespace: "t" },
                }),
                declared("f", {
                    apiVersion: "v1",
                    kind: "Pod",
                    metadata: { generateName: "job-", namespace: "t" },
                }),
                declared("g", configMap("[unknown]", "t")),
                declared("h", configMap("[unknown]", "t")),
            ]),
            [],
        );
    });

    it("takes a custom kind's scope from its CRD, and names files in manifests mode", () => {
        const crd = (scope: string) => ({
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "widgets.example.com" },
            spec: { group: "example.com", names: { kind: "Widget" }, scope },
        });
        const widget = (ns: string) => ({
            apiVersion: "example.com/v1",
            kind: "Widget",
            metadata: { name: "w", namespace: ns },
        });
        assert.deepStrictEqual(
            duplicateIdentities([
                declared("crd", crd("Namespaced")),
                declared("w1", widget("a")),
                declared("w2", widget("b")),
            ]),
            [],
        );
        const found = duplicateIdentities([
            declared("crd", crd("Cluster"), "crd.yaml"),
            declared("w1", widget("a"), "a.yaml"),
            declared("w2", widget("b"), "b.yaml"),
        ]);
        assert.deepStrictEqual(found[0].resource, {
            type: "kubernetes:example.com/v1:Widget",
            name: "w2",
            file: "b.yaml",
        });
        assert.ok(
            found[0].message.startsWith(
                'Widget "w" (API group example.com) is declared 2 times: ' +
                    "kubernetes:example.com/v1:Widget w1 (a.yaml); kubernetes:example.com/v1:Widget w2 (b.yaml).",
            ),
            found[0].message,
        );
    });

    it("compares a chart's objects after Chart v4 gives them the chart's namespace", () => {
        const { children } = chartChildren("platform-falco-chart", { namespace: "falco" }, [
            {
                apiVersion: "networking.k8s.io/v1",
                kind: "NetworkPolicy",
                metadata: { name: "allow-dns" },
            },
        ]);
        const program = declared("platform-network-falco-allow-dns", {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { name: "allow-dns", namespace: "falco" },
        });
        const found = duplicateIdentities([
            program,
            declared(children[0].name, children[0].object),
        ]);
        assert.deepStrictEqual(
            found.map((v) => v.message.split(":")[0]),
            ['NetworkPolicy "falco/allow-dns" (API group networking.k8s.io) is declared 2 times'],
        );
    });
});

describe("offline check: duplicate identities are a mandatory error", function () {
    this.timeout(300_000);
    const temps: string[] = [];
    const tempDir = (prefix: string): string => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        temps.push(dir);
        return dir;
    };
    after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("fails --manifests with one object in two files, exit 1, naming both files", () => {
        const dir = tempDir("identities-manifests-");
        const doc = YAML.stringify(configMap("settings", "team-a"));
        fs.writeFileSync(path.join(dir, "a.yaml"), doc);
        fs.writeFileSync(path.join(dir, "b.yaml"), doc);
        const run = runCheckProcess(["--manifests", dir], { name: "manifests" });
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const rel = (f: string) => path.relative(root, path.join(dir, f));
        const found = (run.report.violations as { policy: string }[]).filter(
            (v) => v.policy === "object-identity-unique",
        );
        assert.deepStrictEqual(found, [
            {
                pack: "check",
                policy: "object-identity-unique",
                enforcementLevel: "mandatory",
                resource: {
                    type: "kubernetes:core/v1:ConfigMap",
                    name: "team-a/settings",
                    file: rel("b.yaml"),
                },
                message:
                    `ConfigMap "team-a/settings" (API group core) is declared 2 times: ` +
                    `kubernetes:core/v1:ConfigMap team-a/settings (${rel("a.yaml")}); ` +
                    `kubernetes:core/v1:ConfigMap team-a/settings (${rel("b.yaml")}). The API ` +
                    "server keeps one object per API group, kind, namespace and name, so one " +
                    "declaration would overwrite or fail the other; rename or remove all but one.",
            },
        ]);
        assert.strictEqual(run.report.passed, false);
    });

    it("fails a stack whose rendered chart declares an object the program declares", () => {
        // A local chart standing in for falcosidekick renders the NetworkPolicy allow-dns without a
        // namespace: Chart v4 puts it into the chart's namespace, falco, where the platform's
        // network component declares its own allow-dns.
        const charts = tempDir("identities-chart-");
        const chart = path.join(charts, "dup");
        fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
        fs.writeFileSync(
            path.join(chart, "Chart.yaml"),
            "apiVersion: v2\nname: dup\nversion: 0.1.0\ntype: application\n",
        );
        fs.writeFileSync(
            path.join(chart, "templates", "policy.yaml"),
            [
                "apiVersion: networking.k8s.io/v1",
                "kind: NetworkPolicy",
                "metadata:",
                "  name: allow-dns",
                "spec:",
                "  podSelector: {}",
                "  policyTypes: [Egress]",
                "",
            ].join("\n"),
        );
        const doc = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
            config: Record<string, unknown>;
        };
        doc.config["sovereign-contour:charts"] = {
            overrides: { falcosidekick: { localPath: chart } },
        };
        const stackDir = tempDir("identities-stack-");
        const stackFile = path.join(stackDir, "Pulumi.dupchart.yaml");
        fs.writeFileSync(stackFile, YAML.stringify(doc));
        const packs = tempDir("identities-packs-");
        const dev = path.join(root, "stacks", "policy-config", "dev");
        for (const file of fs.readdirSync(dev)) {
            fs.copyFileSync(path.join(dev, file), path.join(packs, file));
        }
        const guardrails = path.join(packs, "platform-guardrails.json");
        const config = JSON.parse(fs.readFileSync(guardrails, "utf8")) as Record<
            string,
            Record<string, unknown>
        >;
        config["charts-allowed-sources"] = {
            ...config["charts-allowed-sources"],
            allowLocalCharts: true,
        };
        fs.writeFileSync(guardrails, JSON.stringify(config));

        const run = runCheckProcess(
            ["--stack-file", stackFile, "--policy-config-dir", packs, "--helm", testHelmBinary()],
            { name: "dupchart" },
        );
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const found = (
            run.report.violations as { policy: string; resource: unknown; message: string }[]
        ).filter((v) => v.policy === "object-identity-unique");
        assert.deepStrictEqual(
            found.map((v) => [v.resource, v.message.split(". The API")[0]]),
            [
                [
                    {
                        type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                        name: "platform-falco-sidekick-chart:falco/allow-dns",
                    },
                    'NetworkPolicy "falco/allow-dns" (API group networking.k8s.io) is declared 2 times: ' +
                        "kubernetes:networking.k8s.io/v1:NetworkPolicy platform-network-falco-allow-dns; " +
                        "kubernetes:networking.k8s.io/v1:NetworkPolicy platform-falco-sidekick-chart:falco/allow-dns",
                ],
            ],
        );
    });
});
