/**
 * What the check keeps of each judged resource. The pipeline (tools/check/pipeline.ts) hands every
 * resource here once the packs have judged it, in registration order; `JudgedStream.take` does at
 * once everything the report needs of it (its AnalyzeStack entry, its schema validation, its
 * manifests.yaml document, its images, its identity, its namespace-isolation evidence) and keeps
 * only the small results and the few objects a later step needs whole (charts, CRDs, the objects
 * the admission simulation reads). The resource itself is then dropped, so the check's memory
 * does not grow with each resource's properties (docs/performance.md).
 */
import * as fs from "fs";
import * as YAML from "yaml";
import { AnalyzedResource, AnalyzeStackRequestBuilder } from "./protocol";
import { SimObject } from "./admission/types";
import { NamespaceIsolationCollector } from "./evidence";
import { isCrd } from "./helm";
import { DeclaredObject } from "./identities";
import { validateObject } from "./kube-schema";
import { maskObject } from "./masking";
import { chartImages, UnpinnedImageValue } from "./mirror";
import { Report } from "./report";
import { exemptionReasonAnnotation } from "../../contract/annotations";
import { chartType } from "../../policypacks/platform-guardrails/lib/charts";
import { isRecord } from "./values";

/** Everything about one judged resource. */
export interface Judged extends AnalyzedResource {
    readonly file?: string;
    /** Plain inputs with secrets unwrapped (for the schema) and masked (for files). */
    readonly plain: Record<string, unknown>;
    readonly masked: Record<string, unknown>;
}

/** The plain and masked views of a resource's inputs (see Judged). */
export interface Views {
    readonly plain: Record<string, unknown>;
    readonly masked: Record<string, unknown>;
}

/**
 * A judged resource whose `plain` and `masked` views are computed from `views()` on first use and
 * kept from then on: a resource waiting for the packs holds only its properties, not two more
 * copies of them.
 */
export function judgedResource(base: Omit<Judged, keyof Views>, views: () => Views): Judged {
    let computed: Views | undefined;
    const get = (): Views => (computed ??= views());
    return Object.defineProperties(
        { ...base },
        {
            plain: { enumerable: true, get: () => get().plain },
            masked: { enumerable: true, get: () => get().masked },
        },
    ) as Judged;
}

/** A resource as the report names it. */
export interface ResourceRef {
    readonly type: string;
    readonly name: string;
    readonly file?: string;
}

/** One object the schema refused (the message is written once the Kubernetes version is known). */
export interface SchemaFailure {
    readonly resource: ResourceRef;
    readonly kind: string;
    readonly errors: string[];
}

/**
 * Kinds (`group/kind`, core as ``) the admission simulation (tools/check/admission/) never reads:
 * it reads workloads, namespaces, the admission controllers' policies, configuration, webhooks
 * and deployments. These are most of a tenant's objects, so they are not kept for it.
 */
export const notReadByAdmission: ReadonlySet<string> = new Set([
    "rbac.authorization.k8s.io/Role",
    "rbac.authorization.k8s.io/RoleBinding",
    "rbac.authorization.k8s.io/ClusterRole",
    "rbac.authorization.k8s.io/ClusterRoleBinding",
    "networking.k8s.io/NetworkPolicy",
    "/ResourceQuota",
    "/LimitRange",
    "/ServiceAccount",
]);

/** Characters of manifests.yaml gathered before they are written to the file. */
const manifestsChunk = 1 << 20;

/**
 * The Kubernetes object a resource stands for, or undefined for non-Kubernetes resources. `props`
 * chooses the plain inputs (for the schema) or the masked ones (for files on disk).
 */
export function kubernetesObject(
    j: Judged,
    props: Record<string, unknown> = j.plain,
): Record<string, unknown> | undefined {
    if (j.file !== undefined) {
        return props;
    }
    const m = /^kubernetes:([^:]+):([^:]+)$/.exec(j.type);
    if (
        m === null ||
        m[1].startsWith("helm.sh/") ||
        m[1].startsWith("yaml/") ||
        m[2].endsWith("Patch")
    ) {
        return undefined; // charts, YAML groups and patches are not whole objects
    }
    if (m[1] === "kustomize/v2" || m[1] === "pulumi") {
        return undefined;
    }
    const groupVersion = m[1].startsWith("core/") ? m[1].slice(5) : m[1];
    return { apiVersion: groupVersion, kind: m[2], ...props };
}

/** The image of every container, init container and ephemeral container anywhere in a spec. */
export function podImages(obj: Record<string, unknown>): string[] {
    const images: string[] = [];
    const visit = (v: unknown): void => {
        if (Array.isArray(v)) {
            v.forEach(visit);
        } else if (isRecord(v)) {
            for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
                const cs = v[list];
                if (Array.isArray(cs)) {
                    for (const c of cs) {
                        if (isRecord(c) && typeof c.image === "string") {
                            images.push(c.image);
                        }
                    }
                }
            }
            Object.values(v).forEach(visit);
        }
    };
    visit(obj.spec);
    return images;
}

/** What the duplicate-identity rule reads of an object (tools/check/identities.ts). */
function identityOf(object: Record<string, unknown>): Record<string, unknown> {
    if (isCrd(object)) {
        return object; // its scope and names decide other objects' identities
    }
    const meta = isRecord(object.metadata) ? object.metadata : {};
    return {
        apiVersion: object.apiVersion,
        kind: object.kind,
        metadata: {
            name: meta.name,
            ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
        },
    };
}

function groupKind(object: Record<string, unknown>): string {
    const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    return `${group === "core" ? "" : group}/${String(object.kind)}`;
}

