/**
 * The grammar of a container image reference, one definition for the components that mirror and
 * pin images, the policies that read them and the check that lists them: registry, repository
 * path, tag and digest, as the distribution project reads a reference (the first path component
 * is the registry only when it looks like a host: it contains `.` or `:`, or is `localhost`;
 * otherwise the image is on Docker Hub, and a one-segment name is an official `library/` image).
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 *
 * @link https://github.com/distribution/reference/blob/main/reference.go
 */

/** The registry of a reference that names none. */
export const defaultRegistry = "docker.io";

/** True when a reference's first path component names a registry host rather than a path. */
export function isRegistryHost(component: string): boolean {
    return component.includes(".") || component.includes(":") || component === "localhost";
}

/**
 * Splits a reference at its registry, keeping everything after it (path, tag and digest) as
 * written: `harbor.example:5000/ai/model:1@sha256:...` → registry `harbor.example:5000`, path
 * `ai/model:1@sha256:...`. `registry` is undefined when the reference names none (Docker Hub).
 */
export function splitRegistry(reference: string): {
    readonly registry?: string;
    readonly path: string;
} {
    const firstSlash = reference.indexOf("/");
    const first = firstSlash < 0 ? "" : reference.slice(0, firstSlash);
    return isRegistryHost(first)
        ? { registry: first, path: reference.slice(firstSlash + 1) }
        : { path: reference };
}

/**
 * The path of a reference on Docker Hub as the registry stores it: a one-segment name is an
 * official image under `library/` (`nginx:1.27` → `library/nginx:1.27`).
 */
export function dockerHubPath(path: string): string {
    return path.includes("/") ? path : `library/${path}`;
}

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
    const split = splitRegistry(rest);
    const registry = split.registry ?? defaultRegistry;
    const repository = split.registry === undefined ? dockerHubPath(split.path) : split.path;
    return {
        registry,
        repository,
        name: `${registry}/${repository}`,
        ...(tag !== undefined ? { tag } : {}),
        ...(digest !== undefined ? { digest } : {}),
    };
}

/** The registry host of an image reference (`docker.io` when none is given). */
export function imageRegistry(image: string): string {
    return splitRegistry(image).registry ?? defaultRegistry;
}
