/**
 * Gatekeeper as the stack registers it, simulated offline for one admission request: whether its
 * validating webhook receives the request (the webhook's namespaceSelector and objectSelector, and
 * the exclusions of a `Config`), then every Constraint whose ConstraintTemplate the stack installs:
 * its `match` (kinds, namespaces, excludedNamespaces, scope, name, labelSelector,
 * namespaceSelector), the template's CEL evaluated under the Constraint (gatekeeper-cel.ts), and
 * its enforcementAction (`deny` denies; `dryrun` and `warn` are reported, not enforced).
 *
 * Also the `check-ignore-label` webhook: a Namespace may carry `admission.gatekeeper.sh/ignore`
 * only when Gatekeeper's `--exempt-namespace` flags name it.
 */
import { isRecord } from "../values";
import { celSource, evaluateTemplate } from "./gatekeeper-cel";
import { gatekeeperNamespaceMatch, labelsOf, selectorMatches, wildcardMatch } from "./selectors";
import { AdmissionFinding, FindingAction, Obj, ResourceRef, Unsupported } from "./types";

/** The label that keeps a namespace away from Gatekeeper's validating webhook. */
export const ignoreLabel = "admission.gatekeeper.sh/ignore";

/** A Constraint the stack registers. */
export interface GatekeeperConstraint {
    readonly resource: ResourceRef;
    readonly object: Obj;
}

/** Gatekeeper as installed. */
export interface GatekeeperConfig {
    /** ConstraintTemplates by the Constraint kind they define. */
    readonly templates: ReadonlyMap<string, Obj>;
    readonly constraints: readonly GatekeeperConstraint[];
    /** The validating webhook's namespaceSelector and objectSelector. */
    readonly namespaceSelector: unknown;
    readonly objectSelector: unknown;
    /** Namespaces allowed to carry the ignore label (`--exempt-namespace[-prefix|-suffix]`). */
    readonly ignoreLabelAllowed: {
        readonly names: readonly string[];
        readonly prefixes: readonly string[];
        readonly suffixes: readonly string[];
    };
    /** Namespaces a `Config` excludes from the webhook. */
    readonly configExcluded: readonly string[];
    /** False when the chart disables the validating webhook. */
    readonly webhook: boolean;
    readonly from: string;
}

/** One admission request as Gatekeeper sees it. */
export interface GatekeeperRequest {
    readonly object: Obj;
    readonly kind: string;
    readonly apiVersion: string;
    readonly name: string;
    /** "" for cluster-scoped objects. */
    readonly namespace: string;
    readonly namespaceLabels: Record<string, string>;
}

/** Whether the validating webhook receives the request, and why not. */
export function gatekeeperReceives(
    config: GatekeeperConfig,
    request: GatekeeperRequest,
): { receives: boolean; why?: string } {
    if (!config.webhook) {
        return { receives: false, why: "the chart disables Gatekeeper's validating webhook" };
    }
    if (!selectorMatches(config.namespaceSelector, request.namespaceLabels)) {
        const ns = request.kind === "Namespace" ? request.name : request.namespace;
        return {
            receives: false,
            why: `namespace ${ns} is outside Gatekeeper's validating webhook (namespaceSelector, ${config.from})`,
        };
    }
    if (!selectorMatches(config.objectSelector, labelsOf(request.object))) {
        return { receives: false, why: "the webhook's objectSelector does not select it" };
    }
    const ns = request.kind === "Namespace" ? request.name : request.namespace;
    if (ns !== "" && config.configExcluded.some((p) => gatekeeperNamespaceMatch(p, ns))) {
        return { receives: false, why: `Gatekeeper's Config excludes namespace ${ns}` };
    }
    return { receives: true };
}

const matchFields = new Set([
    "kinds",
    "namespaces",
    "excludedNamespaces",
    "scope",
    "name",
    "labelSelector",
    "namespaceSelector",
]);

