import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { TenantNamespaceArgs } from "../../../components/tenant-namespace";
import { tenantNamespaceAfterEnforcement } from "../../../policypacks/platform-guardrails/policies/tenant-namespace-after-enforcement";
import { installMocks, named, recorded, resetRecorded, settled } from "../../util/mocks";
import { runStackPolicy, toPolicyResources } from "../../util/recorded-stack";

/** A stand-in for an admission controller's resource inside the enforcement layer. */
class Webhook extends pulumi.CustomResource {
    constructor(name: string, opts?: pulumi.CustomResourceOptions) {
        super("test:index:Webhook", name, {}, opts);
    }
}

/** A bare Namespace resource (the provider's class is not needed for type and inputs). */
class BareNamespace extends pulumi.CustomResource {
    constructor(name: string, props: Record<string, unknown>) {
        super("kubernetes:core/v1:Namespace", name, props);
    }
}

const tenant: TenantNamespaceArgs = {
    namespace: "ml-research",
    owner: "team-ml",
    kubernetesVersion: "1.33",
};

const fix =
    "create the tenant with dependsOn the enforcement layer (components/platform inLayer) so admission control exists before tenants can deploy.";

describe("policy tenant-namespace-after-enforcement", () => {
    let TenantNamespace: typeof import("../../../components/tenant-namespace").TenantNamespace;
    let PlatformLayer: typeof import("../../../components/platform/layers").PlatformLayer;
    before(async () => {
        installMocks();
        ({ TenantNamespace } = await import("../../../components/tenant-namespace"));
        ({ PlatformLayer } = await import("../../../components/platform/layers"));
    });
    beforeEach(resetRecorded);

    /** Layers as the Platform builds them: enforcement after bootstrap, optionally with a resource. */
    function layers(withWebhook = true) {
        const bootstrap = new PlatformLayer("platform-bootstrap", { layer: "bootstrap" });
        const enforcement = new PlatformLayer(
            "platform-enforcement",
            { layer: "enforcement" },
            { dependsOn: [bootstrap] },
        );
        if (withWebhook) {
            new Webhook("gatekeeper-webhook", { parent: enforcement });
        }
        return { bootstrap, enforcement };
    }

    const run = async () =>
        runStackPolicy(tenantNamespaceAfterEnforcement, toPolicyResources(recorded));

    it("is a mandatory stack policy (the platform applies enforcement before baseline)", () => {
        assert.strictEqual(tenantNamespaceAfterEnforcement.enforcementLevel, "mandatory");
    });

    it("passes a tenant whose dependsOn includes the enforcement layer", async () => {
        const { bootstrap, enforcement } = layers();
        new TenantNamespace("t", tenant, { dependsOn: [bootstrap, enforcement] });
        await settled();
        assert.deepStrictEqual(await run(), []);
    });

    it("sees what the Node SDK records: the layer's resources, never the layer component itself", async () => {
        const { enforcement } = layers();
        new TenantNamespace("t", tenant, { dependsOn: [enforcement] });
        await settled();
        const deps = named("t-namespace").dependencies;
        assert.deepStrictEqual(deps, [named("gatekeeper-webhook").urn]);
        assert.ok(!deps.includes(named("platform-enforcement").urn));
    });

    it("refuses a tenant placed only after the bootstrap layer (the baseline position)", async () => {
        const { bootstrap } = layers();
        new Webhook("system-namespace", { parent: bootstrap });
        new TenantNamespace("t", tenant, { dependsOn: [bootstrap] });
        await settled();
        assert.deepStrictEqual(await run(), [
            `Tenant "ml-research" (TenantNamespace "t"): none of its 10 resources depends on Layer "platform-enforcement"; ${fix}`,
        ]);
    });

    it("names the children that lack the dependency when only some do", async () => {
        const { enforcement } = layers();
        new TenantNamespace("t", tenant, { dependsOn: [enforcement] });
        await settled();
        const stripped = recorded.map((r) =>
            r.name === "t-quota" || r.name === "t-role-viewer" ? { ...r, dependencies: [] } : r,
        );
        assert.deepStrictEqual(
            await runStackPolicy(tenantNamespaceAfterEnforcement, toPolicyResources(stripped)),
            [
                `Tenant "ml-research" (TenantNamespace "t"): t-quota, t-role-viewer do not depend on Layer "platform-enforcement"; ${fix}`,
            ],
        );
    });

    it("refuses when the enforcement layer holds nothing to wait for", async () => {
        const { bootstrap, enforcement } = layers(false);
        new TenantNamespace("t", tenant, { dependsOn: [bootstrap, enforcement] });
        await settled();
        assert.deepStrictEqual(await run(), [
            'Tenant "ml-research" (TenantNamespace "t"): Layer "platform-enforcement" holds no resource, so nothing orders the tenant after admission control; enable an admission controller (Gatekeeper or Kyverno) in the enforcement layer.',
        ]);
    });

    it("refuses tenants in a stack without an enforcement layer", async () => {
        new TenantNamespace("t", tenant);
        await settled();
        assert.deepStrictEqual(await run(), [
            `Tenant "ml-research" (TenantNamespace "t"): the stack has no enforcement layer (a sovereign:platform:Layer named *-enforcement) to order it after; ${fix}`,
        ]);
    });

    it("also checks a namespace labelled as a tenant's outside the component", async () => {
        layers();
        new BareNamespace("stray", {
            metadata: { name: "stray", labels: { "tenancy.sovereign-contour.io/tenant": "stray" } },
        });
        await settled();
        assert.deepStrictEqual(await run(), [
            `Tenant namespace "stray": none of its 1 resource depends on Layer "platform-enforcement"; ${fix}`,
        ]);
    });

    it("refuses a tenant created before a populated runtime layer (tenants come last)", async () => {
        const { enforcement } = layers();
        const runtime = new PlatformLayer("platform-runtime", { layer: "runtime" });
        const issuer = new Webhook("ca-issuer", { parent: runtime });
        new TenantNamespace(
            "early",
            { ...tenant, namespace: "early" },
            { dependsOn: [enforcement] },
        );
        new TenantNamespace(
            "last",
            { ...tenant, namespace: "last" },
            { dependsOn: [enforcement, issuer] },
        );
        await settled();
        const messages = await run();
        assert.strictEqual(messages.length, 1, messages.join("\n"));
        assert.match(
            messages[0],
            /^Tenant "early" \(TenantNamespace "early"\): none of its \d+ resources depends on Layer "platform-runtime"; create tenants last, with dependsOn the runtime layer's readiness gates/,
        );
    });

    it("refuses a platform resource that depends on a tenant", async () => {
        const { enforcement } = layers();
        const t = new TenantNamespace("t", tenant, { dependsOn: [enforcement] });
        const audit = new PlatformLayer("platform-audit", { layer: "audit" });
        new Webhook("late-platform-object", { parent: audit, dependsOn: [t.namespace] });
        await settled();
        assert.deepStrictEqual(await run(), [
            'test:index:Webhook "late-platform-object" depends on tenant resources (t-namespace); nothing in the platform may depend on a tenant: remove the dependency, tenants are applied last.',
        ]);
    });

    it("has nothing to say about a stack without tenants", async () => {
        layers();
        await settled();
        assert.deepStrictEqual(await run(), []);
    });
});
