/**
 * The images a Helm chart's values name. Charts spell images in several shapes, and the platform's
 * charts use all of them:
 *
 * - an object with a separate `registry` and `repository` (Kyverno, Falco), optionally with a `tag`
 *   and a `digest`: reported as the combined `registry/repository[:tag][@digest]` at the object's
 *   path (`cleanupController.image`), since neither field alone is the reference;
 * - a `repository` (or `*Repository`) or `name` inside an image object (cert-manager, Gatekeeper,
 *   Linkerd): the string as given, at its own path (`image.repository`);
 * - a `registry` alone (`global.image.registry`) or a string under a `*registry` key
 *   (`imageRegistry`): every image of the chart is pulled from it, so it is reported as a prefix
 *   ending in `/` (`quay.io/`), which an allow list judges like any other reference;
 * - a string under an `*image` or `*images` key (`controllerImage`, `image: nginx:1.27`), and each
 *   string of an array under such a key;
 * - any other string that reads as a registry-qualified image reference with a tag or digest
 *   (`quay.io/org/agent:1.0.0`), wherever it sits, arrays included.
 *
 * An image object is an object under an `*image`/`*images` key, and everything nested in it except
 * `resources` and `pullSecrets`. What the values do not set (a chart's own default image) is not
 * seen: only chart rendering shows that.
 */

/** One image-bearing value of a chart's values. */
export interface ChartValueImage {
    /** Path inside the values: `cleanupController.image`, `proxy.image.name`, `sidecars[0].image`. */
    readonly path: string;
    /** The image reference (or registry prefix ending in `/`) the values name there. */
    readonly image: string;
}

/** A string that reads as an image reference with a registry host and a tag or digest. */
const registryReference =
    /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?\/[a-z0-9._/-]+(:\w[\w.-]{0,127}(@sha256:[a-f0-9]{64})?|@sha256:[a-f0-9]{64})$/;

/** A key whose value is an image or holds image objects: `image`, `controllerImage`, `images`. */
const imageKey = /images?$/i;

/** A key whose string value is a registry: `registry`, `imageRegistry`. */
const registryKey = /registry$/i;

/** A key inside an image object whose string value is a repository: `repository`, `name`. */
const repositoryKey = (key: string): boolean => /repository$/i.test(key) || key === "name";

/** Keys inside an image object that never hold an image. */
const notImageContent = new Set(["resources", "pullSecrets"]);

const nonEmpty = (value: unknown): value is string => typeof value === "string" && value !== "";

/** `registry/repository[:tag][@digest]`, the reference a chart composes from split fields. */
function combined(obj: Record<string, unknown>): string {
    const registry = String(obj.registry).replace(/\/+$/, "");
    const tag = nonEmpty(obj.tag) ? `:${obj.tag}` : "";
    const digest = nonEmpty(obj.digest) ? `@${obj.digest}` : "";
    return `${registry}/${String(obj.repository)}${tag}${digest}`;
}

/** Every image-bearing value of a chart's values, in document order (see the module comment). */
export function chartValueImages(values: unknown): ChartValueImage[] {
    const found: ChartValueImage[] = [];
    const join = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`);

    const visitString = (value: string, path: string, key: string, inImage: boolean): void => {
        if (value === "") {
            return;
        }
        if (registryKey.test(key)) {
            found.push({ path, image: `${value.replace(/\/+$/, "")}/` });
        } else if (imageKey.test(key) || (inImage && repositoryKey(key))) {
            found.push({ path, image: value });
        } else if (registryReference.test(value)) {
            found.push({ path, image: value });
        }
    };

    const visit = (node: unknown, path: string, key: string, inImage: boolean): void => {
        if (Array.isArray(node)) {
            node.forEach((item, i) => {
                const at = `${path}[${i}]`;
                if (typeof item === "string") {
                    if (item !== "" && (imageKey.test(key) || registryReference.test(item))) {
                        found.push({ path: at, image: item });
                    }
                } else {
                    visit(item, at, key, inImage);
                }
            });
            return;
        }
        if (typeof node !== "object" || node === null) {
            return;
        }
        const obj = node as Record<string, unknown>;
        const split = nonEmpty(obj.registry) && nonEmpty(obj.repository);
        if (split) {
            found.push({ path, image: combined(obj) });
        }
        for (const [childKey, value] of Object.entries(obj)) {
            if (split && ["registry", "repository", "tag", "digest"].includes(childKey)) {
                continue;
            }
            const at = join(path, childKey);
            if (typeof value === "string") {
                visitString(value, at, childKey, inImage);
            } else {
                const childInImage =
                    imageKey.test(childKey) || (inImage && !notImageContent.has(childKey));
                visit(value, at, childKey, childInImage);
            }
        }
    };

    visit(values, "", "", false);
    return found;
}
