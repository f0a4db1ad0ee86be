import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeObject, isObject, podTemplateOf } from "../../lib/workloads";

/** Config of {@link resourcesRequestsLimits}. */
export interface RequestsLimitsConfig {
    /** Resources every container must request. @default ["cpu", "memory"] */
    readonly requiredRequests: string[];
    /** Resources every container must limit. @default ["cpu", "memory"] */
    readonly requiredLimits: string[];
}

const resourceNames = {
    type: "array",
    items: { type: "string", minLength: 1 },
    uniqueItems: true,
} as const;

/** True when a quantity is given (a non-empty string or a number). */
function isSet(value: unknown): boolean {
    return (typeof value === "string" && value.trim() !== "") || typeof value === "number";
}

/**
 * Every container and init container sets the configured resource requests and limits (CPU and
 * memory by default). Requests let the scheduler place pods and the quota account for them; limits
 * keep one tenant's container from starving its node. The namespace LimitRange fills in defaults at
 * admission, but only what the workload declares is reviewed here. Ephemeral containers are
 * skipped: the API does not allow them resources.
 *
 * @severity medium
 * @frameworks cis-kubernetes-4.2.13, nist-800-53-sc-5, nist-800-53-sc-6, iso-27001-a.8.6
 * @topics resources, availability
 * @link https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export const resourcesRequestsLimits: ResourceValidationPolicy = {
    name: "resources-requests-limits",
    description: "Containers must set resource requests and limits (CPU and memory by default).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requiredRequests: {
                ...resourceNames,
                default: ["cpu", "memory"],
                description: "Resources every container must request.",
            },
            requiredLimits: {
                ...resourceNames,
                default: ["cpu", "memory"],
                description: "Resources every container must limit.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined) {
            return;
        }
        const { requiredRequests, requiredLimits } = args.getConfig<RequestsLimitsConfig>();
        const offenders: string[] = [];
        for (const ref of containersOf(template)) {
            if (ref.list === "ephemeralContainers") {
                continue;
            }
            const resources = isObject(ref.container.resources) ? ref.container.resources : {};
            const requests = isObject(resources.requests) ? resources.requests : {};
            const limits = isObject(resources.limits) ? resources.limits : {};
            const missing = [
                ...requiredRequests
                    .filter((r) => !isSet(requests[r]))
                    .map((r) => `resources.requests.${r}`),
                ...requiredLimits
                    .filter((r) => !isSet(limits[r]))
                    .map((r) => `resources.limits.${r}`),
            ];
            if (missing.length > 0) {
                offenders.push(`"${ref.name}" (${ref.path}) lacks ${missing.join(", ")}`);
            }
        }
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} has containers without ` +
                    `resource requests or limits: ${offenders.join("; ")}. Set them on each ` +
                    `container.`,
            );
        }
    },
};
