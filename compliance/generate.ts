/**
 * Renders the control catalogue to docs/compliance.md (the matrix an auditor reads) and
 * docs/compliance.json (machine-readable). Run with `npm run compliance`; the output is
 * deterministic, and test/compliance/ fails when the committed files differ from it.
 */
import * as fs from "fs";
import * as path from "path";
import * as prettier from "prettier";
import {
    cisBenchmark,
    ComponentType,
    Control,
    controls,
    EvidenceRequirement,
    frameworks,
    Mechanism,
} from "./catalogue";

/** The files the generator writes, relative to the repository root. */
export const outputFiles = {
    markdown: "docs/compliance.md",
    json: "docs/compliance.json",
} as const;

/** The component folder of a type token (`sovereign:runtime:CertManager` → `cert-manager`). */
export function componentFolder(type: ComponentType | string): string {
    const name = type.split(":").pop() ?? type;
    return name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();
}

/** The kind of mechanism, as the matrix names it. */
export function mechanismLabel(m: Mechanism): string {
    switch (m.kind) {
        case "crossguard":
            return "CrossGuard policy";
        case "component":
            return "Component setting";
        case "gatekeeper":
            return "Gatekeeper ConstraintTemplate";
        case "kyverno":
            return "Kyverno ClusterPolicy";
        case "falco":
            return "Falco rule";
        case "manual":
            return "Manual";
    }
}

/** What the mechanism is (policy, setting, template or rule name, or the manual reason). */
export function mechanismName(m: Mechanism): string {
    switch (m.kind) {
        case "crossguard":
            return `${m.pack}/${m.policy}`;
        case "component":
            return `${m.type} \`${m.setting}\``;
        case "gatekeeper":
            return m.template;
        case "kyverno":
            return m.policy;
        case "falco":
            return m.rule;
        case "manual":
            return m.reason;
    }
}

/** Where the mechanism lives in the repository; empty for manual ones. */
export function mechanismWhere(m: Mechanism): string {
    switch (m.kind) {
        case "crossguard":
            return `policypacks/${m.pack}/policies/${m.policy}.ts`;
        case "component":
            return `components/${componentFolder(m.type)}/`;
        case "gatekeeper":
            return "components/gatekeeper/templates.ts";
        case "kyverno":
            return "components/kyverno/render.ts";
        case "falco":
            return "components/falco/rules.ts";
        case "manual":
            return "";
    }
}

/** One evidence requirement, as the matrix states it. */
export function evidenceText(e: EvidenceRequirement): string {
    switch (e.kind) {
        case "chart-contents":
            return "every chart's contents rendered, so every object it deploys is judged";
        case "node-artifact":
            return (
                `\`${e.artifact}\` written (${e.what})` +
                (e.setting !== undefined ? `; needs \`${e.setting}\`` : "")
            );
        case "namespace-default-deny":
            return "default-deny ingress and egress NetworkPolicies in every namespace declared or running workloads";
    }
}

/** Whether the control has at least one automated mechanism. */
export function isAutomated(c: Control): boolean {
    return c.implementedBy.some((m) => m.kind !== "manual");
}

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function list(items: readonly string[]): string {
    return items.length === 0 ? "—" : items.join(", ");
}

