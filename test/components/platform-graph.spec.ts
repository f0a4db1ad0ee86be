/**
 * The platform's dependency graph (issue 19): tenants are applied last, after the readiness gates
 * of enforcement (every Constraint, ClusterPolicy and PolicyException) and runtime (the CA issuer,
 * the mesh's identity issuer, CNI plugin and control plane, Falco and its alert routing); nothing
 * depends on a tenant; and no dependency list grows with the number of tenants.
 */
import * as assert from "assert";
import * as path from "path";
import type { Platform } from "../../components/platform";
import { tenantNamespaceAfterEnforcement } from "../../policypacks/platform-guardrails/policies/tenant-namespace-after-enforcement";
import { loadSettings } from "../../stacks";
import type { PlatformSettings } from "../../components/platform/settings";
import { readStackConfig } from "../../tools/check/stack-config";
import {
    installMocks,
    installProviderStandIns,
    recorded,
    RecordedResource,
    resetRecorded,
    settled,
    unwrap,
} from "../util/mocks";
import { runStackPolicy, toPolicyResources } from "../util/recorded-stack";
import { committedStacks } from "../util/stacks";

const projectDir = path.join(__dirname, "..", "..");
const tenantType = "sovereign:baseline:TenantNamespace";

/** The stack's settings with `extra` generated tenants added (copies of its first tenant). */
function settingsWith(stack: string, extra: number): PlatformSettings {
    const raw = readStackConfig(projectDir, stack).values;
    const tenants = JSON.parse(raw["sovereign-contour:tenants"]) as { name: string }[];
    for (let i = 0; i < extra; i++) {
        tenants.push({ ...tenants[0], name: `gen-${i}` });
    }
    return loadSettings({ ...raw, "sovereign-contour:tenants": JSON.stringify(tenants) }).settings;
}

interface Built {
    readonly platform: Platform;
    readonly resources: RecordedResource[];
    /** URN → the tenant component it belongs to (for every resource under a TenantNamespace). */
    readonly tenantOf: Map<string, string>;
}

async function build(settings: PlatformSettings): Promise<Built> {
    const mod = await import("../../components/platform");
    resetRecorded();
    const platform = new mod.Platform("platform", { settings });
    await settled();
    const resources = [...recorded];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const tenantOf = new Map<string, string>();
    for (const r of resources) {
        for (let p: RecordedResource | undefined = r; p !== undefined; p = byUrn.get(p.parent)) {
            if (p.type === tenantType) {
                tenantOf.set(r.urn, p.name);
                break;
            }
        }
    }
    return { platform, resources, tenantOf };
}

describe("platform dependency graph: tenants last, layers gated", function () {
    this.timeout(120_000);

    before(() => {
        installMocks();
        installProviderStandIns();
    });

    for (const stack of committedStacks()) {
        describe(stack, () => {
            let built: Built;
            before(async () => {
                built = await build(settingsWith(stack, 0));
            });

            it("makes every tenant resource wait for every enforcement and runtime gate (through its Namespace)", async () => {
                const gates: string[] = await Promise.all(
                    [...built.platform.gates.enforcement, ...built.platform.gates.runtime].map(
                        (g) => unwrap(g.urn),
                    ),
                );
                // Gatekeeper's 8 constraints, Kyverno's policies and exceptions, the CA issuer,
                // Linkerd's identity issuer, CNI and control plane, Falco and falcosidekick.
                assert.ok(gates.length >= 15, String(gates.length));
                const tenantResources = built.resources.filter(
                    (r) => built.tenantOf.has(r.urn) && r.custom,
                );
                assert.ok(tenantResources.length > 0);
                // Everything a resource waits for: its dependencies and theirs.
                const byUrn = new Map(built.resources.map((r) => [r.urn, r]));
                const closure = (r: RecordedResource): Set<string> => {
                    const seen = new Set<string>();
                    const stack = [...r.dependencies];
                    while (stack.length > 0) {
                        const urn = stack.pop() as string;
                        if (!seen.has(urn)) {
                            seen.add(urn);
                            stack.push(...(byUrn.get(urn)?.dependencies ?? []));
                        }
                    }
                    return seen;
                };
                for (const r of tenantResources) {
                    const waits = closure(r);
                    const missing = gates.filter((g) => !waits.has(g));
                    assert.deepStrictEqual(missing, [], `${r.type} ${r.name}`);
                    if (r.type === "kubernetes:core/v1:Namespace") {
                        // The Namespace carries the gates itself.
                        assert.deepStrictEqual(
                            gates.filter((g) => !r.dependencies.includes(g)),
                            [],
                        );
                    }
                }
            });

            it("lets nothing outside the tenants depend on a tenant resource", () => {
                for (const r of built.resources) {
                    if (built.tenantOf.has(r.urn)) {
                        continue;
                    }
                    const on = r.dependencies.filter((d) => built.tenantOf.has(d));
                    assert.deepStrictEqual(on, [], `${r.type} ${r.name}`);
                }
            });

            it("passes the stack policy that checks the order from the graph", async () => {
                assert.deepStrictEqual(
                    await runStackPolicy(
                        tenantNamespaceAfterEnforcement,
                        toPolicyResources(built.resources),
                    ),
                    [],
                );
            });
        });
    }

    it("keeps the largest dependency list and the edges per tenant flat in the tenant count", async () => {
        const measure = async (extra: number) => {
            const { resources, tenantOf } = await build(settingsWith("prod", extra));
            const edges = new Map<string, number>();
            for (const r of resources) {
                const tenant = tenantOf.get(r.urn);
                if (tenant !== undefined) {
                    edges.set(tenant, (edges.get(tenant) ?? 0) + r.dependencies.length);
                }
            }
            const largest = Math.max(...resources.map((r) => r.dependencies.length));
            const platformEdges = resources
                .filter((r) => !tenantOf.has(r.urn))
                .reduce((n, r) => n + r.dependencies.length, 0);
            return { edges, largest, platformEdges };
        };
        const small = await measure(0);
        const large = await measure(30);
        assert.strictEqual(small.edges.size, 3);
        assert.strictEqual(large.edges.size, 33);
        assert.ok(large.largest <= 100, `largest dependency list ${large.largest} URNs`);
        assert.strictEqual(large.largest, small.largest);
        assert.strictEqual(large.platformEdges, small.platformEdges);
        // Each tenant's edges are its own: the three originals keep theirs, and every generated
        // copy of the first tenant has exactly as many as it.
        const first = [...small.edges.keys()][0];
        for (const [tenant, n] of small.edges) {
            assert.strictEqual(large.edges.get(tenant), n, tenant);
        }
        for (const [tenant, n] of large.edges) {
            if (tenant.includes("gen-")) {
                assert.strictEqual(n, small.edges.get(first), tenant);
            }
        }
    });
});
