/**
 * Tenants registered in bounded batches (issue 19, components/platform/tenants.ts): at no time are
 * more than a batch of tenants waiting for the engine to answer their registrations, and the
 * batches register exactly the resources, parents, options and dependencies one loop would.
 */
import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../../components/platform";
import type { TenantRequest } from "../../components/platform/tenants";
import type { TenantNamespace, TenantNamespaceArgs } from "../../components/tenant-namespace";
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
} from "../util/mocks";

const projectDir = path.join(__dirname, "..", "..");

/** A stand-in for the layer the tenants are parented to and the gate they wait for. */
class Stub extends pulumi.CustomResource {
    constructor(type: string, name: string, opts?: pulumi.CustomResourceOptions) {
        super(type, name, {}, opts);
    }
}
class Group extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Group", name, {});
    }
}

/** `count` tenants named `tenant-01`, `tenant-02`, ...: no name is a prefix of another's children. */
function requests(count: number): TenantRequest<TenantNamespaceArgs>[] {
    return Array.from({ length: count }, (_, i) => {
        const key = `tenant-${String(i + 1).padStart(2, "0")}`;
        return {
            key,
            name: key,
            args: {
                namespace: key,
                owner: `team-${key}`,
                kubernetesVersion: "1.33",
                groups: { admins: [`oidc:${key}-admins`], viewers: [`oidc:${key}-viewers`] },
            },
        };
    });
}

/**
 * What identifies a registration, independent of the order it arrived in. Without `inputs`, the
 * inputs are left out (the stand-ins for key material are random in every build).
 */
function shape(r: RecordedResource, inputs = true): string {
    return JSON.stringify([
        r.urn,
        r.type,
        r.parent,
        [...r.dependencies].sort(),
        r.custom,
        r.protect,
        r.retainOnDelete,
        inputs ? r.inputs : null,
    ]);
}

interface Observed {
    readonly tenants: Readonly<Record<string, TenantNamespace>>;
    readonly keys: readonly string[];
    /** The tenants the parent still lists as its children once everything is registered. */
    readonly childrenLeft: number;
    /** After each tenant's construction: how many constructed tenants still had a registration pending. */
    readonly pendingAfterEach: number[];
    readonly batches: string[][];
    readonly resources: RecordedResource[];
}

/**
 * Registers `count` tenants `batchSize` at a time under the recording mocks, and after each
 * tenant's construction records which constructed tenants the engine had not yet fully answered.
 */
async function observe(count: number, batchSize: number, release = false): Promise<Observed> {
    const { registerTenants } = await import("../../components/platform/tenants");
    const { TenantNamespace } = await import("../../components/tenant-namespace");
    resetRecorded();
    const layer = new Group("baseline");
    const gate = new Stub("test:index:Gate", "enforcement-gate");
    const constructed: string[] = [];
    /** Per construction, the registrations recorded so far for each constructed tenant. */
    const snapshots: Map<string, number>[] = [];
    const answeredFor = (tenant: string): number =>
        recorded.filter((r) => r.name === tenant || r.name.startsWith(`${tenant}-`)).length;
    const batches: string[][] = [];
    const registration = registerTenants(
        requests(count),
        (name, args, opts) => {
            const tenant = new TenantNamespace(name, args, opts);
            constructed.push(name);
            snapshots.push(new Map(constructed.map((t) => [t, answeredFor(t)])));
            return tenant;
        },
        {
            opts: () => ({ parent: layer, dependsOn: [gate] }),
            batchSize,
            onBatch: (keys) => batches.push([...keys]),
            release,
        },
    );
    const tenants = await registration.registered;
    await settled();
    const resources = [...recorded];
    // Every tenant registers the same number of resources (the same shape).
    const perTenant = answeredFor(constructed[0]);
    assert.ok(perTenant >= 8, String(perTenant));
    for (const t of constructed) {
        assert.strictEqual(answeredFor(t), perTenant, t);
    }
    const pendingAfterEach = snapshots.map(
        (snapshot) => [...snapshot.values()].filter((n) => n < perTenant).length,
    );
    const children = (layer as unknown as { __childResources?: Set<unknown> }).__childResources;
    return {
        tenants,
        keys: registration.keys,
        childrenLeft: children?.size ?? 0,
        pendingAfterEach,
        batches,
        resources,
    };
}

