/**
 * Container image references as the policies read them: registry, repository path, tag and
 * digest, following the reference grammar of the distribution project (the registry is the first
 * path component only when it looks like a host: it contains `.` or `:`, or is `localhost`).
 *
 * @link https://github.com/distribution/reference/blob/main/reference.go
 */
import { ContainerRef, containersOf, PodTemplate } from "./workloads";

/** An image reference split into its parts. */
export interface ImageReference {
    /** Registry host (with port), `docker.io` when the reference names none. */
    readonly registry: string;
    /** Repository path inside the registry; Docker Hub official images get `library/`. */
    readonly repository: string;
    /** `registry/repository`: what allow lists are matched against. */
    readonly name: string;
    /** The tag, when one is given. */
    readonly tag?: string;
    /** The digest (`sha256:...`), when one is given. */
    readonly digest?: string;
}

/** Splits an image reference (`registry.example/ai/model:1.2@sha256:...`) into its parts. */
export function parseImage(image: string): ImageReference {
    let rest = image.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const lastSlash = rest.lastIndexOf("/");
    const lastColon = rest.lastIndexOf(":");
    // A colon after the last slash separates the tag; one before it is a registry port.
    if (lastColon > lastSlash) {
        tag = rest.slice(lastColon + 1);
        rest = rest.slice(0, lastColon);
    }
    const firstSlash = rest.indexOf("/");
    const first = firstSlash < 0 ? "" : rest.slice(0, firstSlash);
    const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
    const registry = hasRegistry ? first : "docker.io";
    let repository = hasRegistry ? rest.slice(firstSlash + 1) : rest;
    if (registry === "docker.io" && !repository.includes("/")) {
        repository = `library/${repository}`;
    }
    return {
        registry,
        repository,
        name: `${registry}/${repository}`,
        ...(tag !== undefined ? { tag } : {}),
        ...(digest !== undefined ? { digest } : {}),
    };
}

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

/** One container's image with where it sits, for messages. */
export interface ContainerImage {
    readonly ref: ContainerRef;
    /** The image reference, or undefined when the container names none. */
    readonly image?: string;
    /** `"app" image "nginx:1.27" at spec.containers[0].image`: how messages name it. */
    readonly label: string;
}

/** The image of every container of a pod template (all three container lists). */
export function containerImages(template: PodTemplate): ContainerImage[] {
    return containersOf(template).map((ref) => {
        const image: unknown = ref.container.image;
        const path = `${ref.path}.image`;
        return typeof image === "string" && image.trim() !== ""
            ? { ref, image, label: `"${ref.name}" image "${image}" at ${path}` }
            : { ref, label: `"${ref.name}" has no image at ${path}` };
    });
}
