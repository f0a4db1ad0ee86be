/**
 * Kyverno as the stack registers it, simulated offline for one admission request: which requests
 * its webhooks receive (the webhooks' namespaceSelector and the resourceFilters of its ConfigMap),
 * the rules that apply (match/exclude, preconditions, auto-generated controller rules, PolicyExceptions),
 * and what they do: `mutate` (patchStrategicMerge and foreach patchStrategicMerge), `validate`
 * (`podSecurity`), `verifyImages` (listed: signatures cannot be checked offline; `mutateDigest`
 * pins the images it verifies).
 *
 * A rule shape outside this list throws {@link Unsupported} when it applies to a request.
 */
import {
    evaluatePodSecurity,
    formatPodSecurityFailure,
} from "../../../policypacks/workload-security/lib/pod-security";
import { splitRegistry } from "../../../contract/images";
import { isRecord } from "../values";
import { jmespath, KyvernoContext, preconditionsHold, substitute } from "./kyverno-expressions";
import { changedPaths, strategicMerge } from "./kyverno-patch";
import { annotationsOf, labelsOf, selectorMatches, wildcardMatch } from "./selectors";
import { AdmissionFinding, Obj, ResourceRef, Unsupported } from "./types";

/** Kyverno's pod controllers (autogen targets), as `CanAutoGen` lists them. */
export const kyvernoPodControllers: readonly string[] = [
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];

/** One `[Kind,Namespace,Name]` entry of Kyverno's resourceFilters. */
export interface ResourceFilter {
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
}

/** A ClusterPolicy or Policy, with the controllers its Pod rules are auto-generated for. */
export interface KyvernoPolicy {
    readonly resource: ResourceRef;
    readonly kind: "ClusterPolicy" | "Policy";
    readonly name: string;
    /** Set for a namespaced Policy. */
    readonly namespace?: string;
    readonly spec: Obj;
    readonly controllers: ReadonlySet<string>;
}

/** A PolicyException. */
export interface KyvernoException {
    readonly resource: ResourceRef;
    readonly name: string;
    readonly namespace: string;
    readonly spec: Obj;
}

/** Kyverno as installed: its rules and the scope of its webhooks. */
export interface KyvernoConfig {
    readonly policies: readonly KyvernoPolicy[];
    readonly exceptions: readonly KyvernoException[];
    /** Whether PolicyExceptions are honoured, and from which namespace ("" or "*": any). */
    readonly exceptionsEnabled: boolean;
    readonly exceptionNamespace: string;
    /** The webhooks' namespaceSelector. */
    readonly namespaceSelector: unknown;
    readonly resourceFilters: readonly ResourceFilter[];
    /** Where the webhook scope and exception settings were read from. */
    readonly from: string;
}

/** One admission request as Kyverno sees it. */
export interface KyvernoRequest {
    readonly apiVersion: string;
    readonly kind: string;
    readonly name: string;
    /** "" for cluster-scoped objects. */
    readonly namespace: string;
    /** The labels of the request's namespace (or of the Namespace object itself). */
    readonly namespaceLabels: Record<string, string>;
    /** The whole object. */
    readonly object: Obj;
}

/** A rule that applies to a request, as Kyverno runs it (autogen rules renamed). */
interface AppliedRule {
    readonly policy: KyvernoPolicy;
    readonly rule: Obj;
    /** The rule's name as Kyverno reports it: `autogen-<rule>` on controllers. */
    readonly name: string;
    /** True when the rule is a Pod rule run on a controller's pod template. */
    readonly autogen: boolean;
}

/** The result of Kyverno's mutating webhook on one request. */
export interface MutationResult {
    readonly object: Obj;
    readonly changes: readonly string[];
    /** Rules skipped by a PolicyException: `exception ns/name skips policy/rule`. */
    readonly exempted: readonly string[];
    /** Images `mutateDigest` would pin once verified (reference before pinning). */
    readonly pinned: readonly string[];
}

/** The digest the simulation writes where Kyverno would write the verified image's digest. */
export const pinnedDigest = `sha256:${"0".repeat(64)}`;

