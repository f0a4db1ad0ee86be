/**
 * Every key the components set in a chart's Helm values is known to the chart they pin (issue 16):
 * it exists in the chart's default values or its values.schema.json allows it, judged by the
 * values guard (tools/check/values-guard.ts) against the pinned releases' data in
 * `../shared/upstream/<chart>-<version>/`. The platform is built for the dev, prod and airgap
 * stacks under mocks, and each Chart's `values` input is checked. An unknown key is at best ignored
 * by Helm (a security setting that does nothing) and at worst breaks the install; the planted cases
 * are the two found by rendering the real charts.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { certManagerChart } from "../../components/cert-manager/defaults";
import { falcoChart, falcosidekickChart } from "../../components/falco/defaults";
import { gatekeeperChart } from "../../components/gatekeeper/defaults";
import { kyvernoChart } from "../../components/kyverno/defaults";
import { linkerdCharts } from "../../components/linkerd/defaults";
import type { PinnedChart } from "../../components/shared/chart-source";
import { loadSettings } from "../../stacks";
import { readStackConfig } from "../../tools/check/stack-config";
import {
    ChartValuesSpec,
    documentedKeysFor,
    parseHelmYaml,
    unknownValueKeys,
    ValueKeyFinding,
} from "../../tools/check/values-guard";
import {
    installMocks,
    installProviderStandIns,
    ofType,
    RecordedResource,
    resetRecorded,
    settled,
} from "../util/mocks";
import { committedStacks } from "../util/stacks";

const root = path.resolve(__dirname, "..", "..");
/** The upstream data beside the repository (in CI too). */
const upstream = path.join(path.resolve(root, "..", "shared"), "upstream");
const chartType = "kubernetes:helm.sh/v4:Chart";
/** Every stack file of the project (a new environment is checked without editing this). */
const stacks = committedStacks();
type Stack = string;

/** Every chart a component pins. */
const pinnedCharts: readonly PinnedChart[] = [
    gatekeeperChart,
    kyvernoChart,
    certManagerChart,
    falcoChart,
    falcosidekickChart,
    linkerdCharts.crds,
    linkerdCharts.controlPlane,
    linkerdCharts.cni,
];

/**
 * The folder of a pinned chart's data: `<name>-<version>`, or for a Linkerd edge chart
 * (`2026.8.3`) the tag it is released from, `<name>-edge-26.8.3`.
 */
function upstreamFolder(chart: PinnedChart): string {
    const candidates = [`${chart.name}-${chart.version}`];
    const edge = /^20(\d\d)\.(\d+)\.(\d+)$/.exec(chart.version);
    if (edge !== null) {
        candidates.push(`${chart.name}-edge-${edge[1]}.${edge[2]}.${edge[3]}`);
    }
    const found = candidates.find((c) => fs.existsSync(path.join(upstream, c, "values.yaml")));
    if (found === undefined) {
        throw new Error(
            `chart ${chart.name} ${chart.version}: no upstream data; expected values.yaml in ` +
                `${candidates.map((c) => path.join(upstream, c)).join(" or ")}`,
        );
    }
    return path.join(upstream, found);
}

/** The guard's spec of a pinned chart from its upstream values.yaml and values.schema.json. */
function specOf(chart: PinnedChart): ChartValuesSpec {
    const dir = upstreamFolder(chart);
    const valuesFile = path.join(dir, "values.yaml");
    const schemaFile = path.join(dir, "values.schema.json");
    return {
        defaults: parseHelmYaml(fs.readFileSync(valuesFile, "utf8"), valuesFile),
        ...(fs.existsSync(schemaFile)
            ? { schema: JSON.parse(fs.readFileSync(schemaFile, "utf8")) as unknown }
            : {}),
        documented: documentedKeysFor(chart.name, chart.version),
    };
}

/** The chart name a Chart resource installs: the last segment of `chart` (an OCI reference too). */
function chartNameOf(chart: RecordedResource): string {
    return String(chart.inputs.chart ?? "")
        .split("/")
        .pop() as string;
}

/** `key (kind): reason`, one line per finding. */
function lines(findings: readonly ValueKeyFinding[]): string[] {
    return findings.map((f) => `${f.key} (${f.kind}): ${f.reason}`);
}

/** Sets `value` at a dotted path, creating maps on the way (on a copy). */
function withValue(values: unknown, dotted: string, value: unknown): Record<string, unknown> {
    const out = structuredClone(values) as Record<string, unknown>;
    let cur = out;
    const segs = dotted.split(".");
    for (const seg of segs.slice(0, -1)) {
        const next = cur[seg];
        cur[seg] = typeof next === "object" && next !== null && !Array.isArray(next) ? next : {};
        cur = cur[seg] as Record<string, unknown>;
    }
    cur[segs[segs.length - 1]] = value;
    return out;
}

