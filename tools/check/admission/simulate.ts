/**
 * The admission simulation: every pod-bearing object the stack deploys (its own, and what its
 * local charts render) and every Namespace, admitted as the cluster would admit them, in the
 * cluster's order, under the stack's own admission rules (read by cluster.ts):
 *
 * 1. mutating admission: Kyverno (its mutate rules, auto-generated for controllers), then Linkerd's
 *    proxy injector on Pods, then Kyverno again when the injector changed the Pod (Kyverno's
 *    webhook is `reinvocationPolicy: IfNeeded`; the mutating webhooks run in name order, and
 *    `kyverno-resource-mutating-webhook-cfg` sorts before `linkerd-proxy-injector-webhook-config`);
 * 2. Pod Security Admission on Pods, at the `pod-security.kubernetes.io/enforce` level of the
 *    namespace (none: Kubernetes' default, privileged);
 * 3. validating webhooks: Gatekeeper's constraints and Kyverno's validate rules, on the
 *    controller and on its Pods; Kyverno's verifyImages (signatures cannot be checked offline:
 *    each covered image is listed as one to sign);
 * 4. the kubelet's refusal to start a container whose effective `runAsNonRoot: true` meets an
 *    explicit `runAsUser: 0` (a mutation can cause it).
 *
 * A controller's Pods are simulated from its template after the controller's own mutation; the
 * ReplicaSets and Jobs in between carry the same template and are not simulated apart.
 */
import {
    evaluatePodSecurity,
    formatPodSecurityFailure,
} from "../../../policypacks/workload-security/lib/pod-security";
import { isRecord } from "../values";
import { Cluster, ClusterNamespace, readCluster } from "./cluster";
import {
    GatekeeperRequest,
    gatekeeperIgnoreLabel,
    gatekeeperReceives,
    gatekeeperValidate,
} from "./gatekeeper";
import {
    kyvernoImagesToVerify,
    kyvernoMutate,
    kyvernoReceives,
    KyvernoRequest,
    kyvernoValidate,
    podViewOf,
} from "./kyverno";
import { changedPaths } from "./kyverno-patch";
import { injectionDecision, injectProxy, proxyImage } from "./linkerd";
import {
    AdmissionFinding,
    AdmissionNamespace,
    AdmissionSection,
    AdmissionWorkload,
    EngineId,
    EngineVerdict,
    FindingAction,
    Obj,
    ResourceRef,
    SimChart,
    SimObject,
    Unsupported,
} from "./types";

/** A violation the simulation reports (the report's violation shape). */
export interface AdmissionViolation {
    readonly pack: string;
    readonly policy: string;
    readonly enforcementLevel: "mandatory" | "advisory";
    readonly resource: ResourceRef;
    readonly message: string;
}

/** The pack and policy name of the simulation's violations. */
export const admissionPack = "admission-simulation";
export const admissionPolicy = "admission-simulation";

/** The pod-bearing kinds simulated, with the API group each must belong to. */
const workloadKinds: Readonly<Record<string, string>> = {
    Pod: "",
    Deployment: "apps",
    DaemonSet: "apps",
    StatefulSet: "apps",
    ReplicaSet: "apps",
    Job: "batch",
    CronJob: "batch",
};

const podSecurityLevels = ["privileged", "baseline", "restricted"];

/** The name a controller gives its pods (a stand-in for the generated suffix). */
function podName(kind: string, name: string): string {
    switch (kind) {
        case "Deployment":
            return `${name}-5d8f7c6b9d-x2x9q`;
        case "StatefulSet":
            return `${name}-0`;
        case "CronJob":
            return `${name}-29000000-x2x9q`;
        default:
            return `${name}-x2x9q`;
    }
}

function apiGroup(apiVersion: unknown): string {
    const v = String(apiVersion ?? "");
    return v.includes("/") ? v.split("/")[0] : "";
}

