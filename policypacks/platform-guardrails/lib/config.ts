import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/**
 * A config property holding a list of object keys (`<namespace>/<name>` or a cluster-scoped name)
 * exempted from a policy. Defaults to the empty list: nothing is exempt unless a stack says so.
 */
export function allowListProperty(description: string): PolicyConfigJSONSchema {
    return {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        default: [],
        description,
    };
}
