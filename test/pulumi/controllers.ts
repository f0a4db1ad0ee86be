/**
 * The status the platform's controllers would write, for `pulumi up` against a control plane with
 * no kubelet (so no Gatekeeper, Kyverno or cert-manager pod ever runs).
 *
 * The program waits on its readiness gates with `pulumi.com/waitFor` (a ConstraintTemplate's
 * `status.created`, a Kyverno policy's or a cert-manager issuer's and certificate's `Ready`
 * condition), and Gatekeeper creates each Constraint's CRD from its template. Here the test plays
 * those controllers' part and nothing else: it polls the API server and, for each object of those
 * kinds, writes that status through the `status` subresource, and creates the Constraint CRD a
 * template asks for (group `constraints.gatekeeper.sh`, the template's kind, its parameters
 * unvalidated). Every write is recorded, so the test can tell which waits it satisfied.
 */
import { KubeClient, KubeObject } from "../cluster/kube";

/** One status the stand-in wrote. */
export interface StatusWrite {
    readonly kind: string;
    readonly namespace?: string;
    readonly name: string;
    readonly what: string;
}

/** A kind whose status the stand-in writes. */
interface Watched {
    readonly group: string;
    readonly version: string;
    readonly plural: string;
    readonly kind: string;
    readonly namespaced: boolean;
    /** Whether the object already has the status. */
    done(obj: KubeObject): boolean;
    /** The status to merge. */
    status(obj: KubeObject): KubeObject;
    /** What it stands for, for the record. */
    readonly what: string;
}

const ready = (reason: string): ((obj: KubeObject) => KubeObject) => {
    return (obj) => ({
        status: {
            ...(obj.status ?? {}),
            conditions: [
                {
                    type: "Ready",
                    status: "True",
                    reason,
                    message:
                        "set by the real-engine tier's controller stand-in (no controller runs)",
                    lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
                    observedGeneration: obj.metadata?.generation,
                },
            ],
        },
    });
};

const isReady = (obj: KubeObject): boolean =>
    Array.isArray(obj.status?.conditions) &&
    obj.status.conditions.some((c: KubeObject) => c.type === "Ready" && c.status === "True");

const watched: readonly Watched[] = [
    {
        group: "templates.gatekeeper.sh",
        version: "v1",
        plural: "constrainttemplates",
        kind: "ConstraintTemplate",
        namespaced: false,
        done: (obj) => obj.status?.created === true,
        status: (obj) => ({ status: { ...(obj.status ?? {}), created: true } }),
        what: "Gatekeeper: status.created after creating the Constraint CRD",
    },
    ...["clusterpolicies", "policies"].map((plural) => ({
        group: "kyverno.io",
        version: "v1",
        plural,
        kind: plural === "policies" ? "Policy" : "ClusterPolicy",
        namespaced: plural === "policies",
        done: isReady,
        status: ready("Succeeded"),
        what: "Kyverno: Ready condition",
    })),
    ...["clusterissuers", "issuers", "certificates"].map((plural) => ({
        group: "cert-manager.io",
        version: "v1",
        plural,
        kind: { clusterissuers: "ClusterIssuer", issuers: "Issuer", certificates: "Certificate" }[
            plural
        ] as string,
        namespaced: plural !== "clusterissuers",
        done: isReady,
        status: ready(plural === "certificates" ? "Ready" : "KeyPairVerified"),
        what: "cert-manager: Ready condition",
    })),
];

/** The CRD Gatekeeper creates for a ConstraintTemplate. */
function constraintCrd(template: KubeObject): KubeObject {
    const kind = String(template.spec?.crd?.spec?.names?.kind ?? "");
    if (kind === "") {
        throw new Error(`ConstraintTemplate ${template.metadata?.name} names no kind`);
    }
    const plural = kind.toLowerCase();
    const schema = {
        openAPIV3Schema: {
            type: "object",
            properties: {
                spec: {
                    type: "object",
                    properties: {
                        enforcementAction: { type: "string" },
                        match: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
                        parameters: {
                            type: "object",
                            "x-kubernetes-preserve-unknown-fields": true,
                        },
                    },
                    "x-kubernetes-preserve-unknown-fields": true,
                },
                status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
        },
    };
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `${plural}.constraints.gatekeeper.sh` },
        spec: {
            group: "constraints.gatekeeper.sh",
            names: { kind, plural, listKind: `${kind}List`, singular: plural },
            scope: "Cluster",
            versions: ["v1beta1", "v1alpha1", "v1"].map((name) => ({
                name,
                served: true,
                storage: name === "v1beta1",
                schema,
                subresources: { status: {} },
            })),
        },
    };
}

/**
 * A running stand-in. A request that fails (the API server answers 503 while a new CRD is being
 * established, a conflict while the provider writes the object) is retried on the next pass and
 * the last such answer is kept in {@link errors}.
 */
export class ControllerStandIn {
    /** Every status written, in order. */
    readonly writes: StatusWrite[] = [];
    /** The last failed requests (at most 20), for a failure message. */
    readonly errors: string[] = [];
    private running = true;
    private readonly loop: Promise<void>;

    constructor(private readonly client: KubeClient) {
        this.loop = this.run();
    }

    private async run(): Promise<void> {
        while (this.running) {
            try {
                await this.pass();
            } catch (error) {
                this.error(String((error as Error).message));
            }
            await new Promise((resolve) => setTimeout(resolve, 300));
        }
    }

    private error(message: string): void {
        this.errors.push(message);
        this.errors.splice(0, Math.max(0, this.errors.length - 20));
    }

    private async pass(): Promise<void> {
        for (const w of watched) {
            const res = await this.client.request(
                "GET",
                `/apis/${w.group}/${w.version}/${w.plural}`,
            );
            if (res.status === 404) {
                continue; // its CRD is not installed (yet)
            }
            if (res.status !== 200) {
                this.error(`GET ${w.plural}.${w.group}: ${res.status} ${res.body}`);
                continue;
            }
            for (const obj of (JSON.parse(res.body) as { items: KubeObject[] }).items) {
                if (w.done(obj)) {
                    continue;
                }
                if (w.kind === "ConstraintTemplate") {
                    const crd = constraintCrd(obj);
                    const created = await this.client.request(
                        "POST",
                        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                        JSON.stringify(crd),
                    );
                    if (created.status !== 201 && created.status !== 409) {
                        this.error(
                            `creating ${crd.metadata.name}: ${created.status} ${created.body}`,
                        );
                        continue;
                    }
                }
                const ns = w.namespaced ? `/namespaces/${obj.metadata.namespace}` : "";
                const url = `/apis/${w.group}/${w.version}${ns}/${w.plural}/${obj.metadata.name}/status`;
                const patched = await this.client.request(
                    "PATCH",
                    url,
                    JSON.stringify(w.status(obj)),
                    "application/merge-patch+json",
                );
                if (patched.status !== 200) {
                    this.error(`PATCH ${url}: ${patched.status} ${patched.body}`);
                    continue;
                }
                this.writes.push({
                    kind: w.kind,
                    namespace: w.namespaced ? String(obj.metadata.namespace) : undefined,
                    name: String(obj.metadata.name),
                    what: w.what,
                });
            }
        }
    }

    /** Stops polling and waits for the pass under way. */
    async stop(): Promise<void> {
        this.running = false;
        await this.loop;
    }
}
