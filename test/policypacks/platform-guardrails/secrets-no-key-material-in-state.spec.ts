import * as assert from "node:assert/strict";
import { secretsNoKeyMaterialInState as policy } from "../../../policypacks/platform-guardrails/policies/secrets-no-key-material-in-state";
import { runResourcePolicy } from "../../util/policy-harness";
import { runThroughAnalyzer, secret, unknownString } from "../../util/policy-rpc-harness";

const external = { externalKeyMaterial: true };
const secretType = "kubernetes:core/v1:Secret";

// Built at run time so that no key-shaped literal sits in the repository.
const ecKey = [
    ["-----BEGIN", "EC PRIVATE KEY-----"].join(" "),
    "MHcCAQEEIA",
    ["-----END", "EC PRIVATE KEY-----"].join(" "),
].join("\n");
const certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

const generatorFix =
    "but this stack declares its key material external (externalKeyMaterial). Take the CA from " +
    "certManager.externalCa, the mesh trust anchor from linkerd.externalTrustAnchor and " +
    "encryption keys from KMS v2 (provider kms), and remove the resource.";
const secretFix =
    "which Pulumi keeps in the stack's state, but this stack declares its key material external " +
    "(externalKeyMaterial). Create the Secret outside Pulumi (the site's PKI or secret store, or " +
    "kubectl) and reference it by name (certManager.externalCa.secret, " +
    "linkerd.externalTrustAnchor.secret).";

function tlsSecret(data: Record<string, unknown>, field = "stringData"): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "ca", namespace: "cert-manager" },
        type: "kubernetes.io/tls",
        [field]: data,
    };
}

describe("policy secrets-no-key-material-in-state", () => {
    it("reports nothing in a stack that does not declare its key material external (the default)", async () => {
        for (const type of [
            "tls:index/privateKey:PrivateKey",
            "random:index/randomBytes:RandomBytes",
        ]) {
            assert.deepEqual(await runResourcePolicy(policy, { type, props: {} }), []);
        }
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: secretType,
                props: tlsSecret({ "tls.crt": certificate, "tls.key": ecKey }),
            }),
            [],
        );
    });

    it("refuses every resource of the tls and random providers, naming type and resource", async () => {
        for (const [type, provider] of [
            ["tls:index/privateKey:PrivateKey", "tls"],
            ["tls:index/selfSignedCert:SelfSignedCert", "tls"],
            ["tls:index/locallySignedCert:LocallySignedCert", "tls"],
            ["random:index/randomBytes:RandomBytes", "random"],
            ["random:index/randomPassword:RandomPassword", "random"],
            ["pulumi:providers:random", "random"],
        ]) {
            assert.deepEqual(
                await runResourcePolicy(policy, {
                    type,
                    name: "ca-key",
                    props: {},
                    config: external,
                }),
                [
                    `${type} "ca-key" is a resource of the ${provider} provider, which keeps what ` +
                        "it generates (private keys, random bytes) in the stack's state, " +
                        generatorFix,
                ],
            );
        }
    });

    it("admits the resources of a bring-your-own stack: issuers, certificates, a Secret without a key", async () => {
        const admitted: [string, Record<string, unknown>][] = [
            [
                "kubernetes:cert-manager.io/v1:ClusterIssuer",
                { spec: { ca: { secretName: "site-ca" } } },
            ],
            ["kubernetes:core/v1:ConfigMap", { data: { "ca.crt": certificate } }],
            [secretType, tlsSecret({ "ca.crt": certificate, token: "opaque" })],
            [
                secretType,
                tlsSecret({ "ca.crt": Buffer.from(certificate).toString("base64") }, "data"),
            ],
            ["kubernetes:helm.sh/v4:Chart", { values: { identityTrustAnchorsPEM: certificate } }],
        ];
        for (const [type, props] of admitted) {
            assert.deepEqual(
                await runResourcePolicy(policy, { type, props, config: external }),
                [],
                type,
            );
        }
    });

    it("refuses a Secret with a tls.key or ssh-privatekey entry, whatever its value", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: secretType,
                props: tlsSecret({ "tls.crt": certificate, "tls.key": "" }),
                config: external,
            }),
            [`Secret "cert-manager/ca" holds a private key in stringData["tls.key"], ${secretFix}`],
        );
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: "kubernetes:core/v1:SecretPatch",
                props: tlsSecret({ "ssh-privatekey": "c2No" }, "data"),
                config: external,
            }),
            [
                `Secret "cert-manager/ca" holds a private key in data["ssh-privatekey"], ${secretFix}`,
            ],
        );
    });

    it("refuses a PEM private key under any entry, in stringData or base64 in data", async () => {
        const props = {
            ...tlsSecret({ "ca.pem": `${certificate}${ecKey}` }),
            data: { signer: Buffer.from(ecKey).toString("base64") },
        };
        assert.deepEqual(
            await runResourcePolicy(policy, { type: secretType, props, config: external }),
            [
                `Secret "cert-manager/ca" holds a private key in data.signer, ` +
                    `stringData["ca.pem"], ${secretFix}`,
            ],
        );
    });

    it("sees through Pulumi secrets, and judges a value unknown at preview by its key name", async () => {
        const run = (stringData: unknown) =>
            runThroughAnalyzer(policy, {
                type: secretType,
                props: tlsSecret(stringData as Record<string, unknown>),
                config: external,
            });
        assert.deepEqual((await run({ key: secret(ecKey) })).messages, [
            `Secret "cert-manager/ca" holds a private key in stringData.key, ${secretFix}`,
        ]);
        assert.deepEqual((await run({ "tls.key": unknownString })).messages, [
            `Secret "cert-manager/ca" holds a private key in stringData["tls.key"], ${secretFix}`,
        ]);
        // An unknown value under another key cannot be read until `up`; nothing is claimed.
        assert.deepEqual((await run({ "ca.crt": unknownString })).messages, []);
        assert.deepEqual((await run(unknownString)).messages, []);
    });
});
