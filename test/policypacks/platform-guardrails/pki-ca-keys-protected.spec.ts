import * as assert from "node:assert/strict";
import { pkiCaKeysProtected as policy } from "../../../policypacks/platform-guardrails/policies/pki-ca-keys-protected";
import { T } from "../../fixtures/platform/guardrails";
import { runStackPolicy, StackResourceInput, urnOf } from "../../util/policy-rpc-harness";

/**
 * A compliant PKI: a protected root key and CA, a protected intermediate (issuer) signed by it, a
 * leaf certificate signed by the issuer, and unprotected leaf and webhook keys (not CA keys).
 */
function pki(): StackResourceInput[] {
    return [
        { type: T.privateKey, name: "root-key", props: { algorithm: "ECDSA" }, protect: true },
        {
            type: T.selfSignedCert,
            name: "root-ca",
            props: { isCaCertificate: true },
            dependencies: ["root-key"],
            propertyDependencies: { privateKeyPem: ["root-key"] },
        },
        { type: T.privateKey, name: "issuer-key", props: { algorithm: "ECDSA" }, protect: true },
        {
            type: "tls:index/certRequest:CertRequest",
            name: "issuer-csr",
            props: {},
            dependencies: ["issuer-key"],
            propertyDependencies: { privateKeyPem: ["issuer-key"] },
        },
        {
            type: T.locallySignedCert,
            name: "issuer",
            props: { isCaCertificate: true },
            dependencies: ["root-ca", "root-key", "issuer-csr"],
            propertyDependencies: {
                caPrivateKeyPem: ["root-key"],
                caCertPem: ["root-ca"],
                certRequestPem: ["issuer-csr"],
            },
        },
        { type: T.privateKey, name: "leaf-key", props: { algorithm: "ECDSA" } },
        {
            type: "tls:index/certRequest:CertRequest",
            name: "leaf-csr",
            props: {},
            dependencies: ["leaf-key"],
            propertyDependencies: { privateKeyPem: ["leaf-key"] },
        },
        {
            type: T.locallySignedCert,
            name: "leaf",
            props: { isCaCertificate: false },
            dependencies: ["issuer", "issuer-key", "leaf-csr"],
            propertyDependencies: {
                caPrivateKeyPem: ["issuer-key"],
                caCertPem: ["issuer"],
                certRequestPem: ["leaf-csr"],
            },
        },
        { type: T.privateKey, name: "webhook-key", props: { algorithm: "ECDSA" } },
        {
            type: T.selfSignedCert,
            name: "webhook-cert",
            props: { isCaCertificate: false },
            dependencies: ["webhook-key"],
            propertyDependencies: { privateKeyPem: ["webhook-key"] },
        },
    ];
}

function unprotect(resources: StackResourceInput[], name: string): StackResourceInput[] {
    return resources.map((r) => (r.name === name ? { ...r, protect: false } : r));
}

describe("policy pki-ca-keys-protected", () => {
    it("passes protected CA keys and leaves leaf keys alone", async () => {
        assert.deepEqual(await runStackPolicy(policy, pki()), []);
    });

    it("reports an unprotected root CA key, naming every certificate it signs", async () => {
        assert.deepEqual(await runStackPolicy(policy, unprotect(pki(), "root-key")), [
            {
                message:
                    `PrivateKey "root-key" is a CA key (key of CA certificate "root-ca", signs ` +
                    `certificate "issuer") but is not protected: set protect: true and ` +
                    `retainOnDelete: true on it.`,
                urn: urnOf(T.privateKey, "root-key"),
            },
        ]);
    });

    it("falls back to direct dependencies when property dependencies are not recorded", async () => {
        const resources = unprotect(pki(), "root-key").map((r) =>
            r.name === "root-ca" ? { ...r, propertyDependencies: {} } : r,
        );
        const reported = await runStackPolicy(policy, resources);
        assert.equal(reported.length, 1);
        assert.match(reported[0].message, /key of CA certificate "root-ca"/);
    });

    it("reports an unprotected intermediate CA key (found through its CertRequest)", async () => {
        assert.deepEqual(
            (await runStackPolicy(policy, unprotect(pki(), "issuer-key"))).map((r) => r.message),
            [
                `PrivateKey "issuer-key" is a CA key (key of CA certificate "issuer", signs ` +
                    `certificate "leaf") but is not protected: set protect: true and ` +
                    `retainOnDelete: true on it.`,
            ],
        );
    });
});
