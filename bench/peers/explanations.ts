/**
 * Why a tool's verdict on a file differs from the known verdict: who is right and why. Written
 * after reading each tool's findings on these inputs (out/peers.json); bench:peers fails on a
 * disagreement none of these explains, so a new one is looked at, not averaged away.
 *
 * A refusal of a file the truth admits is explained only when every finding has a note here (a
 * finding without one is a new disagreement). An admission of a file the truth refuses is a miss
 * of that tool, explained by what the file hides.
 */

/** What each checkov finding on an admitted file means, and where the check stands. */
const checkovNotes: Readonly<Record<string, string>> = {
    CKV_K8S_8: "liveness probe (the check's probes-readiness-liveness policy)",
    CKV_K8S_9: "readiness probe (probes-readiness-liveness)",
    CKV_K8S_10: "CPU request (resources-requests-limits)",
    CKV_K8S_11: "CPU limit (resources-requests-limits)",
    CKV_K8S_12: "memory request (resources-requests-limits)",
    CKV_K8S_13: "memory limit (resources-requests-limits)",
    CKV_K8S_14: "an image tag other than latest or none (images-no-latest-tag)",
    CKV_K8S_43: "an image digest (images-require-digest)",
    CKV_K8S_38: "no service-account token unless needed (service-account-token-opt-in)",
    CKV_K8S_21:
        "not the default namespace (no such rule in the check: with --manifests the namespace " +
        "is the deployer's -n; in a stack every workload is in a tenant or platform namespace)",
    CKV_K8S_22:
        "a read-only root filesystem (not a Pod Security control; a non-goal of the project: " +
        "model servers and notebooks write caches to their root filesystem)",
    CKV_K8S_40:
        "a UID of 10000 or more (not a Pod Security control; a non-goal: restricted's non-root, " +
        "which the check enforces, is the line the project draws)",
    CKV_K8S_35:
        "secrets as files rather than environment variables (a non-goal: a secretKeyRef " +
        "variable is the documented form the credentials policy admits)",
    CKV2_K8S_6:
        "a NetworkPolicy selecting the pod (the check requires default-deny per namespace, " +
        "tenant-namespace-guardrails, not a policy per pod file)",
};