/** Simulates admission of the stack's objects; returns the report section and its violations. */
export function simulateAdmission(
    objects: readonly SimObject[],
    charts: readonly SimChart[],
): { section: AdmissionSection; violations: AdmissionViolation[] } {
    // The API server decodes every object into its type before admission: a null field is absent.
    objects = objects.map((o) => ({ ...o, object: withoutNulls(o.object) as Obj }));
    const cluster = readCluster(objects, charts);
    const notes = [...cluster.notes];
    const workloads: AdmissionWorkload[] = [];
    const violations: AdmissionViolation[] = [];
    const toSign = new Map<string, { rule: string; workloads: Set<string> }>();
    const unknownNamespaces = new Set<string>();

    for (const o of objects) {
        const kind = String(o.object.kind ?? "");
        if (!(kind in workloadKinds) || apiGroup(o.object.apiVersion) !== workloadKinds[kind]) {
            continue;
        }
        const namespace =
            typeof o.object.metadata?.namespace === "string"
                ? o.object.metadata.namespace
                : "default";
        if (!cluster.namespaces.has(namespace)) {
            unknownNamespaces.add(namespace);
        }
        const { workload, findings, signed } = simulateWorkload(cluster, o, namespace);
        workloads.push(workload);
        for (const s of signed) {
            const entry = toSign.get(s.image) ?? { rule: s.rule, workloads: new Set<string>() };
            entry.workloads.add(describe(workload.kind, namespace, workload.name));
            toSign.set(s.image, entry);
        }
        violations.push(
            ...violationsOf(o.resource, workload.kind, namespace, workload.name, findings),
        );
    }

    const namespaces: AdmissionNamespace[] = [];
    for (const ns of cluster.namespaces.values()) {
        const result = simulateNamespace(cluster, ns);
        namespaces.push(result);
        violations.push(
            ...violationsOf(ns.source.resource, "Namespace", "", ns.name, result.findings),
        );
    }

    const unlabelled = namespaces.filter((n) => n.podSecurity.from === "kubernetes-default");
    if (unlabelled.length > 0) {
        notes.push(
            `Namespaces without a pod-security.kubernetes.io/enforce label get Kubernetes' default, ` +
                `privileged: ${unlabelled.map((n) => n.name).join(", ")}.`,
        );
    }
    if (unknownNamespaces.size > 0) {
        notes.push(
            `Workloads run in namespaces the stack does not create (their labels are unknown; Pod ` +
                `Security is taken as Kubernetes' default, privileged): ${[...unknownNamespaces].sort().join(", ")}.`,
        );
    }
    const refusedNamespaces = new Set(
        namespaces.filter((n) => n.verdict === "refused").map((n) => n.name),
    );
    const inRefused = workloads.filter((w) => refusedNamespaces.has(w.namespace));
    if (inRefused.length > 0) {
        notes.push(
            `Workloads in a namespace that would be refused cannot be created at all: ` +
                `${inRefused.map((w) => describe(w.kind, w.namespace, w.name)).join(", ")}.`,
        );
    }

    const k = cluster.kyverno;
    const g = cluster.gatekeeper;
    const section: AdmissionSection = {
        rules: {
            kyverno: {
                policies: (k?.policies ?? []).map(
                    (p) =>
                        `${p.kind} ${p.namespace !== undefined ? `${p.namespace}/` : ""}${p.name}`,
                ),
                exceptions: (k?.exceptions ?? []).map((e) => `${e.namespace}/${e.name}`),
                from: k?.from ?? "no Kyverno policies in the stack",
            },
            gatekeeper: {
                constraints: (g?.constraints ?? []).map(
                    (c) =>
                        `${String(c.object.kind)} ${String(c.object.metadata?.name ?? "")} (${String(c.object.spec?.enforcementAction ?? "deny")})`,
                ),
                from: g?.from ?? "no Gatekeeper constraints in the stack",
            },
            linkerd: {
                proxyImage:
                    cluster.linkerd !== undefined ? proxyImage(cluster.linkerd.values) : null,
                from: cluster.linkerd?.from ?? "no Linkerd control plane in the stack",
            },
        },
        summary: {
            workloads: workloads.length,
            refused: workloads.filter((w) => w.verdict === "refused").length,
            warned: workloads.filter((w) => w.verdict === "warned").length,
            notSimulated: workloads.filter((w) => w.verdict === "not-simulated").length,
            namespaces: namespaces.length,
            namespacesRefused: refusedNamespaces.size,
        },
        workloads,
        namespaces,
        mustBeSigned: [...toSign.entries()]
            .map(([image, v]) => ({ image, rule: v.rule, workloads: [...v.workloads].sort() }))
            .sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0)),
        notes,
    };
    return { section, violations };
}

