/**
 * Runs a CrossGuard stack policy on the resources a program registered under the recording mocks
 * (`test/util/mocks.ts`), the way the analyzer hands a stack to `validateStack`: each resource with
 * its type, name, props, protect flag, parent and dependencies.
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { RecordedResource } from "./mocks";

/** A recorded resource with some of its fields replaced (to seed a bad case). */
export type ResourceOverride = Partial<Pick<RecordedResource, "inputs" | "protect">>;

/** The recorded resources as policies see them. */
export function toPolicyResources(
    resources: readonly RecordedResource[],
    overrides: Readonly<Record<string, ResourceOverride>> = {},
): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const list = resources.map((r) => {
        const o = overrides[r.name] ?? {};
        const resource: PolicyResource = {
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: structuredClone(o.inputs ?? r.inputs),
            opts: {
                protect: o.protect ?? r.protect,
                ignoreChanges: [],
                aliases: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                additionalSecretOutputs: [],
                ...(r.parent !== "" ? { parent: r.parent } : {}),
            },
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        };
        byUrn.set(r.urn, resource);
        return resource;
    });
    resources.forEach((r, i) => {
        const parent = byUrn.get(r.parent);
        if (parent !== undefined) {
            list[i].parent = parent;
        }
        list[i].dependencies = r.dependencies
            .map((urn) => byUrn.get(urn))
            .filter((d): d is PolicyResource => d !== undefined);
    });
    return list;
}

/** Runs the policy's `validateStack` and returns the messages it reports, in order. */
export async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: PolicyResource[],
): Promise<string[]> {
    const messages: string[] = [];
    await policy.validateStack(
        {
            resources,
            stackTags: new Map<string, string>(),
            getConfig: <T extends object>() => ({}) as T,
            notApplicable: (reason?: string): never => {
                throw new Error(`not applicable: ${reason ?? ""}`);
            },
        },
        (message: string) => {
            messages.push(message);
        },
    );
    return messages;
}
