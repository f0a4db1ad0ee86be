import * as assert from "assert";
import {
    markStandInArtifacts,
    standInFor,
    standInMarker,
    StandInValues,
} from "../../tools/check/standins";

describe("stand-in values in node artifacts (tools/check/standins.ts)", () => {
    const key = standInFor("random:index/randomBytes:RandomBytes", { length: 32 });
    const keyStandIn: StandInValues = {
        standIn: {
            type: "random:index/randomBytes:RandomBytes",
            name: "platform-encryption-at-rest-key-key-1",
            what: key.standIn ?? "",
        },
        values: key.values ?? [],
    };

    it("records the values each stand-in made up, in every encoding it returns", () => {
        assert.deepStrictEqual(key.values, [key.state.base64, key.state.hex]);
        const pem = standInFor("tls:index/privateKey:PrivateKey", {
            algorithm: "ECDSA",
            ecdsaCurve: "P256",
        });
        assert.deepStrictEqual(pem.values, [pem.state.privateKeyPem, pem.state.privateKeyPemPkcs8]);
        const a = standInFor("tls:index/selfSignedCert:SelfSignedCert", {});
        const b = standInFor("tls:index/selfSignedCert:SelfSignedCert", {});
        assert.notStrictEqual(a.state.certPem, b.state.certPem, "each placeholder is its own");
        assert.deepStrictEqual(standInFor("kubernetes:core/v1:Namespace", {}).values, undefined);
    });

    it("puts a comment header on an artifact holding one, and names it", () => {
        const config =
            "# Managed by sovereign-contour (Pulumi): do not edit on the host.\n" +
            "kind: EncryptionConfiguration\n" +
            `resources:\n  - providers:\n      - secretbox:\n          keys:\n            - name: key-1\n              secret: ${String(key.state.base64)}\n`;
        const kubelet = "kind: KubeletConfiguration\n";
        const { artifacts, marked } = markStandInArtifacts(
            {
                "nodes/kubelet-config.yaml": kubelet,
                "control-plane/encryption-config.yaml": config,
            },
            [keyStandIn],
        );
        const held =
            "random:index/randomBytes:RandomBytes platform-encryption-at-rest-key-key-1: " +
            "32 fresh random bytes (base64, hex)";
        assert.deepStrictEqual(marked, [
            { artifact: "control-plane/encryption-config.yaml", standIns: [held] },
        ]);
        assert.strictEqual(
            artifacts["control-plane/encryption-config.yaml"],
            [
                standInMarker,
                "# It holds values the offline engine made up in place of the providers' results:",
                `#   ${held}`,
                "# Never install it on a host: `pulumi up` creates the real values.",
                config,
            ].join("\n"),
        );
        assert.strictEqual(artifacts["nodes/kubelet-config.yaml"], kubelet);
    });

    it("finds a PEM by its lines (indented in YAML) and base64-encoded (a kubeconfig)", () => {
        const cert = standInFor("tls:index/selfSignedCert:SelfSignedCert", {});
        const certStandIn: StandInValues = {
            standIn: { type: "tls:index/selfSignedCert:SelfSignedCert", name: "ca", what: "x" },
            values: cert.values ?? [],
        };
        const pem = String(cert.state.certPem);
        const indented = `ca: |\n${pem
            .split("\n")
            .map((l) => `  ${l}`)
            .join("\n")}`;
        const kubeconfig = `certificate-authority-data: ${Buffer.from(pem).toString("base64")}\n`;
        const { marked } = markStandInArtifacts(
            { "a.yaml": indented, "b.kubeconfig": kubeconfig, "c.yaml": "ca: none\n" },
            [certStandIn, keyStandIn],
        );
        assert.deepStrictEqual(
            marked.map((m) => [m.artifact, m.standIns]),
            [
                ["a.yaml", ["tls:index/selfSignedCert:SelfSignedCert ca: x"]],
                ["b.kubeconfig", ["tls:index/selfSignedCert:SelfSignedCert ca: x"]],
            ],
        );
    });
});
