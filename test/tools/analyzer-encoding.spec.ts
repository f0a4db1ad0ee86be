/**
 * The check encodes each resource's AnalyzeRequest once and sends the same bytes to every pack
 * (and to Remediate and Analyze alike), splicing the properties in after the other fields, and
 * builds AnalyzeStack one resource entry at a time as resources are judged. These tests decode
 * what the check sends and compare it with the message the generated protobuf code builds field by
 * field, so the splice cannot drift from the protocol.
 */
import * as assert from "assert";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import {
    AnalyzedResource,
    AnalyzeStackRequestBuilder,
    analyzeStackEntry,
    encodedAnalyzeRequest,
    encodedAnalyzeStackRequest,
} from "../../tools/check/protocol";
import { sdkBookkeepingSkipped } from "../../tools/check/engine";
import { installMocks } from "../util/mocks";

const secretSig = "4dabf18193072939515e22adb298388d";

function resource(name: string, size: number): AnalyzedResource {
    return {
        urn: `urn:pulumi:dev::sovereign-contour::kubernetes:core/v1:ConfigMap::${name}`,
        type: "kubernetes:core/v1:ConfigMap",
        name,
        parent: "urn:pulumi:dev::sovereign-contour::sovereign:platform:Layer::baseline",
        dependencies: ["urn:a", "urn:b"],
        propertyDependencies: { data: ["urn:a"], metadata: [] },
        protect: true,
        ignoreChanges: ["data.x"],
        additionalSecretOutputs: ["data"],
        deleteBeforeReplace: false,
        properties: {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name, namespace: "tenant-ä", labels: { a: "b" } },
            data: { big: "x".repeat(size), list: [1, "two", true, null, { nested: ["n"] }] },
            token: { [secretSig]: "1b47061264138c4ac30d75fd1eb44270", value: "s3cret" },
        },
    };
}

function options(r: AnalyzedResource): analyzerpb.AnalyzerResourceOptions {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(r.protect === true);
    o.setIgnorechangesList([...(r.ignoreChanges ?? [])]);
    o.setAdditionalsecretoutputsList([...(r.additionalSecretOutputs ?? [])]);
    o.setDeletebeforereplace(r.deleteBeforeReplace === true);
    o.setDeletebeforereplacedefined(r.deleteBeforeReplace !== undefined);
    o.setParent(r.parent ?? "");
    return o;
}

describe("check: requests encoded once for every pack", () => {
    // Property blobs whose length needs one, two and three varint bytes.
    for (const size of [10, 200, 20_000]) {
        it(`AnalyzeRequest decodes to the field-by-field message (properties of ~${size} bytes)`, () => {
            const r = resource(`cm-${size}`, size);
            const expected = new analyzerpb.AnalyzeRequest();
            expected.setType(r.type);
            expected.setName(r.name);
            expected.setUrn(r.urn);
            expected.setProperties(Struct.fromJavaScript(r.properties));
            expected.setOptions(options(r));
            const decoded = analyzerpb.AnalyzeRequest.deserializeBinary(encodedAnalyzeRequest(r));
            assert.deepStrictEqual(decoded.toObject(), expected.toObject());
            assert.deepStrictEqual(
                decoded.getProperties()?.toJavaScript(),
                Struct.fromJavaScript(r.properties).toJavaScript(),
            );
        });
    }

    it("AnalyzeStackRequest decodes to the field-by-field message, resources in order", () => {
        const resources = [resource("a", 10), resource("b", 300), resource("c", 20_000)];
        const expected = new analyzerpb.AnalyzeStackRequest();
        expected.setResourcesList(
            resources.map((r) => {
                const ar = new analyzerpb.AnalyzerResource();
                ar.setType(r.type);
                ar.setName(r.name);
                ar.setUrn(r.urn);
                ar.setProperties(Struct.fromJavaScript(r.properties));
                ar.setOptions(options(r));
                ar.setParent(r.parent ?? "");
                ar.setDependenciesList([...(r.dependencies ?? [])]);
                for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
                    const pd = new analyzerpb.AnalyzerPropertyDependencies();
                    pd.setUrnsList([...urns]);
                    ar.getPropertydependenciesMap().set(k, pd);
                }
                return ar;
            }),
        );
        const decoded = analyzerpb.AnalyzeStackRequest.deserializeBinary(
            encodedAnalyzeStackRequest(resources),
        );
        assert.deepStrictEqual(decoded.toObject(), expected.toObject());
        assert.deepStrictEqual(
            decoded.getResourcesList().map((x) => x.getName()),
            ["a", "b", "c"],
        );
    });

    it("builds AnalyzeStack one resource at a time, across blocks, as the entries concatenated", () => {
        // Entries of about 3 MB fill the builder's 8 MB blocks unevenly; one of 9 MB is larger
        // than a block.
        const resources = [3, 3, 3, 9, 0.001, 3].map((mb, i) =>
            resource(`r${i}`, Math.round(mb * 1024 * 1024)),
        );
        const builder = new AnalyzeStackRequestBuilder();
        for (const r of resources) {
            builder.add(r);
        }
        const entries = resources.map(analyzeStackEntry);
        assert.strictEqual(
            builder.size,
            entries.reduce((n, e) => n + e.length, 0),
        );
        const bytes = builder.take();
        assert.ok(bytes.equals(Buffer.concat(entries)));
        const decoded = analyzerpb.AnalyzeStackRequest.deserializeBinary(bytes);
        assert.deepStrictEqual(
            decoded.getResourcesList().map((x) => x.getName()),
            ["r0", "r1", "r2", "r3", "r4", "r5"],
        );
        assert.strictEqual(
            (
                decoded.getResourcesList()[3].getProperties()?.toJavaScript() as {
                    data: { big: string };
                }
            ).data.big.length,
            9 * 1024 * 1024,
        );
        // Taken once: the builder keeps nothing.
        assert.strictEqual(builder.size, 0);
        assert.strictEqual(builder.take().length, 0);
    });

    it("reuses the bytes for the same resource, and encodes a remediated one afresh", () => {
        const r = resource("same", 50);
        assert.strictEqual(encodedAnalyzeRequest(r), encodedAnalyzeRequest(r));
        const remediated: AnalyzedResource = {
            ...r,
            properties: { apiVersion: "v1", kind: "ConfigMap" },
        };
        const decoded = analyzerpb.AnalyzeRequest.deserializeBinary(
            encodedAnalyzeRequest(remediated),
        );
        assert.deepStrictEqual(decoded.getProperties()?.toJavaScript(), {
            apiVersion: "v1",
            kind: "ConfigMap",
        });
    });
});