/** A copy without null map values (the API server drops them when it decodes an object). */
export function withoutNulls(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(withoutNulls);
    }
    if (isRecord(value)) {
        const out: Obj = {};
        for (const [k, v] of Object.entries(value)) {
            if (v !== null) {
                out[k] = withoutNulls(v);
            }
        }
        return out;
    }
    return value;
}

function describe(kind: string, namespace: string, name: string): string {
    return namespace === "" ? `${kind} "${name}"` : `${kind} "${namespace}/${name}"`;
}

/** Runs one engine step; a rule shape it does not model becomes an `unsupported` finding. */
function guarded<T>(
    engine: EngineId,
    request: string,
    findings: AdmissionFinding[],
    step: () => T,
): T | undefined {
    try {
        return step();
    } catch (e) {
        if (e instanceof Unsupported) {
            findings.push({
                engine,
                rule: "(rule shape)",
                action: "unsupported",
                request,
                message: `the simulation does not model ${e.message}`,
            });
            return undefined;
        }
        throw e;
    }
}

interface WorkloadResult {
    readonly workload: AdmissionWorkload;
    readonly findings: AdmissionFinding[];
    readonly signed: { image: string; rule: string }[];
}

function simulateWorkload(cluster: Cluster, o: SimObject, namespace: string): WorkloadResult {
    const kind = String(o.object.kind);
    const name = String(o.object.metadata?.name ?? o.resource.name);
    const ns = cluster.namespaces.get(namespace);
    const namespaceLabels = ns?.labels ?? { "kubernetes.io/metadata.name": namespace };
    const findings: AdmissionFinding[] = [];
    const signed: { image: string; rule: string }[] = [];
    const engines: Partial<Record<EngineId, EngineVerdict>> = {};
    const exemptions: Partial<Record<EngineId, string[]>> = {};
    const note = (engine: EngineId, text: string): void => {
        (exemptions[engine] ??= []).push(text);
    };
    const isFinding = (engine: EngineId): AdmissionFinding[] =>
        findings.filter((f) => f.engine === engine);

    const kyvernoRequest = (
        object: Obj,
        requestKind: string,
        requestName: string,
    ): KyvernoRequest => ({
        apiVersion: requestKind === "Pod" ? "v1" : String(object.apiVersion),
        kind: requestKind,
        name: requestName,
        namespace,
        namespaceLabels,
        object,
    });
    const gatekeeperRequest = (
        object: Obj,
        requestKind: string,
        requestName: string,
    ): GatekeeperRequest => ({
        object,
        kind: requestKind,
        apiVersion: requestKind === "Pod" ? "v1" : String(object.apiVersion),
        name: requestName,
        namespace,
        namespaceLabels,
    });

    // --- the controller's own request (a Pod has none apart from its own) ---
    let owner: Obj = structuredClone(o.object);
    owner.metadata = { ...(owner.metadata ?? {}), namespace };
    const original = podViewOf(owner);
    const mutations: string[] = [];
    const kyverno = cluster.kyverno;
    const kyvernoSees = (request: KyvernoRequest): boolean => {
        if (kyverno === undefined) {
            return false;
        }
        const r = guarded("kyverno-mutate", request.kind, findings, () =>
            kyvernoReceives(kyverno, request),
        );
        if (r !== undefined && !r.receives && r.why !== undefined) {
            note("kyverno-mutate", `${request.kind}: ${r.why}`);
            note("kyverno-validate", `${request.kind}: ${r.why}`);
        }
        return r?.receives === true;
    };
    const validateController = kind !== "Pod";
    if (validateController && kyverno !== undefined) {
        const request = kyvernoRequest(owner, kind, name);
        if (kyvernoSees(request)) {
            const result = guarded("kyverno-mutate", kind, findings, () =>
                kyvernoMutate(kyverno, request),
            );
            if (result !== undefined) {
                owner = result.object;
                result.exempted.forEach((e) => note("kyverno-mutate", `${kind}: ${e}`));
            }
        }
    }

    // --- its Pods: mutation, injection, reinvocation ---
    const podView = podViewOf(owner);
    let pod: Obj = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            ...(isRecord(podView.metadata) ? structuredClone(podView.metadata) : {}),
            name: kind === "Pod" ? name : podName(kind, name),
            namespace,
        },
        spec: structuredClone(podView.spec ?? {}),
    };
    const podRequestName = String(pod.metadata.name);
    let podSeen = false;
    const mutatePod = (pass: string): void => {
        if (kyverno === undefined) {
            return;
        }
        const request = kyvernoRequest(pod, "Pod", podRequestName);
        if (!kyvernoSees(request)) {
            return;
        }
        podSeen = true;
        const result = guarded("kyverno-mutate", "Pod", findings, () =>
            kyvernoMutate(kyverno, request),
        );
        if (result !== undefined) {
            pod = result.object;
            result.exempted.forEach((e) => note("kyverno-mutate", `Pod${pass}: ${e}`));
            result.pinned.forEach((i) =>
                note(
                    "kyverno-mutate",
                    `Pod${pass}: ${i} pinned by digest once its signature verifies (mutateDigest)`,
                ),
            );
        }
    };
    mutatePod("");
    mutations.push(...changedPaths(stripPodIdentity(original), stripPodIdentity(pod)));
    engines["kyverno-mutate"] =
        kyverno === undefined
            ? { verdict: "not-applicable", detail: "no Kyverno policies in the stack" }
            : mutations.length > 0
              ? { verdict: "mutated", changes: mutations, ...detail(exemptions["kyverno-mutate"]) }
              : {
                    verdict: podSeen ? "unchanged" : "exempt",
                    ...detail(exemptions["kyverno-mutate"]),
                };

    const linkerd = cluster.linkerd;
    if (linkerd === undefined) {
        engines["linkerd-inject"] = {
            verdict: "not-applicable",
            detail: "no Linkerd control plane in the stack",
        };
    } else {
        const decision = guarded("linkerd-inject", "Pod", findings, () =>
            injectionDecision(linkerd, pod, ns?.source.object, namespaceLabels),
        );
        if (decision?.inject === true) {
            const before = pod;
            const injected = injectProxy(linkerd, pod, ns?.source.object);
            pod = injected;
            const added = changedPaths(stripPodIdentity(before), stripPodIdentity(injected));
            mutatePod(" (Kyverno reinvoked after injection)");
            const after = changedPaths(stripPodIdentity(injected), stripPodIdentity(pod));
            engines["linkerd-inject"] = {
                verdict: "injected",
                detail: decision.why,
                changes: added,
            };
            if (after.length > 0 && engines["kyverno-mutate"] !== undefined) {
                engines["kyverno-mutate"] = {
                    ...engines["kyverno-mutate"],
                    verdict: "mutated",
                    changes: [
                        ...(engines["kyverno-mutate"].changes ?? []),
                        ...after.map((c) => `after injection: ${c}`),
                    ],
                };
            }
        } else if (decision !== undefined) {
            engines["linkerd-inject"] = { verdict: "not-injected", detail: decision.why };
        }
    }

    // --- Pod Security Admission (Pods only; controllers draw warnings, never refusals) ---
    const label = ns?.labels["pod-security.kubernetes.io/enforce"];
    const level = label ?? "privileged";
    const levelFrom =
        ns === undefined
            ? `namespace ${namespace} is not created by the stack: Kubernetes' default`
            : label === undefined
              ? "no enforce label: Kubernetes' default"
              : "namespace label";
    if (level === "baseline" || level === "restricted") {
        const failures = evaluatePodSecurity(
            { spec: pod.spec ?? {}, metadata: pod.metadata ?? {}, path: "spec" },
            level,
        );
        for (const f of failures) {
            findings.push({
                engine: "pod-security",
                rule: `Pod Security Admission enforce=${level} (check ${f.check})`,
                action: "deny",
                request: "Pod",
                message: formatPodSecurityFailure("Pod", f),
            });
        }
    } else if (level !== "privileged") {
        findings.push({
            engine: "pod-security",
            rule: `Pod Security Admission enforce=${level}`,
            action: "deny",
            request: "Pod",
            message: `namespace ${namespace} has an invalid enforce level "${level}"`,
        });
    }
    engines["pod-security"] = verdictOf(isFinding("pod-security"), `${level} (${levelFrom})`);

    // --- Gatekeeper ---
    const gatekeeper = cluster.gatekeeper;
    if (gatekeeper === undefined) {
        engines.gatekeeper = {
            verdict: "not-applicable",
            detail: "no Gatekeeper constraints in the stack",
        };
    } else {
        const requests: GatekeeperRequest[] = [
            ...(validateController ? [gatekeeperRequest(owner, kind, name)] : []),
            gatekeeperRequest(pod, "Pod", podRequestName),
        ];
        let exempt: string | undefined;
        for (const request of requests) {
            const r = guarded("gatekeeper", request.kind, findings, () =>
                gatekeeperReceives(gatekeeper, request),
            );
            if (r !== undefined && !r.receives) {
                exempt = r.why;
                continue;
            }
            const found = guarded("gatekeeper", request.kind, findings, () =>
                gatekeeperValidate(gatekeeper, request),
            );
            findings.push(...(found ?? []));
        }
        engines.gatekeeper =
            exempt !== undefined && isFinding("gatekeeper").length === 0
                ? { verdict: "exempt", detail: exempt }
                : verdictOf(isFinding("gatekeeper"));
    }

    // --- Kyverno validate and verifyImages ---
    if (kyverno === undefined) {
        engines["kyverno-validate"] = {
            verdict: "not-applicable",
            detail: "no Kyverno policies in the stack",
        };
        engines["kyverno-verify-images"] = {
            verdict: "not-applicable",
            detail: "no Kyverno policies in the stack",
        };
    } else {
        const requests = [
            ...(validateController ? [kyvernoRequest(owner, kind, name)] : []),
            kyvernoRequest(pod, "Pod", podRequestName),
        ];
        let seen = false;
        const images: { image: string; rule: string }[] = [];
        for (const request of requests) {
            const r = guarded("kyverno-validate", request.kind, findings, () =>
                kyvernoReceives(kyverno, request),
            );
            if (r === undefined || !r.receives) {
                continue;
            }
            seen = true;
            const v = guarded("kyverno-validate", request.kind, findings, () =>
                kyvernoValidate(kyverno, request),
            );
            if (v !== undefined) {
                findings.push(...v.findings);
                v.exempted.forEach((e) => note("kyverno-validate", `${request.kind}: ${e}`));
            }
            const toVerify = guarded("kyverno-verify-images", request.kind, findings, () =>
                kyvernoImagesToVerify(kyverno, request),
            );
            images.push(...(toVerify ?? []));
        }
        const unique = [...new Map(images.map((i) => [i.image, i])).values()];
        signed.push(...unique);
        engines["kyverno-validate"] = !seen
            ? { verdict: "exempt", ...detail(exemptions["kyverno-validate"]) }
            : verdictOf(isFinding("kyverno-validate"), undefined, exemptions["kyverno-validate"]);
        engines["kyverno-verify-images"] = !seen
            ? { verdict: "exempt", ...detail(exemptions["kyverno-validate"]) }
            : unique.length > 0
              ? {
                    verdict: "admitted",
                    detail: `must be signed with the site key before install: ${unique.map((i) => i.image).join(", ")}`,
                }
              : { verdict: "admitted", detail: "no image covered by a verifyImages rule" };
    }

    // --- the kubelet: runAsNonRoot against an explicit root user ---
    const rootConflicts = kubeletRootConflicts(pod);
    for (const c of rootConflicts) {
        findings.push({
            engine: "kubelet",
            rule: "runAsNonRoot",
            action: "deny",
            request: "Pod",
            message:
                `container ${c} has runAsNonRoot: true and runAsUser: 0 after admission; the kubelet ` +
                `refuses to start it (CreateContainerConfigError)`,
        });
    }
    // A runAsNonRoot: true the admission added, on a container that names no user: whether the
    // kubelet starts it depends on the image's user, which is not known offline.
    const unknownUser = mutatedNonRootWithoutUser(original, pod).filter(
        (c) => !rootConflicts.includes(c),
    );
    if (unknownUser.length > 0) {
        findings.push({
            engine: "kubelet",
            rule: "runAsNonRoot (image user)",
            action: "warn",
            request: "Pod",
            message:
                `admission set runAsNonRoot: true for ${unknownUser.join(", ")}, which set no runAsUser: ` +
                `the kubelet refuses to start a container whose image runs as root (not known offline)`,
        });
    }
    engines.kubelet = verdictOf(isFinding("kubelet"));

    const actions = new Set(findings.map((f) => f.action));
    // A rule the simulation cannot model makes every later verdict uncertain: not simulated.
    const verdict: AdmissionWorkload["verdict"] = actions.has("unsupported")
        ? "not-simulated"
        : actions.has("deny") || actions.has("error")
          ? "refused"
          : actions.has("warn") || actions.has("audit")
            ? "warned"
            : "admitted";
    for (const f of findings.filter((x) => x.action === "unsupported")) {
        engines[f.engine] = {
            ...(engines[f.engine] ?? { verdict: "unsupported" }),
            verdict: "unsupported",
        };
    }
    const workload: AdmissionWorkload = {
        resource: o.resource,
        kind,
        namespace,
        name,
        verdict,
        engines,
    };
    return { workload, findings, signed };
}

