import * as assert from "node:assert/strict";
import { resourcesRequestsLimits as policy } from "../../../policypacks/workload-security/policies/resources-requests-limits";
import { podBearingTypes } from "../../../policypacks/lib/workloads";
import { compliantDeployment, compliantWorkload } from "../../fixtures/workloads/compliant";
import { runResourcePolicy } from "../../util/policy-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const C = "spec.template.spec.containers[0]";
const OBJ = 'Deployment "tenant-a/web" has containers without resource requests or limits';
const FIX = "Set them on each container.";

describe("policy resources-requests-limits", () => {
    it("is mandatory", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
    });

    for (const type of podBearingTypes) {
        it(`passes a compliant ${type.split(":").slice(1).join(":")}`, async () => {
            assert.deepEqual(
                await runResourcePolicy(policy, { type, props: compliantWorkload(type) }),
                [],
            );
        });
    }

    for (const [section, resource] of [
        ["requests", "cpu"],
        ["requests", "memory"],
        ["limits", "cpu"],
        ["limits", "memory"],
    ] as const) {
        it(`reports a missing resources.${section}.${resource}`, async () => {
            const props = compliantDeployment();
            delete props.spec.template.spec.containers[0].resources[section][resource];
            assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
                `${OBJ}: "app" (${C}) lacks resources.${section}.${resource}. ${FIX}`,
            ]);
        });
    }

    it("reports an init container without any resources, listing every missing field", async () => {
        const props = compliantDeployment();
        delete props.spec.template.spec.initContainers[0].resources;
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
            `${OBJ}: "migrate" (spec.template.spec.initContainers[0]) lacks ` +
                `resources.requests.cpu, resources.requests.memory, resources.limits.cpu, ` +
                `resources.limits.memory. ${FIX}`,
        ]);
    });

    it("treats an empty quantity as missing", async () => {
        const props = compliantDeployment();
        props.spec.template.spec.containers[0].resources.limits.memory = "";
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
            `${OBJ}: "app" (${C}) lacks resources.limits.memory. ${FIX}`,
        ]);
    });

    it("skips ephemeral containers, which the API allows no resources", async () => {
        const type = "kubernetes:core/v1:Pod";
        const props = compliantWorkload(type);
        props.spec.ephemeralContainers = [{ name: "debug", image: "x:1" }];
        assert.deepEqual(await runResourcePolicy(policy, { type, props }), []);
    });

    it("requires only the configured resources", async () => {
        const props = compliantDeployment();
        delete props.spec.template.spec.containers[0].resources.limits.cpu;
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: DEPLOYMENT,
                props,
                config: { requiredLimits: ["memory"] },
            }),
            [],
        );
    });
});