describe("check: requests with unusual fields decode to the field-by-field message", () => {
    const base = resource("heads", 10);
    const variants: [string, AnalyzedResource][] = [
        ["every field set", base],
        [
            "defaults: no parent, no lists, deleteBeforeReplace unset",
            {
                urn: base.urn,
                type: base.type,
                name: base.name,
                properties: {},
            },
        ],
        ["deleteBeforeReplace true", { ...base, deleteBeforeReplace: true }],
        ["empty strings in lists", { ...base, ignoreChanges: ["", "a"], dependencies: ["", "b"] }],
        [
            "property dependencies out of order, one empty",
            { ...base, propertyDependencies: { spec: ["urn:x"], data: [], "": ["urn:y"], a: [] } },
        ],
        ["non-ASCII names", { ...base, name: "tenant-ä/日本-😀", parent: "urn:ü" }],
        ["long strings", { ...base, urn: "u".repeat(20_000), dependencies: ["d".repeat(300)] }],
        ["an unpaired surrogate", { ...base, name: "bad-\uD800" }],
    ];
    for (const [label, r] of variants) {
        it(label, () => {
            const request = new analyzerpb.AnalyzeRequest();
            request.setType(r.type);
            request.setName(r.name);
            request.setUrn(r.urn);
            request.setProperties(Struct.fromJavaScript(r.properties));
            request.setOptions(options(r));
            assert.deepStrictEqual(
                analyzerpb.AnalyzeRequest.deserializeBinary(encodedAnalyzeRequest(r)).toObject(),
                request.toObject(),
            );
            const ar = new analyzerpb.AnalyzerResource();
            ar.setType(r.type);
            ar.setName(r.name);
            ar.setUrn(r.urn);
            ar.setProperties(Struct.fromJavaScript(r.properties));
            ar.setOptions(options(r));
            ar.setParent(r.parent ?? "");
            ar.setDependenciesList([...(r.dependencies ?? [])]);
            for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
                const pd = new analyzerpb.AnalyzerPropertyDependencies();
                pd.setUrnsList([...urns]);
                ar.getPropertydependenciesMap().set(k, pd);
            }
            const stack = new analyzerpb.AnalyzeStackRequest();
            stack.setResourcesList([ar]);
            assert.deepStrictEqual(
                analyzerpb.AnalyzeStackRequest.deserializeBinary(analyzeStackEntry(r)).toObject(),
                stack.toObject(),
            );
        });
    }
});

describe("check: the in-process engine skips source bookkeeping", () => {
    it("replaces the SDK's promise stack capture and resource callsites once installed", () => {
        installMocks();
        assert.strictEqual(sdkBookkeepingSkipped(), true);
    });
});
