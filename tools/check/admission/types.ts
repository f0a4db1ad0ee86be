/**
 * Shapes of the admission simulation: what it reads (the recorded objects and charts), what it
 * reports per workload and namespace, and the error a rule shape the simulation does not model
 * raises (reported as a mandatory violation, never skipped in silence).
 */

/** A Kubernetes object as the simulation reads it: loosely typed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

/** How the report names a resource (the same shape as a violation's `resource`). */
export interface ResourceRef {
    readonly type: string;
    readonly name: string;
    readonly file?: string;
}

/** One Kubernetes object the stack registers (or a chart renders, or a manifest holds). */
export interface SimObject {
    readonly resource: ResourceRef;
    /** The whole object: apiVersion, kind, metadata, ... */
    readonly object: Obj;
}

/** One Helm chart the stack installs: its inputs, and whether its objects were rendered here. */
export interface SimChart {
    readonly resource: ResourceRef;
    /** `chart` as given: a name, an `oci://` reference or a local path. */
    readonly chart: string;
    /** The release namespace (Chart v4's default is `default`). */
    readonly namespace: string;
    readonly values: Obj;
    /** True when the chart's objects are among the simulated objects. */
    readonly rendered: boolean;
}

/** A rule shape the simulation does not model: reported, never skipped. */
export class Unsupported extends Error {
    constructor(message: string) {
        super(message);
        this.name = "Unsupported";
    }
}

/** The engines, in the order the API server runs them for a Pod. */
export const engineOrder = [
    "kyverno-mutate",
    "linkerd-inject",
    "pod-security",
    "gatekeeper",
    "kyverno-validate",
    "kyverno-verify-images",
    "kubelet",
] as const;

/** One engine of the simulation. */
export type EngineId = (typeof engineOrder)[number];

/** What an engine does with a finding. */
export type FindingAction = "deny" | "warn" | "audit" | "error" | "unsupported";

/** One thing an engine says about a request. */
export interface AdmissionFinding {
    readonly engine: EngineId;
    /** The rule, as the engine names it: `ClusterPolicy sovereign-pod-security rule pod-security-level`. */
    readonly rule: string;
    readonly action: FindingAction;
    /** The kind of the request it was raised on: the workload's own kind, or `Pod` for its pods. */
    readonly request: string;
    readonly message: string;
    /** What to change so the platform admits it. */
    readonly fix?: string;
}

/** One engine's verdict on a workload (over the workload's own request and its pods'). */
export interface EngineVerdict {
    readonly verdict:
        | "admitted"
        | "denied"
        | "warned"
        | "exempt"
        | "not-applicable"
        | "mutated"
        | "unchanged"
        | "injected"
        | "not-injected"
        | "unsupported";
    /** Why (exempt, not applicable, not injected), the level judged, ... */
    readonly detail?: string;
    /** Fields the engine set (mutation) or containers it added (injection). */
    readonly changes?: readonly string[];
    readonly findings?: readonly AdmissionFinding[];
}

/** The simulated admission of one pod-bearing object and its pods. */
export interface AdmissionWorkload {
    readonly resource: ResourceRef;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    /**
     * `refused`: an engine denies the object or its pods; `warned`: only dryrun/warn/Audit rules
     * object; `not-simulated`: a rule shape the simulation does not model applies.
     */
    readonly verdict: "admitted" | "refused" | "warned" | "not-simulated";
    readonly engines: Readonly<Partial<Record<EngineId, EngineVerdict>>>;
}

/** The simulated admission of one Namespace object. */
export interface AdmissionNamespace {
    readonly resource: ResourceRef;
    readonly name: string;
    /** The Pod Security level its pods are admitted at, and where it comes from. */
    readonly podSecurity: { readonly level: string; readonly from: "label" | "kubernetes-default" };
    readonly verdict: "admitted" | "refused" | "warned" | "not-simulated";
    readonly findings: readonly AdmissionFinding[];
}

/** An image a verify-images rule matches: it must carry the site's signature before install. */
export interface ImageToSign {
    readonly image: string;
    /** `ClusterPolicy sovereign-verify-images rule verify-signatures`. */
    readonly rule: string;
    /** The workloads that run it: `Deployment "ns/name"`. */
    readonly workloads: readonly string[];
}

/** The `admission` section of report.json. */
export interface AdmissionSection {
    /** The rules the simulation read from the stack's objects. */
    readonly rules: {
        readonly kyverno: {
            readonly policies: readonly string[];
            readonly exceptions: readonly string[];
            readonly from: string;
        };
        readonly gatekeeper: {
            readonly constraints: readonly string[];
            readonly from: string;
        };
        readonly linkerd: { readonly proxyImage: string | null; readonly from: string };
    };
    readonly summary: {
        readonly workloads: number;
        readonly refused: number;
        readonly warned: number;
        readonly notSimulated: number;
        readonly namespaces: number;
        readonly namespacesRefused: number;
    };
    readonly workloads: readonly AdmissionWorkload[];
    readonly namespaces: readonly AdmissionNamespace[];
    /** Images that must be signed with the site key before install (cannot be verified offline). */
    readonly mustBeSigned: readonly ImageToSign[];
    readonly notes: readonly string[];
}
