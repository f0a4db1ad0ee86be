/**
 * The analyzer path: both packs served through their real entry points and driven over the
 * analyzer protocol by the offline check's plugin host, configured with prod's policy-pack config
 * (as `pulumi preview --policy-pack ... --policy-pack-config stacks/policy-config/prod/...` would).
 * One failing resource per policy family, plus a compliant one, with exact messages.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { Diagnostic, PolicyPackPlugin } from "../../../tools/check/analyzer";
import { readPackConfig, reconcilePackConfig } from "../../../tools/check/policy-config";
import { clusterRole, namespace, service, T } from "../../fixtures/platform/guardrails";
import { compliantDeployment } from "../../fixtures/workloads/compliant";
import { WireObject } from "../../../tools/check/protocol";
import { secret, urnOf } from "../../util/policy-rpc-harness";

const root = path.resolve(__dirname, "../../..");

async function startPack(pack: string): Promise<PolicyPackPlugin> {
    const plugin = await PolicyPackPlugin.start(root, path.join(root, "policypacks", pack));
    const info = await plugin.info();
    const given = readPackConfig(
        path.join(root, "stacks", "policy-config", "prod", `${pack}.json`),
    );
    const { config, errors } = reconcilePackConfig(info.policies, info.initialConfig, given);
    assert.deepEqual(errors, [], `prod config of ${pack} is accepted by the pack`);
    await plugin.configure(config);
    return plugin;
}

async function analyze(
    plugin: PolicyPackPlugin,
    pack: string,
    type: string,
    name: string,
    props: Record<string, unknown>,
): Promise<Pick<Diagnostic, "policy" | "enforcementLevel" | "message">[]> {
    const diagnostics = await plugin.analyze(pack, {
        urn: urnOf(type, name),
        type,
        name,
        properties: props as WireObject,
    });
    return diagnostics.map(({ policy, enforcementLevel, message }) => ({
        policy,
        enforcementLevel,
        message,
    }));
}

describe("platform-guardrails and workload-security through the analyzer protocol", function () {
    this.timeout(120_000);
    let guardrails: PolicyPackPlugin;
    let workloads: PolicyPackPlugin;

    before(async () => {
        [guardrails, workloads] = await Promise.all([
            startPack("platform-guardrails"),
            startPack("workload-security"),
        ]);
    });

    after(() => {
        guardrails?.close();
        workloads?.close();
    });

    it("passes compliant objects", async () => {
        for (const [type, props] of [
            [T.clusterRole, clusterRole()],
            [T.service, service()],
            [T.namespace, namespace()],
        ] as const) {
            assert.deepEqual(
                await analyze(guardrails, "platform-guardrails", type, "x", props),
                [],
            );
        }
    });

    it("reports a wildcard ClusterRole as mandatory", async () => {
        const props = clusterRole();
        props.rules[0].verbs = ["*"];
        const found = await analyze(guardrails, "platform-guardrails", T.clusterRole, "x", props);
        assert.deepEqual(
            found.map((d) => [d.policy, d.enforcementLevel]),
            [
                ["rbac-no-wildcards", "mandatory"],
                ["rbac-no-escalate-bind-impersonate", "mandatory"],
            ],
        );
        assert.match(
            found[0].message,
            /ClusterRole "namespace-viewer" uses wildcards: rules\[0\]\.verbs contains "\*"/,
        );
    });

    it("reports a LoadBalancer with external IPs under both service policies", async () => {
        const props = service();
        props.spec.type = "LoadBalancer";
        props.spec.externalIPs = ["203.0.113.10"];
        const found = await analyze(guardrails, "platform-guardrails", T.service, "web", props);
        assert.deepEqual(
            found.map((d) => d.policy),
            ["services-restrict-exposure", "services-no-external-ips"],
        );
    });

    it("fails closed on a Secret when the host sends Analyze without Remediate", async () => {
        const props = {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "db", namespace: "tenant-a" },
            stringData: { password: secret("hunter2") },
        };
        const found = await analyze(guardrails, "platform-guardrails", T.secret, "db", props);
        assert.deepEqual(found, [
            {
                policy: "secrets-from-pulumi-secrets",
                enforcementLevel: "mandatory",
                message:
                    "Secret data and stringData values must be Pulumi secrets, never plain values.\n" +
                    `Secret "tenant-a/db": cannot verify that stringData come from Pulumi secrets, ` +
                    `because the remediation pass of secrets-from-pulumi-secrets did not run for ` +
                    `it. Keep the policy at enforcementLevel "remediate" (its default) so the ` +
                    `engine shows it which values are secret.`,
            },
        ]);
    });

    it("applies prod's workload config: registry allow list and required digests", async () => {
        const compliant = compliantDeployment();
        const type = "kubernetes:apps/v1:Deployment";
        const pack = "workload-security";
        const mine = (ds: { policy: string }[]): string[] =>
            ds.map((d) => d.policy).filter((p) => !p.startsWith("pod-security-"));
        assert.deepEqual(mine(await analyze(workloads, pack, type, "web", compliant)), []);
        const props = compliantDeployment();
        props.spec.template.spec.containers[0].image = "ghcr.io/acme/web:1.0";
        assert.deepEqual(mine(await analyze(workloads, pack, type, "web", props)), [
            "images-allowed-registries",
            "images-require-digest",
        ]);
    });
});
