import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    answerRegistration,
    disconnect,
    installMonitor,
    MockMonitor,
    RegisterRequest,
} from "./engine";
import { StandIn, standInFor, StandInValues } from "./standins";
import { StackConfig } from "./stack-config";
import { WireObject } from "./protocol";

/** One resource the program registered, with everything a policy or the report needs. */
export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string;
    readonly custom: boolean;
    readonly dependencies: readonly string[];
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly ignoreChanges: readonly string[];
    readonly additionalSecretOutputs: readonly string[];
    readonly deleteBeforeReplace: boolean;
    readonly provider: string;
    /**
     * A remote component (`remote: true`, e.g. `kubernetes:helm.sh/v4:Chart`): the engine hands
     * it to the provider's Construct, which registers it with no inputs, so the packs see it with
     * empty properties; `properties` keeps the program's inputs for the check's own use.
     */
    readonly remote: boolean;
    /**
     * The inputs as serialized for the engine (`Struct.toJavaScript()` of the request's object:
     * secrets stay wrapped as secret values).
     */
    readonly properties: WireObject;
}

/** What running the program produced. */
export interface ProgramRun {
    /**
     * Every registration, when runProgram was given no `onResource`; empty otherwise (the caller
     * sees each one as it arrives and the run holds none, so a large stack is not held twice).
     */
    readonly resources: RecordedResource[];
    /** How many resources the program registered. */
    readonly registered: number;
    readonly outputs: Record<string, unknown>;
    /** Output names whose value is a secret. */
    readonly secretOutputs: string[];
    readonly standIns: StandIn[];
    /** The values each stand-in made up, to find them in written files; never written. */
    readonly standInValues: StandInValues[];
}

/** Registrations answered per turn of the event loop (see RecordingMonitor.turn). */
const registrationsPerTurn = 16;

class RecordingMonitor extends MockMonitor {
    readonly recorded: RecordedResource[] = [];
    registered = 0;
    /**
     * Called with each registration as it arrives (the check starts judging it at once). Without
     * it every registration is kept in `recorded`.
     */
    onResource: ((r: RecordedResource) => void) | undefined;
    /**
     * Asked before each turn's registrations are answered; while it returns a promise, answers
     * wait for it (see runProgram's `holdBack`).
     */
    holdBack: (() => Promise<void> | undefined) | undefined;
    private readonly waiting: (() => void)[] = [];
    private pumping = false;

    /**
     * Waits for this registration's turn. The mock answers in-process, so a program would
     * otherwise run to its end in one stretch of promise callbacks (a component declares its
     * children synchronously, so thousands of registrations are pending at once) and the packs'
     * answers (I/O) would wait for all of it. Answering a few registrations per turn of the event
     * loop, as a real engine's gRPC answers arrive, lets the packs work while the program goes on.
     */
    private turn(): Promise<void> {
        return new Promise<void>((resolve) => {
            this.waiting.push(resolve);
            if (!this.pumping) {
                this.pumping = true;
                setImmediate(() => this.pump());
            }
        });
    }

    private pump(): void {
        const held = this.holdBack?.();
        if (held !== undefined) {
            void held.then(() => setImmediate(() => this.pump()));
            return;
        }
        for (const resolve of this.waiting.splice(0, registrationsPerTurn)) {
            resolve();
        }
        if (this.waiting.length > 0) {
            setImmediate(() => this.pump());
        } else {
            this.pumping = false;
        }
    }

