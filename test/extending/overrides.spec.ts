/**
 * The Platform's overrides (components/platform/overrides.ts): secure by default (no override, or
 * an empty one, builds exactly the platform of the settings) and checked before anything is
 * created. Each wrong override is refused with one error naming the override, the value and what
 * is expected: an unknown component, an override that is not exactly one of args, factory and
 * disabled, an argument the platform wires, a mandatory component disabled, a disable without a
 * one-line reason, a disable that leaves a running component without one it needs, and a factory
 * that returns no component.
 */
import * as assert from "node:assert/strict";
import type { PlatformOverrides } from "../../components";
import type { PlatformSettings } from "../../stacks";
import { installMocks, installTlsStandIns, recorded, resetRecorded, settled } from "../util/mocks";
import { buildPlatform, differences, stackSettings } from "./util";

const components =
    "systemNamespaces, encryptionAtRest, auditPolicy, controlPlane, kubeletHardening, " +
    "gatekeeper, kyverno, certManager, linkerd, falco, platformNetwork, tenantNamespace or " +
    "breakGlass";

describe("Platform overrides: secure by default, checked before anything is created", function () {
    this.timeout(120_000);
    let settings: PlatformSettings;

    before(() => {
        installMocks();
        installTlsStandIns();
        settings = stackSettings("prod");
    });

    it("builds the settings' platform exactly with no override and with an empty one", async () => {
        const none = await buildPlatform(settings);
        const empty = await buildPlatform(settings, {});
        const unset = await buildPlatform(settings, { falco: undefined });
        assert.ok(none.resources.length > 100);
        assert.deepEqual(differences(none.resources, empty.resources), []);
        assert.deepEqual(differences(none.resources, unset.resources), []);
        assert.deepEqual(none.platform.disabledComponents, []);
    });

    /**
     * The message the Platform throws for `overrides` (as a JavaScript caller may pass them),
     * once it is checked that nothing but the Platform itself was created.
     */
    async function refusal(overrides: unknown, base: PlatformSettings = settings): Promise<string> {
        const { message, types } = await thrown(overrides, base);
        assert.deepEqual(types, ["sovereign:platform:Platform"]);
        return message;
    }

    /** What the Platform throws for `overrides`, and the types registered until then. */
    async function thrown(
        overrides: unknown,
        base: PlatformSettings = settings,
    ): Promise<{ message: string; types: string[] }> {
        const { Platform } = await import("../../components");
        resetRecorded();
        let message: string | undefined;
        try {
            new Platform("platform", {
                settings: base,
                overrides: overrides as PlatformOverrides,
            });
        } catch (e) {
            message = (e as Error).message;
        }
        await settled();
        assert.ok(message !== undefined, "the overrides were accepted");
        return { message, types: recorded.map((r) => r.type) };
    }

    const cases: [string, unknown, string][] = [
        [
            "an unknown component, with the closest name",
            { falcon: { disabled: { reason: "x" } } },
            `overrides.falcon: unknown component "falcon" (did you mean "falco"?); expected one of ${components}`,
        ],
        [
            "overrides that are not an object",
            ["falco"],
            `overrides is ["falco"]; expected an object with one entry per component to override (${components})`,
        ],
        [
            "two kinds at once",
            { gatekeeper: { args: { replicas: 5 }, disabled: { reason: "x" } } },
            'overrides.gatekeeper is {"args":{"replicas":5},"disabled":{"reason":"x"}}; expected ' +
                'an object with exactly one of "args", "factory" or "disabled"',
        ],
        [
            "args and a factory at once",
            { tenantNamespace: { args: { protect: false }, factory: () => undefined } },
            'overrides.tenantNamespace is {"args":{"protect":false},"factory":"<function>"}; ' +
                'expected an object with exactly one of "args" or "factory"',
        ],
        [
            "an unknown kind on a mandatory component",
            { auditPolicy: { replace: true } },
            'overrides.auditPolicy is {"replace":true}; expected an object with exactly one of ' +
                '"args" or "factory"',
        ],
        [
            "args that are not an object",
            { kyverno: { args: "Enforce" } },
            'overrides.kyverno.args is "Enforce"; expected an object of kyverno arguments',
        ],
        [
            "an argument the platform wires (the network-policy gate)",
            { gatekeeper: { args: { networkPolicies: "now" } } },
            "overrides.gatekeeper.args.networkPolicies: set by the platform (the platform's gate: " +
                "the component's charts wait for it until its namespace's NetworkPolicies exist); " +
                "expected no networkPolicies in the override",
        ],
        [
            "a tenant argument the platform wires (the reserved namespaces)",
            { tenantNamespace: { args: { reservedNamespaces: [] } } },
            "overrides.tenantNamespace.args.reservedNamespaces: set by the platform (the " +
                "platform's namespaces, which no tenant may take); expected no reservedNamespaces " +
                "in the override",
        ],
        [
            "a factory that is not a function",
            { falco: { factory: "TeamFalco" } },
            'overrides.falco.factory is "TeamFalco"; expected a function (name, args, opts) that ' +
                "creates the component",
        ],
        [
            "encryption at rest disabled",
            { encryptionAtRest: { disabled: { reason: "the disks are encrypted" } } },
            "overrides.encryptionAtRest.disabled: encryptionAtRest cannot be disabled (without it " +
                'the API server stores Secrets in etcd in plain text); expected "args" or "factory"',
        ],
        [
            "the audit policy disabled",
            { auditPolicy: { disabled: { reason: "too many logs" } } },
            "overrides.auditPolicy.disabled: auditPolicy cannot be disabled (without it the API " +
                'server keeps no audit trail); expected "args" or "factory"',
        ],
        [
            "the platform's network policies disabled",
            { platformNetwork: { disabled: { reason: "the CNI isolates" } } },
            "overrides.platformNetwork.disabled: platformNetwork cannot be disabled (without it " +
                "the platform's namespaces run without default-deny NetworkPolicies, and their " +
                'charts never start); expected "args" or "factory"',
        ],
        [
            "a disable without a reason",
            { kyverno: { disabled: { reason: "  " } } },
            'overrides.kyverno.disabled.reason is "  "; expected one line saying why the platform ' +
                "runs without kyverno (the check's report lists it)",
        ],
        [
            "a reason of two lines",
            { kyverno: { disabled: { reason: "a\nb" } } },
            'overrides.kyverno.disabled.reason is "a\\nb"; expected one line saying why the ' +
                "platform runs without kyverno (the check's report lists it)",
        ],
        [
            "cert-manager disabled while Linkerd and falcosidekick need it",
            { certManager: { disabled: { reason: "the site's PKI" } } },
            "overrides.certManager.disabled: Linkerd runs and its identity issuer and webhook " +
                "certificates come from cert-manager; expected linkerd disabled too " +
                "(overrides.linkerd.disabled or linkerd.enabled: false), or cert-manager kept; " +
                "overrides.certManager.disabled: Falco routes alerts through falcosidekick " +
                "(falco.alerts.mode), whose serving certificate cert-manager issues; expected " +
                'falco.alerts.mode "http" or "stdout", falco disabled too, or cert-manager kept',
        ],
        [
            "both admission controllers disabled",
            {
                gatekeeper: { disabled: { reason: "x" } },
                kyverno: { disabled: { reason: "y" } },
            },
            "overrides.gatekeeper.disabled and overrides.kyverno.disabled: leaves the cluster " +
                "without an admission controller (Gatekeeper and Kyverno both off), so nothing " +
                "refuses a non-compliant object applied outside Pulumi; expected at least one of " +
                "them to run",
        ],
    ];
    for (const [what, overrides, message] of cases) {
        it(`refuses ${what}`, async () => {
            assert.equal(await refusal(overrides), `invalid platform overrides: ${message}`);
        });
    }

    it("lists every problem at once", async () => {
        assert.equal(
            await refusal({
                auditPolicy: { disabled: { reason: "x" } },
                falcon: { args: {} },
            }),
            "invalid platform overrides: overrides.auditPolicy.disabled: auditPolicy cannot be " +
                'disabled (without it the API server keeps no audit trail); expected "args" or ' +
                `"factory"; overrides.falcon: unknown component "falcon" (did you mean "falco"?); ` +
                `expected one of ${components}`,
        );
    });

    it("refuses Kyverno disabled when the settings turn Gatekeeper off", async () => {
        assert.equal(
            await refusal(
                { kyverno: { disabled: { reason: "y" } } },
                { ...settings, gatekeeper: { ...settings.gatekeeper, enabled: false } },
            ),
            "invalid platform overrides: overrides.kyverno.disabled: leaves the cluster without " +
                "an admission controller (Gatekeeper and Kyverno both off), so nothing refuses a " +
                "non-compliant object applied outside Pulumi; expected at least one of them to run",
        );
    });

    it("accepts cert-manager disabled once Linkerd and Falco are too", async () => {
        const built = await buildPlatform(settings, {
            certManager: { disabled: { reason: "the site's PKI issues certificates" } },
            linkerd: { disabled: { reason: "no mesh: the CNI encrypts pod traffic" } },
            falco: { disabled: { reason: "the site's own sensors" } },
        });
        assert.deepEqual(built.platform.disabledComponents, [
            { component: "certManager", reason: "the site's PKI issues certificates" },
            { component: "linkerd", reason: "no mesh: the CNI encrypts pod traffic" },
            { component: "falco", reason: "the site's own sensors" },
        ]);
        for (const type of ["CertManager", "Linkerd", "Falco"]) {
            assert.ok(!built.resources.some((r) => r.type === `sovereign:runtime:${type}`), type);
        }
    });

    it("refuses a factory that returns no component, naming it", async () => {
        const { message } = await thrown({
            breakGlass: { factory: () => ({ activeEntry: undefined }) },
        });
        assert.equal(
            message,
            'overrides.breakGlass.factory returned object for "platform-break-glass"; expected a ' +
                "pulumi.ComponentResource with BreakGlass's public members",
        );
    });
});
