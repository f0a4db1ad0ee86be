/**
 * The chart values guard (issue 16, tools/check/values-guard.ts): which keys a chart knows, from
 * small handwritten defaults and schemas; reading a chart's values files from a directory or a
 * packaged .tgz; and the offline check failing on a key a local chart does not know.
 */
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as YAML from "yaml";
import { readChartFiles, tarFiles } from "../../tools/check/helm";
import {
    ChartFiles,
    chartValuesInfo,
    ChartValuesSpec,
    documentedChartKeys,
    documentedKeysFor,
    findingMessage,
    printPath,
    unknownValueKeys,
    ValueKeyFinding,
} from "../../tools/check/values-guard";
import { runCheckProcess } from "../util/check-process";
import { testHelmBinary } from "../util/helm-binary";

const root = path.resolve(__dirname, "..", "..");
const shared = path.resolve(root, "..", "shared");
const restrictedChart = path.join(root, "test", "fixtures", "charts", "restricted-app");
const chartType = "kubernetes:helm.sh/v4:Chart";

const temps: string[] = [];
function tempDir(prefix = "values-guard-"): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
}

after(() => {
    for (const dir of temps) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

/** `key (kind, effect): reason` of each finding: one line each, easy to compare. */
function lines(findings: readonly ValueKeyFinding[]): string[] {
    return findings.map((f) => `${f.key} (${f.kind}, ${f.effect}): ${f.reason}`);
}

function check(spec: ChartValuesSpec, values: unknown): string[] {
    return lines(unknownValueKeys(spec, values));
}

describe("values guard: keys known from the default values", () => {
    const defaults = {
        replicas: 1,
        image: { repository: "example/app", tag: "1.0.0" },
        controller: {
            logLevel: "info",
            metrics: { enabled: true, port: 8080 },
            podLabels: {},
            podAnnotations: null,
            extraEnv: [],
            nodeSelector: { "kubernetes.io/os": "linux" },
            resources: { limits: { memory: "512Mi" }, requests: { cpu: "100m" } },
            securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true },
            affinity: { podAntiAffinity: {} },
        },
        proxy: { resources: { cpu: { limit: "", request: "" } } },
        rules: [{ name: "default", enabled: true }],
        timeout: "30s",
    };
    const spec: ChartValuesSpec = { defaults };

    it("accepts every key path the defaults hold, at any depth", () => {
        assert.deepStrictEqual(
            check(spec, {
                replicas: 3,
                image: { tag: "1.0.1" },
                controller: { logLevel: "debug", metrics: { enabled: false, port: 9090 } },
            }),
            [],
        );
    });

    it("reports a nested unknown key with its dotted path, and suggests a close key", () => {
        assert.deepStrictEqual(
            check(spec, {
                image: { tags: "1.0.1" },
                controller: {
                    metrics: { enabled: true, targetPort: 9090 },
                    grpc: { enabled: false },
                },
                tracing: false,
            }),
            [
                "controller.grpc (unknown, ignored): not in the chart's values.yaml under `controller`",
                "controller.metrics.targetPort (unknown, ignored): not in the chart's values.yaml under `controller.metrics`",
                "image.tags (unknown, ignored): not in the chart's values.yaml under `image`",
                "tracing (unknown, ignored): not in the chart's values.yaml at the top level",
            ],
        );
        const [tags] = unknownValueKeys(spec, { image: { tags: "1.0.1" } });
        assert.strictEqual(tags.suggestion, "image.tag");
        assert.deepStrictEqual(tags.path, ["image", "tags"]);
    });

    it("treats an empty-map or null default as free-form (labels, annotations, ...)", () => {
        assert.deepStrictEqual(
            check(spec, {
                controller: {
                    podLabels: { team: "platform", "app.kubernetes.io/part-of": "x" },
                    podAnnotations: { "example.com/a": "1", nested: { deep: true } },
                },
            }),
            [],
        );
    });

    it("never descends into lists: Helm replaces a list whole", () => {
        assert.deepStrictEqual(
            check(spec, {
                rules: [{ name: "mine", unknownField: 1 }],
                controller: { extraEnv: [{ name: "A", valueFrom: { anything: 1 } }] },
            }),
            [],
        );
    });

    it("does not report a type change without a schema (a map over a scalar, a scalar over a map)", () => {
        assert.deepStrictEqual(
            check(spec, { timeout: { seconds: 30 }, image: "example/app:1.0.0", replicas: null }),
            [],
        );
    });

    it("accepts any key of a non-empty Kubernetes string map (nodeSelector, *Labels, *Annotations)", () => {
        assert.deepStrictEqual(
            check(spec, {
                controller: {
                    nodeSelector: { "kubernetes.io/os": "linux", "node-role.example/system": "" },
                },
            }),
            [],
        );
    });

    it("checks a Kubernetes object passed through by toYaml against its type's fields", () => {
        assert.deepStrictEqual(
            check(spec, {
                controller: {
                    resources: {
                        limits: { cpu: "1", memory: "1Gi" },
                        requests: { memory: "64Mi" },
                    },
                    securityContext: {
                        runAsUser: 1000,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    affinity: { nodeAffinity: { anything: {} } },
                },
            }),
            [],
        );
        assert.deepStrictEqual(
            check(spec, {
                controller: {
                    resources: { limit: { cpu: "1" } },
                    securityContext: { runAsNonroot: true },
                },
            }),
            [
                "controller.resources.limit (unknown, ignored): `controller.resources` is a Kubernetes ResourceRequirements (as its default shows), which has no field `limit`",
                "controller.securityContext.runAsNonroot (unknown, ignored): `controller.securityContext` is a Kubernetes SecurityContext (as its default shows), which has no field `runAsNonroot`",
            ],
        );
        const [limit] = unknownValueKeys(spec, { controller: { resources: { limit: {} } } });
        assert.strictEqual(limit.suggestion, "controller.resources.limits");
    });

    it("checks a `resources` map shaped otherwise (Linkerd's cpu.limit) key by key", () => {
        assert.deepStrictEqual(
            check(spec, { proxy: { resources: { cpu: { limit: "1" }, limits: { cpu: "1" } } } }),
            [
                "proxy.resources.limits (unknown, ignored): not in the chart's values.yaml under `proxy.resources`",
            ],
        );
    });

    it("prints a segment that is not a plain word in brackets", () => {
        assert.strictEqual(
            printPath(["prometheus", "servicemonitor", "targetPort"]),
            "prometheus.servicemonitor.targetPort",
        );
        assert.strictEqual(
            printPath(["nodeSelector", "kubernetes.io/os"]),
            'nodeSelector["kubernetes.io/os"]',
        );
        assert.deepStrictEqual(check({ defaults: { a: { b: 1 } } }, { a: { "x.y": 1 } }), [
            'a["x.y"] (unknown, ignored): not in the chart\'s values.yaml under `a`',
        ]);
    });

    it("checks nothing when the values are not a map", () => {
        assert.deepStrictEqual(check(spec, undefined), []);
        assert.deepStrictEqual(check(spec, null), []);
    });
});

describe("values guard: keys allowed by values.schema.json", () => {
    /** A schema in cert-manager's style: everything behind `#/$defs` references. */
    const schema = {
        $schema: "http://json-schema.org/draft-07/schema#",
        $ref: "#/$defs/helm-values",
        $defs: {
            "helm-values": {
                type: "object",
                additionalProperties: false,
                properties: {
                    image: { $ref: "#/$defs/helm-values.image" },
                    prometheus: { $ref: "#/$defs/helm-values.prometheus" },
                    securityContext: { type: "object", default: { runAsNonRoot: true } },
                    config: { type: "object", additionalProperties: true },
                    extraArgs: { type: "array", items: {} },
                    replicaCount: { type: "number" },
                    global: { $ref: "#/$defs/helm-values.global" },
                    env: {
                        type: "object",
                        additionalProperties: {
                            type: "object",
                            properties: { value: {} },
                            additionalProperties: false,
                        },
                    },
                    ports: {
                        type: "object",
                        patternProperties: { "^[a-z]+-port$": { type: "integer" } },
                        additionalProperties: false,
                    },
                },
            },
            "helm-values.image": {
                type: "object",
                additionalProperties: false,
                properties: {
                    repository: { type: "string" },
                    tag: { $ref: "#/$defs/helm-values.image.tag" },
                },
            },
            "helm-values.image.tag": { type: "string" },
            "helm-values.prometheus": {
                type: "object",
                additionalProperties: false,
                properties: {
                    enabled: { type: "boolean" },
                    servicemonitor: {
                        type: "object",
                        additionalProperties: false,
                        properties: { enabled: { type: "boolean" }, labels: { type: "object" } },
                    },
                },
            },
            "helm-values.global": {
                type: "object",
                properties: { logLevel: { type: "number" } },
            },
        },
    };
    // `image.tag` is only a comment in values.yaml (`# tag: vX.Y.Z`): the schema alone allows it.
    const defaults = {
        image: { repository: "quay.io/jetstack/cert-manager-controller" },
        prometheus: { enabled: true, servicemonitor: { enabled: false, labels: {} } },
        securityContext: { runAsNonRoot: true },
        global: { logLevel: 2, leaderElection: { namespace: "kube-system" } },
    };
    const spec: ChartValuesSpec = { defaults, schema };

    it("accepts a key the schema allows though values.yaml only mentions it in a comment ($ref, $defs)", () => {
        assert.deepStrictEqual(
            check(spec, { image: { repository: "mirror/controller", tag: "v1.21.1" } }),
            [],
        );
    });

    it("reports a key under additionalProperties: false as refused (Helm fails the render)", () => {
        assert.deepStrictEqual(
            check(spec, { prometheus: { servicemonitor: { enabled: true, targetPort: 9402 } } }),
            [
                "prometheus.servicemonitor.targetPort (unknown, refused): values.schema.json allows no such key under `prometheus.servicemonitor`",
            ],
        );
    });

    it("reports a key the schema forbids even when values.yaml has it", () => {
        const withDefault: ChartValuesSpec = { defaults: { ...defaults, legacy: true }, schema };
        assert.deepStrictEqual(check(withDefault, { legacy: false }), [
            "legacy (unknown, refused): values.schema.json allows no such key at the top level (values.yaml has it)",
        ]);
    });

    it("treats a schema object without properties, or with additionalProperties: true, as free-form", () => {
        assert.deepStrictEqual(
            check(spec, {
                securityContext: { runAsUser: 1000, anything: { deeper: 1 } },
                config: {
                    apiVersion: "controller.config.cert-manager.io/v1alpha1",
                    logging: { format: "json" },
                },
                prometheus: { servicemonitor: { labels: { release: "kube-prometheus" } } },
            }),
            [],
        );
    });

    it("descends into an additionalProperties schema and matches patternProperties", () => {
        assert.deepStrictEqual(
            check(spec, {
                env: { A: { value: "1" }, B: { valueFrom: {} } },
                ports: { "http-port": 80, http: 81 },
            }),
            [
                "env.B.valueFrom (unknown, refused): values.schema.json allows no such key under `env.B`",
                "ports.http (unknown, refused): values.schema.json allows no such key under `ports`",
            ],
        );
    });

    it("lets the defaults decide under a node that lists properties without additionalProperties", () => {
        assert.deepStrictEqual(
            check(spec, {
                global: { logLevel: 4, leaderElection: { namespace: "cert-manager" }, extra: 1 },
            }),
            [
                "global.extra (unknown, ignored): not in the chart's values.yaml under `global` and values.schema.json does not list it",
            ],
        );
    });

    it("reports a value whose type the schema refuses, and does not look below it", () => {
        assert.deepStrictEqual(
            check(spec, {
                prometheus: { enabled: { value: true } },
                replicaCount: "3",
                extraArgs: { "--v": 2 },
                ports: { "http-port": 80.5 },
            }),
            [
                "extraArgs (type, refused): values.schema.json requires array here; the values set a map",
                "ports.http-port (type, refused): values.schema.json requires integer here; the values set a number",
                "prometheus.enabled (type, refused): values.schema.json requires boolean here; the values set a map",
                "replicaCount (type, refused): values.schema.json requires number here; the values set a string",
            ],
        );
        // null removes a default in Helm: not a type error.
        assert.deepStrictEqual(check(spec, { replicaCount: null }), []);
    });

    it("applies allOf (every branch must allow a key) and anyOf/oneOf (one branch is enough)", () => {
        const composed: ChartValuesSpec = {
            defaults: {},
            schema: {
                type: "object",
                properties: {
                    both: {
                        allOf: [
                            { type: "object", properties: { a: {} } },
                            { type: "object", properties: { b: {} }, additionalProperties: false },
                        ],
                    },
                    either: {
                        anyOf: [
                            { type: "string" },
                            {
                                type: "object",
                                properties: {
                                    x: {
                                        type: "object",
                                        properties: { deep: {} },
                                        additionalProperties: false,
                                    },
                                },
                                additionalProperties: false,
                            },
                            { type: "object", properties: { y: {} }, additionalProperties: false },
                        ],
                    },
                    one: {
                        oneOf: [
                            { type: "boolean" },
                            { type: "object", additionalProperties: false },
                        ],
                    },
                },
                additionalProperties: false,
            },
        };
        assert.deepStrictEqual(
            check(composed, {
                both: { a: 1, b: 2 },
                either: { x: { deep: 1 }, y: 2 },
                one: true,
            }),
            // `a` is listed by the first branch but refused by the second.
            ["both.a (unknown, refused): values.schema.json allows no such key under `both`"],
        );
        assert.deepStrictEqual(
            check(composed, { either: { z: 1, x: { shallow: 1 } }, one: { k: 1 }, two: 2 }),
            [
                "either.x.shallow (unknown, refused): values.schema.json allows no such key under `either.x`",
                "either.z (unknown, refused): values.schema.json allows no such key under `either`",
                "one.k (unknown, refused): values.schema.json allows no such key under `one`",
                "two (unknown, refused): values.schema.json allows no such key at the top level",
            ],
        );
        assert.deepStrictEqual(check(composed, { either: 5 }), [
            "either (type, refused): values.schema.json requires string or object here; the values set a number",
        ]);
    });

    it("leaves the decision to the defaults where a $ref points outside the document", () => {
        const external: ChartValuesSpec = {
            defaults: { known: { a: 1 } },
            schema: {
                type: "object",
                properties: { known: { $ref: "https://example.com/schema.json" } },
            },
        };
        assert.deepStrictEqual(check(external, { known: { a: 2, b: 3 } }), [
            "known.b (unknown, ignored): not in the chart's values.yaml under `known`",
        ]);
    });

    it("refuses every key under a false schema", () => {
        assert.deepStrictEqual(
            check({ defaults: {}, schema: { properties: { off: false } } }, { off: { a: 1 } }),
            ["off (unknown, refused): values.schema.json allows no such key at the top level"],
        );
    });
});

describe("values guard: documented keys, Helm's own keys and subcharts", () => {
    it("accepts a documented key with the shape of the default it points to, for that exact version only", () => {
        const defaults = {
            proxy: { resources: { cpu: { limit: "", request: "" }, memory: { limit: "" } } },
        };
        const documented = documentedKeysFor("linkerd-control-plane", "2026.8.3");
        assert.ok(documented.some((d) => d.path === "destinationResources"));
        const values = {
            destinationResources: {
                cpu: { limit: "1", request: "100m" },
                memory: { limit: "250Mi" },
            },
        };
        assert.deepStrictEqual(check({ defaults, documented }, values), []);
        assert.deepStrictEqual(
            check({ defaults, documented }, { destinationResources: { limits: { cpu: "1" } } }),
            [
                "destinationResources.limits (unknown, ignored): not in the chart's values.yaml under `destinationResources`",
            ],
        );
        assert.deepStrictEqual(documentedKeysFor("linkerd-control-plane", "2026.9.1"), []);
        assert.deepStrictEqual(check({ defaults, documented: [] }, values), [
            "destinationResources (unknown, ignored): not in the chart's values.yaml at the top level",
        ]);
    });

    it("names a template as evidence for every documented key", () => {
        for (const chart of documentedChartKeys) {
            for (const key of chart.keys) {
                assert.match(
                    key.evidence,
                    /^templates\/[^:]+\.yaml: .*\.Values\./,
                    `${chart.chart} ${key.path}`,
                );
            }
        }
    });

    it("knows dependency conditions, tags, subchart values (by alias) and the globals of the tree", () => {
        const parent: ChartFiles = {
            where: "parent/",
            chartYaml: YAML.stringify({
                apiVersion: "v2",
                name: "parent",
                version: "1.0.0",
                dependencies: [
                    {
                        name: "sidekick",
                        version: "0.1.0",
                        condition: "sidekick.enabled,features.sidekick",
                    },
                    {
                        name: "metrics",
                        version: "0.2.0",
                        alias: "collector",
                        tags: ["observability"],
                    },
                ],
            }),
            valuesYaml: "sidekick:\n  replicaCount: 1\nglobal:\n  imageRegistry: ''\n",
            subcharts: [
                {
                    where: "parent/charts/sidekick/",
                    chartYaml: "name: sidekick\nversion: 0.1.0\n",
                    valuesYaml:
                        "replicaCount: 2\nconfig:\n  webhook:\n    address: ''\nglobal:\n  sidekickOnly: 1\n",
                    subcharts: [],
                },
                {
                    where: "parent/charts/metrics/",
                    chartYaml: "name: metrics\nversion: 0.2.0\n",
                    valuesSchemaJson: JSON.stringify({
                        type: "object",
                        properties: { port: { type: "integer" } },
                        additionalProperties: false,
                    }),
                    subcharts: [],
                },
            ],
        };
        const info = chartValuesInfo(parent);
        assert.strictEqual(info.name, "parent");
        assert.strictEqual(info.version, "1.0.0");
        assert.deepStrictEqual(info.spec.helmPaths, [
            "sidekick.enabled",
            "features.sidekick",
            "tags.observability",
        ]);
        assert.deepStrictEqual(Object.keys(info.spec.subcharts ?? {}).sort(), [
            "collector",
            "sidekick",
        ]);
        assert.deepStrictEqual(
            check(info.spec, {
                sidekick: { enabled: true, replicaCount: 3, config: { webhook: { address: "x" } } },
                features: { sidekick: true },
                tags: { observability: false },
                collector: { port: 9090 },
                global: { imageRegistry: "mirror", sidekickOnly: 2 },
            }),
            [],
        );
        assert.deepStrictEqual(
            check(info.spec, {
                sidekick: { config: { slack: {} } },
                collector: { path: "/metrics" },
                metrics: { port: 1 },
                global: { other: 1 },
            }),
            [
                "collector.path (unknown, refused): values.schema.json allows no such key under `collector`",
                "global.other (unknown, ignored): not in the chart's values.yaml under `global`",
                "metrics (unknown, ignored): not in the chart's values.yaml at the top level",
                "sidekick.config.slack (unknown, ignored): not in the chart's values.yaml under `sidekick.config`",
            ],
        );
    });

    it("says when a chart declares no values, and names the file that does not parse", () => {
        const bare = chartValuesInfo({
            where: "x/",
            chartYaml: "name: x\nversion: 1\n",
            subcharts: [],
        });
        assert.strictEqual(bare.declaresNoValues, true);
        assert.strictEqual(bare.version, "1");
        assert.throws(
            () =>
                chartValuesInfo({
                    where: "x/",
                    chartYaml: "name: x\n",
                    valuesYaml: "a: [1\n",
                    subcharts: [],
                }),
            /^Error: x\/values\.yaml is not valid YAML: /,
        );
        assert.throws(
            () =>
                chartValuesInfo({
                    where: "x/",
                    chartYaml: "name: x\n",
                    valuesSchemaJson: "{",
                    subcharts: [],
                }),
            /^Error: x\/values\.schema\.json is not valid JSON: /,
        );
    });

    it("writes a message that names the chart, the version, the key path and the fix", () => {
        const [finding] = unknownValueKeys(
            { defaults: { image: { tag: "" } } },
            { image: { tags: "v1" } },
        );
        assert.strictEqual(
            findingMessage("falco", "9.1.0", finding),
            "The values of chart falco 9.1.0 set `image.tags`, which the chart does not know: not in " +
                "the chart's values.yaml under `image`. The chart ignores it at best (a chart may also " +
                "refuse a removed key), so the setting has no effect. Remove it, or use the chart's key " +
                "for the setting (did you mean `image.tag`?).",
        );
        const [typed] = unknownValueKeys(
            { defaults: {}, schema: { properties: { enabled: { type: "boolean" } } } },
            { enabled: "yes" },
        );
        assert.strictEqual(
            findingMessage("cert-manager", "v1.21.1", typed),
            "The values of chart cert-manager v1.21.1 set `enabled` to a value of the wrong type: " +
                "values.schema.json requires boolean here; the values set a string. Helm refuses to " +
                "render the chart. Set the type the chart expects, or use the chart's key for the setting.",
        );
    });
});

/** One ustar entry (512-byte header, then the data padded to 512). */
function tarEntry(name: string, data: Buffer, type = "0"): Buffer {
    const header = Buffer.alloc(512);
    header.write(name.slice(0, 100), 0, "utf8");
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(data.length.toString(8).padStart(11, "0") + "\0", 124);
    header.write("00000000000\0", 136);
    header.write("        ", 148);
    header.write(type, 156);
    header.write("ustar\0", 257);
    header.write("00", 263);
    let sum = 0;
    for (const b of header) {
        sum += b;
    }
    header.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
    const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
    data.copy(padded);
    return Buffer.concat([header, padded]);
}

/** A PAX record `"<len> path=<value>\n"`, its length counting itself. */
function paxPath(value: string): Buffer {
    const body = ` path=${value}\n`;
    let len = body.length + 1;
    while (`${len}${body}`.length !== len) {
        len++;
    }
    return Buffer.from(`${len}${body}`);
}

describe("values guard: reading a chart's values files", () => {
    it("reads tar entries, with a PAX path longer than 100 bytes and a GNU long name", () => {
        const long = `chart/charts/${"a".repeat(120)}/values.yaml`;
        const gnu = `chart/charts/${"b".repeat(110)}/Chart.yaml`;
        const tar = Buffer.concat([
            tarEntry("chart/Chart.yaml", Buffer.from("name: chart\n")),
            tarEntry("PaxHeaders/x", paxPath(long), "x"),
            tarEntry("truncated-name", Buffer.from("a: 1\n")),
            tarEntry("././@LongLink", Buffer.from(`${gnu}\0`), "L"),
            tarEntry("truncated-too", Buffer.from("name: b\n")),
            tarEntry("chart/templates/", Buffer.alloc(0), "5"),
            tarEntry("chart/templates/x.yaml", Buffer.from("kind: X\n")),
            Buffer.alloc(1024),
        ]);
        const files = tarFiles(tar, (n) => !n.startsWith("chart/templates/"));
        assert.deepStrictEqual([...files.keys()], ["chart/Chart.yaml", long, gnu]);
        assert.strictEqual(files.get(long)?.toString(), "a: 1\n");
        assert.throws(
            () => tarFiles(tar.subarray(0, 520), () => true),
            /truncated tar entry at byte 0/,
        );
    });

    it("reads a chart directory and its subcharts (a folder and a packaged .tgz)", () => {
        const dir = tempDir();
        const chart = path.join(dir, "parent");
        fs.mkdirSync(path.join(chart, "charts", "sub"), { recursive: true });
        fs.writeFileSync(path.join(chart, "Chart.yaml"), "name: parent\nversion: 1.0.0\n");
        fs.writeFileSync(path.join(chart, "values.yaml"), "a: 1\n");
        fs.writeFileSync(path.join(chart, "values.schema.json"), "{}");
        fs.writeFileSync(
            path.join(chart, "charts", "sub", "Chart.yaml"),
            "name: sub\nversion: 0.1.0\n",
        );
        const packed = zlib.gzipSync(
            Buffer.concat([
                tarEntry("packed/Chart.yaml", Buffer.from("name: packed\nversion: 0.2.0\n")),
                tarEntry("packed/values.yaml", Buffer.from("b: 2\n")),
                Buffer.alloc(1024),
            ]),
        );
        fs.writeFileSync(path.join(chart, "charts", "packed-0.2.0.tgz"), packed);
        const files = readChartFiles(chart);
        assert.strictEqual(files.valuesYaml, "a: 1\n");
        assert.strictEqual(files.valuesSchemaJson, "{}");
        assert.deepStrictEqual(
            files.subcharts.map((s) => [s.where, s.valuesYaml]),
            [
                [`${path.join(chart, "charts", "packed-0.2.0.tgz")}:packed/`, "b: 2\n"],
                [`${path.join(chart, "charts", "sub")}${path.sep}`, undefined],
            ],
        );
        assert.deepStrictEqual(Object.keys(chartValuesInfo(files).spec.subcharts ?? {}), [
            "packed",
            "sub",
        ]);
    });

    it("reads a chart packaged by helm (.tgz), and names a path that is no chart", () => {
        const helm = testHelmBinary();
        const dir = tempDir();
        execFileSync(helm, ["package", restrictedChart, "--destination", dir], {
            env: { PATH: "/usr/bin:/bin", HELM_CACHE_HOME: dir, HELM_CONFIG_HOME: dir },
        });
        const files = readChartFiles(path.join(dir, "restricted-app-0.1.0.tgz"));
        assert.strictEqual(
            files.where,
            `${path.join(dir, "restricted-app-0.1.0.tgz")}:restricted-app/`,
        );
        assert.strictEqual(
            files.valuesYaml,
            fs.readFileSync(path.join(restrictedChart, "values.yaml"), "utf8"),
        );
        const info = chartValuesInfo(files);
        assert.deepStrictEqual([info.name, info.version], ["restricted-app", "0.1.0"]);
        assert.throws(() => readChartFiles(dir), {
            name: "UsageError",
            message: `chart ${dir}: no Chart.yaml found; expected a Helm chart`,
        });
        const junk = path.join(dir, "junk.tgz");
        fs.writeFileSync(junk, "not gzip");
        assert.throws(
            () => readChartFiles(junk),
            (e: Error) =>
                e.name === "UsageError" && e.message.startsWith(`chart ${junk}: cannot be read: `),
        );
    });
});

/** The dev pack configs, with local charts allowed (the only change). */
function packConfigAllowingLocalCharts(): string {
    const dir = tempDir("values-guard-packs-");
    const dev = path.join(root, "stacks", "policy-config", "dev");
    for (const file of fs.readdirSync(dev)) {
        fs.copyFileSync(path.join(dev, file), path.join(dir, file));
    }
    const file = path.join(dir, "platform-guardrails.json");
    const config = JSON.parse(fs.readFileSync(file, "utf8")) as Record<
        string,
        Record<string, unknown>
    >;
    config["charts-allowed-sources"].allowLocalCharts = true;
    fs.writeFileSync(file, JSON.stringify(config, null, 4));
    return dir;
}

/** A stack file like the dev stack, with the gatekeeper chart taken from `chartPath`. */
function stackWithLocalGatekeeper(name: string, chartPath: string): string {
    const doc = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    doc.config["sovereign-contour:charts"] = {
        overrides: { gatekeeper: { localPath: chartPath } },
    };
    const file = path.join(tempDir("values-guard-stack-"), `Pulumi.${name}.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

/**
 * A copy of the restricted-app stub chart whose default values are Gatekeeper 3.23.0's own
 * (../shared/upstream) without `disabledBuiltins`, plus the stub's `server` block: the dev stack's
 * gatekeeper values then hold exactly one key the chart does not know.
 */
function stubWithoutDisabledBuiltins(): { dir: string; defaults: Record<string, unknown> } {
    const dir = path.join(tempDir("values-guard-chart-"), "restricted-app");
    fs.cpSync(restrictedChart, dir, { recursive: true });
    fs.rmSync(path.join(dir, "values.schema.json"), { force: true });
    const gatekeeper = YAML.parse(
        fs.readFileSync(path.join(shared, "upstream", "gatekeeper-3.23.0", "values.yaml"), "utf8"),
    ) as Record<string, unknown>;
    assert.ok(
        "disabledBuiltins" in gatekeeper,
        "precondition: gatekeeper 3.23.0 has disabledBuiltins",
    );
    delete gatekeeper.disabledBuiltins;
    const stub = YAML.parse(
        fs.readFileSync(path.join(restrictedChart, "values.yaml"), "utf8"),
    ) as Record<string, unknown>;
    const defaults = { ...gatekeeper, ...stub };
    fs.writeFileSync(path.join(dir, "values.yaml"), YAML.stringify(defaults));
    return { dir, defaults };
}

const disabledBuiltinsMessage =
    "The values of chart restricted-app 0.1.0 set `disabledBuiltins`, which the chart does not " +
    "know: not in the chart's values.yaml at the top level. The chart ignores it at best (a chart " +
    "may also refuse a removed key), so the setting has no effect. Remove it, or use the chart's " +
    "key for the setting.";

describe("offline check: values a local chart does not know", function () {
    this.timeout(300_000);
    let helm: string;
    let packs: string;

    before(() => {
        helm = testHelmBinary();
        packs = packConfigAllowingLocalCharts();
    });

    it("fails (exit 1) with one mandatory violation on the Chart for the key its values.yaml lacks; the chart is still rendered and judged", () => {
        const { dir } = stubWithoutDisabledBuiltins();
        const stack = stackWithLocalGatekeeper("valuesguard", dir);
        const run = runCheckProcess(
            ["--stack-file", stack, "--policy-config-dir", packs, "--helm", helm],
            { name: "valuesguard" },
        );
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        assert.deepStrictEqual(run.report.violations, [
            {
                pack: "check",
                policy: "chart-values-known-keys",
                enforcementLevel: "mandatory",
                resource: { type: chartType, name: "platform-gatekeeper-chart" },
                message: disabledBuiltinsMessage,
            },
        ]);
        assert.strictEqual(run.report.passed, false);
        assert.strictEqual(run.report.summary.mandatory, 1);
        const entry = run.report.charts.find(
            (c: { name: string }) => c.name === "platform-gatekeeper-chart",
        );
        assert.strictEqual(entry.analyzed, true);
        assert.strictEqual(entry.objects, 3);
        assert.ok(
            run.report.notes.includes(
                "Chart values checked against each local chart's own values.yaml and " +
                    "values.schema.json (check/chart-values-known-keys): platform-gatekeeper-chart " +
                    "(restricted-app 0.1.0).",
            ),
            run.report.notes.join("\n"),
        );
        const md = run.read("report.md") ?? "";
        assert.ok(
            md.includes(
                `| mandatory | check | chart-values-known-keys | ${chartType} platform-gatekeeper-chart | ${disabledBuiltinsMessage} |`,
            ),
            md,
        );
    });

    it("checks a packaged chart's values without helm, and reports a key its schema refuses; a chart that then fails to render is listed as not analyzed (exit 1, not 2)", () => {
        const { dir, defaults } = stubWithoutDisabledBuiltins();
        // The same chart with a schema that lists every default key and refuses any other.
        fs.writeFileSync(
            path.join(dir, "values.schema.json"),
            JSON.stringify({
                $schema: "http://json-schema.org/draft-07/schema#",
                type: "object",
                properties: Object.fromEntries(Object.keys(defaults).map((k) => [k, {}])),
                additionalProperties: false,
            }),
        );
        const pkg = tempDir("values-guard-pkg-");
        execFileSync(helm, ["package", dir, "--destination", pkg], {
            env: { PATH: "/usr/bin:/bin", HELM_CACHE_HOME: pkg, HELM_CONFIG_HOME: pkg },
        });
        const tgz = path.join(pkg, "restricted-app-0.1.0.tgz");
        const stack = stackWithLocalGatekeeper("valuesguardtgz", tgz);
        const refused =
            "The values of chart restricted-app 0.1.0 set `disabledBuiltins`, which the chart does " +
            "not know: values.schema.json allows no such key at the top level. Helm refuses to " +
            "render the chart. Remove it, or use the chart's key for the setting.";
        const expected = [
            {
                pack: "check",
                policy: "chart-values-known-keys",
                enforcementLevel: "mandatory",
                resource: { type: chartType, name: "platform-gatekeeper-chart" },
                message: refused,
            },
        ];

        const noHelm: NodeJS.ProcessEnv = {
            ...process.env,
            PATH: "/usr/bin:/bin",
            SOVEREIGN_TOOL_CACHE: path.join(os.tmpdir(), `no-tool-cache-${process.pid}`),
        };
        delete noHelm.HELM_BINARY;
        const withoutHelm = runCheckProcess(["--stack-file", stack, "--policy-config-dir", packs], {
            name: "valuesguardtgz",
            env: noHelm,
        });
        assert.strictEqual(withoutHelm.code, 1, withoutHelm.stderr + withoutHelm.stdout);
        assert.deepStrictEqual(withoutHelm.report.violations, expected);

        const run = runCheckProcess(
            ["--stack-file", stack, "--policy-config-dir", packs, "--helm", helm],
            { name: "valuesguardtgz" },
        );
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        assert.deepStrictEqual(run.report.violations, expected);
        const entry = run.report.charts.find(
            (c: { name: string }) => c.name === "platform-gatekeeper-chart",
        );
        assert.strictEqual(entry.analyzed, false);
        assert.match(
            entry.reason,
            /^helm template failed with values the chart does not know \(see the chart-values-known-keys violations\): Error: values don.t meet the specifications of the schema\(s\) in the following chart\(s\): restricted-app: .*disabledBuiltins/,
        );
    });
});
