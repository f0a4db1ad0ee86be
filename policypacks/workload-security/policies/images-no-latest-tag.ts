import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, podTemplateOf } from "../../lib/workloads";
import { podImages, parseImage } from "../../lib/images";

/**
 * No image a pod pulls (a container's image in any of the three lists, or an image volume's
 * `volumes[].image.reference`) uses the `latest` tag or omits the tag (which means `latest` unless
 * the image is pinned by digest). A moving tag makes what runs depend on when a node pulled it; an
 * image given only by digest is pinned and passes. References that are missing are left to
 * `images-allowed-registries`.
 *
 * @severity medium
 * @frameworks nist-800-53-cm-2, nist-800-53-si-7, nist-800-53-cm-14, iso-27001-a.8.19, iso-27001-a.8.32
 * @topics images, supply-chain
 * @link https://kubernetes.io/docs/concepts/containers/images/#image-names
 */
export const imagesNoLatestTag: ResourceValidationPolicy = {
    name: "images-no-latest-tag",
    description:
        "Images of containers and image volumes must name a version tag, never latest or no tag.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined) {
            return;
        }
        const offenders: string[] = [];
        for (const c of podImages(template)) {
            if (c.image === undefined) {
                continue;
            }
            const image = parseImage(c.image);
            if (image.tag === "latest") {
                offenders.push(`${c.label} uses the tag latest`);
            } else if (image.tag === undefined && image.digest === undefined) {
                offenders.push(`${c.label} has no tag (Kubernetes pulls latest)`);
            }
        }
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} uses unpinned image tags: ` +
                    `${offenders.join("; ")}. Reference each image by a version tag ` +
                    `(and a digest where the stack requires one).`,
            );
        }
    },
};