/** True when Kyverno's webhooks receive the request (namespaceSelector, resourceFilters). */
export function kyvernoReceives(
    config: KyvernoConfig,
    request: KyvernoRequest,
): { receives: boolean; why?: string } {
    if (!selectorMatches(config.namespaceSelector, request.namespaceLabels)) {
        return {
            receives: false,
            why: `namespace ${request.namespace || request.name} is outside Kyverno's webhooks (namespaceSelector, ${config.from})`,
        };
    }
    for (const f of config.resourceFilters) {
        if (
            filterKindMatches(f.kind, request.kind) &&
            wildcardMatch(f.namespace, request.namespace) &&
            wildcardMatch(f.name, request.name)
        ) {
            return {
                receives: false,
                why: `Kyverno's resourceFilters skip it ([${f.kind},${f.namespace},${f.name}])`,
            };
        }
    }
    return { receives: true };
}

/** A resourceFilters kind (`Pod`, `*`, `*` over `*`, `Node/?*`) against a main resource's kind. */
function filterKindMatches(pattern: string, kind: string): boolean {
    const parts = pattern.split("/");
    const last = parts[parts.length - 1];
    // `Kind/subresource` filters only subresource requests; `*` over `*` and `v1/Kind` name the
    // kind last.
    if (parts.length >= 2 && last !== "*" && !/^[A-Z]/.test(last)) {
        return false;
    }
    return wildcardMatch(last, kind);
}

/** The controllers a policy's Pod rules are auto-generated for (Kyverno's `CanAutoGen`). */
export function autogenControllers(spec: Obj, annotations: Record<string, string>): Set<string> {
    const annotated = annotations["pod-policies.kyverno.io/autogen-controllers"];
    if (annotated !== undefined) {
        return annotated === "none"
            ? new Set()
            : new Set(annotated.split(",").map((s) => s.trim()));
    }
    const rules = Array.isArray(spec.rules) ? (spec.rules as Obj[]) : [];
    let needed = false;
    const supported = (d: unknown): boolean => {
        if (!isRecord(d)) {
            return true;
        }
        const kinds = Array.isArray(d.kinds) ? d.kinds.map(String) : [];
        if (
            d.name !== undefined ||
            (Array.isArray(d.names) && d.names.length > 0) ||
            d.selector !== undefined ||
            d.annotations !== undefined ||
            (kinds.length > 1 && kinds.some((k) => kindOf(k) === "Pod"))
        ) {
            return false;
        }
        needed = needed || kinds.some((k) => ["Pod", ...kyvernoPodControllers].includes(kindOf(k)));
        return true;
    };
    const blocks = (m: unknown): unknown[] => {
        if (!isRecord(m)) {
            return [];
        }
        return [
            m.resources,
            ...(Array.isArray(m.any) ? m.any.map((x) => (isRecord(x) ? x.resources : x)) : []),
            ...(Array.isArray(m.all) ? m.all.map((x) => (isRecord(x) ? x.resources : x)) : []),
        ];
    };
    for (const rule of rules) {
        if (rule.generate !== undefined) {
            return new Set();
        }
        const mutate = isRecord(rule.mutate) ? rule.mutate : undefined;
        if (
            mutate?.patchesJson6902 !== undefined ||
            (Array.isArray(mutate?.foreach) &&
                (mutate.foreach as Obj[]).some((f) => f.patchesJson6902 !== undefined))
        ) {
            return new Set();
        }
        if (!blocks(rule.match).every(supported) || !blocks(rule.exclude).every(supported)) {
            return new Set();
        }
    }
    return needed ? new Set(kyvernoPodControllers) : new Set();
}

/** The kind named by a Kyverno kind entry (`Pod`, `v1/Pod`, `apps/v1/Deployment`). */
function kindOf(entry: string): string {
    const parts = entry.split("/");
    if (parts.length >= 2 && /^[A-Z]/.test(parts[0]) && !/^[A-Z*]/.test(parts[1])) {
        return parts[0]; // Kind/subresource
    }
    return parts[parts.length - 1];
}

