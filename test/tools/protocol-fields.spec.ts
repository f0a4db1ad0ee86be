/**
 * tools/check/protocol/fields.ts is the one table of field numbers and wire types the check's
 * hand-written protocol code writes and reads. Each entry is checked against the generated
 * classes (google-protobuf's struct_pb, @pulumi/pulumi/proto's analyzer_pb): the field is set by
 * name with the generated setter, the message serialized, and its bytes must be exactly the tag
 * the table gives followed by the value. A wrong number or wire type in the table fails here.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ListValue, Struct, Value } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { FieldSpec, messages, WireType } from "../../tools/check/protocol/fields";

/** A field set through the generated classes, and the bytes of the value after its tag. */
interface Probe {
    /** The message's encoding with only this field set. */
    readonly encoded: () => Uint8Array;
    /** The field's value as it follows the tag (length included when length-delimited). */
    readonly value: number[];
    /**
     * For a map entry's fields: the bytes before this field's tag (the map field's tag and
     * length, and for the value the key before it).
     */
    readonly before?: (table: Readonly<Record<string, FieldSpec>>) => number[];
}

const nullValue = (): Value => {
    const v = new Value();
    v.setNullValue(0);
    return v;
};

/** Every table entry, by message and field, with how to set it in the generated class. */
const probes: Record<string, Record<string, Probe>> = {
    "google.protobuf.Struct": {
        fields: {
            encoded: () => {
                const s = new Struct();
                s.getFieldsMap().set("k", nullValue());
                return s.serializeBinary();
            },
            // The entry: key "k", value null (tags from the table's entry, checked below).
            value: [
                7,
                messages["google.protobuf.Struct.FieldsEntry"].key.tag,
                1,
                0x6b,
                messages["google.protobuf.Struct.FieldsEntry"].value.tag,
                2,
                messages["google.protobuf.Value"].nullValue.tag,
                0,
            ],
        },
    },
    "google.protobuf.Struct.FieldsEntry": {
        key: {
            encoded: () => Struct.fromJavaScript({ k: null }).serializeBinary(),
            before: () => [messages["google.protobuf.Struct"].fields.tag, 7],
            value: [
                1,
                0x6b,
                messages["google.protobuf.Struct.FieldsEntry"].value.tag,
                2,
                messages["google.protobuf.Value"].nullValue.tag,
                0,
            ],
        },
        value: {
            encoded: () => Struct.fromJavaScript({ k: null }).serializeBinary(),
            before: (entry) => [
                messages["google.protobuf.Struct"].fields.tag,
                7,
                entry.key.tag,
                1,
                0x6b,
            ],
            value: [2, messages["google.protobuf.Value"].nullValue.tag, 0],
        },
    },
    "google.protobuf.Value": {
        nullValue: { encoded: () => nullValue().serializeBinary(), value: [0] },
        numberValue: {
            encoded: () => {
                const v = new Value();
                v.setNumberValue(1.5);
                return v.serializeBinary();
            },
            value: [...Buffer.from(new Float64Array([1.5]).buffer)],
        },
        stringValue: {
            encoded: () => {
                const v = new Value();
                v.setStringValue("x");
                return v.serializeBinary();
            },
            value: [1, 0x78],
        },
        boolValue: {
            encoded: () => {
                const v = new Value();
                v.setBoolValue(true);
                return v.serializeBinary();
            },
            value: [1],
        },
        structValue: {
            encoded: () => {
                const v = new Value();
                v.setStructValue(new Struct());
                return v.serializeBinary();
            },
            value: [0],
        },
        listValue: {
            encoded: () => {
                const v = new Value();
                v.setListValue(new ListValue());
                return v.serializeBinary();
            },
            value: [0],
        },
    },
    "google.protobuf.ListValue": {
        values: {
            encoded: () => {
                const l = new ListValue();
                l.addValues(nullValue());
                return l.serializeBinary();
            },
            value: [2, messages["google.protobuf.Value"].nullValue.tag, 0],
        },
    },
    "pulumirpc.AnalyzeRequest": {
        properties: {
            encoded: () => {
                const r = new analyzerpb.AnalyzeRequest();
                r.setProperties(new Struct());
                return r.serializeBinary();
            },
            value: [0],
        },
    },
    "pulumirpc.AnalyzerResource": {
        properties: {
            encoded: () => {
                const r = new analyzerpb.AnalyzerResource();
                r.setProperties(new Struct());
                return r.serializeBinary();
            },
            value: [0],
        },
    },
    "pulumirpc.AnalyzeStackRequest": {
        resources: {
            encoded: () => {
                const r = new analyzerpb.AnalyzeStackRequest();
                r.setResourcesList([new analyzerpb.AnalyzerResource()]);
                return r.serializeBinary();
            },
            value: [0],
        },
    },
};

describe("check: the protocol field table agrees with the generated classes", () => {
    it("has a probe for every entry of the table and no other", () => {
        const entries = (o: Record<string, Readonly<Record<string, unknown>>>): string[] =>
            Object.entries(o)
                .flatMap(([m, f]) => Object.keys(f).map((name) => `${m}.${name}`))
                .sort();
        assert.deepStrictEqual(entries(messages), entries(probes));
    });

    for (const [message, table] of Object.entries(messages)) {
        for (const [name, spec] of Object.entries(table)) {
            it(`${message}.${name} is field ${spec.number}, wire type ${spec.wireType}`, () => {
                assert.strictEqual(spec.tag, spec.number * 8 + spec.wireType);
                assert.ok(
                    (Object.values(WireType) as number[]).includes(spec.wireType),
                    `wire type ${spec.wireType}`,
                );
                const probe = probes[message]?.[name];
                assert.ok(probe !== undefined, `no probe for ${message}.${name}`);
                const expected = [...(probe.before?.(table) ?? []), spec.tag, ...probe.value];
                assert.deepStrictEqual([...probe.encoded()], expected);
            });
        }
    }
});

describe("check: the rest of the project reaches the protocol code only through its index", () => {
    it("no file outside tools/check/protocol/ (tests aside) imports one of its modules", () => {
        const root = path.resolve(__dirname, "..", "..");
        const protocolDir = path.join(root, "tools", "check", "protocol");
        const offenders: string[] = [];
        const visit = (dir: string): void => {
            for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
                const file = path.join(dir, entry.name);
                if (entry.isDirectory()) {
                    if (!["node_modules", "out", "test", ".cache", ".git"].includes(entry.name)) {
                        visit(file);
                    }
                } else if (/\.ts$/.test(entry.name) && !file.startsWith(protocolDir + path.sep)) {
                    const text = fs.readFileSync(file, "utf8");
                    for (const m of text.matchAll(/(?:from |require\()\s*"(\.{1,2}\/[^"]*)"/g)) {
                        const target = path.resolve(path.dirname(file), m[1]);
                        if (target.startsWith(protocolDir + path.sep)) {
                            offenders.push(`${path.relative(root, file)}: ${m[1]}`);
                        }
                    }
                }
            }
        };
        visit(root);
        assert.deepStrictEqual(offenders, []);
    });
});
