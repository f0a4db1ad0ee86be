/**
 * docs/extending.md, "A wrapped component": every tenant namespace gets an extra LimitRange
 * through the `tenantNamespace` factory override (test/extending/examples/tenant-claim-limits.ts,
 * the file the page shows). Under the mocks: exactly one LimitRange more per tenant, with its
 * name, parent, namespace, spec and ordering, and every other resource of the platform unchanged
 * (URN, inputs, parent, dependencies); the tenant stack policies pass. Through the offline check
 * of prod with its packs, on a copy of the project whose index.ts passes the overrides: passed.
 */
import * as assert from "node:assert/strict";
import { tenantNamespaceAfterEnforcement } from "../../policypacks/platform-guardrails/policies/tenant-namespace-after-enforcement";
import { tenantNamespaceGuardrails } from "../../policypacks/platform-guardrails/policies/tenant-namespace-guardrails";
import { installMocks, installTlsStandIns } from "../util/mocks";
import { runStackPolicy, toPolicyResources } from "../util/recorded-stack";
import { buildPlatform, Built, differences, projectCopy, stackSettings } from "./util";

const stack = "prod";

describe("docs/extending.md: a wrapped component (a tenant namespace with an extra LimitRange)", function () {
    this.timeout(600_000);
    let plain: Built;
    let wrapped: Built;
    let tenants: string[];

    before(async () => {
        installMocks();
        // Key material named after its resource, so the two builds can be compared.
        installTlsStandIns();
        const { overrides } = await import("./examples/tenant-claim-limits");
        const settings = stackSettings(stack);
        tenants = settings.tenants.map((t) => t.name);
        plain = await buildPlatform(settings);
        wrapped = await buildPlatform(settings, overrides);
    });

    it("adds exactly one LimitRange per tenant and changes nothing else", () => {
        assert.deepEqual(
            differences(plain.resources, wrapped.resources),
            tenants
                .map(
                    (t) =>
                        `+ kubernetes:core/v1:LimitRange platform-tenant-${t}-claim-limits ` +
                        `(parent sovereign:baseline:TenantNamespace platform-tenant-${t})`,
                )
                .sort(),
        );
        // The same URNs: the subclass keeps the tenant's type token and name.
        const urns = new Set(wrapped.resources.map((r) => r.urn));
        assert.deepEqual(
            plain.resources.filter((r) => !urns.has(r.urn)),
            [],
        );
    });

    it("puts each LimitRange in its tenant: parent, namespace, spec, after the Namespace, protected", () => {
        const urnOf = (name: string): string => {
            const found = wrapped.resources.filter((r) => r.name === name);
            assert.equal(found.length, 1, name);
            return found[0].urn;
        };
        for (const tenant of tenants) {
            const limitRange = wrapped.resources.find(
                (r) => r.name === `platform-tenant-${tenant}-claim-limits`,
            );
            assert.ok(limitRange);
            assert.equal(limitRange.parent, urnOf(`platform-tenant-${tenant}`));
            assert.match(
                limitRange.parent,
                /\$sovereign:baseline:TenantNamespace::platform-tenant-/,
            );
            assert.deepEqual(limitRange.inputs, {
                apiVersion: "v1",
                kind: "LimitRange",
                metadata: { name: "claim-limits", namespace: tenant },
                spec: {
                    limits: [
                        {
                            type: "PersistentVolumeClaim",
                            min: { storage: "1Gi" },
                            max: { storage: "500Gi" },
                        },
                    ],
                },
            });
            assert.deepEqual(limitRange.dependencies, [
                urnOf(`platform-tenant-${tenant}-namespace`),
            ]);
            assert.equal(limitRange.protect, true);
        }
    });

    it("keeps the tenants' public shape: the platform's tenants are the subclass", async () => {
        const { TenantWithClaimLimits } = await import("./examples/tenant-claim-limits");
        assert.deepEqual(Object.keys(wrapped.platform.tenants), tenants);
        for (const tenant of Object.values(wrapped.platform.tenants)) {
            assert.ok(tenant instanceof TenantWithClaimLimits);
        }
        assert.deepEqual(wrapped.platform.disabledComponents, []);
    });

    it("passes the tenant stack policies (guardrails, created after enforcement)", async () => {
        const resources = toPolicyResources(wrapped.resources);
        assert.deepEqual(await runStackPolicy(tenantNamespaceGuardrails, resources), []);
        assert.deepEqual(await runStackPolicy(tenantNamespaceAfterEnforcement, resources), []);
    });

    describe("the offline check with the packs, on a copy whose index.ts passes the overrides", () => {
        it("passes prod, with one LimitRange more per tenant", () => {
            const copy = projectCopy();
            copy.useOverrides("tenant-claim-limits");
            const run = copy.check(["--stack", stack], stack);
            assert.equal(run.status, 0, run.output);
            assert.equal(run.report.passed, true);
            assert.deepEqual(run.report.violations, []);
            assert.deepEqual(run.report.summary, { mandatory: 0, advisory: 0, schemaErrors: 0 });
            const limitRanges = plain.resources.filter(
                (r) => r.type === "kubernetes:core/v1:LimitRange",
            ).length;
            assert.equal(
                run.report.resourcesByType["kubernetes:core/v1:LimitRange"],
                limitRanges + tenants.length,
            );
            assert.equal(run.report.disabledComponents, undefined);
            assert.doesNotMatch(run.markdown, /## Disabled components/);
        });
    });
});
