/**
 * The mirroring export (`out/<stack>/mirror.json`): the exact charts and images a stack needs, so
 * an air-gapped site can copy them into its mirrors before `pulumi up`. Charts come from every
 * `helm.v4.Chart` the program declares (where each is fetched from, at which version); images from
 * every pod the check judged (the program's own workloads and the objects of rendered charts), the
 * components' declared image lists, and the images each chart's values name.
 */
import { chartValueImages } from "../../policypacks/lib/chart-images";
import { parseImage } from "../../policypacks/lib/images";
import { chartSourceOf } from "../../policypacks/platform-guardrails/lib/charts";
import { isRecord } from "./values";

/** One chart to mirror. */
export interface MirrorChart {
    /** The Chart resource that installs it. */
    readonly resource: string;
    /** Chart name as the repository knows it (`gatekeeper`), or the reference as given. */
    readonly name: string;
    /** Exact version, empty for a local chart (its Chart.yaml says). */
    readonly version: string;
    /**
     * `oci` (an OCI registry), `repository` (an HTTP chart repository), `url` (a packaged chart
     * at a URL), `local` (a path), or `unresolved` (a `repo/name` alias of the operator's Helm
     * configuration, or no chart at all: nothing a site can mirror as named).
     */
    readonly source: "oci" | "repository" | "url" | "local" | "unresolved";
    /** The OCI reference without the chart name, the repository URL, the URL or the path. */
    readonly location: string;
}

/** An image value a chart names that cannot be mirrored as is: no tag and no digest. */
export interface UnpinnedImageValue {
    readonly resource: string;
    readonly path: string;
    readonly image: string;
}

/**
 * One platform image to copy: its upstream reference, the reference the cluster pulls it by (the
 * mirror's, by tag) and the digest the stack records for it, which the copy must keep.
 */
export interface MirrorImageSource {
    readonly source: string;
    readonly target: string;
    readonly digest?: string;
}

/** The export written to `mirror.json`. */
export interface MirrorExport {
    readonly charts: MirrorChart[];
    readonly images: string[];
    /** The platform's own images, sorted by source (the program's `imageSources` output). */
    readonly imageSources: MirrorImageSource[];
    readonly unpinnedImageValues: UnpinnedImageValue[];
}

/**
 * The program's `imageSources` output as the export lists it: well-formed entries only (each a
 * source and a target, a digest when given), sorted by source.
 */
export function imageSourcesOf(output: unknown): MirrorImageSource[] {
    if (!Array.isArray(output)) {
        return [];
    }
    return output
        .filter(
            (e): e is Record<string, unknown> =>
                isRecord(e) && typeof e.source === "string" && typeof e.target === "string",
        )
        .map((e) => ({
            source: e.source as string,
            target: e.target as string,
            ...(typeof e.digest === "string" ? { digest: e.digest } : {}),
        }))
        .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

/** Where one Chart's inputs fetch the chart from (classified as the packs classify it). */
export function mirrorChart(resource: string, inputs: Record<string, unknown>): MirrorChart {
    const version = typeof inputs.version === "string" ? inputs.version : "";
    const source = chartSourceOf(inputs);
    if (source === undefined || source.kind === "unresolved") {
        const chart = typeof inputs.chart === "string" ? inputs.chart : "";
        return { resource, name: chart, version, source: "unresolved", location: "" };
    }
    if (source.kind === "local") {
        return { resource, name: source.path, version, source: "local", location: source.path };
    }
    if (source.field === "repositoryOpts.repo") {
        const name = String(inputs.chart);
        return { resource, name, version, source: "repository", location: source.url };
    }
    const slash = source.url.lastIndexOf("/");
    return {
        resource,
        name: source.url.slice(slash + 1),
        version,
        source: source.url.startsWith("oci://") ? "oci" : "url",
        location: source.url.startsWith("oci://") ? source.url.slice(0, slash) : source.url,
    };
}

/** The value at a path `chartValueImages` reports (`a.b[0].c`), or undefined. */
function at(values: unknown, path: string): unknown {
    let node: unknown = values;
    for (const part of path.match(/[^.[\]]+/g) ?? []) {
        if (Array.isArray(node) && /^\d+$/.test(part)) {
            node = node[Number(part)];
        } else if (isRecord(node)) {
            node = node[part];
        } else {
            return undefined;
        }
    }
    return node;
}

/**
 * The images one chart's values name, as references to mirror. A `repository` or `name` value
 * takes its sibling `tag` (or `release`, `version`) and `digest`; a registry alone
 * (`global.imageRegistry`) is not an image; a reference with neither tag nor digest is returned
 * as unpinned, since what it resolves to depends on the chart.
 */
export function chartImages(
    resource: string,
    values: unknown,
): { images: string[]; unpinned: UnpinnedImageValue[] } {
    const images: string[] = [];
    const unpinned: UnpinnedImageValue[] = [];
    for (const found of chartValueImages(values)) {
        if (found.image.endsWith("/")) {
            continue;
        }
        let image = found.image;
        let ref = parseImage(image);
        if (ref.tag === undefined && ref.digest === undefined) {
            const dot = found.path.lastIndexOf(".");
            const parent = dot < 0 ? values : at(values, found.path.slice(0, dot));
            if (isRecord(parent) && parent[found.path.slice(dot + 1)] === found.image) {
                // Charts name the tag `tag`, `release` (Gatekeeper) or `version` (Linkerd).
                const tag = [parent.tag, parent.release, parent.version].find(
                    (t): t is string => typeof t === "string" && t !== "",
                );
                if (tag !== undefined) {
                    image = `${image}:${tag}`;
                }
                if (typeof parent.digest === "string" && parent.digest !== "") {
                    image = `${image}@${parent.digest}`;
                }
            }
            ref = parseImage(image);
        }
        if (ref.tag === undefined && ref.digest === undefined) {
            unpinned.push({ resource, path: found.path, image: found.image });
        } else {
            images.push(image);
        }
    }
    return { images, unpinned };
}

/** The registry-qualified form of a reference, for telling duplicates apart. */
function canonical(image: string): string {
    const ref = parseImage(image);
    return `${ref.name}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/**
 * Image references without duplicates, sorted. Two spellings of one image
 * (`openpolicyagent/gatekeeper:v1` and `docker.io/openpolicyagent/gatekeeper:v1`) count once;
 * the first spelling seen is kept.
 */
export function uniqueImages(images: Iterable<string>): string[] {
    const seen = new Map<string, string>();
    for (const image of images) {
        const key = canonical(image);
        if (!seen.has(key)) {
            seen.set(key, image);
        }
    }
    return [...seen.values()].sort();
}
