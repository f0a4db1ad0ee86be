import * as crypto from "crypto";

/** A value the offline engine made up in place of a provider's answer, recorded for the report. */
export interface StandIn {
    readonly type: string;
    readonly name: string;
    readonly what: string;
}

/** Outputs of a provider resource as the offline engine fakes them. */
export interface StandInResult {
    readonly state: Record<string, unknown>;
    readonly standIn?: string;
}

/**
 * Stand-ins for the providers that generate values, with the right shape so every artifact the
 * program renders is a valid document: fresh random bytes of the requested length, real PEM keys of
 * the requested algorithm. Every other resource echoes its inputs, as a preview would.
 */
export function standInFor(type: string, inputs: Record<string, unknown>): StandInResult {
    switch (type) {
        case "random:index/randomBytes:RandomBytes": {
            const length = Number(inputs.length ?? 32);
            const bytes = crypto.randomBytes(length);
            return {
                state: { ...inputs, base64: bytes.toString("base64"), hex: bytes.toString("hex") },
                standIn: `${length} fresh random bytes (base64, hex)`,
            };
        }
        case "random:index/randomId:RandomId": {
            const length = Number(inputs.byteLength ?? 8);
            const bytes = crypto.randomBytes(length);
            return {
                state: {
                    ...inputs,
                    hex: bytes.toString("hex"),
                    b64Std: bytes.toString("base64"),
                    b64Url: bytes.toString("base64url"),
                    dec: BigInt(`0x${bytes.toString("hex") || "0"}`).toString(),
                },
                standIn: `${length} fresh random bytes (hex, b64Std, b64Url, dec)`,
            };
        }
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString": {
            const length = Number(inputs.length ?? 16);
            const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            const bytes = crypto.randomBytes(length);
            const result = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
            return { state: { ...inputs, result }, standIn: `${length} random characters` };
        }
        case "tls:index/privateKey:PrivateKey":
            return privateKey(inputs);
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return {
                state: {
                    ...inputs,
                    certPem: standInCertificate(type),
                    validityStartTime: new Date().toISOString(),
                    validityEndTime: new Date(
                        Date.now() + Number(inputs.validityPeriodHours ?? 0) * 3_600_000,
                    ).toISOString(),
                },
                standIn: "certificate PEM is a placeholder (no X.509 signing offline)",
            };
        default:
            return { state: { ...inputs } };
    }
}

function privateKey(inputs: Record<string, unknown>): StandInResult {
    const algorithm = String(inputs.algorithm ?? "RSA");
    let pair: crypto.KeyPairKeyObjectResult;
    let what: string;
    if (algorithm === "ECDSA") {
        const curves: Record<string, string> = {
            P224: "secp224r1",
            P256: "prime256v1",
            P384: "secp384r1",
            P521: "secp521r1",
        };
        const curve = String(inputs.ecdsaCurve ?? "P224");
        pair = crypto.generateKeyPairSync("ec", { namedCurve: curves[curve] ?? "secp224r1" });
        what = `fresh ECDSA ${curve} key`;
    } else if (algorithm === "ED25519") {
        pair = crypto.generateKeyPairSync("ed25519");
        what = "fresh Ed25519 key";
    } else {
        const bits = Number(inputs.rsaBits ?? 2048);
        pair = crypto.generateKeyPairSync("rsa", { modulusLength: bits });
        what = `fresh RSA ${bits} key`;
    }
    const pkcs8 = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const traditional =
        algorithm === "ED25519"
            ? pkcs8
            : pair.privateKey
                  .export({ type: algorithm === "ECDSA" ? "sec1" : "pkcs1", format: "pem" })
                  .toString();
    const publicPem = pair.publicKey.export({ type: "spki", format: "pem" }).toString();
    const fingerprint = crypto
        .createHash("sha256")
        .update(pair.publicKey.export({ type: "spki", format: "der" }))
        .digest("base64");
    return {
        state: {
            ...inputs,
            privateKeyPem: traditional,
            privateKeyPemPkcs8: pkcs8,
            publicKeyPem: publicPem,
            publicKeyFingerprintSha256: `SHA256:${fingerprint}`,
        },
        standIn: what,
    };
}

function standInCertificate(type: string): string {
    const body = Buffer.from(`offline stand-in for ${type}`).toString("base64");
    return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
