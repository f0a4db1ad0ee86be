/**
 * How policies refer to one object in allow lists: `<namespace>/<name>` for namespaced objects,
 * `<name>` for cluster-scoped ones (and for namespaced objects that leave the namespace to the
 * provider's default). Pack config lists objects in this form.
 */
import { isObject, KubeObject } from "./workloads";

/** The allow-list key of an object: `tenant-a/web`, or `cluster-admin` when cluster-scoped. */
export function objectKey(props: KubeObject, resourceName?: string): string {
    const meta: KubeObject = isObject(props.metadata) ? props.metadata : {};
    const name =
        typeof meta.name === "string" && meta.name !== "" ? meta.name : (resourceName ?? "");
    return typeof meta.namespace === "string" && meta.namespace !== ""
        ? `${meta.namespace}/${name}`
        : name;
}

/** The namespace an object lives in, `default` when it names none (what the API server assumes). */
export function namespaceOf(props: KubeObject): string {
    const meta: KubeObject = isObject(props.metadata) ? props.metadata : {};
    return typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : "default";
}

/** The strings of a value that should be a string list; anything else yields an empty list. */
export function stringList(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
