import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { LinkerdArgs } from "../../components/linkerd";
import {
    linkerdCniPodSecurityReason,
    renderCniNamespace,
    renderCniValues,
    renderControlPlaneNamespace,
    renderControlPlaneValues,
    renderCrdsValues,
    renderIdentityIssuerCertificate,
    renderWebhookCertificate,
    trustAnchorBundle,
    validateExternalTrustAnchor,
} from "../../components/linkerd/render";
import { linkerdDefaults } from "../../components/linkerd/defaults";
import { exemptionReasonAnnotation } from "../../components/system-namespaces/render";
import { pkiCaKeysProtected } from "../../policypacks/platform-guardrails/policies/pki-ca-keys-protected";
import { loadSettings } from "../../stacks";
import { readStackConfig } from "../../tools/check/stack-config";
import { assertGolden } from "../util/golden";
import {
    installMocks,
    installTlsStandIns,
    named,
    ofType,
    recorded,
    resetRecorded,
    settled,
} from "../util/mocks";
import { runStackPolicy, toPolicyResources } from "../util/recorded-stack";
import { issuesOf } from "../util/settings";
import { strings } from "../util/values";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const projectDir = `${__dirname}/../..`;
const anchorPem = "-----BEGIN CERTIFICATE-----\nanchor\n-----END CERTIFICATE-----\n";

/**
 * Certificates for the bring-your-own trust anchor tests, generated once with openssl for these
 * tests (their keys were discarded; valid until 2046): two ECDSA P-256 CA certificates, a P-256
 * certificate that is not a CA, and an ECDSA P-384 CA certificate.
 */
const anchorOne = [
    "-----BEGIN CERTIFICATE-----",
    "MIIB0jCCAXegAwIBAgIUfrRKSdztA4TWe6SeToehpLBuk6owCgYIKoZIzj0EAwIw",
    "NjEjMCEGA1UEAwwacm9vdC5saW5rZXJkLmNsdXN0ZXIubG9jYWwxDzANBgNVBAsM",
    "BnRlc3QtMTAeFw0yNjEyMDUwNTM4MjJaFw00NjExMzAwNTM4MjJaMDYxIzAhBgNV",
    "BAMMGnJvb3QubGlua2VyZC5jbHVzdGVyLmxvY2FsMQ8wDQYDVQQLDAZ0ZXN0LTEw",
    "WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAR23ve82JXArpaYIqyM+XbzPBfHP0gW",
    "smYUo5Au5O8pFY0HZo9AwJldQQnXdJ467vHS0mESY//osrBzSczZFZlyo2MwYTAd",
    "BgNVHQ4EFgQU2A2sv8YfBBIxpWKwHK1v7ADayj4wHwYDVR0jBBgwFoAU2A2sv8Yf",
    "BBIxpWKwHK1v7ADayj4wDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYw",
    "CgYIKoZIzj0EAwIDSQAwRgIhAJp73YdlkFnd8NEN4ge4rA9UKChN48aNrkgh8zsv",
    "J3hDAiEAsCkqk7gkEaK+3QBNVdvU3F/XN0dZk912ACxd6pV5oTo=",
    "-----END CERTIFICATE-----",
].join("\n");
const anchorTwo = [
    "-----BEGIN CERTIFICATE-----",
    "MIIB0DCCAXegAwIBAgIUe0W5mNvqfGC7nZ4mzyM2LMq6rSIwCgYIKoZIzj0EAwIw",
    "NjEjMCEGA1UEAwwacm9vdC5saW5rZXJkLmNsdXN0ZXIubG9jYWwxDzANBgNVBAsM",
    "BnRlc3QtMjAeFw0yNjEyMDUwNTM4MjJaFw00NjExMzAwNTM4MjJaMDYxIzAhBgNV",
    "BAMMGnJvb3QubGlua2VyZC5jbHVzdGVyLmxvY2FsMQ8wDQYDVQQLDAZ0ZXN0LTIw",
    "WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATu3d+8ayuUlOen3IlqHqMTyViIxpvI",
    "lpDCQXyIChuQrOGLyQK+rKAr6aJwB7yI3PT2WjDvkpm5+t3bULuaPMm2o2MwYTAd",
    "BgNVHQ4EFgQUsi15CDTDO8+wZhcy0WDh19gQ4P8wHwYDVR0jBBgwFoAUsi15CDTD",
    "O8+wZhcy0WDh19gQ4P8wDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYw",
    "CgYIKoZIzj0EAwIDRwAwRAIgblui2WNVP93I55qSh2vLVSWseQaMOxLpjOkDwE10",
    "9BoCIGTMgvq2XLVZqF9uCljCE+7tcSBjjkLZaRxJaatsfEUa",
    "-----END CERTIFICATE-----",
].join("\n");
const leafCertificate = [
    "-----BEGIN CERTIFICATE-----",
    "MIIBgDCCASagAwIBAgIUW/hmtwb51RklXlE3o3NCTHHy5uUwCgYIKoZIzj0EAwIw",
    "FzEVMBMGA1UEAwwMbGVhZi5leGFtcGxlMB4XDTI2MTIwNTA1MzgyMloXDTQ2MTEz",
    "MDA1MzgyMlowFzEVMBMGA1UEAwwMbGVhZi5leGFtcGxlMFkwEwYHKoZIzj0CAQYI",
    "KoZIzj0DAQcDQgAEQEuTMatowx+0pxdyzlD+gxZY36qowvS6tghRGpQei+E31y9s",
    "5sBJGsTCcyds4Yr5//DOlsX+uupSqvNkb+eulaNQME4wHQYDVR0OBBYEFHUUjI9L",
    "u3gk6P6ywNUIDtiyrmexMB8GA1UdIwQYMBaAFHUUjI9Lu3gk6P6ywNUIDtiyrmex",
    "MAwGA1UdEwEB/wQCMAAwCgYIKoZIzj0EAwIDSAAwRQIhANkoBQwZugspmW3Vpq+a",
    "TIa6Y+jLwnHuQSLSeCTNC4dHAiA0UuxPRu/IlkuCQ1X5bC/LJMUai9b7e5CxQlFy",
    "CF1Ftw==",
    "-----END CERTIFICATE-----",
].join("\n");
const p384Anchor = [
    "-----BEGIN CERTIFICATE-----",
    "MIIBujCCAUCgAwIBAgIUbpZ1x4PrNxmKSQoju49xMsNVHlMwCgYIKoZIzj0EAwIw",
    "FDESMBAGA1UEAwwJcDM4NCByb290MB4XDTI2MTIwNTA1MzgyMloXDTQ2MTEzMDA1",
    "MzgyMlowFDESMBAGA1UEAwwJcDM4NCByb290MHYwEAYHKoZIzj0CAQYFK4EEACID",
    "YgAEc7jUWMSW1f/DgRnLsGsSlpMwc0DtGiosshhaIgPbmszRH4NQRWgZbUgspw1d",
    "Om3nK+87DhBFHESzjTyjCu9YQECvErb7jGGWsTCtAFyIYe8KKzC2YQxFbiXsouIL",
    "qrfEo1MwUTAdBgNVHQ4EFgQUfocP4jWqVbw3o3JbvXgPrMs4QCYwHwYDVR0jBBgw",
    "FoAUfocP4jWqVbw3o3JbvXgPrMs4QCYwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjO",
    "PQQDAgNoADBlAjEAvmFGM3ysghKgvNXIHm4JcPN9yjOsyjMMan1it7BSA8AuAMUW",
    "ib0U8DEQBxhiTlAvAjBvKkjsCdUjTTke0a/E/L5nbHMi5rwyf64mr7Ov+kH9WA5Z",
    "z/6kXSWj1m5EoIvgSiA=",
    "-----END CERTIFICATE-----",
].join("\n");

