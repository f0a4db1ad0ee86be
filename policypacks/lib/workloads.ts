/**
 * Helpers shared by the policy packs: where each pod-bearing kind keeps its pod template, and how
 * to name an object in a violation message.
 *
 * Resources arrive as Pulumi type tokens (`kubernetes:apps/v1:Deployment`). Plain manifests judged
 * by the offline check are given the same tokens (see {@link pulumiTypeOf}), so one policy serves
 * both paths.
 */

/** A Kubernetes object as policies see it: loosely typed, because inputs are not validated yet. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any>;

/** A pod spec together with the metadata that governs it (annotations live on the pod template). */
export interface PodTemplate {
    /** The pod spec (`spec` of a Pod, `spec.template.spec` of a Deployment, ...). */
    readonly spec: KubeObject;
    /** The pod's metadata (the template's metadata for controllers); may be empty. */
    readonly metadata: KubeObject;
    /** The field path of the pod spec inside the object, for messages: `spec.template.spec`. */
    readonly path: string;
}

/** One container of a pod spec with where it sits. */
export interface ContainerRef {
    readonly container: KubeObject;
    /** `containers`, `initContainers` or `ephemeralContainers`. */
    readonly list: "containers" | "initContainers" | "ephemeralContainers";
    readonly index: number;
    /** The container's name, or `#<index>` when it has none. */
    readonly name: string;
    /** Field path of the container: `spec.template.spec.containers[0]`. */
    readonly path: string;
}

/** Where the pod template sits, per pod-bearing Pulumi type. */
const podSpecPaths: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:Pod": ["spec"],
    "kubernetes:core/v1:PodTemplate": ["template", "spec"],
    "kubernetes:core/v1:ReplicationController": ["spec", "template", "spec"],
    "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
    "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    // Deprecated API versions the provider SDK still ships classes for: a program (or a manifest
    // judged offline) can still declare them, and a pod in one is no less a pod.
    "kubernetes:apps/v1beta1:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1beta1:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1beta2:Deployment": ["spec", "template", "spec"],
    "kubernetes:apps/v1beta2:StatefulSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1beta2:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:apps/v1beta2:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:extensions/v1beta1:Deployment": ["spec", "template", "spec"],
    "kubernetes:extensions/v1beta1:DaemonSet": ["spec", "template", "spec"],
    "kubernetes:extensions/v1beta1:ReplicaSet": ["spec", "template", "spec"],
    "kubernetes:batch/v1beta1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    "kubernetes:batch/v2alpha1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** The Pulumi type tokens of every pod-bearing kind the packs judge. */
export const podBearingTypes: readonly string[] = Object.keys(podSpecPaths);

/**
 * The pod spec a Pulumi patch resource of a pod-bearing kind sets (`kubernetes:apps/v1:DeploymentPatch`
 * and the like: a server-side apply patch of an object the stack does not declare), with its field
 * path; undefined for any other type, or when the patch sets no pod spec field.
 */
export function patchedPodSpecOf(
    type: string,
    props: KubeObject,
): { readonly spec: KubeObject; readonly path: string } | undefined {
    if (!type.endsWith("Patch")) {
        return undefined;
    }
    const path = podSpecPaths[type.slice(0, -"Patch".length)];
    if (path === undefined) {
        return undefined;
    }
    let spec: unknown = props;
    for (const key of path) {
        spec = isObject(spec) ? spec[key] : undefined;
    }
    return isObject(spec) && Object.keys(spec).length > 0
        ? { spec, path: path.join(".") }
        : undefined;
}

/**
 * The Pulumi type token of a Kubernetes object: `apps/v1` + `Deployment` gives
 * `kubernetes:apps/v1:Deployment`, the core group (`v1`) gives `kubernetes:core/v1:Pod`.
 */
export function pulumiTypeOf(apiVersion: string, kind: string): string {
    const groupVersion = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    return `kubernetes:${groupVersion}:${kind}`;
}

/** The pod template of a pod-bearing object, or undefined for any other type. */
export function podTemplateOf(type: string, props: KubeObject): PodTemplate | undefined {
    const path = podSpecPaths[type];
    if (path === undefined) {
        return undefined;
    }
    let spec: unknown = props;
    for (const key of path) {
        spec = isObject(spec) ? spec[key] : undefined;
    }
    // The metadata that belongs to the pod: the object's own for a Pod, the template's otherwise.
    let metadata: unknown = props.metadata;
    if (path.length > 1) {
        let template: unknown = props;
        for (const key of path.slice(0, -1)) {
            template = isObject(template) ? template[key] : undefined;
        }
        metadata = isObject(template) ? template.metadata : undefined;
    }
    return {
        spec: isObject(spec) ? spec : {},
        metadata: isObject(metadata) ? metadata : {},
        path: path.join("."),
    };
}

/** Every container of a pod spec: containers, then initContainers, then ephemeralContainers. */
export function containersOf(template: PodTemplate): ContainerRef[] {
    const refs: ContainerRef[] = [];
    for (const list of ["containers", "initContainers", "ephemeralContainers"] as const) {
        const items: unknown = template.spec[list];
        if (!Array.isArray(items)) {
            continue;
        }
        items.forEach((container: unknown, index: number) => {
            const c = isObject(container) ? container : {};
            refs.push({
                container: c,
                list,
                index,
                name: typeof c.name === "string" && c.name !== "" ? c.name : `#${index}`,
                path: `${template.path}.${list}[${index}]`,
            });
        });
    }
    return refs;
}

/**
 * How a violation message names an object: `Deployment "tenant-a/web"`. Uses the Kubernetes kind
 * and metadata when present, the Pulumi resource name otherwise.
 */
export function describeObject(type: string, props: KubeObject, resourceName?: string): string {
    const kind = typeof props.kind === "string" ? props.kind : (type.split(":").pop() ?? type);
    const meta: KubeObject = isObject(props.metadata) ? props.metadata : {};
    const name = typeof meta.name === "string" ? meta.name : (resourceName ?? "<unnamed>");
    const namespace = typeof meta.namespace === "string" ? `${meta.namespace}/` : "";
    return `${kind} "${namespace}${name}"`;
}

/** True for a plain (non-array) object. */
export function isObject(value: unknown): value is KubeObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The field path of the metadata that governs a pod template, for messages: `metadata` for a Pod,
 * `spec.template.metadata` for a Deployment (the template's metadata, beside its spec).
 */
export function metadataPathOf(template: PodTemplate): string {
    return template.path.endsWith(".spec")
        ? `${template.path.slice(0, -".spec".length)}.metadata`
        : "metadata";
}
