import * as assert from "assert";
import * as path from "path";
import type * as pulumiType from "@pulumi/pulumi";
import type { GatekeeperArgs } from "../../components/gatekeeper";
import {
    constraintParameters,
    exemptionsAnnotation,
    gatekeeperLabels,
    renderConstraint,
    renderGatekeeperNamespace,
    renderGatekeeperValues,
    gatekeeperTokenReason,
} from "../../components/gatekeeper/render";
import { serviceAccountTokenReasonAnnotation } from "../../contract/annotations";
import {
    renderConstraintTemplate,
    templateDefinitions,
    templateIds,
} from "../../components/gatekeeper/templates";
import { loadSettings } from "../../stacks";
import type { AdmissionExemption } from "../../contract/exemptions";
import { readStackConfig } from "../../tools/check/stack-config";
import { assertGoldenJson } from "../util/golden";
import {
    installMocks,
    marker,
    named,
    ofType,
    recorded,
    resetRecorded,
    settled,
} from "../util/mocks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const exemption: AdmissionExemption = {
    name: "legacy-exporter",
    namespace: "monitoring",
    policies: ["pod-hardening", "verify-images"],
    owner: "team-observability",
    workloads: [],
    justification: "node exporter reads host metrics; replaced by the CNI-native exporter in Q3",
    expires: "2030-06-30",
};

const valuesInput = {
    image: { repository: "docker.io/openpolicyagent/gatekeeper", tag: "v3.23.0" },
    replicas: 3,
    failurePolicy: "Fail" as const,
    webhookTimeoutSeconds: 3,
    exemptNamespaces: ["gatekeeper-system", "kube-system", "kyverno"],
};

const prodParameters = constraintParameters({
    allowedRegistries: ["registry.sovereign.example/"],
    requireImageDigests: true,
    disallowedTags: ["latest"],
    requiredNamespaceLabels: ["owner", "tenant"],
    exposedServiceNamespaces: ["ingress-gateway"],
    allowedExternalIPs: [],
    rbacWildcardExemptRoles: ["cluster-admin", "system:*"],
    allowedCapabilities: [],
    requiredLimits: ["cpu", "memory"],
});

