/**
 * The one table of protocol-buffer field numbers and wire types the hand-written code uses.
 *
 * Every field the encoder and decoders of this folder write or read by number is listed here,
 * under its message, and nowhere else: the code reads `tag` (or `number`) from this table instead
 * of writing literals. Everything else about these messages goes through the generated classes.
 * test/tools/protocol-fields.spec.ts sets each listed field through the generated classes of
 * google-protobuf and @pulumi/pulumi/proto and checks that they write exactly the tag given here.
 */

/** The protocol-buffer wire types (the low three bits of a tag). */
export const WireType = {
    varint: 0,
    fixed64: 1,
    lengthDelimited: 2,
    fixed32: 5,
} as const;

/** One of {@link WireType}'s values. */
export type WireType = (typeof WireType)[keyof typeof WireType];

/** One field of a message. */
export interface FieldSpec {
    /** The field number in the .proto file. */
    readonly number: number;
    /** How its value is written. */
    readonly wireType: WireType;
    /** The key written before the value: `number << 3 | wireType`, one byte (number below 16). */
    readonly tag: number;
}

function field(number: number, wireType: WireType): FieldSpec {
    // The encoders write a tag as one byte, which holds field numbers 1 to 15.
    if (!Number.isInteger(number) || number < 1 || number > 15) {
        throw new Error(`field number ${number} is not in 1..15 (a one-byte tag)`);
    }
    return Object.freeze({ number, wireType, tag: (number << 3) | wireType });
}

const LEN = WireType.lengthDelimited;

/** `google.protobuf.Struct` (google/protobuf/struct.proto): `map<string, Value> fields = 1`. */
export const Struct = Object.freeze({ fields: field(1, LEN) });

/**
 * An entry of `Struct.fields`: as for every protocol-buffer map, a message with the key as field 1
 * and the value as field 2 (google/protobuf/struct.proto, map encoding in the language guide).
 */
export const StructFieldsEntry = Object.freeze({ key: field(1, LEN), value: field(2, LEN) });

/** `google.protobuf.Value` (google/protobuf/struct.proto): the oneof `kind`. */
export const Value = Object.freeze({
    nullValue: field(1, WireType.varint),
    numberValue: field(2, WireType.fixed64),
    stringValue: field(3, LEN),
    boolValue: field(4, WireType.varint),
    structValue: field(5, LEN),
    listValue: field(6, LEN),
});

/** `google.protobuf.ListValue` (google/protobuf/struct.proto): `repeated Value values = 1`. */
export const ListValue = Object.freeze({ values: field(1, LEN) });

/** `pulumirpc.AnalyzeRequest` (pulumi/analyzer.proto): `google.protobuf.Struct properties = 2`. */
export const AnalyzeRequest = Object.freeze({ properties: field(2, LEN) });

/** `pulumirpc.AnalyzerResource` (pulumi/analyzer.proto): `google.protobuf.Struct properties = 2`. */
export const AnalyzerResource = Object.freeze({ properties: field(2, LEN) });

/**
 * `pulumirpc.AnalyzeStackRequest` (pulumi/analyzer.proto):
 * `repeated AnalyzerResource resources = 1`.
 */
export const AnalyzeStackRequest = Object.freeze({ resources: field(1, LEN) });

/** Every message above by its full protocol-buffer name (for the test that checks the table). */
export const messages: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>> =
    Object.freeze({
        "google.protobuf.Struct": Struct,
        "google.protobuf.Struct.FieldsEntry": StructFieldsEntry,
        "google.protobuf.Value": Value,
        "google.protobuf.ListValue": ListValue,
        "pulumirpc.AnalyzeRequest": AnalyzeRequest,
        "pulumirpc.AnalyzerResource": AnalyzerResource,
        "pulumirpc.AnalyzeStackRequest": AnalyzeStackRequest,
    });
