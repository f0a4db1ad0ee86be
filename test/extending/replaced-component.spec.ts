/**
 * docs/extending.md, "A replaced or reconfigured component": the three overrides the page shows
 * (test/extending/examples/), each built under the mocks and compared resource by resource with
 * the platform of prod without overrides, and each run through the offline check with the packs
 * on a copy of the project whose index.ts passes it:
 * - a factory: Falco replaced by the team's own component with Falco's public shape;
 * - extra arguments: Gatekeeper's disallowed tags;
 * - disabled with a reason: no Falco, the reason in the report.
 */
import * as assert from "node:assert/strict";
import { tenantNamespaceAfterEnforcement } from "../../policypacks/platform-guardrails/policies/tenant-namespace-after-enforcement";
import { installMocks, installTlsStandIns, RecordedResource } from "../util/mocks";
import { runStackPolicy, toPolicyResources } from "../util/recorded-stack";
import { buildPlatform, Built, differences, keyOf, projectCopy, stackSettings } from "./util";

const stack = "prod";
const falcoType = "sovereign:runtime:Falco";
const teamType = "acme:runtime:TeamRuntimeDetection";

/** The resources under (and including) the component `type name`. */
function subtree(resources: readonly RecordedResource[], root: string): Set<string> {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const under = new Set<string>();
    for (const r of resources) {
        for (let p: RecordedResource | undefined = r; p !== undefined; p = byUrn.get(p.parent)) {
            if (keyOf(p) === root) {
                under.add(keyOf(r));
                break;
            }
        }
    }
    return under;
}

