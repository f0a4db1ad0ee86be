import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { PackConfig, PolicyConfigEntry, PolicyInfo } from "./policy-config";
import { encodeStruct, MessageWriter, NotEncodedHere, varintSize, WireObject } from "./wire";
import { codec } from "./codec";

/** Whether requests are built with the generated classes instead (tools/check/codec.ts). */
const generatedCode = codec() === "google-protobuf";

/** Every pack process started, so none outlives the check, whichever way it exits. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
    for (const child of running) {
        child.kill();
    }
});

/** The enforcement levels as the analyzer protocol numbers them. */
const levelNames: Record<number, string> = {
    [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
    [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
};
const levelNumbers: Record<string, analyzerpb.EnforcementLevel> = {
    advisory: analyzerpb.EnforcementLevel.ADVISORY,
    mandatory: analyzerpb.EnforcementLevel.MANDATORY,
    disabled: analyzerpb.EnforcementLevel.DISABLED,
    remediate: analyzerpb.EnforcementLevel.REMEDIATE,
};

/**
 * Which process serves a pack: `check` (tools/check/pack-host.ts: transpile-only, fast) or
 * `pulumi` (the SDK's run-policy-pack host, exactly what the Pulumi CLI starts).
 */
export type PackHost = "check" | "pulumi";

/** A resource as the engine presents it to an analyzer. */
export interface AnalyzedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /**
     * The inputs as the engine serializes them (`Struct.toJavaScript()` of the request's
     * properties: secrets stay wrapped as secret values). Encoded by `wire.ts`.
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

/** One diagnostic a pack returned. */
export interface Diagnostic {
    readonly pack: string;
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly message: string;
    /** The URN of the resource, empty for a stack-level diagnostic without one. */
    readonly urn: string;
}

/** One remediation a pack applied (or could not apply) to a resource. */
export interface Remediation {
    readonly pack: string;
    readonly policy: string;
    readonly urn: string;
    /** True when the policy returned new properties. */
    readonly changed: boolean;
    /** Set when the remediation could not run (e.g. unknown values). */
    readonly diagnostic: string;
}

/** What GetAnalyzerInfo answered. */
export interface AnalyzerInfo {
    readonly name: string;
    readonly version: string;
    readonly policies: PolicyInfo[];
    readonly initialConfig: PackConfig;
}

/** The stack the analysis is for (sent with ConfigureStack, as the CLI does). */
export interface StackIdentity {
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    readonly dryRun: boolean;
}

function call<Req, Res>(
    fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => unknown,
    req: Req,
): Promise<Res> {
    return new Promise((resolve, reject) => {
        fn(req, (err, res) => (err ? reject(err) : resolve(res)));
    });
}

/**
 * A policy pack served as an analyzer plugin: its real entry point (`index.ts` constructing
 * `new PolicyPack`) started by the Pulumi SDK's policy-pack host, in the pack's directory, and driven
 * over the analyzer gRPC protocol the way `pulumi preview --policy-pack` drives it.
 */
export class PolicyPackPlugin {
    private constructor(
        readonly directory: string,
        private readonly child: ChildProcess,
        private readonly client: analyzerrpc.AnalyzerClient,
        private readonly stderr: () => string,
    ) {}

    /** Starts the pack's plugin process and connects to it. */
    static async start(
        projectDir: string,
        packDir: string,
        host: PackHost = "check",
    ): Promise<PolicyPackPlugin> {
        // The host's first argument is the engine address, used only for logging; the check has no
        // engine, so diagnostics the pack logs go to its stderr, which is reported on failure.
        const args =
            host === "pulumi"
                ? [
                      path.join(
                          projectDir,
                          "node_modules",
                          "@pulumi",
                          "pulumi",
                          "cmd",
                          "run-policy-pack",
                      ),
                      "127.0.0.1:0",
                      ".",
                  ]
                : [
                      "-r",
                      path.join(__dirname, "..", "ts-register.js"),
                      path.join(__dirname, "pack-host.ts"),
                      "127.0.0.1:0",
                      ".",
                  ];
        const child = spawn(process.execPath, args, {
            cwd: packDir,
            stdio: ["ignore", "pipe", "pipe"],
        });
        running.add(child);
        child.on("exit", () => running.delete(child));
        let stderr = "";
        child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
        const port = await new Promise<number>((resolve, reject) => {
            let out = "";
            const onData = (d: Buffer): void => {
                out += d.toString();
                const line = out.split("\n")[0];
                if (out.includes("\n") && /^\d+$/.test(line.trim())) {
                    child.stdout?.off("data", onData);
                    resolve(Number(line.trim()));
                }
            };
            child.stdout?.on("data", onData);
            child.on("exit", (code) =>
                reject(
                    new Error(
                        `policy pack ${path.basename(packDir)} exited (code ${code}) before serving:\n${stderr}${out}`,
                    ),
                ),
            );
        });
        const client = new analyzerrpc.AnalyzerClient(
            `127.0.0.1:${port}`,
            grpc.credentials.createInsecure(),
            { "grpc.max_receive_message_length": 400 * 1024 * 1024 },
        );
        return new PolicyPackPlugin(packDir, child, client, () => stderr);
    }

    /** GetAnalyzerInfo: the pack's name, version, policies and their config schemas. */
    async info(): Promise<AnalyzerInfo> {
        const res = await call<Empty, analyzerpb.AnalyzerInfo>(
            this.client.getAnalyzerInfo.bind(this.client),
            new Empty(),
        );
        const policies: PolicyInfo[] = res.getPoliciesList().map((p) => {
            const schema = p.getConfigschema();
            return {
                name: p.getName(),
                description: p.getDescription(),
                enforcementLevel: levelNames[p.getEnforcementlevel()] ?? "advisory",
                configSchema:
                    schema !== undefined
                        ? {
                              properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<
                                  string,
                                  Record<string, unknown>
                              >,
                              required: schema.getRequiredList(),
                          }
                        : undefined,
            };
        });
        const initialConfig: PackConfig = {};
        res.getInitialconfigMap().forEach((v, k) => {
            initialConfig[k] = {
                enforcementLevel: levelNames[v.getEnforcementlevel()],
                properties: (v.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
            };
        });
        return { name: res.getName(), version: res.getVersion(), policies, initialConfig };
    }

    /** ConfigureStack: tells the pack which stack it analyzes (stack tags stay empty offline). */
    async configureStack(id: StackIdentity): Promise<void> {
        const req = new analyzerpb.AnalyzerStackConfigureRequest();
        req.setStack(id.stack);
        req.setProject(id.project);
        req.setOrganization(id.organization);
        req.setDryRun(id.dryRun);
        try {
            await call(this.client.configureStack.bind(this.client), req);
        } catch (e) {
            // Older packs do not implement ConfigureStack; the CLI tolerates that too.
            if ((e as grpc.ServiceError).code !== grpc.status.UNIMPLEMENTED) {
                throw e;
            }
        }
    }

    /** Configure: the reconciled pack config, as `--policy-pack-config` would send it. */
    async configure(config: PackConfig): Promise<void> {
        const req = new analyzerpb.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const [name, c] of Object.entries(config) as [string, PolicyConfigEntry][]) {
            const pc = new analyzerpb.PolicyConfig();
            const level =
                c.enforcementLevel !== undefined ? levelNumbers[c.enforcementLevel] : undefined;
            if (level !== undefined) {
                pc.setEnforcementlevel(level);
            }
            pc.setProperties(Struct.fromJavaScript((c.properties ?? {}) as never));
            map.set(name, pc);
        }
        await call(this.client.configure.bind(this.client), req);
    }

    /** Analyze: one resource's inputs and options. */
    async analyze(pack: string, r: AnalyzedResource): Promise<Diagnostic[]> {
        const res = await this.unary(
            "Analyze",
            encodedAnalyzeRequest(r),
            analyzerpb.AnalyzeResponse.deserializeBinary,
        );
        return diagnostics(pack, res.getDiagnosticsList(), r.urn);
    }

    /**
     * Remediate: the engine calls it for every resource before Analyze; policies at level
     * `remediate` may return new properties, which replace the resource's inputs from then on.
     */
    async remediate(
        pack: string,
        r: AnalyzedResource,
    ): Promise<{ properties?: WireObject; remediations: Remediation[] }> {
        const res = await this.unary(
            "Remediate",
            encodedAnalyzeRequest(r),
            analyzerpb.RemediateResponse.deserializeBinary,
        );
        let properties: WireObject | undefined;
        const remediations: Remediation[] = res.getRemediationsList().map((x) => {
            const props = x.getProperties();
            if (props !== undefined) {
                properties = props.toJavaScript() as WireObject;
            }
            return {
                pack,
                policy: x.getPolicyname(),
                urn: r.urn,
                changed: props !== undefined,
                diagnostic: x.getDiagnostic(),
            };
        });
        return { ...(properties !== undefined ? { properties } : {}), remediations };
    }

    /** AnalyzeStack: every resource at once, with parents and dependencies. */
    async analyzeStack(
        pack: string,
        resources: readonly AnalyzedResource[],
    ): Promise<Diagnostic[]> {
        return this.analyzeStackEncoded(pack, encodedAnalyzeStackRequest(resources));
    }

    /** AnalyzeStack with a request already encoded (once for every pack). */
    async analyzeStackEncoded(pack: string, request: Uint8Array): Promise<Diagnostic[]> {
        const res = await this.unary(
            "AnalyzeStack",
            request,
            analyzerpb.AnalyzeResponse.deserializeBinary,
        );
        return diagnostics(pack, res.getDiagnosticsList(), "");
    }

    /**
     * One unary call with a request that is already encoded: the same bytes serve every pack (and
     * Remediate and Analyze alike), so each resource's properties are encoded once per run.
     */
    private unary<Res>(
        method: "Analyze" | "Remediate" | "AnalyzeStack",
        request: Uint8Array,
        decode: (bytes: Uint8Array) => Res,
    ): Promise<Res> {
        return new Promise((resolve, reject) => {
            this.client.makeUnaryRequest<Uint8Array, Res>(
                `/pulumirpc.Analyzer/${method}`,
                (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
                (buf: Buffer) => decode(buf),
                request,
                (err, res) => (err ? reject(err) : resolve(res as Res)),
            );
        });
    }

    /** Stops the plugin process. */
    close(): void {
        this.client.close();
        this.child.kill();
    }

    /**
     * CPU seconds (user + system) the pack process has used so far (Linux /proc, at the usual
     * 100 clock ticks per second), 0 where unavailable.
     */
    cpuSeconds(): number {
        try {
            const stat = fs.readFileSync(`/proc/${this.child.pid ?? 0}/stat`, "utf8");
            // Fields after the command name (which may contain spaces) start at ")".
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            return (Number(fields[11]) + Number(fields[12])) / 100;
        } catch {
            return 0;
        }
    }

    /** Peak resident memory of the pack process in KiB (Linux /proc), 0 where unavailable. */
    peakRssKb(): number {
        try {
            const status = fs.readFileSync(`/proc/${this.child.pid ?? 0}/status`, "utf8");
            const m = /VmHWM:\s+(\d+) kB/.exec(status);
            return m !== null ? Number(m[1]) : 0;
        } catch {
            return 0;
        }
    }

    /** What the pack wrote to stderr, for error reports. */
    logs(): string {
        return this.stderr();
    }
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

/**
 * `head` (a message's encoding without its properties) followed by field `field` carrying
 * `properties`, as the body of a field `outer` of the enclosing message when one is given.
 * Protocol buffers parse fields in any order, so this is the same message as one encoded with
 * the properties in place.
 */
function withProperties(
    w: MessageWriter,
    head: Uint8Array,
    field: number,
    properties: Uint8Array,
    outer?: number,
): MessageWriter {
    if (outer !== undefined) {
        const length = head.length + 1 + varintSize(properties.length) + properties.length;
        w.lengthDelimited(outer, length);
    }
    return w.raw(head).lengthDelimited(field, properties.length).raw(properties);
}

/**
 * The AnalyzerResourceOptions the engine sends for a resource, as google-protobuf's generated
 * code writes it (fields 1 protect, 2 ignoreChanges, 3 deleteBeforeReplace, 4
 * deleteBeforeReplaceDefined, 5 additionalSecretOutputs, 8 parent; aliases and timeouts are not
 * sent offline).
 */
function optionsBytes(r: AnalyzedResource): Buffer {
    return new MessageWriter()
        .bool(1, r.protect === true)
        .strings(2, r.ignoreChanges ?? [])
        .bool(3, r.deleteBeforeReplace === true)
        .bool(4, r.deleteBeforeReplace !== undefined)
        .strings(5, r.additionalSecretOutputs ?? [])
        .optionalString(8, r.parent ?? "")
        .bytes();
}

/**
 * `write()`, or the generated code's encoding `sdk()` when MessageWriter leaves a value to
 * google-protobuf (see NotEncodedHere).
 */
function directly(write: () => Uint8Array, sdk: () => Uint8Array): Uint8Array {
    try {
        return write();
    } catch (e) {
        if (!(e instanceof NotEncodedHere)) {
            throw e;
        }
        return sdk();
    }
}

/** The fields AnalyzeRequest and AnalyzerResource share: 1 type, 3 urn, 4 name, 5 options. */
function commonFields(r: AnalyzedResource): MessageWriter {
    return new MessageWriter()
        .optionalString(1, r.type)
        .optionalString(3, r.urn)
        .optionalString(4, r.name)
        .message(5, optionsBytes(r));
}

/**
 * An AnalyzeRequest without its properties, written directly: building it with the generated
 * classes was a large part of the check's own time on big stacks. {@link sdkRequestHead} is the
 * generated code's encoding, which the tests compare byte for byte and which is used for what
 * MessageWriter leaves to google-protobuf.
 */
export function requestHead(r: AnalyzedResource): Uint8Array {
    return directly(
        () => commonFields(r).bytes(),
        () => sdkRequestHead(r),
    );
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

/** {@link requestHead} as the generated code encodes it. */
export function sdkRequestHead(r: AnalyzedResource): Uint8Array {
    return setCommonFields(new analyzerpb.AnalyzeRequest(), r).serializeBinary();
}

/**
 * An AnalyzerResource without its properties: the common fields, then 7 parent, 8 dependencies
 * and 9 propertyDependencies (a map written with its keys sorted, each entry a key (1) and an
 * AnalyzerPropertyDependencies (2) whose field 1 lists the URNs).
 */
export function resourceHead(r: AnalyzedResource): Uint8Array {
    return directly(
        () => {
            const w = commonFields(r)
                .optionalString(7, r.parent ?? "")
                .strings(8, r.dependencies ?? []);
            const deps = r.propertyDependencies ?? {};
            const keys = Object.keys(deps);
            if (keys.includes("__proto__")) {
                throw new NotEncodedHere("a property named __proto__");
            }
            for (const key of keys.sort()) {
                const value = new MessageWriter().strings(1, deps[key]).bytes();
                w.message(9, new MessageWriter().string(1, key).message(2, value).bytes());
            }
            return w.bytes();
        },
        () => sdkResourceHead(r),
    );
}

/** {@link resourceHead} as the generated code encodes it. */
export function sdkResourceHead(r: AnalyzedResource): Uint8Array {
    const ar = setCommonFields(new analyzerpb.AnalyzerResource(), r);
    ar.setParent(r.parent ?? "");
    ar.setDependenciesList([...(r.dependencies ?? [])]);
    const deps = ar.getPropertydependenciesMap();
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const pd = new analyzerpb.AnalyzerPropertyDependencies();
        pd.setUrnsList([...urns]);
        deps.set(k, pd);
    }
    return ar.serializeBinary();
}

/** The AnalyzeRequest Remediate and Analyze both take for one resource, encoded once. */
export function encodedAnalyzeRequest(r: AnalyzedResource): Uint8Array {
    let bytes = encodedRequests.get(r);
    if (bytes === undefined && generatedCode) {
        const request = setCommonFields(new analyzerpb.AnalyzeRequest(), r);
        request.setProperties(Struct.fromJavaScript(r.properties as never));
        bytes = request.serializeBinary();
        encodedRequests.set(r, bytes);
    }
    if (bytes === undefined) {
        // AnalyzeRequest.properties is field 2.
        bytes = withProperties(
            new MessageWriter(),
            requestHead(r),
            2,
            propertiesBytes(r.properties),
        ).bytes();
        encodedRequests.set(r, bytes);
    }
    return bytes;
}

/**
 * One resource's entry in an AnalyzeStackRequest: field 1 (`resources`) carrying its
 * AnalyzerResource, whose properties are field 2. A request is the concatenation of its entries.
 */
export function analyzeStackEntry(r: AnalyzedResource): Buffer {
    if (generatedCode) {
        const request = new analyzerpb.AnalyzeStackRequest();
        const resource = setCommonFields(new analyzerpb.AnalyzerResource(), r);
        resource.setParent(r.parent ?? "");
        resource.setDependenciesList([...(r.dependencies ?? [])]);
        const deps = resource.getPropertydependenciesMap();
        for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
            const pd = new analyzerpb.AnalyzerPropertyDependencies();
            pd.setUrnsList([...urns]);
            deps.set(k, pd);
        }
        resource.setProperties(Struct.fromJavaScript(r.properties as never));
        request.setResourcesList([resource]);
        return Buffer.from(request.serializeBinary());
    }
    const head = resourceHead(r);
    const properties = propertiesBytes(r.properties);
    const body = head.length + 1 + varintSize(properties.length) + properties.length;
    return withProperties(
        new MessageWriter(1 + varintSize(body) + body),
        head,
        2,
        properties,
        1,
    ).bytes();
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

function diagnostics(
    pack: string,
    list: analyzerpb.AnalyzeDiagnostic[],
    fallbackUrn: string,
): Diagnostic[] {
    return list.map((d) => ({
        pack,
        policy: d.getPolicyname(),
        enforcementLevel: levelNames[d.getEnforcementlevel()] ?? "advisory",
        message: d.getMessage(),
        urn: d.getUrn() !== "" ? d.getUrn() : fallbackUrn,
    }));
}