describe("components/gatekeeper", () => {
    describe("render (golden files and security fields)", () => {
        it("renders the chart values as in the golden file", () => {
            assertGoldenJson("gatekeeper-values.json", renderGatekeeperValues(valuesInput));
        });

        it("renders the ConstraintTemplates as in the golden file", () => {
            assertGoldenJson(
                "gatekeeper-templates.json",
                templateIds.map((id) =>
                    renderConstraintTemplate(templateDefinitions[id], gatekeeperLabels),
                ),
            );
        });

        it("renders the Constraints (with an exemption) as in the golden file", () => {
            assertGoldenJson(
                "gatekeeper-constraints.json",
                templateIds.map((id) =>
                    renderConstraint(templateDefinitions[id], {
                        enforcementAction: "deny",
                        exemptNamespaces: valuesInput.exemptNamespaces,
                        exemptions: [exemption],
                        parameters: prodParameters[id],
                    }),
                ),
            );
        });

        it("fails closed in prod settings: failurePolicy, webhook timeout and exempt namespaces", () => {
            const v: Loose = renderGatekeeperValues(valuesInput);
            assert.strictEqual(v.validatingWebhookFailurePolicy, "Fail");
            assert.strictEqual(v.validatingWebhookCheckIgnoreFailurePolicy, "Fail");
            assert.strictEqual(v.validatingWebhookTimeoutSeconds, 3);
            assert.deepStrictEqual(v.validatingWebhookExemptNamespacesLabels, {
                "kubernetes.io/metadata.name": ["gatekeeper-system", "kube-system", "kyverno"],
            });
            const ignore: Loose = renderGatekeeperValues({
                ...valuesInput,
                failurePolicy: "Ignore",
            });
            assert.strictEqual(ignore.validatingWebhookFailurePolicy, "Ignore");
            assert.strictEqual(ignore.validatingWebhookCheckIgnoreFailurePolicy, "Ignore");
        });

        it("switches off every Helm hook (Chart v4 never runs them)", () => {
            const v: Loose = renderGatekeeperValues(valuesInput);
            assert.strictEqual(v.upgradeCRDs.enabled, false);
            assert.strictEqual(v.postInstall.labelNamespace.enabled, false);
            assert.strictEqual(v.postInstall.probeWebhook.enabled, false);
            assert.strictEqual(v.postUpgrade.labelNamespace.enabled, false);
            assert.strictEqual(v.preUninstall.deleteWebhookConfigurations.enabled, false);
        });

        it("runs its own pods restricted, with CPU and memory requests and limits", () => {
            const v: Loose = renderGatekeeperValues(valuesInput);
            for (const part of [v.controllerManager, v.audit]) {
                assert.deepStrictEqual(part.securityContext, {
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    runAsUser: 1000,
                    runAsGroup: 999,
                });
                assert.strictEqual(part.hostNetwork, false);
                assert.ok(part.resources.requests.cpu && part.resources.requests.memory);
                assert.ok(part.resources.limits.cpu && part.resources.limits.memory);
            }
            // The chart writes seccompProfile RuntimeDefault into each container's context itself;
            // setting it in the values too would render a duplicate key.
            assert.strictEqual(v.enableRuntimeDefaultSeccompProfile, true);
        });

        it("opts both Deployments in to their service-account token, with the reason", () => {
            const v: Loose = renderGatekeeperValues(valuesInput);
            assert.strictEqual(
                v.controllerManager.serviceAccount.automountServiceAccountToken,
                true,
            );
            assert.strictEqual(v.audit.serviceAccount.automountServiceAccountToken, true);
            // One podAnnotations key covers both pods (auditPodAnnotations would duplicate it).
            assert.deepStrictEqual(v.podAnnotations, {
                [serviceAccountTokenReasonAnnotation]: gatekeeperTokenReason,
            });
            assert.strictEqual(v.auditPodAnnotations, undefined);
            assert.match(gatekeeperTokenReason, /Kubernetes API/);
        });

        it("keeps metrics on and calls nothing outside the cluster", () => {
            const v: Loose = renderGatekeeperValues(valuesInput);
            assert.deepStrictEqual(v.metricsBackends, ["prometheus"]);
            assert.strictEqual(v.enableExternalData, false);
            assert.deepStrictEqual(v.disabledBuiltins, ["{http.send}"]);
            assert.strictEqual(v.exportBackend, "");
            assert.strictEqual(v.disableMutation, true);
        });

        it("sizes the disruption budget to the replicas (none that blocks a drain of one pod)", () => {
            const three: Loose = renderGatekeeperValues(valuesInput);
            assert.strictEqual(three.replicas, 3);
            assert.strictEqual(three.pdb.controllerManager.minAvailable, 2);
            const one: Loose = renderGatekeeperValues({ ...valuesInput, replicas: 1 });
            assert.strictEqual(one.replicas, 1);
            assert.strictEqual(one.pdb.controllerManager.minAvailable, 0);
        });

        it("labels its namespace restricted and tells Gatekeeper to skip itself", () => {
            assert.deepStrictEqual(
                renderGatekeeperNamespace("gatekeeper-system", "1.33").metadata,
                {
                    name: "gatekeeper-system",
                    labels: {
                        ...gatekeeperLabels,
                        "tenancy.sovereign-contour.io/owner": "platform-security",
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "v1.33",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "pod-security.kubernetes.io/audit-version": "latest",
                        "pod-security.kubernetes.io/warn": "restricted",
                        "pod-security.kubernetes.io/warn-version": "latest",
                        "admission.gatekeeper.sh/ignore": "no-self-managing",
                    },
                },
            );
        });

        it("makes each template wait for status.created", () => {
            for (const id of templateIds) {
                const t: Loose = renderConstraintTemplate(
                    templateDefinitions[id],
                    gatekeeperLabels,
                );
                assert.strictEqual(t.metadata.name, templateDefinitions[id].kind.toLowerCase());
                assert.strictEqual(
                    t.metadata.annotations["pulumi.com/waitFor"],
                    "jsonpath={.status.created}=true",
                );
            }
        });

        it("excludes only the system namespaces plus the exemptions that name the rule", () => {
            const input = {
                enforcementAction: "warn" as const,
                exemptNamespaces: ["kube-system"],
                exemptions: [exemption],
            };
            const hardening: Loose = renderConstraint(templateDefinitions["pod-hardening"], {
                ...input,
                parameters: prodParameters["pod-hardening"],
            });
            assert.strictEqual(hardening.spec.enforcementAction, "warn");
            assert.deepStrictEqual(hardening.spec.match.excludedNamespaces, [
                "kube-system",
                "monitoring",
            ]);
            assert.strictEqual(
                hardening.metadata.annotations[exemptionsAnnotation],
                "legacy-exporter: namespace monitoring, owner team-observability, review by 2030-06-30 " +
                    "(node exporter reads host metrics; replaced by the CNI-native exporter in Q3)",
            );
            const registries: Loose = renderConstraint(templateDefinitions["allowed-registries"], {
                ...input,
                parameters: prodParameters["allowed-registries"],
            });
            assert.deepStrictEqual(registries.spec.match.excludedNamespaces, ["kube-system"]);
            assert.strictEqual(registries.metadata.annotations, undefined);
        });
    });

    describe("component (under mocks)", () => {
        let pulumi: typeof pulumiType;
        let mod: typeof import("../../components/gatekeeper");
        const base: GatekeeperArgs = {
            kubernetesVersion: "1.33",
            allowedRegistries: ["registry.sovereign.example/"],
            exemptNamespaces: ["kube-system", "kyverno"],
            today: new Date("2030-01-01T00:00:00Z"),
        };

        before(async () => {
            installMocks();
            pulumi = await import("@pulumi/pulumi");
            mod = await import("../../components/gatekeeper");
        });
        beforeEach(() => resetRecorded());

        it("creates exactly its namespace, the chart, 8 templates and 8 constraints", async () => {
            new mod.Gatekeeper("gk", base);
            await settled();
            assert.deepStrictEqual(
                recorded.map((r) => `${r.type} ${r.name}`).sort(),
                [
                    "kubernetes:core/v1:Namespace gk-namespace",
                    "kubernetes:helm.sh/v4:Chart gk-chart",
                    "sovereign:charts:ChartSource gk-chart-source",
                    "sovereign:enforcement:Gatekeeper gk",
                    ...templateIds.map(
                        (id) =>
                            `kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate gk-template-${id}`,
                    ),
                    ...templateIds.map(
                        (id) =>
                            `kubernetes:constraints.gatekeeper.sh/v1beta1:${templateDefinitions[id].kind} gk-constraint-${id}`,
                    ),
                ].sort(),
            );
            const component = named("gk");
            for (const r of recorded.filter((x) => x !== component)) {
                assert.strictEqual(
                    r.parent,
                    component.urn,
                    `${r.name} is parented to the component`,
                );
            }
        });

        it("installs the pinned chart from upstream into its namespace with the hardened values", async () => {
            const gk = new mod.Gatekeeper("gk", base);
            await settled();
            const chart = named("gk-chart").inputs;
            assert.strictEqual(chart.chart, "gatekeeper");
            assert.strictEqual(chart.version, "3.23.0");
            assert.deepStrictEqual(chart.repositoryOpts, {
                repo: "https://open-policy-agent.github.io/gatekeeper/charts",
            });
            assert.strictEqual(chart.name, "gatekeeper");
            assert.strictEqual(chart.namespace, "gatekeeper-system");
            assert.deepStrictEqual(
                chart.values,
                renderGatekeeperValues({
                    image: { repository: "docker.io/openpolicyagent/gatekeeper", tag: "v3.23.0" },
                    replicas: 3,
                    failurePolicy: "Fail",
                    webhookTimeoutSeconds: 3,
                    exemptNamespaces: ["gatekeeper-system", "kube-system", "kyverno"],
                }),
            );
            assert.deepStrictEqual(gk.images, ["docker.io/openpolicyagent/gatekeeper:v3.23.0"]);
            assert.strictEqual(gk.chart.origin, "upstream");
            assert.strictEqual(gk.chart.version, "3.23.0");
        });

        it("takes the chart from the mirror and the image through the registry mirror", async () => {
            const gk = new mod.Gatekeeper("gk", {
                ...base,
                charts: {
                    mirror: { url: "oci://harbor.example/charts", plainHttp: false },
                    overrides: {},
                },
                images: { mirror: "harbor.example/mirror" },
            });
            await settled();
            const chart = named("gk-chart").inputs;
            assert.strictEqual(chart.chart, "oci://harbor.example/charts/gatekeeper");
            assert.strictEqual(chart.version, "3.23.0");
            assert.deepStrictEqual(chart.values.image, {
                repository: "harbor.example/mirror/openpolicyagent/gatekeeper",
                release: "v3.23.0",
                pullPolicy: "IfNotPresent",
            });
            assert.deepStrictEqual(gk.images, [
                "harbor.example/mirror/openpolicyagent/gatekeeper:v3.23.0",
            ]);
        });

        it("pins the image by its recorded digest in the tag field (the chart has no digest key)", async () => {
            const digest = `sha256:${"cd".repeat(32)}`;
            const gk = new mod.Gatekeeper("gk", {
                ...base,
                images: {
                    mirror: "harbor.example/mirror",
                    digests: { "docker.io/openpolicyagent/gatekeeper:v3.23.0": digest },
                },
            });
            await settled();
            // The chart renders `repository:release`: .../gatekeeper:v3.23.0@sha256:...
            assert.deepStrictEqual(named("gk-chart").inputs.values.image, {
                repository: "harbor.example/mirror/openpolicyagent/gatekeeper",
                release: `v3.23.0@${digest}`,
                pullPolicy: "IfNotPresent",
            });
            assert.deepStrictEqual(gk.images, [
                `harbor.example/mirror/openpolicyagent/gatekeeper:v3.23.0@${digest}`,
            ]);
        });

        it("takes a local chart and a version override from charts.overrides", async () => {
            const gk = new mod.Gatekeeper("gk", {
                ...base,
                charts: {
                    overrides: {
                        gatekeeper: {
                            localPath: "./vendor/gatekeeper-3.23.1.tgz",
                            version: "3.23.1",
                        },
                    },
                },
            });
            await settled();
            assert.strictEqual(named("gk-chart").inputs.chart, "./vendor/gatekeeper-3.23.1.tgz");
            assert.strictEqual(gk.chart.origin, "local");
            assert.strictEqual(gk.chart.version, "3.23.1");
        });

        it("orders namespace → chart → each template → its constraint, after the component's dependencies", async () => {
            const layer = marker(pulumi, "layer-marker");
            new mod.Gatekeeper("gk", base, { dependsOn: [layer] });
            await settled();
            const urn = (name: string): string => named(name).urn;
            const deps = (name: string): string[] => [...named(name).dependencies].sort();
            assert.deepStrictEqual(deps("gk-namespace"), [urn("layer-marker")]);
            assert.deepStrictEqual(
                deps("gk-chart"),
                [urn("gk-namespace"), urn("layer-marker")].sort(),
            );
            for (const id of templateIds) {
                assert.deepStrictEqual(
                    deps(`gk-template-${id}`),
                    [urn("gk-chart"), urn("layer-marker")].sort(),
                );
                assert.deepStrictEqual(
                    deps(`gk-constraint-${id}`),
                    [urn(`gk-template-${id}`), urn("layer-marker")].sort(),
                );
            }
        });

        it("gives every constraint the enforcement action and the exemptions of the settings", async () => {
            new mod.Gatekeeper("gk", {
                ...base,
                enforcementAction: "dryrun",
                exemptions: [exemption],
            });
            await settled();
            for (const id of templateIds) {
                const c = named(`gk-constraint-${id}`).inputs;
                assert.strictEqual(c.spec.enforcementAction, "dryrun");
                const expected =
                    id === "pod-hardening"
                        ? ["gatekeeper-system", "kube-system", "kyverno", "monitoring"]
                        : ["gatekeeper-system", "kube-system", "kyverno"];
                assert.deepStrictEqual(c.spec.match.excludedNamespaces, expected, id);
            }
            assert.deepStrictEqual(
                named("gk-constraint-allowed-registries").inputs.spec.parameters,
                { registries: ["registry.sovereign.example/"] },
            );
            assert.deepStrictEqual(named("gk-constraint-image-tags").inputs.spec.parameters, {
                disallowedTags: ["latest"],
                requireDigests: true,
            });
            assert.strictEqual(
                ofType("kubernetes:templates.gatekeeper.sh/v1:ConstraintTemplate").length,
                8,
            );
        });

        it("refuses an expired exemption, naming it and what to do", () => {
            assert.throws(
                () =>
                    new mod.Gatekeeper("gk", {
                        ...base,
                        exemptions: [exemption],
                        today: new Date("2030-07-01T08:00:00Z"),
                    }),
                (e: Error) =>
                    e.message.includes(
                        'admissionExemptions: "legacy-exporter" expired on 2030-06-30; expected only ' +
                            "exemptions that are still valid: renew each with a reviewed justification " +
                            "and a new date, or remove it",
                    ),
            );
        });

        it("refuses zero replicas and an out-of-range webhook timeout", () => {
            assert.throws(
                () => new mod.Gatekeeper("gk", { ...base, replicas: 0 }),
                (e: Error) =>
                    e.message.includes(
                        "gatekeeper.replicas is 0; expected a whole number of at least 1",
                    ),
            );
            assert.throws(
                () => new mod.Gatekeeper("gk", { ...base, webhookTimeoutSeconds: 31 }),
                (e: Error) =>
                    e.message.includes(
                        "gatekeeper.webhookTimeoutSeconds is 31; expected 1 to 30 seconds",
                    ),
            );
        });

        it("maps the prod stack's settings onto the component", async () => {
            const { settings } = loadSettings(
                readStackConfig(path.join(__dirname, "..", ".."), "prod").values,
            );
            const args = mod.gatekeeperArgsFromSettings(settings);
            assert.strictEqual(args.enforcementAction, "deny");
            assert.strictEqual(args.failurePolicy, "Fail");
            assert.strictEqual(args.replicas, 3);
            assert.deepStrictEqual(args.allowedRegistries, ["registry.sovereign.example/"]);
            assert.strictEqual(args.requireImageDigests, true);
            // Today, not the fixtures' fixed date: the stack's exemption records are valid until
            // their review date, and after it this test fails with the check (renew or remove).
            new mod.Gatekeeper("gk", args);
            await settled();
            assert.strictEqual(named("gk-chart").inputs.values.replicas, 3);
        });
    });
});
