import * as assert from "node:assert/strict";
import { workloadsNoPodSpecPatches as policy } from "../../../policypacks/workload-security/policies/workloads-no-pod-spec-patches";
import { podBearingTypes, podTemplateOf } from "../../../policypacks/lib/workloads";
import { runResourcePolicy } from "../../util/policy-harness";

function fix(key: string): string {
    return (
        `Declare the workload in the stack instead, or add "${key}" to ` +
        `workloads-no-pod-spec-patches.allowedPatches if it is a reviewed patch.`
    );
}

/** A patch of `kube-system/coredns` of the given pod-bearing type setting `podSpec`. */
function patch(type: string, podSpec: Record<string, unknown>): Record<string, unknown> {
    const template = podTemplateOf(type, {});
    assert.ok(template !== undefined);
    const props: Record<string, unknown> = {
        metadata: { name: "coredns", namespace: "kube-system" },
    };
    const path = template.path.split(".");
    let node = props;
    for (const key of path.slice(0, -1)) {
        node = (node[key] ??= {}) as Record<string, unknown>;
    }
    node[path[path.length - 1]] = podSpec;
    return props;
}

describe("policy workloads-no-pod-spec-patches", () => {
    for (const type of podBearingTypes) {
        const kind = type.split(":").pop() ?? "";
        it(`reports a ${kind}Patch that sets pod spec fields`, async () => {
            const path = podTemplateOf(type, {})?.path;
            const props = patch(type, {
                containers: [
                    {
                        name: "coredns",
                        image: "evil.example/x:1",
                        securityContext: { privileged: true },
                    },
                ],
                hostNetwork: true,
            });
            assert.deepEqual(await runResourcePolicy(policy, { type: `${type}Patch`, props }), [
                `${kind}Patch "kube-system/coredns" patches the pod spec of an object the stack ` +
                    `does not declare (${path} sets containers, hostNetwork): the packs judge only ` +
                    `pod specs they see whole, so its images, privileges and volumes would go ` +
                    `unjudged. ${fix("kube-system/coredns")}`,
            ]);
        });
    }

    it("passes a patch of other fields (replicas, pod template annotations)", async () => {
        const props = {
            metadata: { name: "coredns", namespace: "kube-system" },
            spec: {
                replicas: 3,
                template: {
                    metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "now" } },
                },
            },
        };
        assert.deepEqual(
            await runResourcePolicy(policy, { type: "kubernetes:apps/v1:DeploymentPatch", props }),
            [],
        );
        const empty = { metadata: { name: "coredns" }, spec: { template: { spec: {} } } };
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: "kubernetes:apps/v1:DeploymentPatch",
                props: empty,
            }),
            [],
        );
    });

    it("passes a listed patch, and patches of kinds without pods", async () => {
        const type = "kubernetes:apps/v1:Deployment";
        const props = patch(type, { containers: [{ name: "coredns", image: "x" }] });
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: `${type}Patch`,
                props,
                config: { allowedPatches: ["kube-system/coredns"] },
            }),
            [],
        );
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: "kubernetes:core/v1:ServiceAccountPatch",
                props: { metadata: { name: "default" }, automountServiceAccountToken: false },
            }),
            [],
        );
        // The whole kinds are the other policies' to judge.
        assert.deepEqual(await runResourcePolicy(policy, { type, props }), []);
    });
});