function detail(list: readonly string[] | undefined): { detail?: string } {
    return list !== undefined && list.length > 0 ? { detail: [...new Set(list)].join("; ") } : {};
}

/** An engine's verdict from its findings. */
function verdictOf(
    findings: readonly AdmissionFinding[],
    level?: string,
    exempted?: readonly string[],
): EngineVerdict {
    const actions = new Set(findings.map((f) => f.action));
    const verdict: EngineVerdict["verdict"] =
        actions.has("deny") || actions.has("error")
            ? "denied"
            : actions.has("unsupported")
              ? "unsupported"
              : actions.size > 0
                ? "warned"
                : "admitted";
    const details = [...(level !== undefined ? [level] : []), ...(exempted ?? [])];
    return {
        verdict,
        ...(details.length > 0 ? { detail: [...new Set(details)].join("; ") } : {}),
        ...(findings.length > 0 ? { findings: [...findings] } : {}),
    };
}

/** A pod without the name and namespace the simulation gives it (for the list of changes). */
function stripPodIdentity(pod: Obj): Obj {
    const metadata = { ...(pod.metadata ?? {}) };
    delete metadata.name;
    delete metadata.namespace;
    return { metadata, spec: pod.spec ?? {} };
}

/** Containers whose effective runAsNonRoot is true while their effective runAsUser is 0. */
export function kubeletRootConflicts(pod: Obj): string[] {
    if (pod.spec?.os?.name === "windows") {
        return [];
    }
    const podSc: Obj = isRecord(pod.spec?.securityContext) ? pod.spec.securityContext : {};
    const out: string[] = [];
    for (const list of ["initContainers", "containers"]) {
        for (const c of (Array.isArray(pod.spec?.[list]) ? pod.spec[list] : []) as Obj[]) {
            const sc: Obj = isRecord(c.securityContext) ? c.securityContext : {};
            const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
            const user = sc.runAsUser ?? podSc.runAsUser;
            if (nonRoot === true && user === 0) {
                out.push(String(c.name));
            }
        }
    }
    return out;
}

