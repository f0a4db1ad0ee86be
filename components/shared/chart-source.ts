import * as pulumi from "@pulumi/pulumi";
import type { ChartsSettings, ImagesSettings } from "../../stacks/sections/sources";

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
 * repository path is kept; only the registry host is replaced.
 */
export function mirrorImage(image: string, images: ImagesSettings): string {
    if (images.mirror === undefined) {
        return image;
    }
    const firstSlash = image.indexOf("/");
    const first = firstSlash < 0 ? "" : image.slice(0, firstSlash);
    const hasRegistry = first.includes(".") || first.includes(":") || first === "localhost";
    let path = hasRegistry ? image.slice(firstSlash + 1) : image;
    if (!hasRegistry && !path.includes("/")) {
        path = `library/${path}`; // Docker Hub official images
    }
    return `${images.mirror}/${path}`;
}

/** The registry host of an image reference (`docker.io` when none is given). */
export function imageRegistry(image: string): string {
    const firstSlash = image.indexOf("/");
    const first = firstSlash < 0 ? "" : image.slice(0, firstSlash);
    return first.includes(".") || first.includes(":") || first === "localhost"
        ? first
        : "docker.io";
}
