import { ResourceValidationPolicy } from "@pulumi/policy";
import { chartValueImages } from "../../lib/chart-images";
import { isAllowedImage, parseImage } from "../../lib/images";
import { allowListProperty } from "../lib/config";
import { describeChartFacts, judgesChartFacts } from "../lib/charts";

/** Config of {@link chartsImagesAllowedRegistries}. */
export interface ChartsImagesAllowedRegistriesConfig {
    /**
     * Registry prefixes the images named in chart values may come from (`quay.io/jetstack/`, or
     * the stack's `images.mirror`), matched on path boundaries against `registry/repository`.
     * Empty admits nothing.
     */
    readonly allowedRegistries: string[];
}

/** The field path of a values path, for messages: `values.image.repository`. */
function valuesPath(path: string): string {
    return path === "" || path.startsWith("[") ? `values${path}` : `values.${path}`;
}

/**
 * Every image a Helm chart names in its `values` comes from an allowed registry prefix. A
 * `kubernetes:helm.sh/v4:Chart` is a remote component that the engine shows policies without its
 * inputs, so its values are judged on the `sovereign:charts:ChartSource` declared beside it
 * (components/shared/chart-release.ts), which carries them; a `kubernetes:helm.sh/v3:Release` is
 * judged on its own inputs. The offline check renders only charts found on
 * the machine, so the pods of a chart from a registry reach `images-allowed-registries` only in a
 * `pulumi preview` that can fetch the chart; the chart's values are where the program
 * chooses their images (the platform's components set every image they run there, through the
 * stack's `images.mirror`). Image-bearing values are found by `chartValueImages`
 * (`policypacks/lib/chart-images.ts`): split `registry`/`repository` objects, `repository` and
 * `name` inside image objects, `*image` keys, registry keys and any registry-qualified reference.
 * Prefixes match on path boundaries of the normalised name, as for pods. Fail closed: an empty allow
 * list admits no image.
 *
 * `valueYamlFiles` are reported too: a values file reaches the policy as an asset whose content it
 * cannot read, so any image it sets would pass unseen. Failing closed keeps the promise that every
 * image the program chooses is checked; the fix is to give those values inline in `values`.
 *
 * A chart's own default images (those the values do not override) are not visible here; only
 * rendering the chart shows them.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.5.1, nist-800-53-cm-7(5), nist-800-53-sr-4, nist-800-53-sr-11, iso-27001-a.8.19, iso-27001-a.5.21
 * @topics images, charts, supply-chain, sovereignty
 * @link https://www.pulumi.com/registry/packages/kubernetes/api-docs/helm/v4/chart/
 */
export const chartsImagesAllowedRegistries: ResourceValidationPolicy = {
    name: "charts-images-allowed-registries",
    description:
        "Images named in Helm chart values must come from an allowed registry (an empty list admits none).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedRegistries: allowListProperty(
                "Registry prefixes images in chart values may come from, e.g. harbor.example/mirror/. Empty admits nothing.",
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (!judgesChartFacts(args.type)) {
            return;
        }
        const { allowedRegistries } = args.getConfig<ChartsImagesAllowedRegistriesConfig>();
        const object = describeChartFacts(args.type, args.props, args.name);
        const files: unknown = args.props.valueYamlFiles;
        if (Array.isArray(files) && files.length > 0) {
            reportViolation(
                `${object} takes values from valueYamlFiles (${files.length} file` +
                    `${files.length === 1 ? "" : "s"}), which policies cannot read, so the images ` +
                    `they name cannot be checked against the allowed registries: give those ` +
                    `values inline in values instead.`,
            );
        }
        const offenders = chartValueImages(args.props.values).filter(
            (found) => !isAllowedImage(parseImage(found.image), allowedRegistries),
        );
        if (offenders.length === 0) {
            return;
        }
        const allowed =
            allowedRegistries.length > 0
                ? `Allowed registries: ${allowedRegistries.join(", ")}.`
                : `No registry is allowed: charts-images-allowed-registries.allowedRegistries is ` +
                  `empty.`;
        reportViolation(
            `${object} names images outside the allowed registries in its values: ` +
                `${offenders.map((o) => `${valuesPath(o.path)} "${o.image}"`).join("; ")}. ` +
                `${allowed} Mirror each image and set the stack's images.mirror (a chart of your ` +
                `own names the mirror in its values), or add the registry to ` +
                `charts-images-allowed-registries.allowedRegistries.`,
        );
    },
};
