/**
 * Per-control status of a checked stack (pure): derived from the offline check's report data and
 * the control catalogue. Rules, first match wins:
 *
 * 1. `manual`: every mechanism of the control is manual.
 * 2. `violated`: a violation (mandatory or advisory) of a CrossGuard policy linked to the control.
 * 3. `not-deployed`: no linked CrossGuard policy runs (its pack is not in `packs`) and no
 *    component the control depends on (component settings, Gatekeeper, Kyverno, Falco) is present
 *    in `resourcesByType`.
 * 4. `not-verified`: the check lacks evidence for some object in the control's scope: an evidence
 *    requirement of the catalogue is not met (a chart whose contents were not rendered, a node
 *    document not written, a namespace without default-deny NetworkPolicies); the reasons say
 *    which.
 * 5. `exempted`: a linked policy is `disabled` or `advisory` in its pack's config, or a namespace
 *    exemption enforces a Pod Security level below the control's level.
 * 6. `enforced`: otherwise, and `evidence` names what the check saw: each linked policy that ran
 *    without a violation, each component present, and what each evidence requirement found.
 */
import {
    Control,
    ComponentType,
    componentTypes,
    controls,
    EvidenceRequirement,
    Mechanism,
    PodSecurityLevel,
} from "./catalogue";

/** One violation as the check's report lists it (other fields are ignored). */
export interface StatusViolation {
    readonly pack: string;
    readonly policy: string;
    readonly enforcementLevel: string;
}

/** One pack as the check's report lists it; `config` is the reconciled config by policy name. */
export interface StatusPack {
    readonly name: string;
    readonly config: unknown;
}

/** A namespace whose enforced Pod Security level is below restricted, and why. */
export interface StatusExemption {
    readonly namespace: string;
    readonly podSecurity: string;
    readonly reason: string;
}

/** One Helm chart of the stack, and whether the check rendered and judged its contents. */
export interface StatusChart {
    readonly name: string;
    readonly analyzed: boolean;
    /** How many objects it rendered (when analyzed). */
    readonly objects?: number;
    /** Why its contents were not analyzed. */
    readonly reason?: string;
}

/** The NetworkPolicies that isolate one namespace in scope, by name (empty: none). */
export interface NamespaceIsolation {
    readonly namespace: string;
    /** NetworkPolicies denying all ingress to every pod of the namespace. */
    readonly denyIngress: readonly string[];
    /** NetworkPolicies denying all egress from every pod of the namespace. */
    readonly denyEgress: readonly string[];
    /** NetworkPolicies with an egress rule to port 53 (DNS). */
    readonly allowDns: readonly string[];
}

/** The report data {@link controlStatuses} reads. */
export interface ControlStatusInput {
    readonly violations: readonly StatusViolation[];
    readonly packs: readonly StatusPack[];
    readonly exemptions: readonly StatusExemption[];
    readonly resourcesByType: Readonly<Record<string, number>>;
    /** Every Helm chart of the stack and whether its contents were judged. */
    readonly charts: readonly StatusChart[];
    /** The node and control-plane documents the check wrote (relative paths). */
    readonly nodeArtifacts: readonly string[];
    /** Network isolation of every namespace in scope (tools/check/evidence.ts). */
    readonly namespaceIsolation: readonly NamespaceIsolation[];
}

export type ControlState =
    | "enforced"
    | "violated"
    | "not-verified"
    | "exempted"
    | "manual"
    | "not-deployed";

/** Evidence for one linked CrossGuard policy. */
export interface PolicyEvidence {
    readonly pack: string;
    readonly policy: string;
    /** The configured level; `not-run` when the pack is not part of the check. */
    readonly enforcementLevel: string;
    readonly violations: number;
}

/** Evidence for one component the control depends on. */
export interface ComponentEvidence {
    readonly type: string;
    /** How many resources of the type the stack has (0: absent). */
    readonly count: number;
}

/** The status of one control, with its evidence. */
export interface ControlStatus {
    readonly id: string;
    readonly title: string;
    readonly status: ControlState;
    /** Why the status was chosen, one sentence each. */
    readonly reasons: readonly string[];
    /**
     * What the check saw for the control, one sentence each: the linked policies that ran and
     * their violations, the components present, and what each evidence requirement found.
     */
    readonly evidence: readonly string[];
    readonly policies: readonly PolicyEvidence[];
    readonly components: readonly ComponentEvidence[];
    /** Exemptions that apply (`namespace (level)`). */
    readonly exemptions: readonly string[];
    /** Manual parts of the control. */
    readonly manual: readonly string[];
}

const levelRank: Record<PodSecurityLevel, number> = { privileged: 0, baseline: 1, restricted: 2 };

/** The component type a mechanism needs deployed; undefined for CrossGuard and manual ones. */
export function componentOf(m: Mechanism): ComponentType | undefined {
    switch (m.kind) {
        case "component":
            return m.type;
        case "gatekeeper":
            return componentTypes.gatekeeper;
        case "kyverno":
            return componentTypes.kyverno;
        case "falco":
            return componentTypes.falco;
        default:
            return undefined;
    }
}

