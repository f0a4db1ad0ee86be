/**
 * Group 2, encryption at rest: kube-apiserver runs with the dev stack's own EncryptionConfiguration
 * (`out/dev/control-plane/encryption-config.yaml`, with the stand-in key the offline check makes,
 * and `--encryption-provider-config-automatic-reload` as the stack's kubeadm document sets it).
 * Every resource the file encrypts reads back in plain text through the API and is stored in etcd
 * as `k8s:enc:<provider>:v1:<key name>:` followed by ciphertext. Then one rotation of the key state
 * machine (components/encryption-at-rest: a new key staged, then made primary with the old one
 * retiring and everything rewritten, then the old one retired), each step rendered by the
 * program's own render functions and checked by its transition rules, keeps every object readable
 * and ends with every object under the new key.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    EncryptionKeySpec,
    encryptionConfigurationYaml,
    LocalProvider,
    localProviders,
    renderEncryptionConfiguration,
    validateKeyTransition,
} from "../../components/encryption-at-rest/render";
import { ControlPlane, startControlPlane } from "./control-plane";
import { KubeClient, KubeObject, waitFor } from "./kube";
import { readObjects, stackApiServer, stackOutputs } from "./stack";

/** What the dev file says: the encrypted resources and its local key ring (primary first). */
interface FileKeys {
    readonly resources: string[];
    readonly provider: LocalProvider;
    readonly keys: { name: string; secret: string }[];
}

function readEncryptionFile(file: string): FileKeys {
    const [config] = readObjects(file);
    assert.equal(config.kind, "EncryptionConfiguration", file);
    const block = (config.resources as KubeObject[]).find((r) =>
        (r.resources as string[]).includes("secrets"),
    );
    assert.ok(block !== undefined, `${file}: no block encrypts secrets`);
    const first = block.providers[0] as KubeObject;
    const provider = localProviders.find((p) => p in first);
    assert.ok(
        provider !== undefined,
        `${file}: the write provider is not a local key provider: ${JSON.stringify(first)}`,
    );
    return { resources: block.resources as string[], provider, keys: first[provider].keys };
}

/** An object of each encrypted resource, holding `value` in plain text. */
function sample(resource: string, namespace: string, name: string, value: string): KubeObject {
    const metadata = { name, namespace };
    switch (resource) {
        case "secrets":
            return { apiVersion: "v1", kind: "Secret", metadata, stringData: { value } };
        case "configmaps":
            return { apiVersion: "v1", kind: "ConfigMap", metadata, data: { value } };
        default:
            throw new Error(
                `no sample object for encrypted resource "${resource}": extend sample() in ${__filename}`,
            );
    }
}

function plainValue(obj: KubeObject): string {
    return obj.kind === "Secret"
        ? Buffer.from(obj.data.value, "base64").toString("utf8")
        : obj.data.value;
}

/** The count of successful automatic reloads of the encryption configuration (from /metrics). */
async function reloads(client: KubeClient): Promise<number> {
    const res = await client.request("GET", "/metrics");
    assert.equal(res.status, 200, "GET /metrics");
    let total = 0;
    for (const line of res.body.split("\n")) {
        if (
            line.startsWith("apiserver_encryption_config_controller_automatic_reloads_total{") &&
            line.includes('status="success"')
        ) {
            total += Number(line.split(" ").pop());
        }
    }
    return total;
}

