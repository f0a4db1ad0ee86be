import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import {
    EncryptionKeySpec,
    encryptionConfigurationYaml,
    EncryptionSpec,
    EncryptionSpecError,
    encryptionWarnings,
    kmsSocketDirs,
    renderEncryptionConfiguration,
    renderProviders,
    summarizeEncryption,
    validateEncryptionSpec,
    validateKeyRing,
    validateKeyTransition,
    validateResources,
} from "../../components/encryption-at-rest/render";
import { encryptionKeysProtected } from "../../policypacks/platform-guardrails/policies/encryption-keys-protected";
import { encryptionWriteProviderNotIdentity } from "../../policypacks/platform-guardrails/policies/encryption-write-provider-not-identity";
import { loadSettings, SettingsError } from "../../stacks";
import { assertGolden } from "../util/golden";
import { installMocks, ofType, recorded, resetRecorded, settled, unwrap } from "../util/mocks";
import { runStackPolicy, toPolicyResources } from "../util/recorded-stack";

/** Deterministic key material: `bytes` bytes all equal to `fill`, base64. */
function material(fill: number, bytes = 32): string {
    return Buffer.alloc(bytes, fill).toString("base64");
}

const secretbox = (name: string, state: EncryptionKeySpec["state"]): EncryptionKeySpec => ({
    name,
    provider: "secretbox",
    state,
});

function spec(
    keys: EncryptionKeySpec[],
    resources = ["secrets", "configmaps"],
    plaintext: string[] = [],
): EncryptionSpec {
    return { resources, plaintextResources: plaintext, keys };
}

/** Key material for every local key of a ring, each key with its own fill byte. */
function secretsFor(keys: readonly EncryptionKeySpec[]): Record<string, string> {
    return Object.fromEntries(keys.map((k, i) => [k.name, material(i + 1, k.bytes ?? 32)]));
}

/** The provider list of a ring as `provider:key,key` strings, in file order. */
function providerOrder(keys: EncryptionKeySpec[]): string[] {
    return renderProviders(keys, secretsFor(keys)).map((entry) => {
        const [provider, body] = Object.entries(entry)[0] as [string, Record<string, unknown>];
        if (provider === "kms") {
            return `kms:${String(body.name)}`;
        }
        if (provider === "identity") {
            return "identity";
        }
        return `${provider}:${(body.keys as { name: string }[]).map((k) => k.name).join(",")}`;
    });
}

/** Messages of a key ring's issues. */
const ringMessages = (keys: EncryptionKeySpec[]): string[] =>
    validateKeyRing(keys).map((i) => i.message);

/**
 * kube-bench cis-1.12 check 1.2.28, as its audit command reads the file:
 * `grep -A1 'providers:' FILE | tail -n1 | grep -o "[A-Za-z]*"` must print only words from
 * aescbc, kms, secretbox.
 */
function kubeBench1228(text: string): string[] {
    const lines = text.split("\n");
    let after = "";
    lines.forEach((line, i) => {
        if (line.includes("providers:")) {
            after = lines[i + 1] ?? "";
        }
    });
    return after.match(/[A-Za-z]+/g) ?? [];
}

