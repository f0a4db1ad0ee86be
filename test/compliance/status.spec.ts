import * as assert from "node:assert/strict";
import { Control, componentTypes, controls } from "../../compliance/catalogue";
import {
    ControlStatus,
    ControlStatusInput,
    controlStatuses,
    NamespaceIsolation,
    renderControlStatusMarkdown,
} from "../../compliance/status";

// Small fixture catalogue: one control per shape the rules distinguish.
const catalogue: Control[] = [
    {
        id: "SC-TST-01",
        title: "policy and component",
        cis: [],
        nist: ["AC-6"],
        iso: ["A.8.2"],
        bsi: [],
        implementedBy: [
            { kind: "crossguard", pack: "platform-guardrails", policy: "rbac-no-wildcards" },
            { kind: "gatekeeper", template: "sovereignrbacwildcards" },
        ],
    },
    {
        id: "SC-TST-02",
        title: "manual only",
        cis: [],
        nist: ["CM-6"],
        iso: ["A.8.9"],
        bsi: [],
        implementedBy: [{ kind: "manual", reason: "operated outside this repository" }],
    },
    {
        id: "SC-TST-03",
        title: "pod rule at restricted",
        cis: [],
        nist: ["AC-6"],
        iso: ["A.8.9"],
        bsi: [],
        podSecurityLevel: "restricted",
        implementedBy: [
            { kind: "crossguard", pack: "workload-security", policy: "pod-security-seccomp" },
        ],
    },
    {
        id: "SC-TST-04",
        title: "pod rule at baseline",
        cis: [],
        nist: ["AC-6"],
        iso: ["A.8.9"],
        bsi: [],
        podSecurityLevel: "baseline",
        implementedBy: [
            { kind: "crossguard", pack: "workload-security", policy: "pod-security-privileged" },
        ],
    },
    {
        id: "SC-TST-05",
        title: "component only",
        cis: [],
        nist: ["SI-4"],
        iso: ["A.8.16"],
        bsi: [],
        implementedBy: [
            { kind: "falco", rule: "Sovereign crypto-miner started" },
            { kind: "manual", reason: "the SIEM is operated outside this repository" },
        ],
    },
];

function input(over: Partial<ControlStatusInput> = {}): ControlStatusInput {
    return {
        violations: [],
        packs: [
            {
                name: "platform-guardrails",
                config: { "rbac-no-wildcards": { enforcementLevel: "mandatory" } },
            },
            {
                name: "workload-security",
                config: {
                    "pod-security-seccomp": { enforcementLevel: "mandatory" },
                    "pod-security-privileged": { enforcementLevel: "mandatory" },
                },
            },
        ],
        exemptions: [],
        resourcesByType: {
            [componentTypes.gatekeeper]: 1,
            [componentTypes.falco]: 1,
        },
        charts: [],
        nodeArtifacts: [],
        namespaceIsolation: [],
        ...over,
    };
}

function statusById(i: ControlStatusInput): Record<string, string> {
    return Object.fromEntries(controlStatuses(i, catalogue).map((s) => [s.id, s.status]));
}

