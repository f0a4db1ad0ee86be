/**
 * Where a `kubernetes:helm.sh/v4:Chart` takes its chart from, read from its inputs the way Helm
 * resolves them: an `oci://` or `http(s)://` reference in `chart`, a repository URL in
 * `repositoryOpts.repo`, a local path (a directory or a `.tgz`), or a `repo/name` alias that only
 * resolves against the operator's local Helm repository list (not a reproducible source).
 */
import { describeObject, isObject, KubeObject } from "../../lib/workloads";

/** The Pulumi type token of a Helm chart rendered into individual resources. */
export const chartType = "kubernetes:helm.sh/v4:Chart";

/** The Pulumi type token of a Helm release: one opaque resource, invisible to policies inside. */
export const releaseType = "kubernetes:helm.sh/v3:Release";

/**
 * The Pulumi type token of the facts of one Chart (`components/shared/chart-release.ts`). Chart v4
 * is a remote component: the engine shows policies a Chart with no inputs, so the chart policies
 * judge its ChartSource, which carries the Chart's `chart`, `version`, `repositoryOpts.repo` and
 * `values` under the Chart's own field names, and `chartUrn`, the URN of the Chart it describes.
 */
export const chartSourceType = "sovereign:charts:ChartSource";

/** The types whose inputs carry a chart's facts: a ChartSource and a (visible) Release. */
export function judgesChartFacts(type: string): boolean {
    return type === chartSourceType || type === releaseType;
}

/**
 * A resource carrying chart facts, for messages: `Chart "gatekeeper-chart" (ChartSource
 * "gatekeeper-chart-source")` for a ChartSource (the Chart named by its `chartUrn`),
 * `Release "name"` for a Release.
 */
export function describeChartFacts(type: string, props: KubeObject, name: string): string {
    if (type !== chartSourceType) {
        return describeObject(type, props, name);
    }
    const urn: unknown = props.chartUrn;
    const chart = typeof urn === "string" && urn.includes("::") ? urn.split("::").pop() : undefined;
    return chart !== undefined && chart !== ""
        ? `Chart "${chart}" (ChartSource "${name}")`
        : `ChartSource "${name}"`;
}

/** An exact chart version: the rule the `charts` settings apply too (`contract/charts.ts`). */
export { exactVersionPattern } from "../../../contract/charts";

/** Where a chart comes from. */
export type ChartSource =
    | { readonly kind: "remote"; readonly url: string; readonly field: string }
    | { readonly kind: "local"; readonly path: string }
    | { readonly kind: "unresolved"; readonly chart: string };

/** The source of a Chart v4 from its inputs; `undefined` when `chart` is not a known string. */
export function chartSourceOf(props: KubeObject): ChartSource | undefined {
    const chart: unknown = props.chart;
    if (typeof chart !== "string" || chart === "") {
        return undefined;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chart)) {
        return { kind: "remote", url: chart, field: "chart" };
    }
    const repo: unknown = isObject(props.repositoryOpts) ? props.repositoryOpts.repo : undefined;
    if (typeof repo === "string" && repo !== "") {
        return { kind: "remote", url: repo, field: "repositoryOpts.repo" };
    }
    if (/^(\.{0,2}\/)/.test(chart) || chart.endsWith(".tgz") || chart.endsWith(".tar.gz")) {
        return { kind: "local", path: chart };
    }
    return { kind: "unresolved", chart };
}

/**
 * True when a source URL lies under an allowed entry, on path boundaries: the entry
 * `oci://harbor.example/charts` admits `oci://harbor.example/charts/kyverno` but not
 * `oci://harbor.example/charts-old/kyverno`. Trailing slashes are ignored on both sides.
 */
export function isAllowedSource(url: string, allowed: readonly string[]): boolean {
    const source = url.trim().replace(/\/+$/, "");
    return allowed.some((entry) => {
        const prefix = entry.trim().replace(/\/+$/, "");
        return prefix !== "" && (source === prefix || source.startsWith(`${prefix}/`));
    });
}
