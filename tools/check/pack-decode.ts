/**
 * How the check's pack host decodes Analyze, Remediate and AnalyzeStack requests.
 *
 * The policy SDK (@pulumi/policy 1.x, server.js) decodes each request with google-protobuf, then
 * converts a resource's properties to JavaScript (`getProperties().toJavaScript()`, inside
 * `deserializeProperties`) once for every policy it runs on the resource; AnalyzeStack does so
 * once per stack policy for every resource of the stack. Building and walking those message trees,
 * not the policies, was most of a pack's time.
 *
 * Here the request is decoded by the generated code as before, except for each resource's
 * properties: their bytes are set aside and decoded straight to JavaScript by `wire.ts` (which
 * gives exactly google-protobuf's value, keys in the same order), once, the first time the SDK
 * asks, and the same value is handed to every later caller. The SDK only reads that value:
 * `deserializeProperties` copies every object and array it is given into new ones.
 *
 * The properties are reached only through `toJavaScript()`: the stand-in Struct has no message
 * state, so any other use fails loudly instead of seeing empty properties. A request this module
 * does not parse itself (a field it does not expect twice, an unknown wire type) is decoded by
 * the generated code whole, and its properties are still converted only once.
 */
import * as path from "path";
import { decodeStruct, utf8String, WireObject } from "./wire";

interface StructLike {
    toJavaScript(): unknown;
}

interface MessageWithProperties {
    getProperties(): StructLike | undefined;
}