/** True when a Kyverno kind entry selects the request's main resource. */
function kindEntryMatches(entry: string, apiVersion: string, kind: string): boolean {
    if (entry === "*") {
        return true;
    }
    const parts = entry.split("/");
    if (parts.length >= 2 && /^[A-Z]/.test(parts[0]) && !/^[A-Z*]/.test(parts[1])) {
        return false; // Kind/subresource: subresource requests only
    }
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    if (parts.length === 1) {
        return wildcardMatch(parts[0], kind);
    }
    if (parts.length === 2) {
        return wildcardMatch(parts[0], version) && wildcardMatch(parts[1], kind);
    }
    if (parts.length === 3) {
        return (
            wildcardMatch(parts[0], group) &&
            wildcardMatch(parts[1], version) &&
            wildcardMatch(parts[2], kind)
        );
    }
    return false;
}

const descriptionFields = new Set([
    "kinds",
    "names",
    "name",
    "namespaces",
    "annotations",
    "selector",
    "namespaceSelector",
    "operations",
]);

/** One ResourceDescription against a request (every field given must match). */
function descriptionMatches(d: Obj, request: KyvernoRequest, requireKinds: boolean): boolean {
    for (const key of Object.keys(d)) {
        if (!descriptionFields.has(key)) {
            throw new Unsupported(`resource description field "${key}"`);
        }
    }
    const kinds = Array.isArray(d.kinds) ? d.kinds.map(String) : [];
    if (kinds.length === 0 && requireKinds) {
        return false;
    }
    if (
        kinds.length > 0 &&
        !kinds.some((k) => kindEntryMatches(k, request.apiVersion, request.kind))
    ) {
        return false;
    }
    const names = [
        ...(typeof d.name === "string" ? [d.name] : []),
        ...(Array.isArray(d.names) ? d.names.map(String) : []),
    ];
    if (names.length > 0 && !names.some((n) => wildcardMatch(n, request.name))) {
        return false;
    }
    if (Array.isArray(d.namespaces) && d.namespaces.length > 0) {
        // For a Namespace object, Kyverno checks its name against `namespaces`.
        const ns = request.kind === "Namespace" ? request.name : request.namespace;
        if (!d.namespaces.map(String).some((n) => wildcardMatch(n, ns))) {
            return false;
        }
    }
    if (isRecord(d.annotations)) {
        const annotations = annotationsOf(request.object);
        for (const [k, v] of Object.entries(d.annotations)) {
            const actual = Object.entries(annotations).find(([ak]) => wildcardMatch(k, ak));
            if (actual === undefined || !wildcardMatch(String(v), actual[1])) {
                return false;
            }
        }
    }
    if (d.selector !== undefined && !selectorMatches(d.selector, labelsOf(request.object))) {
        return false;
    }
    if (
        d.namespaceSelector !== undefined &&
        !selectorMatches(d.namespaceSelector, request.namespaceLabels)
    ) {
        return false;
    }
    if (Array.isArray(d.operations) && !d.operations.includes("CREATE")) {
        return false;
    }
    return true;
}

const userInfoFields = ["subjects", "roles", "clusterRoles"];

/** A ResourceFilter (`{resources, subjects, ...}`) against a request. */
function filterMatches(f: unknown, request: KyvernoRequest, requireKinds: boolean): boolean {
    if (!isRecord(f)) {
        throw new Unsupported(`match entry ${JSON.stringify(f)}`);
    }
    for (const key of Object.keys(f)) {
        if (userInfoFields.includes(key)) {
            throw new Unsupported(
                `"${key}" in match/exclude (the requesting user is not known offline)`,
            );
        }
        if (key !== "resources") {
            throw new Unsupported(`match/exclude field "${key}"`);
        }
    }
    return isRecord(f.resources) && descriptionMatches(f.resources, request, requireKinds);
}

/** Kyverno's MatchResources (`any`, `all`, or the legacy `resources`). */
export function matchResources(
    m: unknown,
    request: KyvernoRequest,
    requireKinds: boolean,
): boolean {
    if (!isRecord(m)) {
        return false;
    }
    for (const key of Object.keys(m)) {
        if (userInfoFields.includes(key)) {
            throw new Unsupported(
                `"${key}" in match/exclude (the requesting user is not known offline)`,
            );
        }
        if (!["any", "all", "resources"].includes(key)) {
            throw new Unsupported(`match/exclude field "${key}"`);
        }
    }
    if (Array.isArray(m.any) && m.any.length > 0) {
        return m.any.some((f) => filterMatches(f, request, requireKinds));
    }
    if (Array.isArray(m.all) && m.all.length > 0) {
        return m.all.every((f) => filterMatches(f, request, requireKinds));
    }
    if (isRecord(m.resources)) {
        return descriptionMatches(m.resources, request, requireKinds);
    }
    return false;
}

