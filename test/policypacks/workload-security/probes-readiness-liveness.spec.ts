import * as assert from "node:assert/strict";
import { probesReadinessLiveness as policy } from "../../../policypacks/workload-security/policies/probes-readiness-liveness";
import { podBearingTypes } from "../../../policypacks/lib/workloads";
import { compliantDeployment, compliantWorkload } from "../../fixtures/workloads/compliant";
import { runResourcePolicy } from "../../util/policy-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const C = "spec.template.spec.containers[0]";
const FIX = "Define them so that traffic and restarts follow each container's health.";

describe("policy probes-readiness-liveness", () => {
    it("is advisory", () => {
        assert.equal(policy.enforcementLevel, "advisory");
    });

    for (const type of podBearingTypes) {
        it(`passes a compliant ${type.split(":").slice(1).join(":")}`, async () => {
            assert.deepEqual(
                await runResourcePolicy(policy, { type, props: compliantWorkload(type) }),
                [],
            );
        });
    }

    for (const probe of ["readinessProbe", "livenessProbe"]) {
        it(`reports a missing ${probe}`, async () => {
            const props = compliantDeployment();
            delete props.spec.template.spec.containers[0][probe];
            assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
                `Deployment "tenant-a/web" has containers without health probes: "app" (${C}) ` +
                    `has no ${probe}. ${FIX}`,
            ]);
        });
    }

    it("skips Jobs and CronJobs, which run to completion", async () => {
        for (const type of ["kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"]) {
            const props = compliantWorkload(type);
            const template = type.endsWith("CronJob")
                ? props.spec.jobTemplate.spec.template
                : props.spec.template;
            delete template.spec.containers[0].readinessProbe;
            assert.deepEqual(await runResourcePolicy(policy, { type, props }), [], type);
        }
    });

    it("requires a startupProbe when configured", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: DEPLOYMENT,
                props: compliantDeployment(),
                config: { requiredProbes: ["startupProbe"] },
            }),
            [
                `Deployment "tenant-a/web" has containers without health probes: "app" (${C}) ` +
                    `has no startupProbe. ${FIX}`,
            ],
        );
    });
});
