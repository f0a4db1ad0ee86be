import * as assert from "node:assert/strict";
import { chartsExactVersion as policy } from "../../../policypacks/platform-guardrails/policies/charts-exact-version";
import { chartSource, release, T } from "../../fixtures/platform/guardrails";

const OBJ = 'Chart "gatekeeper-chart" (ChartSource "gatekeeper-chart-source")';
const name = "gatekeeper-chart-source";
import { runResourcePolicy } from "../../util/policy-harness";

describe("policy charts-exact-version", () => {
    it("passes a Chart pinned to an exact version", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: T.chartSource, name, props: chartSource() }),
            [],
        );
    });

    it("passes an exact pre-release version with a v prefix", async () => {
        const props = chartSource();
        props.version = "v1.18.0-rc.1";
        assert.deepEqual(await runResourcePolicy(policy, { type: T.chartSource, props }), []);
    });

    it("reports a Chart without a version", async () => {
        const props = chartSource();
        delete props.version;
        assert.deepEqual(await runResourcePolicy(policy, { type: T.chartSource, name, props }), [
            `${OBJ} sets no version, so Helm installs the newest chart at each ` +
                `run: set version to an exact release such as "1.2.3".`,
        ]);
    });

    for (const version of ["^3.20.0", "~3.20", ">=3.0.0", "3.20.x", "3.20", "latest"]) {
        it(`reports the non-exact version ${version}`, async () => {
            const props = chartSource();
            props.version = version;
            assert.deepEqual(
                await runResourcePolicy(policy, { type: T.chartSource, name, props }),
                [
                    `${OBJ} does not pin an exact version: version is ` +
                        `${JSON.stringify(version)}; set it to an exact release such as "1.2.3" ` +
                        `(no ranges, wildcards or "latest").`,
                ],
            );
        });
    }

    it("passes a local chart archive without a version (the archive carries it)", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.chartSource,
                props: { chart: "./vendor/charts/gatekeeper-3.20.1.tgz" },
            }),
            [],
        );
    });

    it("reports a range even on a local chart", async () => {
        const messages = await runResourcePolicy(policy, {
            type: T.chartSource,
            props: { chart: "./vendor/gatekeeper", version: "^3" },
        });
        assert.equal(messages.length, 1);
    });

    it("judges a helm.v3.Release on its own inputs", async () => {
        const props = release();
        props.version = "1.x";
        assert.deepEqual(
            await runResourcePolicy(policy, { type: T.release, name: "legacy-app", props }),
            [
                `Release "legacy-app" does not pin an exact version: version is "1.x"; set it to ` +
                    `an exact release such as "1.2.3" (no ranges, wildcards or "latest").`,
            ],
        );
    });

    it("does not judge a Chart v4, which the engine shows without inputs (its ChartSource is judged)", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: T.chart, name: "gatekeeper-chart", props: {} }),
            [],
        );
    });

    it("ignores other types", async () => {
        const props = chartSource();
        delete props.version;
        assert.deepEqual(await runResourcePolicy(policy, { type: T.namespace, props }), []);
    });
});