/** docs/compliance.md (pure). */
export function renderComplianceMarkdown(catalogue: readonly Control[] = controls): string {
    const automated = catalogue.filter(isAutomated).length;
    const lines: string[] = [
        "<!-- GENERATED FILE: do not edit. Source: compliance/catalogue.ts; regenerate with `npm run compliance`. -->",
        "",
        "# Compliance matrix",
        "",
        "Generated from `compliance/catalogue.ts`. Edit the catalogue and run `npm run compliance`;",
        "a test fails when this file is stale.",
        "",
        `- Controls: ${catalogue.length} (${automated} with automated mechanisms, ${catalogue.length - automated} manual only).`,
        `- CIS IDs: ${cisBenchmark.title}.`,
        `- Other columns: ${frameworks.nist}; ${frameworks.iso}; ${frameworks.bsi}.`,
        "- Mappings are ours; no authoritative crosswalk between these frameworks exists.",
        "- Per-stack status (enforced, violated, not-verified, exempted, manual, not-deployed) comes from",
        "  the offline check (`npm run check`), computed by `compliance/status.ts`: `enforced` only with",
        "  evidence for every object in the control's scope (see the evidence table), else `not-verified`.",
        "",
        "## Controls and framework mappings",
        "",
        "| Control | Title | CIS | NIST 800-53 r5 | ISO 27001:2022 | BSI APP.4.4 |",
        "|---|---|---|---|---|---|",
        ...catalogue.map(
            (c) =>
                `| ${c.id} | ${cell(c.title)} | ${list(c.cis)} | ${list(c.nist)} | ${list(c.iso)} | ${list(c.bsi)} |`,
        ),
        "",
        "## Control → mechanism → where",
        "",
        "| Control | Mechanism | What | Where |",
        "|---|---|---|---|",
    ];
    for (const c of catalogue) {
        for (const m of c.implementedBy) {
            const where = mechanismWhere(m);
            lines.push(
                `| ${c.id} | ${mechanismLabel(m)} | ${cell(mechanismName(m))} | ${where === "" ? "—" : `\`${where}\``} |`,
            );
        }
    }
    const evidenced = catalogue.filter((c) => (c.evidence ?? []).length > 0);
    if (evidenced.length > 0) {
        lines.push(
            "",
            "## Evidence the check requires for `enforced`",
            "",
            "Besides its policies passing and its components being present:",
            "",
            "| Control | Evidence |",
            "|---|---|",
            ...evidenced.flatMap((c) =>
                (c.evidence ?? []).map((e) => `| ${c.id} | ${cell(evidenceText(e))} |`),
            ),
        );
    }
    const noted = catalogue.filter((c) => c.notes !== undefined);
    if (noted.length > 0) {
        lines.push("", "## Notes", "");
        for (const c of noted) {
            lines.push(`- **${c.id}**: ${c.notes ?? ""}`);
        }
    }
    lines.push("");
    return lines.join("\n");
}

/** docs/compliance.json as an object (pure). */
export function complianceDocument(
    catalogue: readonly Control[] = controls,
): Record<string, unknown> {
    return {
        generatedBy: "compliance/generate.ts (npm run compliance); do not edit",
        cisBenchmark: { ...cisBenchmark },
        frameworks: { ...frameworks },
        controls: catalogue.map((c) => ({
            id: c.id,
            title: c.title,
            mappings: {
                cis: { benchmark: cisBenchmark.profile, ids: [...c.cis] },
                nist80053r5: [...c.nist],
                iso27001_2022: [...c.iso],
                bsiApp44: [...c.bsi],
            },
            ...(c.podSecurityLevel !== undefined ? { podSecurityLevel: c.podSecurityLevel } : {}),
            automated: isAutomated(c),
            implementedBy: c.implementedBy.map((m) => {
                const where = mechanismWhere(m);
                return { ...m, ...(where !== "" ? { where } : {}) };
            }),
            ...(c.evidence !== undefined ? { evidence: c.evidence.map((e) => ({ ...e })) } : {}),
            ...(c.notes !== undefined ? { notes: c.notes } : {}),
        })),
    };
}

/** docs/compliance.json as text (pure). */
export function renderComplianceJson(catalogue: readonly Control[] = controls): string {
    return `${JSON.stringify(complianceDocument(catalogue), null, 2)}\n`;
}

/**
 * Both files' contents, formatted with the repository's Prettier settings (so `npm run lint`
 * accepts them), by path relative to `root`.
 */
export async function generatedFiles(root: string): Promise<Record<string, string>> {
    const raw: Record<string, string> = {
        [outputFiles.markdown]: renderComplianceMarkdown(),
        [outputFiles.json]: renderComplianceJson(),
    };
    const out: Record<string, string> = {};
    for (const [rel, text] of Object.entries(raw)) {
        const filepath = path.join(root, rel);
        const options = (await prettier.resolveConfig(filepath)) ?? {};
        out[rel] = await prettier.format(text, { ...options, filepath });
    }
    return out;
}

/** Writes both files under `root`. */
export async function writeComplianceDocs(root: string): Promise<void> {
    for (const [rel, text] of Object.entries(await generatedFiles(root))) {
        fs.writeFileSync(path.join(root, rel), text);
    }
}

if (require.main === module) {
    const root = path.resolve(__dirname, "..");
    writeComplianceDocs(root).then(
        () =>
            console.log(
                `wrote ${outputFiles.markdown} and ${outputFiles.json} (${controls.length} controls)`,
            ),
        (err: unknown) => {
            console.error(err);
            process.exitCode = 1;
        },
    );
}
