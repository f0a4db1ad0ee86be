/**
 * Runs policies the way the analyzer server of @pulumi/policy 1.21 does, for what
 * `test/util/policy-harness.ts` does not cover: stack policies, and resources whose props carry
 * Pulumi secrets or preview-time unknowns.
 *
 * Secret-carrying props go through the SDK's own `deserializeProperties` and proxies, with the
 * same flags as its `Remediate` (secrets kept as `Secret` instances) and `Analyze` (secrets
 * unwrapped) RPCs, so a test sees exactly what a policy sees under `pulumi preview`.
 */
import {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { configWithDefaults } from "./policy-harness";

// The SDK's internal deserializer and proxies: the code paths its RPC handlers run.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkDeserialize = require("@pulumi/policy/deserialize") as {
    deserializeProperties(struct: { toJavaScript(): unknown }, proxySecrets: boolean): unknown;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkProxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T>(value: T): T;
    unknownStringValue: string;
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;

/** A value marked secret, as the engine sends it to an analyzer (`KeepSecrets: true`). */
export function secret(value: unknown): Props {
    return { [specialSigKey]: specialSecretSig, value };
}

/** A string value not known during preview, as the engine sends it. */
export const unknownString: string = sdkProxy.unknownStringValue;

/** One reported violation: message and, for stack policies, the URN it was attached to. */
export interface Reported {
    readonly message: string;
    readonly urn?: string;
}

/** The URN the harnesses give a resource. */
export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::test::${type}::${name}`;
}

function propsFor(wire: Props, proxySecrets: boolean): Props {
    const struct = { toJavaScript: () => structuredClone(wire) };
    return sdkProxy.unknownCheckingProxy(
        sdkDeserialize.deserializeProperties(struct, proxySecrets) as Props,
    );
}

function resourceArgs(
    policy: ResourceValidationPolicy,
    type: string,
    name: string,
    props: Props,
    config: Record<string, unknown> | undefined,
): ResourceValidationArgs {
    const resolved = configWithDefaults(policy.name, policy.configSchema, config);
    return {
        type,
        props,
        urn: urnOf(type, name),
        name,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => structuredClone(resolved) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`not applicable: ${reason ?? ""}`);
        },
    };
}

/** How {@link runThroughAnalyzer} runs the policy. */
export interface AnalyzerRun {
    readonly type: string;
    readonly name?: string;
    /** Props as sent on the wire: secrets as {@link secret} markers, unknowns as sentinels. */
    readonly props: Props;
    readonly config?: Record<string, unknown>;
    /**
     * Whether the engine runs the `Remediate` RPC first (it does when the policy's enforcement
     * level is `remediate`). @default true
     */
    readonly remediate?: boolean;
}

/** What a run through the analyzer produced. */
export interface AnalyzerResult {
    readonly messages: string[];
    /** What `remediateResource` returned (undefined when it changed nothing). */
    readonly remediated?: unknown;
}

/**
 * Runs a resource policy the way the analyzer server does for one resource: `Remediate` (when
 * asked) with secret-preserving props, then `Analyze` with secrets unwrapped.
 */
export async function runThroughAnalyzer(
    policy: ResourceValidationPolicy,
    run: AnalyzerRun,
): Promise<AnalyzerResult> {
    const name = run.name ?? "test-resource";
    let remediated: unknown;
    if (run.remediate !== false && policy.remediateResource !== undefined) {
        const args = resourceArgs(policy, run.type, name, propsFor(run.props, true), run.config);
        remediated = await policy.remediateResource(args);
    }
    const messages: string[] = [];
    const validations = policy.validateResource;
    const list =
        validations === undefined ? [] : Array.isArray(validations) ? validations : [validations];
    for (const validation of list) {
        const args = resourceArgs(policy, run.type, name, propsFor(run.props, false), run.config);
        await validation(args, (message) => {
            messages.push(message);
        });
    }
    return { messages, remediated };
}

/** One resource of a stack as a stack-policy test declares it. */
export interface StackResourceInput {
    readonly type: string;
    readonly name: string;
    readonly props: Props;
    /** The `protect` option. @default false */
    readonly protect?: boolean;
    /** Names of the resources this one depends on. */
    readonly dependencies?: readonly string[];
    /** Per input property, the names of the resources it was computed from. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** Runs a stack policy on a set of resources and returns what it reported, in order. */
export async function runStackPolicy(
    policy: StackValidationPolicy,
    inputs: readonly StackResourceInput[],
    config?: Record<string, unknown>,
): Promise<Reported[]> {
    const byName = new Map<string, PolicyResource>();
    const resources: PolicyResource[] = inputs.map((input) => {
        const resource: PolicyResource = {
            type: input.type,
            name: input.name,
            urn: urnOf(input.type, input.name),
            props: propsFor(input.props, false),
            opts: {
                protect: input.protect === true,
                ignoreChanges: [],
                aliases: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                additionalSecretOutputs: [],
            },
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        };
        byName.set(input.name, resource);
        return resource;
    });
    const lookup = (name: string): PolicyResource => {
        const found = byName.get(name);
        if (found === undefined) {
            throw new Error(`no resource named ${name} in the test stack`);
        }
        return found;
    };
    inputs.forEach((input, i) => {
        resources[i].dependencies = (input.dependencies ?? []).map(lookup);
        for (const [property, names] of Object.entries(input.propertyDependencies ?? {})) {
            resources[i].propertyDependencies[property] = names.map(lookup);
        }
    });
    const resolved = configWithDefaults(policy.name, policy.configSchema, config);
    const reported: Reported[] = [];
    await policy.validateStack(
        {
            resources,
            getConfig: <T extends object>() => structuredClone(resolved) as T,
            stackTags: new Map<string, string>(),
            notApplicable: (reason?: string): never => {
                throw new Error(`not applicable: ${reason ?? ""}`);
            },
        },
        (message: string, urn?: string) => {
            reported.push(urn !== undefined ? { message, urn } : { message });
        },
    );
    return reported;
}
