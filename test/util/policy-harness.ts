/**
 * A small harness that runs a CrossGuard resource policy on one resource, the way the analyzer
 * does for `pulumi preview --policy-pack`, and returns the violation messages it reports.
 *
 * Config is completed with the defaults of the policy's `configSchema` (as the CLI does before it
 * hands config to a pack) and checked against the schema's `enum`s and `required` list, so a test
 * cannot pass a level the CLI would refuse. Props are deep-copied and frozen: a policy that
 * mutates its input fails the test instead of corrupting the next case.
 */
import {
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
} from "@pulumi/policy";

/** One resource as a policy sees it. */
export interface PolicyInput {
    /** The Pulumi type token: `kubernetes:apps/v1:Deployment`. */
    readonly type: string;
    /** The resource's inputs. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly props: Record<string, any>;
    /** The Pulumi resource name. @default "test-resource" */
    readonly name?: string;
    /** The policy's config as set in the pack config; missing keys take the schema defaults. */
    readonly config?: Record<string, unknown>;
}

/** What a run produced: the violation messages, or the reason the policy declared itself not applicable. */
export interface PolicyRun {
    readonly messages: string[];
    readonly notApplicable?: string;
}

/** Runs a resource policy on one resource and returns the messages it reports, in order. */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    input: PolicyInput,
): Promise<string[]> {
    return (await runResourcePolicyDetailed(policy, input)).messages;
}

/** Like {@link runResourcePolicy}, but also tells whether the policy called `notApplicable`. */
export async function runResourcePolicyDetailed(
    policy: ResourceValidationPolicy,
    input: PolicyInput,
): Promise<PolicyRun> {
    const validations = policy.validateResource;
    if (validations === undefined) {
        throw new Error(`policy ${policy.name} has no validateResource`);
    }
    const config = configWithDefaults(policy.name, policy.configSchema, input.config);
    const name = input.name ?? "test-resource";
    const props = deepFreeze(structuredClone(input.props));
    const messages: string[] = [];
    const reportViolation: ReportViolation = (message: string) => {
        messages.push(message);
    };
    const args: ResourceValidationArgs = {
        type: input.type,
        props,
        urn: `urn:pulumi:test::test::${input.type}::${name}`,
        name,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map<string, string>(),
        isType: (resourceClass) => pulumiTypeOfClass(resourceClass) === input.type,
        // The props are the class's args only when the type matches; the SDK types that generically.
        asType: ((resourceClass: unknown) =>
            pulumiTypeOfClass(resourceClass) === input.type
                ? props
                : undefined) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => structuredClone(config) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason ?? "not applicable");
        },
    };
    for (const validation of Array.isArray(validations) ? validations : [validations]) {
        try {
            await validation(args, reportViolation);
        } catch (e) {
            if (e instanceof NotApplicable) {
                return { messages, notApplicable: e.reason };
            }
            throw e;
        }
    }
    return { messages };
}

/**
 * The config a policy receives: the given values over the schema's defaults. Throws on a key the
 * schema does not declare, a value outside an `enum`, or a missing `required` key.
 */
export function configWithDefaults(
    policyName: string,
    schema: PolicyConfigSchema | undefined,
    given: Record<string, unknown> = {},
): Record<string, unknown> {
    const properties = schema?.properties ?? {};
    const config: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(properties)) {
        if (property.default !== undefined) {
            config[key] = structuredClone(property.default);
        }
    }
    for (const [key, value] of Object.entries(given)) {
        const property = properties[key];
        if (property === undefined) {
            throw new Error(`policy ${policyName} has no config key "${key}"`);
        }
        if (property.enum !== undefined && !property.enum.some((allowed) => allowed === value)) {
            throw new Error(
                `policy ${policyName}: config "${key}" must be one of ` +
                    `${JSON.stringify(property.enum)}, got ${JSON.stringify(value)}`,
            );
        }
        config[key] = value;
    }
    for (const key of schema?.required ?? []) {
        if (config[key] === undefined) {
            throw new Error(`policy ${policyName}: config "${key}" is required`);
        }
    }
    return config;
}

class NotApplicable extends Error {
    constructor(readonly reason: string) {
        super(reason);
    }
}

/** The `__pulumiType` a Pulumi resource class carries (what `isType` compares). */
function pulumiTypeOfClass(resourceClass: unknown): string | undefined {
    const token: unknown = (resourceClass as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof token === "string" ? token : undefined;
}

function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const child of Object.values(value)) {
            deepFreeze(child);
        }
    }
    return value;
}
