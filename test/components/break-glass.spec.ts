import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { renderBreakGlassBinding } from "../../components/break-glass/render";
import { rbacRestrictClusterAdmin } from "../../policypacks/platform-guardrails/policies/rbac-restrict-cluster-admin";
import { assertGolden } from "../util/golden";
import { installMocks, named, recorded, resetRecorded, settled } from "../util/mocks";
import { runResourcePolicy } from "../util/policy-harness";

const now = new Date("2025-03-01T12:00:00Z");

const entry = {
    group: "oidc:platform-break-glass",
    clusterRole: "cluster-admin",
    expiresAt: "2025-03-01T18:00:00Z",
    reason: "INC-4711: etcd restore after storage failure",
};

/** A stand-in custom resource the component is ordered after. */
class Stub extends pulumi.CustomResource {
    constructor(type: string, name: string) {
        super(type, name, {});
    }
}

describe("components/break-glass", () => {
    describe("render", () => {
        it("renders the binding as in the golden file", () => {
            assertGolden(
                "tenant-break-glass-binding.golden.json",
                JSON.stringify(renderBreakGlassBinding(entry), null, 2) + "\n",
            );
        });

        it("binds only the group to the ClusterRole and records expiry and reason on the object", () => {
            const binding = JSON.parse(JSON.stringify(renderBreakGlassBinding(entry)));
            assert.deepStrictEqual(binding.subjects, [
                {
                    apiGroup: "rbac.authorization.k8s.io",
                    kind: "Group",
                    name: "oidc:platform-break-glass",
                },
            ]);
            assert.deepStrictEqual(binding.roleRef, {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "cluster-admin",
            });
            assert.deepStrictEqual(binding.metadata.annotations, {
                "security.sovereign-contour.io/break-glass-expires-at": "2025-03-01T18:00:00Z",
                "security.sovereign-contour.io/break-glass-reason":
                    "INC-4711: etcd restore after storage failure",
            });
        });

        it("is refused by rbac-restrict-cluster-admin unless the stack lists it", async () => {
            const props = JSON.parse(JSON.stringify(renderBreakGlassBinding(entry)));
            const type = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
            assert.strictEqual(
                (await runResourcePolicy(rbacRestrictClusterAdmin, { type, props })).length,
                1,
            );
            assert.deepStrictEqual(
                await runResourcePolicy(rbacRestrictClusterAdmin, {
                    type,
                    props,
                    config: { allowedBindings: ["sovereign-break-glass"] },
                }),
                [],
            );
        });
    });

    describe("BreakGlass component (mocks)", () => {
        let BreakGlass: typeof import("../../components/break-glass").BreakGlass;
        before(async () => {
            installMocks();
            ({ BreakGlass } = await import("../../components/break-glass"));
        });
        beforeEach(resetRecorded);

        it("creates nothing while disabled, and still names the group for the audit policy", async () => {
            const c = new BreakGlass("bg", { enabled: false, group: entry.group });
            await settled();
            assert.deepStrictEqual(
                recorded.map((r) => r.name),
                ["bg"],
            );
            assert.strictEqual(c.activeEntry, undefined);
            assert.strictEqual(c.binding, undefined);
            assert.deepStrictEqual(c.groups, ["oidc:platform-break-glass"]);
        });

        it("has no group at all by default", async () => {
            const c = new BreakGlass("bg", {});
            await settled();
            assert.deepStrictEqual(c.groups, []);
            assert.deepStrictEqual(
                recorded.map((r) => r.name),
                ["bg"],
            );
        });

        it("binds the group while enabled and exposes the active entry", async () => {
            const gate = new Stub("test:index:Gate", "gate");
            const c = new BreakGlass(
                "bg",
                {
                    enabled: true,
                    group: entry.group,
                    expiresAt: entry.expiresAt,
                    reason: entry.reason,
                    now,
                },
                { dependsOn: [gate] },
            );
            await settled();
            assert.strictEqual(named("bg").type, "sovereign:baseline:BreakGlass");
            const binding = named("bg-binding");
            assert.strictEqual(
                binding.type,
                "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            );
            assert.strictEqual(binding.parent, named("bg").urn);
            assert.deepStrictEqual(
                binding.inputs,
                JSON.parse(JSON.stringify(renderBreakGlassBinding(entry))),
            );
            assert.ok(binding.dependencies.includes(named("gate").urn));
            assert.strictEqual(binding.protect, false);
            assert.deepStrictEqual(c.activeEntry, entry);
            assert.deepStrictEqual(c.groups, ["oidc:platform-break-glass"]);
        });

        const refuses = (args: Record<string, unknown>, message: string) => () =>
            assert.throws(
                () => new BreakGlass("bg", { enabled: true, now, ...args }),
                (e: unknown) => e instanceof pulumi.ResourceError && e.message === message,
            );

        it(
            "refuses an expired entry",
            refuses(
                { group: entry.group, reason: entry.reason, expiresAt: "2025-03-01T11:59:59Z" },
                "break-glass expired at 2025-03-01T11:59:59Z (now 2025-03-01T12:00:00.000Z)",
            ),
        );
        it(
            "refuses an entry expiring exactly now",
            refuses(
                { group: entry.group, reason: entry.reason, expiresAt: "2025-03-01T12:00:00Z" },
                "break-glass expired at 2025-03-01T12:00:00Z (now 2025-03-01T12:00:00.000Z)",
            ),
        );
        it(
            "refuses an entry without reason, group and expiry, naming all three",
            refuses(
                { reason: "  " },
                "break-glass is enabled without a group: set group; " +
                    "break-glass is enabled without a reason: set reason; " +
                    "break-glass is enabled without a valid expiresAt (ISO 8601 with a zone)",
            ),
        );
        it(
            "refuses an expiry more than 168 hours ahead",
            refuses(
                { group: entry.group, reason: entry.reason, expiresAt: "2025-03-08T12:00:01Z" },
                "break-glass expiresAt 2025-03-08T12:00:01Z is more than 168 hours after now (2025-03-01T12:00:00.000Z)",
            ),
        );
        it("accepts an expiry exactly 168 hours ahead", async () => {
            const c = new BreakGlass("bg", {
                ...entry,
                enabled: true,
                expiresAt: "2025-03-08T12:00:00Z",
                now,
            });
            await settled();
            assert.strictEqual(c.activeEntry?.expiresAt, "2025-03-08T12:00:00Z");
        });
        it("refuses a Kubernetes system group even while disabled", () => {
            assert.throws(
                () => new BreakGlass("bg", { group: "system:masters" }),
                (e: unknown) =>
                    e instanceof pulumi.ResourceError &&
                    e.message ===
                        'break-glass group "system:masters" is a Kubernetes system group; use an identity-provider group',
            );
        });
    });
});
