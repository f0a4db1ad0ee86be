/**
 * What the check claims for the committed stacks, and the evidence it names (issue 17): a node
 * artifact holding a stand-in value says so, and a control is `enforced` only with evidence for
 * every object in its scope.
 */
import * as assert from "assert";
import { CheckProcess, runCheckProcess } from "../util/check-process";

interface Control {
    id: string;
    status: string;
    reasons: string[];
    evidence: string[];
}

function control(run: CheckProcess, id: string): Control {
    const found = (run.report.controls as Control[]).find((c) => c.id === id);
    assert.ok(found !== undefined, id);
    return found;
}

const allNamespaces = [
    ["cert-manager", "default-deny-all"],
    ["data-platform", "default-deny-ingress", "default-deny-egress"],
    ["falco", "default-deny-all"],
    ["gatekeeper-system", "default-deny-all"],
    ["inference", "default-deny-ingress", "default-deny-egress"],
    ["kyverno", "default-deny-all"],
    ["linkerd", "default-deny-all"],
    ["linkerd-cni", "default-deny-all"],
    ["ml-training", "default-deny-ingress", "default-deny-egress"],
];

describe("offline check: stand-ins and control evidence of the committed stacks", function () {
    this.timeout(300_000);
    let dev: CheckProcess;
    let prod: CheckProcess;
    before(() => {
        dev = runCheckProcess(["--stack", "dev"], { name: "dev" });
        prod = runCheckProcess(["--stack", "prod"], { name: "prod" });
    });

    it("marks dev's encryption configuration as holding a stand-in key, in the file and the report", () => {
        assert.strictEqual(dev.code, 0, dev.stderr + dev.stdout);
        const held =
            "random:index/randomBytes:RandomBytes platform-encryption-at-rest-key-key-1: " +
            "32 fresh random bytes (base64, hex)";
        assert.deepStrictEqual(dev.report.standInArtifacts, [
            { artifact: "control-plane/encryption-config.yaml", standIns: [held] },
        ]);
        const config = dev.read("control-plane/encryption-config.yaml") ?? "";
        assert.deepStrictEqual(config.split("\n").slice(0, 5), [
            "# STAND-IN VALUES: written by the offline check (npm run check), not by a deployment.",
            "# It holds values the offline engine made up in place of the providers' results:",
            `#   ${held}`,
            "# Never install it on a host: `pulumi up` creates the real values.",
            "# Managed by sovereign-contour (Pulumi): do not edit on the host.",
        ]);
        assert.ok(
            (dev.read("report.md") ?? "").includes(
                `- control-plane/encryption-config.yaml: **holds stand-in values, never install it** (${held})`,
            ),
        );
        // The other artifacts hold no made-up value and are not marked.
        for (const artifact of dev.report.nodeArtifacts as string[]) {
            if (artifact !== "control-plane/encryption-config.yaml") {
                assert.ok(!(dev.read(artifact) ?? "").startsWith("# STAND-IN"), artifact);
            }
        }
        // prod's encryption key stays in the KMS: nothing made up reaches a node artifact.
        assert.strictEqual(prod.code, 0, prod.stderr + prod.stdout);
        assert.deepStrictEqual(prod.report.standInArtifacts, []);
    });

    it("does not call SC-AUD-03 enforced in dev, which has no audit webhook; prod names its evidence", () => {
        assert.deepStrictEqual(control(dev, "SC-AUD-03"), {
            ...control(dev, "SC-AUD-03"),
            status: "not-verified",
            reasons: [
                "The check wrote no control-plane/audit-webhook.kubeconfig (the kubeconfig of the audit webhook backend that ships events off the node): audit.webhook is not set.",
            ],
        });
        const enforced = control(prod, "SC-AUD-03");
        assert.strictEqual(enforced.status, "enforced");
        assert.ok(
            enforced.evidence.includes(
                "control-plane/audit-webhook.kubeconfig written (the kubeconfig of the audit webhook backend that ships events off the node).",
            ),
        );
    });

    it("does not call SC-SUP-02 enforced while no chart was rendered", () => {
        for (const run of [dev, prod]) {
            const status = control(run, "SC-SUP-02");
            assert.strictEqual(status.status, "not-verified");
            assert.strictEqual(status.reasons.length, 1);
            assert.match(
                status.reasons[0],
                /^The contents of 8 of 8 charts were not rendered, so the objects they deploy were not judged: platform-cert-manager-chart \(remote source https:\/\/charts\.jetstack\.io \(chart cert-manager\): not fetched offline\); /,
            );
        }
    });

    it("verifies default deny in every namespace of the stack, naming the policies", () => {
        for (const run of [dev, prod]) {
            assert.deepStrictEqual(
                (
                    run.report.namespaceIsolation as {
                        namespace: string;
                        denyIngress: string[];
                        denyEgress: string[];
                        allowDns: string[];
                    }[]
                ).map((n) => [n.namespace, ...new Set([...n.denyIngress, ...n.denyEgress])]),
                allNamespaces,
            );
            for (const n of run.report.namespaceIsolation as { allowDns: string[] }[]) {
                assert.deepStrictEqual(n.allowDns, ["allow-dns"]);
            }
            const net = control(run, "SC-NET-01");
            assert.ok(
                net.evidence.includes(
                    "Default-deny ingress and egress NetworkPolicies in all 9 namespaces: " +
                        allNamespaces.map(([ns, ...p]) => `${ns} (${p.join(", ")})`).join(", ") +
                        ".",
                ),
                net.evidence.join("\n"),
            );
            // The charts' own objects were not seen, so the control is not claimed enforced.
            assert.strictEqual(net.status, "not-verified");
        }
    });
});
