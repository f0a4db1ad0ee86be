/**
 * How the check's pack host decodes Analyze, Remediate and AnalyzeStack requests.
 *
 * The policy SDK (@pulumi/policy 1.x, server.js) decodes each request with google-protobuf, then
 * converts a resource's properties to JavaScript (`getProperties().toJavaScript()`, inside
 * `deserializeProperties`) once for every policy it runs on the resource; AnalyzeStack does so
 * once per stack policy for every resource of the stack. Building and walking those message trees,
 * not the policies, was most of a pack's time.
 *
 * Here each request is split into its top-level fields: every field but a resource's properties
 * is decoded by the generated code as before; the properties' bytes are set aside and decoded
 * straight to JavaScript by `struct.ts` (which gives exactly google-protobuf's value, keys in the
 * same order), once, the first time the SDK asks, and the same value is handed to every later
 * caller. The SDK only reads that value: `deserializeProperties` copies every object and array it
 * is given into new ones.
 *
 * The properties are reached only through `toJavaScript()`: the stand-in Struct has no message
 * state, so any other use fails loudly instead of seeing empty properties. A request this module
 * cannot split (its properties field twice, which the generated code merges; a malformed field)
 * is decoded by the generated code whole, and its properties are still converted only once.
 */
import * as path from "path";
import * as fields from "./fields";
import { decodeStruct, WireObject } from "./struct";

interface StructLike {
    toJavaScript(): unknown;
}

interface MessageWithProperties {
    getProperties(): StructLike | undefined;
}

interface MessageClass<T> {
    deserializeBinary(bytes: Uint8Array): T;
}

interface StackRequest {
    getResourcesList(): MessageWithProperties[];
    setResourcesList(list: MessageWithProperties[]): void;
}

interface MethodDefinition {
    path: string;
    requestDeserialize(buffer: Buffer): unknown;
}

/** Marks service definitions this module patched, so a second call (or a test) can tell. */
const patched = Symbol.for("sovereign-contour.pack-decode");

/** Messages left to the generated code whole since the process started (for the tests). */
export const delegatedMessages = { count: 0 };

/** Thrown when a message is left to the generated code whole. */
class Delegate extends Error {}
const delegate = new Delegate();

/** The modules the policy SDK of the pack in `packDir` loads (resolved as Node resolves them). */
function sdkModulesFor(packDir: string): {
    messages: Record<string, MessageClass<unknown>>;
    service: Record<string, MethodDefinition>;
    structPrototype: object;
} {
    const policyDir = path.dirname(require.resolve("@pulumi/policy", { paths: [packDir] }));
    const resolve = (m: string): string => require.resolve(m, { paths: [policyDir] });
    const pulumiDir = path.dirname(resolve("@pulumi/pulumi/package.json"));
    /* eslint-disable @typescript-eslint/no-require-imports */
    const messages = require(resolve("@pulumi/pulumi/proto/analyzer_pb")) as Record<
        string,
        MessageClass<unknown>
    >;
    const grpc = require(resolve("@pulumi/pulumi/proto/analyzer_grpc_pb")) as {
        AnalyzerService: Record<string, MethodDefinition>;
    };
    const struct = require(
        require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [pulumiDir] }),
    ) as { Struct: { prototype: object } };
    /* eslint-enable @typescript-eslint/no-require-imports */
    return {
        messages,
        service: grpc.AnalyzerService,
        structPrototype: struct.Struct.prototype,
    };
}

function varint(buf: Buffer, at: { pos: number }, end: number): number {
    let result = 0;
    let shift = 0;
    for (;;) {
        if (at.pos >= end || shift > 49) {
            throw delegate;
        }
        const b = buf[at.pos++];
        result += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) {
            return result;
        }
        shift += 7;
    }
}

/** One top-level field of a message: its number, wire type, and where its encoding is. */
interface Field {
    readonly number: number;
    readonly wireType: number;
    /** Where the field's tag starts. */
    readonly start: number;
    /** Where its value starts (for a length-delimited field: after the length). */
    readonly payloadStart: number;
    readonly end: number;
}

/** The top-level fields of the message in `buf[start, end)`, in order. */
function fieldsOf(buf: Buffer, start: number, end: number): Field[] {
    const found: Field[] = [];
    const at = { pos: start };
    while (at.pos < end) {
        const fieldStart = at.pos;
        const tag = varint(buf, at, end);
        const wireType = tag & 7;
        const number = Math.floor(tag / 8);
        let payloadStart = at.pos;
        switch (wireType) {
            case fields.WireType.varint:
                varint(buf, at, end);
                break;
            case fields.WireType.fixed64:
                at.pos += 8;
                break;
            case fields.WireType.lengthDelimited: {
                const n = varint(buf, at, end);
                payloadStart = at.pos;
                at.pos += n;
                break;
            }
            case fields.WireType.fixed32:
                at.pos += 4;
                break;
            default:
                throw delegate; // groups: left to the generated code
        }
        if (at.pos > end || number === 0) {
            throw delegate;
        }
        found.push({ number, wireType, start: fieldStart, payloadStart, end: at.pos });
    }
    return found;
}

/** The bytes of `list`'s fields, in order (one slice when they are adjacent). */
function fieldBytes(buf: Buffer, list: readonly Field[]): Buffer {
    if (list.length === 0) {
        return buf.subarray(0, 0);
    }
    const contiguous = list.every((f, i) => i === 0 || f.start === list[i - 1].end);
    return contiguous
        ? buf.subarray(list[0].start, list[list.length - 1].end)
        : Buffer.concat(list.map((f) => buf.subarray(f.start, f.end)));
}