describe("chart values: every key the components set is known to the pinned chart", function () {
    this.timeout(120_000);
    const charts = {} as Record<Stack, RecordedResource[]>;

    before(async () => {
        installMocks();
        installProviderStandIns();
        const mod = await import("../../components/platform");
        for (const stack of stacks) {
            resetRecorded();
            const { settings } = loadSettings(readStackConfig(root, stack).values);
            new mod.Platform("platform", { settings });
            await settled();
            charts[stack] = ofType(chartType);
        }
    });

    /** The one Chart of `stack` that installs `pinned`, at the pinned version. */
    function chartOf(stack: Stack, pinned: PinnedChart): RecordedResource {
        const found = charts[stack].filter((c) => chartNameOf(c) === pinned.name);
        assert.strictEqual(found.length, 1, `${stack}: Charts installing ${pinned.name}`);
        assert.strictEqual(found[0].inputs.version, pinned.version, `${stack}: ${pinned.name}`);
        return found[0];
    }

    it("has the upstream values of every pinned chart (../shared/upstream)", () => {
        for (const chart of pinnedCharts) {
            const spec = specOf(chart);
            assert.ok(
                typeof spec.defaults === "object" && spec.defaults !== null,
                `${chart.name}: values.yaml is not a map`,
            );
        }
        // Only cert-manager ships a schema among the pinned charts.
        assert.deepStrictEqual(
            pinnedCharts.filter((c) => specOf(c).schema !== undefined).map((c) => c.name),
            ["cert-manager"],
        );
    });

    it("deploys only pinned charts, in every stack", () => {
        for (const stack of stacks) {
            assert.deepStrictEqual(
                charts[stack].map(chartNameOf).sort(),
                pinnedCharts.map((c) => c.name).sort(),
                stack,
            );
        }
    });

    for (const stack of stacks) {
        for (const pinned of pinnedCharts) {
            it(`${stack}: sets no key that ${pinned.name} ${pinned.version} does not know`, () => {
                const chart = chartOf(stack, pinned);
                assert.deepStrictEqual(
                    lines(unknownValueKeys(specOf(pinned), chart.inputs.values ?? {})),
                    [],
                    `${stack}: the values of ${chart.name} set keys chart ${pinned.name} ` +
                        `${pinned.version} does not know; remove them or use the chart's keys`,
                );
            });
        }
    }

    describe("planted keys the real charts refused", () => {
        it("reports cert-manager's prometheus.servicemonitor.targetPort (its values.schema.json refuses it)", () => {
            const values = withValue(
                chartOf("prod", certManagerChart).inputs.values,
                "prometheus.servicemonitor.targetPort",
                9402,
            );
            const findings = unknownValueKeys(specOf(certManagerChart), values);
            assert.deepStrictEqual(
                findings.map((f) => [f.key, f.kind, f.effect, f.reason]),
                [
                    [
                        "prometheus.servicemonitor.targetPort",
                        "unknown",
                        "refused",
                        "values.schema.json allows no such key under `prometheus.servicemonitor`",
                    ],
                ],
            );
        });

        it("reports Falco 9.1.0's removed falco.grpc and falco.grpc_output, even disabled", () => {
            let values = withValue(chartOf("prod", falcoChart).inputs.values, "falco.grpc", {
                enabled: false,
            });
            values = withValue(values, "falco.grpc_output", { enabled: false });
            assert.deepStrictEqual(
                unknownValueKeys(specOf(falcoChart), values).map((f) => [f.key, f.kind, f.reason]),
                [
                    ["falco.grpc", "unknown", "not in the chart's values.yaml under `falco`"],
                    [
                        "falco.grpc_output",
                        "unknown",
                        "not in the chart's values.yaml under `falco`",
                    ],
                ],
            );
        });

        it("reports a misspelt field of a Kubernetes object Gatekeeper passes through (audit.resources)", () => {
            const values = withValue(
                chartOf("dev", gatekeeperChart).inputs.values,
                "audit.resources.limit",
                { cpu: "1" },
            );
            const findings = unknownValueKeys(specOf(gatekeeperChart), values);
            assert.deepStrictEqual(
                findings.map((f) => [f.key, f.suggestion]),
                [["audit.resources.limit", "audit.resources.limits"]],
            );
        });

        it("accepts Linkerd's comment-only resource keys only through the documented table", () => {
            const pinned = linkerdCharts.controlPlane;
            const values = chartOf("prod", pinned).inputs.values as Record<string, unknown>;
            const documented = documentedKeysFor(pinned.name, pinned.version).map((d) => d.path);
            // Each documented key is a comment in values.yaml, never a default.
            const text = fs.readFileSync(path.join(upstreamFolder(pinned), "values.yaml"), "utf8");
            for (const key of documented) {
                assert.match(text, new RegExp(`^#${key}:$`, "m"), key);
                assert.ok(!(key in (specOf(pinned).defaults as Record<string, unknown>)), key);
            }
            const without = unknownValueKeys({ ...specOf(pinned), documented: [] }, values);
            const set = documented.filter((k) => k in values).sort();
            assert.ok(set.length > 0, "the control plane sets documented resource keys");
            assert.deepStrictEqual(
                without.map((f) => f.key).filter((k) => documented.includes(k)),
                set,
            );
            // With the table, a documented key takes proxy.resources' shape: a Kubernetes-style
            // `limits` under it is unknown.
            const wrong = withValue(values, "destinationResources.limits", { cpu: "1" });
            assert.ok(
                unknownValueKeys(specOf(pinned), wrong).some(
                    (f) => f.key === "destinationResources.limits",
                ),
            );
        });
    });
});
