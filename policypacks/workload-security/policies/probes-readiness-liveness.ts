import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeObject, isObject, podTemplateOf } from "../../lib/workloads";

/** Config of {@link probesReadinessLiveness}. */
export interface ProbesConfig {
    /** Probes every long-running container must define. @default ["readinessProbe", "livenessProbe"] */
    readonly requiredProbes: string[];
}

/** Kinds whose pods run to completion: a health probe means little for them. */
const runToCompletion = ["Job", "CronJob"];

/**
 * Every regular container of a long-running workload defines a readiness and a liveness probe, so
 * traffic reaches only ready pods and a hung container is restarted. Advisory: a missing probe
 * degrades availability rather than security. Jobs and CronJobs run to completion and are skipped,
 * as are init and ephemeral containers (which take no probes).
 *
 * @severity low
 * @frameworks nist-800-53-sc-5, nist-800-53-si-4, iso-27001-a.8.6, bsi-app.4.4.a11
 * @topics availability, workloads
 * @link https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 */
export const probesReadinessLiveness: ResourceValidationPolicy = {
    name: "probes-readiness-liveness",
    description: "Long-running containers should define readiness and liveness probes.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            requiredProbes: {
                type: "array",
                items: {
                    type: "string",
                    enum: ["readinessProbe", "livenessProbe", "startupProbe"],
                },
                uniqueItems: true,
                default: ["readinessProbe", "livenessProbe"],
                description: "Probes every long-running container must define.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const kind = args.type.split(":").pop() ?? "";
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined || runToCompletion.includes(kind)) {
            return;
        }
        const { requiredProbes } = args.getConfig<ProbesConfig>();
        const offenders: string[] = [];
        for (const ref of containersOf(template)) {
            if (ref.list !== "containers") {
                continue;
            }
            const missing = requiredProbes.filter((p) => !isObject(ref.container[p]));
            if (missing.length > 0) {
                offenders.push(`"${ref.name}" (${ref.path}) has no ${missing.join(", ")}`);
            }
        }
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} has containers without ` +
                    `health probes: ${offenders.join("; ")}. Define them so that traffic and ` +
                    `restarts follow each container's health.`,
            );
        }
    },
};