function configuredLevel(packs: readonly StatusPack[], pack: string, policy: string): string {
    const p = packs.find((x) => x.name === pack);
    if (p === undefined) {
        return "not-run";
    }
    const config = (typeof p.config === "object" && p.config !== null ? p.config : {}) as Record<
        string,
        unknown
    >;
    const levelOf = (entry: unknown): string | undefined => {
        if (typeof entry === "string") {
            return entry;
        }
        if (typeof entry === "object" && entry !== null && "enforcementLevel" in entry) {
            const level = (entry as { enforcementLevel?: unknown }).enforcementLevel;
            return typeof level === "string" ? level : undefined;
        }
        return undefined;
    };
    return levelOf(config[policy]) ?? levelOf(config.all) ?? "mandatory";
}

function unique<T>(items: readonly T[]): T[] {
    return [...new Set(items)];
}

/** What one evidence requirement found: evidence when met, else why not. */
type RequirementResult =
    | { readonly met: true; readonly evidence: string }
    | { readonly met: false; readonly reason: string };

function plural(n: number, one: string, many = `${one}s`): string {
    return `${n} ${n === 1 ? one : many}`;
}

/** Evaluates one evidence requirement of the catalogue against the report data (pure). */
export function checkRequirement(
    requirement: EvidenceRequirement,
    input: ControlStatusInput,
): RequirementResult {
    switch (requirement.kind) {
        case "chart-contents": {
            const charts = input.charts;
            const skipped = charts.filter((c) => !c.analyzed);
            if (skipped.length > 0) {
                return {
                    met: false,
                    reason:
                        `The contents of ${skipped.length} of ${plural(charts.length, "chart")} ` +
                        "were not rendered, so the objects they deploy were not judged: " +
                        skipped.map((c) => `${c.name} (${c.reason ?? "not analyzed"})`).join("; ") +
                        ".",
                };
            }
            if (charts.length === 0) {
                return { met: true, evidence: "No Helm chart: every object was judged." };
            }
            const objects = charts.reduce((n, c) => n + (c.objects ?? 0), 0);
            return {
                met: true,
                evidence:
                    `Every chart rendered and its objects judged (${plural(objects, "object")}): ` +
                    `${charts.map((c) => c.name).join(", ")}.`,
            };
        }
        case "node-artifact":
            return input.nodeArtifacts.includes(requirement.artifact)
                ? {
                      met: true,
                      evidence: `${requirement.artifact} written (${requirement.what}).`,
                  }
                : {
                      met: false,
                      reason:
                          `The check wrote no ${requirement.artifact} (${requirement.what})` +
                          (requirement.setting !== undefined
                              ? `: ${requirement.setting} is not set.`
                              : "."),
                  };
        case "namespace-default-deny": {
            const scope = input.namespaceIsolation;
            if (scope.length === 0) {
                return {
                    met: false,
                    reason:
                        "No Namespace and no workload among the objects checked, so default deny " +
                        "could not be verified in any namespace.",
                };
            }
            const open = scope.flatMap((ns) => {
                const missing = [
                    ...(ns.denyIngress.length === 0 ? ["ingress"] : []),
                    ...(ns.denyEgress.length === 0 ? ["egress"] : []),
                ];
                return missing.length > 0 ? [`${ns.namespace} (${missing.join(", ")})`] : [];
            });
            if (open.length > 0) {
                return {
                    met: false,
                    reason:
                        `${plural(open.length, "namespace")} of ${scope.length} ` +
                        `${open.length === 1 ? "has" : "have"} no default-deny NetworkPolicy ` +
                        `for: ${open.join(", ")}.`,
                };
            }
            const noDns = scope.filter((ns) => ns.allowDns.length === 0).map((ns) => ns.namespace);
            const denying = scope.map((ns) => {
                const names = [...new Set([...ns.denyIngress, ...ns.denyEgress])];
                return `${ns.namespace} (${names.join(", ")})`;
            });
            return {
                met: true,
                evidence:
                    `Default-deny ingress and egress NetworkPolicies in all ` +
                    `${plural(scope.length, "namespace")}: ${denying.join(", ")}` +
                    (noDns.length > 0 ? `; no DNS allowance in ${noDns.join(", ")}` : "") +
                    ".",
            };
        }
    }
}