/** True when a Constraint's `match` selects the request. */
export function constraintMatches(constraint: Obj, request: GatekeeperRequest): boolean {
    const match: Obj = isRecord(constraint.spec?.match) ? constraint.spec.match : {};
    for (const key of Object.keys(match)) {
        if (!matchFields.has(key)) {
            throw new Unsupported(`Constraint ${constraintLabel(constraint)}: match.${key}`);
        }
    }
    const group = request.apiVersion.includes("/") ? request.apiVersion.split("/")[0] : "";
    const kinds = Array.isArray(match.kinds) ? (match.kinds as Obj[]) : [];
    if (
        kinds.length > 0 &&
        !kinds.some(
            (k) =>
                (!Array.isArray(k.apiGroups) ||
                    k.apiGroups.includes("*") ||
                    k.apiGroups.includes(group)) &&
                (!Array.isArray(k.kinds) ||
                    k.kinds.includes("*") ||
                    k.kinds.includes(request.kind)),
        )
    ) {
        return false;
    }
    const clusterScoped = request.namespace === "";
    const scope = typeof match.scope === "string" ? match.scope : "*";
    if ((scope === "Namespaced" && clusterScoped) || (scope === "Cluster" && !clusterScoped)) {
        return false;
    }
    // For a Namespace object the namespace criteria apply to its own name; other cluster-scoped
    // objects ignore them.
    const ns = request.kind === "Namespace" ? request.name : request.namespace;
    if (ns !== "") {
        const included = Array.isArray(match.namespaces) ? match.namespaces.map(String) : [];
        if (included.length > 0 && !included.some((p) => gatekeeperNamespaceMatch(p, ns))) {
            return false;
        }
        const excluded = Array.isArray(match.excludedNamespaces)
            ? match.excludedNamespaces.map(String)
            : [];
        if (excluded.some((p) => gatekeeperNamespaceMatch(p, ns))) {
            return false;
        }
    }
    if (typeof match.name === "string" && !wildcardMatch(match.name, request.name)) {
        return false;
    }
    if (
        match.labelSelector !== undefined &&
        !selectorMatches(match.labelSelector, labelsOf(request.object))
    ) {
        return false;
    }
    // namespaceLabels are a Namespace object's own labels; other cluster-scoped objects ignore it.
    if (
        match.namespaceSelector !== undefined &&
        (!clusterScoped || request.kind === "Namespace") &&
        !selectorMatches(match.namespaceSelector, request.namespaceLabels)
    ) {
        return false;
    }
    return true;
}

/** `SovereignImageTags sovereign-image-tags`. */
export function constraintLabel(constraint: Obj): string {
    return `${String(constraint.kind)} ${String(constraint.metadata?.name ?? "")}`;
}

/** What a constraint does at the validating webhook: deny, warn, dryrun (audit only). */
function actionOf(constraint: Obj): FindingAction | "none" {
    const action = String(constraint.spec?.enforcementAction ?? "deny");
    if (action === "deny") {
        return "deny";
    }
    if (action === "warn") {
        return "warn";
    }
    if (action === "dryrun") {
        return "audit";
    }
    if (action === "scoped") {
        const scoped = Array.isArray(constraint.spec?.scopedEnforcementActions)
            ? (constraint.spec.scopedEnforcementActions as Obj[])
            : [];
        const atWebhook = scoped.filter(
            (s) =>
                Array.isArray(s.enforcementPoints) &&
                (s.enforcementPoints as Obj[]).some(
                    (p) => p.name === "validation.gatekeeper.sh" || p.name === "*",
                ),
        );
        const actions = atWebhook.map((s) => String(s.action));
        return actions.includes("deny") ? "deny" : actions.includes("warn") ? "warn" : "none";
    }
    throw new Unsupported(
        `Constraint ${constraintLabel(constraint)}: enforcementAction "${action}"`,
    );
}

/** The findings of every matching constraint on one request. */
export function gatekeeperValidate(
    config: GatekeeperConfig,
    request: GatekeeperRequest,
): AdmissionFinding[] {
    const findings: AdmissionFinding[] = [];
    for (const c of config.constraints) {
        const constraint = c.object;
        if (!constraintMatches(constraint, request)) {
            continue;
        }
        const action = actionOf(constraint);
        if (action === "none") {
            continue;
        }
        const template = config.templates.get(String(constraint.kind));
        const rule = constraintLabel(constraint);
        if (template === undefined) {
            // No template: the Constraint's CRD does not exist, so the API server refuses the
            // Constraint itself; nothing is enforced.
            continue;
        }
        try {
            celSource(template);
        } catch (e) {
            throw new Unsupported(
                `ConstraintTemplate ${String(template.metadata?.name)}: ${(e as Error).message}`,
            );
        }
        let messages: string[];
        try {
            messages = evaluateTemplate(template, constraint, {
                object: request.object,
                namespace: request.namespace,
            }).messages;
        } catch (e) {
            findings.push({
                engine: "gatekeeper",
                rule,
                action: "error",
                request: request.kind,
                message: `the template's CEL fails on this object: ${(e as Error).message}`,
            });
            continue;
        }
        for (const message of messages) {
            findings.push({ engine: "gatekeeper", rule, action, request: request.kind, message });
        }
    }
    return findings;
}

/** The `check-ignore-label` webhook on a Namespace object. */
export function gatekeeperIgnoreLabel(
    config: GatekeeperConfig,
    namespace: Obj,
    releaseNamespace: string,
): AdmissionFinding | undefined {
    const name = String(namespace.metadata?.name ?? "");
    if (!config.webhook || name === releaseNamespace || !(ignoreLabel in labelsOf(namespace))) {
        return undefined;
    }
    const a = config.ignoreLabelAllowed;
    if (
        a.names.includes(name) ||
        a.prefixes.some((p) => name.startsWith(p)) ||
        a.suffixes.some((s) => name.endsWith(s))
    ) {
        return undefined;
    }
    return {
        engine: "gatekeeper",
        rule: "webhook check-ignore-label.gatekeeper.sh",
        action: "deny",
        request: "Namespace",
        message: `Only exempt namespace can have the ${ignoreLabel} label (namespace ${name} is not among Gatekeeper's --exempt-namespace flags)`,
    };
}
