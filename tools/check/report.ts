import {
    ControlStatus,
    NamespaceIsolation,
    renderControlStatusMarkdown,
} from "../../compliance/status";
import { AdmissionSection } from "./admission/types";
import { renderAdmissionMarkdown } from "./admission/markdown";
import { Diagnostic } from "./analyzer";
import { StandInArtifact } from "./standins";

/** A violation as the report lists it. */
export interface ReportViolation {
    readonly pack: string;
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly resource: { readonly type: string; readonly name: string; readonly file?: string };
    readonly message: string;
}

/** The report written to `out/<name>/report.json`. */
export interface Report {
    readonly tool: string;
    readonly mode: "stack" | "manifests";
    readonly stack?: string;
    readonly kubernetesVersion: string;
    readonly generatedAt: string;
    readonly passed: boolean;
    readonly resources: number;
    readonly resourcesByType: Record<string, number>;
    readonly summary: { mandatory: number; advisory: number; schemaErrors: number };
    readonly violations: ReportViolation[];
    readonly packs: { name: string; version: string; policies: number; config: unknown }[];
    readonly schema: { validated: number; invalid: number; notValidated: Record<string, number> };
    readonly standIns: { type: string; name: string; what: string }[];
    readonly exemptions: { namespace: string; podSecurity: string; reason: string }[];
    /**
     * The stack's admission exemption records (stack mode): each lifts named rules in one
     * namespace, with its owner and review date. Empty in manifests mode.
     */
    readonly admissionExemptions: {
        name: string;
        namespace: string;
        rules: string[];
        podSecurity?: string;
        owner: string;
        reviewBy: string;
        justification: string;
    }[];
    /**
     * Every `helm.v4.Chart`: its source, and whether its contents were rendered and judged here
     * (`objects` rendered) or not (`reason`: a remote source, no helm binary, ...).
     */
    readonly charts: ({ name: string; chart: string; version: string; repository: string } & (
        | { analyzed: true; objects: number }
        | { analyzed: false; reason: string }
    ))[];
    /**
     * The admission simulation: each workload and namespace of the stack admitted under the
     * stack's own rules (tools/check/admission/); its refusals are also `violations`.
     */
    readonly admission: AdmissionSection;
    readonly images: string[];
    readonly nodeArtifacts: string[];
    /**
     * The node artifacts that hold values the offline engine made up (see `standIns`), each with
     * those stand-ins; each such file starts with a comment saying so. Never install them.
     */
    readonly standInArtifacts: readonly StandInArtifact[];
    /**
     * Every namespace in scope (each Namespace declared, each namespace a workload runs in) with
     * the NetworkPolicies that deny its ingress and egress and allow DNS: the evidence of SC-NET-01.
     */
    readonly namespaceIsolation: readonly NamespaceIsolation[];
    /**
     * Wall-clock seconds per phase: the program under the engine (packs start meanwhile), the
     * packs (waiting for their start, Remediate, Analyze, AnalyzeStack), the schema, and the total.
     */
    /**
     * The dependency graph the engine would send: edges (dependency URNs over all resources), the
     * longest dependency list of one resource, and the AnalyzeStack request's size in bytes.
     */
    readonly graph: {
        dependencyEdges: number;
        largestDependencyList: number;
        analyzeStackRequestBytes: number;
    };
    readonly timings: { program: number; policies: number; schema: number; total: number };
    /** Peak resident memory of the check or of any pack process, whichever is larger, in MiB. */
    readonly peakRssMb: number;
    /**
     * Peak resident memory in MiB of the check process and of each pack process, and their sum:
     * the processes run side by side, so the sum is what a machine must have for the run.
     */
    readonly memory: {
        readonly checkPeakRssMb: number;
        readonly packsPeakRssMb: Record<string, number>;
        readonly totalPeakRssMb: number;
    };
    /**
     * CPU seconds (user + system) of the check process and of each pack process: on a busy
     * machine a steadier measure of the work than wall-clock time.
     */
    readonly cpuSeconds: { readonly check: number; readonly packs: Record<string, number> };
    /** The active break-glass entry of the stack, or null. */
    readonly breakGlass: unknown;
    /**
     * The platform's optional components that do not run, each with its reason (stack mode: the
     * program's `disabledComponents` output); absent when every component runs.
     */
    readonly disabledComponents?: readonly ReportDisabledComponent[];
    readonly notes: string[];
    /** Status of every catalogued control for this stack (compliance/catalogue.ts). */
    readonly controls: readonly ControlStatus[];
}