/** The effective runAsNonRoot and runAsUser of each container of a pod. */
function effectiveUsers(pod: Obj): Map<string, { nonRoot: unknown; user: unknown }> {
    const podSc: Obj = isRecord(pod.spec?.securityContext) ? pod.spec.securityContext : {};
    const out = new Map<string, { nonRoot: unknown; user: unknown }>();
    for (const list of ["initContainers", "containers"]) {
        for (const c of (Array.isArray(pod.spec?.[list]) ? pod.spec[list] : []) as Obj[]) {
            const sc: Obj = isRecord(c.securityContext) ? c.securityContext : {};
            out.set(String(c.name), {
                nonRoot: sc.runAsNonRoot ?? podSc.runAsNonRoot,
                user: sc.runAsUser ?? podSc.runAsUser,
            });
        }
    }
    return out;
}

/** Containers of the workload given runAsNonRoot: true by admission while naming no user. */
function mutatedNonRootWithoutUser(before: Obj, after: Obj): string[] {
    if (after.spec?.os?.name === "windows") {
        return [];
    }
    const was = effectiveUsers(before);
    const out: string[] = [];
    for (const [name, now] of effectiveUsers(after)) {
        const earlier = was.get(name);
        if (
            earlier !== undefined &&
            earlier.nonRoot !== true &&
            now.nonRoot === true &&
            now.user === undefined
        ) {
            out.push(name);
        }
    }
    return out;
}