describe("docs/extending.md: a replaced or reconfigured component", function () {
    this.timeout(600_000);
    let plain: Built;

    before(async () => {
        installMocks();
        // Key material named after its resource, so that builds can be compared.
        installTlsStandIns();
        plain = await buildPlatform(stackSettings(stack));
    });

    describe("Falco replaced by the team's component (factory)", () => {
        let replaced: Built;
        before(async () => {
            const { overrides } = await import("./examples/team-falco");
            replaced = await buildPlatform(stackSettings(stack), overrides);
        });

        it("puts the team's component where Falco was, with Falco inside, and changes nothing else", () => {
            const falcoKey = `${falcoType} platform-falco`;
            const teamKey = `${teamType} platform-falco`;
            assert.deepEqual(differences(plain.resources, replaced.resources), [
                `+ ${teamKey} (parent sovereign:platform:Layer platform-runtime)`,
                "~ kubernetes:helm.sh/v4:Chart platform-falco-chart inputs.values.falco.priority: " +
                    '"notice" -> "info"',
                "~ sovereign:charts:ChartSource platform-falco-chart-source inputs.values.falco.priority: " +
                    '"notice" -> "info"',
                `~ ${falcoKey} parent: sovereign:platform:Layer platform-runtime -> ${teamKey}`,
            ]);
            // Everything Falco created is still under it.
            assert.deepEqual(
                [...subtree(replaced.resources, falcoKey)].sort(),
                [...subtree(plain.resources, falcoKey)].sort(),
            );
        });

        it("waits for the layers before runtime, as Falco did", () => {
            const original = plain.resources.find((r) => r.type === falcoType);
            const team = replaced.resources.find((r) => r.type === teamType);
            assert.ok(original !== undefined && team !== undefined);
            assert.ok(original.dependencies.length > 0);
            assert.deepEqual([...team.dependencies].sort(), [...original.dependencies].sort());
        });

        it("is the platform's falco, and its release is the runtime gate tenants wait for", async () => {
            const { TeamRuntimeDetection } = await import("./examples/team-falco");
            const falco = replaced.platform.falco;
            assert.ok(falco instanceof TeamRuntimeDetection);
            assert.ok(replaced.platform.gates.runtime.includes(falco.release));
            assert.deepEqual(
                await runStackPolicy(
                    tenantNamespaceAfterEnforcement,
                    toPolicyResources(replaced.resources),
                ),
                [],
            );
        });
    });

    describe("Gatekeeper with extra arguments (args)", () => {
        it("changes the image-tag constraint's parameters, and nothing else", async () => {
            const { overrides } = await import("./examples/gatekeeper-tags");
            const reconfigured = await buildPlatform(stackSettings(stack), overrides);
            const constraint =
                "kubernetes:constraints.gatekeeper.sh/v1beta1:SovereignImageTags " +
                "platform-gatekeeper-constraint-image-tags";
            assert.deepEqual(differences(plain.resources, reconfigured.resources), [
                `~ ${constraint} inputs.spec.parameters.disallowedTags.1: undefined -> "main"`,
                `~ ${constraint} inputs.spec.parameters.disallowedTags.2: undefined -> "nightly"`,
            ]);
            const [tags] = reconfigured.resources.filter((r) => keyOf(r) === constraint);
            assert.deepEqual(tags.inputs.spec.parameters.disallowedTags, [
                "latest",
                "main",
                "nightly",
            ]);
        });
    });

    describe("Falco disabled with a reason", () => {
        const reason = "runtime detection by the site's own sensors (SecOps decision SEC-2041)";
        let disabled: Built;
        before(async () => {
            const { overrides } = await import("./examples/without-falco");
            disabled = await buildPlatform(stackSettings(stack), overrides);
        });

        it("reports the component and its reason", () => {
            assert.equal(disabled.platform.falco, undefined);
            assert.deepEqual(disabled.platform.disabledComponents, [
                { component: "falco", reason },
            ]);
        });

        it("builds exactly the platform of falco.enabled: false", async () => {
            const settings = stackSettings(stack);
            const off = await buildPlatform({
                ...settings,
                falco: { ...settings.falco, enabled: false },
            });
            assert.deepEqual(differences(off.resources, disabled.resources), []);
            assert.deepEqual(off.platform.disabledComponents, [
                { component: "falco", reason: "falco.enabled is false in the stack settings" },
            ]);
            assert.ok(!disabled.resources.some((r) => r.type === falcoType));
            assert.ok(disabled.resources.length < plain.resources.length);
        });
    });

    describe("the offline check with the packs, on a copy whose index.ts passes the overrides", () => {
        for (const example of ["team-falco", "gatekeeper-tags"]) {
            it(`passes prod with ${example}`, () => {
                const copy = projectCopy();
                copy.useOverrides(example);
                const run = copy.check(["--stack", stack], stack);
                assert.equal(run.status, 0, run.output);
                assert.deepEqual(run.report.violations, []);
                assert.deepEqual(run.report.summary, {
                    mandatory: 0,
                    advisory: 0,
                    schemaErrors: 0,
                });
                assert.equal(run.report.disabledComponents, undefined);
            });
        }

        it("passes prod without Falco, and lists it with its reason in report.json and report.md", () => {
            const copy = projectCopy();
            copy.useOverrides("without-falco");
            const run = copy.check(["--stack", stack], stack);
            assert.equal(run.status, 0, run.output);
            assert.equal(run.report.summary.mandatory, 0);
            assert.deepEqual(run.report.disabledComponents, [
                {
                    component: "falco",
                    reason: "runtime detection by the site's own sensors (SecOps decision SEC-2041)",
                },
            ]);
            assert.ok(
                run.markdown.includes(
                    "\n## Disabled components\n\nThe platform runs without:\n\n" +
                        "- falco: runtime detection by the site's own sensors (SecOps decision SEC-2041)\n\n" +
                        "## Break-glass\n",
                ),
                run.markdown,
            );
            assert.equal(run.report.resourcesByType[falcoType], undefined);
            // Nothing of Falco is left to mirror either (mirror.json's image sources).
            const sources = run.mirror.imageSources.map((i) => i.source);
            assert.ok(sources.length > 0, "mirror.json lists image sources");
            assert.deepEqual(
                sources.filter((s) => s.includes("falcosecurity/")),
                [],
                sources.join(", "),
            );
        });
    });
});
