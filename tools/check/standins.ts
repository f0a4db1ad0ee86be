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
    /**
     * The made-up values among `state` (random bytes in each encoding, key PEMs, the placeholder
     * certificate), to find them in the files the check writes. Never written anywhere.
     */
    readonly values?: readonly string[];
}

/** A stand-in and the values it made up (never written; see {@link markStandInArtifacts}). */
export interface StandInValues {
    readonly standIn: StandIn;
    readonly values: readonly string[];
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
            const encoded = { base64: bytes.toString("base64"), hex: bytes.toString("hex") };
            return {
                state: { ...inputs, ...encoded },
                standIn: `${length} fresh random bytes (base64, hex)`,
                values: Object.values(encoded),
            };
        }
        case "random:index/randomId:RandomId": {
            const length = Number(inputs.byteLength ?? 8);
            const bytes = crypto.randomBytes(length);
            const encoded = {
                hex: bytes.toString("hex"),
                b64Std: bytes.toString("base64"),
                b64Url: bytes.toString("base64url"),
                dec: BigInt(`0x${bytes.toString("hex") || "0"}`).toString(),
            };
            return {
                state: { ...inputs, ...encoded },
                standIn: `${length} fresh random bytes (hex, b64Std, b64Url, dec)`,
                values: Object.values(encoded),
            };
        }
        case "random:index/randomPassword:RandomPassword":
        case "random:index/randomString:RandomString": {
            const length = Number(inputs.length ?? 16);
            const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            const bytes = crypto.randomBytes(length);
            const result = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
            return {
                state: { ...inputs, result },
                standIn: `${length} random characters`,
                values: [result],
            };
        }
        case "tls:index/privateKey:PrivateKey":
            return privateKey(inputs);
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert": {
            const certPem = standInCertificate(type);
            return {
                state: {
                    ...inputs,
                    certPem,
                    validityStartTime: new Date().toISOString(),
                    validityEndTime: new Date(
                        Date.now() + Number(inputs.validityPeriodHours ?? 0) * 3_600_000,
                    ).toISOString(),
                },
                standIn: "certificate PEM is a placeholder (no X.509 signing offline)",
                values: [certPem],
            };
        }
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
        values: [traditional, pkcs8],
    };
}

function standInCertificate(type: string): string {
    // A nonce makes each placeholder its own, so a file holding one names the right stand-in.
    const nonce = crypto.randomBytes(8).toString("hex");
    const body = Buffer.from(`offline stand-in for ${type} ${nonce}`).toString("base64");
    return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** A node artifact that holds stand-in values, as the report lists it. */
export interface StandInArtifact {
    /** The artifact's path under the output folder (`control-plane/encryption-config.yaml`). */
    readonly artifact: string;
    /** The stand-ins it holds: `<type> <name>: <what>`. */
    readonly standIns: readonly string[];
}

/** The first line of an artifact that holds stand-in values (a YAML comment; see below). */
export const standInMarker =
    "# STAND-IN VALUES: written by the offline check (npm run check), not by a deployment.";

/**
 * The texts that give a made-up value away inside a file: the value itself, and for a multi-line
 * value (a PEM) each long line of it and the whole value base64-encoded (a kubeconfig's `*-data`).
 */
function needles(value: string): string[] {
    if (!value.includes("\n")) {
        return value.length >= 8 ? [value] : [];
    }
    return [
        ...value
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => line.length >= 16 && !line.startsWith("-----")),
        Buffer.from(value).toString("base64"),
    ];
}

/**
 * Marks each node artifact that holds a value the offline engine made up: its text gets a comment
 * header ({@link standInMarker}, then which stand-ins and that `pulumi up` creates the real
 * values), so a copied file cannot pass for a deployable one; the returned list names each for
 * the report. Every artifact is a YAML document or a `#`-commented configuration file
 * (sysctl.conf), so the header is a comment in each. Other artifacts are returned unchanged.
 */
export function markStandInArtifacts(
    artifacts: Readonly<Record<string, unknown>>,
    standIns: readonly StandInValues[],
): { artifacts: Record<string, unknown>; marked: StandInArtifact[] } {
    const out: Record<string, unknown> = {};
    const marked: StandInArtifact[] = [];
    for (const [artifact, content] of Object.entries(artifacts)) {
        if (typeof content !== "string") {
            out[artifact] = content;
            continue;
        }
        const held = standIns
            .filter((s) => s.values.some((v) => needles(v).some((n) => content.includes(n))))
            .map(({ standIn: s }) => `${s.type} ${s.name}: ${s.what}`);
        if (held.length === 0) {
            out[artifact] = content;
            continue;
        }
        out[artifact] =
            [
                standInMarker,
                "# It holds values the offline engine made up in place of the providers' results:",
                ...held.map((h) => `#   ${h}`),
                "# Never install it on a host: `pulumi up` creates the real values.",
            ].join("\n") +
            "\n" +
            content;
        marked.push({ artifact, standIns: held });
    }
    return { artifacts: out, marked: marked.sort((a, b) => (a.artifact < b.artifact ? -1 : 1)) };
}
