import { ResourceValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import { keyPath } from "../lib/credentials";

/** Config of {@link secretsNoKeyMaterialInState}. */
export interface NoKeyMaterialInStateConfig {
    /** The stack declares every key external: the CA, the mesh trust anchor and encryption keys. */
    readonly externalKeyMaterial: boolean;
}

/** Providers whose resources generate key material (keys, passwords, random bytes) into the state. */
const generatingProviders = ["tls", "random"] as const;

/** Kubernetes objects whose `data` / `stringData` the policy reads. */
const secretTypes = ["kubernetes:core/v1:Secret", "kubernetes:core/v1:SecretPatch"];

/** Secret keys that hold a private key by convention (`kubernetes.io/tls`, `kubernetes.io/ssh-auth`). */
const privateKeyEntries = ["tls.key", "ssh-privatekey"];

/** A PEM private key block (PKCS#1, PKCS#8, SEC1, OpenSSH, encrypted). */
const pemPrivateKey = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;

/**
 * The value `read` returns, or undefined when it is not known yet (a preview-time unknown): such a
 * value is judged by its key name alone here, and in full at `pulumi up`.
 */
function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (e) {
        if (e instanceof UnknownValueError) {
            return undefined;
        }
        throw e;
    }
}

/** The entries of a Secret's `data` (base64, decoded) or `stringData` that hold a private key. */
function privateKeyPaths(props: Record<string, unknown>, field: "data" | "stringData"): string[] {
    const map = known(() => props[field]);
    if (!isObject(map)) {
        return [];
    }
    const found: string[] = [];
    for (const key of Object.keys(map)) {
        if (privateKeyEntries.includes(key)) {
            found.push(keyPath(field, key));
            continue;
        }
        const value = known(() => map[key]);
        if (typeof value !== "string") {
            continue;
        }
        const text = field === "data" ? Buffer.from(value, "base64").toString("latin1") : value;
        if (pemPrivateKey.test(text)) {
            found.push(keyPath(field, key));
        }
    }
    return found;
}

/**
 * No key material in the Pulumi state of a stack that brings its own: when the stack's pack config
 * sets `externalKeyMaterial` (the stack takes its CA from `certManager.externalCa`, the Linkerd
 * trust anchor from `linkerd.externalTrustAnchor` and its encryption keys from KMS v2), the program
 * registers no resource of the `tls` or `random` provider (each keeps what it generates, private
 * keys and random bytes, in the state) and no Secret whose `data` or `stringData` holds a private
 * key (a `tls.key` or `ssh-privatekey` entry, or any PEM private key block): the key material stays
 * with the site (its Secret, HSM or PKI) and the program only references it. The program's own
 * objects and every object a chart renders are judged alike (Chart v4 keeps them in the state too).
 * Without `externalKeyMaterial` (the default) the policy reports nothing: the program generates
 * the keys and `pki-ca-keys-protected` / `encryption-keys-protected` guard them.
 *
 * @severity high
 * @frameworks nist-800-53-sc-12, nist-800-53-sc-28, iso-27001-a.8.24
 * @topics secrets, key-management, pki
 * @link https://www.pulumi.com/docs/iac/concepts/secrets/
 */
export const secretsNoKeyMaterialInState: ResourceValidationPolicy = {
    name: "secrets-no-key-material-in-state",
    description:
        "A stack that declares its key material external registers no tls or random resource and no Secret holding a private key.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            externalKeyMaterial: {
                type: "boolean",
                default: false,
                description:
                    "True when the stack brings every key from outside: certManager.externalCa, " +
                    "linkerd.externalTrustAnchor and only kms (or identity) encryption keys. Then " +
                    "no tls or random resource and no Secret with a private key may be registered.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const { externalKeyMaterial } = args.getConfig<NoKeyMaterialInStateConfig>();
        if (!externalKeyMaterial) {
            return;
        }
        const provider = generatingProviders.find(
            (p) => args.type.startsWith(`${p}:`) || args.type === `pulumi:providers:${p}`,
        );
        if (provider !== undefined) {
            reportViolation(
                `${args.type} "${args.name}" is a resource of the ${provider} provider, which keeps ` +
                    "what it generates (private keys, random bytes) in the stack's state, but this " +
                    "stack declares its key material external (externalKeyMaterial). Take the CA " +
                    "from certManager.externalCa, the mesh trust anchor from " +
                    "linkerd.externalTrustAnchor and encryption keys from KMS v2 (provider kms), " +
                    "and remove the resource.",
            );
            return;
        }
        if (!secretTypes.includes(args.type)) {
            return;
        }
        const props = args.props as Record<string, unknown>;
        const paths = [...privateKeyPaths(props, "data"), ...privateKeyPaths(props, "stringData")];
        if (paths.length > 0) {
            reportViolation(
                `${describeObject(args.type, props, args.name)} holds a private key in ` +
                    `${paths.join(", ")}, which Pulumi keeps in the stack's state, but this stack ` +
                    "declares its key material external (externalKeyMaterial). Create the Secret " +
                    "outside Pulumi (the site's PKI or secret store, or kubectl) and reference it " +
                    "by name (certManager.externalCa.secret, linkerd.externalTrustAnchor.secret).",
            );
        }
    },
};
