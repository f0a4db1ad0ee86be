import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedChart } from "../../../components/shared/chart-source";
import { chartsDeclaredSources as policy } from "../../../policypacks/platform-guardrails/policies/charts-declared-sources";
import { installMocks, named, recorded, resetRecorded, settled } from "../../util/mocks";
import { runStackPolicy, toPolicyResources } from "../../util/recorded-stack";

/** A component standing in for one of the platform's Helm-based components. */
class Holder extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Holder", name, {});
    }
}

const gatekeeper: ResolvedChart = {
    name: "gatekeeper",
    version: "3.20.1",
    origin: "upstream",
    location: "https://open-policy-agent.github.io/gatekeeper/charts",
    args: {
        chart: "gatekeeper",
        version: "3.20.1",
        repositoryOpts: { repo: "https://open-policy-agent.github.io/gatekeeper/charts" },
    },
};

const fix =
    "declare the Chart with chartRelease (components/shared/chart-release.ts), which registers a " +
    "sovereign:charts:ChartSource with the Chart's chart, version, repository and values and " +
    "chartUrn set to the Chart's URN";

describe("policy charts-declared-sources", () => {
    let chartRelease: typeof import("../../../components/shared/chart-release").chartRelease;
    let ChartSource: typeof import("../../../components/shared/chart-release").ChartSource;
    before(async () => {
        installMocks();
        ({ chartRelease, ChartSource } = await import("../../../components/shared/chart-release"));
    });
    beforeEach(resetRecorded);

    const run = async (resources = recorded) =>
        runStackPolicy(policy, toPolicyResources(resources));

    it("is a mandatory stack policy", () => {
        assert.strictEqual(policy.enforcementLevel, "mandatory");
    });

    it("passes a Chart declared with chartRelease, whose ChartSource carries its facts", async () => {
        const holder = new Holder("gatekeeper");
        chartRelease(
            "gatekeeper-chart",
            gatekeeper,
            {
                name: "gatekeeper",
                namespace: "gatekeeper-system",
                values: { replicas: 3, token: pulumi.secret("s3cret") },
            },
            { parent: holder },
        );
        await settled();
        const chart = named("gatekeeper-chart");
        const source = named("gatekeeper-chart-source");
        assert.strictEqual(chart.type, "kubernetes:helm.sh/v4:Chart");
        assert.strictEqual(source.type, "sovereign:charts:ChartSource");
        // A sibling of the Chart (same parent), registered after it, with the Chart's URN.
        assert.strictEqual(source.parent, chart.parent);
        assert.strictEqual(source.parent, named("gatekeeper").urn);
        assert.deepStrictEqual(source.dependencies, [chart.urn]);
        assert.deepStrictEqual(source.inputs, {
            chartName: "gatekeeper",
            chart: "gatekeeper",
            version: "3.20.1",
            repositoryOpts: { repo: "https://open-policy-agent.github.io/gatekeeper/charts" },
            origin: "upstream",
            location: "https://open-policy-agent.github.io/gatekeeper/charts",
            releaseName: "gatekeeper",
            namespace: "gatekeeper-system",
            values: { replicas: 3, token: "s3cret" },
            chartUrn: chart.urn,
        });
        assert.deepStrictEqual(await run(), []);
    });

    it("keeps credentials out of the ChartSource and secrets in its values secret", async () => {
        const holder = new Holder("kyverno");
        const mirror: ResolvedChart = {
            name: "kyverno",
            version: "3.5.1",
            origin: "mirror",
            location: "https://harbor.example/charts",
            args: {
                chart: "kyverno",
                version: "3.5.1",
                repositoryOpts: {
                    repo: "https://harbor.example/charts",
                    username: "robot",
                    password: pulumi.secret("pw"),
                },
            },
        };
        const chart = chartRelease(
            "kyverno-chart",
            mirror,
            { values: { key: pulumi.secret("k") } },
            { parent: holder },
        );
        await settled();
        const inputs = named("kyverno-chart-source").inputs;
        assert.deepStrictEqual(inputs.repositoryOpts, { repo: "https://harbor.example/charts" });
        assert.ok(!JSON.stringify(inputs).includes("robot"));
        assert.ok(!JSON.stringify(inputs).includes('"pw"'));
        assert.ok(chart instanceof k8s.helm.v4.Chart);
    });

    it("refuses a Chart that no ChartSource names (fail closed)", async () => {
        const holder = new Holder("vendor");
        new k8s.helm.v4.Chart(
            "vendor-chart",
            { chart: "vendor", version: "1.0.0" },
            { parent: holder },
        );
        await settled();
        assert.deepStrictEqual(await run(), [
            `Chart "vendor-chart" has no ChartSource naming it: the engine shows policies a ` +
                `Chart v4 without its inputs, so its chart, version, repository and values ` +
                `cannot be judged; ${fix}.`,
        ]);
    });

    it("refuses a ChartSource naming no Chart of the stack, or none at all", async () => {
        new ChartSource("stale-source", {
            chartName: "old",
            chart: "old",
            version: "1.0.0",
            origin: "upstream",
            location: "https://charts.example.org",
            chartUrn: "urn:pulumi:test::sovereign-contour::kubernetes:helm.sh/v4:Chart::old",
        });
        await settled();
        const orphan = { ...named("stale-source"), name: "blank-source", urn: "urn:blank" };
        const blank = { ...orphan, inputs: { ...orphan.inputs, chartUrn: "" } };
        assert.deepStrictEqual(await run([...recorded, blank]), [
            `ChartSource "stale-source" names no Chart: chartUrn is ` +
                `"urn:pulumi:test::sovereign-contour::kubernetes:helm.sh/v4:Chart::old", which is ` +
                `not the URN of a kubernetes:helm.sh/v4:Chart of this stack. Remove it, or ${fix}.`,
            `ChartSource "blank-source" names no Chart: it sets no chartUrn. Remove it, or ${fix}.`,
        ]);
    });

    it("refuses a Chart that two ChartSources name", async () => {
        const holder = new Holder("gatekeeper");
        chartRelease("gatekeeper-chart", gatekeeper, {}, { parent: holder });
        await settled();
        const source = named("gatekeeper-chart-source");
        const second = { ...source, name: "second-source", urn: `${source.urn}-2` };
        assert.deepStrictEqual(await run([...recorded, second]), [
            `Chart "gatekeeper-chart" is named by 2 ChartSources ("gatekeeper-chart-source", ` +
                `"second-source"), so its facts are ambiguous: keep one ChartSource per Chart ` +
                `(chartRelease declares exactly one).`,
        ]);
    });
});
