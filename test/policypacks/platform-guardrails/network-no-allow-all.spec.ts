import * as assert from "node:assert/strict";
import { networkNoAllowAll as policy } from "../../../policypacks/platform-guardrails/policies/network-no-allow-all";
import { KubeObject } from "../../../policypacks/lib/workloads";
import { defaultDeny, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

const FIX =
    "Name the peers (pods by podSelector, namespaces by kubernetes.io/metadata.name, networks by " +
    "an ipBlock of at most /8 or IPv6 /32) and the ports they need, or add " +
    '"tenant-a/allow" to network-no-allow-all.allowedPolicies if it is a reviewed exposure.';

/** A NetworkPolicy `tenant-a/allow` with the given spec. */
function networkPolicy(spec: KubeObject): KubeObject {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "allow", namespace: "tenant-a" },
        spec: { podSelector: {}, ...spec },
    };
}

async function run(spec: KubeObject, config?: Record<string, unknown>): Promise<string[]> {
    return runResourcePolicy(policy, { type: T.networkPolicy, props: networkPolicy(spec), config });
}

function violation(...findings: string[]): string[] {
    return [
        `NetworkPolicy "tenant-a/allow" opens traffic beyond named peers: ${findings.join("; ")}. ${FIX}`,
    ];
}

const dnsPeer = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};

describe("policy network-no-allow-all", () => {
    it("passes the policies the stack renders for a tenant and documented peer forms", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: T.networkPolicy, props: defaultDeny() }),
            [],
        );
        assert.deepEqual(
            await run({
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    { from: [{ podSelector: {} }] },
                    {
                        from: [
                            {
                                namespaceSelector: {
                                    matchLabels: {
                                        "kubernetes.io/metadata.name": "ingress-gateway",
                                    },
                                },
                            },
                            {
                                namespaceSelector: {},
                                podSelector: {
                                    matchLabels: { "app.kubernetes.io/name": "prometheus" },
                                },
                            },
                        ],
                        ports: [{ protocol: "TCP", port: 8080 }],
                    },
                ],
                egress: [
                    { to: [dnsPeer], ports: [{ protocol: "UDP", port: 53 }] },
                    {
                        to: [
                            { ipBlock: { cidr: "10.20.0.0/16", except: ["10.20.5.0/24"] } },
                            { ipBlock: { cidr: "10.0.0.0/8" } },
                            { ipBlock: { cidr: "fd00:10::/32" } },
                        ],
                        ports: [{ protocol: "TCP", port: 443, endPort: 444 }],
                    },
                ],
            }),
            [],
        );
    });

    it("reports an ingress rule without from (- {}), which admits every source", async () => {
        assert.deepEqual(
            await run({ ingress: [{}] }),
            violation("spec.ingress[0] has no from, so it admits every source"),
        );
    });

    it("reports egress rules without to or with an empty to, ports or not", async () => {
        assert.deepEqual(
            await run({
                policyTypes: ["Egress"],
                egress: [{ to: [], ports: [{ protocol: "UDP", port: 53 }] }, {}],
            }),
            violation(
                "spec.egress[0] has no to, so it admits every destination",
                "spec.egress[1] has no to, so it admits every destination",
            ),
        );
    });

    it("reports ipBlocks wider than /8 (IPv6 /32): the world, its halves, every IPv6 address", async () => {
        assert.deepEqual(
            await run({
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } },
                            { ipBlock: { cidr: "0.0.0.0/1" } },
                            { ipBlock: { cidr: "128.0.0.0/1" } },
                            { ipBlock: { cidr: "::/0" } },
                            { ipBlock: { cidr: "2000::/3" } },
                        ],
                        ports: [{ protocol: "TCP", port: 443 }],
                    },
                ],
            }),
            violation(
                'spec.egress[0].to[0].ipBlock.cidr "0.0.0.0/0" opens every address (wider than /8)',
                'spec.egress[0].to[1].ipBlock.cidr "0.0.0.0/1" opens (nearly) every address (wider than /8)',
                'spec.egress[0].to[2].ipBlock.cidr "128.0.0.0/1" opens (nearly) every address (wider than /8)',
                'spec.egress[0].to[3].ipBlock.cidr "::/0" opens every address (wider than /32)',
                'spec.egress[0].to[4].ipBlock.cidr "2000::/3" opens (nearly) every address (wider than /32)',
            ),
        );
    });

    it("reads IPv4 octets with leading zeros as the API server does, and reports what is no CIDR", async () => {
        assert.deepEqual(
            await run({
                ingress: [
                    {
                        from: [
                            { ipBlock: { cidr: "000.000.000.000/00" } },
                            { ipBlock: { cidr: "any" } },
                        ],
                    },
                ],
            }),
            violation(
                'spec.ingress[0].from[0].ipBlock.cidr "000.000.000.000/00" opens every address (wider than /8)',
                'spec.ingress[0].from[1].ipBlock.cidr "any" is not a CIDR block',
            ),
        );
    });

    it("reports peers that select every pod of every namespace", async () => {
        assert.deepEqual(
            await run({
                ingress: [
                    {
                        from: [
                            { namespaceSelector: {} },
                            { namespaceSelector: {}, podSelector: {} },
                            {
                                namespaceSelector: {
                                    matchExpressions: [
                                        {
                                            key: "tenancy.sovereign-contour.io/tenant",
                                            operator: "NotIn",
                                            values: ["tenant-b"],
                                        },
                                    ],
                                },
                            },
                            {
                                namespaceSelector: {
                                    matchExpressions: [
                                        { key: "kubernetes.io/metadata.name", operator: "Exists" },
                                    ],
                                },
                            },
                        ],
                    },
                ],
            }),
            violation(
                "spec.ingress[0].from[0] selects every pod of every namespace",
                "spec.ingress[0].from[1] selects every pod of every namespace",
                "spec.ingress[0].from[2] selects every pod of every namespace",
                "spec.ingress[0].from[3] selects every pod of every namespace",
            ),
        );
    });

    it("reports egress to an ipBlock on every port", async () => {
        assert.deepEqual(
            await run({
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "10.20.0.0/16" } }] }],
            }),
            violation("spec.egress[0] opens its ipBlock peers on every port (no ports)"),
        );
    });

    it("judges only the directions the policy governs (policyTypes, defaulted as the API server does)", async () => {
        // Egress rules of a policy whose explicit policyTypes is [Ingress] have no effect.
        assert.deepEqual(
            await run({
                policyTypes: ["Ingress"],
                ingress: [{ from: [{ podSelector: {} }] }],
                egress: [{}],
            }),
            [],
        );
        // Without policyTypes, egress rules make the policy govern egress.
        assert.deepEqual(
            await run({ egress: [{}] }),
            violation("spec.egress[0] has no to, so it admits every destination"),
        );
    });

    it("passes a policy listed in allowedPolicies", async () => {
        assert.deepEqual(await run({ ingress: [{}] }, { allowedPolicies: ["tenant-a/allow"] }), []);
    });

    it("ignores other kinds", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.service,
                props: networkPolicy({ ingress: [{}] }),
            }),
            [],
        );
    });
});
