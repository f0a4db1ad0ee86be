import { ResourceValidationPolicy } from "@pulumi/policy";
import { allowListProperty } from "../lib/config";
import {
    chartSourceOf,
    describeChartFacts,
    isAllowedSource,
    judgesChartFacts,
} from "../lib/charts";

/** Config of {@link chartsAllowedSources}. */
export interface ChartsAllowedSourcesConfig {
    /**
     * Chart repositories charts may come from: upstream repositories the components pin and the
     * stack's mirror (`https://...` or `oci://...` prefixes). Empty admits no remote chart.
     */
    readonly allowedSources: string[];
    /** Whether charts may come from local paths (air-gapped sites with vendored charts). */
    readonly allowLocalCharts: boolean;
}

/**
 * Every Helm chart comes from an allowed source: a repository on the allow list (the upstream
 * repositories the platform pins, or the stack's mirror), matched on path boundaries, or a local
 * path when the stack allows vendored charts. Fail closed: an empty allow list admits no remote
 * chart, and a `repo/name` alias (which only resolves against the operator's local Helm
 * configuration) is never a source.
 *
 * A `kubernetes:helm.sh/v4:Chart` is a remote component that the engine shows policies without its
 * inputs, so the policy judges the chart facts the program declares beside it, its
 * `sovereign:charts:ChartSource` (components/shared/chart-release.ts; `charts-declared-sources`
 * refuses a Chart without one), and every `kubernetes:helm.sh/v3:Release`.
 *
 * @severity high
 * @frameworks nist-800-53-cm-14, nist-800-53-sr-4, nist-800-53-sr-11, iso-27001-a.8.19, iso-27001-a.5.21
 * @topics supply-chain, charts, sovereignty
 * @link https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v4/chart/
 */
export const chartsAllowedSources: ResourceValidationPolicy = {
    name: "charts-allowed-sources",
    description: "Helm charts must come from an allowed repository (upstream pin or the mirror).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedSources: allowListProperty(
                "Chart repositories charts may come from (https:// or oci:// prefixes); empty admits no remote chart.",
            ),
            allowLocalCharts: {
                type: "boolean",
                default: false,
                description: "Whether charts may come from local paths (vendored charts).",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (!judgesChartFacts(args.type)) {
            return;
        }
        const { allowedSources, allowLocalCharts } = args.getConfig<ChartsAllowedSourcesConfig>();
        const object = describeChartFacts(args.type, args.props, args.name);
        const source = chartSourceOf(args.props);
        if (source === undefined) {
            reportViolation(`${object} names no chart: set chart (and its repository).`);
        } else if (source.kind === "local") {
            if (!allowLocalCharts) {
                reportViolation(
                    `${object} takes its chart from the local path ${JSON.stringify(source.path)} ` +
                        `(chart), but local charts are not allowed: use an allowed repository, or ` +
                        `set charts-allowed-sources.allowLocalCharts for an air-gapped stack.`,
                );
            }
        } else if (source.kind === "unresolved") {
            reportViolation(
                `${object} names the chart ${JSON.stringify(source.chart)} without a repository, ` +
                    `so it resolves against the local Helm configuration: set ` +
                    `repositoryOpts.repo or an oci:// chart reference from an allowed source.`,
            );
        } else if (!isAllowedSource(source.url, allowedSources)) {
            const allowed =
                allowedSources.length > 0
                    ? `allowed: ${allowedSources.join(", ")}`
                    : "the allow list is empty, so no remote chart is allowed";
            reportViolation(
                `${object} takes its chart from ${source.url} (${source.field}), which is not an ` +
                    `allowed source (${allowed}). Use the upstream repository the component pins ` +
                    `or the stack's chart mirror, or add the repository to ` +
                    `charts-allowed-sources.allowedSources.`,
            );
        }
    },
};