describe("components/encryption-at-rest", () => {
    describe("render: documents (golden files)", () => {
        it("default ring: one secretbox key encrypts secrets and configmaps", () => {
            const doc = renderEncryptionConfiguration(spec([secretbox("key-1", "primary")]), {
                "key-1": material(1),
            });
            assertGolden("encryption-default.golden.yaml", encryptionConfigurationYaml(doc));
        });

        it("prod ring: KMS v2 as the only provider", () => {
            const keys: EncryptionKeySpec[] = [
                {
                    name: "sovereign-hsm",
                    provider: "kms",
                    state: "primary",
                    endpoint: "unix:///var/run/kmsplugin/kms.sock",
                    timeout: "3s",
                },
            ];
            const doc = renderEncryptionConfiguration(spec(keys), {});
            assertGolden("encryption-kms.golden.yaml", encryptionConfigurationYaml(doc));
        });

        it("first migration of a wide scope: events left in plaintext, identity read fallback last", () => {
            const keys: EncryptionKeySpec[] = [
                { name: "plaintext", provider: "identity", state: "retiring" },
                secretbox("key-1", "primary"),
            ];
            const doc = renderEncryptionConfiguration(
                spec(keys, ["*.*"], ["events"]),
                secretsFor(keys),
            );
            assertGolden("encryption-migration.golden.yaml", encryptionConfigurationYaml(doc));
        });
    });

    describe("render: security fields", () => {
        const text = encryptionConfigurationYaml(
            renderEncryptionConfiguration(spec([secretbox("key-1", "primary")]), {
                "key-1": material(7),
            }),
        );
        const doc = YAML.parse(text) as {
            apiVersion: string;
            kind: string;
            resources: {
                resources: string[];
                providers: Record<string, { keys?: { secret: string }[] }>[];
            }[];
        };

        it("is an apiserver.config.k8s.io/v1 EncryptionConfiguration", () => {
            assert.strictEqual(doc.apiVersion, "apiserver.config.k8s.io/v1");
            assert.strictEqual(doc.kind, "EncryptionConfiguration");
        });

        it("CIS 1.2.27: secrets are among the encrypted resources", () => {
            assert.ok(doc.resources[doc.resources.length - 1].resources.includes("secrets"));
        });

        it("CIS 1.2.28: kube-bench reads an allowed provider right after providers:", () => {
            assert.deepStrictEqual(kubeBench1228(text), ["secretbox"]);
        });

        it("CIS 1.2.28 on the KMS v2 ring: kube-bench reads kms", () => {
            const kms = encryptionConfigurationYaml(
                renderEncryptionConfiguration(
                    spec([
                        {
                            name: "hsm",
                            provider: "kms",
                            state: "primary",
                            endpoint: "unix:///kms.sock",
                        },
                    ]),
                    {},
                ),
            );
            assert.deepStrictEqual(kubeBench1228(kms), ["kms"]);
        });

        it("the first provider is never identity", () => {
            const first = Object.keys(doc.resources[0].providers[0])[0];
            assert.notStrictEqual(first, "identity");
        });

        it("the key is 32 bytes of base64 key material", () => {
            const secret = doc.resources[0].providers[0].secretbox.keys?.[0].secret ?? "";
            assert.strictEqual(Buffer.from(secret, "base64").length, 32);
        });

        it("KMS is rendered as v2, with a timeout and without cachesize", () => {
            const [entry] = renderProviders(
                [{ name: "hsm", provider: "kms", state: "primary", endpoint: "unix:///k.sock" }],
                {},
            );
            assert.deepStrictEqual(entry, {
                kms: { apiVersion: "v2", name: "hsm", endpoint: "unix:///k.sock", timeout: "3s" },
            });
        });

        it("key material of the wrong length is refused at render time", () => {
            assert.throws(
                () =>
                    renderEncryptionConfiguration(spec([secretbox("key-1", "primary")]), {
                        "key-1": material(1, 16),
                    }),
                (e: unknown) =>
                    e instanceof EncryptionSpecError &&
                    e.message ===
                        'key "key-1": the key material is 16 bytes; secretbox with bytes 32 needs 32',
            );
        });
    });

    describe("render: provider order at each rotation step", () => {
        it("1. steady: the primary key alone", () => {
            assert.deepStrictEqual(providerOrder([secretbox("k1", "primary")]), ["secretbox:k1"]);
        });
        it("2. staged: the new key is added second, decrypt-only", () => {
            assert.deepStrictEqual(
                providerOrder([secretbox("k1", "primary"), secretbox("k2", "staged")]),
                ["secretbox:k1,k2"],
            );
        });
        it("3. promoted: the new key writes, the old one still decrypts", () => {
            assert.deepStrictEqual(
                providerOrder([secretbox("k1", "retiring"), secretbox("k2", "primary")]),
                ["secretbox:k2,k1"],
            );
        });
        it("4. retired: the old key leaves the file after re-encryption", () => {
            assert.deepStrictEqual(
                providerOrder([secretbox("k1", "retired"), secretbox("k2", "primary")]),
                ["secretbox:k2"],
            );
        });
        it("staged after a retiring key: the primary, then the staged, then the retiring key", () => {
            assert.deepStrictEqual(
                providerOrder([
                    secretbox("k1", "retiring"),
                    secretbox("k2", "primary"),
                    secretbox("k3", "staged"),
                ]),
                ["secretbox:k2,k3,k1"],
            );
        });
        it("provider change (aescbc → secretbox), staged: aescbc still writes", () => {
            const keys: EncryptionKeySpec[] = [
                { name: "k1", provider: "aescbc", state: "primary" },
                secretbox("k2", "staged"),
            ];
            assert.deepStrictEqual(providerOrder(keys), ["aescbc:k1", "secretbox:k2"]);
        });
        it("provider change (aescbc → secretbox), promoted: secretbox writes, aescbc decrypts", () => {
            const keys: EncryptionKeySpec[] = [
                { name: "k1", provider: "aescbc", state: "retiring" },
                secretbox("k2", "primary"),
            ];
            assert.deepStrictEqual(providerOrder(keys), ["secretbox:k2", "aescbc:k1"]);
        });
        it("move to KMS v2, staged: the local key writes, the plugin is known to every server", () => {
            const keys: EncryptionKeySpec[] = [
                secretbox("k1", "primary"),
                { name: "hsm", provider: "kms", state: "staged", endpoint: "unix:///kms.sock" },
            ];
            assert.deepStrictEqual(providerOrder(keys), ["secretbox:k1", "kms:hsm"]);
        });
        it("move to KMS v2, promoted: kms writes, the local key decrypts until retired", () => {
            const keys: EncryptionKeySpec[] = [
                secretbox("k1", "retiring"),
                { name: "hsm", provider: "kms", state: "primary", endpoint: "unix:///kms.sock" },
            ];
            assert.deepStrictEqual(providerOrder(keys), ["kms:hsm", "secretbox:k1"]);
        });
        it("first migration: identity is the trailing read fallback", () => {
            const keys: EncryptionKeySpec[] = [
                { name: "plaintext", provider: "identity", state: "retiring" },
                secretbox("k1", "primary"),
            ];
            assert.deepStrictEqual(providerOrder(keys), ["secretbox:k1", "identity"]);
        });
        it("first migration finished: identity is gone", () => {
            const keys: EncryptionKeySpec[] = [
                { name: "plaintext", provider: "identity", state: "retired" },
                secretbox("k1", "primary"),
            ];
            assert.deepStrictEqual(providerOrder(keys), ["secretbox:k1"]);
        });
    });

    describe("validation: refused key rings", () => {
        it("two primaries", () => {
            assert.deepStrictEqual(
                ringMessages([secretbox("k1", "primary"), secretbox("k2", "primary")]),
                [
                    'key "k2" is primary, but "k1" is primary already: only one key encrypts new writes; ' +
                        "stage the new key first, then promote it and set the old one to retiring",
                ],
            );
        });
        it("no primary", () => {
            assert.deepStrictEqual(ringMessages([secretbox("k1", "retiring")]), [
                "no key is primary: exactly one key encrypts new writes (state: primary)",
            ]);
        });
        it("an empty ring", () => {
            assert.deepStrictEqual(ringMessages([]), [
                "at least one key is required (state: primary)",
            ]);
        });
        it("a duplicate name", () => {
            assert.deepStrictEqual(
                ringMessages([secretbox("k1", "retiring"), secretbox("k1", "primary")]),
                ['key "k1" is listed twice (keys[0] has the same name); key names are unique'],
            );
        });
        it("a wrong secretbox key length", () => {
            assert.deepStrictEqual(ringMessages([{ ...secretbox("k1", "primary"), bytes: 16 }]), [
                'key "k1": secretbox keys are 32 bytes long',
            ]);
        });
        it("a wrong aesgcm key length", () => {
            assert.deepStrictEqual(
                ringMessages([{ name: "k1", provider: "aesgcm", state: "primary", bytes: 20 }]),
                ['key "k1": aesgcm keys are 16, 24, 32 bytes long'],
            );
        });
        it("identity first (as the write provider)", () => {
            assert.deepStrictEqual(
                ringMessages([{ name: "plain", provider: "identity", state: "primary" }]),
                [
                    'key "plain": identity stores data in plaintext and can never be primary; it is allowed only ' +
                        "as the trailing read fallback of the first migration (state retiring)",
                ],
            );
        });
        it("identity staged", () => {
            assert.deepStrictEqual(
                ringMessages([
                    secretbox("k1", "primary"),
                    { name: "plain", provider: "identity", state: "staged" },
                ]),
                [
                    'key "plain": identity stores data in plaintext and can never be staged; it is allowed only ' +
                        "as the trailing read fallback of the first migration (state retiring)",
                ],
            );
        });
        it("identity after another key (not the first migration)", () => {
            assert.deepStrictEqual(
                ringMessages([
                    secretbox("k1", "retiring"),
                    { name: "plain", provider: "identity", state: "retiring" },
                    secretbox("k2", "primary"),
                ]),
                [
                    'key "plain": identity is allowed only as the read fallback of the first migration, ' +
                        "so it must be the oldest (first) key",
                ],
            );
        });
        it("two staged keys", () => {
            assert.deepStrictEqual(
                ringMessages([
                    secretbox("k1", "primary"),
                    secretbox("k2", "staged"),
                    secretbox("k3", "staged"),
                ]),
                ['key "k3" is staged, but "k2" is staged already: rotate one key at a time'],
            );
        });
        it("states out of life order (a retired key newer than the primary)", () => {
            assert.deepStrictEqual(
                ringMessages([secretbox("k1", "primary"), secretbox("k2", "retired")]),
                [
                    'key "k2" (retired) is listed after "k1" (primary): keys are listed oldest first and move ' +
                        "staged → primary → retiring → retired, so a retired key cannot be newer than a primary one",
                ],
            );
        });
        it("a kms key without endpoint", () => {
            assert.deepStrictEqual(
                ringMessages([{ name: "hsm", provider: "kms", state: "primary" }]),
                [`key "hsm": a kms key needs the plugin's endpoint (unix:///path/to/socket)`],
            );
        });
        it("a kms endpoint that is not a unix socket", () => {
            assert.deepStrictEqual(
                ringMessages([
                    {
                        name: "hsm",
                        provider: "kms",
                        state: "primary",
                        endpoint: "tcp://10.0.0.1:8080",
                    },
                ]),
                ['key "hsm": the KMS endpoint must be a unix socket (unix:///...)'],
            );
        });
        it("a kms timeout of zero", () => {
            assert.deepStrictEqual(
                ringMessages([
                    {
                        name: "hsm",
                        provider: "kms",
                        state: "primary",
                        endpoint: "unix:///k.sock",
                        timeout: "0s",
                    },
                ]),
                ['key "hsm": timeout must be a positive duration such as "3s"'],
            );
        });
        it("bytes on a kms key, endpoint on a local key", () => {
            assert.deepStrictEqual(
                ringMessages([
                    { ...secretbox("k1", "retiring"), endpoint: "unix:///k.sock" },
                    {
                        name: "hsm",
                        provider: "kms",
                        state: "primary",
                        endpoint: "unix:///k.sock",
                        bytes: 32,
                    },
                ]),
                [
                    'key "k1": endpoint applies to kms keys only',
                    'key "hsm": bytes applies to secretbox, aescbc and aesgcm keys only',
                ],
            );
        });
    });

    describe("validation: refused resources", () => {
        const messages = (resources: string[], plaintext: string[] = []): string[] =>
            validateResources(resources, plaintext).map((i) => i.message);
        it("secrets not covered (CIS 1.2.27)", () => {
            assert.deepStrictEqual(messages(["configmaps"]), [
                'secrets must be encrypted (CIS 1.2.27): add "secrets" (or "*." / "*.*")',
            ]);
        });
        it("an entry masked by an earlier wildcard", () => {
            assert.deepStrictEqual(messages(["*.*", "secrets"]), [
                '"secrets" is masked by the earlier entry "*.*" (the API server refuses masked entries)',
            ]);
        });
        it("an entry masked by an earlier group wildcard", () => {
            assert.deepStrictEqual(messages(["secrets", "*.apps", "deployments.apps"]), [
                '"deployments.apps" is masked by the earlier entry "*.apps" (the API server refuses masked entries)',
            ]);
        });
        it("a bare *", () => {
            assert.deepStrictEqual(messages(["secrets", "*"]), [
                '"*" is not allowed; use "*.*" for every resource',
            ]);
        });
        it("the extensions group", () => {
            assert.deepStrictEqual(messages(["secrets", "ingresses.extensions"]), [
                '"ingresses.extensions": the extensions group cannot be encrypted',
            ]);
        });
        it("a resource outside the REST storage", () => {
            assert.deepStrictEqual(messages(["secrets", "serviceipallocations"]), [
                '"serviceipallocations" is not stored through the REST API and cannot be encrypted',
            ]);
        });
        it("an upper-case name", () => {
            assert.deepStrictEqual(messages(["Secrets", "secrets"]), [
                '"Secrets" is not a resource name: expected lower-case "<resource>", "<resource>.<group>", ' +
                    '"*.<group>", "*." (core group) or "*.*"',
            ]);
        });
        it("secrets left in plaintext", () => {
            assert.deepStrictEqual(messages(["*.*"], ["secrets"]), [
                '"secrets" must stay encrypted',
            ]);
        });
        it("a wildcard left in plaintext", () => {
            assert.deepStrictEqual(messages(["*.*"], ["*.events.k8s.io"]), [
                '"*.events.k8s.io": a wildcard cannot be left in plaintext; name single resources (e.g. events)',
            ]);
        });
        it("a resource both plaintext and encrypted", () => {
            assert.deepStrictEqual(messages(["secrets", "events"], ["events"]), [
                '"events" is listed twice (in plaintextResources and resources)',
            ]);
        });
        it("accepts the documented wide scope", () => {
            assert.deepStrictEqual(messages(["*.*"], ["events", "events.events.k8s.io"]), []);
        });
    });

    describe("validation: rotation steps (before → after)", () => {
        const transition = (before: EncryptionKeySpec[], after: EncryptionKeySpec[]): string[] =>
            validateKeyTransition(before, after).map((i) => i.message);
        it("accepts every step of a rotation, in order", () => {
            const steps: EncryptionKeySpec[][] = [
                [secretbox("k1", "primary")],
                [secretbox("k1", "primary"), secretbox("k2", "staged")],
                [secretbox("k1", "retiring"), secretbox("k2", "primary")],
                [secretbox("k1", "retired"), secretbox("k2", "primary")],
            ];
            for (let i = 1; i < steps.length; i++) {
                assert.deepStrictEqual(transition(steps[i - 1], steps[i]), [], `step ${i}`);
            }
        });
        it("accepts the first ring, with the identity fallback of the first migration", () => {
            assert.deepStrictEqual(
                transition(
                    [],
                    [
                        { name: "plain", provider: "identity", state: "retiring" },
                        secretbox("k1", "primary"),
                    ],
                ),
                [],
            );
        });
        it("refuses a key dropped while primary", () => {
            assert.deepStrictEqual(
                transition(
                    [secretbox("k1", "primary"), secretbox("k2", "staged")],
                    [{ ...secretbox("k2", "primary") }],
                ),
                [
                    'key "k1" was dropped while primary: data written with it becomes unreadable; retire it first ' +
                        "(after re-encrypting: kubectl get secrets -A -o json | kubectl replace -f -)",
                ],
            );
        });
        it("refuses a key dropped while retiring", () => {
            assert.deepStrictEqual(
                transition(
                    [secretbox("k1", "retiring"), secretbox("k2", "primary")],
                    [secretbox("k2", "primary")],
                ),
                [
                    'key "k1" was dropped while retiring: data written with it becomes unreadable; retire it first ' +
                        "(after re-encrypting: kubectl get secrets -A -o json | kubectl replace -f -)",
                ],
            );
        });
        it("refuses a retired local key dropped from the list", () => {
            assert.deepStrictEqual(
                transition(
                    [secretbox("k1", "retired"), secretbox("k2", "primary")],
                    [secretbox("k2", "primary")],
                ),
                [
                    'key "k1" was dropped: a retired secretbox key stays listed, its key material escrowed for restoring older etcd backups',
                ],
            );
        });
        it("refuses primary → retired without the retiring step", () => {
            assert.deepStrictEqual(
                transition(
                    [secretbox("k1", "primary"), secretbox("k2", "staged")],
                    [secretbox("k1", "retired"), secretbox("k2", "primary")],
                ),
                [
                    'key "k1" went from primary to retired: it must be retiring first, until everything written with it is re-encrypted',
                ],
            );
        });
        it("refuses a new key that writes at once", () => {
            assert.deepStrictEqual(
                transition(
                    [secretbox("k1", "primary")],
                    [secretbox("k1", "retiring"), secretbox("k2", "primary")],
                ),
                [
                    'key "k2" is new as primary: a new key is first added as staged (decrypt-only) on every API server, and promoted in a later step',
                ],
            );
        });
        it("refuses a retired key coming back", () => {
            assert.deepStrictEqual(
                transition(
                    [secretbox("k1", "retired"), secretbox("k2", "primary")],
                    [secretbox("k1", "staged"), secretbox("k2", "primary")],
                ),
                [
                    'key "k1" went from retired to staged: a retired key cannot come back; add a new key',
                ],
            );
        });
        it("refuses a change of provider or length", () => {
            assert.deepStrictEqual(
                transition(
                    [secretbox("k1", "primary")],
                    [{ name: "k1", provider: "aesgcm", state: "primary", bytes: 16 }],
                ),
                [
                    'key "k1" changed provider from secretbox to aesgcm: a key\'s provider is fixed; add a new key instead',
                    'key "k1" changed length from 32 to 16 bytes: that would replace the key; add a new key instead',
                ],
            );
        });
    });

    describe("settings: encryptionAtRest", () => {
        const load = (value: unknown) =>
            loadSettings({ "sovereign-contour:encryptionAtRest": JSON.stringify(value) });
        const issues = (value: unknown): { key: string; message: string }[] => {
            try {
                load(value);
            } catch (e) {
                if (e instanceof SettingsError) {
                    return e.issues.map((i) => ({ key: i.key, message: i.message }));
                }
                throw e;
            }
            return [];
        };
        it("defaults to one secretbox key encrypting secrets and configmaps, with automatic reload", () => {
            assert.deepStrictEqual(loadSettings({}).settings.encryptionAtRest, {
                resources: ["secrets", "configmaps"],
                plaintextResources: [],
                keys: [{ name: "key-1", provider: "secretbox", state: "primary" }],
                automaticReload: true,
            });
        });
        it("names the key of a second primary", () => {
            assert.deepStrictEqual(
                issues({ keys: [secretbox("k1", "primary"), secretbox("k2", "primary")] }),
                [
                    {
                        key: "sovereign-contour:encryptionAtRest.keys[1].state",
                        message:
                            'key "k2" is primary, but "k1" is primary already: only one key encrypts new writes; ' +
                            'stage the new key first, then promote it and set the old one to retiring (got "primary")',
                    },
                ],
            );
        });
        it("refuses cachesize on a KMS v2 key with the reason", () => {
            assert.deepStrictEqual(
                issues({
                    keys: [
                        {
                            name: "hsm",
                            provider: "kms",
                            state: "primary",
                            endpoint: "unix:///k.sock",
                            cachesize: 1000,
                        },
                    ],
                }),
                [
                    {
                        key: "sovereign-contour:encryptionAtRest.keys[0].cachesize",
                        message:
                            "KMS v2 does not support cachesize (the API server refuses to start); remove it (got 1000)",
                    },
                ],
            );
        });
        it("refuses an unknown provider", () => {
            assert.deepStrictEqual(
                issues({ keys: [{ name: "k1", provider: "aes", state: "primary" }] }).map(
                    (i) => i.key,
                ),
                ["sovereign-contour:encryptionAtRest.keys[0].provider"],
            );
        });
        it("refuses a key name that is not a DNS label", () => {
            assert.deepStrictEqual(
                issues({ keys: [{ name: "Key_1", provider: "secretbox", state: "primary" }] }),
                [
                    {
                        key: "sovereign-contour:encryptionAtRest.keys[0].name",
                        message: `expected a DNS-1123 label such as key-1 (lower-case letters, digits, '-') (got "Key_1")`,
                    },
                ],
            );
        });
        it("accepts the prod stack's KMS v2 ring", () => {
            const ring = [
                {
                    name: "sovereign-hsm",
                    provider: "kms",
                    state: "primary",
                    endpoint: "unix:///var/run/kmsplugin/kms.sock",
                    timeout: "3s",
                },
            ];
            assert.strictEqual(
                load({ keys: ring }).settings.encryptionAtRest.keys[0].provider,
                "kms",
            );
        });
    });

    describe("KMS v2 plugin sockets", () => {
        it("one mount per socket directory, abstract sockets left out", () => {
            assert.deepStrictEqual(
                kmsSocketDirs([
                    "unix:///var/run/kmsplugin/kms.sock",
                    "unix:///var/run/kmsplugin/kms-next.sock",
                    "unix:///run/hsm/plugin.sock",
                    "unix:///@abstract-kms",
                ]),
                ["/var/run/kmsplugin", "/run/hsm"],
            );
        });
    });

    describe("summary and warnings", () => {
        it("summarizes the write provider and key states", () => {
            assert.deepStrictEqual(
                summarizeEncryption(
                    spec([secretbox("k1", "retiring"), secretbox("k2", "primary")]),
                ),
                {
                    writeProvider: "secretbox",
                    writeKey: "k2",
                    resources: ["secrets", "configmaps"],
                    plaintextResources: [],
                    keyStates: { k1: "retiring", k2: "primary" },
                    identityFallback: false,
                },
            );
        });
        it("warns about aescbc and an unfinished rotation", () => {
            assert.deepStrictEqual(
                encryptionWarnings(
                    spec([
                        { name: "k1", provider: "aescbc", state: "primary" },
                        secretbox("k2", "staged"),
                    ]),
                ),
                [
                    'key "k1": aescbc is rated weak (CBC padding oracles); prefer secretbox or kms',
                    'key "k2" is staged: roll the file out to every control-plane node and reload every API server before promoting it to primary',
                ],
            );
        });
        it("a valid spec has no issues", () => {
            assert.deepStrictEqual(validateEncryptionSpec(spec([secretbox("k1", "primary")])), []);
        });
    });

    describe("EncryptionAtRest component (mocks)", () => {
        let EncryptionAtRest: typeof import("../../components/encryption-at-rest").EncryptionAtRest;
        before(async () => {
            installMocks();
            // Stand-in for the random provider: `length` bytes, deterministic per resource name.
            const monitor = pulumi.runtime.getMonitor() as unknown as {
                mocks: pulumi.runtime.Mocks;
            };
            const echo = monitor.mocks.newResource.bind(monitor.mocks);
            monitor.mocks.newResource = (args) => {
                if (args.type === "random:index/randomBytes:RandomBytes") {
                    const bytes = Buffer.alloc(Number(args.inputs.length), args.name.length);
                    return {
                        id: `${args.name}-id`,
                        state: {
                            ...args.inputs,
                            base64: bytes.toString("base64"),
                            hex: bytes.toString("hex"),
                        },
                    };
                }
                return echo(args);
            };
            ({ EncryptionAtRest } = await import("../../components/encryption-at-rest"));
        });
        beforeEach(resetRecorded);

        it("generates one protected, retained 32-byte key per local key, retired keys included", async () => {
            const c = new EncryptionAtRest("ear", {
                keys: [
                    secretbox("k1", "retired"),
                    secretbox("k2", "retiring"),
                    secretbox("k3", "primary"),
                ],
            });
            await unwrap(c.configuration);
            await settled();
            const keys = ofType("random:index/randomBytes:RandomBytes");
            assert.deepStrictEqual(
                keys.map((k) => [k.name, k.inputs.length, k.protect, k.retainOnDelete]),
                [
                    ["ear-key-k1", 32, true, true],
                    ["ear-key-k2", 32, true, true],
                    ["ear-key-k3", 32, true, true],
                ],
            );
            const component = recorded.find(
                (r) => r.type === "sovereign:bootstrap:EncryptionAtRest",
            );
            assert.ok(component !== undefined);
            assert.ok(keys.every((k) => k.parent === component.urn));
        });

        it("renders the file from the generated keys, as a secret, without retired keys", async () => {
            const c = new EncryptionAtRest("ear", {
                keys: [
                    secretbox("k1", "retired"),
                    secretbox("k2", "retiring"),
                    secretbox("k3", "primary"),
                ],
            });
            const isSecret = await (c.configuration as unknown as { isSecret: Promise<boolean> })
                .isSecret;
            assert.strictEqual(isSecret, true);
            const doc = YAML.parse(await unwrap(c.configuration)) as {
                resources: {
                    providers: { secretbox: { keys: { name: string; secret: string }[] } }[];
                }[];
            };
            assert.deepStrictEqual(
                doc.resources[0].providers[0].secretbox.keys.map((k) => k.name),
                ["k3", "k2"],
            );
            const artifact = c.nodeArtifacts["control-plane/encryption-config.yaml"];
            assert.strictEqual(await unwrap(artifact), await unwrap(c.configuration));
        });

        it("asks the control plane for the flag, automatic reload and a read-only mount", () => {
            const c = new EncryptionAtRest("ear", { keys: [secretbox("k1", "primary")] });
            assert.deepStrictEqual(c.controlPlane.apiServerArgs, [
                {
                    name: "encryption-provider-config",
                    value: "/etc/kubernetes/encryption/encryption-config.yaml",
                },
                { name: "encryption-provider-config-automatic-reload", value: "true" },
            ]);
            assert.deepStrictEqual(c.controlPlane.apiServerVolumes, [
                {
                    name: "encryption-config",
                    hostPath: "/etc/kubernetes/encryption",
                    mountPath: "/etc/kubernetes/encryption",
                    readOnly: true,
                    pathType: "DirectoryOrCreate",
                },
            ]);
            assert.deepStrictEqual(
                c.controlPlane.files.map((f) => [f.hostPath, f.mode, f.owner, f.secret]),
                [["/etc/kubernetes/encryption/encryption-config.yaml", "0600", "root:root", true]],
            );
        });

        it("creates no key resource for a KMS v2 ring", async () => {
            new EncryptionAtRest("ear", {
                keys: [
                    { name: "hsm", provider: "kms", state: "primary", endpoint: "unix:///k.sock" },
                ],
            });
            await settled();
            assert.deepStrictEqual(ofType("random:index/randomBytes:RandomBytes"), []);
        });

        it("a KMS v2 ring's file holds no key: not a secret, not marked secret for the nodes", async () => {
            const c = new EncryptionAtRest("ear", {
                keys: [
                    { name: "hsm", provider: "kms", state: "primary", endpoint: "unix:///k.sock" },
                ],
            });
            const isSecret = await (c.configuration as unknown as { isSecret: Promise<boolean> })
                .isSecret;
            assert.strictEqual(isSecret, false);
            assert.deepStrictEqual(
                c.controlPlane.files.map((f) => f.secret),
                [false],
            );
        });

        it("mounts the KMS v2 plugin's socket directory into the API server", () => {
            const c = new EncryptionAtRest("ear", {
                keys: [
                    {
                        name: "hsm",
                        provider: "kms",
                        state: "primary",
                        endpoint: "unix:///var/run/kmsplugin/kms.sock",
                    },
                ],
            });
            assert.deepStrictEqual(c.controlPlane.apiServerVolumes, [
                {
                    name: "encryption-config",
                    hostPath: "/etc/kubernetes/encryption",
                    mountPath: "/etc/kubernetes/encryption",
                    readOnly: true,
                    pathType: "DirectoryOrCreate",
                },
                {
                    name: "kms-socket",
                    hostPath: "/var/run/kmsplugin",
                    mountPath: "/var/run/kmsplugin",
                    readOnly: false,
                    pathType: "DirectoryOrCreate",
                },
            ]);
        });

        it("does not mount the socket of a retired KMS v2 key", () => {
            const c = new EncryptionAtRest("ear", {
                keys: [
                    {
                        name: "hsm",
                        provider: "kms",
                        state: "retired",
                        endpoint: "unix:///var/run/kmsplugin/kms.sock",
                    },
                    secretbox("k2", "primary"),
                ],
            });
            assert.deepStrictEqual(
                c.controlPlane.apiServerVolumes.map((v) => v.name),
                ["encryption-config"],
            );
        });

        it("a ring in transition from a local key to KMS v2 holds the local key: a secret", async () => {
            const c = new EncryptionAtRest("ear", {
                keys: [
                    secretbox("k1", "retiring"),
                    { name: "hsm", provider: "kms", state: "primary", endpoint: "unix:///k.sock" },
                ],
            });
            const isSecret = await (c.configuration as unknown as { isSecret: Promise<boolean> })
                .isSecret;
            assert.strictEqual(isSecret, true);
            assert.deepStrictEqual(
                c.controlPlane.files.map((f) => f.secret),
                [true],
            );
        });

        it("refuses an invalid ring with every problem, naming the keys", () => {
            assert.throws(
                () =>
                    new EncryptionAtRest("ear", {
                        keys: [secretbox("k1", "primary"), secretbox("k1", "primary")],
                    }),
                {
                    message:
                        "invalid encryption at rest settings:\n" +
                        '  - keys.1.name: key "k1" is listed twice (keys[0] has the same name); key names are unique (got "k1")\n' +
                        '  - keys.1.state: key "k1" is primary, but "k1" is primary already: only one key encrypts new writes; ' +
                        'stage the new key first, then promote it and set the old one to retiring (got "primary")',
                },
            );
        });

        /**
         * The platform's top-level component: the stack policies apply only to the platform
         * program, so the component under test is created inside one, as in `index.ts`.
         */
        const inPlatform = (): pulumi.ComponentResourceOptions => ({
            parent: new pulumi.ComponentResource("sovereign:platform:Platform", "platform", {}),
        });
        const platformOnly = () =>
            toPolicyResources(recorded.filter((r) => r.type === "sovereign:platform:Platform"));

        it("stack policies: protected keys and a real write provider pass", async () => {
            new EncryptionAtRest("ear", { keys: [secretbox("k1", "primary")] }, inPlatform());
            await settled();
            const resources = toPolicyResources(recorded);
            assert.deepStrictEqual(await runStackPolicy(encryptionKeysProtected, resources), []);
            assert.deepStrictEqual(
                await runStackPolicy(encryptionWriteProviderNotIdentity, resources),
                [],
            );
        });

        it("stack policy encryption-keys-protected: an unprotected key is a violation", async () => {
            new EncryptionAtRest("ear", { keys: [secretbox("k1", "primary")] }, inPlatform());
            await settled();
            const resources = toPolicyResources(recorded, { "ear-key-k1": { protect: false } });
            assert.deepStrictEqual(await runStackPolicy(encryptionKeysProtected, resources), [
                'RandomBytes "ear-key-k1" is an encryption-at-rest key of "ear" but is not protected: deleting it ' +
                    "loses every object it encrypts. Set protect: true and retainOnDelete: true on it.",
            ]);
        });

        it("stack policy encryption-write-provider-not-identity: identity or no component is a violation", async () => {
            new EncryptionAtRest("ear", { keys: [secretbox("k1", "primary")] }, inPlatform());
            await settled();
            const component = recorded.find(
                (r) => r.type === "sovereign:bootstrap:EncryptionAtRest",
            );
            assert.ok(component !== undefined);
            const identity = toPolicyResources(recorded, {
                ear: {
                    inputs: {
                        ...component.inputs,
                        writeProvider: "identity",
                        resources: ["configmaps"],
                    },
                },
            });
            assert.deepStrictEqual(
                await runStackPolicy(encryptionWriteProviderNotIdentity, identity),
                [
                    'EncryptionAtRest "ear" writes with "identity": new objects are stored in plaintext. Make a ' +
                        "secretbox, aescbc, aesgcm or kms key primary.",
                    'EncryptionAtRest "ear" does not encrypt secrets (resources: ["configmaps"]). Add "secrets" to its resources.',
                ],
            );
            assert.deepStrictEqual(
                await runStackPolicy(encryptionWriteProviderNotIdentity, platformOnly()),
                [
                    "No EncryptionAtRest component in the stack: the API server writes Secrets to etcd in plaintext " +
                        "(identity). Add the component (setting encryptionAtRest).",
                ],
            );
        });

        it("stack policy encryption-write-provider-not-identity: not applicable outside the platform program", async () => {
            await assert.rejects(runStackPolicy(encryptionWriteProviderNotIdentity, []), {
                message:
                    "not applicable: the stack is not built from the contour's components (no sovereign:* resource)",
            });
        });
    });
});
