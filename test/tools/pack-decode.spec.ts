/**
 * The check's pack host decodes Analyze, Remediate and AnalyzeStack requests itself
 * (tools/check/protocol/pack-decode.ts): every field but the properties by the generated code,
 * the properties straight to JavaScript, once. What the policy SDK then reads from the request
 * must be what it reads from the generated code's own decoding.
 */
import * as assert from "assert";
import * as path from "path";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { codec } from "../../tools/check/protocol";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as fields from "../../tools/check/protocol/fields";
import {
    decodePropertiesOnce,
    delegatedMessages,
    propertiesDecodedOnce,
    PropertyDecoding,
} from "../../tools/check/protocol/pack-decode";

const secretSig = "4dabf18193072939515e22adb298388d";

function properties(name: string): Record<string, unknown> {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: "tenant-ä", labels: { b: "2", a: "1", "10": "x", "2": "y" } },
        spec: {
            replicas: 3,
            template: {
                spec: {
                    containers: [
                        { name: "app", image: "registry.example/app@sha256:" + "0".repeat(64) },
                    ],
                    hostNetwork: false,
                    priority: -1.5,
                    tolerations: [],
                    nodeSelector: {},
                    runtimeClassName: null,
                },
            },
        },
        token: { [secretSig]: "1b47061264138c4ac30d75fd1eb44270", value: "s3cret" },
    };
}

function options(parent: string): analyzerpb.AnalyzerResourceOptions {
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setProtect(true);
    o.setIgnorechangesList(["spec.replicas"]);
    o.setAdditionalsecretoutputsList(["token"]);
    o.setDeletebeforereplacedefined(true);
    o.setParent(parent);
    return o;
}

function request(name: string): analyzerpb.AnalyzeRequest {
    const req = new analyzerpb.AnalyzeRequest();
    req.setType("kubernetes:apps/v1:Deployment");
    req.setName(name);
    req.setUrn(`urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::${name}`);
    req.setProperties(Struct.fromJavaScript(properties(name) as never));
    req.setOptions(options("urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"));
    return req;
}

function stackResource(name: string, withProperties = true): analyzerpb.AnalyzerResource {
    const r = new analyzerpb.AnalyzerResource();
    r.setType("kubernetes:apps/v1:Deployment");
    r.setName(name);
    r.setUrn(`urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::${name}`);
    if (withProperties) {
        r.setProperties(Struct.fromJavaScript(properties(name) as never));
    }
    r.setOptions(options("urn:parent"));
    r.setParent("urn:parent");
    r.setDependenciesList(["urn:a", "urn:b"]);
    const pd = new analyzerpb.AnalyzerPropertyDependencies();
    pd.setUrnsList(["urn:a"]);
    r.getPropertydependenciesMap().set("spec", pd);
    return r;
}

/** Asserts `actual` reads, through everything the policy SDK calls, as `expected` does. */
function assertReadsAs(
    actual: analyzerpb.AnalyzeRequest | analyzerpb.AnalyzerResource,
    expected: analyzerpb.AnalyzeRequest | analyzerpb.AnalyzerResource,
): void {
    // What server.js reads besides the properties (toObject would read the properties too).
    const fields = (m: typeof actual): unknown => ({
        type: m.getType(),
        name: m.getName(),
        urn: m.getUrn(),
        options: m.getOptions()?.toObject(),
        provider: m.getProvider()?.toObject(),
        ...(m instanceof analyzerpb.AnalyzerResource
            ? {
                  parent: m.getParent(),
                  dependencies: m.getDependenciesList(),
                  propertyDependencies: [...m.getPropertydependenciesMap().entries()].map(
                      ([k, v]) => [k, (v as analyzerpb.AnalyzerPropertyDependencies).getUrnsList()],
                  ),
              }
            : {}),
    });
    assert.deepStrictEqual(fields(actual), fields(expected));
    const a = actual.getProperties()?.toJavaScript();
    const e = expected.getProperties()?.toJavaScript();
    assert.deepStrictEqual(a, e);
    assert.strictEqual(JSON.stringify(a), JSON.stringify(e), "key order");
}

const decoding = new PropertyDecoding(Struct.prototype);
const requestProperties = fields.AnalyzeRequest.properties;
const resourceProperties = fields.AnalyzerResource.properties;

