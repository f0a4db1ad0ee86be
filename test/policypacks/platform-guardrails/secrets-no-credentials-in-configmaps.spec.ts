import * as assert from "node:assert/strict";
import { secretsNoCredentialsInConfigmaps as policy } from "../../../policypacks/platform-guardrails/policies/secrets-no-credentials-in-configmaps";
import { configMap, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

const OBJ = 'ConfigMap "tenant-a/web"';
const FIX =
    "Move them into a Secret created from Pulumi secrets and mount it or reference it with secretKeyRef.";

// Built at run time so that no credential-shaped literal sits in the repository.
const pemHeader = ["-----BEGIN", "RSA PRIVATE KEY-----"].join(" ");
const githubToken = "ghp_" + "A1b2C3d4E5".repeat(4);
const hfToken = "hf_" + "aBcDeFgHiJ".repeat(4);
const awsKeyId = "AKIA" + "ABCDEFGHIJKLMNOP";
const jwt = ["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiJ3ZWIifQ", "c2lnbmF0dXJlLXZhbHVl"].join(".");

async function run(change: (data: Record<string, string>) => void): Promise<string[]> {
    const props = configMap();
    change(props.data);
    return runResourcePolicy(policy, { type: T.configMap, props });
}

describe("policy secrets-no-credentials-in-configmaps", () => {
    it("passes a ConfigMap of settings, references and a config file without credentials", async () => {
        assert.deepEqual(await run(() => undefined), []);
    });

    const formats: [string, string, string][] = [
        [
            "a PEM private key",
            "tls.key",
            `${pemHeader}\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----`,
        ],
        ["a GitHub token", "GIT_CREDENTIAL_HELPER", `x ${githubToken}`],
        ["a Hugging Face token", "HF_HOME_TOKEN_SOURCE", hfToken],
        ["an AWS access key ID", "aws_id", awsKeyId],
        ["a JSON Web Token", "bootstrap", jwt],
        ["credentials in a URL", "DATABASE_URL", "postgres://app:hunter2@db.tenant-a:5432/app"],
    ];
    for (const [what, key, value] of formats) {
        it(`reports a value holding ${what}`, async () => {
            const path = /^[A-Za-z_]\w*$/.test(key)
                ? `data.${key}`
                : `data[${JSON.stringify(key)}]`;
            assert.deepEqual(
                await run((data) => {
                    data[key] = value;
                }),
                [`${OBJ} holds credentials: ${path} holds ${what}. ${FIX}`],
            );
        });
    }

    for (const key of [
        "DB_PASSWORD",
        "apiKey",
        "client-secret",
        "access_token",
        "AWS_SECRET_ACCESS_KEY",
    ]) {
        it(`reports the credential-like key ${key} with a literal value`, async () => {
            const path = /^[A-Za-z_]\w*$/.test(key)
                ? `data.${key}`
                : `data[${JSON.stringify(key)}]`;
            assert.deepEqual(
                await run((data) => {
                    data[key] = "s3cr3t-value";
                }),
                [
                    `${OBJ} holds credentials: ${path} is a credential-like key with a literal value. ${FIX}`,
                ],
            );
        });
    }

    it("reports a credential line inside a config file, by line number", async () => {
        assert.deepEqual(
            await run((data) => {
                data["app.properties"] += "\ndb.password = hunter2";
            }),
            [
                `${OBJ} holds credentials: data["app.properties"] line 5: "db.password" is a ` +
                    `credential-like key with a literal value. ${FIX}`,
            ],
        );
    });

    it("reports a quoted JSON credential inside a config file", async () => {
        assert.deepEqual(
            await run((data) => {
                data["config.json"] = '{\n  "name": "web",\n  "apiToken": "abc123",\n}';
            }),
            [
                `${OBJ} holds credentials: data["config.json"] line 3: "apiToken" is a ` +
                    `credential-like key with a literal value. ${FIX}`,
            ],
        );
    });

    it("reports key material in binaryData", async () => {
        const props = configMap();
        props.binaryData["key.pem"] = Buffer.from(`${pemHeader}\nabc\n`).toString("base64");
        assert.deepEqual(await runResourcePolicy(policy, { type: T.configMap, props }), [
            `${OBJ} holds credentials: binaryData["key.pem"] holds a PEM private key. ${FIX}`,
        ]);
    });

    it("lists every offending key in one violation", async () => {
        assert.deepEqual(
            await run((data) => {
                data.PASSWORD = "x";
                data.TOKEN = githubToken;
            }),
            [
                `${OBJ} holds credentials: data.PASSWORD is a credential-like key with a literal ` +
                    `value; data.TOKEN holds a GitHub token. ${FIX}`,
            ],
        );
    });

    it("skips keys listed in ignoredKeys", async () => {
        const props = configMap();
        props.data.PUBLIC_SIGNING_KEY = "not-secret";
        props.data["app.properties"] += "\nui.token = public-id";
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.configMap,
                props,
                config: { ignoredKeys: ["PUBLIC_SIGNING_KEY", "ui.token"] },
            }),
            [],
        );
    });

    it("ignores objects that are not ConfigMaps", async () => {
        const props = configMap();
        props.data.PASSWORD = "x";
        assert.deepEqual(await runResourcePolicy(policy, { type: T.service, props }), []);
    });
});
