import * as assert from "assert";
import * as path from "path";
import type * as pulumiType from "@pulumi/pulumi";
import type { KyvernoArgs } from "../../components/kyverno";
import {
    chartImage,
    expiresAnnotation,
    imageReferencesFor,
    justificationAnnotation,
    kyvernoLabels,
    kyvernoTokenReasons,
    PoliciesInput,
    renderClusterPolicies,
    renderKyvernoNamespace,
    renderKyvernoValues,
    renderPolicyException,
} from "../../components/kyverno/render";
import { serviceAccountTokenReasonAnnotation } from "../../contract/annotations";
import { loadSettings } from "../../stacks";
import type { AdmissionExemption } from "../../contract/exemptions";
import { readStackConfig } from "../../tools/check/stack-config";
import { assertGoldenJson } from "../util/golden";
import { installMocks, marker, named, recorded, resetRecorded, settled } from "../util/mocks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

import { legacyExporterExemption, prodLikePoliciesInput } from "../fixtures/admission/kyverno";
const upstreamImages = {
    admissionController: chartImage("reg.kyverno.io", "kyverno/kyverno", "v1.19.0", {}),
    admissionInit: chartImage("reg.kyverno.io", "kyverno/kyvernopre", "v1.19.0", {}),
    backgroundController: chartImage(
        "reg.kyverno.io",
        "kyverno/background-controller",
        "v1.19.0",
        {},
    ),
    cleanupController: chartImage("reg.kyverno.io", "kyverno/cleanup-controller", "v1.19.0", {}),
    reportsController: chartImage("reg.kyverno.io", "kyverno/reports-controller", "v1.19.0", {}),
    readinessChecker: chartImage("ghcr.io", "kyverno/readiness-checker", "v1.19.0", {}),
};

const valuesInput = {
    namespace: "kyverno",
    replicas: 3,
    failurePolicy: "Fail" as const,
    exemptNamespaces: ["gatekeeper-system", "kube-system", "kyverno"],
    images: upstreamImages,
};

const policiesInput: PoliciesInput = prodLikePoliciesInput;

const exemption: AdmissionExemption = legacyExporterExemption;

const byName = (policies: Record<string, unknown>[], name: string): Loose => {
    const found = policies.find((p) => (p.metadata as { name: string }).name === name);
    assert.ok(found, `no policy ${name}`);
    return found;
};