describe("tenants registered in bounded batches (components/platform/tenants.ts)", function () {
    this.timeout(120_000);

    before(() => {
        installMocks();
        installProviderStandIns();
    });

    it("never has more than a batch of tenants waiting for their registrations", async () => {
        const { pendingAfterEach, batches, tenants } = await observe(10, 4);
        assert.deepStrictEqual(batches, [
            ["tenant-01", "tenant-02", "tenant-03", "tenant-04"],
            ["tenant-05", "tenant-06", "tenant-07", "tenant-08"],
            ["tenant-09", "tenant-10"],
        ]);
        // Within a batch every constructed tenant is pending; the batch before it is answered.
        assert.deepStrictEqual(pendingAfterEach, [1, 2, 3, 4, 1, 2, 3, 4, 1, 2]);
        assert.deepStrictEqual(
            Object.keys(tenants),
            requests(10).map((r) => r.key),
        );
    });

    it("registers what one loop would: the same resources, parents, options and dependencies", async () => {
        const batched = await observe(10, 3);
        const oneBatch = await observe(10, 10);
        // One batch of all tenants is the plain loop: every tenant pending at once.
        assert.deepStrictEqual(oneBatch.pendingAfterEach, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert.strictEqual(batched.resources.length, oneBatch.resources.length);
        assert.deepStrictEqual(
            batched.resources.map((r) => shape(r)).sort(),
            oneBatch.resources.map((r) => shape(r)).sort(),
        );
        // Each tenant's Namespace waits for the gate it was given.
        const gateUrn = oneBatch.resources.find((r) => r.name === "enforcement-gate")?.urn;
        const namespaces = batched.resources.filter(
            (r) => r.type === "kubernetes:core/v1:Namespace",
        );
        assert.strictEqual(namespaces.length, 10);
        for (const ns of namespaces) {
            assert.ok(gateUrn !== undefined && ns.dependencies.includes(gateUrn), ns.name);
        }
    });

    it("lets each registered batch go when asked, registering the same resources", async () => {
        const kept = await observe(10, 4);
        const released = await observe(10, 4, true);
        assert.deepStrictEqual(
            kept.keys,
            requests(10).map((r) => r.key),
        );
        assert.deepStrictEqual(released.keys, kept.keys);
        // Kept: every tenant, and the parent lists each as its child.
        assert.strictEqual(Object.keys(kept.tenants).length, 10);
        assert.strictEqual(kept.childrenLeft, 10);
        // Let go: nothing of the program holds a registered tenant any more.
        assert.deepStrictEqual(released.tenants, {});
        assert.strictEqual(released.childrenLeft, 0);
        assert.deepStrictEqual(released.pendingAfterEach, kept.pendingAfterEach);
        assert.deepStrictEqual(
            released.resources.map((r) => shape(r)).sort(),
            kept.resources.map((r) => shape(r)).sort(),
        );
    });

    it("constructs the first batch before returning and throws its errors there", async () => {
        const { registerTenants } = await import("../../components/platform/tenants");
        const seen: string[] = [];
        const registration = registerTenants(
            requests(5),
            (name) => {
                seen.push(name);
                return new Group(`${name}-first`);
            },
            { opts: () => ({}), batchSize: 2 },
        );
        assert.deepStrictEqual(seen, ["tenant-01", "tenant-02"]);
        assert.deepStrictEqual(Object.keys(registration.tenants), ["tenant-01", "tenant-02"]);
        await registration.registered;
        assert.deepStrictEqual(seen, [
            "tenant-01",
            "tenant-02",
            "tenant-03",
            "tenant-04",
            "tenant-05",
        ]);
        assert.throws(
            () =>
                registerTenants(
                    requests(3),
                    () => {
                        throw new Error("tenant refused");
                    },
                    { opts: () => ({}), batchSize: 2 },
                ),
            /^Error: tenant refused$/,
        );
        await settled();
    });

    it("rejects `registered` with the error of a later batch", async () => {
        const { registerTenants } = await import("../../components/platform/tenants");
        const registration = registerTenants(
            requests(3),
            (name) => {
                if (name === "tenant-03") {
                    throw new Error("tenant-03 refused");
                }
                return new Group(`${name}-later`);
            },
            { opts: () => ({}), batchSize: 2 },
        );
        await assert.rejects(registration.registered, /^Error: tenant-03 refused$/);
        await settled();
    });

    it("refuses a batch size that is not a positive integer and a tenant listed twice", async () => {
        const { registerTenants } = await import("../../components/platform/tenants");
        const factory = (name: string): Group => new Group(`${name}-refused`);
        for (const batchSize of [0, -1, 1.5, Number.NaN]) {
            assert.throws(
                () => registerTenants(requests(1), factory, { opts: () => ({}), batchSize }),
                new RegExp(
                    `^Error: tenant batch size ${String(batchSize)}: expected a positive integer \\(default 200\\)$`,
                ),
            );
        }
        assert.throws(
            () =>
                registerTenants([...requests(2), requests(1)[0]], factory, {
                    opts: () => ({}),
                }),
            /^Error: tenant "tenant-01" is listed twice: expected unique names$/,
        );
    });

    it("gives the platform the same graph in batches as in one (prod plus generated tenants)", async () => {
        const raw = readStackConfig(projectDir, "prod").values;
        const tenants = JSON.parse(raw["sovereign-contour:tenants"]) as { name: string }[];
        for (let i = 0; i < 5; i++) {
            tenants.push({ ...tenants[0], name: `gen-${i}` });
        }
        const settings: PlatformSettings = loadSettings({
            ...raw,
            "sovereign-contour:tenants": JSON.stringify(tenants),
        }).settings;
        const mod = await import("../../components/platform");
        const build = async (
            tenantBatchSize: number,
            releaseTenants: boolean | undefined,
        ): Promise<{ platform: Platform; resources: RecordedResource[]; keys: string[] }> => {
            resetRecorded();
            const platform = new mod.Platform("platform", {
                settings,
                tenantBatchSize,
                releaseTenants,
            });
            // On construction: the first batch.
            const first = Object.keys(platform.tenants);
            assert.strictEqual(first.length, Math.min(tenantBatchSize, tenants.length));
            const all = await platform.tenantsRegistered;
            assert.strictEqual(all, platform.tenants);
            assert.deepStrictEqual(
                platform.tenantNames,
                tenants.map((t) => t.name),
            );
            await settled();
            return { platform, resources: [...recorded], keys: Object.keys(all) };
        };
        const released = await build(2, true);
        assert.deepStrictEqual(released.keys, [], "every batch let go");
        const batched = await build(2, false);
        const whole = await build(1000, false);
        // By default, a stack of more than one batch lets its batches go, and one of at most one
        // batch keeps every tenant.
        assert.deepStrictEqual((await build(2, undefined)).keys, []);
        assert.deepStrictEqual(
            (await build(1000, undefined)).keys,
            tenants.map((t) => t.name),
        );
        assert.deepStrictEqual(
            batched.keys,
            tenants.map((t) => t.name),
        );
        assert.deepStrictEqual(whole.keys, batched.keys);
        // Tenant resources with their inputs; the platform's own without (random stand-ins).
        const of = (resources: RecordedResource[]): string[] =>
            resources
                .map((r) => shape(r, r.urn.includes("sovereign:baseline:TenantNamespace")))
                .sort();
        assert.strictEqual(
            batched.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").length,
            whole.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").length,
        );
        assert.deepStrictEqual(of(batched.resources), of(whole.resources));
        assert.deepStrictEqual(of(released.resources), of(whole.resources));
    });
});
