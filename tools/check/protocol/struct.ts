/**
 * `google.protobuf.Struct` on the wire, without building google-protobuf message trees.
 *
 * The Pulumi SDK hands properties between the program, the engine and the policy packs as
 * Structs. google-protobuf builds an object per value to encode or decode one, and that was most
 * of the check's and the packs' time on large stacks. The functions here produce exactly what
 * google-protobuf 3.21 produces, and fall back to it for what they do not handle themselves:
 *
 * - {@link encodeStruct}`(v)` gives the same bytes as `Struct.fromJavaScript(v).serializeBinary()`;
 * - {@link decodeStruct}`(b)` gives the same value as `Struct.deserializeBinary(b).toJavaScript()`,
 *   keys in the same order;
 * - {@link structRoundTrip}`(v)` gives the same value as `Struct.fromJavaScript(v).toJavaScript()`.
 *
 * google-protobuf writes and reads a Struct's keys sorted (`Array.prototype.sort`, by UTF-16 code
 * units), writes every oneof member that is set (an empty string or a `false` included) and map
 * keys even when empty. Strings with unpaired surrogates, non-finite or negative-zero numbers and
 * the key `__proto__` are left to google-protobuf, whose handling of them is its own; on
 * decoding, anything but the canonical encoding (unknown fields, unexpected wire types, invalid
 * UTF-8, an unset value) is left to it too. test/tools/wire.spec.ts compares both ways on
 * generated and real values. Field numbers and wire types come from `fields.ts`.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as fields from "./fields";

// The tags written and expected below (each one byte: fields.ts only has numbers below 16).
const structFields = fields.Struct.fields.tag;
const entryKey = fields.StructFieldsEntry.key.tag;
const entryValue = fields.StructFieldsEntry.value.tag;
const nullValue = fields.Value.nullValue.tag;
const numberValue = fields.Value.numberValue.tag;
const stringValue = fields.Value.stringValue.tag;
const boolValue = fields.Value.boolValue.tag;
const structValue = fields.Value.structValue.tag;
const listValue = fields.Value.listValue.tag;
const listValues = fields.ListValue.values.tag;

/** A value a Struct can hold, as google-protobuf's `toJavaScript` returns it. */
export type WireValue = null | number | string | boolean | WireValue[] | WireObject;
export interface WireObject {
    [key: string]: WireValue;
}

/**
 * How many calls were left to google-protobuf since the process started (the tests check that
 * ordinary values never are).
 */
export const delegated = { encode: 0, decode: 0, roundTrip: 0 };

/** Thrown inside the fast paths when google-protobuf must decide; never escapes this module. */
class Delegate extends Error {}
const delegate = new Delegate();

/** How google-protobuf's `goog.typeOf` classifies a value, for the kinds a Struct accepts. */
function kindOf(value: unknown): "string" | "number" | "boolean" | "null" | "array" | "object" {
    switch (typeof value) {
        case "string":
            return "string";
        case "number":
            return "number";
        case "boolean":
            return "boolean";
        case "object": {
            if (value === null) {
                return "null";
            }
            // Plain objects and arrays only: google-protobuf's `goog.typeOf` looks at the prototype
            // chain, so anything with another prototype is left to it.
            const proto = Object.getPrototypeOf(value) as unknown;
            if (proto === Object.prototype) {
                return "object";
            }
            if (proto === Array.prototype && Array.isArray(value)) {
                return "array";
            }
            throw delegate;
        }
        default:
            // undefined, functions, symbols, bigints: google-protobuf throws its own error.
            throw delegate;
    }
}

/** The keys google-protobuf puts in a Struct built from `obj` (`for...in`), in its order. */
function structKeys(obj: object): string[] {
    const keys: string[] = [];
    for (const key in obj) {
        if (key === "__proto__") {
            // google-protobuf's map stores entries in a plain object, where this key is special.
            throw delegate;
        }
        keys.push(key);
    }
    return keys.sort();
}

const unpairedSurrogate = /[\uD800-\uDFFF]/;

function checkedNumber(n: number): number {
    if (!Number.isFinite(n) || Object.is(n, -0)) {
        throw delegate;
    }
    return n;
}

// ---------------------------------------------------------------------------------------------
// Encoding: a size pass that records every nested message's length (in visiting order), then a
// write pass into one buffer that reads them back in the same order.

/** How many bytes the varint encoding of `n` (below 2^32) takes. */
export function varintSize(n: number): number {
    return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/**
 * Writes the varint encoding of `n` (below 2^32) at `buf[pos]`, which must have room for it
 * (see {@link varintSize}); returns the position after it.
 */
export function putVarint(buf: Buffer, pos: number, n: number): number {
    let at = pos;
    let v = n;
    while (v > 0x7f) {
        buf[at++] = (v & 0x7f) | 0x80;
        v >>>= 7;
    }
    buf[at++] = v;
    return at;
}

function stringSize(s: string, lengths: number[]): number {
    if (unpairedSurrogate.test(s) && hasUnpairedSurrogate(s)) {
        throw delegate;
    }
    const n = Buffer.byteLength(s, "utf8");
    lengths.push(n);
    return varintSize(n) + n;
}

function hasUnpairedSurrogate(s: string): boolean {
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff) {
            const next = s.charCodeAt(i + 1);
            if (next >= 0xdc00 && next <= 0xdfff) {
                i++;
                continue;
            }
            return true;
        }
        if (c >= 0xdc00 && c <= 0xdfff) {
            return true;
        }
    }
    return false;
}

