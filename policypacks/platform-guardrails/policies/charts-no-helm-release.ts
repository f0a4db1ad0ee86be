import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject } from "../../lib/workloads";
import { allowListProperty } from "../lib/config";
import { releaseType } from "../lib/charts";

/** Config of {@link chartsNoHelmRelease}. */
export interface NoHelmReleaseConfig {
    /** Pulumi resource names of the Releases allowed despite being opaque. */
    readonly allowedReleases: string[];
}

/**
 * No `kubernetes:helm.sh/v3:Release` unless listed. A Release installs its chart through the Helm
 * SDK as one opaque resource, so no policy sees the Deployments, RBAC objects or Services inside
 * it; `kubernetes:helm.sh/v4:Chart` registers every rendered object as its own resource instead.
 * A Release is acceptable only where Helm's own release lifecycle is required, and that choice is
 * recorded by listing it.
 *
 * @severity high
 * @frameworks nist-800-53-cm-3, nist-800-53-cm-4, nist-800-53-sa-11, iso-27001-a.8.9, iso-27001-a.8.32
 * @topics charts, policy-coverage
 * @link https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v4/chart/
 */
export const chartsNoHelmRelease: ResourceValidationPolicy = {
    name: "charts-no-helm-release",
    description:
        "helm.v3.Release is refused unless listed: its contents are invisible to policies.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedReleases: allowListProperty(
                "Pulumi resource names of the helm.v3.Release resources allowed despite being opaque.",
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== releaseType) {
            return;
        }
        const { allowedReleases } = args.getConfig<NoHelmReleaseConfig>();
        if (!allowedReleases.includes(args.name)) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} is a helm.v3.Release, whose ` +
                    `rendered objects no policy can see. Use kubernetes.helm.v4.Chart instead, or ` +
                    `add "${args.name}" to charts-no-helm-release.allowedReleases if Helm's release ` +
                    `lifecycle is required.`,
            );
        }
    },
};
