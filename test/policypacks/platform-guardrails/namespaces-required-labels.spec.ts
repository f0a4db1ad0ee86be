import * as assert from "node:assert/strict";
import { ownerLabel, requiredNamespaceLabels } from "../../../contract/labels";
import { namespacesRequiredLabels as policy } from "../../../policypacks/platform-guardrails/policies/namespaces-required-labels";
import { runResourcePolicy } from "../../util/policy-harness";

const NAMESPACE = "kubernetes:core/v1:Namespace";

function ns(name: string, labels?: Record<string, string>): Record<string, unknown> {
    return { metadata: { name, ...(labels !== undefined ? { labels } : {}) } };
}

describe("platform-guardrails/namespaces-required-labels", () => {
    it("is mandatory and requires the contract's owner label by default", () => {
        assert.equal(policy.enforcementLevel, "mandatory");
        assert.deepEqual(requiredNamespaceLabels, [ownerLabel]);
    });

    it("passes a namespace carrying the owner label", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: NAMESPACE,
                props: ns("inference", { [ownerLabel]: "team-inference" }),
            }),
            [],
        );
    });

    it("names the namespace and each missing or empty key", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: NAMESPACE,
                props: ns("inference", { owner: "team-inference", [ownerLabel]: "" }),
            }),
            [
                `Namespace "inference" lacks the required label "${ownerLabel}" in metadata.labels; ` +
                    "the namespace-labels admission constraint would refuse it. Set each to the " +
                    "owning team (tenants: tenants[].owner).",
            ],
        );
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: NAMESPACE,
                props: ns("scratch"),
                config: { requiredLabels: [ownerLabel, "cost-center"] },
            }),
            [
                `Namespace "scratch" lacks the required labels "${ownerLabel}", "cost-center" in ` +
                    "metadata.labels; the namespace-labels admission constraint would refuse it. " +
                    "Set each to the owning team (tenants: tenants[].owner).",
            ],
        );
    });

    it("skips the exempt namespaces and other kinds", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: NAMESPACE, props: ns("kube-system") }),
            [],
        );
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: "kubernetes:core/v1:ConfigMap",
                props: ns("x"),
            }),
            [],
        );
    });
});
