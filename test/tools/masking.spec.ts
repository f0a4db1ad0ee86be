import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { lastAppliedAnnotation, maskObject } from "../../tools/check/masking";
import { runCheckProcess } from "../util/check-process";

// Planted values: none may ever reach a file the check writes.
const dbPassword = "Tr0ub4dor-planted-db";
const configPassword = "planted-config-file-password";
const githubToken = `ghp_${"A1b2C3d4E5".repeat(4)}`;
const secretData = "planted-secret-data-value";
const secretString = "planted-secret-string-value";
const privateKey = [
    "-----BEGIN PRIVATE KEY-----",
    "MC4CAQAwBQYDK2VwBCIEIPlantedPlantedPlantedPlantedPlanted0000",
    "-----END PRIVATE KEY-----",
].join("\n");

const b64 = (text: string): string => Buffer.from(text).toString("base64");

const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "db", namespace: "team-a" },
    type: "Opaque",
    data: { password: b64(secretData) },
    stringData: { url: secretString },
};

const configMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "app", namespace: "team-a" },
    data: {
        LOG_LEVEL: "info",
        DB_PASSWORD: dbPassword,
        "app.properties": `db.host = db.team-a\ndb.password = ${configPassword}\ndb.pool = 4\n`,
        "notes.txt": `token for CI: ${githubToken}`,
    },
    binaryData: { "tls.key": b64(privateKey), "logo.txt": b64("not a key") },
};

const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "team-a" },
    spec: {
        selector: { matchLabels: { app: "web" } },
        template: {
            metadata: { labels: { app: "web" } },
            spec: {
                containers: [
                    {
                        name: "web",
                        image: "registry.example/web@sha256:" + "ab".repeat(32),
                        args: ["--listen=:8080", `--token=${githubToken}`],
                        env: [
                            { name: "LOG_LEVEL", value: "info" },
                            { name: "DB_PASSWORD", value: dbPassword },
                            { name: "PASSWORD_FILE", value: "/run/secrets/db" },
                            {
                                name: "API_KEY",
                                valueFrom: { secretKeyRef: { name: "db", key: "password" } },
                            },
                        ],
                    },
                ],
            },
        },
    },
};

describe("masking of manifests.yaml (tools/check/masking.ts)", () => {
    it("masks every Secret data and stringData value, keeping the keys", () => {
        assert.deepStrictEqual(maskObject(secret), {
            ...secret,
            data: { password: "[secret]" },
            stringData: { url: "[secret]" },
        });
        // A Secret whose data the engine already masked (a Pulumi secret) stays masked.
        assert.deepStrictEqual(maskObject({ ...secret, data: "[secret]" }).data, "[secret]");
    });

    it("masks what the credential detectors flag in a ConfigMap, nothing else", () => {
        assert.deepStrictEqual(maskObject(configMap), {
            ...configMap,
            data: {
                LOG_LEVEL: "info",
                DB_PASSWORD: "[secret]",
                "app.properties": "db.host = db.team-a\ndb.password = [secret]\ndb.pool = 4\n",
                "notes.txt": "[secret]",
            },
            binaryData: { "tls.key": "[secret]", "logo.txt": b64("not a key") },
        });
    });

    it("masks literal credentials in env values and credential formats anywhere", () => {
        const masked = maskObject(deployment) as typeof deployment;
        const container = masked.spec.template.spec.containers[0];
        assert.deepStrictEqual(container.env, [
            { name: "LOG_LEVEL", value: "info" },
            { name: "DB_PASSWORD", value: "[secret]" },
            { name: "PASSWORD_FILE", value: "/run/secrets/db" },
            { name: "API_KEY", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
        ]);
        assert.deepStrictEqual(container.args, ["--listen=:8080", "[secret]"]);
        // The input is not changed.
        assert.strictEqual(deployment.spec.template.spec.containers[0].env[1].value, dbPassword);
    });

    it("masks the last-applied-configuration annotation by the same rules", () => {
        const applied = {
            ...secret,
            metadata: {
                ...secret.metadata,
                annotations: { [lastAppliedAnnotation]: JSON.stringify(secret) },
            },
        };
        const masked = maskObject(applied) as typeof applied;
        assert.deepStrictEqual(JSON.parse(masked.metadata.annotations[lastAppliedAnnotation]), {
            ...secret,
            data: { password: "[secret]" },
            stringData: { url: "[secret]" },
        });
        const garbled = maskObject({
            ...configMap,
            metadata: {
                name: "x",
                annotations: { [lastAppliedAnnotation]: `{"x": ${dbPassword}` },
            },
        }) as { metadata: { annotations: Record<string, string> } };
        assert.strictEqual(garbled.metadata.annotations[lastAppliedAnnotation], "[secret]");
    });
});

describe("offline check: --manifests writes no planted secret", function () {
    this.timeout(300_000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "masking-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("masks Secrets, env and ConfigMap credentials in manifests.yaml; no output holds them", () => {
        const withApplied = {
            ...secret,
            metadata: {
                ...secret.metadata,
                annotations: { [lastAppliedAnnotation]: JSON.stringify(secret) },
            },
        };
        fs.writeFileSync(
            path.join(dir, "app.yaml"),
            [withApplied, configMap, deployment].map((d) => YAML.stringify(d)).join("---\n"),
        );
        const run = runCheckProcess(["--manifests", dir], { name: "manifests" });
        assert.ok(run.report !== undefined, run.stderr + run.stdout);
        const planted = [
            dbPassword,
            configPassword,
            githubToken,
            secretData,
            b64(secretData),
            secretString,
            b64(privateKey),
            "PlantedPlanted",
        ];
        for (const file of fs.readdirSync(run.dir)) {
            const text = fs.readFileSync(path.join(run.dir, file), "utf8");
            for (const value of planted) {
                assert.ok(!text.includes(value), `${file} holds the planted value ${value}`);
            }
        }
        for (const stream of [run.stdout, run.stderr]) {
            for (const value of planted) {
                assert.ok(!stream.includes(value), `the output holds the planted value ${value}`);
            }
        }
        const docs = YAML.parseAllDocuments(run.read("manifests.yaml") ?? "").map(
            (d) => d.toJS() as Record<string, unknown>,
        );
        assert.deepStrictEqual(
            docs.map((d) => d.kind),
            ["Secret", "ConfigMap", "Deployment"],
        );
        assert.deepStrictEqual(docs[0].data, { password: "[secret]" });
        assert.deepStrictEqual(docs[0].stringData, { url: "[secret]" });
        assert.deepStrictEqual((docs[1].data as Record<string, string>).LOG_LEVEL, "info");
        assert.deepStrictEqual((docs[1].data as Record<string, string>).DB_PASSWORD, "[secret]");
    });
});