interface MessageClass<T> {
    /** The generated constructor, from the message's JSPB array (index = field number - 1). */
    new (data?: unknown[]): T;
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

/** `resources` is field 1 of AnalyzeStackRequest. */
const resourcesField = 1;

/** Messages left to the generated code whole since the process started (for the tests). */
export const delegatedMessages = { count: 0 };

/** Thrown when a message is left to the generated code whole. */
class Delegate extends Error {}
const delegate = new Delegate();

/** The modules the policy SDK of the pack in `packDir` loads (resolved as Node resolves them). */
function sdkModulesFor(packDir: string): {
    messages: Record<string, MessageClass<unknown> & { prototype: object }>;
    service: Record<string, MethodDefinition>;
    structPrototype: object;
} {
    const policyDir = path.dirname(require.resolve("@pulumi/policy", { paths: [packDir] }));
    const resolve = (m: string): string => require.resolve(m, { paths: [policyDir] });
    const pulumiDir = path.dirname(resolve("@pulumi/pulumi/package.json"));
    /* eslint-disable @typescript-eslint/no-require-imports */
    const messages = require(resolve("@pulumi/pulumi/proto/analyzer_pb")) as Record<
        string,
        MessageClass<unknown> & { prototype: object }
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

/** One top-level field of a message: its number, and where its whole encoding and payload are. */
interface Field {
    readonly number: number;
    readonly start: number;
    readonly payloadStart: number;
    readonly end: number;
}

/** The top-level fields of the message in `buf[start, end)`, in order. */
function fieldsOf(buf: Buffer, start: number, end: number): Field[] {
    const fields: Field[] = [];
    const at = { pos: start };
    while (at.pos < end) {
        const fieldStart = at.pos;
        const tag = varint(buf, at, end);
        const wireType = tag & 7;
        const number = Math.floor(tag / 8);
        let payloadStart = at.pos;
        switch (wireType) {
            case 0:
                varint(buf, at, end);
                break;
            case 1:
                at.pos += 8;
                break;
            case 2: {
                const n = varint(buf, at, end);
                payloadStart = at.pos;
                at.pos += n;
                break;
            }
            case 5:
                at.pos += 4;
                break;
            default:
                throw delegate; // groups: left to the generated code
        }
        if (at.pos > end || number === 0) {
            throw delegate;
        }
        fields.push({ number, start: fieldStart, payloadStart, end: at.pos });
    }
    return fields;
}

/** Which message a head is: AnalyzeRequest, or AnalyzerResource (which has fields 7 to 9 too). */
type HeadKind = "request" | "resource";

/** Field `f`, which must be length-delimited (anything else is left to the generated code). */
function lengthDelimited(buf: Buffer, f: Field): Field {
    if ((buf[f.start] & 7) !== 2) {
        throw delegate;
    }
    return f;
}

/** Field `f` as a string (valid UTF-8 only: anything else is left to the generated code). */
function stringField(buf: Buffer, f: Field): string {
    const s = utf8String(buf, lengthDelimited(buf, f).payloadStart, f.end);
    if (s === undefined) {
        throw delegate;
    }
    return s;
}

/** Field `f` as a bool (a varint), as the generated code reads it. */
function boolField(buf: Buffer, f: Field): boolean {
    if ((buf[f.start] & 7) !== 0) {
        throw delegate;
    }
    const at = { pos: f.payloadStart };
    return varint(buf, at, f.end) !== 0;
}

/**
 * AnalyzerResourceOptions as its JSPB array: 1 protect, 2 ignoreChanges, 3 deleteBeforeReplace,
 * 4 deleteBeforeReplaceDefined, 5 additionalSecretOutputs, 6 aliases, 8 parent. Custom timeouts
 * (7), never sent by the check, and any other field are left to the generated code.
 */
function optionsArray(buf: Buffer, start: number, end: number): unknown[] {
    const data: unknown[] = [];
    for (const f of fieldsOf(buf, start, end)) {
        // The JSPB array holds field n at index n - 1.
        switch (f.number) {
            case 1:
            case 3:
            case 4:
                data[f.number - 1] = boolField(buf, f);
                break;
            case 2:
            case 5:
            case 6:
                ((data[f.number - 1] ??= []) as string[]).push(stringField(buf, f));
                break;
            case 8:
                data[7] = stringField(buf, f);
                break;
            default:
                throw delegate;
        }
    }
    return data;
}

/**
 * The JSPB array of an AnalyzeRequest or AnalyzerResource without its properties, and where the
 * properties are. Only the fields the check sends are parsed here: 1 type, 3 urn, 4 name,
 * 5 options, and for a resource 7 parent, 8 dependencies, 9 property dependencies. A provider (6),
 * a repeated singular field or an unknown field leaves the whole message to the generated code.
 */
function headArray(
    buf: Buffer,
    start: number,
    end: number,
    kind: HeadKind,
): { data: unknown[]; properties: Buffer | undefined } {
    const data: unknown[] = [];
    const seen = new Set<number>();
    let properties: Buffer | undefined;
    for (const f of fieldsOf(buf, start, end)) {
        if (f.number !== 8 && f.number !== 9) {
            if (seen.has(f.number)) {
                throw delegate; // a singular field twice: the generated code merges or overrides
            }
            seen.add(f.number);
        }
        switch (f.number) {
            case 1:
            case 3:
            case 4:
                data[f.number - 1] = stringField(buf, f);
                break;
            case 2:
                properties = buf.subarray(lengthDelimited(buf, f).payloadStart, f.end);
                break;
            case 5:
                lengthDelimited(buf, f);
                data[4] = optionsArray(buf, f.payloadStart, f.end);
                break;
            case 7:
                if (kind !== "resource") {
                    throw delegate;
                }
                data[6] = stringField(buf, f);
                break;
            case 8:
                if (kind !== "resource") {
                    throw delegate;
                }
                ((data[7] ??= []) as string[]).push(stringField(buf, f));
                break;
            case 9: {
                if (kind !== "resource") {
                    throw delegate;
                }
                lengthDelimited(buf, f);
                // A map entry: key (1), AnalyzerPropertyDependencies (2) whose field 1 lists URNs.
                let key: string | undefined;
                let urns: string[] | undefined;
                for (const e of fieldsOf(buf, f.payloadStart, f.end)) {
                    if (e.number === 1 && key === undefined) {
                        key = stringField(buf, e);
                    } else if (e.number === 2 && urns === undefined) {
                        lengthDelimited(buf, e);
                        urns = [];
                        for (const u of fieldsOf(buf, e.payloadStart, e.end)) {
                            if (u.number !== 1) {
                                throw delegate;
                            }
                            urns.push(stringField(buf, u));
                        }
                    } else {
                        throw delegate;
                    }
                }
                if (key === undefined || urns === undefined) {
                    throw delegate;
                }
                ((data[8] ??= []) as unknown[]).push([key, [urns]]);
                break;
            }
            default:
                throw delegate;
        }
    }
    return { data, properties };
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
     * One message carrying properties (AnalyzeRequest, AnalyzerResource) from its bytes: the
     * generated class built from the fields parsed here, or, for what is not parsed here, from
     * the generated code's own decoding of the rest.
     */
    message<T extends MessageWithProperties>(
        cls: MessageClass<T>,
        buf: Buffer,
        start: number,
        end: number,
        kind: HeadKind,
    ): T {
        try {
            const { data, properties } = headArray(buf, start, end, kind);
            return this.attach(
                new cls(data),
                properties === undefined ? undefined : this.lazyStruct(properties),
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
        let fields: Field[];
        try {
            fields = fieldsOf(buf, 0, buf.length);
        } catch (e) {
            if (e !== delegate) {
                throw e;
            }
            delegatedMessages.count++;
            const whole = cls.deserializeBinary(buf);
            whole.setResourcesList(whole.getResourcesList().map((r) => this.attach(r, undefined)));
            return whole;
        }
        const resources = fields
            .filter((f) => f.number === resourcesField)
            .map((f) => this.message(resourceCls, buf, f.payloadStart, f.end, "resource"));
        const request = cls.deserializeBinary(
            Buffer.concat(
                fields
                    .filter((f) => f.number !== resourcesField)
                    .map((f) => buf.subarray(f.start, f.end)),
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
    const methods: Record<string, (buffer: Buffer) => unknown> = {
        analyze: (b) => decoding.message(request, b, 0, b.length, "request"),
        remediate: (b) => decoding.message(request, b, 0, b.length, "request"),
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
