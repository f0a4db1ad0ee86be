import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { CertManagerArgs } from "../../components/cert-manager";
import {
    caBundleAnnotation,
    certManagerLabels,
    certManagerTokenReasons,
    renderCaIssuer,
    renderCertificate,
    renderCertManagerNamespace,
    renderCertManagerValues,
    renderTlsSecret,
} from "../../components/cert-manager/render";
import { certManagerDefaults } from "../../components/cert-manager/defaults";
import { serviceAccountTokenReasonAnnotation } from "../../contract/annotations";
import { pkiCaKeysProtected } from "../../policypacks/platform-guardrails/policies/pki-ca-keys-protected";
import { loadSettings } from "../../stacks";
import { readStackConfig } from "../../tools/check/stack-config";
import { assertGolden } from "../util/golden";
import {
    installMocks,
    installTlsStandIns,
    named,
    recorded,
    resetRecorded,
    settled,
    unwrap,
} from "../util/mocks";
import { runStackPolicy, toPolicyResources } from "../util/recorded-stack";
import { issuesOf } from "../util/settings";
import { strings } from "../util/values";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const projectDir = `${__dirname}/../..`;

const images = {
    controller: { repository: "quay.io/jetstack/cert-manager-controller", tag: "v1.21.1" },
    webhook: { repository: "quay.io/jetstack/cert-manager-webhook", tag: "v1.21.1" },
    cainjector: { repository: "quay.io/jetstack/cert-manager-cainjector", tag: "v1.21.1" },
    acmesolver: { repository: "quay.io/jetstack/cert-manager-acmesolver", tag: "v1.21.1" },
    startupapicheck: {
        repository: "quay.io/jetstack/cert-manager-startupapicheck",
        tag: "v1.21.1",
    },
};
/** An example digest (not upstream's). */
const digest = `sha256:${"ab".repeat(32)}`;
const valuesInput = { namespace: "cert-manager", replicas: 3, serviceMonitor: false, images };