/** The judged resources of a run, each taken in registration order and then dropped. */
export class JudgedStream {
    /** Resources taken. */
    count = 0;
    readonly resourcesByType: Record<string, number> = {};
    /** The dependency graph: edges and the longest list of one resource. */
    dependencyEdges = 0;
    largestDependencyList = 0;
    /** Each resource by URN, as the report names it (diagnostics carry only the URN). */
    readonly byUrn = new Map<string, ResourceRef>();
    readonly schema = {
        validated: 0,
        failures: [] as SchemaFailure[],
        notValidated: {} as Record<string, number>,
    };
    /** Every image a pod or a chart's values name, each spelling once, in the order found. */
    readonly images: string[] = [];
    readonly unpinned: UnpinnedImageValue[] = [];
    /** Each object's identity, for tools/check/identities.ts. */
    readonly identities: DeclaredObject[] = [];
    readonly isolation = new NamespaceIsolationCollector();
    /** The objects the admission simulation reads. */
    readonly admissionObjects: SimObject[] = [];
    readonly exemptions: Report["exemptions"] = [];
    private readonly seenImages = new Set<string>();
    private readonly stackRequest = new AnalyzeStackRequestBuilder();
    private readonly manifestsFd: number;
    private manifestsOpen = true;
    private manifestsText = "";
    private documents = 0;

    /** @param manifestsPath where manifests.yaml is written as resources are taken */
    constructor(manifestsPath: string) {
        this.manifestsFd = fs.openSync(manifestsPath, "w", 0o644);
    }

    /** Takes one judged resource (with the properties the packs judged), in registration order. */
    take(j: Judged): void {
        this.count++;
        this.resourcesByType[j.type] = (this.resourcesByType[j.type] ?? 0) + 1;
        const dependencies = j.dependencies?.length ?? 0;
        this.dependencyEdges += dependencies;
        this.largestDependencyList = Math.max(this.largestDependencyList, dependencies);
        const resource: ResourceRef = {
            type: j.type,
            name: j.name,
            ...(j.file !== undefined ? { file: j.file } : {}),
        };
        this.byUrn.set(j.urn, resource);
        this.stackRequest.add(j);

        if (j.type === chartType) {
            const found = chartImages(j.name, j.plain.values);
            this.addImages(found.images);
            this.unpinned.push(...found.unpinned);
        } else if (j.type.startsWith("kubernetes:") || j.file !== undefined) {
            this.addImages(podImages(j.plain));
        }

        const object = kubernetesObject(j);
        if (object === undefined) {
            return;
        }
        this.validate(resource, object);
        this.identities.push({ resource, object: identityOf(object) });
        this.isolation.add({ resource, object });
        if (!notReadByAdmission.has(groupKind(object))) {
            this.admissionObjects.push({ resource, object });
        }
        if (j.type === "kubernetes:core/v1:Namespace") {
            this.exemption(j);
        }
        const masked = kubernetesObject(j, j.masked);
        if (masked !== undefined) {
            // Every object is a fresh copy, so there are no shared nodes to turn into aliases;
            // skipping that search is most of what stringifying costs on large stacks. Secret
            // data and literal credentials are masked in every mode (tools/check/masking.ts).
            const doc = YAML.stringify(maskObject(masked), { aliasDuplicateObjects: false });
            this.manifestsText += (this.documents++ > 0 ? "---\n" : "") + doc;
            if (this.manifestsText.length >= manifestsChunk) {
                this.flushManifests();
            }
        }
    }

    /** The AnalyzeStackRequest of every resource taken, once (the stream keeps no copy). */
    takeStackRequest(): Buffer {
        return this.stackRequest.take();
    }

    /** Writes what is left of manifests.yaml and closes the file. */
    closeManifests(): void {
        this.flushManifests();
        this.manifestsOpen = false;
        fs.closeSync(this.manifestsFd);
    }

    /** Closes the manifests file if it is still open (after a failure). */
    abandon(): void {
        if (this.manifestsOpen) {
            this.manifestsOpen = false;
            fs.closeSync(this.manifestsFd);
        }
    }

    private flushManifests(): void {
        if (this.manifestsText !== "") {
            fs.writeSync(this.manifestsFd, this.manifestsText);
            this.manifestsText = "";
        }
    }

    private addImages(images: readonly string[]): void {
        for (const image of images) {
            if (!this.seenImages.has(image)) {
                this.seenImages.add(image);
                this.images.push(image);
            }
        }
    }

    private validate(resource: ResourceRef, object: Record<string, unknown>): void {
        const result = validateObject(object);
        if (result.status === "valid") {
            this.schema.validated++;
        } else if (result.status === "no-schema") {
            const key = `${String(object.apiVersion)}/${String(object.kind)}`;
            this.schema.notValidated[key] = (this.schema.notValidated[key] ?? 0) + 1;
        } else {
            this.schema.failures.push({
                resource,
                kind: String(object.kind),
                errors: result.errors,
            });
        }
    }

    private exemption(j: Judged): void {
        const meta = isRecord(j.plain.metadata) ? j.plain.metadata : {};
        const labels = isRecord(meta.labels) ? meta.labels : {};
        const annotations = isRecord(meta.annotations) ? meta.annotations : {};
        const level = labels["pod-security.kubernetes.io/enforce"];
        if (typeof level === "string" && level !== "restricted") {
            const reason = annotations[exemptionReasonAnnotation];
            this.exemptions.push({
                namespace: typeof meta.name === "string" ? meta.name : j.name,
                podSecurity: level,
                reason: typeof reason === "string" ? reason : "(no reason recorded)",
            });
        }
    }
}