/** What each trivy finding on an admitted file means, and where the check stands. */
const trivyNotes: Readonly<Record<string, string>> = {
    "KSV-0011": "CPU limit (resources-requests-limits)",
    "KSV-0015": "CPU request (resources-requests-limits)",
    "KSV-0016": "memory request (resources-requests-limits)",
    "KSV-0018": "memory limit (resources-requests-limits)",
    "KSV-0013": "no :latest or missing tag (images-no-latest-tag)",
    "KSV-0125":
        "images from trivy's own list of trusted registries (the check takes the allowed " +
        "registries from the stack's pack config instead: images-allowed-registries)",
    "KSV-0014": checkovNotes.CKV_K8S_22,
    "KSV-0020":
        "a UID above 10000 (" + checkovNotes.CKV_K8S_40.replace(/^a UID of 10000 or more \(/, ""),
    "KSV-0021": "a GID above 10000 (a non-goal, as for the UID)",
    "KSV-0110": checkovNotes.CKV_K8S_21,
    "KSV-0039":
        "a LimitRange in every namespace (tenant namespaces carry one, enforced by " +
        "tenant-namespace-guardrails; platform namespaces deliberately do not: their charts size " +
        "their own pods)",
    "KSV-0040": "a ResourceQuota in every namespace (as for the LimitRange)",
    "KSV-0048":
        "no role may create or change workloads (the tenant-admin and tenant-developer Roles are " +
        "namespace-scoped and exist to let a team run its workloads in its own namespace: a " +
        "non-goal; the check refuses wildcards, escalation and cross-namespace grants instead)",
    "KSV-0049": "no role may change ConfigMaps (tenant Roles, in their own namespace, as above)",
    "KSV-0053":
        "no role may exec into pods (tenant Roles, in their own namespace; see the note on " +
        "pods/exec below)",
    "KSV-0056": "no role may change Services or NetworkPolicies (tenant Roles, as above)",
    "KSV-0113": "no role may manage Secrets (tenant Roles, in their own namespace, as above)",
};

/** Findings that are restricted controls, which baseline allows (by tool). */
const restrictedAtBaseline: Readonly<Record<string, string>> = {
    CKV_K8S_20: "allowPrivilegeEscalation false",
    CKV_K8S_23: "non-root containers",
    CKV_K8S_25: "no added capability",
    CKV_K8S_28: "no NET_RAW",
    CKV_K8S_29: "a pod security context",
    CKV_K8S_30: "a container security context",
    CKV_K8S_31: "a RuntimeDefault seccomp profile",
    CKV_K8S_37: "capabilities dropped",
    "KSV-0001": "allowPrivilegeEscalation false",
    "KSV-0003": "ALL capabilities dropped",
    "KSV-0004": "capabilities dropped",
    "KSV-0012": "non-root",
    "KSV-0030": "a RuntimeDefault seccomp profile",
    "KSV-0104": "seccomp not Unconfined",
    "KSV-0106": "only NET_BIND_SERVICE added",
    "KSV-0118": "a security context",
    "KSV-0022": "no added capability",
};

/**
 * Findings on single corpus files that the upstream plugin admits for a reason the scanner does
 * not know: by file (without its `pass-` prefix), the IDs and why the file is admitted.
 */
const corpusExceptions: Readonly<Record<string, { ids: RegExp; why: string }>> = {
    "base_windows.yaml": {
        ids: /^(CKV_K8S_(20|28|30|31|37)|KSV-0(001|003|004|030|104|106))$/,
        why:
            "a Windows pod (spec.os.name: windows), which restricted exempts from its Linux-only " +
            "controls (privilege escalation, capabilities, seccomp)",
    },
    "capabilities_restricted0.yaml": {
        ids: /^(CKV_K8S_25|KSV-0022)$/,
        why: "a pod that adds NET_BIND_SERVICE, the one capability restricted allows",
    },
    "seccompprofile_restricted1.yaml": {
        ids: /^CKV_K8S_31$/,
        why: "a pod with a Localhost seccomp profile, which restricted allows beside RuntimeDefault",
    },
    "apparmorprofile0.yaml": {
        ids: /^KSV-0002$/,
        why: "a pod with a localhost/ AppArmor profile, which Pod Security allows beside runtime/default",
    },
    "procmount0.yaml": {
        ids: /^KSV-0027$/,
        why:
            "a pod with procMount: Default in its own user namespace (hostUsers: false), which " +
            "trivy reports as a non-default /proc mask",
    },
    "procmount1.yaml": {
        ids: /^KSV-0027$/,
        why:
            "a pod with procMount: Unmasked in its own user namespace (hostUsers: false), which " +
            "baseline admits",
    },
    "procmount_restricted0.yaml": {
        ids: /^KSV-0027$/,
        why:
            "a pod with procMount: Default in its own user namespace (hostUsers: false), which " +
            "trivy reports as a non-default /proc mask",
    },
};

/** A scanner's refusal of a file the truth admits, when every finding is understood. */
function scannerRefusal(
    tool: string,
    input: string,
    file: string,
    findings: readonly string[],
): string | undefined {
    const notes = tool === "checkov" ? checkovNotes : tool === "trivy" ? trivyNotes : {};
    const outside: string[] = [];
    const restricted: string[] = [];
    const exempt: string[] = [];
    const exception = corpusExceptions[file.replace(/^pass-/, "")];
    for (const id of findings) {
        if (notes[id] !== undefined) {
            outside.push(id);
        } else if (input.startsWith("pod-security-") && exception?.ids.test(id) === true) {
            exempt.push(id);
        } else if (input === "pod-security-baseline" && restrictedAtBaseline[id] !== undefined) {
            restricted.push(`${id}: ${restrictedAtBaseline[id]}`);
        } else {
            return undefined;
        }
    }
    const parts: string[] = [];
    if (outside.length > 0) {
        parts.push(
            `${tool} asks for more than the known verdict does (each finding and where the ` +
                "check stands: the findings table above).",
        );
    }
    if (restricted.length > 0) {
        parts.push(
            `${tool} has no Pod Security levels: it asks for restricted controls that baseline ` +
                `allows (${restricted.join(", ")}); at restricted the check enforces them.`,
        );
    }
    if (exempt.length > 0 && exception !== undefined) {
        parts.push(`${exempt.join(", ")}: the file is ${exception.why}; ${tool} is wrong here.`);
    }
    if (input.startsWith("pod-security-")) {
        parts.push(
            "The corpus measures Pod Security, so the check counts only its pod-security-* " +
                "policies here; its other policies refuse these pods too.",
        );
    }
    return parts.join(" ");
}

/** What a refused fixture hides, which a tool that admits it misses. */
const refusedFixtures: readonly [RegExp, string][] = [
    [
        /^refused-network-/,
        "a NetworkPolicy that opens what default-deny closed (all ingress, egress to 0.0.0.0/0, " +
            "every namespace)",
    ],
    [
        /^refused-rbac-/,
        "RBAC that grants more than it reads (aggregation into admin or platform roles, " +
            "bindings to every service account, a nonResourceURLs wildcard)",
    ],
    [/^refused-credentials-/, "credentials in annotations, args, probes, hooks or a ConfigMap"],
    [/^refused-host-/, "node storage through a PersistentVolume (hostPath, local)"],
    [/^refused-images-/, "an image volume from a foreign registry or without a digest"],
];

/** What each scanner finding outside the known verdict asks for, and where the check stands. */
export function findingNotes(): Record<string, Readonly<Record<string, string>>> {
    return { checkov: checkovNotes, trivy: trivyNotes };
}

/** The explanation of one disagreement, or undefined when none applies. */
export function explain(
    input: string,
    file: string,
    tool: string,
    verdict: "admit" | "refuse",
    findings: readonly string[],
): string | undefined {
    const stack = input.startsWith("stack-");
    if (verdict === "admit" && !stack) {
        if (tool === "kubernetes-validate") {
            return (
                "kubernetes-validate checks structure only (the OpenAPI schema, unknown fields " +
                "refused); the file is well-formed and its refusal is a policy matter it does not " +
                "judge: a different job, not a miss of either tool."
            );
        }
        const hidden = refusedFixtures.find(([re]) => re.test(file));
        if (hidden !== undefined) {
            return (
                `${tool} reports nothing for ${hidden[1]}: a miss of ${tool}; the check refuses ` +
                "it (see the fixture's comments for the rule) and is right."
            );
        }
        return undefined;
    }
    if (verdict === "refuse" && (tool === "checkov" || tool === "trivy")) {
        return scannerRefusal(tool, input, file, findings);
    }
    if (verdict === "refuse" && stack && tool === "kubernetes-validate") {
        return (
            "out/<stack>/manifests.yaml masks each Secret's whole stringData as the string " +
            '"[secret]" (no secret reaches the disk), which is not an object: an artifact of the ' +
            "masked file, which the check also reports in --manifests mode; the stack passes."
        );
    }
    if (verdict === "refuse" && stack && tool === "check") {
        const stackOnly = new Set([
            "kubernetes-schema/openapi-schema",
            "platform-guardrails/secrets-from-pulumi-secrets",
            "platform-guardrails/tenant-namespace-after-enforcement",
            "platform-guardrails/tenant-namespace-guardrails",
        ]);
        if (findings.every((f) => stackOnly.has(f))) {
            return (
                "In --manifests mode the file lacks what only the stack has: Secret values are " +
                "masked, so they read as plain values (secrets-from-pulumi-secrets) and as a " +
                "string stringData (schema); the tenants' dependsOn on the enforcement layer " +
                "(tenant-namespace-after-enforcement) and the ServiceAccountPatch that turns off " +
                "each default ServiceAccount's token (tenant-namespace-guardrails) are Pulumi " +
                "resources, not YAML. The check of the stack itself, which sees them, passes."
            );
        }
    }
    return undefined;
}
