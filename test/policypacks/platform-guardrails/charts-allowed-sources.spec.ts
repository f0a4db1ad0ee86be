import * as assert from "node:assert/strict";
import { chartsAllowedSources as policy } from "../../../policypacks/platform-guardrails/policies/charts-allowed-sources";
import { chartSource, gatekeeperChartUrn, release, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

const UPSTREAM = "https://open-policy-agent.github.io/gatekeeper/charts";
const MIRROR = "oci://harbor.sovereign.example/charts";
const config = { allowedSources: [UPSTREAM, MIRROR] };
const OBJ = 'Chart "gatekeeper-chart" (ChartSource "gatekeeper-chart-source")';
const FIX =
    "Use the upstream repository the component pins or the stack's chart mirror, or add the " +
    "repository to charts-allowed-sources.allowedSources.";

async function run(
    props: Record<string, unknown>,
    given: Record<string, unknown> = config,
): Promise<string[]> {
    return runResourcePolicy(policy, {
        type: T.chartSource,
        name: "gatekeeper-chart-source",
        props: { chartUrn: gatekeeperChartUrn, ...props },
        config: given,
    });
}

describe("policy charts-allowed-sources", () => {
    it("passes a Chart from an allowed upstream repository", async () => {
        assert.deepEqual(await run(chartSource()), []);
    });

    it("passes a Chart from the OCI mirror, and ignores a trailing slash", async () => {
        const props = { chart: `${MIRROR}/gatekeeper`, version: "3.20.1" };
        assert.deepEqual(await run(props), []);
        assert.deepEqual(await run(props, { allowedSources: [`${MIRROR}/`] }), []);
    });

    it("reports a repository that is not on the allow list", async () => {
        const props = chartSource();
        props.repositoryOpts = { repo: "https://charts.example.org" };
        assert.deepEqual(await run(props), [
            `${OBJ} takes its chart from https://charts.example.org (repositoryOpts.repo), which ` +
                `is not an allowed source (allowed: ${UPSTREAM}, ${MIRROR}). ${FIX}`,
        ]);
    });

    it("matches on path boundaries: a sibling path of the mirror is not allowed", async () => {
        const props = {
            chart: "oci://harbor.sovereign.example/charts-old/gatekeeper",
            version: "3.20.1",
        };
        assert.deepEqual(await run(props), [
            `${OBJ} takes its chart from oci://harbor.sovereign.example/charts-old/gatekeeper ` +
                `(chart), which is not an allowed source (allowed: ${UPSTREAM}, ${MIRROR}). ${FIX}`,
        ]);
    });

    it("fails closed: an empty allow list admits no remote chart", async () => {
        assert.deepEqual(await run(chartSource(), {}), [
            `${OBJ} takes its chart from ${UPSTREAM} (repositoryOpts.repo), which is not an ` +
                `allowed source (the allow list is empty, so no remote chart is allowed). ${FIX}`,
        ]);
    });

    it("reports a repo/name alias that only resolves against local Helm configuration", async () => {
        assert.deepEqual(await run({ chart: "gatekeeper/gatekeeper", version: "3.20.1" }), [
            `${OBJ} names the chart "gatekeeper/gatekeeper" without a repository, so it ` +
                `resolves against the local Helm configuration: set repositoryOpts.repo or an ` +
                `oci:// chart reference from an allowed source.`,
        ]);
    });

    it("reports a local chart unless the stack allows vendored charts", async () => {
        const props = { chart: "./vendor/charts/gatekeeper-3.20.1.tgz" };
        assert.deepEqual(await run(props), [
            `${OBJ} takes its chart from the local path "./vendor/charts/gatekeeper-3.20.1.tgz" ` +
                `(chart), but local charts are not allowed: use an allowed repository, or set ` +
                `charts-allowed-sources.allowLocalCharts for an air-gapped stack.`,
        ]);
        assert.deepEqual(await run(props, { ...config, allowLocalCharts: true }), []);
    });

    it("reports a Chart that names no chart", async () => {
        assert.deepEqual(await run({ version: "1.0.0" }), [
            `${OBJ} names no chart: set chart (and its repository).`,
        ]);
    });

    it("names the ChartSource alone when it names no Chart", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.chartSource,
                name: "orphan-source",
                props: { chart: "orphan", version: "1.0.0" },
                config,
            }),
            [
                `ChartSource "orphan-source" names the chart "orphan" without a repository, so ` +
                    `it resolves against the local Helm configuration: set repositoryOpts.repo or ` +
                    `an oci:// chart reference from an allowed source.`,
            ],
        );
    });

    it("judges a helm.v3.Release on its own inputs", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.release,
                name: "legacy-app",
                props: release(),
                config,
            }),
            [
                `Release "legacy-app" takes its chart from https://charts.example.org ` +
                    `(repositoryOpts.repo), which is not an allowed source (allowed: ${UPSTREAM}, ` +
                    `${MIRROR}). ${FIX}`,
            ],
        );
    });

    it("does not judge a Chart v4, which the engine shows without inputs (its ChartSource is judged)", async () => {
        for (const props of [{}, { chart: "gatekeeper/gatekeeper" }]) {
            assert.deepEqual(
                await runResourcePolicy(policy, {
                    type: T.chart,
                    name: "gatekeeper-chart",
                    props,
                    config,
                }),
                [],
            );
        }
    });
});