/** Size of a Value message's body; pushes nested lengths in write order. */
function valueSize(value: unknown, lengths: number[]): number {
    switch (kindOf(value)) {
        case "null":
            return 2; // the tag, then the varint 0
        case "number":
            checkedNumber(value as number);
            return 9; // the tag, then 8 bytes (fixed64)
        case "string":
            return 1 + stringSize(value as string, lengths);
        case "boolean":
            return 2; // the tag, then the varint 0 or 1
        case "array": {
            const slot = lengths.push(0) - 1;
            let n = 0;
            for (const item of value as unknown[]) {
                const slotItem = lengths.push(0) - 1;
                const itemSize = valueSize(item, lengths);
                lengths[slotItem] = itemSize;
                n += 1 + varintSize(itemSize) + itemSize;
            }
            lengths[slot] = n;
            return 1 + varintSize(n) + n;
        }
        case "object": {
            const slot = lengths.push(0) - 1;
            const n = structSize(value as object, lengths);
            lengths[slot] = n;
            return 1 + varintSize(n) + n;
        }
    }
}

/** Size of a Struct message's body: one map entry (key, value) per key. */
function structSize(obj: object, lengths: number[]): number {
    let n = 0;
    for (const key of structKeys(obj)) {
        const slotEntry = lengths.push(0) - 1;
        let entry = 1 + stringSize(key, lengths);
        const slotValue = lengths.push(0) - 1;
        const valueBody = valueSize((obj as Record<string, unknown>)[key], lengths);
        lengths[slotValue] = valueBody;
        entry += 1 + varintSize(valueBody) + valueBody;
        lengths[slotEntry] = entry;
        n += 1 + varintSize(entry) + entry;
    }
    return n;
}

class Writer {
    pos = 0;
    next = 0;
    constructor(
        readonly buf: Buffer,
        readonly lengths: number[],
    ) {}

    byte(b: number): void {
        this.buf[this.pos++] = b;
    }

    varint(n: number): void {
        this.pos = putVarint(this.buf, this.pos, n);
    }

    string(s: string): void {
        const n = this.lengths[this.next++];
        this.varint(n);
        this.pos += this.buf.write(s, this.pos, n, "utf8");
    }

    value(value: unknown): void {
        switch (kindOf(value)) {
            case "null":
                this.byte(nullValue);
                this.byte(0);
                return;
            case "number":
                this.byte(numberValue);
                this.buf.writeDoubleLE(value as number, this.pos);
                this.pos += 8;
                return;
            case "string":
                this.byte(stringValue);
                this.string(value as string);
                return;
            case "boolean":
                this.byte(boolValue);
                this.byte(value === true ? 1 : 0);
                return;
            case "array":
                this.byte(listValue);
                this.varint(this.lengths[this.next++]);
                for (const item of value as unknown[]) {
                    this.byte(listValues);
                    this.varint(this.lengths[this.next++]);
                    this.value(item);
                }
                return;
            case "object":
                this.byte(structValue);
                this.varint(this.lengths[this.next++]);
                this.struct(value as object);
                return;
        }
    }

    struct(obj: object): void {
        for (const key of structKeys(obj)) {
            this.byte(structFields);
            this.varint(this.lengths[this.next++]);
            this.byte(entryKey);
            this.string(key);
            this.byte(entryValue);
            this.varint(this.lengths[this.next++]);
            this.value((obj as Record<string, unknown>)[key]);
        }
    }
}