describe("API-server tier, group 2: encryption at rest with the dev stack's own configuration", function () {
    let cp: ControlPlane;
    let file: FileKeys;
    const objects: KubeObject[] = [];
    const namespace = "encryption-test";

    before(async function () {
        const options = stackApiServer("dev", { encryption: true });
        const source = path.join(stackOutputs("dev"), "control-plane/encryption-config.yaml");
        assert.match(
            fs.readFileSync(source, "utf8"),
            /^# STAND-IN VALUES: written by the offline check/,
            "the dev file holds the offline check's stand-in key (the marker tells it from a deployed one)",
        );
        assert.equal(
            options.encryptionAutomaticReload,
            true,
            "the dev stack reloads the file automatically",
        );
        file = readEncryptionFile(source);
        cp = await startControlPlane({ name: "encryption", ...options });
        await cp.client().json("POST", "/api/v1/namespaces", {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: namespace },
        });
    });
    after(async () => {
        await cp?.stop();
    });

    /** Asserts every sample reads back in plain text and is stored under `keyName`. */
    async function assertStored(keyName: string): Promise<void> {
        for (const obj of objects) {
            const got = await cp.client().get("v1", obj.kind, namespace, obj.metadata.name);
            assert.ok(got !== undefined, `${obj.kind} ${obj.metadata.name} reads back`);
            const expected = obj.kind === "Secret" ? obj.stringData.value : obj.data.value;
            assert.equal(
                plainValue(got),
                expected,
                `${obj.kind} ${obj.metadata.name} reads back in plain text`,
            );
            const raw = await cp.etcdGet(
                `/registry/${obj.kind === "Secret" ? "secrets" : "configmaps"}/${namespace}/${obj.metadata.name}`,
            );
            assert.ok(raw !== undefined, `${obj.kind} ${obj.metadata.name} is in etcd`);
            const prefix = `k8s:enc:${file.provider}:v1:${keyName}:`;
            assert.equal(
                raw.subarray(0, prefix.length).toString("latin1"),
                prefix,
                `${obj.kind} ${obj.metadata.name} raw in etcd`,
            );
            assert.ok(
                !raw.includes(Buffer.from(expected)),
                `${obj.kind} ${obj.metadata.name}: the plain text is not in etcd`,
            );
        }
    }

    it("stores every resource the file encrypts as k8s:enc:<provider>:v1:<key>: and reads it back in plain text", async () => {
        assert.deepEqual(
            file.resources,
            ["secrets", "configmaps"],
            "the dev file encrypts Secrets and ConfigMaps",
        );
        for (const resource of file.resources) {
            for (const n of [1, 2]) {
                const obj = sample(
                    resource,
                    namespace,
                    `${resource}-${n}`,
                    `plain-text-${resource}-${n}-${randomBytes(6).toString("hex")}`,
                );
                const res = await cp.client().create(obj);
                assert.equal(res.status, 201, `create ${obj.kind}: ${res.body}`);
                objects.push(obj);
            }
        }
        await assertStored(file.keys[0].name);
    });

    it("rotates the key (staged, primary + rewrite, retired) and every object stays readable", async () => {
        const client = cp.client();
        const old = file.keys[0];
        const fresh = { name: "key-2", secret: randomBytes(32).toString("base64") };
        const secrets = { [old.name]: old.secret, [fresh.name]: fresh.secret };
        const ring = (
            oldState: EncryptionKeySpec["state"],
            newState?: EncryptionKeySpec["state"],
        ): EncryptionKeySpec[] => [
            { name: old.name, provider: file.provider, state: oldState },
            ...(newState !== undefined
                ? [{ name: fresh.name, provider: file.provider, state: newState }]
                : []),
        ];
        const steps: { keys: EncryptionKeySpec[]; rewrite: boolean; storedUnder: string }[] = [
            { keys: ring("primary", "staged"), rewrite: false, storedUnder: old.name },
            { keys: ring("retiring", "primary"), rewrite: true, storedUnder: fresh.name },
            { keys: ring("retired", "primary"), rewrite: false, storedUnder: fresh.name },
        ];
        let deployed = ring("primary");
        for (const step of steps) {
            assert.deepEqual(
                validateKeyTransition(deployed, step.keys),
                [],
                `step to ${JSON.stringify(step.keys)}`,
            );
            const document = renderEncryptionConfiguration(
                { resources: file.resources, plaintextResources: [], keys: step.keys },
                secrets,
            );
            const before = await reloads(client);
            const target = cp.encryptionConfigPath!;
            fs.writeFileSync(`${target}.new`, encryptionConfigurationYaml(document), {
                mode: 0o600,
            });
            fs.renameSync(`${target}.new`, target);
            await waitFor(
                `the API server to reload ${target} (apiserver_encryption_config_controller_automatic_reloads_total)`,
                async () => ((await reloads(client)) > before ? true : undefined),
                150_000,
                1_000,
            );
            if (step.rewrite) {
                // What the runbook does: read every object and write it back unchanged.
                for (const obj of objects) {
                    const urlPath = await client.path("v1", obj.kind, namespace, obj.metadata.name);
                    const current = await client.json("GET", urlPath);
                    await client.json("PUT", urlPath, current);
                }
            }
            await assertStored(step.storedUnder);
            deployed = step.keys;
        }
        // The old key is gone from the file: nothing it encrypted is left unreadable.
        assert.ok(
            !fs.readFileSync(cp.encryptionConfigPath!, "utf8").includes(old.secret),
            "the retired key left the file",
        );
    });
});