describe("check: the pack host decodes each resource's properties once", () => {
    it("AnalyzeRequest: every field reads as the generated code decodes it", () => {
        const bytes = Buffer.from(request("web").serializeBinary());
        const ours = decoding.message(
            analyzerpb.AnalyzeRequest,
            bytes,
            0,
            bytes.length,
            requestProperties,
        );
        assertReadsAs(ours, analyzerpb.AnalyzeRequest.deserializeBinary(bytes));
    });

    it("converts the properties once and hands every caller that value", () => {
        const bytes = Buffer.from(request("web").serializeBinary());
        const ours = decoding.message(
            analyzerpb.AnalyzeRequest,
            bytes,
            0,
            bytes.length,
            requestProperties,
        );
        const first = ours.getProperties()?.toJavaScript();
        assert.strictEqual(ours.getProperties()?.toJavaScript(), first);
    });

    it("the properties stand-in fails loudly on anything but toJavaScript", () => {
        const bytes = Buffer.from(request("web").serializeBinary());
        const ours = decoding.message(
            analyzerpb.AnalyzeRequest,
            bytes,
            0,
            bytes.length,
            requestProperties,
        );
        assert.throws(() => ours.getProperties()?.getFieldsMap());
    });

    it("a request without properties has none", () => {
        const req = request("bare");
        req.clearProperties();
        const bytes = Buffer.from(req.serializeBinary());
        const ours = decoding.message(
            analyzerpb.AnalyzeRequest,
            bytes,
            0,
            bytes.length,
            requestProperties,
        );
        assert.strictEqual(ours.getProperties(), undefined);
    });

    it("a request with its properties field twice is left to the generated code (merged)", () => {
        const first = Buffer.from(request("one").serializeBinary());
        const second = new analyzerpb.AnalyzeRequest();
        second.setProperties(Struct.fromJavaScript({ extra: "yes", kind: "Other" }));
        const bytes = Buffer.concat([first, Buffer.from(second.serializeBinary())]);
        const ours = decoding.message(
            analyzerpb.AnalyzeRequest,
            bytes,
            0,
            bytes.length,
            requestProperties,
        );
        const sdk = analyzerpb.AnalyzeRequest.deserializeBinary(bytes);
        assertReadsAs(ours, sdk);
        assert.strictEqual(
            (ours.getProperties()?.toJavaScript() as Record<string, unknown>).extra,
            "yes",
        );
    });

    it("splits off the properties of whatever the check sends (nothing left whole)", () => {
        const before = delegatedMessages.count;
        const req = request("web");
        const o = options("urn:parent");
        o.setIgnorechangesList(["", "spec", "é"]);
        o.setDeletebeforereplace(true);
        o.setAliasesList(["urn:old"]);
        req.setOptions(o);
        const bytes = Buffer.from(req.serializeBinary());
        assertReadsAs(
            decoding.message(analyzerpb.AnalyzeRequest, bytes, 0, bytes.length, requestProperties),
            analyzerpb.AnalyzeRequest.deserializeBinary(bytes),
        );
        const r = stackResource("deps");
        r.getPropertydependenciesMap().set("", new analyzerpb.AnalyzerPropertyDependencies());
        r.getPropertydependenciesMap().set("aa", new analyzerpb.AnalyzerPropertyDependencies());
        const rb = Buffer.from(r.serializeBinary());
        assertReadsAs(
            decoding.message(analyzerpb.AnalyzerResource, rb, 0, rb.length, resourceProperties),
            analyzerpb.AnalyzerResource.deserializeBinary(rb),
        );
        assert.strictEqual(delegatedMessages.count, before);
    });

    it("a provider, unknown fields and bad UTF-8 in the other fields read as the generated code reads them", () => {
        const withProvider = request("p");
        const provider = new analyzerpb.AnalyzerProviderResource();
        provider.setType("pulumi:providers:kubernetes");
        provider.setUrn("urn:provider");
        provider.setProperties(Struct.fromJavaScript({ kubeconfig: "x" }));
        withProvider.setProvider(provider);
        const unknownField = Buffer.concat([
            Buffer.from(request("u").serializeBinary()),
            Buffer.from([0x78, 0x01]), // field 15, varint 1
        ]);
        const badName = Buffer.concat([
            Buffer.from(request("").serializeBinary()), // no name (field 4) ...
            Buffer.from([0x22, 0x02, 0xc3, 0x28]), // ... then a name that is not valid UTF-8
        ]);
        for (const bytes of [Buffer.from(withProvider.serializeBinary()), unknownField, badName]) {
            const before = delegatedMessages.count;
            assertReadsAs(
                decoding.message(
                    analyzerpb.AnalyzeRequest,
                    bytes,
                    0,
                    bytes.length,
                    requestProperties,
                ),
                analyzerpb.AnalyzeRequest.deserializeBinary(bytes),
            );
            assert.strictEqual(delegatedMessages.count, before);
        }
    });

    it("leaves a message it cannot split to the generated code whole", () => {
        const base = Buffer.from(request("odd").serializeBinary());
        // The properties field twice: the generated code merges both.
        const second = new analyzerpb.AnalyzeRequest();
        second.setProperties(Struct.fromJavaScript({ more: true }));
        const twice = Buffer.concat([base, Buffer.from(second.serializeBinary())]);
        let before = delegatedMessages.count;
        const ours = decoding.message(
            analyzerpb.AnalyzeRequest,
            twice,
            0,
            twice.length,
            requestProperties,
        );
        assertReadsAs(ours, analyzerpb.AnalyzeRequest.deserializeBinary(twice));
        assert.strictEqual((ours.getProperties()?.toJavaScript() as { more: boolean }).more, true);
        assert.strictEqual(delegatedMessages.count, before + 1);
        // The properties field with another wire type than the table's, and a field cut short:
        // the generated code refuses both, and so does the pack host.
        const wrongType = Buffer.concat([
            base,
            Buffer.from([(requestProperties.number << 3) | fields.WireType.varint, 0x01]),
        ]);
        const cut = base.subarray(0, base.length - 1);
        for (const bytes of [wrongType, cut]) {
            before = delegatedMessages.count;
            assert.throws(() => analyzerpb.AnalyzeRequest.deserializeBinary(bytes));
            assert.throws(() =>
                decoding.message(
                    analyzerpb.AnalyzeRequest,
                    bytes,
                    0,
                    bytes.length,
                    requestProperties,
                ),
            );
            assert.strictEqual(delegatedMessages.count, before + 1);
        }
    });

    it("AnalyzeStackRequest: resources in order, each reading as the generated code decodes it", () => {
        const req = new analyzerpb.AnalyzeStackRequest();
        req.setResourcesList([stackResource("a"), stackResource("b", false), stackResource("c")]);
        const bytes = Buffer.from(req.serializeBinary());
        const ours = decoding.stack(
            analyzerpb.AnalyzeStackRequest,
            analyzerpb.AnalyzerResource,
            bytes,
        );
        const sdk = analyzerpb.AnalyzeStackRequest.deserializeBinary(bytes);
        assert.strictEqual(ours.getResourcesList().length, 3);
        ours.getResourcesList().forEach((r, i) => assertReadsAs(r, sdk.getResourcesList()[i]));
    });

    it("patches the service definition that the pack's policy SDK registers", () => {
        // decodePropertiesOnce patches the service definition that the
        // policy SDK registers; propertiesDecodedOnce tells whether it did.
        const packDir = path.resolve(__dirname, "../../policypacks/workload-security");
        decodePropertiesOnce(packDir);
        assert.ok(propertiesDecodedOnce(packDir));
    });
});

describe("check: CHECK_CODEC chooses the pack host's decoding (tools/check/protocol/codec.ts)", () => {
    it("is the hand-written decoding unless google-protobuf is asked for, and refuses anything else", () => {
        assert.strictEqual(codec({}), "check");
        assert.strictEqual(codec({ CHECK_CODEC: "" }), "check");
        assert.strictEqual(codec({ CHECK_CODEC: "check" }), "check");
        assert.strictEqual(codec({ CHECK_CODEC: "google-protobuf" }), "google-protobuf");
        assert.throws(
            () => codec({ CHECK_CODEC: "protobuf" }),
            /^Error: CHECK_CODEC="protobuf" is not a codec; expected check or google-protobuf$/,
        );
    });
});
