import * as assert from "node:assert/strict";
import { servicesRestrictExposure as policy } from "../../../policypacks/platform-guardrails/policies/services-restrict-exposure";
import { service, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

describe("policy services-restrict-exposure", () => {
    it("passes a ClusterIP Service", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: T.service, props: service() }),
            [],
        );
    });

    it("passes a Service without a type (ClusterIP by default)", async () => {
        const props = service();
        delete props.spec.type;
        assert.deepEqual(await runResourcePolicy(policy, { type: T.service, props }), []);
    });

    for (const type of ["NodePort", "LoadBalancer"]) {
        it(`reports a ${type} Service that is not on the allow list`, async () => {
            const props = service();
            props.spec.type = type;
            assert.deepEqual(await runResourcePolicy(policy, { type: T.service, props }), [
                `Service "tenant-a/web" is exposed outside the cluster: spec.type is "${type}". ` +
                    `Use type ClusterIP behind the ingress gateway, or add "tenant-a/web" to ` +
                    `services-restrict-exposure.allowedServices.`,
            ]);
        });
    }

    it("passes a LoadBalancer Service on the allow list", async () => {
        const props = service();
        props.spec.type = "LoadBalancer";
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.service,
                props,
                config: { allowedServices: ["tenant-a/web"] },
            }),
            [],
        );
    });

    it("matches the allow list on namespace and name, not name alone", async () => {
        const props = service();
        props.spec.type = "NodePort";
        const messages = await runResourcePolicy(policy, {
            type: T.service,
            props,
            config: { allowedServices: ["web", "tenant-b/web"] },
        });
        assert.equal(messages.length, 1);
    });
});