/** A component the platform runs without, and why (an override's reason or the setting). */
export interface ReportDisabledComponent {
    readonly component: string;
    readonly reason: string;
}

/**
 * The report's `disabledComponents` from the program's output of that name: the field only when a
 * component is off (a program without the output, or with none off, adds nothing). A malformed
 * output is a defect of the program, not of the input.
 */
export function disabledComponentsField(output: unknown): {
    disabledComponents?: ReportDisabledComponent[];
} {
    if (output === undefined) {
        return {};
    }
    const valid =
        Array.isArray(output) &&
        output.every(
            (d: unknown) =>
                typeof d === "object" &&
                d !== null &&
                typeof (d as Record<string, unknown>).component === "string" &&
                typeof (d as Record<string, unknown>).reason === "string",
        );
    if (!valid) {
        throw new Error(
            `the program's disabledComponents output is ${JSON.stringify(output)}; expected a ` +
                "list of { component, reason } (Platform.disabledComponents)",
        );
    }
    const list = (output as ReportDisabledComponent[]).map(({ component, reason }) => ({
        component,
        reason,
    }));
    return list.length > 0 ? { disabledComponents: list } : {};
}

/** Maps a diagnostic to the report's violation shape. */
export function toViolation(
    d: Diagnostic,
    resource: { type: string; name: string; file?: string },
): ReportViolation {
    return {
        pack: d.pack,
        policy: d.policy,
        enforcementLevel: d.enforcementLevel,
        resource,
        message: d.message,
    };
}

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The human-readable report. */
export function renderMarkdown(r: Report): string {
    const lines: string[] = [];
    const title = r.mode === "stack" ? `stack \`${r.stack ?? ""}\`` : "manifests";
    lines.push(`# Offline check: ${title}`, "");
    lines.push(`Result: **${r.passed ? "PASSED" : "FAILED"}** (generated ${r.generatedAt}).`, "");
    lines.push(
        `- Resources: ${r.resources}`,
        `- Mandatory violations: ${r.summary.mandatory}`,
        `- Advisory violations: ${r.summary.advisory}`,
        `- Schema errors (Kubernetes ${r.kubernetesVersion} OpenAPI): ${r.summary.schemaErrors}`,
        "",
    );
    lines.push("## Violations", "");
    if (r.violations.length === 0) {
        lines.push("None.", "");
    } else {
        lines.push("| level | pack | policy | resource | message |", "|---|---|---|---|---|");
        for (const v of r.violations) {
            const where = v.resource.file !== undefined ? ` (${v.resource.file})` : "";
            lines.push(
                `| ${v.enforcementLevel} | ${v.pack} | ${v.policy} | ${cell(`${v.resource.type} ${v.resource.name}${where}`)} | ${cell(v.message)} |`,
            );
        }
        lines.push("");
    }
    lines.push(...renderAdmissionMarkdown(r.admission), "");
    if (r.controls.length > 0) {
        lines.push(renderControlStatusMarkdown(r.controls), "");
    }
    lines.push("## Policy packs", "");
    for (const p of r.packs) {
        lines.push(`- ${p.name}@${p.version}: ${p.policies} policies`);
    }
    lines.push("", "## Exemptions", "");
    if (r.exemptions.length === 0) {
        lines.push("None: every namespace of the platform enforces Pod Security restricted.");
    }
    for (const e of r.exemptions) {
        lines.push(`- namespace \`${e.namespace}\` enforces \`${e.podSecurity}\`: ${e.reason}`);
    }
    if (r.admissionExemptions.length > 0) {
        lines.push(
            "",
            "Admission exemption records (Gatekeeper exclusions, Kyverno PolicyExceptions and the",
            "packs' exemption lists are generated from these):",
            "",
            "| record | namespace | rules | Pod Security | owner | review by | justification |",
            "|---|---|---|---|---|---|---|",
        );
        for (const e of r.admissionExemptions) {
            lines.push(
                `| ${e.name} | ${e.namespace} | ${e.rules.join(", ")} | ${e.podSecurity ?? "restricted"} | ${e.owner} | ${e.reviewBy} | ${e.justification.replace(/\|/g, "\\|")} |`,
            );
        }
    }
    if (r.disabledComponents !== undefined && r.disabledComponents.length > 0) {
        lines.push("", "## Disabled components", "", "The platform runs without:", "");
        for (const d of r.disabledComponents) {
            lines.push(`- ${d.component}: ${cell(d.reason)}`);
        }
    }
    lines.push("", "## Break-glass", "");
    if (r.breakGlass === null || r.breakGlass === undefined) {
        lines.push("No break-glass entry is active.");
    } else {
        const b = r.breakGlass as Record<string, unknown>;
        lines.push(
            `**ACTIVE**: group \`${String(b.group)}\` bound to \`${String(b.clusterRole)}\` until ${String(b.expiresAt)}. Reason: ${String(b.reason)}`,
        );
    }
    lines.push("", "## Resources by type", "", "| type | count |", "|---|---|");
    for (const [t, n] of Object.entries(r.resourcesByType).sort()) {
        lines.push(`| ${t} | ${n} |`);
    }
    lines.push("", "## Schema validation", "");
    lines.push(`Validated: ${r.schema.validated}; invalid: ${r.schema.invalid}.`);
    const nv = Object.entries(r.schema.notValidated);
    if (nv.length > 0) {
        lines.push(
            "",
            "Kinds without a schema in the check (custom resources), not schema-validated:",
        );
        for (const [k, n] of nv) {
            lines.push(`- ${k}: ${n}`);
        }
    }
    if (r.charts.length > 0) {
        lines.push("", "## Charts", "");
        for (const c of r.charts) {
            const contents = c.analyzed
                ? `rendered here, ${c.objects} objects judged`
                : "contents not analyzed";
            const version = c.version !== "" ? ` ${c.version}` : "";
            const from = c.repository !== c.chart ? ` from ${c.repository}` : "";
            lines.push(`- ${c.name}: ${c.chart}${version}${from} (${contents})`);
        }
        const skipped = r.charts.filter((c) => !c.analyzed);
        if (skipped.length > 0) {
            lines.push(
                "",
                "## Chart contents not analyzed",
                "",
                "Only the inputs of these charts (source, version, values) were judged; the objects " +
                    "they render were not:",
                "",
            );
            for (const c of skipped) {
                lines.push(`- ${c.name}: ${c.analyzed ? "" : c.reason}`);
            }
        }
    }
    if (r.images.length > 0) {
        lines.push("", "## Images", "");
        for (const i of r.images) {
            lines.push(`- ${i}`);
        }
    }
    if (r.nodeArtifacts.length > 0) {
        lines.push("", "## Node and control-plane artifacts", "");
        const standInsOf = new Map(r.standInArtifacts.map((a) => [a.artifact, a.standIns]));
        for (const a of r.nodeArtifacts) {
            const held = standInsOf.get(a);
            lines.push(
                held === undefined
                    ? `- ${a}`
                    : `- ${a}: **holds stand-in values, never install it** (${held.join("; ")})`,
            );
        }
    }
    if (r.standIns.length > 0) {
        lines.push(
            "",
            "## Stand-in values",
            "",
            "Provider values the offline engine generated (not the values a real run will create):",
            "",
        );
        for (const s of r.standIns) {
            lines.push(`- ${s.type} \`${s.name}\`: ${s.what}`);
        }
    }
    if (r.notes.length > 0) {
        lines.push("", "## Notes", "");
        for (const n of r.notes) {
            lines.push(`- ${n}`);
        }
    }
    return lines.join("\n") + "\n";
}
