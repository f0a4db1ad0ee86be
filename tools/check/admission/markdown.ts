/** The admission simulation's part of report.md: a short table and the lists that matter. */
import { AdmissionSection, EngineId } from "./types";

function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

const columns: readonly [EngineId, string][] = [
    ["kyverno-mutate", "Kyverno mutate"],
    ["linkerd-inject", "Linkerd"],
    ["pod-security", "Pod Security"],
    ["gatekeeper", "Gatekeeper"],
    ["kyverno-validate", "Kyverno validate"],
    ["kubelet", "kubelet"],
];

/** Markdown lines of the admission section. */
export function renderAdmissionMarkdown(a: AdmissionSection): string[] {
    const lines: string[] = ["## Admission simulation", ""];
    const s = a.summary;
    lines.push(
        "Every workload the stack deploys, admitted as the cluster would admit it under the " +
            "stack's own rules (the project's model of them; see docs/architecture.md).",
        "",
        `- Workloads: ${s.workloads} (refused: ${s.refused}, warned: ${s.warned}, not simulated: ${s.notSimulated})`,
        `- Namespaces: ${s.namespaces} (refused: ${s.namespacesRefused})`,
        "",
    );
    if (a.workloads.length > 0) {
        lines.push(
            `| workload | verdict | ${columns.map(([, t]) => t).join(" | ")} |`,
            `|---|---|${columns.map(() => "---|").join("")}`,
        );
        for (const w of a.workloads) {
            const engines = columns.map(([id]) => {
                const v = w.engines[id];
                if (v === undefined) {
                    return "";
                }
                const n = v.findings?.length ?? 0;
                return n > 0 ? `${v.verdict} (${n})` : v.verdict;
            });
            lines.push(
                `| ${cell(`${w.kind} ${w.namespace}/${w.name}`)} | **${w.verdict}** | ${engines.map(cell).join(" | ")} |`,
            );
        }
        lines.push("");
    }
    const refused = a.namespaces.filter((n) => n.verdict !== "admitted");
    if (refused.length > 0) {
        lines.push("Namespaces not admitted as they are:", "");
        for (const n of refused) {
            lines.push(
                `- \`${n.name}\` (${n.verdict}): ${n.findings.map((f) => f.message).join("; ")}`,
            );
        }
        lines.push("");
    }
    if (a.mustBeSigned.length > 0) {
        lines.push(
            "Images that must be signed with the site key before install (verifyImages cannot be " +
                "checked offline):",
            "",
        );
        for (const i of a.mustBeSigned) {
            lines.push(`- ${i.image} (${i.workloads.join(", ")})`);
        }
        lines.push("");
    }
    for (const n of a.notes) {
        lines.push(`- ${n}`);
    }
    while (lines[lines.length - 1] === "") {
        lines.pop();
    }
    return lines;
}