function simulateNamespace(cluster: Cluster, ns: ClusterNamespace): AdmissionNamespace {
    const findings: AdmissionFinding[] = [];
    const object = ns.source.object;
    const label = ns.labels["pod-security.kubernetes.io/enforce"];
    if (label !== undefined && !podSecurityLevels.includes(label)) {
        findings.push({
            engine: "pod-security",
            rule: "Pod Security Admission (namespace labels)",
            action: "deny",
            request: "Namespace",
            message: `pod-security.kubernetes.io/enforce "${label}" is not a level (privileged, baseline, restricted)`,
        });
    }
    const g = cluster.gatekeeper;
    if (g !== undefined) {
        const request: GatekeeperRequest = {
            object,
            kind: "Namespace",
            apiVersion: "v1",
            name: ns.name,
            namespace: "",
            namespaceLabels: ns.labels,
        };
        const r = guarded("gatekeeper", "Namespace", findings, () =>
            gatekeeperReceives(g, request),
        );
        if (r?.receives === true) {
            findings.push(
                ...(guarded("gatekeeper", "Namespace", findings, () =>
                    gatekeeperValidate(g, request),
                ) ?? []),
            );
        }
        const label = gatekeeperIgnoreLabel(g, object, g.releaseNamespace);
        if (label !== undefined) {
            findings.push(label);
        }
    }
    const k = cluster.kyverno;
    if (k !== undefined) {
        const request: KyvernoRequest = {
            apiVersion: "v1",
            kind: "Namespace",
            name: ns.name,
            namespace: "",
            namespaceLabels: ns.labels,
            object,
        };
        const r = guarded("kyverno-validate", "Namespace", findings, () =>
            kyvernoReceives(k, request),
        );
        if (r?.receives === true) {
            const v = guarded("kyverno-validate", "Namespace", findings, () =>
                kyvernoValidate(k, request),
            );
            findings.push(...(v?.findings ?? []));
        }
    }
    const actions = new Set(findings.map((f) => f.action));
    return {
        resource: ns.source.resource,
        name: ns.name,
        podSecurity: {
            level: label ?? "privileged",
            from: label !== undefined ? "label" : "kubernetes-default",
        },
        verdict: actions.has("unsupported")
            ? "not-simulated"
            : actions.has("deny") || actions.has("error")
              ? "refused"
              : actions.size > 0
                ? "warned"
                : "admitted",
        findings,
    };
}