const valuesInput = {
    namespace: "linkerd",
    trustAnchorPem: anchorPem,
    trustDomain: "cluster.local",
    linkerdVersion: "edge-26.8.3",
    highAvailability: true,
    injectorFailurePolicy: "Fail" as const,
    defaultInboundPolicy: "all-authenticated" as const,
    podMonitor: false,
    injectorExcludedNamespaces: ["cert-manager", "kube-system", "linkerd", "linkerd-cni"],
    images: {
        controller: { name: "cr.l5d.io/linkerd/controller", version: "edge-26.8.3" },
        proxy: { name: "cr.l5d.io/linkerd/proxy", version: "edge-26.8.3" },
        debug: { name: "cr.l5d.io/linkerd/debug", version: "edge-26.8.3" },
    },
};

describe("components/linkerd", () => {
    describe("render (golden files and security fields)", () => {
        it("renders the control plane's values as in the golden file", () => {
            assertGolden(
                "linkerd-control-plane-values.golden.json",
                JSON.stringify(renderControlPlaneValues(valuesInput), null, 2) + "\n",
            );
        });

        it("renders the identity issuer and webhook certificates as in the golden file", () => {
            const docs = [
                renderIdentityIssuerCertificate({
                    namespace: "linkerd",
                    trustDomain: "cluster.local",
                    duration: "48h0m0s",
                    renewBefore: "25h0m0s",
                }),
                renderWebhookCertificate(
                    "linkerd-proxy-injector",
                    "linkerd",
                    "sovereign-internal-ca",
                ),
            ];
            assertGolden("linkerd-certificates.golden.json", JSON.stringify(docs, null, 2) + "\n");
        });

        it("gives the chart only the trust anchor's certificate and reads the issuer from its Secret", () => {
            const v: Loose = renderControlPlaneValues(valuesInput);
            assert.strictEqual(v.identityTrustAnchorsPEM, anchorPem);
            assert.deepStrictEqual(v.identity, {
                externalCA: false,
                issuer: {
                    scheme: "kubernetes.io/tls",
                    issuanceLifetime: "24h0m0s",
                    clockSkewAllowance: "20s",
                },
            });
            assert.ok(!strings(v).some((s) => s.includes("PRIVATE KEY")));
            assert.throws(
                () =>
                    renderControlPlaneValues({
                        ...valuesInput,
                        trustAnchorPem: `${anchorPem}-----BEGIN EC PRIVATE KEY-----\nx\n`,
                    }),
                /holds a private key/,
            );
        });

        it("requires authenticated peers, no heartbeat, the CNI plugin and the injector's failure policy", () => {
            const v: Loose = renderControlPlaneValues(valuesInput);
            assert.strictEqual(v.proxy.defaultInboundPolicy, "all-authenticated");
            assert.strictEqual(v.disableHeartBeat, true);
            assert.strictEqual(v.cniEnabled, true);
            assert.strictEqual(v.webhookFailurePolicy, "Fail");
            assert.strictEqual(v.controller.tracing.enabled, false);
            assert.strictEqual(v.proxy.tracing.enabled, false);
            const dev: Loose = renderControlPlaneValues({
                ...valuesInput,
                injectorFailurePolicy: "Ignore",
            });
            assert.strictEqual(dev.webhookFailurePolicy, "Ignore");
        });

        it("keeps the injector away from the platform's own namespaces", () => {
            const v: Loose = renderControlPlaneValues(valuesInput);
            assert.deepStrictEqual(v.proxyInjector.namespaceSelector.matchExpressions, [
                {
                    key: "config.linkerd.io/admission-webhooks",
                    operator: "NotIn",
                    values: ["disabled"],
                },
                {
                    key: "kubernetes.io/metadata.name",
                    operator: "NotIn",
                    values: ["cert-manager", "kube-system", "linkerd", "linkerd-cni"],
                },
            ]);
        });

        it("takes every webhook's certificate from cert-manager (none generated at render time)", () => {
            const v: Loose = renderControlPlaneValues(valuesInput);
            assert.strictEqual(v.proxyInjector.externalSecret, true);
            assert.strictEqual(v.proxyInjector.injectCaFrom, "linkerd/linkerd-proxy-injector");
            assert.deepStrictEqual(v.profileValidator, {
                externalSecret: true,
                injectCaFrom: "linkerd/linkerd-sp-validator",
            });
            assert.deepStrictEqual(v.policyValidator, {
                externalSecret: true,
                injectCaFrom: "linkerd/linkerd-policy-validator",
            });
        });

        it("switches HA (replicas, budgets, anti-affinity) with the setting", () => {
            const ha: Loose = renderControlPlaneValues(valuesInput);
            assert.deepStrictEqual(
                [ha.controllerReplicas, ha.enablePodDisruptionBudget, ha.enablePodAntiAffinity],
                [3, true, true],
            );
            const single: Loose = renderControlPlaneValues({
                ...valuesInput,
                highAvailability: false,
            });
            assert.deepStrictEqual(
                [
                    single.controllerReplicas,
                    single.enablePodDisruptionBudget,
                    single.enablePodAntiAffinity,
                ],
                [1, false, false],
            );
        });

        it("issues the identity issuer as a short-lived ECDSA P-256 CA whose key rotates", () => {
            const cert: Loose = renderIdentityIssuerCertificate({
                namespace: "linkerd",
                trustDomain: "cluster.local",
                duration: "48h0m0s",
                renewBefore: "25h0m0s",
            });
            assert.strictEqual(cert.metadata.name, "linkerd-identity-issuer");
            assert.strictEqual(cert.spec.secretName, "linkerd-identity-issuer");
            assert.strictEqual(cert.spec.isCA, true);
            assert.strictEqual(cert.spec.commonName, "identity.linkerd.cluster.local");
            assert.deepStrictEqual(
                [cert.spec.duration, cert.spec.renewBefore],
                ["48h0m0s", "25h0m0s"],
            );
            assert.deepStrictEqual(cert.spec.privateKey, {
                algorithm: "ECDSA",
                size: 256,
                rotationPolicy: "Always",
            });
            assert.deepStrictEqual(cert.spec.issuerRef, {
                group: "cert-manager.io",
                kind: "Issuer",
                name: "linkerd-trust-anchor",
            });
        });

        it("rotates the webhook certificates' keys too", () => {
            const cert: Loose = renderWebhookCertificate("linkerd-sp-validator", "linkerd", "ca");
            assert.strictEqual(cert.spec.secretName, "linkerd-sp-validator-k8s-tls");
            assert.deepStrictEqual(cert.spec.dnsNames, ["linkerd-sp-validator.linkerd.svc"]);
            assert.strictEqual(cert.spec.privateKey.rotationPolicy, "Always");
            assert.strictEqual(cert.spec.isCA, false);
        });

        it("labels the control plane restricted and the CNI namespace privileged with its reason", () => {
            const cp = renderControlPlaneNamespace("linkerd", "1.33").metadata;
            assert.strictEqual(cp.labels["pod-security.kubernetes.io/enforce"], "restricted");
            assert.strictEqual(cp.labels["linkerd.io/is-control-plane"], "true");
            assert.strictEqual(cp.labels["config.linkerd.io/admission-webhooks"], "disabled");
            const cni = renderCniNamespace("linkerd-cni", "1.33").metadata;
            assert.strictEqual(cni.labels["pod-security.kubernetes.io/enforce"], "privileged");
            assert.strictEqual(
                cni.annotations[exemptionReasonAnnotation],
                linkerdCniPodSecurityReason,
            );
        });

        it("installs no Gateway API CRDs and runs the CNI plugin unprivileged", () => {
            assert.deepStrictEqual(renderCrdsValues(), { installGatewayAPI: false });
            const cni: Loose = renderCniValues({
                name: "cr.l5d.io/linkerd/cni-plugin",
                version: "v1",
            });
            assert.strictEqual(cni.privileged, false);
            assert.deepStrictEqual(cni.image, {
                name: "cr.l5d.io/linkerd/cni-plugin",
                version: "v1",
                pullPolicy: "IfNotPresent",
            });
        });

        it("gives the CNI installer CPU and memory requests and limits (the chart's format)", () => {
            const cni: Loose = renderCniValues({
                name: "cr.l5d.io/linkerd/cni-plugin",
                version: "v1",
            });
            assert.deepStrictEqual(cni.resources, {
                cpu: { request: "10m", limit: "100m" },
                memory: { request: "32Mi", limit: "64Mi" },
            });
        });
    });

    describe("settings (linkerd)", () => {
        it("defaults to HA, failing closed, authenticated peers and a 48h issuer renewed 25h early", () => {
            const { settings } = loadSettings({});
            assert.deepStrictEqual(settings.linkerd, {
                enabled: true,
                namespace: "linkerd",
                cniNamespace: "linkerd-cni",
                highAvailability: true,
                injectorFailurePolicy: "Fail",
                defaultInboundPolicy: "all-authenticated",
                trustDomain: "cluster.local",
                identityIssuer: { duration: "48h0m0s", renewBefore: "25h0m0s" },
                podMonitor: false,
            });
            // Generated anchors are the default; their settings stay unset (so that a
            // bring-your-own anchor can refuse them) and the component fills them in.
            assert.strictEqual(linkerdDefaults.trustAnchorValidityHours, 87600);
            assert.deepStrictEqual(linkerdDefaults.trustAnchors, {
                trusted: ["root-1"],
                signing: "root-1",
            });
        });

        it("takes the site's trust anchor: its certificates and its Secret or issuer", () => {
            const load = (externalTrustAnchor: unknown): unknown =>
                loadSettings({
                    "sovereign-contour:linkerd": JSON.stringify({ externalTrustAnchor }),
                }).settings.linkerd.externalTrustAnchor;
            assert.deepStrictEqual(
                load({ certificates: anchorOne, secret: { name: "linkerd-trust-anchor" } }),
                { certificates: anchorOne, secret: { name: "linkerd-trust-anchor" } },
            );
            assert.deepStrictEqual(
                load({ certificates: `${anchorOne}\n${anchorTwo}\n`, issuer: { name: "vault" } }),
                {
                    certificates: `${anchorOne}\n${anchorTwo}\n`,
                    issuer: { name: "vault", kind: "ClusterIssuer" },
                },
            );
            assert.deepStrictEqual(
                load({ certificates: anchorOne, issuer: { name: "l5d", kind: "Issuer" } }),
                { certificates: anchorOne, issuer: { name: "l5d", kind: "Issuer" } },
            );
        });

        it("refuses mixed trust-anchor modes and a Secret outside the control plane's namespace, naming each", () => {
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:linkerd": JSON.stringify({
                        trustAnchorValidityHours: 9000,
                        trustAnchors: { trusted: ["root-1"] },
                        externalTrustAnchor: {
                            certificates: anchorOne,
                            secret: { name: "anchor", namespace: "pki" },
                            issuer: { name: "vault", kind: "Issuer" },
                        },
                    }),
                }),
                [
                    'sovereign-contour:linkerd.externalTrustAnchor.issuer: externalTrustAnchor.secret and externalTrustAnchor.issuer are mutually exclusive: the identity issuer is signed with the anchor in the Secret, or by the site\'s issuer; keep one (got {"name":"vault","kind":"Issuer"})',
                    'sovereign-contour:linkerd.trustAnchors: trustAnchors sets up trust anchors the program generates; with externalTrustAnchor the anchors are the site\'s (no key is generated): remove trustAnchors (got {"trusted":["root-1"]})',
                    "sovereign-contour:linkerd.trustAnchorValidityHours: trustAnchorValidityHours sets up trust anchors the program generates; with externalTrustAnchor the anchors are the site's (no key is generated): remove trustAnchorValidityHours (got 9000)",
                    'sovereign-contour:linkerd.externalTrustAnchor.secret.namespace: expected "linkerd" (linkerd.namespace): the CA Issuer that signs the identity issuer is namespaced and reads its Secret from the control plane\'s namespace; create the Secret there (got "pki")',
                ],
            );
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:linkerd": JSON.stringify({
                        externalTrustAnchor: { secret: { name: "anchor" } },
                    }),
                }),
                [
                    "sovereign-contour:linkerd.externalTrustAnchor.certificates: expected the trust anchor's PEM certificate (public) (got missing)",
                ],
            );
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:linkerd": JSON.stringify({
                        externalTrustAnchor: { certificates: anchorOne },
                    }),
                }),
                [
                    "sovereign-contour:linkerd.externalTrustAnchor.secret: expected exactly one of secret (an existing kubernetes.io/tls Secret holding the signing anchor's certificate and key) or issuer (the site's cert-manager issuer that signs the identity issuer) (got missing)",
                ],
            );
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:linkerd": JSON.stringify({
                        externalTrustAnchor: {
                            certificates: anchorOne,
                            issuer: { name: "v", kind: "Pod" },
                        },
                    }),
                }),
                [
                    'sovereign-contour:linkerd.externalTrustAnchor.issuer.kind: expected "ClusterIssuer" or "Issuer" (a cert-manager.io issuer; an Issuer in linkerd.namespace) (got "Pod")',
                ],
            );
            // A key pasted where the certificates go is refused, and never echoed.
            const key = [
                "-----BEGIN",
                "EC PRIVATE KEY-----\nMHcC\n-----END",
                "EC PRIVATE KEY-----",
            ].join(" ");
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:linkerd": JSON.stringify({
                        externalTrustAnchor: { certificates: key, issuer: { name: "v" } },
                    }),
                }),
                [
                    "sovereign-contour:linkerd.externalTrustAnchor.certificates: holds a EC PRIVATE KEY block; expected CERTIFICATE blocks only: this setting is public and reaches the chart's values; the key stays in the site's Secret or PKI (got [PEM text])",
                ],
            );
        });

        it("never echoes PEM text held in a refused object (a key pasted as a list)", () => {
            const key = [
                "-----BEGIN",
                "EC PRIVATE KEY-----\nMHcCAQEEIAbc\n-----END",
                "EC PRIVATE KEY-----",
            ].join(" ");
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:linkerd": JSON.stringify({ externalTrustAnchor: [key] }),
                }),
                [
                    "sovereign-contour:linkerd.externalTrustAnchor: Expected object, received array (got [object with PEM text])",
                ],
            );
        });

        it("accepts only ECDSA P-256 CA certificates, at most three, current, and never a key", () => {
            const issues = (certificates: string, now?: Date): string[] =>
                validateExternalTrustAnchor(
                    {
                        namespace: "linkerd",
                        externalTrustAnchor: { certificates, secret: { name: "anchor" } },
                    },
                    now,
                ).map((i) => `${i.path.join(".")}: ${i.message}`);
            assert.deepStrictEqual(issues(`${anchorOne}\n${anchorTwo}`), []);
            const at = "externalTrustAnchor.certificates";
            assert.deepStrictEqual(issues("not a certificate"), [
                `${at}: expected the trust anchor's PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)`,
            ]);
            const key = [
                "-----BEGIN",
                "EC PRIVATE KEY-----\nMHcC\n-----END",
                "EC PRIVATE KEY-----",
            ].join(" ");
            assert.deepStrictEqual(issues(`${anchorOne}\n${key}`), [
                `${at}: holds a EC PRIVATE KEY block; expected CERTIFICATE blocks only: this setting is public and reaches the chart's values; the key stays in the site's Secret or PKI`,
            ]);
            assert.deepStrictEqual(
                issues([anchorOne, anchorTwo, anchorOne, anchorTwo].join("\n")),
                [
                    `${at}: holds 4 certificates; expected at most 3 trust anchors (old, current, next)`,
                ],
            );
            assert.deepStrictEqual(issues(`${anchorOne}\n${anchorOne}`), [
                `${at}: certificate 2 (CN=root.linkerd.cluster.local, OU=test-1) is listed twice; expected each trust anchor once`,
            ]);
            assert.deepStrictEqual(issues(leafCertificate), [
                `${at}: certificate 1 (CN=leaf.example) is not a CA certificate (basicConstraints CA:TRUE); give the trust anchor, the CA that signs Linkerd's identity issuer`,
            ]);
            assert.deepStrictEqual(issues(p384Anchor), [
                `${at}: certificate 1 (CN=p384 root) has a key of type ec (curve secp384r1); expected ECDSA P-256 (prime256v1), which Linkerd requires of a trust anchor`,
            ]);
            assert.deepStrictEqual(
                issues("-----BEGIN CERTIFICATE-----\nbm90IGRlcg==\n-----END CERTIFICATE-----"),
                [`${at}: certificate 1 is not a valid X.509 certificate`],
            );
            assert.deepStrictEqual(issues(anchorOne, new Date("2050-01-01T00:00:00Z")), [
                `${at}: certificate 1 (CN=root.linkerd.cluster.local, OU=test-1) expired on Nov 30 05:38:22 2046 GMT; give the current trust anchor`,
            ]);
        });

        it("gives the chart the certificate blocks alone, each ending with a newline", () => {
            assert.strictEqual(
                trustAnchorBundle(`# old\n${anchorOne}\n\n# new\n${anchorTwo}`),
                `${anchorOne}\n${anchorTwo}\n`,
            );
        });

        it("reads dev without HA and failing open, prod with HA and failing closed", () => {
            const dev = loadSettings(readStackConfig(projectDir, "dev").values).settings.linkerd;
            const prod = loadSettings(readStackConfig(projectDir, "prod").values).settings.linkerd;
            assert.deepStrictEqual(
                [dev.highAvailability, dev.injectorFailurePolicy],
                [false, "Ignore"],
            );
            assert.deepStrictEqual(
                [prod.highAvailability, prod.injectorFailurePolicy],
                [true, "Fail"],
            );
        });

        it("refuses an unauthenticated default policy, a malformed duration and an untrusted signing anchor", () => {
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:linkerd": JSON.stringify({
                        defaultInboundPolicy: "all-unauthenticated",
                        identityIssuer: { duration: "two days" },
                        trustAnchors: { trusted: ["root-2"] },
                    }),
                }),
                [
                    'sovereign-contour:linkerd.defaultInboundPolicy: expected "all-authenticated", "cluster-authenticated" or "deny" (the unauthenticated policies are not allowed) (got "all-unauthenticated")',
                    'sovereign-contour:linkerd.trustAnchors.signing: expected one of the trusted anchors (root-2); signing is "root-1" unless set (got missing)',
                    'sovereign-contour:linkerd.identityIssuer.duration: expected a duration in hours, minutes and seconds such as 48h0m0s or 25h (got "two days")',
                ],
            );
        });
    });

    describe("component (under mocks)", () => {
        let cmMod: typeof import("../../components/cert-manager");
        let mod: typeof import("../../components/linkerd");
        let k8s: typeof import("@pulumi/kubernetes");

        before(async () => {
            installMocks();
            installTlsStandIns();
            cmMod = await import("../../components/cert-manager");
            mod = await import("../../components/linkerd");
            k8s = await import("@pulumi/kubernetes");
        });
        beforeEach(() => resetRecorded());

        const build = (over: Partial<LinkerdArgs> = {}): InstanceType<typeof mod.Linkerd> => {
            const certManager = new cmMod.CertManager("cm", { kubernetesVersion: "1.33" });
            return new mod.Linkerd("l5d", { kubernetesVersion: "1.33", certManager, ...over });
        };
        const ownChildren = (): string[] => {
            const component = named("l5d");
            return recorded
                .filter((r) => r.parent === component.urn)
                .map((r) => `${r.type} ${r.name}`)
                .sort();
        };

        it("creates the namespaces, the trust anchor, its Secret and Issuer, four Certificates and three charts", async () => {
            build();
            await settled();
            assert.deepStrictEqual(ownChildren(), [
                "kubernetes:cert-manager.io/v1:Certificate l5d-identity-issuer",
                "kubernetes:cert-manager.io/v1:Certificate l5d-webhook-cert-policy-validator",
                "kubernetes:cert-manager.io/v1:Certificate l5d-webhook-cert-proxy-injector",
                "kubernetes:cert-manager.io/v1:Certificate l5d-webhook-cert-sp-validator",
                "kubernetes:cert-manager.io/v1:Issuer l5d-trust-anchor-issuer",
                "kubernetes:core/v1:Namespace l5d-cni-namespace",
                "kubernetes:core/v1:Namespace l5d-namespace",
                "kubernetes:core/v1:Secret l5d-trust-anchor-secret",
                "kubernetes:helm.sh/v4:Chart l5d-cni",
                "kubernetes:helm.sh/v4:Chart l5d-control-plane",
                "kubernetes:helm.sh/v4:Chart l5d-crds",
                "sovereign:charts:ChartSource l5d-cni-source",
                "sovereign:charts:ChartSource l5d-control-plane-source",
                "sovereign:charts:ChartSource l5d-crds-source",
                "tls:index/privateKey:PrivateKey l5d-trust-anchor-root-1-key",
                "tls:index/selfSignedCert:SelfSignedCert l5d-trust-anchor-root-1",
            ]);
        });

        it("generates an ECDSA P-256 trust anchor, protected and retained", async () => {
            build();
            await settled();
            const key = named("l5d-trust-anchor-root-1-key");
            const anchor = named("l5d-trust-anchor-root-1");
            assert.deepStrictEqual(
                [key.inputs.algorithm, key.inputs.ecdsaCurve],
                ["ECDSA", "P256"],
            );
            assert.deepStrictEqual([key.protect, key.retainOnDelete], [true, true]);
            assert.deepStrictEqual([anchor.protect, anchor.retainOnDelete], [true, true]);
            assert.strictEqual(anchor.inputs.isCaCertificate, true);
            assert.strictEqual(anchor.inputs.validityPeriodHours, 87600);
            assert.strictEqual(anchor.inputs.subject.commonName, "root.linkerd.cluster.local");
            assert.deepStrictEqual(
                await runStackPolicy(pkiCaKeysProtected, toPolicyResources(recorded)),
                [],
            );
        });

        it("wires anchor → Secret → CA Issuer → identity issuer → control plane by references", async () => {
            const l5d = build();
            await settled();
            const key = named("l5d-trust-anchor-root-1-key");
            const anchor = named("l5d-trust-anchor-root-1");
            const secret = named("l5d-trust-anchor-secret");
            const issuer = named("l5d-trust-anchor-issuer");
            const identity = named("l5d-identity-issuer");
            const cp = named("l5d-control-plane");
            assert.ok(anchor.dependencies.includes(key.urn));
            assert.deepStrictEqual(secret.inputs.stringData, {
                "tls.crt": anchor.inputs.certPem,
                "tls.key": key.inputs.privateKeyPem,
            });
            assert.strictEqual(secret.inputs.metadata.namespace, "linkerd");
            assert.ok(
                secret.dependencies.includes(key.urn) && secret.dependencies.includes(anchor.urn),
            );
            assert.strictEqual(
                await pulumi.isSecret(
                    (l5d.trustAnchorSecret as unknown as { stringData: pulumi.Output<unknown> })
                        .stringData,
                ),
                true,
            );
            assert.strictEqual(issuer.inputs.kind, "Issuer");
            assert.strictEqual(issuer.inputs.metadata.namespace, "linkerd");
            assert.strictEqual(issuer.inputs.spec.ca.secretName, secret.inputs.metadata.name);
            assert.ok(issuer.dependencies.includes(secret.urn));
            assert.strictEqual(identity.inputs.spec.issuerRef.name, issuer.inputs.metadata.name);
            assert.strictEqual(identity.inputs.metadata.namespace, "linkerd");
            assert.deepStrictEqual(identity.dependencies, [issuer.urn]);
            assert.strictEqual(cp.inputs.values.identityTrustAnchorsPEM, anchor.inputs.certPem);
            assert.ok(
                cp.dependencies.includes(identity.urn),
                "the control plane waits for its issuer",
            );
        });

        it("lets no private key into any chart's values", async () => {
            build();
            await settled();
            const charts = ofType("kubernetes:helm.sh/v4:Chart");
            assert.strictEqual(charts.length, 4, "cert-manager and the three Linkerd charts");
            for (const chart of charts) {
                assert.ok(
                    !strings(chart.inputs.values).some((s) => s.includes("PRIVATE KEY")),
                    `${chart.name} has key material in its values`,
                );
            }
            assert.ok(
                strings(named("l5d-trust-anchor-secret").inputs).some((s) =>
                    s.includes("PRIVATE KEY"),
                ),
                "the key is in the Secret (so the scan above can see one)",
            );
        });

        it("orders issuers after cert-manager, and the control plane after CRDs, CNI and every certificate", async () => {
            build();
            await settled();
            const urn = (name: string): string => named(name).urn;
            const deps = (name: string): readonly string[] => named(name).dependencies;
            for (const name of [
                "l5d-trust-anchor-issuer",
                "l5d-webhook-cert-proxy-injector",
                "l5d-webhook-cert-sp-validator",
                "l5d-webhook-cert-policy-validator",
            ]) {
                assert.ok(
                    deps(name).includes(urn("cm-cluster-issuer")),
                    `${name} after the ClusterIssuer`,
                );
                assert.ok(
                    deps(name).includes(urn("cm-chart")),
                    `${name} after cert-manager's chart`,
                );
            }
            assert.deepStrictEqual([...deps("l5d-crds")], [urn("l5d-namespace")]);
            assert.deepStrictEqual([...deps("l5d-cni")], [urn("l5d-cni-namespace")]);
            assert.deepStrictEqual(
                [...deps("l5d-control-plane")].sort(),
                [
                    "l5d-namespace",
                    "l5d-crds",
                    "l5d-cni",
                    "l5d-identity-issuer",
                    "l5d-webhook-cert-proxy-injector",
                    "l5d-webhook-cert-sp-validator",
                    "l5d-webhook-cert-policy-validator",
                    // the anchor's certificate reaches the values; its key never does
                    "l5d-trust-anchor-root-1",
                ]
                    .map(urn)
                    .sort(),
            );
            assert.ok(!deps("l5d-control-plane").includes(urn("l5d-trust-anchor-root-1-key")));
            for (const cert of ofType("kubernetes:cert-manager.io/v1:Certificate")) {
                assert.strictEqual(cert.inputs.spec.privateKey.rotationPolicy, "Always", cert.name);
            }
        });

        it("issues the webhook certificates from the platform CA into the Secrets the chart mounts", async () => {
            build();
            await settled();
            const cert = named("l5d-webhook-cert-proxy-injector").inputs;
            assert.deepStrictEqual(cert.spec.issuerRef, {
                group: "cert-manager.io",
                kind: "ClusterIssuer",
                name: "sovereign-internal-ca",
            });
            assert.strictEqual(cert.spec.secretName, "linkerd-proxy-injector-k8s-tls");
        });

        it("installs the three pinned charts into their namespaces", async () => {
            const l5d = build({ highAvailability: false, injectorFailurePolicy: "Ignore" });
            await settled();
            const crds = named("l5d-crds").inputs;
            const cni = named("l5d-cni").inputs;
            const cp = named("l5d-control-plane").inputs;
            assert.deepStrictEqual(
                [crds.chart, crds.version, crds.namespace, crds.repositoryOpts.repo],
                ["linkerd-crds", "2026.8.3", "linkerd", "https://helm.linkerd.io/edge"],
            );
            assert.deepStrictEqual(
                [cni.chart, cni.version, cni.namespace],
                ["linkerd2-cni", "2026.8.3", "linkerd-cni"],
            );
            assert.deepStrictEqual(
                [cp.chart, cp.version, cp.namespace],
                ["linkerd-control-plane", "2026.8.3", "linkerd"],
            );
            assert.deepStrictEqual(
                [cp.values.webhookFailurePolicy, cp.values.controllerReplicas],
                ["Ignore", 1],
            );
            assert.deepStrictEqual(
                cp.values.proxyInjector.namespaceSelector.matchExpressions[1].values,
                [
                    "cert-manager",
                    "kube-node-lease",
                    "kube-public",
                    "kube-system",
                    "linkerd",
                    "linkerd-cni",
                ],
            );
            assert.deepStrictEqual(l5d.images, [
                "cr.l5d.io/linkerd/controller:edge-26.8.3",
                "cr.l5d.io/linkerd/proxy:edge-26.8.3",
                "cr.l5d.io/linkerd/debug:edge-26.8.3",
                "cr.l5d.io/linkerd/cni-plugin:v1.7.0-alpha.1",
            ]);
            assert.deepStrictEqual(
                l5d.charts.map((c) => `${c.name}@${c.version}`),
                [
                    "linkerd-crds@2026.8.3",
                    "linkerd2-cni@2026.8.3",
                    "linkerd-control-plane@2026.8.3",
                ],
            );
        });

        it("pins every image, the injected proxy included, by its recorded digest in the version", async () => {
            const digest = (n: string): string => `sha256:${n.repeat(64)}`;
            const l5d = build({
                images: {
                    mirror: "harbor.example/mirror",
                    digests: {
                        "cr.l5d.io/linkerd/controller:edge-26.8.3": digest("1"),
                        "cr.l5d.io/linkerd/proxy:edge-26.8.3": digest("2"),
                        "cr.l5d.io/linkerd/debug:edge-26.8.3": digest("3"),
                        "cr.l5d.io/linkerd/cni-plugin:v1.7.0-alpha.1": digest("4"),
                    },
                },
            });
            await settled();
            const cp = named("l5d-control-plane").inputs.values;
            // The charts render `name:version`: .../proxy:edge-26.8.3@sha256:...; the proxy's
            // version also reaches linkerd-config, from which the injector pins every meshed pod.
            assert.deepStrictEqual(
                [cp.controllerImage, cp.controllerImageVersion],
                ["harbor.example/mirror/linkerd/controller", `edge-26.8.3@${digest("1")}`],
            );
            assert.deepStrictEqual(cp.proxy.image, {
                name: "harbor.example/mirror/linkerd/proxy",
                version: `edge-26.8.3@${digest("2")}`,
            });
            assert.strictEqual(cp.debugContainer.image.version, `edge-26.8.3@${digest("3")}`);
            assert.strictEqual(cp.linkerdVersion, "edge-26.8.3", "labels keep the plain version");
            assert.strictEqual(
                named("l5d-cni").inputs.values.image.version,
                `v1.7.0-alpha.1@${digest("4")}`,
            );
            assert.deepStrictEqual(l5d.images, [
                `harbor.example/mirror/linkerd/controller:edge-26.8.3@${digest("1")}`,
                `harbor.example/mirror/linkerd/proxy:edge-26.8.3@${digest("2")}`,
                `harbor.example/mirror/linkerd/debug:edge-26.8.3@${digest("3")}`,
                `harbor.example/mirror/linkerd/cni-plugin:v1.7.0-alpha.1@${digest("4")}`,
            ]);
        });

        it("rotates by name: both anchors trusted in the bundle, the signing one behind the Issuer", async () => {
            build({ trustAnchors: { trusted: ["root-1", "root-2"], signing: "root-2" } });
            await settled();
            const old = named("l5d-trust-anchor-root-1");
            const next = named("l5d-trust-anchor-root-2");
            const nextKey = named("l5d-trust-anchor-root-2-key");
            for (const r of [old, next, nextKey, named("l5d-trust-anchor-root-1-key")]) {
                assert.deepStrictEqual([r.protect, r.retainOnDelete], [true, true], r.name);
            }
            assert.deepStrictEqual(
                [old.inputs.subject.organizationalUnit, next.inputs.subject.organizationalUnit],
                ["root-1", "root-2"],
            );
            assert.strictEqual(
                named("l5d-control-plane").inputs.values.identityTrustAnchorsPEM,
                old.inputs.certPem + next.inputs.certPem,
            );
            assert.deepStrictEqual(named("l5d-trust-anchor-secret").inputs.stringData, {
                "tls.crt": next.inputs.certPem,
                "tls.key": nextKey.inputs.privateKeyPem,
            });
            assert.throws(
                () => build({ trustAnchors: { trusted: ["root-1"], signing: "root-2" } }),
                /linkerd\.trustAnchors is trusted \[root-1\], signing root-2; expected distinct trusted names that include the signing one/,
            );
        });

        it("uses a declared privileged system namespace for the CNI plugin instead of creating one", async () => {
            const existing = new k8s.core.v1.Namespace("sys-linkerd-cni", {
                metadata: { name: "linkerd-cni" },
            });
            build({ cniSystemNamespace: { namespace: existing, podSecurity: "privileged" } });
            await settled();
            assert.ok(!ownChildren().includes("kubernetes:core/v1:Namespace l5d-cni-namespace"));
            assert.deepStrictEqual(
                [...named("l5d-cni").dependencies],
                [named("sys-linkerd-cni").urn],
            );
        });

        it("with the site's trust anchor Secret: a CA Issuer over it, no key, no anchor, no Secret of its own", async () => {
            const l5d = build({
                externalTrustAnchor: {
                    certificates: `${anchorOne}\n${anchorTwo}`,
                    secret: { name: "site-anchor" },
                },
            });
            await settled();
            assert.deepStrictEqual(ownChildren(), [
                "kubernetes:cert-manager.io/v1:Certificate l5d-identity-issuer",
                "kubernetes:cert-manager.io/v1:Certificate l5d-webhook-cert-policy-validator",
                "kubernetes:cert-manager.io/v1:Certificate l5d-webhook-cert-proxy-injector",
                "kubernetes:cert-manager.io/v1:Certificate l5d-webhook-cert-sp-validator",
                "kubernetes:cert-manager.io/v1:Issuer l5d-trust-anchor-issuer",
                "kubernetes:core/v1:Namespace l5d-cni-namespace",
                "kubernetes:core/v1:Namespace l5d-namespace",
                "kubernetes:helm.sh/v4:Chart l5d-cni",
                "kubernetes:helm.sh/v4:Chart l5d-control-plane",
                "kubernetes:helm.sh/v4:Chart l5d-crds",
                "sovereign:charts:ChartSource l5d-cni-source",
                "sovereign:charts:ChartSource l5d-control-plane-source",
                "sovereign:charts:ChartSource l5d-crds-source",
            ]);
            const issuer = named("l5d-trust-anchor-issuer");
            const identity = named("l5d-identity-issuer");
            assert.deepStrictEqual(issuer.inputs.spec, { ca: { secretName: "site-anchor" } });
            assert.strictEqual(issuer.inputs.metadata.namespace, "linkerd");
            // After cert-manager (the whole component: its chart and ClusterIssuer among it) and
            // the namespace the site's Secret lives in.
            for (const dep of ["cm-chart", "cm-cluster-issuer", "l5d-namespace"]) {
                assert.ok(issuer.dependencies.includes(named(dep).urn), dep);
            }
            assert.deepStrictEqual(identity.inputs.spec.issuerRef, {
                group: "cert-manager.io",
                kind: "Issuer",
                name: "linkerd-trust-anchor",
            });
            assert.deepStrictEqual(identity.dependencies, [issuer.urn]);
            // The chart receives the site's certificates, both anchors, and nothing else.
            assert.strictEqual(
                named("l5d-control-plane").inputs.values.identityTrustAnchorsPEM,
                `${anchorOne}\n${anchorTwo}\n`,
            );
            assert.strictEqual(l5d.trustAnchorSource, "secret");
            assert.deepStrictEqual([l5d.trustAnchorKeys, l5d.trustAnchors], [{}, {}]);
            assert.strictEqual(l5d.trustAnchorSecret, undefined);
        });

        it("with the site's issuers: the identity issuer and webhook certificates signed by them, no issuer of its own", async () => {
            const certManager = new cmMod.CertManager("cm", {
                kubernetesVersion: "1.33",
                externalCa: { issuer: { name: "sovereign-pki" } },
            });
            const l5d = new mod.Linkerd("l5d", {
                kubernetesVersion: "1.33",
                certManager,
                externalTrustAnchor: {
                    certificates: anchorOne,
                    issuer: { name: "vault-linkerd", kind: "ClusterIssuer" },
                },
            });
            await settled();
            assert.deepStrictEqual(
                recorded
                    .map((r) => r.type)
                    .filter((t) => /^(tls|random):|Issuer$|:Secret$/.test(t)),
                [],
                "no key, no Secret, no issuer of the program's",
            );
            const identity = named("l5d-identity-issuer");
            assert.deepStrictEqual(identity.inputs.spec.issuerRef, {
                group: "cert-manager.io",
                kind: "ClusterIssuer",
                name: "vault-linkerd",
            });
            for (const dep of ["cm-chart", "l5d-namespace"]) {
                assert.ok(identity.dependencies.includes(named(dep).urn), dep);
            }
            for (const cert of ofType("kubernetes:cert-manager.io/v1:Certificate")) {
                if (cert.name !== "l5d-identity-issuer") {
                    assert.deepStrictEqual(
                        cert.inputs.spec.issuerRef,
                        { group: "cert-manager.io", kind: "ClusterIssuer", name: "sovereign-pki" },
                        cert.name,
                    );
                }
            }
            assert.strictEqual(
                named("l5d-control-plane").inputs.values.identityTrustAnchorsPEM,
                `${anchorOne}\n`,
            );
            assert.strictEqual(l5d.trustAnchorSource, "issuer");
            assert.strictEqual(l5d.trustAnchorIssuer, undefined);
        });

        it("refuses generated-anchor settings beside the site's anchor, and a key among its certificates", () => {
            assert.throws(
                () =>
                    build({
                        trustAnchorValidityHours: 9000,
                        externalTrustAnchor: {
                            certificates: `${anchorOne}\n${["-----BEGIN", "PRIVATE KEY-----\nx\n-----END", "PRIVATE KEY-----"].join(" ")}`,
                            secret: { name: "a" },
                        },
                    }),
                (e: Error) =>
                    e.message.startsWith("linkerd: invalid trust anchor source:\n") &&
                    e.message.includes(
                        "  - externalTrustAnchor.certificates: holds a PRIVATE KEY block; expected CERTIFICATE blocks only",
                    ) &&
                    e.message.includes(
                        "  - trustAnchorValidityHours: trustAnchorValidityHours sets up trust anchors the program generates",
                    ) &&
                    !e.message.includes("\nx\n"),
            );
        });

        it("refuses to run without cert-manager, in a non-privileged CNI namespace, or with renewBefore ≥ duration", () => {
            assert.throws(
                () => new mod.Linkerd("no-cm", { kubernetesVersion: "1.33" }),
                /linkerd\.enabled is true but certManager\.enabled is false; expected certManager\.enabled: true/,
            );
            const existing = new k8s.core.v1.Namespace("sys-cni-restricted", {
                metadata: { name: "linkerd-cni" },
            });
            assert.throws(
                () =>
                    build({
                        cniSystemNamespace: { namespace: existing, podSecurity: "restricted" },
                    }),
                /systemNamespaces entry "linkerd-cni" \(linkerd\.cniNamespace\) enforces Pod Security "restricted"; expected "privileged"/,
            );
            assert.throws(
                () => build({ identityIssuer: { duration: "24h", renewBefore: "25h" } }),
                /linkerd\.identityIssuer\.renewBefore is 25h; expected a duration shorter than linkerd\.identityIssuer\.duration \(24h\)/,
            );
        });
    });
});
