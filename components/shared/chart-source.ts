import * as pulumi from "@pulumi/pulumi";
import { dockerHubPath, imageRegistry, splitRegistry } from "../../contract/images";
import type { ChartsSettings, ImagesSettings } from "./settings";

/** A chart as a component pins it: upstream repository, name and exact version. */
export interface PinnedChart {
    /** Chart name in its repository (`gatekeeper`). */
    readonly name: string;
    /** Exact chart version (`3.20.1`); never a range. */
    readonly version: string;
    /** Upstream repository URL (`https://...` or `oci://...`). */
    readonly repository: string;
}

/** Arguments for `kubernetes.helm.v4.Chart` that select the chart: what the source layer decides. */
export interface ChartSourceArgs {
    readonly chart: string;
    readonly version?: string;
    readonly repositoryOpts?: {
        readonly repo?: string;
        readonly username?: string;
        readonly password?: pulumi.Input<string>;
    };
    readonly plainHttp?: boolean;
}

/** Where a chart was resolved from, for the mirroring export and the report. */
export interface ResolvedChart {
    readonly name: string;
    readonly version: string;
    /** `upstream`, `mirror` or `local`. */
    readonly origin: "upstream" | "mirror" | "local";
    /** Repository URL or local path. */
    readonly location: string;
    /** Arguments to spread into `helm.v4.Chart`. */
    readonly args: ChartSourceArgs;
}

/**
 * Resolves a pinned chart against the stack's `charts` settings: a per-chart override wins, then the
 * mirror, then upstream. The version is always exact. Credentials stay Pulumi secrets.
 */
export function resolveChart(pinned: PinnedChart, charts: ChartsSettings): ResolvedChart {
    const override = charts.overrides[pinned.name];
    const version = override?.version ?? pinned.version;
    if (override?.localPath !== undefined) {
        return {
            name: pinned.name,
            version,
            origin: "local",
            location: override.localPath,
            args: { chart: override.localPath },
        };
    }
    const credentials = charts.mirror?.credentials;
    const auth =
        credentials !== undefined
            ? { username: credentials.username, password: pulumi.secret(credentials.password) }
            : {};
    const repository = override?.repository ?? charts.mirror?.url;
    if (repository !== undefined) {
        const plainHttp = charts.mirror?.plainHttp === true;
        if (repository.startsWith("oci://")) {
            return {
                name: pinned.name,
                version,
                origin: "mirror",
                location: repository,
                args: {
                    chart: `${repository.replace(/\/+$/, "")}/${pinned.name}`,
                    version,
                    ...(credentials !== undefined ? { repositoryOpts: auth } : {}),
                    ...(plainHttp ? { plainHttp } : {}),
                },
            };
        }
        return {
            name: pinned.name,
            version,
            origin: "mirror",
            location: repository,
            args: {
                chart: pinned.name,
                version,
                repositoryOpts: { repo: repository, ...auth },
                ...(plainHttp ? { plainHttp } : {}),
            },
        };
    }
    if (pinned.repository.startsWith("oci://")) {
        return {
            name: pinned.name,
            version,
            origin: "upstream",
            location: pinned.repository,
            args: { chart: `${pinned.repository.replace(/\/+$/, "")}/${pinned.name}`, version },
        };
    }
    return {
        name: pinned.name,
        version,
        origin: "upstream",
        location: pinned.repository,
        args: { chart: pinned.name, version, repositoryOpts: { repo: pinned.repository } },
    };
}

/**
 * Rewrites an image reference's registry to the mirror when one is set:
 * `ghcr.io/kyverno/kyverno:v1.2.3` → `harbor.example/mirror/kyverno/kyverno:v1.2.3`. The
 * repository path is kept; only the registry host is replaced. No digest is added here:
 * {@link pinImage} adds the one `images.digests` records.
 */
export function mirrorImage(image: string, images: ImagesSettings): string {
    if (images.mirror === undefined) {
        return image;
    }
    // The reference grammar of contract/images.ts; Docker Hub official images get `library/`.
    const { registry, path } = splitRegistry(image);
    return `${images.mirror}/${registry === undefined ? dockerHubPath(path) : path}`;
}