describe("components/cert-manager", () => {
    describe("render (golden file and security fields)", () => {
        it("renders the chart values as in the golden file", () => {
            assertGolden(
                "cert-manager-values.golden.json",
                JSON.stringify(renderCertManagerValues(valuesInput), null, 2) + "\n",
            );
        });

        it("manages the CRDs with the chart and keeps them when the chart goes", () => {
            const v: Loose = renderCertManagerValues(valuesInput);
            assert.deepStrictEqual(v.crds, { enabled: true, keep: true });
            assert.strictEqual(v.installCRDs, undefined);
        });

        it("switches off the startupapicheck hook and gates on the webhook's CA bundle instead", () => {
            const v: Loose = renderCertManagerValues(valuesInput);
            assert.strictEqual(v.startupapicheck.enabled, false);
            // Its image still names the (mirrored, pinned) reference the export lists.
            assert.deepStrictEqual(v.startupapicheck.image, {
                ...images.startupapicheck,
                pullPolicy: "IfNotPresent",
            });
            assert.deepStrictEqual(v.webhook.validatingWebhookConfigurationAnnotations, {
                "pulumi.com/waitFor": "jsonpath={.webhooks[0].clientConfig.caBundle}",
            });
            assert.deepStrictEqual(
                v.webhook.mutatingWebhookConfigurationAnnotations,
                caBundleAnnotation,
            );
        });

        it("runs every component restricted, with requests and limits", () => {
            const v: Loose = renderCertManagerValues(valuesInput);
            for (const part of [v, v.webhook, v.cainjector]) {
                assert.deepStrictEqual(part.securityContext, {
                    runAsNonRoot: true,
                    seccompProfile: { type: "RuntimeDefault" },
                });
                assert.deepStrictEqual(part.containerSecurityContext, {
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                    readOnlyRootFilesystem: true,
                });
                assert.ok(part.resources.requests.cpu && part.resources.requests.memory);
                assert.ok(part.resources.limits.cpu && part.resources.limits.memory);
            }
            assert.strictEqual(v.webhook.hostNetwork, false);
        });

        it("sizes replicas, disruption budgets and spreading to the replicas setting", () => {
            const three: Loose = renderCertManagerValues(valuesInput);
            for (const part of [three, three.webhook, three.cainjector]) {
                assert.strictEqual(part.replicaCount, 3);
                assert.deepStrictEqual(part.podDisruptionBudget, {
                    enabled: true,
                    minAvailable: 1,
                });
                assert.strictEqual(part.topologySpreadConstraints.length, 1);
            }
            const one: Loose = renderCertManagerValues({ ...valuesInput, replicas: 1 });
            for (const part of [one, one.webhook, one.cainjector]) {
                assert.strictEqual(part.replicaCount, 1);
                assert.deepStrictEqual(part.podDisruptionBudget, { enabled: false });
                assert.deepStrictEqual(part.topologySpreadConstraints, []);
            }
        });

        it("keeps leader election in its own namespace, metrics on and the ServiceMonitor by setting", () => {
            const v: Loose = renderCertManagerValues({ ...valuesInput, namespace: "pki" });
            assert.deepStrictEqual(v.global.leaderElection, { namespace: "pki" });
            assert.strictEqual(v.prometheus.enabled, true);
            assert.strictEqual(v.prometheus.servicemonitor.enabled, false);
            const monitored: Loose = renderCertManagerValues({
                ...valuesInput,
                serviceMonitor: true,
            });
            assert.strictEqual(monitored.prometheus.servicemonitor.enabled, true);
        });

        it("pins an image by the chart's digest key when a digest is recorded", () => {
            const v: Loose = renderCertManagerValues({
                ...valuesInput,
                images: { ...images, webhook: { ...images.webhook, digest } },
            });
            assert.deepStrictEqual(v.webhook.image, {
                ...images.webhook,
                digest,
                pullPolicy: "IfNotPresent",
            });
            assert.strictEqual(v.image.digest, undefined, "no digest, no key");
        });

        it("opts each Deployment in to its service-account token, with the reason", () => {
            const v: Loose = renderCertManagerValues(valuesInput);
            for (const [role, part] of [
                ["controller", v],
                ["webhook", v.webhook],
                ["cainjector", v.cainjector],
            ] as const) {
                assert.strictEqual(part.automountServiceAccountToken, true, role);
                assert.deepStrictEqual(part.podAnnotations, {
                    [serviceAccountTokenReasonAnnotation]: certManagerTokenReasons[role],
                });
                assert.match(certManagerTokenReasons[role], /Kubernetes API/);
            }
        });

        it("holds no key material", () => {
            const all = strings(renderCertManagerValues(valuesInput));
            assert.ok(!all.some((s) => s.includes("PRIVATE KEY")));
        });

        it("labels its namespace restricted and keeps it out of the mesh", () => {
            const ns = renderCertManagerNamespace("cert-manager", "1.33").metadata;
            assert.strictEqual(ns.labels["pod-security.kubernetes.io/enforce"], "restricted");
            assert.strictEqual(ns.labels["pod-security.kubernetes.io/enforce-version"], "v1.33");
            assert.strictEqual(ns.labels["config.linkerd.io/admission-webhooks"], "disabled");
            assert.deepStrictEqual(ns.annotations, { "linkerd.io/inject": "disabled" });
        });

        it("renders every Certificate with an ECDSA key that rotates on renewal and waits for Ready", () => {
            const cert: Loose = renderCertificate({
                name: "web",
                namespace: "apps",
                secretName: "web-tls",
                commonName: "web.apps.svc",
                dnsNames: ["web.apps.svc"],
                isCA: false,
                duration: "2160h0m0s",
                renewBefore: "720h0m0s",
                keySize: 384,
                usages: ["server auth"],
                issuer: { kind: "ClusterIssuer", name: "sovereign-internal-ca" },
                labels: certManagerLabels,
            });
            assert.deepStrictEqual(cert.spec.privateKey, {
                algorithm: "ECDSA",
                size: 384,
                rotationPolicy: "Always",
            });
            assert.deepStrictEqual(cert.spec.issuerRef, {
                group: "cert-manager.io",
                kind: "ClusterIssuer",
                name: "sovereign-internal-ca",
            });
            assert.strictEqual(cert.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
        });

        it("renders CA issuers (cluster-wide and namespaced) that wait for Ready", () => {
            assert.deepStrictEqual(renderCaIssuer("ClusterIssuer", "ca", "ca-secret", {}), {
                apiVersion: "cert-manager.io/v1",
                kind: "ClusterIssuer",
                metadata: {
                    name: "ca",
                    labels: {},
                    annotations: { "pulumi.com/waitFor": "condition=Ready" },
                },
                spec: { ca: { secretName: "ca-secret" } },
            });
            const issuer: Loose = renderCaIssuer("Issuer", "ca", "ca-secret", {}, "linkerd");
            assert.strictEqual(issuer.metadata.namespace, "linkerd");
        });

        it("renders a kubernetes.io/tls Secret", () => {
            assert.deepStrictEqual(
                renderTlsSecret("ca", "cert-manager", { certificate: "C", privateKey: "K" }, {}),
                {
                    metadata: { name: "ca", namespace: "cert-manager", labels: {} },
                    type: "kubernetes.io/tls",
                    stringData: { "tls.crt": "C", "tls.key": "K" },
                },
            );
        });
    });

    describe("settings (certManager)", () => {
        it("defaults to enabled, three replicas and a generated CA (its defaults are the component's)", () => {
            const { settings } = loadSettings({});
            assert.deepStrictEqual(settings.certManager, {
                enabled: true,
                namespace: "cert-manager",
                replicas: 3,
                serviceMonitor: false,
            });
            // Unset, so that a bring-your-own CA can refuse them; the component fills them in.
            assert.deepStrictEqual(certManagerDefaults.ca, {
                commonName: "Sovereign Contour Internal CA",
                organization: "Sovereign Contour",
                ecdsaCurve: "P384",
                validityHours: 87600,
            });
            assert.strictEqual(certManagerDefaults.clusterIssuerName, "sovereign-internal-ca");
            const given = loadSettings({
                "sovereign-contour:certManager": JSON.stringify({ ca: { commonName: "Site CA" } }),
            }).settings.certManager;
            assert.deepStrictEqual(given.ca, {
                commonName: "Site CA",
                organization: "Sovereign Contour",
                ecdsaCurve: "P384",
                validityHours: 87600,
            });
        });

        it("takes the CA from the site's Secret or the site's ClusterIssuer", () => {
            const load = (externalCa: unknown): unknown =>
                loadSettings({
                    "sovereign-contour:certManager": JSON.stringify({ externalCa }),
                }).settings.certManager.externalCa;
            assert.deepStrictEqual(load({ secret: { name: "site-ca" } }), {
                secret: { name: "site-ca" },
            });
            assert.deepStrictEqual(
                load({ secret: { name: "site-ca", namespace: "cert-manager" } }),
                { secret: { name: "site-ca", namespace: "cert-manager" } },
            );
            assert.deepStrictEqual(load({ issuer: { name: "vault.pki" } }), {
                issuer: { name: "vault.pki" },
            });
        });

        it("refuses mixed CA modes, an empty externalCa and a CA Secret outside cert-manager's namespace, naming each", () => {
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:certManager": JSON.stringify({
                        clusterIssuerName: "internal",
                        ca: { commonName: "x" },
                        externalCa: {
                            secret: { name: "site-ca", namespace: "pki" },
                            issuer: { name: "vault" },
                        },
                    }),
                }),
                [
                    'sovereign-contour:certManager.externalCa.issuer: externalCa.secret and externalCa.issuer are mutually exclusive: the platform\'s ClusterIssuer signs with the CA in the Secret, or the site\'s ClusterIssuer signs for it; keep one (got {"name":"vault"})',
                    'sovereign-contour:certManager.ca: ca sets up the CA the program generates; with externalCa the CA is the site\'s (no key is generated): remove ca (got {"commonName":"x"})',
                    'sovereign-contour:certManager.clusterIssuerName: with externalCa.issuer the platform\'s certificates come from the site\'s ClusterIssuer "vault" and the program creates no ClusterIssuer: remove clusterIssuerName (got "internal")',
                    'sovereign-contour:certManager.externalCa.secret.namespace: expected "cert-manager" (certManager.namespace): a ClusterIssuer reads its CA Secret from cert-manager\'s own namespace; create the Secret there (got "pki")',
                ],
            );
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:certManager": JSON.stringify({
                        externalCa: {},
                    }),
                }),
                [
                    "sovereign-contour:certManager.externalCa: expected exactly one of secret (an existing kubernetes.io/tls Secret holding the CA's certificate and key) or issuer (the site's cert-manager ClusterIssuer) (got {})",
                ],
            );
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:certManager": JSON.stringify({
                        externalCa: { secret: { name: "Site_CA" } },
                    }),
                }),
                [
                    "sovereign-contour:certManager.externalCa.secret.name: expected a Kubernetes object name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (got \"Site_CA\")",
                ],
            );
            // The site's issuer is a cert-manager.io ClusterIssuer: Falco's and Linkerd's
            // certificates name it by that group and kind.
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:certManager": JSON.stringify({
                        externalCa: { issuer: { name: "v", group: "x" } },
                    }),
                }),
                [
                    'sovereign-contour:certManager.externalCa.issuer: unknown setting "group"; known: name',
                ],
            );
        });

        it("reads one replica in dev and three in prod", () => {
            const dev = loadSettings(readStackConfig(projectDir, "dev").values).settings;
            const prod = loadSettings(readStackConfig(projectDir, "prod").values).settings;
            assert.strictEqual(dev.certManager.replicas, 1);
            assert.strictEqual(prod.certManager.replicas, 3);
        });

        it("refuses an RSA curve, a short-lived root and unknown keys, naming each", () => {
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:certManager": JSON.stringify({
                        ca: { ecdsaCurve: "RSA", validityHours: 100 },
                        replica: 2,
                    }),
                }),
                [
                    'sovereign-contour:certManager.ca.ecdsaCurve: expected "P256" or "P384" (got "RSA")',
                    "sovereign-contour:certManager.ca.validityHours: expected at least 8760 hours (one year) for a CA certificate (got 100)",
                    'sovereign-contour:certManager: unknown setting "replica" (did you mean "replicas"?); known: enabled, namespace, replicas, serviceMonitor, clusterIssuerName, ca, externalCa',
                ],
            );
        });
    });

    describe("component (under mocks)", () => {
        let mod: typeof import("../../components/cert-manager");
        const base: CertManagerArgs = { kubernetesVersion: "1.33" };

        before(async () => {
            installMocks();
            installTlsStandIns();
            mod = await import("../../components/cert-manager");
        });
        beforeEach(() => resetRecorded());

        it("creates exactly its namespace, the chart, the CA key and root, the CA Secret and the ClusterIssuer", async () => {
            new mod.CertManager("cm", base);
            await settled();
            assert.deepStrictEqual(
                recorded.map((r) => `${r.type} ${r.name}`).sort(),
                [
                    "kubernetes:cert-manager.io/v1:ClusterIssuer cm-cluster-issuer",
                    "kubernetes:core/v1:Namespace cm-namespace",
                    "kubernetes:core/v1:Secret cm-ca-secret",
                    "kubernetes:helm.sh/v4:Chart cm-chart",
                    "sovereign:charts:ChartSource cm-chart-source",
                    "sovereign:runtime:CertManager cm",
                    "tls:index/privateKey:PrivateKey cm-ca-key",
                    "tls:index/selfSignedCert:SelfSignedCert cm-ca-cert",
                ].sort(),
            );
            const component = named("cm");
            for (const r of recorded.filter((x) => x !== component)) {
                assert.strictEqual(
                    r.parent,
                    component.urn,
                    `${r.name} is parented to the component`,
                );
            }
        });

        it("installs the pinned chart from upstream with its CRDs and the hardened values", async () => {
            const cm = new mod.CertManager("cm", base);
            await settled();
            const chart = named("cm-chart").inputs;
            assert.strictEqual(chart.chart, "cert-manager");
            assert.strictEqual(chart.version, "v1.21.1");
            assert.deepStrictEqual(chart.repositoryOpts, { repo: "https://charts.jetstack.io" });
            assert.strictEqual(chart.name, "cert-manager");
            assert.strictEqual(chart.namespace, "cert-manager");
            assert.deepStrictEqual(chart.values, renderCertManagerValues(valuesInput));
            assert.deepStrictEqual(cm.images, [
                "quay.io/jetstack/cert-manager-controller:v1.21.1",
                "quay.io/jetstack/cert-manager-webhook:v1.21.1",
                "quay.io/jetstack/cert-manager-cainjector:v1.21.1",
                "quay.io/jetstack/cert-manager-acmesolver:v1.21.1",
                "quay.io/jetstack/cert-manager-startupapicheck:v1.21.1",
            ]);
            assert.deepStrictEqual(cm.charts, [cm.chart]);
        });

        it("takes chart and images through the mirrors", async () => {
            const cm = new mod.CertManager("cm", {
                ...base,
                charts: {
                    mirror: { url: "oci://harbor.example/charts", plainHttp: false },
                    overrides: {},
                },
                images: { mirror: "harbor.example/mirror" },
            });
            await settled();
            const chart = named("cm-chart").inputs;
            assert.strictEqual(chart.chart, "oci://harbor.example/charts/cert-manager");
            assert.deepStrictEqual(chart.values.image, {
                repository: "harbor.example/mirror/jetstack/cert-manager-controller",
                tag: "v1.21.1",
                pullPolicy: "IfNotPresent",
            });
            assert.ok(cm.images.every((i) => i.startsWith("harbor.example/mirror/jetstack/")));
        });

        it("pins each image by the digest recorded for its upstream reference, after the mirror", async () => {
            const cm = new mod.CertManager("cm", {
                ...base,
                images: {
                    mirror: "harbor.example/mirror",
                    digests: { "quay.io/jetstack/cert-manager-controller:v1.21.1": digest },
                },
            });
            await settled();
            const chart = named("cm-chart").inputs;
            assert.deepStrictEqual(chart.values.image, {
                repository: "harbor.example/mirror/jetstack/cert-manager-controller",
                tag: "v1.21.1",
                digest,
                pullPolicy: "IfNotPresent",
            });
            assert.strictEqual(chart.values.webhook.image.digest, undefined);
            assert.strictEqual(
                cm.images[0],
                `harbor.example/mirror/jetstack/cert-manager-controller:v1.21.1@${digest}`,
            );
        });

        it("generates an ECDSA root, protected and retained, and keeps both in the CA Secret as secrets", async () => {
            const cm = new mod.CertManager("cm", base);
            await settled();
            const key = named("cm-ca-key");
            const cert = named("cm-ca-cert");
            assert.strictEqual(key.inputs.algorithm, "ECDSA");
            assert.strictEqual(key.inputs.ecdsaCurve, "P384");
            assert.deepStrictEqual([key.protect, key.retainOnDelete], [true, true]);
            assert.deepStrictEqual([cert.protect, cert.retainOnDelete], [true, true]);
            assert.strictEqual(cert.inputs.isCaCertificate, true);
            assert.strictEqual(cert.inputs.validityPeriodHours, 87600);
            assert.deepStrictEqual(cert.inputs.allowedUses, [
                "cert_signing",
                "crl_signing",
                "digital_signature",
            ]);
            assert.ok(cert.dependencies.includes(key.urn), "the root is signed with the key");
            const secret = named("cm-ca-secret");
            assert.strictEqual(secret.inputs.type, "kubernetes.io/tls");
            assert.strictEqual(secret.inputs.metadata.namespace, "cert-manager");
            assert.strictEqual(secret.inputs.stringData["tls.key"], key.inputs.privateKeyPem);
            assert.strictEqual(secret.inputs.stringData["tls.crt"], cert.inputs.certPem);
            assert.ok(secret.inputs.stringData["tls.key"].includes("PRIVATE KEY"));
            assert.deepStrictEqual([secret.protect, named("cm-chart").protect], [false, false]);
            const data = (cm.caSecret as unknown as { stringData: pulumi.Output<unknown> })
                .stringData;
            assert.strictEqual(await pulumi.isSecret(data), true);
            assert.strictEqual(cm.caSource, "generated");
            assert.ok(cm.caCertificatePem !== undefined);
            assert.ok(
                (await unwrap(cm.caCertificatePem)).startsWith("-----BEGIN CERTIFICATE-----"),
            );
        });

        it("passes the pki-ca-keys-protected policy, and fails it once the key is unprotected", async () => {
            new mod.CertManager("cm", base);
            await settled();
            assert.deepStrictEqual(
                await runStackPolicy(pkiCaKeysProtected, toPolicyResources(recorded)),
                [],
            );
            const messages = await runStackPolicy(
                pkiCaKeysProtected,
                toPolicyResources(recorded, { "cm-ca-key": { protect: false } }),
            );
            assert.deepStrictEqual(messages, [
                'PrivateKey "cm-ca-key" is a CA key (key of CA certificate "cm-ca-cert") but is not protected: set protect: true and retainOnDelete: true on it.',
            ]);
        });

        it("orders namespace → chart and Secret → ClusterIssuer, which waits for Ready", async () => {
            new mod.CertManager("cm", base);
            await settled();
            const urn = (name: string): string => named(name).urn;
            const deps = (name: string): string[] => [...named(name).dependencies].sort();
            assert.deepStrictEqual(deps("cm-chart"), [urn("cm-namespace")]);
            assert.ok(deps("cm-ca-secret").includes(urn("cm-namespace")));
            const issuerDeps = deps("cm-cluster-issuer");
            assert.ok(issuerDeps.includes(urn("cm-chart")), "the issuer waits for the chart");
            assert.ok(issuerDeps.includes(urn("cm-ca-secret")), "and for its Secret");
            const issuer = named("cm-cluster-issuer").inputs;
            assert.strictEqual(issuer.kind, "ClusterIssuer");
            assert.strictEqual(issuer.metadata.name, "sovereign-internal-ca");
            assert.strictEqual(
                issuer.spec.ca.secretName,
                named("cm-ca-secret").inputs.metadata.name,
            );
            assert.strictEqual(
                issuer.metadata.annotations["pulumi.com/waitFor"],
                "condition=Ready",
            );
        });

        it("with the site's CA Secret: a ClusterIssuer over it, and no key, certificate or Secret of its own", async () => {
            const cm = new mod.CertManager("cm", {
                ...base,
                externalCa: { secret: { name: "site-ca" } },
            });
            await settled();
            assert.deepStrictEqual(
                recorded.map((r) => `${r.type} ${r.name}`).sort(),
                [
                    "kubernetes:cert-manager.io/v1:ClusterIssuer cm-cluster-issuer",
                    "kubernetes:core/v1:Namespace cm-namespace",
                    "kubernetes:helm.sh/v4:Chart cm-chart",
                    "sovereign:charts:ChartSource cm-chart-source",
                    "sovereign:runtime:CertManager cm",
                ].sort(),
            );
            const issuer = named("cm-cluster-issuer");
            assert.deepStrictEqual(issuer.inputs.spec, { ca: { secretName: "site-ca" } });
            assert.strictEqual(issuer.inputs.metadata.name, "sovereign-internal-ca");
            assert.strictEqual(
                issuer.inputs.metadata.annotations["pulumi.com/waitFor"],
                "condition=Ready",
            );
            assert.deepStrictEqual([...issuer.dependencies], [named("cm-chart").urn]);
            assert.strictEqual(cm.caSource, "secret");
            assert.strictEqual(cm.clusterIssuerName, "sovereign-internal-ca");
            assert.strictEqual(cm.ready, cm.clusterIssuer);
            assert.deepStrictEqual(
                [cm.caKey, cm.caCertificate, cm.caSecret, cm.caCertificatePem],
                [undefined, undefined, undefined, undefined],
            );
        });

        it("with the site's ClusterIssuer: no issuer of its own, the platform's certificates name the site's", async () => {
            const cm = new mod.CertManager("cm", {
                ...base,
                externalCa: { issuer: { name: "sovereign-pki" } },
            });
            await settled();
            assert.deepStrictEqual(
                recorded.map((r) => `${r.type} ${r.name}`).sort(),
                [
                    "kubernetes:core/v1:Namespace cm-namespace",
                    "kubernetes:helm.sh/v4:Chart cm-chart",
                    "sovereign:charts:ChartSource cm-chart-source",
                    "sovereign:runtime:CertManager cm",
                ].sort(),
            );
            assert.strictEqual(cm.caSource, "issuer");
            assert.strictEqual(cm.clusterIssuerName, "sovereign-pki");
            assert.strictEqual(cm.clusterIssuer, undefined);
            assert.strictEqual(cm.ready, cm.release, "the layers above wait for the chart");
        });

        it("refuses both CA sources at once and generated-CA settings beside the site's CA", () => {
            assert.throws(
                () =>
                    new mod.CertManager("both", {
                        ...base,
                        ca: { validityHours: 9000 },
                        externalCa: { secret: { name: "a" }, issuer: { name: "b" } },
                    }),
                (e: Error) =>
                    e.message.includes("certManager: invalid CA source:\n") &&
                    e.message.includes(
                        "  - externalCa.issuer: externalCa.secret and externalCa.issuer are mutually exclusive",
                    ) &&
                    e.message.includes("  - ca: ca sets up the CA the program generates"),
            );
        });

        it("refuses zero replicas and a root valid for less than a year, naming the settings", () => {
            assert.throws(
                () => new mod.CertManager("bad", { ...base, replicas: 0 }),
                /certManager\.replicas is 0; expected a whole number of at least 1/,
            );
            assert.throws(
                () =>
                    new mod.CertManager("bad2", {
                        ...base,
                        ca: { validityHours: 100 },
                    }),
                /certManager\.ca\.validityHours is 100; expected at least 8760 hours \(one year\) for a CA certificate/,
            );
        });
    });
});