describe("components/kyverno", () => {
    describe("render (golden files and security fields)", () => {
        it("renders the chart values as in the golden file", () => {
            assertGoldenJson("kyverno-values.json", renderKyvernoValues(valuesInput));
        });

        it("renders the ClusterPolicies as in the golden file", () => {
            assertGoldenJson("kyverno-policies.json", renderClusterPolicies(policiesInput));
        });

        it("renders the PolicyException of an exemption as in the golden file", () => {
            assertGoldenJson(
                "kyverno-policy-exception.json",
                renderPolicyException(exemption, "kyverno", true),
            );
        });

        it("handles every chart hook deliberately: CRDs as templates, migration and cleanup off", () => {
            const v: Loose = renderKyvernoValues(valuesInput);
            assert.strictEqual(v.crds.install, true);
            assert.strictEqual(v.crds.migration.enabled, false);
            assert.strictEqual(v.webhooksCleanup.enabled, false);
            // The hooks' and tests' readiness checker still names the pinned, mirrored image (at
            // the app version: the test image would default to `latest`).
            for (const image of [v.webhooksCleanup.image, v.test.image]) {
                assert.deepStrictEqual(image, {
                    registry: "ghcr.io",
                    repository: "kyverno/readiness-checker",
                    tag: "v1.19.0",
                    pullPolicy: "IfNotPresent",
                });
            }
        });

        it("opts each controller in to its service-account token, with the reason", () => {
            const v: Loose = renderKyvernoValues(valuesInput);
            for (const key of Object.keys(
                kyvernoTokenReasons,
            ) as (keyof typeof kyvernoTokenReasons)[]) {
                assert.deepStrictEqual(v[key].rbac.serviceAccount, {
                    automountServiceAccountToken: true,
                });
                assert.deepStrictEqual(v[key].podAnnotations, {
                    [serviceAccountTokenReasonAnnotation]: kyvernoTokenReasons[key],
                });
                assert.match(kyvernoTokenReasons[key], /Kubernetes API/);
            }
        });

        it("runs every container restricted, with CPU and memory requests and limits", () => {
            const v: Loose = renderKyvernoValues(valuesInput);
            const containers = [
                v.admissionController.container,
                v.admissionController.initContainer,
                v.backgroundController,
                v.cleanupController,
                v.reportsController,
            ];
            for (const c of containers) {
                assert.strictEqual(c.securityContext.runAsNonRoot, true);
                assert.strictEqual(c.securityContext.privileged, false);
                assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
                assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
                assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
                assert.deepStrictEqual(c.securityContext.seccompProfile, {
                    type: "RuntimeDefault",
                });
                assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
                assert.ok(c.resources.limits.cpu && c.resources.limits.memory);
            }
            for (const p of [
                v.admissionController,
                v.backgroundController,
                v.cleanupController,
                v.reportsController,
            ]) {
                assert.deepStrictEqual(p.podSecurityContext, {
                    runAsNonRoot: true,
                    seccompProfile: { type: "RuntimeDefault" },
                });
                assert.strictEqual(p.hostNetwork, false);
                assert.strictEqual(p.metricsService.create, true);
                assert.strictEqual(p.metering.disabled, false);
                assert.strictEqual(p.tracing.enabled, false);
            }
        });

        it("accepts PolicyExceptions only from its own namespace and keeps webhooks off the system namespaces", () => {
            const v: Loose = renderKyvernoValues(valuesInput);
            assert.deepStrictEqual(v.features.policyExceptions, {
                enabled: true,
                namespace: "kyverno",
            });
            assert.deepStrictEqual(v.config.webhooks.namespaceSelector.matchExpressions, [
                {
                    key: "kubernetes.io/metadata.name",
                    operator: "NotIn",
                    values: ["gatekeeper-system", "kube-system", "kyverno"],
                },
            ]);
        });

        it("calls home nowhere: no TUF download, no cloud credential helpers, no insecure registries", () => {
            const v: Loose = renderKyvernoValues(valuesInput);
            assert.strictEqual(v.features.tuf.enabled, false);
            assert.deepStrictEqual(v.features.registryClient, {
                allowInsecure: false,
                credentialHelpers: ["default"],
            });
        });

        it("forces failurePolicy Ignore only when the stack fails open", () => {
            const fail: Loose = renderKyvernoValues(valuesInput);
            assert.strictEqual(fail.features.forceFailurePolicyIgnore.enabled, false);
            const ignore: Loose = renderKyvernoValues({ ...valuesInput, failurePolicy: "Ignore" });
            assert.strictEqual(ignore.features.forceFailurePolicyIgnore.enabled, true);
        });

        it("sizes replicas and disruption budgets to the setting", () => {
            const three: Loose = renderKyvernoValues(valuesInput);
            assert.strictEqual(three.admissionController.replicas, 3);
            assert.deepStrictEqual(three.admissionController.podDisruptionBudget, {
                enabled: true,
                minAvailable: 2,
            });
            for (const c of [
                three.backgroundController,
                three.cleanupController,
                three.reportsController,
            ]) {
                assert.strictEqual(c.replicas, 2);
                assert.deepStrictEqual(c.podDisruptionBudget, { enabled: true, minAvailable: 1 });
            }
            const one: Loose = renderKyvernoValues({ ...valuesInput, replicas: 1 });
            for (const c of [
                one.admissionController,
                one.backgroundController,
                one.reportsController,
            ]) {
                assert.strictEqual(c.replicas, 1);
                assert.strictEqual(c.podDisruptionBudget.enabled, false);
            }
        });

        it("splits mirrored images the way the chart composes them", () => {
            assert.deepStrictEqual(
                chartImage("reg.kyverno.io", "kyverno/kyverno", "v1.19.0", {
                    mirror: "harbor.example/mirror",
                }),
                {
                    registry: "harbor.example/mirror",
                    repository: "kyverno/kyverno",
                    tag: "v1.19.0",
                },
            );
        });

        it("puts a recorded digest into the tag, so the chart renders registry/repository:tag@digest", () => {
            const digest = `sha256:${"ef".repeat(32)}`;
            assert.deepStrictEqual(
                chartImage("ghcr.io", "kyverno/readiness-checker", "v1.19.0", {
                    mirror: "harbor.example/mirror",
                    digests: { "ghcr.io/kyverno/readiness-checker:v1.19.0": digest },
                }),
                {
                    registry: "harbor.example/mirror",
                    repository: "kyverno/readiness-checker",
                    tag: `v1.19.0@${digest}`,
                },
            );
        });

        it("labels its namespace restricted", () => {
            const ns = renderKyvernoNamespace("kyverno", "1.33");
            assert.strictEqual(
                ns.metadata.labels["pod-security.kubernetes.io/enforce"],
                "restricted",
            );
            assert.strictEqual(
                ns.metadata.labels["pod-security.kubernetes.io/enforce-version"],
                "v1.33",
            );
            assert.strictEqual(ns.metadata.labels["app.kubernetes.io/component"], "kyverno");
        });

        it("makes every policy wait for Ready, with the stack's failurePolicy and the system namespaces excluded", () => {
            const policies = renderClusterPolicies({ ...policiesInput, failurePolicy: "Ignore" });
            assert.deepStrictEqual(
                policies.map((p: Loose) => p.metadata.name),
                [
                    "sovereign-secure-defaults",
                    "sovereign-verify-images",
                    "sovereign-pod-security",
                    "sovereign-default-deny-network",
                ],
            );
            for (const p of policies as Loose[]) {
                assert.strictEqual(p.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
                assert.strictEqual(p.spec.failurePolicy, "Ignore");
                assert.deepStrictEqual(p.metadata.labels, kyvernoLabels);
            }
            for (const name of [
                "sovereign-secure-defaults",
                "sovereign-verify-images",
                "sovereign-pod-security",
            ]) {
                for (const rule of byName(policies, name).spec.rules) {
                    assert.deepStrictEqual(rule.exclude, {
                        any: [{ resources: { namespaces: policiesInput.exemptNamespaces } }],
                    });
                }
            }
        });

        it("fills secure defaults only where a pod leaves them unset", () => {
            const rules: Loose[] = byName(
                renderClusterPolicies(policiesInput),
                "sovereign-secure-defaults",
            ).spec.rules;
            assert.deepStrictEqual(rules[0].mutate.patchStrategicMerge.spec, {
                "+(automountServiceAccountToken)": false,
                securityContext: {
                    "+(runAsNonRoot)": true,
                    "+(seccompProfile)": { type: "RuntimeDefault" },
                },
            });
            for (const [rule, list] of [
                [rules[1], "containers"],
                [rules[2], "initContainers"],
            ] as const) {
                const each = rule.mutate.foreach[0];
                assert.strictEqual(each.list, `request.object.spec.${list}`);
                assert.deepStrictEqual(each.patchStrategicMerge.spec[list][0].securityContext, {
                    "+(allowPrivilegeEscalation)": false,
                    capabilities: { "+(drop)": ["ALL"] },
                });
            }
        });

        it("verifies signatures with each key, enforcing and pinning digests in Enforce", () => {
            const verify = byName(renderClusterPolicies(policiesInput), "sovereign-verify-images");
            assert.strictEqual(verify.spec.webhookTimeoutSeconds, 30);
            const rule = verify.spec.rules[0].verifyImages[0];
            assert.deepStrictEqual(rule.imageReferences, ["registry.sovereign.example/*"]);
            assert.strictEqual(rule.failureAction, "Enforce");
            assert.strictEqual(rule.mutateDigest, true);
            assert.strictEqual(rule.verifyDigest, true);
            assert.strictEqual(rule.required, true);
            assert.deepStrictEqual(rule.attestors, [
                {
                    count: 1,
                    entries: [
                        {
                            keys: {
                                publicKeys: "k8s://kyverno/cosign-public-key",
                                rekor: { ignoreTlog: true },
                                ctlog: { ignoreSCT: true },
                            },
                        },
                    ],
                },
            ]);
        });

        it("audits without rewriting images in Audit, and uses a private Rekor and keyless identity when set", () => {
            const policies = renderClusterPolicies({
                ...policiesInput,
                validationFailureAction: "Audit",
                imageVerification: {
                    ...policiesInput.imageVerification!,
                    rekorUrl: "https://rekor.sovereign.example",
                    keyless: {
                        issuer: "https://git.sovereign.example",
                        subject:
                            "https://git.sovereign.example/ai/app/.ci/release.yaml@refs/tags/*",
                        rekorUrl: "https://rekor.sovereign.example",
                    },
                },
            });
            const rule = byName(policies, "sovereign-verify-images").spec.rules[0].verifyImages[0];
            assert.strictEqual(rule.failureAction, "Audit");
            assert.strictEqual(rule.mutateDigest, false);
            assert.deepStrictEqual(rule.attestors[0].entries, [
                {
                    keys: {
                        publicKeys: "k8s://kyverno/cosign-public-key",
                        rekor: { url: "https://rekor.sovereign.example" },
                    },
                },
                {
                    keyless: {
                        issuer: "https://git.sovereign.example",
                        subject:
                            "https://git.sovereign.example/ai/app/.ci/release.yaml@refs/tags/*",
                        rekor: { url: "https://rekor.sovereign.example" },
                    },
                },
            ]);
            const pss = byName(policies, "sovereign-pod-security").spec.rules[0].validate;
            assert.strictEqual(pss.failureAction, "Audit");
        });

        it("checks Pod Security at the configured level as a second line", () => {
            const pss = byName(
                renderClusterPolicies({ ...policiesInput, podSecurityLevel: "baseline" }),
                "sovereign-pod-security",
            ).spec.rules[0].validate;
            assert.deepStrictEqual(pss, {
                failureAction: "Enforce",
                podSecurity: { level: "baseline", version: "latest" },
            });
        });

        it("generates default-deny and DNS NetworkPolicies only in namespaces created outside the program", () => {
            const gen = byName(
                renderClusterPolicies(policiesInput),
                "sovereign-default-deny-network",
            );
            const [deny, dns] = gen.spec.rules;
            assert.deepStrictEqual(deny.exclude.any, [
                { resources: { names: policiesInput.exemptNamespaces } },
                {
                    resources: {
                        selector: { matchLabels: { "app.kubernetes.io/managed-by": "pulumi" } },
                    },
                },
            ]);
            assert.strictEqual(deny.generate.synchronize, true);
            assert.deepStrictEqual(deny.generate.data.spec, {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
            });
            assert.deepStrictEqual(dns.generate.data.spec.egress[0].ports, [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
            ]);
            const without = renderClusterPolicies({
                ...policiesInput,
                generateDefaultDeny: false,
                imageVerification: undefined,
            });
            assert.deepStrictEqual(
                without.map((p: Loose) => p.metadata.name),
                ["sovereign-secure-defaults", "sovereign-pod-security"],
            );
        });

        it("derives the image patterns from the allowed registries, through the mirror too", () => {
            assert.deepStrictEqual(imageReferencesFor(["registry.sovereign.example/"], {}), [
                "registry.sovereign.example/*",
            ]);
            assert.deepStrictEqual(
                imageReferencesFor(["registry.sovereign.example/ai/"], {
                    mirror: "harbor.example/mirror",
                }),
                ["registry.sovereign.example/ai/*", "harbor.example/mirror/ai/*"],
            );
            assert.deepStrictEqual(imageReferencesFor([], {}), ["*"]);
        });

        it("turns only the Kyverno rules of an exemption into a PolicyException, with its review on record", () => {
            const e: Loose = renderPolicyException(exemption, "kyverno", true);
            assert.strictEqual(e.metadata.namespace, "kyverno");
            assert.strictEqual(
                e.metadata.annotations[justificationAnnotation],
                exemption.justification,
            );
            assert.strictEqual(e.metadata.annotations[expiresAnnotation], "2030-06-30");
            assert.deepStrictEqual(
                e.spec.exceptions.map((x: Loose) => x.policyName),
                ["sovereign-verify-images", "sovereign-pod-security"],
            );
            assert.deepStrictEqual(e.spec.exceptions[1].ruleNames, [
                "pod-security-level",
                "autogen-pod-security-level",
                "autogen-cronjob-pod-security-level",
            ]);
            assert.deepStrictEqual(e.spec.match.any[0].resources.namespaces, ["monitoring"]);
            const noVerify: Loose = renderPolicyException(exemption, "kyverno", false);
            assert.deepStrictEqual(
                noVerify.spec.exceptions.map((x: Loose) => x.policyName),
                ["sovereign-pod-security"],
            );
            assert.strictEqual(
                renderPolicyException(
                    { ...exemption, policies: ["pod-hardening"] },
                    "kyverno",
                    true,
                ),
                undefined,
            );
        });
    });

    describe("component (under mocks)", () => {
        let pulumi: typeof pulumiType;
        let mod: typeof import("../../components/kyverno");
        const base: KyvernoArgs = {
            kubernetesVersion: "1.33",
            allowedRegistries: ["registry.sovereign.example/"],
            exemptNamespaces: ["gatekeeper-system", "kube-system"],
            imageVerification: { publicKeys: ["k8s://kyverno/cosign-public-key"] },
            today: new Date("2030-01-01T00:00:00Z"),
        };

        before(async () => {
            installMocks();
            pulumi = await import("@pulumi/pulumi");
            mod = await import("../../components/kyverno");
        });
        beforeEach(() => resetRecorded());

        it("creates exactly its namespace, the chart, four policies and one exception per Kyverno exemption", async () => {
            new mod.Kyverno("ky", {
                ...base,
                exemptions: [
                    exemption,
                    { ...exemption, name: "gk-only", policies: ["pod-hardening"] },
                ],
            });
            await settled();
            assert.deepStrictEqual(
                recorded.map((r) => `${r.type} ${r.name}`).sort(),
                [
                    "sovereign:enforcement:Kyverno ky",
                    "kubernetes:core/v1:Namespace ky-namespace",
                    "kubernetes:helm.sh/v4:Chart ky-chart",
                    "sovereign:charts:ChartSource ky-chart-source",
                    "kubernetes:kyverno.io/v1:ClusterPolicy ky-policy-secure-defaults",
                    "kubernetes:kyverno.io/v1:ClusterPolicy ky-policy-verify-images",
                    "kubernetes:kyverno.io/v1:ClusterPolicy ky-policy-pod-security",
                    "kubernetes:kyverno.io/v1:ClusterPolicy ky-policy-default-deny-network",
                    "kubernetes:kyverno.io/v2:PolicyException ky-exception-legacy-exporter",
                ].sort(),
            );
        });

        it("installs the pinned chart from upstream into its namespace with the hardened values", async () => {
            const ky = new mod.Kyverno("ky", base);
            await settled();
            const chart = named("ky-chart").inputs;
            assert.strictEqual(chart.chart, "kyverno");
            assert.strictEqual(chart.version, "3.9.0");
            assert.deepStrictEqual(chart.repositoryOpts, {
                repo: "https://kyverno.github.io/kyverno/",
            });
            assert.strictEqual(chart.name, "kyverno");
            assert.strictEqual(chart.namespace, "kyverno");
            assert.deepStrictEqual(
                chart.values,
                renderKyvernoValues({
                    ...valuesInput,
                    exemptNamespaces: ["gatekeeper-system", "kube-system", "kyverno"],
                }),
            );
            assert.deepStrictEqual(ky.images, [
                "reg.kyverno.io/kyverno/kyverno:v1.19.0",
                "reg.kyverno.io/kyverno/kyvernopre:v1.19.0",
                "reg.kyverno.io/kyverno/background-controller:v1.19.0",
                "reg.kyverno.io/kyverno/cleanup-controller:v1.19.0",
                "reg.kyverno.io/kyverno/reports-controller:v1.19.0",
                "ghcr.io/kyverno/readiness-checker:v1.19.0",
            ]);
            assert.strictEqual(ky.chart.origin, "upstream");
        });

        it("pulls every image through the registry mirror and verifies mirrored images too", async () => {
            const ky = new mod.Kyverno("ky", {
                ...base,
                images: { mirror: "harbor.example/mirror" },
                charts: {
                    mirror: { url: "https://charts.example/repo", plainHttp: false },
                    overrides: {},
                },
            });
            await settled();
            const chart = named("ky-chart").inputs;
            assert.strictEqual(chart.chart, "kyverno");
            assert.deepStrictEqual(chart.repositoryOpts, { repo: "https://charts.example/repo" });
            assert.strictEqual(
                chart.values.admissionController.container.image.registry,
                "harbor.example/mirror",
            );
            assert.ok(
                ky.images.every((i) => i.startsWith("harbor.example/mirror/kyverno/")),
                ky.images.join(),
            );
            const verify = named("ky-policy-verify-images").inputs;
            assert.deepStrictEqual(verify.spec.rules[0].verifyImages[0].imageReferences, [
                "registry.sovereign.example/*",
                "harbor.example/mirror/*",
            ]);
        });

        it("orders namespace → chart → policies → exceptions, after the component's dependencies", async () => {
            const layer = marker(pulumi, "layer-marker");
            new mod.Kyverno("ky", { ...base, exemptions: [exemption] }, { dependsOn: [layer] });
            await settled();
            const urn = (name: string): string => named(name).urn;
            const deps = (name: string): string[] => [...named(name).dependencies].sort();
            assert.deepStrictEqual(deps("ky-namespace"), [urn("layer-marker")]);
            assert.deepStrictEqual(
                deps("ky-chart"),
                [urn("ky-namespace"), urn("layer-marker")].sort(),
            );
            for (const p of [
                "secure-defaults",
                "verify-images",
                "pod-security",
                "default-deny-network",
            ]) {
                assert.deepStrictEqual(
                    deps(`ky-policy-${p}`),
                    [urn("ky-chart"), urn("layer-marker")].sort(),
                );
            }
            assert.deepStrictEqual(
                deps("ky-exception-legacy-exporter"),
                [
                    urn("ky-chart"),
                    urn("layer-marker"),
                    urn("ky-policy-verify-images"),
                    urn("ky-policy-pod-security"),
                ].sort(),
            );
        });

        it("refuses image verification without any key or keyless identity", () => {
            assert.throws(
                () => new mod.Kyverno("ky", { ...base, imageVerification: {} }),
                (e: Error) =>
                    e.message.includes(
                        "kyverno.imageVerification is enabled with no cosign public key and no keyless identity",
                    ),
            );
        });

        it("creates no verification policy when verification is switched off", async () => {
            new mod.Kyverno("ky", { ...base, imageVerification: { enabled: false } });
            await settled();
            assert.strictEqual(
                recorded.filter((r) => r.name === "ky-policy-verify-images").length,
                0,
            );
        });

        it("refuses an expired exemption", () => {
            assert.throws(
                () =>
                    new mod.Kyverno("ky", {
                        ...base,
                        exemptions: [exemption],
                        today: new Date("2031-01-01T00:00:00Z"),
                    }),
                (e: Error) =>
                    e.message.includes(
                        'admissionExemptions: "legacy-exporter" expired on 2030-06-30',
                    ),
            );
        });

        it("maps the dev stack's settings: audit only and failing open with one replica", async () => {
            const { settings } = loadSettings(
                readStackConfig(path.join(__dirname, "..", ".."), "dev").values,
            );
            // Today: the stack's exemption records are valid until their review date.
            new mod.Kyverno("ky", mod.kyvernoArgsFromSettings(settings));
            await settled();
            const values = named("ky-chart").inputs.values;
            assert.strictEqual(values.admissionController.replicas, 1);
            assert.strictEqual(values.features.forceFailurePolicyIgnore.enabled, true);
            const verify = named("ky-policy-verify-images").inputs.spec;
            assert.strictEqual(verify.failurePolicy, "Ignore");
            assert.strictEqual(verify.rules[0].verifyImages[0].failureAction, "Audit");
            // The dev mirror lies under the allowed registry; its own pattern is listed too.
            assert.deepStrictEqual(verify.rules[0].verifyImages[0].imageReferences, [
                "registry.dev.sovereign.example/*",
                "registry.dev.sovereign.example/mirror/*",
            ]);
            assert.strictEqual(
                named("ky-policy-pod-security").inputs.spec.rules[0].validate.failureAction,
                "Audit",
            );
        });
    });
});