/** The request with kind Pod, as an auto-generated rule's match sees a controller. */
function asPod(request: KyvernoRequest): KyvernoRequest {
    return { ...request, apiVersion: "v1", kind: "Pod" };
}

/** Every rule of every policy that applies to the request (before preconditions and exceptions). */
function applicableRules(config: KyvernoConfig, request: KyvernoRequest): AppliedRule[] {
    const out: AppliedRule[] = [];
    for (const policy of config.policies) {
        if (policy.namespace !== undefined && policy.namespace !== request.namespace) {
            continue;
        }
        if (policy.spec.admission === false) {
            continue;
        }
        if (policy.spec.applyRules !== undefined && policy.spec.applyRules !== "All") {
            throw new Unsupported(
                `policy ${policy.name}: applyRules ${String(policy.spec.applyRules)}`,
            );
        }
        if (
            isRecord(policy.spec.webhookConfiguration) &&
            policy.spec.webhookConfiguration.matchConditions !== undefined
        ) {
            throw new Unsupported(`policy ${policy.name}: webhookConfiguration.matchConditions`);
        }
        for (const rule of Array.isArray(policy.spec.rules) ? (policy.spec.rules as Obj[]) : []) {
            const name = String(rule.name);
            const applies = (r: KyvernoRequest): boolean =>
                matchResources(rule.match, r, true) &&
                !(rule.exclude !== undefined && matchResources(rule.exclude, r, false));
            if (applies(request)) {
                out.push({ policy, rule, name, autogen: false });
            } else if (policy.controllers.has(request.kind) && applies(asPod(request))) {
                const prefix = request.kind === "CronJob" ? "autogen-cronjob-" : "autogen-";
                out.push({ policy, rule, name: `${prefix}${name}`, autogen: true });
            }
        }
    }
    return out;
}

/** The PolicyException that lifts a rule for the request, if any. */
function exceptionFor(
    config: KyvernoConfig,
    applied: AppliedRule,
    request: KyvernoRequest,
): KyvernoException | undefined {
    if (!config.exceptionsEnabled) {
        return undefined;
    }
    const policyName =
        applied.policy.namespace !== undefined
            ? `${applied.policy.namespace}/${applied.policy.name}`
            : applied.policy.name;
    for (const e of config.exceptions) {
        if (
            config.exceptionNamespace !== "" &&
            config.exceptionNamespace !== "*" &&
            e.namespace !== config.exceptionNamespace
        ) {
            continue;
        }
        for (const key of Object.keys(e.spec)) {
            if (!["exceptions", "match", "background"].includes(key)) {
                throw new Unsupported(`PolicyException ${e.namespace}/${e.name}: spec.${key}`);
            }
        }
        const names = (Array.isArray(e.spec.exceptions) ? (e.spec.exceptions as Obj[]) : []).some(
            (x) =>
                wildcardMatch(String(x.policyName), policyName) &&
                Array.isArray(x.ruleNames) &&
                x.ruleNames.some((r: unknown) => wildcardMatch(String(r), applied.name)),
        );
        if (names && matchResources(e.spec.match, request, true)) {
            return e;
        }
    }
    return undefined;
}

/** The pod a request stands for: the Pod itself, or a controller's template as a Pod. */
export function podViewOf(object: Obj): Obj {
    const kind = String(object.kind);
    if (kind === "Pod") {
        return object;
    }
    const template =
        kind === "CronJob" ? object.spec?.jobTemplate?.spec?.template : object.spec?.template;
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: isRecord(template?.metadata) ? template.metadata : {},
        spec: isRecord(template?.spec) ? template.spec : {},
    };
}