const engineNames: Readonly<Record<EngineId, string>> = {
    "kyverno-mutate": "Kyverno (mutation)",
    "linkerd-inject": "Linkerd's proxy injector",
    "pod-security": "Pod Security Admission",
    gatekeeper: "Gatekeeper",
    "kyverno-validate": "Kyverno",
    "kyverno-verify-images": "Kyverno (verifyImages)",
    kubelet: "the kubelet",
};

const gatekeeperHints: Readonly<Record<string, string>> = {
    "allowed-registries":
        "pull the image through the stack's image mirror (images.mirror) or allow its registry (workloads.allowedRegistries)",
    "image-tags": "pin the image by digest (image@sha256:...) in the chart's values",
    "resource-limits":
        "set resources.limits (cpu, memory) for every container in the chart's values",
    "pod-hardening":
        "drop the privileged setting, host namespaces, hostPath volumes or added capabilities in the chart's values",
    "namespace-labels":
        "give the namespace every label the constraint's parameters.labels require, or set gatekeeper.requiredNamespaceLabels to the keys the platform's namespaces carry",
};

/** What to change so the platform admits the object. */
function fixFor(f: AdmissionFinding, namespace: string): string {
    const where = namespace !== "" ? namespace : "(cluster-scoped)";
    switch (f.engine) {
        case "gatekeeper": {
            const name = f.rule.split(" ")[1] ?? "";
            if (f.rule.startsWith("webhook check-ignore-label")) {
                return `remove the ${"admission.gatekeeper.sh/ignore"} label, or list the namespace in Gatekeeper's controllerManager.exemptNamespaces`;
            }
            if (f.action === "error") {
                return `fix the CEL of the ConstraintTemplate of ${f.rule}`;
            }
            const id = name.startsWith("sovereign-") ? name.slice("sovereign-".length) : undefined;
            const hint = id !== undefined ? gatekeeperHints[id] : undefined;
            const exemption =
                id !== undefined
                    ? `; if it must run as it is, add an admissionExemptions entry for namespace ${where} naming "${id}" (with its justification and expiry), which excludes the namespace from this constraint`
                    : `; or exclude namespace ${where} in the Constraint's match.excludedNamespaces`;
            return `${hint ?? "change the object so the constraint admits it"}${exemption}`;
        }
        case "kyverno-validate": {
            const policy = f.rule.split(" ")[1] ?? "";
            const id = policy.startsWith("sovereign-") ? policy.slice("sovereign-".length) : policy;
            return (
                `make the pod meet the level in the chart's values (each failure says how), or add an ` +
                `admissionExemptions entry for namespace ${where} naming "${id}" (it becomes a Kyverno PolicyException)`
            );
        }
        case "pod-security":
            return (
                `make the pod meet the namespace's level in the chart's values (each failure says how), or, ` +
                `for a system component that cannot, declare namespace ${where} in systemNamespaces with the ` +
                `podSecurity level it needs and its reason`
            );
        case "kubelet":
            return (
                `set runAsNonRoot: false explicitly where the container runs as root (Kyverno's add ` +
                `anchor keeps an explicit value), run it as a non-root user, or add an admissionExemptions ` +
                `entry for namespace ${where} naming "secure-defaults"`
            );
        default:
            return (
                "extend tools/check/admission to model this rule shape, or write the rule in a shape " +
                "it models (docs/architecture.md, section The admission simulation)"
            );
    }
}

