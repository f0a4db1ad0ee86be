import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartSourceArgs, ResolvedChart } from "./chart-source";

/** The Pulumi type token of {@link ChartSource}. */
export const chartSourceType = "sovereign:charts:ChartSource";

/**
 * The inputs of a {@link ChartSource}: what the policy packs judge of a Chart. The fields the Chart
 * takes keep the Chart's names (`chart`, `version`, `repositoryOpts.repo`, `values`), so a policy
 * reads them as Helm would read the Chart's own inputs.
 */
export interface ChartSourceInputs {
    /** Chart name in its repository (`gatekeeper`). */
    readonly chartName: string;
    /** The chart reference the Chart is given: a name, an `oci://` reference or a local path. */
    readonly chart: string;
    /** The version the Chart is given (none for a local chart, which carries its own). */
    readonly version?: string;
    /** The repository the Chart is given, without credentials. */
    readonly repositoryOpts?: { readonly repo: string };
    /** `upstream`, `mirror` or `local` (see {@link ResolvedChart.origin}). */
    readonly origin: ResolvedChart["origin"];
    /** Repository URL or local path the chart was resolved from. */
    readonly location: string;
    /** The Helm release name the Chart is given. */
    readonly releaseName?: k8s.helm.v4.ChartArgs["name"];
    /** The namespace the Chart is given. */
    readonly namespace?: k8s.helm.v4.ChartArgs["namespace"];
    /** The values the Chart is given (Pulumi secrets in them stay secrets). */
    readonly values?: k8s.helm.v4.ChartArgs["values"];
    /** The values files the Chart is given (policies cannot read them: they are refused). */
    readonly valueYamlFiles?: k8s.helm.v4.ChartArgs["valueYamlFiles"];
    /** The URN of the `kubernetes:helm.sh/v4:Chart` these facts describe. */
    readonly chartUrn: pulumi.Input<string>;
}

/**
 * The facts of one `kubernetes:helm.sh/v4:Chart` (chart, exact version, origin, repository,
 * values), as a resource the policy packs can read. Chart v4 is a remote component: the provider
 * registers it with no inputs, so `pulumi preview --policy-pack` shows the packs an empty Chart.
 * A local component's inputs do reach the engine (Analyze), and its registered outputs
 * (AnalyzeStack) are the same facts, so the chart policies judge this resource instead, and
 * `charts-declared-sources` refuses a Chart that no ChartSource names.
 *
 * It is a sibling of its Chart (same parent), never the Chart's parent: re-parenting would change
 * the URN of the Chart and of every object it renders.
 */
export class ChartSource extends pulumi.ComponentResource {
    /** The URN of the Chart these facts describe. */
    readonly chartUrn: pulumi.Output<string>;

    constructor(name: string, inputs: ChartSourceInputs, opts?: pulumi.ComponentResourceOptions) {
        super(chartSourceType, name, inputs, opts);
        this.chartUrn = pulumi.output(inputs.chartUrn);
        // The engine hands AnalyzeStack each resource's outputs, and a component's outputs are
        // what it registers here: the same facts, so stack policies read them too.
        this.registerOutputs({ ...inputs });
    }
}

/** The Chart's own arguments beside those {@link ResolvedChart.args} sets. */
export type ChartReleaseArgs = Omit<k8s.helm.v4.ChartArgs, keyof ChartSourceArgs>;

/**
 * Declares a `kubernetes:helm.sh/v4:Chart` from a resolved chart and the release's arguments,
 * and then its {@link ChartSource} (`<name>-source`, under the same parent as the Chart) from the
 * very same arguments, so the facts the packs judge are the ones the Chart is given.
 */
export function chartRelease(
    name: string,
    resolved: ResolvedChart,
    args: ChartReleaseArgs,
    opts: pulumi.ComponentResourceOptions,
): k8s.helm.v4.Chart {
    const chart = new k8s.helm.v4.Chart(name, { ...resolved.args, ...args }, opts);
    const repo = resolved.args.repositoryOpts?.repo;
    new ChartSource(
        `${name}-source`,
        {
            chartName: resolved.name,
            chart: resolved.args.chart,
            ...(resolved.args.version !== undefined ? { version: resolved.args.version } : {}),
            ...(repo !== undefined ? { repositoryOpts: { repo } } : {}),
            origin: resolved.origin,
            location: resolved.location,
            ...(args.name !== undefined ? { releaseName: args.name } : {}),
            ...(args.namespace !== undefined ? { namespace: args.namespace } : {}),
            ...(args.values !== undefined ? { values: args.values } : {}),
            ...(args.valueYamlFiles !== undefined ? { valueYamlFiles: args.valueYamlFiles } : {}),
            chartUrn: chart.urn,
        },
        opts.parent !== undefined ? { parent: opts.parent } : {},
    );
    return chart;
}