/** Writes a (mutated) pod view back into a controller object; returns the object. */
export function withPodView(object: Obj, pod: Obj): Obj {
    if (String(object.kind) === "Pod") {
        return pod;
    }
    const out = structuredClone(object);
    const holder = String(object.kind) === "CronJob" ? out.spec.jobTemplate.spec : out.spec;
    holder.template = { ...(holder.template ?? {}), metadata: pod.metadata, spec: pod.spec };
    if (Object.keys(pod.metadata ?? {}).length === 0) {
        delete holder.template.metadata;
    }
    return out;
}

function contextFor(request: KyvernoRequest, object: Obj): KyvernoContext {
    return {
        request: {
            object,
            namespace: request.namespace,
            operation: "CREATE",
            name: request.name,
        },
    };
}

function ruleLabel(applied: AppliedRule): string {
    const where = applied.policy.namespace !== undefined ? `${applied.policy.namespace}/` : "";
    return `${applied.policy.kind} ${where}${applied.policy.name} rule ${applied.name}`;
}

function checkRuleShape(applied: AppliedRule): void {
    const r = applied.rule;
    if (Array.isArray(r.context) && r.context.length > 0) {
        throw new Unsupported(`${ruleLabel(applied)}: context entries`);
    }
    if (r.celPreconditions !== undefined) {
        throw new Unsupported(`${ruleLabel(applied)}: celPreconditions`);
    }
}

/**
 * Kyverno's mutating webhook on one request: every applicable mutate rule in order (on the pod
 * template for auto-generated rules), then `mutateDigest` of the verifyImages rules.
 */
export function kyvernoMutate(config: KyvernoConfig, request: KyvernoRequest): MutationResult {
    const exempted: string[] = [];
    const pinned: string[] = [];
    let object = structuredClone(request.object);
    const before = request.object;
    for (const applied of applicableRules(config, request)) {
        const r = applied.rule;
        if (r.mutate === undefined && r.verifyImages === undefined) {
            continue;
        }
        if (isRecord(r.mutate) && r.mutate.targets !== undefined) {
            continue; // mutate-existing: changes other objects, in the background
        }
        checkRuleShape(applied);
        const exception = exceptionFor(config, applied, request);
        if (exception !== undefined) {
            exempted.push(
                `PolicyException ${exception.namespace}/${exception.name} skips ${ruleLabel(applied)}`,
            );
            continue;
        }
        const target = applied.autogen ? podViewOf(object) : object;
        if (!preconditionsHold(r.preconditions, contextFor(request, target))) {
            continue;
        }
        let result = target;
        if (isRecord(r.mutate)) {
            result = mutate(applied, r.mutate, request, target);
        }
        if (Array.isArray(r.verifyImages)) {
            const p = pinDigests(applied, r.verifyImages as Obj[], result);
            result = p.pod;
            pinned.push(...p.pinned);
        }
        object = applied.autogen ? withPodView(object, result) : result;
    }
    return { object, changes: changedPaths(before, object), exempted, pinned };
}

function mutate(applied: AppliedRule, m: Obj, request: KyvernoRequest, target: Obj): Obj {
    for (const key of Object.keys(m)) {
        if (!["patchStrategicMerge", "foreach", "mutateExistingOnPolicyUpdate"].includes(key)) {
            throw new Unsupported(`${ruleLabel(applied)}: mutate.${key}`);
        }
    }
    let object = target;
    if (isRecord(m.patchStrategicMerge)) {
        const patch = substitute(m.patchStrategicMerge, contextFor(request, object)) as Obj;
        object = strategicMerge(object, patch);
    }
    for (const each of Array.isArray(m.foreach) ? (m.foreach as Obj[]) : []) {
        for (const key of Object.keys(each)) {
            if (!["list", "patchStrategicMerge", "preconditions"].includes(key)) {
                throw new Unsupported(`${ruleLabel(applied)}: mutate.foreach[].${key}`);
            }
        }
        if (typeof each.list !== "string" || !isRecord(each.patchStrategicMerge)) {
            throw new Unsupported(
                `${ruleLabel(applied)}: a foreach without list and patchStrategicMerge`,
            );
        }
        const list = jmespath(each.list, contextFor(request, object));
        if (!Array.isArray(list)) {
            continue;
        }
        list.forEach((element, elementIndex) => {
            const ctx = { ...contextFor(request, object), element, elementIndex };
            if (!preconditionsHold(each.preconditions, ctx)) {
                return;
            }
            object = strategicMerge(object, substitute(each.patchStrategicMerge, ctx) as Obj);
        });
    }
    return object;
}

