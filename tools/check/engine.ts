/**
 * The Pulumi SDK's in-process engine, as the offline check and the component tests use it.
 * `pulumi.runtime.setMocks` does not let a caller see the full registration request (parent,
 * dependencies, protect...), so both install a monitor of their own, built on the SDK's mock
 * monitor, the same way `setMocks` installs its own. The SDK modules used here are not part of its
 * typed public surface, so their shapes are declared here, once.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { registrationObject, WireObject } from "./protocol";

/** The parts of the SDK's RegisterResourceRequest the recorders read. */
export interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    /** True for a remote component (its provider's Construct registers it, with no inputs). */
    getRemote(): boolean;
    getObject(): Struct | undefined;
    getDependenciesList(): string[];
    getProtect(): boolean;
    getRetainondelete?(): boolean;
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getDeletebeforereplace(): boolean;
    getProvider(): string;
    getImportid(): string;
    getPropertydependenciesMap(): {
        forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void;
    };
}

/** A registration as the SDK's mock monitor keeps it. */
interface RegisteredResource {
    urn: string;
    id: string | null;
    state: unknown;
}

/** The SDK's mock monitor: answers registrations with the given mocks. */
export interface MockMonitorLike {
    readonly mocks: pulumi.runtime.Mocks;
    readonly resources: Map<string, RegisteredResource>;
    registerResource(
        req: RegisterRequest,
        callback: (err: unknown, res: unknown) => void,
    ): Promise<void>;
    newUrn(parent: string, type: string, name: string): string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mocksModule = require("@pulumi/pulumi/runtime/mocks") as {
    MockMonitor: new (mocks: pulumi.runtime.Mocks) => MockMonitorLike;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settingsModule = require("@pulumi/pulumi/runtime/settings") as {
    setMockOptions(monitor: unknown, project: string, stack: string, preview: boolean): void;
    waitForRPCs(): Promise<void>;
    disconnect(): Promise<void>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stateModule = require("@pulumi/pulumi/runtime/state") as {
    getStore(): Record<string, unknown>;
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rpcModule = require("@pulumi/pulumi/runtime/rpc") as {
    serializeProperties(label: string, props: unknown): Promise<Record<string, unknown>>;
    deserializeProperties(struct: { toJavaScript(): unknown }): Record<string, unknown>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const resourcePb = require("@pulumi/pulumi/proto/resource_pb") as {
    RegisterResourceResponse: new () => {
        setUrn(urn: string): void;
        setId(id: string): void;
        setObject(object: Struct): void;
    };
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggableModule = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
};

/** The SDK's mock monitor class, to extend with a recorder. */
export const MockMonitor = mocksModule.MockMonitor;

/**
 * Installs `monitor` as the engine of this process, with the feature switches `setMocks` sets
 * (secrets and resource references on; output values and transforms off, so what is recorded is
 * what the program asked for, before any stack transform would rewrite it).
 */
export function installMonitor(monitor: MockMonitorLike, project: string, stack: string): void {
    skipSourceBookkeeping();
    settingsModule.setMockOptions(monitor, project, stack, false);
    Object.assign(stateModule.getStore(), {
        supportsSecrets: true,
        supportsResourceReferences: true,
        supportsOutputValues: false,
        supportsDeletedWith: true,
        supportsAliasSpecs: true,
        supportsTransforms: false,
    });
}

/** Resolves once every registration started so far has completed (the RPC queue is empty). */
export function waitForRPCs(): Promise<void> {
    return settingsModule.waitForRPCs();
}

/** Drains the RPC queue and disconnects, as the language host does before it exits. */
export function disconnect(): Promise<void> {
    return settingsModule.disconnect();
}

/** What the SDK's `debuggablePromise` becomes under the in-process engine: the promise itself. */
function passThrough<T>(p: Promise<T>): Promise<T> {
    return p;
}

/** What `Resource.callsites` becomes: no frames, so no source position is computed. */
function noCallsites(): unknown[] {
    return [];
}

/**
 * Turns off two things the SDK does for every resource and promise only to help a human at a
 * real engine: it captures and formats a stack trace for every promise it creates (for its
 * "leaked promise" report at exit), and a full stack for every resource (the source position the
 * engine shows in diagnostics). Neither reaches a policy pack: AnalyzeRequest carries no source
 * position. Formatting those stacks was about a fifth of the program phase. The SDK calls both
 * through their module objects, so replacing the functions takes effect everywhere;
 * {@link sdkBookkeepingSkipped} lets a test notice an SDK upgrade that moves them.
 */
function skipSourceBookkeeping(): void {
    debuggableModule.debuggablePromise = passThrough;
    (pulumi.Resource as unknown as { callsites(): unknown[] }).callsites = noCallsites;
}

/** Whether the SDK bookkeeping the in-process engine skips is skipped (for a test). */
export function sdkBookkeepingSkipped(): boolean {
    const resource = pulumi.Resource as unknown as { callsites(): unknown[] };
    return debuggableModule.debuggablePromise === passThrough && resource.callsites === noCallsites;
}

/**
 * Answers a registration exactly as the SDK's `MockMonitor.registerResource` does, without its
 * two google-protobuf conversions: the mocks see the inputs deserialized from `inputs` (the
 * request's properties, already converted by the caller), and the program reads back
 * `Struct.fromJavaScript(state).toJavaScript()` computed directly (`registrationObject`). Both
 * conversions were a large part of the program phase on large stacks. test/tools/engine.spec.ts
 * compares the answers with the SDK's own.
 */
export async function answerRegistration(
    monitor: MockMonitorLike,
    req: RegisterRequest,
    urn: string,
    inputs: WireObject,
    callback: (err: unknown, res: unknown) => void,
): Promise<void> {
    try {
        const result = await monitor.mocks.newResource({
            type: req.getType(),
            name: req.getName(),
            inputs: rpcModule.deserializeProperties({ toJavaScript: () => inputs }),
            provider: req.getProvider(),
            custom: req.getCustom(),
            id: req.getImportid(),
        });
        const serializedState = await rpcModule.serializeProperties("", result.state);
        monitor.resources.set(urn, { urn, id: result.id ?? null, state: serializedState });
        const response = new resourcePb.RegisterResourceResponse();
        response.setUrn(urn);
        response.setId(result.id || "");
        response.setObject(registrationObject(serializedState));
        callback(null, response);
    } catch (err) {
        callback(err, undefined);
    }
}