/**
 * One of the platform's images as the cluster pulls it: through the mirror when one is set, and
 * pinned by the digest `images.digests` records for its upstream reference.
 */
export interface PinnedImage {
    /** The upstream reference the component pins (`registry/repository:tag`): its `images.digests` key. */
    readonly source: string;
    /** Repository the cluster pulls from, without tag: upstream, or its copy under `images.mirror`. */
    readonly repository: string;
    /** The pinned tag. */
    readonly tag: string;
    /** `sha256:...`, when `images.digests` records one for {@link source}. */
    readonly digest?: string;
    /** The tag field of a chart without a digest key: `tag@sha256:...` when pinned, else the tag. */
    readonly pinnedTag: string;
    /** What a pod names: `repository:tag`, or `repository:tag@sha256:...` when pinned. */
    readonly reference: string;
}

/**
 * Resolves an upstream reference (`registry/repository:tag`, as a component pins it) against the
 * stack's `images` settings: the mirror replaces the registry ({@link mirrorImage}), then the
 * recorded digest is appended. A chart with a digest key takes {@link PinnedImage.digest}; one
 * without takes {@link PinnedImage.pinnedTag} in its tag field and renders `repo:tag@sha256:...`.
 */
export function pinImage(source: string, images: ImagesSettings): PinnedImage {
    const colon = source.lastIndexOf(":");
    if (colon < 0 || colon < source.lastIndexOf("/") || source.includes("@")) {
        throw new Error(
            `pinImage: "${source}" is not an upstream reference registry/repository:tag`,
        );
    }
    const tag = source.slice(colon + 1);
    const mirrored = mirrorImage(source, images);
    const repository = mirrored.slice(0, mirrored.length - tag.length - 1);
    const digest = images.digests?.[source];
    const pinnedTag = digest !== undefined ? `${tag}@${digest}` : tag;
    return {
        source,
        repository,
        tag,
        ...(digest !== undefined ? { digest } : {}),
        pinnedTag,
        reference: `${repository}:${pinnedTag}`,
    };
}

/** One image to copy into the mirror: from its upstream reference to the mirror's, and its digest. */
export interface ImageCopy {
    /** The upstream reference (`registry/repository:tag`). */
    readonly source: string;
    /** Where the cluster pulls it from, by tag (the mirror's reference; the source without one). */
    readonly target: string;
    /** The digest `images.digests` records, which the copy must keep. */
    readonly digest?: string;
}

/** The copy of one upstream image the stack's `images` settings call for (see {@link pinImage}). */
export function imageCopy(source: string, images: ImagesSettings): ImageCopy {
    const pinned = pinImage(source, images);
    return {
        source,
        target: `${pinned.repository}:${pinned.tag}`,
        ...(pinned.digest !== undefined ? { digest: pinned.digest } : {}),
    };
}

/** An image split the way Kyverno's and Falco's charts compose it: `registry/repository:tag`. */
export interface RegistryImage {
    readonly registry: string;
    readonly repository: string;
    readonly tag: string;
}

/**
 * {@link pinImage} for a chart that composes `registry/repository:tag` and has no digest key: the
 * mirror (with its path) becomes the registry, the repository path is kept, and a recorded digest
 * goes into the tag (`v1.2.3@sha256:...`), so the chart renders `registry/repository:tag@sha256:...`.
 */
export function pinRegistryImage(upstream: RegistryImage, images: ImagesSettings): RegistryImage {
    const pinned = pinImage(`${upstream.registry}/${upstream.repository}:${upstream.tag}`, images);
    // The mirror keeps the repository path, so the pulled repository always ends with it.
    const registry = pinned.repository.slice(
        0,
        pinned.repository.length - upstream.repository.length - 1,
    );
    return { registry, repository: upstream.repository, tag: pinned.pinnedTag };
}

/** The registry host of an image reference (`docker.io` when none is given): `contract/images.ts`. */
export { imageRegistry };