/** The bytes of `Struct.fromJavaScript(obj).serializeBinary()`. */
export function encodeStruct(obj: object): Uint8Array {
    try {
        const lengths: number[] = [];
        const size = structSize(obj, lengths);
        const writer = new Writer(Buffer.allocUnsafe(size), lengths);
        writer.struct(obj);
        return writer.buf;
    } catch (e) {
        if (e !== delegate) {
            throw e;
        }
        delegated.encode++;
        return Struct.fromJavaScript(obj as never).serializeBinary();
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding the canonical encoding.

class Reader {
    pos: number;
    constructor(
        readonly buf: Buffer,
        start: number,
        readonly end: number,
    ) {
        this.pos = start;
    }

    varint(): number {
        let result = 0;
        let shift = 0;
        for (;;) {
            if (this.pos >= this.end || shift > 28) {
                throw delegate;
            }
            const b = this.buf[this.pos++];
            result += (b & 0x7f) * 2 ** shift;
            if (b < 0x80) {
                return result;
            }
            shift += 7;
        }
    }

    /** The end of a length-delimited field starting here. */
    limit(): number {
        const n = this.varint();
        const end = this.pos + n;
        if (end > this.end) {
            throw delegate;
        }
        return end;
    }

    string(): string {
        const end = this.limit();
        const start = this.pos;
        this.pos = end;
        const s = utf8String(this.buf, start, end);
        if (s === undefined) {
            throw delegate;
        }
        return s;
    }

    value(end: number): WireValue {
        let result: WireValue | undefined;
        let set = false;
        while (this.pos < end) {
            const tag = this.buf[this.pos++];
            switch (tag) {
                case nullValue:
                    this.varint();
                    result = null;
                    break;
                case numberValue:
                    if (this.pos + 8 > end) {
                        throw delegate;
                    }
                    result = this.buf.readDoubleLE(this.pos);
                    this.pos += 8;
                    break;
                case stringValue:
                    result = this.string();
                    break;
                case boolValue:
                    result = this.varint() !== 0;
                    break;
                case structValue: {
                    const inner = this.limit();
                    result = this.struct(inner);
                    break;
                }
                case listValue: {
                    const inner = this.limit();
                    result = this.list(inner);
                    break;
                }
                default:
                    throw delegate;
            }
            if (set) {
                // A second member of the oneof: google-protobuf keeps the last; leave it to it.
                throw delegate;
            }
            set = true;
        }
        if (!set || this.pos !== end) {
            throw delegate;
        }
        return result as WireValue;
    }

    list(end: number): WireValue[] {
        const out: WireValue[] = [];
        while (this.pos < end) {
            if (this.buf[this.pos++] !== listValues) {
                throw delegate;
            }
            const inner = this.limit();
            out.push(this.value(inner));
        }
        if (this.pos !== end) {
            throw delegate;
        }
        return out;
    }

    struct(end: number): WireObject {
        const out: WireObject = {};
        let previous: string | undefined;
        while (this.pos < end) {
            if (this.buf[this.pos++] !== structFields) {
                throw delegate;
            }
            const entryEnd = this.limit();
            if (this.buf[this.pos++] !== entryKey) {
                throw delegate;
            }
            const key = this.string();
            if (key === "__proto__" || this.buf[this.pos++] !== entryValue) {
                throw delegate;
            }
            const valueEnd = this.limit();
            const value = this.value(valueEnd);
            if (this.pos !== entryEnd) {
                throw delegate;
            }
            // google-protobuf orders keys itself; the canonical encoding already has them in that
            // order, anything else is left to it.
            if (previous !== undefined && !(previous < key)) {
                throw delegate;
            }
            previous = key;
            out[key] = value;
        }
        if (this.pos !== end) {
            throw delegate;
        }
        return out;
    }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const isUtf8 = (require("buffer") as { isUtf8(input: Uint8Array): boolean }).isUtf8;

/**
 * The string encoded in `buf[start, end)`, or undefined when those bytes are not valid UTF-8
 * (whose decoding is google-protobuf's own). ASCII, the usual case, is read without validation.
 */
function utf8String(buf: Buffer, start: number, end: number): string | undefined {
    for (let i = start; i < end; i++) {
        if (buf[i] >= 0x80) {
            const slice = buf.subarray(start, end);
            return isUtf8(slice) ? slice.toString("utf8") : undefined;
        }
    }
    return buf.toString("latin1", start, end);
}

/** The value of `Struct.deserializeBinary(bytes).toJavaScript()`. */
export function decodeStruct(bytes: Uint8Array): WireObject {
    const buf = Buffer.isBuffer(bytes)
        ? bytes
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
        const reader = new Reader(buf, 0, buf.length);
        return reader.struct(buf.length);
    } catch (e) {
        if (e !== delegate) {
            throw e;
        }
        delegated.decode++;
        return Struct.deserializeBinary(bytes).toJavaScript() as WireObject;
    }
}

// ---------------------------------------------------------------------------------------------
// Round trip.

function roundTripValue(value: unknown): WireValue {
    switch (kindOf(value)) {
        case "null":
            return null;
        case "number":
            return value as number;
        case "string":
            return value as string;
        case "boolean":
            return value as boolean;
        case "array":
            return (value as unknown[]).map(roundTripValue);
        case "object":
            return roundTripStruct(value as object);
    }
}

function roundTripStruct(obj: object): WireObject {
    const out: WireObject = {};
    for (const key of structKeys(obj)) {
        out[key] = roundTripValue((obj as Record<string, unknown>)[key]);
    }
    return out;
}

/** The value of `Struct.fromJavaScript(obj).toJavaScript()`: a copy, keys sorted. */
export function structRoundTrip(obj: object): WireObject {
    try {
        return roundTripStruct(obj);
    } catch (e) {
        if (e !== delegate) {
            throw e;
        }
        delegated.roundTrip++;
        return Struct.fromJavaScript(obj as never).toJavaScript() as WireObject;
    }
}