/** The images of every container of a pod view. */
export function podImages(pod: Obj): { list: string; name: string; image: string }[] {
    const out: { list: string; name: string; image: string }[] = [];
    for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
        const cs: unknown = pod.spec?.[list];
        if (Array.isArray(cs)) {
            for (const c of cs) {
                if (isRecord(c) && typeof c.image === "string") {
                    out.push({ list, name: String(c.name), image: c.image });
                }
            }
        }
    }
    return out;
}

/** The references an image matches as (as written, and with Docker Hub's registry made explicit). */
function imageForms(image: string): string[] {
    return splitRegistry(image).registry !== undefined ? [image] : [image, `docker.io/${image}`];
}

/** True when a verifyImages entry covers the image. */
function verifies(entry: Obj, image: string): boolean {
    const refs = Array.isArray(entry.imageReferences) ? entry.imageReferences.map(String) : [];
    const skip = Array.isArray(entry.skipImageReferences)
        ? entry.skipImageReferences.map(String)
        : [];
    const forms = imageForms(image);
    return (
        refs.some((p) => forms.some((f) => wildcardMatch(p, f))) &&
        !skip.some((p) => forms.some((f) => wildcardMatch(p, f)))
    );
}

function failureActionOf(policy: KyvernoPolicy, own: unknown): string {
    return typeof own === "string"
        ? own
        : typeof policy.spec.validationFailureAction === "string"
          ? policy.spec.validationFailureAction
          : "Audit";
}

function pinDigests(
    applied: AppliedRule,
    entries: Obj[],
    pod: Obj,
): { pod: Obj; pinned: string[] } {
    const out = structuredClone(pod);
    const pinned: string[] = [];
    for (const entry of entries) {
        const enforce = /^enforce$/i.test(failureActionOf(applied.policy, entry.failureAction));
        if (entry.mutateDigest !== true || !enforce) {
            continue;
        }
        for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
            const cs: unknown = out.spec?.[list];
            if (!Array.isArray(cs)) {
                continue;
            }
            for (const c of cs) {
                if (
                    isRecord(c) &&
                    typeof c.image === "string" &&
                    !c.image.includes("@") &&
                    verifies(entry, c.image)
                ) {
                    pinned.push(c.image);
                    c.image = `${c.image}@${pinnedDigest}`;
                }
            }
        }
    }
    return { pod: out, pinned };
}

/** Kyverno's validating webhook on one request: findings of the applicable validate rules. */
export function kyvernoValidate(
    config: KyvernoConfig,
    request: KyvernoRequest,
): { findings: AdmissionFinding[]; exempted: string[] } {
    const findings: AdmissionFinding[] = [];
    const exempted: string[] = [];
    for (const applied of applicableRules(config, request)) {
        const r = applied.rule;
        if (!isRecord(r.validate)) {
            continue;
        }
        checkRuleShape(applied);
        const exception = exceptionFor(config, applied, request);
        if (exception !== undefined) {
            exempted.push(
                `PolicyException ${exception.namespace}/${exception.name} skips ${ruleLabel(applied)}`,
            );
            continue;
        }
        const pod = applied.autogen ? podViewOf(request.object) : request.object;
        if (!preconditionsHold(r.preconditions, contextFor(request, pod))) {
            continue;
        }
        const v = r.validate;
        for (const key of Object.keys(v)) {
            if (
                ![
                    "podSecurity",
                    "failureAction",
                    "validationFailureAction",
                    "failureActionOverrides",
                    "message",
                    "allowExistingViolations",
                ].includes(key)
            ) {
                throw new Unsupported(`${ruleLabel(applied)}: validate.${key}`);
            }
        }
        if (!isRecord(v.podSecurity)) {
            throw new Unsupported(`${ruleLabel(applied)}: a validate rule without podSecurity`);
        }
        const ps = v.podSecurity;
        if (Array.isArray(ps.exclude) && ps.exclude.length > 0) {
            throw new Unsupported(`${ruleLabel(applied)}: validate.podSecurity.exclude`);
        }
        const level = String(ps.level);
        if (level === "privileged") {
            continue;
        }
        if (level !== "baseline" && level !== "restricted") {
            throw new Unsupported(`${ruleLabel(applied)}: podSecurity level "${level}"`);
        }
        if (request.kind !== "Pod" && !applied.autogen) {
            continue; // podSecurity judges pods and pod templates only
        }
        const path = !applied.autogen
            ? "spec"
            : request.kind === "CronJob"
              ? "spec.jobTemplate.spec.template.spec"
              : "spec.template.spec";
        const template = { spec: pod.spec ?? {}, metadata: pod.metadata ?? {}, path };
        const failures = evaluatePodSecurity(template, level);
        if (failures.length === 0) {
            continue;
        }
        const action = actionFor(applied.policy, v, request.namespace);
        const object = `${request.kind === "Pod" ? "Pod" : `${request.kind} pod template`}`;
        findings.push({
            engine: "kyverno-validate",
            rule: ruleLabel(applied),
            action: action === "enforce" ? "deny" : "audit",
            request: request.kind,
            message:
                `podSecurity ${level} (version ${String(ps.version ?? "latest")}): ` +
                failures.map((f) => formatPodSecurityFailure(object, f)).join(" "),
        });
    }
    return { findings, exempted };
}

