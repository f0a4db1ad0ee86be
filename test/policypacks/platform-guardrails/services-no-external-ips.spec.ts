import * as assert from "node:assert/strict";
import { servicesNoExternalIps as policy } from "../../../policypacks/platform-guardrails/policies/services-no-external-ips";
import { service, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

describe("policy services-no-external-ips", () => {
    it("passes a Service without externalIPs", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: T.service, props: service() }),
            [],
        );
    });

    it("passes an empty externalIPs list", async () => {
        const props = service();
        props.spec.externalIPs = [];
        assert.deepEqual(await runResourcePolicy(policy, { type: T.service, props }), []);
    });

    it("reports externalIPs, listing every address", async () => {
        const props = service();
        props.spec.externalIPs = ["203.0.113.10", "203.0.113.11"];
        assert.deepEqual(await runResourcePolicy(policy, { type: T.service, props }), [
            `Service "tenant-a/web" sets spec.externalIPs (203.0.113.10, 203.0.113.11). Remove ` +
                `spec.externalIPs and expose the service through the ingress gateway.`,
        ]);
    });
});
