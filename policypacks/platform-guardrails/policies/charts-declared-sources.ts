import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { chartSourceType, chartType } from "../lib/charts";

/** How a program declares a Chart's facts, for the messages. */
const howToDeclare =
    "declare the Chart with chartRelease (components/shared/chart-release.ts), which registers " +
    `a ${chartSourceType} with the Chart's chart, version, repository and values and ` +
    "chartUrn set to the Chart's URN";

/**
 * Every `kubernetes:helm.sh/v4:Chart` has its facts declared, and every declaration names a Chart.
 * Chart v4 is a remote component: the provider's Construct registers it, with no inputs, so
 * `pulumi preview --policy-pack` shows policies an empty Chart, and `charts-allowed-sources`,
 * `charts-exact-version` and `charts-images-allowed-registries` judge the
 * `sovereign:charts:ChartSource` declared beside it instead. A Chart that no ChartSource names
 * (by `chartUrn`) could install any chart from anywhere unjudged, so it is refused (fail closed);
 * so are a ChartSource whose `chartUrn` is not the URN of a Chart of the stack, and a Chart that
 * more than one ChartSource names (which facts would be the Chart's?).
 *
 * @severity high
 * @frameworks nist-800-53-cm-14, nist-800-53-sr-4, nist-800-53-cm-2, iso-27001-a.8.19, iso-27001-a.8.32
 * @topics supply-chain, charts, policy-coverage
 * @link https://www.pulumi.com/docs/iac/concepts/resources/components/
 */
export const chartsDeclaredSources: StackValidationPolicy = {
    name: "charts-declared-sources",
    description:
        "Every Helm Chart v4 must have a ChartSource naming it, so its chart, version and values can be judged.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const charts = new Map<string, PolicyResource>();
        for (const r of args.resources) {
            if (r.type === chartType) {
                charts.set(r.urn, r);
            }
        }
        const declared = new Map<string, PolicyResource[]>();
        for (const source of args.resources.filter((r) => r.type === chartSourceType)) {
            const urn: unknown = source.props.chartUrn;
            if (typeof urn === "string" && charts.has(urn)) {
                declared.set(urn, [...(declared.get(urn) ?? []), source]);
                continue;
            }
            const given =
                typeof urn === "string" && urn !== ""
                    ? `chartUrn is ${JSON.stringify(urn)}, which is not the URN of a ${chartType} of this stack`
                    : "it sets no chartUrn";
            reportViolation(
                `ChartSource "${source.name}" names no Chart: ${given}. Remove it, or ${howToDeclare}.`,
                source.urn,
            );
        }
        for (const [urn, chart] of charts) {
            const sources = declared.get(urn) ?? [];
            if (sources.length === 0) {
                reportViolation(
                    `Chart "${chart.name}" has no ChartSource naming it: the engine shows ` +
                        `policies a Chart v4 without its inputs, so its chart, version, repository ` +
                        `and values cannot be judged; ${howToDeclare}.`,
                    urn,
                );
            } else if (sources.length > 1) {
                reportViolation(
                    `Chart "${chart.name}" is named by ${sources.length} ChartSources ` +
                        `(${sources.map((s) => `"${s.name}"`).join(", ")}), so its facts are ` +
                        `ambiguous: keep one ChartSource per Chart (chartRelease declares exactly one).`,
                    urn,
                );
            }
        }
    },
};
