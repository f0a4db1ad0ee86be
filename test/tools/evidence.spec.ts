import * as assert from "assert";
import { namespaceIsolation } from "../../tools/check/evidence";
import { DeclaredObject } from "../../tools/check/identities";
import { pulumiTypeOf } from "../../policypacks/lib/workloads";

function declared(object: Record<string, unknown>): DeclaredObject {
    const type = pulumiTypeOf(String(object.apiVersion), String(object.kind));
    const meta = object.metadata as { name: string };
    return { resource: { type, name: meta.name }, object };
}

const namespace = (name: string) =>
    declared({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const policy = (ns: string | undefined, name: string, spec: Record<string, unknown>) =>
    declared({
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, ...(ns !== undefined ? { namespace: ns } : {}) },
        spec,
    });
const dns = {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [{ ports: [{ port: 53, protocol: "UDP" }] }],
};

describe("namespace isolation evidence (tools/check/evidence.ts)", () => {
    it("names the policies denying each direction and allowing DNS, per namespace in scope", () => {
        assert.deepStrictEqual(
            namespaceIsolation([
                namespace("kyverno"),
                policy("kyverno", "default-deny-all", {
                    podSelector: {},
                    policyTypes: ["Ingress", "Egress"],
                }),
                policy("kyverno", "allow-dns", dns),
                namespace("tenant-a"),
                policy("tenant-a", "default-deny-ingress", { podSelector: {} }),
                // selects some pods only: not a default deny
                policy("tenant-a", "deny-web-egress", {
                    podSelector: { matchLabels: { app: "web" } },
                    policyTypes: ["Egress"],
                }),
                // has an egress rule: allows, does not deny
                policy("tenant-a", "allow-egress", {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }],
                }),
                // a workload's namespace is in scope even when no Namespace is declared
                declared({
                    apiVersion: "apps/v1",
                    kind: "Deployment",
                    metadata: { name: "web" },
                    spec: { template: { spec: { containers: [] } } },
                }),
                // policies of a namespace out of scope are not listed
                policy("elsewhere", "default-deny-all", { podSelector: {} }),
            ]),
            [
                { namespace: "default", denyIngress: [], denyEgress: [], allowDns: [] },
                {
                    namespace: "kyverno",
                    denyIngress: ["default-deny-all"],
                    denyEgress: ["default-deny-all"],
                    allowDns: ["allow-dns"],
                },
                {
                    namespace: "tenant-a",
                    denyIngress: ["default-deny-ingress"],
                    denyEgress: [],
                    allowDns: [],
                },
            ],
        );
    });

    it("is empty when nothing is in scope", () => {
        assert.deepStrictEqual(
            namespaceIsolation([policy("x", "default-deny-all", { podSelector: {} })]),
            [],
        );
    });
});
