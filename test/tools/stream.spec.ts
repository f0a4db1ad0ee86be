/**
 * What the check keeps of each judged resource (tools/check/stream.ts): manifests.yaml written as
 * resources are taken is the documents joined as before, secrets masked; the identities kept for
 * duplicate detection give the same violations as the whole objects; the kinds not kept for the
 * admission simulation are kinds it never reads.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { duplicateIdentities } from "../../tools/check/identities";
import { Judged, judgedResource, JudgedStream, notReadByAdmission } from "../../tools/check/stream";

function judged(type: string, name: string, props: Record<string, unknown>): Judged {
    return judgedResource(
        { urn: `urn:pulumi:qa::p::${type}::${name}`, type, name, properties: {} },
        () => ({ plain: props, masked: props }),
    );
}

describe("check: the judged-resource stream", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "stream-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("writes manifests.yaml as resources are taken: every object, secrets masked, in order", () => {
        const file = path.join(dir, "manifests.yaml");
        const stream = new JudgedStream(file);
        stream.take(
            judged("kubernetes:core/v1:Namespace", "team-a", { metadata: { name: "team-a" } }),
        );
        stream.take(judged("sovereign:baseline:TenantNamespace", "team-a", {}));
        stream.take(
            judged("kubernetes:core/v1:Secret", "s", {
                metadata: { name: "s", namespace: "team-a" },
                stringData: { password: "hunter2" },
            }),
        );
        stream.closeManifests();
        stream.abandon(); // closing twice is harmless
        const text = fs.readFileSync(file, "utf8");
        assert.ok(!text.includes("hunter2"), "secret values are masked");
        const docs = YAML.parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
        assert.deepStrictEqual(
            docs.map((d) => `${String(d.kind)}/${(d.metadata as { name: string }).name}`),
            ["Namespace/team-a", "Secret/s"],
        );
        assert.strictEqual(text.split("---\n").length, 2);
        assert.strictEqual(stream.count, 3);
        assert.deepStrictEqual(stream.resourcesByType, {
            "kubernetes:core/v1:Namespace": 1,
            "sovereign:baseline:TenantNamespace": 1,
            "kubernetes:core/v1:Secret": 1,
        });
        assert.strictEqual(stream.schema.validated, 2);
    });

    it("keeps enough of each object to find the same duplicate identities", () => {
        const crd = {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "widgets.example.com" },
            spec: {
                group: "example.com",
                scope: "Cluster",
                names: { kind: "Widget", plural: "widgets" },
                versions: [{ name: "v1", served: true, storage: true }],
            },
        };
        const objects: [string, Record<string, unknown>][] = [
            ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", crd],
            ["kubernetes:example.com/v1:Widget", { metadata: { name: "w", namespace: "a" } }],
            ["kubernetes:example.com/v1:Widget", { metadata: { name: "w", namespace: "b" } }],
            ["kubernetes:core/v1:ConfigMap", { metadata: { name: "c" } }],
            ["kubernetes:core/v1:ConfigMap", { metadata: { name: "c", namespace: "default" } }],
            ["kubernetes:core/v1:ConfigMap", { metadata: { generateName: "c-" } }],
        ];
        const stream = new JudgedStream(path.join(dir, "m.yaml"));
        const whole = objects.map(([type, props], i) => {
            const j = judged(type, `r${i}`, props);
            stream.take(j);
            const [, groupVersion, kind] = /^kubernetes:([^:]+):(.+)$/.exec(type) ?? [];
            return {
                resource: { type, name: `r${i}` },
                object: {
                    apiVersion: groupVersion.replace(/^core\//, ""),
                    kind,
                    ...props,
                },
            };
        });
        stream.closeManifests();
        const expected = duplicateIdentities(whole);
        assert.strictEqual(expected.length, 2, "a cluster-scoped Widget twice, a ConfigMap twice");
        assert.deepStrictEqual(duplicateIdentities(stream.identities), expected);
    });

    it("drops for the admission simulation only kinds it never reads", () => {
        const dirOf = path.resolve(__dirname, "../../tools/check/admission");
        const sources = fs
            .readdirSync(dirOf)
            .filter((f) => f.endsWith(".ts"))
            .map((f) => fs.readFileSync(path.join(dirOf, f), "utf8"))
            .join("\n");
        for (const groupKind of notReadByAdmission) {
            const kind = groupKind.slice(groupKind.indexOf("/") + 1);
            assert.ok(
                !new RegExp(`["'\`]${kind}["'\`]`).test(sources),
                `tools/check/admission reads ${kind}: keep it for the simulation (tools/check/stream.ts)`,
            );
        }
    });
});
