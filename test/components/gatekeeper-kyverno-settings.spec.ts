import * as assert from "assert";
import * as path from "path";
import { loadSettings } from "../../stacks";
import { expiredExemptions } from "../../contract/exemptions";
import type { AdmissionExemptionSettings as AdmissionExemption } from "../../components/platform/settings";
import { readStackConfig } from "../../tools/check/stack-config";
import { issuesOf } from "../util/settings";
import { committedStacks } from "../util/stacks";

const key = (k: string): string => `sovereign-contour:${k}`;
const projectDir = path.join(__dirname, "..", "..");

const exemption = (over: Partial<AdmissionExemption> = {}): AdmissionExemption => ({
    name: "legacy-exporter",
    namespace: "monitoring",
    policies: ["pod-hardening"],
    owner: "team-observability",
    workloads: [],
    justification: "node exporter reads host metrics; replaced by the CNI-native exporter in Q3",
    expires: "2030-06-30",
    ...over,
});

describe("settings of gatekeeper, kyverno and admissionExemptions (components/{gatekeeper,kyverno}/settings.ts, components/platform/settings.ts)", () => {
    it("defaults to enforcing, failing closed, three replicas and only the system namespaces exempt", () => {
        const { settings } = loadSettings({});
        assert.strictEqual(settings.gatekeeper.enabled, true);
        assert.strictEqual(settings.gatekeeper.enforcementAction, "deny");
        assert.strictEqual(settings.gatekeeper.failurePolicy, "Fail");
        assert.strictEqual(settings.gatekeeper.replicas, 3);
        assert.deepStrictEqual(settings.gatekeeper.requiredNamespaceLabels, [
            "tenancy.sovereign-contour.io/owner",
        ]);
        assert.strictEqual(settings.kyverno.enabled, true);
        assert.strictEqual(settings.kyverno.validationFailureAction, "Enforce");
        assert.strictEqual(settings.kyverno.failurePolicy, "Fail");
        assert.strictEqual(settings.kyverno.replicas, 3);
        assert.strictEqual(settings.kyverno.imageVerification.enabled, true);
        const system = [
            "kube-system",
            "kube-public",
            "kube-node-lease",
            "gatekeeper-system",
            "kyverno",
        ];
        assert.deepStrictEqual(settings.gatekeeper.exemptNamespaces, system);
        assert.deepStrictEqual(settings.kyverno.exemptNamespaces, system);
        assert.deepStrictEqual(settings.admissionExemptions, []);
    });

    it("reads the dev stack as audit-only and failing open with one replica", () => {
        const { settings } = loadSettings(readStackConfig(projectDir, "dev").values);
        assert.strictEqual(settings.gatekeeper.enforcementAction, "dryrun");
        assert.strictEqual(settings.gatekeeper.failurePolicy, "Ignore");
        assert.strictEqual(settings.gatekeeper.replicas, 1);
        assert.strictEqual(settings.kyverno.validationFailureAction, "Audit");
        assert.strictEqual(settings.kyverno.failurePolicy, "Ignore");
        assert.strictEqual(settings.kyverno.replicas, 1);
        assert.deepStrictEqual(settings.kyverno.imageVerification.publicKeys, [
            "k8s://kyverno/cosign-public-key",
        ]);
    });

    it("reads the prod stack as denying and failing closed with three replicas", () => {
        const { settings } = loadSettings(readStackConfig(projectDir, "prod").values);
        assert.strictEqual(settings.gatekeeper.enforcementAction, "deny");
        assert.strictEqual(settings.gatekeeper.failurePolicy, "Fail");
        assert.strictEqual(settings.gatekeeper.replicas, 3);
        assert.strictEqual(settings.kyverno.validationFailureAction, "Enforce");
        assert.strictEqual(settings.kyverno.failurePolicy, "Fail");
        assert.strictEqual(settings.kyverno.replicas, 3);
        assert.deepStrictEqual(settings.gatekeeper.exposedServiceNamespaces, ["ingress-gateway"]);
    });

    it("names the key, the value and the expectation for invalid values, all at once", () => {
        assert.deepStrictEqual(
            issuesOf({
                [key("gatekeeper")]: JSON.stringify({ enforcementAction: "block", replicas: 0 }),
                [key("kyverno")]: JSON.stringify({
                    validationFailureAction: "enforce",
                    failurePolicy: "Open",
                    webhookTimeoutSeconds: 45,
                }),
            }),
            [
                'sovereign-contour:gatekeeper.enforcementAction: expected "dryrun", "warn" or "deny" (got "block")',
                "sovereign-contour:gatekeeper.replicas: expected at least 1 replica (got 0)",
                'sovereign-contour:kyverno.validationFailureAction: expected "Audit" or "Enforce" (got "enforce")',
                'sovereign-contour:kyverno.failurePolicy: expected "Fail" (fail closed) or "Ignore" (got "Open")',
                "sovereign-contour:kyverno.webhookTimeoutSeconds: expected 1 to 30 seconds (the API server's webhook limit) (got 45)",
            ],
        );
    });

    it("rejects unknown keys with a suggestion", () => {
        assert.deepStrictEqual(issuesOf({ [key("kyverno")]: JSON.stringify({ replica: 2 }) }), [
            'sovereign-contour:kyverno: unknown setting "replica" (did you mean "replicas"?); known: ' +
                "enabled, namespace, validationFailureAction, failurePolicy, replicas, " +
                "webhookTimeoutSeconds, exemptNamespaces, imageVerification, generateDefaultDeny",
        ]);
    });

    it("requires every exemption to name known rules, justify itself and carry a real date", () => {
        assert.deepStrictEqual(
            issuesOf({
                [key("admissionExemptions")]: JSON.stringify([
                    exemption({
                        policies: ["no-such-rule" as "pod-hardening"],
                        justification: "needed",
                        expires: "2030-02-31",
                    }),
                ]),
            }),
            [
                "sovereign-contour:admissionExemptions[0].policies[0]: expected a policy ID: " +
                    "allowed-registries, image-tags, namespace-labels, service-exposure, external-ips, " +
                    "rbac-wildcards, pod-hardening, resource-limits, secure-defaults, verify-images, " +
                    'pod-security, service-account-token-opt-in (got "no-such-rule")',
                'sovereign-contour:admissionExemptions[0].justification: expected a justification of at least 20 characters (got "needed")',
                'sovereign-contour:admissionExemptions[0].expires: expected a valid calendar date (got "2030-02-31")',
            ],
        );
    });

    it("rejects two exemptions with the same name", () => {
        assert.deepStrictEqual(
            issuesOf({
                [key("admissionExemptions")]: JSON.stringify([exemption(), exemption()]),
            }),
            [
                'sovereign-contour:admissionExemptions[1].name: duplicate admission exemption "legacy-exporter" (got "legacy-exporter")',
            ],
        );
    });

    it("treats an exemption as valid through its expiry day and expired the day after", () => {
        const e = exemption({ expires: "2030-06-30" });
        assert.deepStrictEqual(expiredExemptions([e], new Date("2030-06-30T23:59:59Z")), []);
        assert.deepStrictEqual(expiredExemptions([e], new Date("2030-07-01T00:00:00Z")), [e]);
    });

    it("requires the owner accountable for each exemption", () => {
        const withoutOwner: Partial<AdmissionExemption> = exemption();
        delete withoutOwner.owner;
        assert.deepStrictEqual(
            issuesOf({ [key("admissionExemptions")]: JSON.stringify([withoutOwner]) }),
            ["sovereign-contour:admissionExemptions[0].owner: Required (got missing)"],
        );
    });

    describe("Pod Security below restricted only through an exemption record", () => {
        const privileged = (name: string) => ({
            name,
            podSecurity: "privileged",
            reason: "host agent",
        });
        it("refuses a system namespace below restricted without a record, naming both keys", () => {
            assert.deepStrictEqual(
                issuesOf({ [key("systemNamespaces")]: JSON.stringify([privileged("agents")]) }),
                [
                    'sovereign-contour:systemNamespaces[0].podSecurity: namespace "agents" enforces ' +
                        'Pod Security "privileged" without an exemption record: add an ' +
                        'admissionExemptions entry with namespace "agents", podSecurity "privileged", ' +
                        'owner, justification and expires (got "privileged")',
                ],
            );
        });
        it("refuses a record whose level differs from the namespace's", () => {
            assert.deepStrictEqual(
                issuesOf({
                    [key("systemNamespaces")]: JSON.stringify([privileged("agents")]),
                    [key("admissionExemptions")]: JSON.stringify([
                        exemption({ namespace: "agents", podSecurity: "baseline" }),
                    ]),
                }),
                [
                    'sovereign-contour:systemNamespaces[0].podSecurity: namespace "agents" enforces ' +
                        'Pod Security "privileged" but admissionExemptions "legacy-exporter" records ' +
                        '"baseline": make them equal (got "privileged")',
                ],
            );
        });
        it("refuses a record lowering a namespace that is not the platform's own", () => {
            assert.deepStrictEqual(
                issuesOf({
                    [key("admissionExemptions")]: JSON.stringify([
                        exemption({ namespace: "inference", podSecurity: "privileged" }),
                    ]),
                }),
                [
                    'sovereign-contour:admissionExemptions[0].podSecurity: exemption "legacy-exporter" ' +
                        'lowers Pod Security of "inference", which is not a systemNamespaces entry: only ' +
                        'the platform\'s own namespaces may run below restricted (got "privileged")',
                ],
            );
        });
        it("accepts the committed stacks: each privileged namespace has its record", () => {
            for (const stack of committedStacks()) {
                const { settings } = loadSettings(readStackConfig(projectDir, stack).values);
                const below = settings.systemNamespaces
                    .filter((ns) => ns.podSecurity !== "restricted")
                    .map((ns) => ns.name);
                const recorded = settings.admissionExemptions
                    .filter((e) => e.podSecurity !== undefined)
                    .map((e) => e.namespace);
                assert.deepStrictEqual(below, ["falco", "linkerd-cni"], stack);
                assert.deepStrictEqual(recorded, below, stack);
                for (const e of settings.admissionExemptions.filter(
                    (r) => r.podSecurity !== undefined,
                )) {
                    assert.deepStrictEqual(
                        [...e.policies].sort(),
                        ["pod-hardening", "pod-security", "secure-defaults"],
                        `${stack}: ${e.name}`,
                    );
                    assert.strictEqual(e.owner, "platform-security");
                }
            }
        });
    });
});
