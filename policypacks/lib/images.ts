/**
 * Container image references as the policies read them: the reference grammar is the one of
 * `contract/images.ts` (registry, repository path, tag and digest), shared with the components
 * that mirror and pin images and with the check; here the allow-list match, the digest rule and
 * where a pod names its images.
 */
import { type ImageReference, parseImage } from "../../contract/images";
import { ContainerRef, containersOf, isObject, PodTemplate } from "./workloads";

export { type ImageReference, parseImage };

/**
 * True when the image's `registry/repository` lies under one of the allowed prefixes. A prefix is
 * matched on path boundaries: `registry.example/ai` (with or without a trailing `/`) admits
 * `registry.example/ai/model` but not `registry.example/ai-other/model`. An empty list admits
 * nothing (fail closed).
 */
export function isAllowedImage(image: ImageReference, allowedPrefixes: readonly string[]): boolean {
    return allowedPrefixes.some((entry) => {
        const prefix = entry.trim().replace(/\/+$/, "");
        return prefix !== "" && (image.name === prefix || image.name.startsWith(`${prefix}/`));
    });
}

/** True for a well-formed content digest: `sha256:` + 64 hex digits (or `sha512:` + 128). */
export function isValidDigest(digest: string): boolean {
    return /^sha256:[a-f0-9]{64}$/.test(digest) || /^sha512:[a-f0-9]{128}$/.test(digest);
}

/** One image reference a pod pulls, with where it sits, for messages. */
export interface PodImage {
    /** A container's image (any of the three lists) or an image volume's reference. */
    readonly source: "container" | "volume";
    /** The container's or volume's name, or `#<index>` when it has none. */
    readonly name: string;
    /** Field path of the reference: `spec.containers[0].image`, `spec.volumes[1].image.reference`. */
    readonly path: string;
    /** The image reference, or undefined when none is given there. */
    readonly image?: string;
    /**
     * How messages name it: `"app" image "nginx:1.27" at spec.containers[0].image`, or
     * `volume "model" image "..." at spec.volumes[0].image.reference`.
     */
    readonly label: string;
}

/**
 * Every image reference a pod pulls, in spec order: the image of each container (containers,
 * initContainers, ephemeralContainers), then the reference of each image volume
 * (`volumes[].image.reference`, Kubernetes 1.31 alpha, 1.33 beta), which the kubelet pulls like a
 * container image, with the same pull policy and credentials. PodSpec holds no other image
 * reference.
 */
export function podImages(template: PodTemplate): PodImage[] {
    const images: PodImage[] = containersOf(template).map((ref: ContainerRef) =>
        describeImage("container", ref.name, `${ref.path}.image`, ref.container.image),
    );
    const volumes: unknown = template.spec.volumes;
    if (Array.isArray(volumes)) {
        volumes.forEach((volume: unknown, index: number) => {
            if (!isObject(volume) || volume.image == null) {
                return;
            }
            const name =
                typeof volume.name === "string" && volume.name !== "" ? volume.name : `#${index}`;
            const source: unknown = volume.image;
            const reference: unknown = isObject(source) ? source.reference : undefined;
            const path = `${template.path}.volumes[${index}].image.reference`;
            images.push(describeImage("volume", name, path, reference));
        });
    }
    return images;
}

function describeImage(
    source: PodImage["source"],
    name: string,
    path: string,
    image: unknown,
): PodImage {
    const who = source === "volume" ? `volume "${name}"` : `"${name}"`;
    return typeof image === "string" && image.trim() !== ""
        ? { source, name, path, image, label: `${who} image "${image}" at ${path}` }
        : { source, name, path, label: `${who} has no image at ${path}` };
}
