import * as assert from "node:assert/strict";
import { networkDefaultDeny as policy } from "../../../policypacks/platform-guardrails/policies/network-default-deny";
import { defaultDeny, namespace, T } from "../../fixtures/platform/guardrails";
import { compliantWorkload } from "../../fixtures/workloads/compliant";
import {
    runStackPolicy as runOnResources,
    StackResourceInput,
    urnOf,
} from "../../util/policy-rpc-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

/** The platform component: the policy applies to stacks built from the contour's components. */
const platform: StackResourceInput = {
    type: "sovereign:platform:Platform",
    name: "platform",
    props: {},
};

/** Runs the policy on the given resources inside a platform stack. */
function runStackPolicy(
    p: typeof policy,
    resources: StackResourceInput[],
    config?: Record<string, unknown>,
): ReturnType<typeof runOnResources> {
    return runOnResources(p, [platform, ...resources], config);
}

/** A compliant stack: namespace tenant-a, a Deployment in it, a default-deny for both directions. */
function stack(): StackResourceInput[] {
    return [
        { type: T.namespace, name: "tenant-a", props: namespace() },
        { type: DEPLOYMENT, name: "web", props: compliantWorkload(DEPLOYMENT) },
        { type: T.networkPolicy, name: "deny", props: defaultDeny() },
    ];
}

function message(missing: string[]): string {
    const lower = missing.map((d) => d.toLowerCase());
    return (
        `Namespace "tenant-a" runs workloads (Deployment "tenant-a/web") but has no default-deny ` +
        `${lower.join(" and ")} NetworkPolicy. Add a NetworkPolicy in "tenant-a" with ` +
        `podSelector: {}, policyTypes [${missing.join(", ")}] and no ${lower.join(" or ")} ` +
        `rules, then allow the traffic the workloads need with further policies.`
    );
}

describe("policy network-default-deny", () => {
    it("is not applicable to manifests that are not a platform stack", async () => {
        await assert.rejects(runOnResources(policy, stack().slice(0, 2)), {
            message:
                "not applicable: the stack is not built from the contour's components (no sovereign:* resource)",
        });
    });

    it("passes a namespace with one default-deny policy for both directions", async () => {
        assert.deepEqual(await runStackPolicy(policy, stack()), []);
    });

    it("passes one default-deny policy per direction, beside allow policies", async () => {
        const resources = stack().slice(0, 2);
        const ingress = defaultDeny();
        ingress.spec.policyTypes = ["Ingress"];
        const egress = defaultDeny();
        egress.spec = { podSelector: {}, policyTypes: ["Egress"], egress: [] };
        const dns = defaultDeny();
        dns.spec = {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ ports: [{ port: 53 }] }],
        };
        resources.push(
            { type: T.networkPolicy, name: "deny-in", props: ingress },
            { type: T.networkPolicy, name: "deny-out", props: egress },
            { type: T.networkPolicy, name: "dns", props: dns },
        );
        assert.deepEqual(await runStackPolicy(policy, resources), []);
    });

    it("reports a namespace without any NetworkPolicy, on the Namespace resource", async () => {
        assert.deepEqual(await runStackPolicy(policy, stack().slice(0, 2)), [
            { message: message(["Ingress", "Egress"]), urn: urnOf(T.namespace, "tenant-a") },
        ]);
    });

    it("reports on the first workload when the namespace is not in the stack", async () => {
        const reported = await runStackPolicy(policy, stack().slice(1, 2));
        assert.deepEqual(reported, [
            { message: message(["Ingress", "Egress"]), urn: urnOf(DEPLOYMENT, "web") },
        ]);
    });

    it("reports a missing egress deny (policyTypes defaults to Ingress only)", async () => {
        const resources = stack();
        delete resources[2].props.spec.policyTypes;
        assert.deepEqual(
            (await runStackPolicy(policy, resources)).map((r) => r.message),
            [message(["Egress"])],
        );
    });

    it("does not count a policy that selects only some pods", async () => {
        const resources = stack();
        resources[2].props.spec.podSelector = { matchLabels: { app: "web" } };
        assert.deepEqual(
            (await runStackPolicy(policy, resources)).map((r) => r.message),
            [message(["Ingress", "Egress"])],
        );
    });

    it("does not count a policy whose rule allows traffic ([{}] allows everything)", async () => {
        const resources = stack();
        resources[2].props.spec.ingress = [{}];
        assert.deepEqual(
            (await runStackPolicy(policy, resources)).map((r) => r.message),
            [message(["Ingress"])],
        );
    });

    it("does not count a default-deny in another namespace", async () => {
        const resources = stack();
        resources[2].props.metadata.namespace = "tenant-b";
        assert.deepEqual(
            (await runStackPolicy(policy, resources)).map((r) => r.message),
            [message(["Ingress", "Egress"])],
        );
    });

    it("counts a workload without a namespace for default", async () => {
        const pod = compliantWorkload("kubernetes:core/v1:Pod");
        delete pod.metadata.namespace;
        const reported = await runStackPolicy(policy, [
            ...stack(),
            { type: "kubernetes:core/v1:Pod", name: "loose", props: pod },
        ]);
        assert.equal(reported.length, 1);
        assert.match(reported[0].message, /^Namespace "default" runs workloads \(Pod "web"\)/);
    });

    it("passes an exempt namespace", async () => {
        assert.deepEqual(
            await runStackPolicy(policy, stack().slice(0, 2), { exemptNamespaces: ["tenant-a"] }),
            [],
        );
    });

    it("passes a stack without workloads", async () => {
        assert.deepEqual(await runStackPolicy(policy, [stack()[0]]), []);
    });
});