    override async registerResource(
        req: RegisterRequest,
        callback: (err: unknown, res: unknown) => void,
    ): Promise<void> {
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((value, key) => {
            propertyDependencies[key] = value.getUrnsList();
        });
        const record: RecordedResource = {
            urn: this.newUrn(req.getParent(), req.getType(), req.getName()),
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent(),
            custom: req.getCustom(),
            dependencies: req.getDependenciesList(),
            propertyDependencies,
            protect: req.getProtect() === true,
            retainOnDelete: req.getRetainondelete?.() === true,
            ignoreChanges: req.getIgnorechangesList(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            provider: req.getProvider(),
            remote: req.getRemote() === true,
            properties: (req.getObject()?.toJavaScript() ?? {}) as WireObject,
        };
        this.registered++;
        if (this.onResource === undefined) {
            this.recorded.push(record);
        } else {
            this.onResource(record);
        }
        await this.turn();
        return answerRegistration(this, req, record.urn, record.properties, callback);
    }
}

/**
 * Runs the Pulumi program in `projectDir` for one stack under an in-process engine: the stack's
 * config is installed as the CLI would install it, every registration is recorded, and providers
 * are answered by stand-ins. The program is loaded with `require`, so this runs once per process.
 * `onResource` sees each registration as the engine would (the engine analyzes a resource when it
 * is registered, while the program goes on). Given `onResource`, the run keeps no registration
 * itself. Given `holdBack`, registrations are answered only while it returns undefined: the
 * program, whose tenants are registered in bounded batches, then waits for the caller (the check
 * holds it while the packs are behind, so what waits for them stays bounded).
 */
export async function runProgram(
    projectDir: string,
    project: string,
    stack: string,
    config: StackConfig,
    onResource?: (r: RecordedResource) => void,
    holdBack?: () => Promise<void> | undefined,
): Promise<ProgramRun> {
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    const standIns: StandIn[] = [];
    const standInValues: StandInValues[] = [];
    const monitor = new RecordingMonitor({
        newResource: (args) => {
            const result = standInFor(args.type, args.inputs as Record<string, unknown>);
            if (result.standIn !== undefined) {
                const standIn = { type: args.type, name: args.name, what: result.standIn };
                standIns.push(standIn);
                standInValues.push({ standIn, values: result.values ?? [] });
            }
            return { id: `${args.name}-id`, state: result.state };
        },
        call: (args) => ({ ...(args.inputs as Record<string, unknown>) }),
    });
    monitor.onResource = onResource;
    monitor.holdBack = holdBack;
    installMonitor(monitor, project, stack);

    const entry = path.join(projectDir, "index.ts");
    const exported = await pulumi.runtime.runInPulumiStack(async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(entry) as unknown;
        // A program that exports a function is called and awaited, as the language host does.
        return typeof program === "function" ? await (program as () => unknown)() : program;
    });
    // The stack's outputs resolve before every registration has reached the monitor; draining the
    // RPC queue (as the language host does before it exits) makes the record complete.
    await disconnect();
    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(exported ?? {})) {
        const { value: resolved, secret } = await resolveDeep(value);
        outputs[key] = resolved;
        if (secret) {
            secretOutputs.push(key);
        }
    }
    return {
        resources: monitor.recorded,
        registered: monitor.registered,
        outputs,
        secretOutputs,
        standIns,
        standInValues,
    };
}

/** Resolves Outputs nested anywhere in a value, reporting whether any part was secret. */
async function resolveDeep(value: unknown): Promise<{ value: unknown; secret: boolean }> {
    if (pulumi.Output.isInstance(value)) {
        const output = value as pulumi.Output<unknown> & {
            promise(): Promise<unknown>;
            isSecret: Promise<boolean>;
        };
        const [inner, secret] = await Promise.all([output.promise(), output.isSecret]);
        const r = await resolveDeep(inner);
        return { value: r.value, secret: secret || r.secret };
    }
    if (value instanceof Promise) {
        return resolveDeep(await value);
    }
    if (Array.isArray(value)) {
        let secret = false;
        const out: unknown[] = [];
        for (const v of value) {
            const r = await resolveDeep(v);
            secret ||= r.secret;
            out.push(r.value);
        }
        return { value: out, secret };
    }
    if (typeof value === "object" && value !== null && !pulumi.Resource.isInstance(value)) {
        let secret = false;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
            const r = await resolveDeep(v);
            secret ||= r.secret;
            out[k] = r.value;
        }
        return { value: out, secret };
    }
    return { value, secret: false };
}
