/**
 * Pulumi mocks for component tests: every resource registration is recorded with its type, name,
 * inputs and the options a test needs to assert (parent, dependencies, protect, retainOnDelete),
 * so a test can check exact children and ordering without a Pulumi CLI, engine or cluster.
 *
 * Usage: call {@link installMocks} in a `before` hook, then `await import()` the module under
 * test (the SDK reads the mock settings when the module registers resources), construct the
 * component, and `await settled()` before reading {@link recorded}.
 *
 * `setMocks` alone hides the registration options from the mock's `newResource`; this recorder
 * wraps the SDK's own mock monitor, the same way `setMocks` installs it.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as pulumiType from "@pulumi/pulumi";
import {
    installMonitor,
    MockMonitor,
    RegisterRequest,
    waitForRPCs,
} from "../../tools/check/engine";
import { standInFor } from "../../tools/check/standins";

/** One registered resource with its inputs and options. */
export interface RecordedResource {
    readonly urn: string;
    /** Pulumi type token: `kubernetes:core/v1:Namespace`, `kubernetes:helm.sh/v4:Chart`. */
    readonly type: string;
    /** Logical (Pulumi) name. */
    readonly name: string;
    /** Inputs as the provider would receive them (Outputs resolved, secrets unwrapped). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly inputs: Record<string, any>;
    /** URN of the parent ("" for a stack-level resource). */
    readonly parent: string;
    /** URNs of the explicit and implicit dependencies the SDK sent with the registration. */
    readonly dependencies: readonly string[];
    readonly custom: boolean;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
}

/** Everything registered since the last {@link resetRecorded}, in registration order. */
export const recorded: RecordedResource[] = [];

/** Forgets all recorded resources (call in `beforeEach`). */
export function resetRecorded(): void {
    recorded.length = 0;
}

/**
 * Installs the recording mocks. Outputs of custom resources echo their inputs, so a child that
 * reads another's outputs sees what was declared.
 */
export function installMocks(project = "sovereign-contour", stack = "test"): void {
    const mocks: pulumi.runtime.Mocks = {
        newResource: (args: pulumi.runtime.MockResourceArgs) => ({
            id: args.custom === false ? undefined : `${args.name}-id`,
            state: args.inputs as Record<string, unknown>,
        }),
        call: (args: pulumi.runtime.MockCallArgs) => args.inputs as Record<string, unknown>,
    };
    class RecordingMonitor extends MockMonitor {
        override async registerResource(
            req: RegisterRequest,
            callback: (err: unknown, res: unknown) => void,
        ): Promise<void> {
            const urn = this.newUrn(req.getParent(), req.getType(), req.getName());
            const done = (err: unknown, res: unknown): void => {
                const state = (res as { getObject?(): { toJavaScript(): unknown } } | undefined)
                    ?.getObject?.()
                    ?.toJavaScript();
                recorded.push({
                    urn,
                    type: req.getType(),
                    name: req.getName(),
                    inputs: unwrapSecrets(state ?? {}) as Record<string, unknown>,
                    parent: req.getParent(),
                    dependencies: req.getDependenciesList(),
                    custom: req.getCustom(),
                    protect: req.getProtect(),
                    retainOnDelete: req.getRetainondelete?.() === true,
                });
                callback(err, res);
            };
            await super.registerResource(req, done);
        }
    }
    installMonitor(new RecordingMonitor(mocks), project, stack);
}

/** Resolves once every registration started so far has completed (the SDK's RPC queue is empty). */
export async function settled(): Promise<void> {
    await waitForRPCs();
}

/** Resolves an Output to its plain value (secrets unwrapped). */
export function unwrap<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise<T>((resolve) => {
        output.apply((value) => {
            resolve(value);
            return value;
        });
    });
}

/** The recorded resources of one type. */
export function ofType(type: string): RecordedResource[] {
    return recorded.filter((r) => r.type === type);
}

/** The one recorded resource with this name; throws when there is none or more than one. */
export function named(name: string): RecordedResource {
    const found = recorded.filter((r) => r.name === name);
    if (found.length !== 1) {
        throw new Error(
            `expected one resource named "${name}", found ${found.length}; recorded: ` +
                recorded.map((r) => r.name).join(", "),
        );
    }
    return found[0];
}

/** Secret values travel as `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value }` envelopes. */
function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        if (record["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270") {
            return unwrapSecrets(record.value);
        }
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** A custom resource standing in for the layer a component depends on. */
export function marker(sdk: typeof pulumiType, name: string): pulumiType.CustomResource {
    class Marker extends sdk.CustomResource {
        constructor() {
            super("test:index:Marker", name, {});
        }
    }
    return new Marker();
}

/**
 * Stand-ins for the tls provider under the recording mocks: a PEM of the right kind, named after
 * the resource, so tests can follow key material by value.
 */
export function installTlsStandIns(): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as { mocks: pulumi.runtime.Mocks };
    const echo = monitor.mocks.newResource.bind(monitor.mocks);
    monitor.mocks.newResource = (args) => {
        if (args.type === "tls:index/privateKey:PrivateKey") {
            return {
                id: `${args.name}-id`,
                state: {
                    ...args.inputs,
                    privateKeyPem: `-----BEGIN EC PRIVATE KEY-----\n${args.name}\n-----END EC PRIVATE KEY-----\n`,
                    publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${args.name}\n-----END PUBLIC KEY-----\n`,
                },
            };
        }
        if (args.type === "tls:index/selfSignedCert:SelfSignedCert") {
            return {
                id: `${args.name}-id`,
                state: {
                    ...args.inputs,
                    certPem: `-----BEGIN CERTIFICATE-----\n${args.name}\n-----END CERTIFICATE-----\n`,
                },
            };
        }
        return echo(args);
    };
}

/**
 * The offline check's provider stand-ins under the recording mocks: random bytes and tls keys and
 * certificates get values of the right shape (`tools/check/standins.ts`), as in the check; every
 * other resource echoes its inputs. For tests that build the whole platform from a stack.
 */
export function installProviderStandIns(): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as { mocks: pulumi.runtime.Mocks };
    const echo = monitor.mocks.newResource.bind(monitor.mocks);
    monitor.mocks.newResource = (args) => {
        if (args.type.startsWith("random:") || args.type.startsWith("tls:")) {
            const { state } = standInFor(args.type, args.inputs as Record<string, unknown>);
            return { id: `${args.name}-id`, state };
        }
        return echo(args);
    };
}
