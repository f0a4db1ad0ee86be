import { ResourceValidationPolicy } from "@pulumi/policy";
import {
    chartSourceOf,
    describeChartFacts,
    exactVersionPattern,
    judgesChartFacts,
} from "../lib/charts";

/**
 * Every Helm chart pins an exact version (`1.2.3`, `v1.2.3-rc.1`). Without one, Helm installs
 * whatever is newest at the time of the run; a range (`^1.2`, `~1.2.0`, `>=1`) does the same
 * within the range. A local chart (a directory or `.tgz`) carries its own version and needs none,
 * but a version it does give must be exact.
 *
 * Judged on the `sovereign:charts:ChartSource` declared beside each `kubernetes:helm.sh/v4:Chart`
 * (a remote component, which the engine shows policies without its inputs) and on every
 * `kubernetes:helm.sh/v3:Release`.
 *
 * @severity high
 * @frameworks nist-800-53-cm-2, nist-800-53-cm-14, nist-800-53-sr-4, iso-27001-a.8.19, iso-27001-a.8.32
 * @topics supply-chain, charts
 * @link https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v4/chart/
 */
export const chartsExactVersion: ResourceValidationPolicy = {
    name: "charts-exact-version",
    description: "Helm charts must pin an exact version.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (!judgesChartFacts(args.type)) {
            return;
        }
        const version: unknown = args.props.version;
        const object = describeChartFacts(args.type, args.props, args.name);
        if (version === undefined || version === null || version === "") {
            if (chartSourceOf(args.props)?.kind !== "local") {
                reportViolation(
                    `${object} sets no version, so Helm installs the newest chart at each run: ` +
                        `set version to an exact release such as "1.2.3".`,
                );
            }
            return;
        }
        if (typeof version !== "string" || !exactVersionPattern.test(version)) {
            reportViolation(
                `${object} does not pin an exact version: version is ` +
                    `${JSON.stringify(version)}; set it to an exact release such as "1.2.3" ` +
                    `(no ranges, wildcards or "latest").`,
            );
        }
    },
};