export class PropertyDecoding {
    constructor(private readonly structPrototype: object) {}

    /** A Struct whose only use is `toJavaScript()`, decoding `bytes` on the first call. */
    lazyStruct(bytes: Buffer): StructLike {
        let value: WireObject | undefined;
        const struct = Object.create(this.structPrototype) as StructLike;
        Object.defineProperty(struct, "toJavaScript", {
            value: () => (value ??= decodeStruct(bytes)),
        });
        return struct;
    }

    /** `message` with `getProperties()` answering `struct`, or a once-converting copy of its own. */
    attach<T extends MessageWithProperties>(message: T, struct: StructLike | undefined): T {
        let properties = struct;
        if (properties === undefined) {
            const own = message.getProperties();
            if (own !== undefined) {
                const value = own.toJavaScript();
                properties = Object.create(own) as StructLike;
                Object.defineProperty(properties, "toJavaScript", { value: () => value });
            }
        }
        Object.defineProperty(message, "getProperties", { value: () => properties });
        return message;
    }

    /**
     * One message carrying properties (AnalyzeRequest, AnalyzerResource: `properties` is the
     * table's field of that message) from its bytes: the generated code's decoding of every
     * other field, with the properties decoded here.
     */
    message<T extends MessageWithProperties>(
        cls: MessageClass<T>,
        buf: Buffer,
        start: number,
        end: number,
        properties: fields.FieldSpec,
    ): T {
        try {
            const all = fieldsOf(buf, start, end);
            const own = all.filter((f) => f.number === properties.number);
            if (own.length > 1 || own.some((f) => f.wireType !== properties.wireType)) {
                throw delegate; // merged or malformed: the generated code decides
            }
            if (own.length === 0) {
                return this.attach(cls.deserializeBinary(buf.subarray(start, end)), undefined);
            }
            const rest = all.filter((f) => f !== own[0]);
            return this.attach(
                cls.deserializeBinary(fieldBytes(buf, rest)),
                this.lazyStruct(buf.subarray(own[0].payloadStart, own[0].end)),
            );
        } catch (e) {
            if (e !== delegate) {
                throw e;
            }
            delegatedMessages.count++;
            return this.attach(cls.deserializeBinary(buf.subarray(start, end)), undefined);
        }
    }

    /** An AnalyzeStackRequest from its bytes. */
    stack<T extends StackRequest>(
        cls: MessageClass<T>,
        resourceCls: MessageClass<MessageWithProperties>,
        buf: Buffer,
    ): T {
        const resourcesField = fields.AnalyzeStackRequest.resources;
        let all: Field[];
        try {
            all = fieldsOf(buf, 0, buf.length);
            if (
                all.some(
                    (f) =>
                        f.number === resourcesField.number &&
                        f.wireType !== resourcesField.wireType,
                )
            ) {
                throw delegate;
            }
        } catch (e) {
            if (e !== delegate) {
                throw e;
            }
            delegatedMessages.count++;
            const whole = cls.deserializeBinary(buf);
            whole.setResourcesList(whole.getResourcesList().map((r) => this.attach(r, undefined)));
            return whole;
        }
        const resources = all
            .filter((f) => f.number === resourcesField.number)
            .map((f) =>
                this.message(
                    resourceCls,
                    buf,
                    f.payloadStart,
                    f.end,
                    fields.AnalyzerResource.properties,
                ),
            );
        const request = cls.deserializeBinary(
            fieldBytes(
                buf,
                all.filter((f) => f.number !== resourcesField.number),
            ),
        );
        request.setResourcesList(resources);
        return request;
    }
}

/**
 * Makes the analyzer service definition the policy SDK of the pack in `packDir` registers decode
 * Analyze, Remediate and AnalyzeStack requests as described above. Must run before the pack
 * constructs its PolicyPack (which registers the service).
 */
export function decodePropertiesOnce(packDir: string): void {
    const { messages, service, structPrototype } = sdkModulesFor(packDir);
    const decoding = new PropertyDecoding(structPrototype);
    const request = messages.AnalyzeRequest as MessageClass<MessageWithProperties>;
    const resource = messages.AnalyzerResource as MessageClass<MessageWithProperties>;
    const stack = messages.AnalyzeStackRequest as MessageClass<StackRequest>;
    const requestProperties = fields.AnalyzeRequest.properties;
    const methods: Record<string, (buffer: Buffer) => unknown> = {
        analyze: (b) => decoding.message(request, b, 0, b.length, requestProperties),
        remediate: (b) => decoding.message(request, b, 0, b.length, requestProperties),
        analyzeStack: (b) => decoding.stack(stack, resource, b),
    };
    for (const [name, decode] of Object.entries(methods)) {
        const method = service[name] as MethodDefinition & { [patched]?: true };
        if (method[patched] !== true) {
            method.requestDeserialize = decode;
            Object.defineProperty(method, patched, { value: true });
        }
    }
}

/** Whether {@link decodePropertiesOnce} is in effect for the pack in `packDir` (for a test). */
export function propertiesDecodedOnce(packDir: string): boolean {
    const { service } = sdkModulesFor(packDir);
    return ["analyze", "remediate", "analyzeStack"].every(
        (name) => (service[name] as { [patched]?: true })[patched] === true,
    );
}