const actionRank: Readonly<Record<FindingAction, number>> = {
    unsupported: 0,
    error: 1,
    deny: 2,
    warn: 3,
    audit: 4,
};

/** One violation per engine and rule of an object, mandatory when it refuses. */
function violationsOf(
    resource: ResourceRef,
    kind: string,
    namespace: string,
    name: string,
    findings: readonly AdmissionFinding[],
): AdmissionViolation[] {
    // A Pod rule and the rule Kyverno generates from it for the controller are one rule.
    const baseRule = (rule: string): string => rule.replace(/ rule autogen-(cronjob-)?/, " rule ");
    const groups = new Map<string, AdmissionFinding[]>();
    for (const f of findings) {
        const key = `${f.engine}\u0000${baseRule(f.rule)}\u0000${f.action}`;
        groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    const out: AdmissionViolation[] = [];
    const sorted = [...groups.values()].sort(
        (a, b) => actionRank[a[0].action] - actionRank[b[0].action],
    );
    for (const group of sorted) {
        const f = group[0];
        const requests = [...new Set(group.map((g) => g.request))];
        const who =
            kind === "Namespace"
                ? `Namespace "${name}"`
                : kind === "Pod"
                  ? `Pod "${namespace}/${name}"`
                  : requests.length > 1
                    ? `${kind} "${namespace}/${name}" and its Pods`
                    : requests[0] === "Pod"
                      ? `the Pods of ${kind} "${namespace}/${name}"`
                      : `${kind} "${namespace}/${name}"`;
        const verb =
            f.action === "deny"
                ? "would be refused by"
                : f.action === "error"
                  ? "would be refused (evaluation error) by"
                  : f.action === "unsupported"
                    ? "cannot be simulated for"
                    : f.action === "warn"
                      ? "would draw a warning (not refused) from"
                      : "would be reported (audit only, not refused) by";
        // The Pod's own messages when there are some: the pod is what the cluster runs.
        const onPod = group.filter((g) => g.request === "Pod");
        const messages = [...new Set((onPod.length > 0 ? onPod : group).map((g) => g.message))];
        const where = namespace !== "" && kind !== "Pod" ? ` in namespace ${namespace}` : "";
        out.push({
            pack: admissionPack,
            policy: admissionPolicy,
            enforcementLevel:
                f.action === "warn" || f.action === "audit" ? "advisory" : "mandatory",
            resource,
            message:
                `${who}${where} ${verb} ${engineNames[f.engine]}, ${baseRule(f.rule)}: ${messages.join(" | ")}` +
                (f.action === "warn" || f.action === "audit"
                    ? ""
                    : `. Fix: ${fixFor(f, namespace || (kind === "Namespace" ? name : ""))}` +
                      (messages.some((m) => /\blinkerd-(proxy|network-validator|init)\b/.test(m))
                          ? `; linkerd-proxy and its init container come from Linkerd's proxy ` +
                            `injector: set proxy.resources (and the proxy's other values) in the ` +
                            `linkerd-control-plane chart's values, or the config.linkerd.io/proxy-* ` +
                            `annotations on the namespace`
                          : "") +
                      "."),
        });
    }
    return out;
}
