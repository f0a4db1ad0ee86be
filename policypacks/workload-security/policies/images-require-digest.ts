import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, podTemplateOf } from "../../lib/workloads";
import { isValidDigest, parseImage, podImages } from "../../lib/images";

/** Config of {@link imagesRequireDigest}. */
export interface RequireDigestConfig {
    /** Whether images must be pinned by digest. @default true */
    readonly requireDigest: boolean;
}

/**
 * Where the stack requires it (`workloads.requireImageDigests`, on in prod), every image a pod pulls
 * (a container's image in any of the three lists, or an image volume's `volumes[].image.reference`)
 * is pinned by a well-formed content digest (`@sha256:` and 64 hex digits): a tag can be moved to
 * other content, a digest cannot. With `requireDigest: false` the policy passes everything.
 * References that are missing are left to `images-allowed-registries`.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.5.1, nist-800-53-si-7, nist-800-53-si-7(1), nist-800-53-cm-14, iso-27001-a.8.19
 * @topics images, supply-chain
 * @link https://kubernetes.io/docs/concepts/containers/images/#image-names
 */
export const imagesRequireDigest: ResourceValidationPolicy = {
    name: "images-require-digest",
    description:
        "Images of containers and image volumes must be pinned by digest where the stack requires it.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requireDigest: {
                type: "boolean",
                default: true,
                description: "Whether images must be pinned by digest (image@sha256:...).",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined) {
            return;
        }
        const { requireDigest } = args.getConfig<RequireDigestConfig>();
        if (!requireDigest) {
            return;
        }
        const offenders: string[] = [];
        for (const c of podImages(template)) {
            if (c.image === undefined) {
                continue;
            }
            const { digest } = parseImage(c.image);
            if (digest === undefined) {
                offenders.push(`${c.label} has no digest`);
            } else if (!isValidDigest(digest)) {
                offenders.push(`${c.label} has a malformed digest`);
            }
        }
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} uses images not pinned by ` +
                    `digest: ${offenders.join("; ")}. Pin each image as ` +
                    `<image>:<tag>@sha256:<64 hex digits>, resolved from the allowed registry.`,
            );
        }
    },
};
