/**
 * The platform obeys its own namespace-labels constraint (issue 16): tenant namespaces were refused
 * because the constraint required the keys `owner` and `tenant` while the namespaces carry
 * `tenancy.sovereign-contour.io/owner|tenant`. Here every committed stack is built under mocks and
 * every Namespace it registers must carry, non-empty, every label the rendered constraint requires.
 */
import * as assert from "assert";
import * as path from "path";
import { ownerLabel, platformOwner, tenantLabel } from "../../contract/labels";
import { loadSettings } from "../../stacks";
import { readStackConfig } from "../../tools/check/stack-config";
import {
    installMocks,
    installProviderStandIns,
    ofType,
    resetRecorded,
    settled,
} from "../util/mocks";
import { committedStacks } from "../util/stacks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const projectDir = path.join(__dirname, "..", "..");
const stacks = committedStacks();

describe("namespace labels: the platform's namespaces pass its own namespace-labels constraint", function () {
    this.timeout(60_000);

    before(() => {
        installMocks();
        installProviderStandIns();
    });

    it("finds the committed stacks", () => {
        // Every stack file, whatever its name (a new environment is covered without editing this).
        assert.ok(stacks.includes("dev") && stacks.includes("prod"), stacks.join(", "));
    });

    for (const stack of stacks) {
        it(`${stack}: every Namespace carries every required label`, async () => {
            const mod = await import("../../components/platform");
            resetRecorded();
            const { settings } = loadSettings(readStackConfig(projectDir, stack).values);
            new mod.Platform("platform", { settings });
            await settled();
            const constraint = ofType(
                "kubernetes:constraints.gatekeeper.sh/v1beta1:SovereignNamespaceLabels",
            );
            assert.strictEqual(constraint.length, settings.gatekeeper.enabled ? 1 : 0);
            const required: string[] = (constraint[0]?.inputs as Loose)?.spec.parameters.labels;
            assert.deepStrictEqual(required, [ownerLabel]);
            const excluded: string[] = (constraint[0]?.inputs as Loose).spec.match
                .excludedNamespaces;
            const namespaces = ofType("kubernetes:core/v1:Namespace");
            assert.ok(namespaces.length >= settings.tenants.length + 4);
            for (const ns of namespaces) {
                const meta = (ns.inputs as Loose).metadata;
                if (excluded.includes(meta.name)) {
                    continue;
                }
                for (const key of required) {
                    assert.ok(
                        typeof meta.labels?.[key] === "string" && meta.labels[key] !== "",
                        `${stack}: Namespace ${meta.name} lacks label ${key}`,
                    );
                }
            }
            for (const tenant of settings.tenants) {
                const ns = namespaces.find(
                    (n) => (n.inputs as Loose).metadata.name === tenant.name,
                );
                assert.strictEqual((ns?.inputs as Loose).metadata.labels[ownerLabel], tenant.owner);
                assert.strictEqual((ns?.inputs as Loose).metadata.labels[tenantLabel], tenant.name);
            }
            const platformNamespaces = namespaces.filter(
                (n) => !settings.tenants.some((t) => t.name === (n.inputs as Loose).metadata.name),
            );
            for (const ns of platformNamespaces) {
                assert.strictEqual(
                    (ns.inputs as Loose).metadata.labels[ownerLabel],
                    platformOwner,
                    (ns.inputs as Loose).metadata.name,
                );
            }
        });
    }
});
