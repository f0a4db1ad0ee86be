import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import {
    auditApiServerArgs,
    AuditBackendSpec,
    auditPolicyYaml,
    AuditRule,
    renderAuditPolicy,
    renderAuditWebhookKubeconfig,
    validateAuditBackend,
} from "../../components/audit-policy/render";
import { auditPolicyPresent } from "../../policypacks/platform-guardrails/policies/audit-policy-present";
import { loadSettings, SettingsError } from "../../stacks";
import { assertGolden } from "../util/golden";
import { installMocks, recorded, resetRecorded, settled, unwrap } from "../util/mocks";
import { runStackPolicy, toPolicyResources } from "../util/recorded-stack";

const baseSpec = { sensitiveResources: [], extraWriteGroups: [], breakGlassGroups: [] };
const backend: AuditBackendSpec = {
    logPath: "/var/log/kubernetes/audit/audit.log",
    maxAge: 30,
    maxBackup: 10,
    maxSize: 100,
};
const webhook = {
    server: "https://siem.example/k8s-audit",
    certificateAuthority: "/etc/kubernetes/pki/siem-ca.crt",
    mode: "batch" as const,
    batchMaxSize: 400,
    batchMaxWait: "30s",
    batchBufferSize: 10000,
};

/** A request as the audit policy matches it. */
interface Request {
    user?: string;
    groups?: string[];
    verb?: string;
    group?: string;
    resource?: string;
    namespace?: string;
    path?: string;
}

/**
 * The level the API server would log a request at: the first matching rule wins (a rule without
 * resources or nonResourceURLs matches every request; `x*` in nonResourceURLs is a prefix).
 */
function levelOf(rules: readonly AuditRule[], req: Request): string {
    for (const rule of rules) {
        if (rule.users !== undefined && !rule.users.includes(req.user ?? "")) {
            continue;
        }
        if (
            rule.userGroups !== undefined &&
            !rule.userGroups.some((g) => (req.groups ?? []).includes(g))
        ) {
            continue;
        }
        if (rule.verbs !== undefined && !rule.verbs.includes(req.verb ?? "")) {
            continue;
        }
        if (req.path !== undefined) {
            if (rule.resources !== undefined || rule.namespaces !== undefined) {
                continue;
            }
            if (
                rule.nonResourceURLs !== undefined &&
                !rule.nonResourceURLs.some((u) =>
                    u.endsWith("*") ? (req.path ?? "").startsWith(u.slice(0, -1)) : u === req.path,
                )
            ) {
                continue;
            }
            return rule.level;
        }
        if (rule.nonResourceURLs !== undefined) {
            continue;
        }
        if (rule.namespaces !== undefined && !rule.namespaces.includes(req.namespace ?? "")) {
            continue;
        }
        if (
            rule.resources !== undefined &&
            !rule.resources.some(
                (r) =>
                    r.group === (req.group ?? "") &&
                    (r.resources === undefined || r.resources.includes(req.resource ?? "")),
            )
        ) {
            continue;
        }
        return rule.level;
    }
    return "None";
}