describe("controlStatuses", () => {
    it("enforced when linked policies run mandatory without violations; manual when only manual", () => {
        assert.deepEqual(statusById(input()), {
            "SC-TST-01": "enforced",
            "SC-TST-02": "manual",
            "SC-TST-03": "enforced",
            "SC-TST-04": "enforced",
            "SC-TST-05": "enforced",
        });
    });

    for (const level of ["mandatory", "advisory"]) {
        it(`violated by a ${level} violation of a linked policy`, () => {
            const statuses = controlStatuses(
                input({
                    violations: [
                        {
                            pack: "platform-guardrails",
                            policy: "rbac-no-wildcards",
                            enforcementLevel: level,
                        },
                    ],
                }),
                catalogue,
            );
            assert.equal(statuses[0].status, "violated");
            assert.deepEqual(statuses[0].reasons, [
                "platform-guardrails/rbac-no-wildcards has 1 violation(s).",
            ]);
            assert.deepEqual(statuses[0].policies, [
                {
                    pack: "platform-guardrails",
                    policy: "rbac-no-wildcards",
                    enforcementLevel: "mandatory",
                    violations: 1,
                },
            ]);
            assert.equal(statuses[2].status, "enforced");
        });
    }

    it("ignores violations of other packs with the same policy name", () => {
        const s = statusById(
            input({
                violations: [
                    {
                        pack: "workload-security",
                        policy: "rbac-no-wildcards",
                        enforcementLevel: "mandatory",
                    },
                ],
            }),
        );
        assert.equal(s["SC-TST-01"], "enforced");
    });

    for (const level of ["disabled", "advisory"]) {
        it(`exempted when a linked policy is configured ${level}`, () => {
            const statuses = controlStatuses(
                input({
                    packs: [
                        {
                            name: "platform-guardrails",
                            config: { "rbac-no-wildcards": { enforcementLevel: level } },
                        },
                        { name: "workload-security", config: {} },
                    ],
                }),
                catalogue,
            );
            assert.equal(statuses[0].status, "exempted");
            assert.deepEqual(statuses[0].reasons, [
                `platform-guardrails/rbac-no-wildcards is configured ${level}.`,
            ]);
            // A disabled policy judged nothing, so it is no evidence.
            assert.deepEqual(statuses[0].evidence, [
                ...(level === "advisory"
                    ? ["platform-guardrails/rbac-no-wildcards ran (advisory): no violation."]
                    : []),
                "sovereign:enforcement:Gatekeeper: 1 in the stack.",
            ]);
            // A policy absent from the config keeps its mandatory default.
            assert.equal(statuses[2].status, "enforced");
        });
    }

    it("reads the `all` entry of a pack config", () => {
        const s = statusById(
            input({ packs: [{ name: "platform-guardrails", config: { all: "advisory" } }] }),
        );
        assert.equal(s["SC-TST-01"], "exempted");
    });

    it("exempted by a namespace enforcing a Pod Security level below the control's", () => {
        const baselineNs = input({
            exemptions: [{ namespace: "gpu", podSecurity: "baseline", reason: "device plugin" }],
        });
        let s = statusById(baselineNs);
        assert.equal(s["SC-TST-03"], "exempted");
        assert.equal(s["SC-TST-04"], "enforced");
        assert.equal(s["SC-TST-01"], "enforced");
        assert.deepEqual(controlStatuses(baselineNs, catalogue)[2].exemptions, ["gpu (baseline)"]);

        s = statusById(
            input({
                exemptions: [{ namespace: "falco", podSecurity: "privileged", reason: "eBPF" }],
            }),
        );
        assert.equal(s["SC-TST-03"], "exempted");
        assert.equal(s["SC-TST-04"], "exempted");
    });

    it("a violation outranks an exemption", () => {
        const s = statusById(
            input({
                violations: [
                    {
                        pack: "workload-security",
                        policy: "pod-security-seccomp",
                        enforcementLevel: "advisory",
                    },
                ],
                exemptions: [{ namespace: "falco", podSecurity: "privileged", reason: "eBPF" }],
            }),
        );
        assert.equal(s["SC-TST-03"], "violated");
    });

    it("not-deployed when no linked pack ran and no implementing component is present", () => {
        const statuses = controlStatuses(input({ packs: [], resourcesByType: {} }), catalogue);
        assert.deepEqual(
            statuses.map((s) => s.status),
            ["not-deployed", "manual", "not-deployed", "not-deployed", "not-deployed"],
        );
        assert.deepEqual(statuses[4].components, [{ type: componentTypes.falco, count: 0 }]);
        assert.deepEqual(statuses[4].manual, ["the SIEM is operated outside this repository"]);
    });

    it("stays enforced when a policy runs although a component is absent, and says so", () => {
        const statuses = controlStatuses(input({ resourcesByType: {} }), catalogue);
        assert.equal(statuses[0].status, "enforced");
        assert.match(
            statuses[0].reasons[0],
            /Not in this stack: sovereign:enforcement:Gatekeeper\./,
        );
    });

    it("covers the whole catalogue by default, in order", () => {
        const statuses = controlStatuses(input());
        assert.deepEqual(
            statuses.map((s) => s.id),
            controls.map((c) => c.id),
        );
        assert.equal(statuses.find((s) => s.id === "SC-GOV-02")?.status, "manual");
    });

    it("renders a Markdown section with counts and one row per control", () => {
        const md = renderControlStatusMarkdown(
            controlStatuses(
                input({
                    violations: [
                        {
                            pack: "platform-guardrails",
                            policy: "rbac-no-wildcards",
                            enforcementLevel: "mandatory",
                        },
                    ],
                }),
                catalogue,
            ),
        );
        assert.equal(
            md,
            [
                "## Control status",
                "",
                "enforced: 3 · violated: 1 · not-verified: 0 · exempted: 0 · manual: 1 · not-deployed: 0",
                "",
                "| Control | Title | Status | Why |",
                "|---|---|---|---|",
                "| SC-TST-01 | policy and component | violated | platform-guardrails/rbac-no-wildcards has 1 violation(s). |",
                "| SC-TST-02 | manual only | manual | Only manual mechanisms. |",
                "| SC-TST-03 | pod rule at restricted | enforced | Enforced by 1 policy(ies) and 0 component type(s). |",
                "| SC-TST-04 | pod rule at baseline | enforced | Enforced by 1 policy(ies) and 0 component type(s). |",
                "| SC-TST-05 | component only | enforced | Enforced by 0 policy(ies) and 1 component type(s). |",
                "",
                "### Evidence per control",
                "",
                "- **SC-TST-01** (violated): platform-guardrails/rbac-no-wildcards ran (mandatory): 1 violation. sovereign:enforcement:Gatekeeper: 1 in the stack.",
                "- **SC-TST-03** (enforced): workload-security/pod-security-seccomp ran (mandatory): no violation.",
                "- **SC-TST-04** (enforced): workload-security/pod-security-privileged ran (mandatory): no violation.",
                "- **SC-TST-05** (enforced): sovereign:runtime:Falco: 1 in the stack.",
                "",
            ].join("\n"),
        );
    });

    describe("evidence for every object in scope (issue 17)", () => {
        const remoteGatekeeper = {
            name: "platform-gatekeeper-chart",
            analyzed: false,
            reason: "remote source https://open-policy-agent.github.io/gatekeeper/charts (chart gatekeeper): not fetched offline",
        };
        const isolated = (namespace: string): NamespaceIsolation => ({
            namespace,
            denyIngress: ["default-deny-all"],
            denyEgress: ["default-deny-all"],
            allowDns: ["allow-dns"],
        });
        /** The real catalogue's status of one control. */
        const real = (id: string, over: Partial<ControlStatusInput>): ControlStatus => {
            const status = controlStatuses(input(over)).find((s) => s.id === id);
            assert.ok(status !== undefined, id);
            return status;
        };
        const stack = {
            resourcesByType: {
                [componentTypes.auditPolicy]: 1,
                [componentTypes.tenantNamespace]: 1,
                [componentTypes.platformNetwork]: 1,
                [componentTypes.kyverno]: 1,
            },
            packs: [
                { name: "platform-guardrails", config: {} },
                { name: "workload-security", config: {} },
            ],
        };

        it("SC-AUD-03 is not verified without an audit webhook backend, enforced with one", () => {
            const without = real("SC-AUD-03", {
                ...stack,
                nodeArtifacts: ["control-plane/audit-policy.yaml"],
            });
            assert.equal(without.status, "not-verified");
            assert.deepEqual(without.reasons, [
                "The check wrote no control-plane/audit-webhook.kubeconfig (the kubeconfig of the audit webhook backend that ships events off the node): audit.webhook is not set.",
            ]);
            const withWebhook = real("SC-AUD-03", {
                ...stack,
                nodeArtifacts: [
                    "control-plane/audit-policy.yaml",
                    "control-plane/audit-webhook.kubeconfig",
                ],
            });
            assert.equal(withWebhook.status, "enforced");
            assert.deepEqual(withWebhook.evidence, [
                "sovereign:bootstrap:AuditPolicy: 1 in the stack.",
                "control-plane/audit-webhook.kubeconfig written (the kubeconfig of the audit webhook backend that ships events off the node).",
            ]);
        });

        it("SC-SUP-02 is not verified while a chart's contents were not rendered", () => {
            const status = real("SC-SUP-02", { ...stack, charts: [remoteGatekeeper] });
            assert.equal(status.status, "not-verified");
            assert.deepEqual(status.reasons, [
                "The contents of 1 of 1 chart were not rendered, so the objects they deploy were not judged: platform-gatekeeper-chart (remote source https://open-policy-agent.github.io/gatekeeper/charts (chart gatekeeper): not fetched offline).",
            ]);
            const rendered = real("SC-SUP-02", {
                ...stack,
                charts: [
                    { name: "platform-gatekeeper-chart", analyzed: true, objects: 29 },
                    { name: "platform-kyverno-chart", analyzed: true, objects: 69 },
                ],
            });
            assert.equal(rendered.status, "enforced");
            assert.deepEqual(rendered.evidence, [
                "platform-guardrails/charts-allowed-sources ran (mandatory): no violation.",
                "platform-guardrails/charts-exact-version ran (mandatory): no violation.",
                "platform-guardrails/charts-declared-sources ran (mandatory): no violation.",
                "platform-guardrails/charts-no-helm-release ran (mandatory): no violation.",
                "Every chart rendered and its objects judged (98 objects): platform-gatekeeper-chart, platform-kyverno-chart.",
            ]);
        });

        it("SC-NET-01 is enforced only with default-deny evidence for every namespace in scope", () => {
            const open = real("SC-NET-01", {
                ...stack,
                namespaceIsolation: [
                    isolated("gatekeeper-system"),
                    { namespace: "monitoring", denyIngress: [], denyEgress: [], allowDns: [] },
                    { ...isolated("tenant-a"), denyEgress: [] },
                ],
            });
            assert.equal(open.status, "not-verified");
            assert.deepEqual(open.reasons, [
                "2 namespaces of 3 have no default-deny NetworkPolicy for: monitoring (ingress, egress), tenant-a (egress).",
            ]);
            const none = real("SC-NET-01", stack);
            assert.deepEqual(
                [none.status, none.reasons],
                [
                    "not-verified",
                    [
                        "No Namespace and no workload among the objects checked, so default deny could not be verified in any namespace.",
                    ],
                ],
            );
            const closed = real("SC-NET-01", {
                ...stack,
                namespaceIsolation: [
                    isolated("gatekeeper-system"),
                    {
                        namespace: "tenant-a",
                        denyIngress: ["default-deny-ingress"],
                        denyEgress: ["default-deny-egress"],
                        allowDns: [],
                    },
                ],
            });
            assert.equal(closed.status, "enforced");
            assert.deepEqual(closed.evidence, [
                "platform-guardrails/network-default-deny ran (mandatory): no violation.",
                "platform-guardrails/network-no-allow-all ran (mandatory): no violation.",
                "platform-guardrails/tenant-namespace-guardrails ran (mandatory): no violation.",
                "sovereign:baseline:TenantNamespace: 1 in the stack.",
                "sovereign:network:PlatformNetwork: 1 in the stack.",
                "sovereign:enforcement:Kyverno: 1 in the stack.",
                "No Helm chart: every object was judged.",
                "Default-deny ingress and egress NetworkPolicies in all 2 namespaces: gatekeeper-system (default-deny-all), tenant-a (default-deny-ingress, default-deny-egress); no DNS allowance in tenant-a.",
            ]);
        });

        it("not verified outranks exempted; a violation outranks both", () => {
            const falco = { namespace: "falco", podSecurity: "privileged", reason: "eBPF" };
            const pod = real("SC-POD-03", {
                ...stack,
                exemptions: [falco],
                charts: [remoteGatekeeper],
            });
            assert.equal(pod.status, "not-verified");
            assert.deepEqual(pod.exemptions, ["falco (privileged)"]);
            assert.equal(
                real("SC-POD-03", { ...stack, exemptions: [falco], charts: [] }).status,
                "exempted",
            );
            assert.equal(
                real("SC-POD-03", {
                    ...stack,
                    charts: [remoteGatekeeper],
                    violations: [
                        {
                            pack: "workload-security",
                            policy: "pod-security-privileged",
                            enforcementLevel: "mandatory",
                        },
                    ],
                }).status,
                "violated",
            );
        });
    });
});
