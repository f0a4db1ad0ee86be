/**
 * The Analyze, Remediate and AnalyzeStack requests the check sends to every pack.
 *
 * Each resource's request is encoded once and the same bytes go to every pack (and to Remediate
 * and Analyze alike). Everything but the properties is written by the generated classes; the
 * properties, most of a request's bytes, are encoded by `struct.ts` once per value and spliced in
 * after the other fields, which protocol buffers allow (a message's fields may come in any order;
 * the generated code would have written them second). test/tools/analyzer-encoding.spec.ts
 * decodes what is sent and compares it with the message the generated code builds field by field.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { codec } from "./codec";
import * as fields from "./fields";
import { encodeStruct, putVarint, varintSize, WireObject } from "./struct";

/** Whether requests are built with the generated classes alone (codec.ts). */
const generatedCode = codec() === "google-protobuf";

/** A resource as the engine presents it to an analyzer. */
export interface AnalyzedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /**
     * The inputs as the engine serializes them (`Struct.toJavaScript()` of the request's
     * properties: secrets stay wrapped as secret values). Encoded by `struct.ts`.
     */
    readonly properties: WireObject;
    readonly parent?: string;
    readonly dependencies?: readonly string[];
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly protect?: boolean;
    readonly ignoreChanges?: readonly string[];
    readonly additionalSecretOutputs?: readonly string[];
    readonly deleteBeforeReplace?: boolean;
}

/** Encoded properties per value, and encoded requests per resource object (remediation replaces both). */
const encodedProperties = new WeakMap<WireObject, Uint8Array>();
const encodedRequests = new WeakMap<AnalyzedResource, Uint8Array>();
const encodedStackRequests = new WeakMap<readonly AnalyzedResource[], Uint8Array>();

function propertiesBytes(properties: WireObject): Uint8Array {
    let bytes = encodedProperties.get(properties);
    if (bytes === undefined) {
        bytes = encodeStruct(properties);
        encodedProperties.set(properties, bytes);
    }
    return bytes;
}

/** The bytes a length-delimited field of `length` bytes takes, its tag and length included. */
function fieldSize(length: number): number {
    return 1 + varintSize(length) + length;
}

/** Writes the tag of `field` and the varint `length` at `buf[pos]`; returns the position after. */
function putKey(buf: Buffer, pos: number, field: fields.FieldSpec, length: number): number {
    buf[pos] = field.tag;
    return putVarint(buf, pos + 1, length);
}

/** Sets the fields AnalyzeRequest and AnalyzerResource share, with the generated setters. */
function setCommonFields<M extends analyzerpb.AnalyzeRequest | analyzerpb.AnalyzerResource>(
    message: M,
    r: AnalyzedResource,
): M {
    message.setType(r.type);
    message.setName(r.name);
    message.setUrn(r.urn);
    message.setOptions(options(r));
    return message;
}

/**
 * The AnalyzerResourceOptions the engine sends for a resource (aliases and custom timeouts are
 * not sent offline).
 */
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

/** The AnalyzerResource of `r` without its properties. */
function analyzerResource(r: AnalyzedResource): analyzerpb.AnalyzerResource {
    const resource = setCommonFields(new analyzerpb.AnalyzerResource(), r);
    resource.setParent(r.parent ?? "");
    resource.setDependenciesList([...(r.dependencies ?? [])]);
    const deps = resource.getPropertydependenciesMap();
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const pd = new analyzerpb.AnalyzerPropertyDependencies();
        pd.setUrnsList([...urns]);
        deps.set(k, pd);
    }
    return resource;
}

/** The AnalyzeRequest Remediate and Analyze both take for one resource, encoded once. */
export function encodedAnalyzeRequest(r: AnalyzedResource): Uint8Array {
    let bytes = encodedRequests.get(r);
    if (bytes === undefined) {
        const request = setCommonFields(new analyzerpb.AnalyzeRequest(), r);
        if (generatedCode) {
            request.setProperties(Struct.fromJavaScript(r.properties as never));
            bytes = request.serializeBinary();
        } else {
            const head = request.serializeBinary();
            const properties = propertiesBytes(r.properties);
            const buf = Buffer.allocUnsafe(head.length + fieldSize(properties.length));
            buf.set(head, 0);
            const at = putKey(
                buf,
                head.length,
                fields.AnalyzeRequest.properties,
                properties.length,
            );
            buf.set(properties, at);
            bytes = buf;
        }
        encodedRequests.set(r, bytes);
    }
    return bytes;
}

/**
 * One resource's entry in an AnalyzeStackRequest: its `resources` field carrying the
 * AnalyzerResource with its properties. A request is the concatenation of its entries.
 */
export function analyzeStackEntry(r: AnalyzedResource): Buffer {
    const resource = analyzerResource(r);
    if (generatedCode) {
        const request = new analyzerpb.AnalyzeStackRequest();
        resource.setProperties(Struct.fromJavaScript(r.properties as never));
        request.setResourcesList([resource]);
        return Buffer.from(request.serializeBinary());
    }
    const head = resource.serializeBinary();
    const properties = propertiesBytes(r.properties);
    const body = head.length + fieldSize(properties.length);
    const buf = Buffer.allocUnsafe(fieldSize(body));
    let at = putKey(buf, 0, fields.AnalyzeStackRequest.resources, body);
    buf.set(head, at);
    at = putKey(buf, at + head.length, fields.AnalyzerResource.properties, properties.length);
    buf.set(properties, at);
    return buf;
}

/** The AnalyzeStackRequest for a list of resources, encoded once for every pack. */
export function encodedAnalyzeStackRequest(resources: readonly AnalyzedResource[]): Uint8Array {
    let bytes = encodedStackRequests.get(resources);
    if (bytes === undefined) {
        const builder = new AnalyzeStackRequestBuilder();
        for (const r of resources) {
            builder.add(r);
        }
        bytes = builder.take();
        encodedStackRequests.set(resources, bytes);
    }
    return bytes;
}

/** Bytes per block of an {@link AnalyzeStackRequestBuilder}. */
const stackBlockSize = 8 * 1024 * 1024;

/**
 * An AnalyzeStackRequest built one resource at a time, in the order the resources are added, so
 * that the check can drop each resource once it is judged instead of holding the whole stack
 * until AnalyzeStack: only the encoded request is kept, in blocks of a few megabytes.
 */
export class AnalyzeStackRequestBuilder {
    private blocks: Buffer[] = [];
    private block = Buffer.allocUnsafe(0);
    private used = 0;
    private total = 0;

    /** Appends one resource's entry (with the properties it has now). */
    add(r: AnalyzedResource): void {
        const entry = analyzeStackEntry(r);
        if (this.used + entry.length > this.block.length) {
            if (this.used > 0) {
                this.blocks.push(this.block.subarray(0, this.used));
            }
            this.block = Buffer.allocUnsafe(Math.max(stackBlockSize, entry.length));
            this.used = 0;
        }
        entry.copy(this.block, this.used);
        this.used += entry.length;
        this.total += entry.length;
    }

    /** The bytes appended so far. */
    get size(): number {
        return this.total;
    }

    /** The whole request, once; the builder is empty afterwards. */
    take(): Buffer {
        const parts = [...this.blocks, this.block.subarray(0, this.used)];
        const bytes = Buffer.concat(parts, this.total);
        this.blocks = [];
        this.block = Buffer.allocUnsafe(0);
        this.used = 0;
        this.total = 0;
        return bytes;
    }
}