describe("components/audit-policy", () => {
    const policy = renderAuditPolicy({
        ...baseSpec,
        breakGlassGroups: ["oidc:platform-break-glass"],
    });
    const level = (req: Request): string => levelOf(policy.rules, req);
    const admin = { user: "alice", groups: ["oidc:platform-admins"] };

    describe("render: documents (golden files)", () => {
        it("the default policy", () => {
            assertGolden(
                "audit-policy-default.golden.yaml",
                auditPolicyYaml(renderAuditPolicy(baseSpec)),
            );
        });
        it("with a break-glass group, a sensitive CRD and an extra write group", () => {
            const doc = renderAuditPolicy({
                sensitiveResources: [{ group: "external-secrets.io" }],
                extraWriteGroups: ["serving.kserve.io"],
                breakGlassGroups: ["oidc:platform-break-glass"],
            });
            assertGolden("audit-policy-extended.golden.yaml", auditPolicyYaml(doc));
        });
        it("the webhook kubeconfig", () => {
            const text = YAML.stringify(
                renderAuditWebhookKubeconfig({
                    ...webhook,
                    clientCertificate: "/etc/kubernetes/pki/audit-client.crt",
                    clientKey: "/etc/kubernetes/pki/audit-client.key",
                }),
            );
            assertGolden("audit-webhook.golden.kubeconfig", text);
        });
    });

    describe("render: CIS 3.2.1/3.2.2 and the issue's requirements", () => {
        it("is an audit.k8s.io/v1 Policy with rules (an empty policy is illegal)", () => {
            assert.strictEqual(policy.apiVersion, "audit.k8s.io/v1");
            assert.strictEqual(policy.kind, "Policy");
            assert.ok(policy.rules.length > 0);
        });
        it("omits the RequestReceived stage", () => {
            assert.deepStrictEqual(policy.omitStages, ["RequestReceived"]);
        });
        it("CIS 3.2.2: secrets are logged at Metadata only, even for a write", () => {
            assert.strictEqual(
                level({ ...admin, verb: "create", resource: "secrets", namespace: "t" }),
                "Metadata",
            );
        });
        it("CIS 3.2.2: configmaps are logged at Metadata only", () => {
            assert.strictEqual(
                level({ ...admin, verb: "update", resource: "configmaps", namespace: "t" }),
                "Metadata",
            );
        });
        it("CIS 3.2.2: token reviews are logged at Metadata only", () => {
            assert.strictEqual(
                level({
                    user: "system:kube-apiserver",
                    verb: "create",
                    group: "authentication.k8s.io",
                    resource: "tokenreviews",
                }),
                "Metadata",
            );
        });
        it("token requests (serviceaccounts/token) are logged at Metadata only", () => {
            assert.strictEqual(
                level({ ...admin, verb: "create", resource: "serviceaccounts/token" }),
                "Metadata",
            );
        });
        it("the sensitive rule is matched before anything broader, break-glass included", () => {
            assert.strictEqual(policy.rules[0].level, "Metadata");
            assert.strictEqual(
                level({
                    user: "bob",
                    groups: ["oidc:platform-break-glass"],
                    verb: "get",
                    resource: "secrets",
                }),
                "Metadata",
            );
        });
        for (const sub of [
            "pods/exec",
            "pods/attach",
            "pods/portforward",
            "pods/proxy",
            "services/proxy",
        ]) {
            it(`CIS 3.2.2: ${sub} is captured`, () => {
                assert.strictEqual(
                    level({ ...admin, verb: "create", resource: sub, namespace: "t" }),
                    "Metadata",
                );
            });
        }
        it("CIS 3.2.2: a pod modification is logged with request and response", () => {
            assert.strictEqual(
                level({ ...admin, verb: "patch", resource: "pods", namespace: "t" }),
                "RequestResponse",
            );
        });
        it("CIS 3.2.2: a deployment modification is logged with request and response", () => {
            assert.strictEqual(
                level({
                    ...admin,
                    verb: "update",
                    group: "apps",
                    resource: "deployments",
                    namespace: "t",
                }),
                "RequestResponse",
            );
        });
        it("RBAC writes are logged at RequestResponse", () => {
            assert.strictEqual(
                level({
                    ...admin,
                    verb: "create",
                    group: "rbac.authorization.k8s.io",
                    resource: "clusterrolebindings",
                }),
                "RequestResponse",
            );
        });
        it("admission webhook writes are logged at RequestResponse", () => {
            assert.strictEqual(
                level({
                    ...admin,
                    verb: "delete",
                    group: "admissionregistration.k8s.io",
                    resource: "validatingwebhookconfigurations",
                }),
                "RequestResponse",
            );
        });
        it("policy writes (Gatekeeper, Kyverno) are logged at RequestResponse", () => {
            assert.strictEqual(
                level({
                    ...admin,
                    verb: "patch",
                    group: "kyverno.io",
                    resource: "clusterpolicies",
                }),
                "RequestResponse",
            );
            assert.strictEqual(
                level({
                    ...admin,
                    verb: "create",
                    group: "templates.gatekeeper.sh",
                    resource: "constrainttemplates",
                }),
                "RequestResponse",
            );
        });
        it("CRD writes are logged at RequestResponse", () => {
            assert.strictEqual(
                level({
                    ...admin,
                    verb: "create",
                    group: "apiextensions.k8s.io",
                    resource: "customresourcedefinitions",
                }),
                "RequestResponse",
            );
        });
        it("the break-glass group is logged at RequestResponse", () => {
            assert.strictEqual(
                level({
                    user: "bob",
                    groups: ["oidc:platform-break-glass"],
                    verb: "get",
                    resource: "nodes",
                }),
                "RequestResponse",
            );
        });
        it("noisy read-only system traffic is dropped", () => {
            assert.strictEqual(
                level({ user: "system:kube-proxy", verb: "watch", resource: "endpoints" }),
                "None",
            );
            assert.strictEqual(
                level({ user: "n1", groups: ["system:nodes"], verb: "get", resource: "nodes" }),
                "None",
            );
            assert.strictEqual(level({ user: "probe", path: "/healthz" }), "None");
            assert.strictEqual(level({ user: "probe", path: "/readyz/etcd" }), "None");
        });
        it("system writes are not dropped", () => {
            assert.strictEqual(
                level({
                    user: "system:kube-proxy",
                    verb: "delete",
                    group: "apps",
                    resource: "daemonsets",
                }),
                "RequestResponse",
            );
        });
        it("the catch-all logs Metadata (reads and other requests)", () => {
            assert.deepStrictEqual(policy.rules[policy.rules.length - 1], { level: "Metadata" });
            assert.strictEqual(
                level({ ...admin, verb: "list", resource: "pods", namespace: "t" }),
                "Metadata",
            );
            assert.strictEqual(level({ ...admin, path: "/metrics" }), "Metadata");
        });
        it("extra sensitive resources are Metadata only, even for writes", () => {
            const doc = renderAuditPolicy({
                ...baseSpec,
                sensitiveResources: [{ group: "external-secrets.io" }],
            });
            assert.strictEqual(
                levelOf(doc.rules, {
                    ...admin,
                    verb: "create",
                    group: "external-secrets.io",
                    resource: "externalsecrets",
                }),
                "Metadata",
            );
        });
    });

    describe("render: API-server flags (CIS 1.2.16–1.2.19)", () => {
        const args = Object.fromEntries(auditApiServerArgs(backend).map((a) => [a.name, a.value]));
        it("CIS 3.2.1: the policy file is set", () => {
            assert.strictEqual(
                args["audit-policy-file"],
                "/etc/kubernetes/audit/audit-policy.yaml",
            );
        });
        it("CIS 1.2.16: the log path is set", () => {
            assert.strictEqual(args["audit-log-path"], "/var/log/kubernetes/audit/audit.log");
        });
        it("CIS 1.2.17: maxage is at least 30", () => {
            assert.ok(Number(args["audit-log-maxage"]) >= 30);
        });
        it("CIS 1.2.18: maxbackup is at least 10", () => {
            assert.ok(Number(args["audit-log-maxbackup"]) >= 10);
        });
        it("CIS 1.2.19: maxsize is at least 100", () => {
            assert.ok(Number(args["audit-log-maxsize"]) >= 100);
        });
        it("a webhook backend adds its kubeconfig and batch flags", () => {
            assert.deepStrictEqual(auditApiServerArgs({ ...backend, webhook }).slice(6), [
                {
                    name: "audit-webhook-config-file",
                    value: "/etc/kubernetes/audit/audit-webhook.kubeconfig",
                },
                { name: "audit-webhook-mode", value: "batch" },
                { name: "audit-webhook-batch-max-size", value: "400" },
                { name: "audit-webhook-batch-max-wait", value: "30s" },
                { name: "audit-webhook-batch-buffer-size", value: "10000" },
            ]);
        });
    });

    describe("validation: refused backends", () => {
        const messages = (b: AuditBackendSpec): string[] =>
            validateAuditBackend(b).map((i) => i.message);
        it("maxAge below 30 (CIS 1.2.17)", () => {
            assert.deepStrictEqual(messages({ ...backend, maxAge: 7 }), [
                "expected at least 30 days (CIS 1.2.17)",
            ]);
        });
        it("maxBackup below 10 (CIS 1.2.18)", () => {
            assert.deepStrictEqual(messages({ ...backend, maxBackup: 3 }), [
                "expected at least 10 files (CIS 1.2.18)",
            ]);
        });
        it("maxSize below 100 (CIS 1.2.19)", () => {
            assert.deepStrictEqual(messages({ ...backend, maxSize: 10 }), [
                "expected at least 100 MB (CIS 1.2.19)",
            ]);
        });
        it("stdout as log path", () => {
            assert.deepStrictEqual(messages({ ...backend, logPath: "-" }), [
                'expected an absolute file path on the control-plane host (CIS 1.2.16; "-" for stdout has no rotation)',
            ]);
        });
        it("a plain-http webhook", () => {
            assert.deepStrictEqual(
                messages({ ...backend, webhook: { ...webhook, server: "http://siem:8080" } }),
                ["expected an https:// URL (audit events must not travel in clear text)"],
            );
        });
        it("a webhook CA outside the directories the API server mounts", () => {
            assert.deepStrictEqual(
                messages({
                    ...backend,
                    webhook: { ...webhook, certificateAuthority: "/root/ca.crt" },
                }),
                [
                    "expected a file under /etc/kubernetes/pki/ or /etc/kubernetes/audit/ (directories mounted into the API server)",
                ],
            );
        });
        it("a client certificate without its key", () => {
            assert.deepStrictEqual(
                messages({
                    ...backend,
                    webhook: { ...webhook, clientCertificate: "/etc/kubernetes/pki/c.crt" },
                }),
                ["set clientCertificate and clientKey together (mutual TLS), or neither"],
            );
        });
        it("a batch buffer smaller than a batch", () => {
            assert.deepStrictEqual(
                messages({ ...backend, webhook: { ...webhook, batchBufferSize: 100 } }),
                ["expected at least batchMaxSize (400)"],
            );
        });
    });

    describe("settings: audit", () => {
        const issues = (value: unknown): { key: string; message: string }[] => {
            try {
                loadSettings({ "sovereign-contour:audit": JSON.stringify(value) });
            } catch (e) {
                if (e instanceof SettingsError) {
                    return e.issues.map((i) => ({ key: i.key, message: i.message }));
                }
                throw e;
            }
            return [];
        };
        it("defaults to the CIS minimums and a local log", () => {
            assert.deepStrictEqual(loadSettings({}).settings.audit, {
                sensitiveResources: [],
                extraWriteGroups: [],
                breakGlassGroups: [],
                logPath: "/var/log/kubernetes/audit/audit.log",
                maxAge: 30,
                maxBackup: 10,
                maxSize: 100,
            });
        });
        it("names the key below CIS", () => {
            assert.deepStrictEqual(issues({ maxAge: 7 }), [
                {
                    key: "sovereign-contour:audit.maxAge",
                    message: "expected at least 30 days (CIS 1.2.17) (got 7)",
                },
            ]);
        });
        it("refuses a system group as break-glass group", () => {
            assert.deepStrictEqual(issues({ breakGlassGroups: ["system:masters"] }), [
                {
                    key: "sovereign-contour:audit.breakGlassGroups[0]",
                    message:
                        '"system:masters" is a Kubernetes system group; name the identity-provider group of break-glass access (got "system:masters")',
                },
            ]);
        });
        it("fills the webhook's batch defaults", () => {
            const audit = loadSettings({
                "sovereign-contour:audit": JSON.stringify({
                    webhook: {
                        server: webhook.server,
                        certificateAuthority: webhook.certificateAuthority,
                    },
                }),
            }).settings.audit;
            assert.deepStrictEqual(audit.webhook, webhook);
        });
    });

    describe("AuditPolicy component (mocks)", () => {
        let AuditPolicy: typeof import("../../components/audit-policy").AuditPolicy;
        before(async () => {
            installMocks();
            ({ AuditPolicy } = await import("../../components/audit-policy"));
        });
        beforeEach(resetRecorded);

        it("has no children: the documents are node artifacts", async () => {
            const c = new AuditPolicy("audit", {});
            await settled();
            assert.deepStrictEqual(
                recorded.map((r) => r.type),
                ["sovereign:bootstrap:AuditPolicy"],
            );
            assert.deepStrictEqual(Object.keys(c.nodeArtifacts), [
                "control-plane/audit-policy.yaml",
            ]);
            assert.strictEqual(
                await unwrap(c.nodeArtifacts["control-plane/audit-policy.yaml"]),
                auditPolicyYaml(renderAuditPolicy(baseSpec)),
            );
        });

        it("adds the webhook kubeconfig and mounts the config read-only and the log directory read-write", () => {
            const c = new AuditPolicy("audit", { webhook, maxAge: 90 });
            assert.deepStrictEqual(Object.keys(c.nodeArtifacts), [
                "control-plane/audit-policy.yaml",
                "control-plane/audit-webhook.kubeconfig",
            ]);
            assert.deepStrictEqual(
                c.controlPlane.apiServerVolumes.map((v) => [v.hostPath, v.readOnly]),
                [
                    ["/etc/kubernetes/audit", true],
                    ["/var/log/kubernetes/audit", false],
                ],
            );
            assert.ok(
                c.controlPlane.apiServerArgs.some(
                    (a) => a.name === "audit-log-maxage" && a.value === "90",
                ),
            );
        });

        it("refuses a backend below CIS, naming the setting", () => {
            assert.throws(
                () => new AuditPolicy("audit", { maxBackup: 1 }),
                (e: unknown) =>
                    e instanceof Error &&
                    e.message ===
                        "invalid audit settings:\n  - maxBackup: expected at least 10 files (CIS 1.2.18) (got 1)",
            );
        });

        /**
         * The platform's top-level component: the stack policies apply only to the platform
         * program, so the component under test is created inside one, as in `index.ts`.
         */
        const inPlatform = (): pulumi.ComponentResourceOptions => ({
            parent: new pulumi.ComponentResource("sovereign:platform:Platform", "platform", {}),
        });

        it("stack policy audit-policy-present: the component passes", async () => {
            new AuditPolicy("audit", {}, inPlatform());
            await settled();
            assert.deepStrictEqual(
                await runStackPolicy(auditPolicyPresent, toPolicyResources(recorded)),
                [],
            );
        });

        it("stack policy audit-policy-present: no component, or a short retention, is a violation", async () => {
            const root = inPlatform();
            await settled();
            assert.deepStrictEqual(
                await runStackPolicy(auditPolicyPresent, toPolicyResources(recorded)),
                [
                    "No AuditPolicy component in the stack: without --audit-policy-file the API server records no " +
                        "audit event (CIS 3.2.1). Add the component (setting audit).",
                ],
            );
            new AuditPolicy("audit", {}, root);
            await settled();
            const component = recorded.find((r) => r.type === "sovereign:bootstrap:AuditPolicy");
            assert.ok(component !== undefined);
            const short = toPolicyResources(recorded, {
                audit: { inputs: { ...component.inputs, maxAge: 7 } },
            });
            assert.deepStrictEqual(await runStackPolicy(auditPolicyPresent, short), [
                'AuditPolicy "audit" keeps maxAge 7: CIS 1.2.17 asks for at least 30 days. Set maxAge to 30 or more.',
            ]);
        });

        it("stack policy audit-policy-present: not applicable outside the platform program", async () => {
            await assert.rejects(runStackPolicy(auditPolicyPresent, []), {
                message:
                    "not applicable: the stack is not built from the contour's components (no sovereign:* resource)",
            });
        });
    });
});
