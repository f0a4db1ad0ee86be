import * as assert from "node:assert/strict";
import { chartsNoHelmRelease as policy } from "../../../policypacks/platform-guardrails/policies/charts-no-helm-release";
import { chart, release, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

describe("policy charts-no-helm-release", () => {
    it("passes a helm.v4.Chart", async () => {
        assert.deepEqual(await runResourcePolicy(policy, { type: T.chart, props: chart() }), []);
    });

    it("reports a helm.v3.Release that is not listed", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.release,
                name: "legacy-app",
                props: release(),
            }),
            [
                `Release "legacy-app" is a helm.v3.Release, whose rendered objects no policy can ` +
                    `see. Use kubernetes.helm.v4.Chart instead, or add "legacy-app" to ` +
                    `charts-no-helm-release.allowedReleases if Helm's release lifecycle is required.`,
            ],
        );
    });

    it("passes a listed Release", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.release,
                name: "legacy-app",
                props: release(),
                config: { allowedReleases: ["legacy-app"] },
            }),
            [],
        );
    });
});