/** The status of one control (pure). */
export function controlStatus(control: Control, input: ControlStatusInput): ControlStatus {
    const policies: PolicyEvidence[] = [];
    for (const m of control.implementedBy) {
        if (
            m.kind !== "crossguard" ||
            policies.some((p) => p.pack === m.pack && p.policy === m.policy)
        ) {
            continue;
        }
        policies.push({
            pack: m.pack,
            policy: m.policy,
            enforcementLevel: configuredLevel(input.packs, m.pack, m.policy),
            violations: input.violations.filter(
                (v) =>
                    v.pack === m.pack &&
                    v.policy === m.policy &&
                    (v.enforcementLevel === "mandatory" || v.enforcementLevel === "advisory"),
            ).length,
        });
    }
    const components: ComponentEvidence[] = unique(
        control.implementedBy.map(componentOf).filter((t): t is ComponentType => t !== undefined),
    ).map((type) => ({ type, count: input.resourcesByType[type] ?? 0 }));
    const manual = control.implementedBy.flatMap((m) => (m.kind === "manual" ? [m.reason] : []));
    const level = control.podSecurityLevel;
    const exemptions =
        level === undefined
            ? []
            : input.exemptions
                  .filter((e) => {
                      const rank = levelRank[e.podSecurity as PodSecurityLevel];
                      return rank !== undefined && rank < levelRank[level];
                  })
                  .map((e) => `${e.namespace} (${e.podSecurity})`);
    const requirements = (control.evidence ?? []).map((r) => checkRequirement(r, input));
    const evidence = [
        // A disabled policy judged nothing: it is no evidence (the status says it is disabled).
        ...policies
            .filter((p) => p.enforcementLevel !== "not-run" && p.enforcementLevel !== "disabled")
            .map(
                (p) =>
                    `${p.pack}/${p.policy} ran (${p.enforcementLevel}): ` +
                    (p.violations === 0
                        ? "no violation."
                        : `${plural(p.violations, "violation")}.`),
            ),
        ...components.filter((c) => c.count > 0).map((c) => `${c.type}: ${c.count} in the stack.`),
        ...requirements.flatMap((r) => (r.met ? [r.evidence] : [])),
    ];
    const base = { id: control.id, title: control.title, policies, components, manual, evidence };

    if (manual.length === control.implementedBy.length) {
        return { ...base, status: "manual", reasons: ["Only manual mechanisms."], exemptions };
    }
    const violated = policies.filter((p) => p.violations > 0);
    if (violated.length > 0) {
        return {
            ...base,
            status: "violated",
            reasons: violated.map((p) => `${p.pack}/${p.policy} has ${p.violations} violation(s).`),
            exemptions,
        };
    }
    const running = policies.filter((p) => p.enforcementLevel !== "not-run");
    const present = components.filter((c) => c.count > 0);
    if (running.length === 0 && present.length === 0) {
        return {
            ...base,
            status: "not-deployed",
            reasons: [
                "None of its policy packs ran and none of its components is in the stack: " +
                    [
                        ...policies.map((p) => `${p.pack}/${p.policy}`),
                        ...components.map((c) => c.type),
                    ].join(", ") +
                    ".",
            ],
            exemptions,
        };
    }
    const unproven = requirements.flatMap((r) => (r.met ? [] : [r.reason]));
    if (unproven.length > 0) {
        return { ...base, status: "not-verified", reasons: unproven, exemptions };
    }
    const relaxed = running.filter(
        (p) => p.enforcementLevel === "disabled" || p.enforcementLevel === "advisory",
    );
    if (relaxed.length > 0 || exemptions.length > 0) {
        return {
            ...base,
            status: "exempted",
            reasons: [
                ...relaxed.map((p) => `${p.pack}/${p.policy} is configured ${p.enforcementLevel}.`),
                ...(exemptions.length > 0
                    ? [
                          `Namespaces enforce Pod Security below ${String(level)}: ${exemptions.join(", ")}.`,
                      ]
                    : []),
            ],
            exemptions,
        };
    }
    const absent = components.filter((c) => c.count === 0).map((c) => c.type);
    return {
        ...base,
        status: "enforced",
        reasons: [
            `Enforced by ${running.length} policy(ies) and ${present.length} component type(s).` +
                (absent.length > 0 ? ` Not in this stack: ${absent.join(", ")}.` : ""),
        ],
        exemptions,
    };
}

/** The status of every catalogued control, in catalogue order (pure). */
export function controlStatuses(
    input: ControlStatusInput,
    catalogue: readonly Control[] = controls,
): ControlStatus[] {
    return catalogue.map((c) => controlStatus(c, input));
}

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A Markdown section listing each control's status and reasons (pure). */
export function renderControlStatusMarkdown(statuses: readonly ControlStatus[]): string {
    const counts = new Map<ControlState, number>();
    for (const s of statuses) {
        counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
    }
    const order: ControlState[] = [
        "enforced",
        "violated",
        "not-verified",
        "exempted",
        "manual",
        "not-deployed",
    ];
    const withEvidence = statuses.filter((s) => s.evidence.length > 0);
    const lines = [
        "## Control status",
        "",
        order.map((o) => `${o}: ${counts.get(o) ?? 0}`).join(" · "),
        "",
        "| Control | Title | Status | Why |",
        "|---|---|---|---|",
        ...statuses.map(
            (s) => `| ${s.id} | ${cell(s.title)} | ${s.status} | ${cell(s.reasons.join(" "))} |`,
        ),
        "",
        ...(withEvidence.length > 0
            ? [
                  "### Evidence per control",
                  "",
                  ...withEvidence.map(
                      (s) => `- **${s.id}** (${s.status}): ${cell(s.evidence.join(" "))}`,
                  ),
                  "",
              ]
            : []),
    ];
    return lines.join("\n");
}
