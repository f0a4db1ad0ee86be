import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, podTemplateOf } from "../../lib/workloads";
import { isAllowedImage, parseImage, podImages } from "../../lib/images";

/** Config of {@link imagesAllowedRegistries}. */
export interface AllowedRegistriesConfig {
    /**
     * Registry prefixes images may come from (`registry.example.eu/ai/`), matched on path
     * boundaries against `registry/repository`. Empty admits nothing.
     */
    readonly allowedRegistries: string[];
}

/**
 * Every image a pod pulls comes from an allowed registry prefix: the image of each container
 * (containers, initContainers, ephemeralContainers) and the reference of each image volume
 * (`volumes[].image.reference`, Kubernetes 1.33 beta), in every pod-bearing kind (CronJob job
 * templates and PodTemplate objects included). Fail closed: an empty allow list admits no image at
 * all, and a container or image volume without a reference is reported. Prefixes match on path boundaries of the normalised name
 * (`nginx` is `docker.io/library/nginx`), so `registry.example/ai` does not admit
 * `registry.example/ai-other/...`. Set from the stack's `workloads.allowedRegistries`.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.5.1, nist-800-53-cm-7(5), nist-800-53-sr-4, nist-800-53-sr-11, iso-27001-a.8.19, iso-27001-a.5.21
 * @topics images, supply-chain, sovereignty
 * @link https://open-policy-agent.github.io/gatekeeper-library/website/validation/allowedrepos/
 */
export const imagesAllowedRegistries: ResourceValidationPolicy = {
    name: "images-allowed-registries",
    description:
        "Images of containers and image volumes must come from an allowed registry (an empty list admits none).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedRegistries: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: [],
                description:
                    "Registry prefixes images may come from, e.g. registry.example.eu/ai/. Empty admits nothing.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined) {
            return;
        }
        const { allowedRegistries } = args.getConfig<AllowedRegistriesConfig>();
        const offenders = podImages(template).filter(
            (c) => c.image === undefined || !isAllowedImage(parseImage(c.image), allowedRegistries),
        );
        if (offenders.length === 0) {
            return;
        }
        const allowed =
            allowedRegistries.length > 0
                ? `Allowed registries: ${allowedRegistries.join(", ")}.`
                : `No registry is allowed: images-allowed-registries.allowedRegistries is empty ` +
                  `(set the stack's workloads.allowedRegistries and its pack config).`;
        reportViolation(
            `${describeObject(args.type, args.props, args.name)} uses images outside the ` +
                `allowed registries: ${offenders.map((c) => c.label).join("; ")}. ${allowed} ` +
                `Mirror each image into an allowed registry and reference it there.`,
        );
    },
};