/** Enforce or Audit for a validate rule in a namespace (rule, overrides, then the policy). */
function actionFor(policy: KyvernoPolicy, v: Obj, namespace: string): "enforce" | "audit" {
    const overrides = [
        ...(Array.isArray(v.failureActionOverrides) ? v.failureActionOverrides : []),
        ...(Array.isArray(policy.spec.validationFailureActionOverrides)
            ? policy.spec.validationFailureActionOverrides
            : []),
    ] as Obj[];
    for (const o of overrides) {
        if (o.namespaceSelector !== undefined) {
            throw new Unsupported(
                `policy ${policy.name}: failureActionOverrides.namespaceSelector`,
            );
        }
        const nss = Array.isArray(o.namespaces) ? o.namespaces.map(String) : [];
        if (nss.some((n) => wildcardMatch(n, namespace))) {
            return /^enforce$/i.test(String(o.action)) ? "enforce" : "audit";
        }
    }
    const action = failureActionOf(policy, v.failureAction ?? v.validationFailureAction);
    return /^enforce$/i.test(action) ? "enforce" : "audit";
}

/**
 * The images a request runs that a verifyImages rule covers: each must carry the site's signature
 * before install (not checkable offline). Exceptions and exclusions apply as to any rule.
 */
export function kyvernoImagesToVerify(
    config: KyvernoConfig,
    request: KyvernoRequest,
): { image: string; rule: string; action: string }[] {
    const out: { image: string; rule: string; action: string }[] = [];
    for (const applied of applicableRules(config, request)) {
        const r = applied.rule;
        if (
            !Array.isArray(r.verifyImages) ||
            exceptionFor(config, applied, request) !== undefined
        ) {
            continue;
        }
        const pod = applied.autogen ? podViewOf(request.object) : request.object;
        for (const entry of r.verifyImages as Obj[]) {
            for (const { image } of podImages(pod)) {
                const original = image.endsWith(`@${pinnedDigest}`)
                    ? image.slice(0, -(pinnedDigest.length + 1))
                    : image;
                if (verifies(entry, original)) {
                    out.push({
                        image: original,
                        rule: ruleLabel(applied),
                        action: failureActionOf(applied.policy, entry.failureAction),
                    });
                }
            }
        }
    }
    return out;
}

/** Rules of the stack's policies that apply to nothing the simulation models (generate, ...). */
export function unmodelledRuleKinds(config: KyvernoConfig): string[] {
    const out = new Set<string>();
    for (const p of config.policies) {
        for (const r of Array.isArray(p.spec.rules) ? (p.spec.rules as Obj[]) : []) {
            if (r.generate !== undefined) {
                out.add(`${p.kind} ${p.name} rule ${String(r.name)} (generate)`);
            }
            if (isRecord(r.mutate) && r.mutate.targets !== undefined) {
                out.add(`${p.kind} ${p.name} rule ${String(r.name)} (mutate existing)`);
            }
        }
    }
    return [...out];
}
