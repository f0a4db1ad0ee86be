import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { PackConfig, PolicyConfigEntry, PolicyInfo } from "./policy-config";
import {
    AnalyzedResource,
    encodedAnalyzeRequest,
    encodedAnalyzeStackRequest,
    packHostScript,
    WireObject,
} from "./protocol";

export type { AnalyzedResource } from "./protocol";

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
 * Which process serves a pack: `check` (tools/check/protocol/pack-host.ts: transpile-only, fast) or
 * `pulumi` (the SDK's run-policy-pack host, exactly what the Pulumi CLI starts).
 */
export type PackHost = "check" | "pulumi";

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
                      packHostScript,
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
