import * as YAML from "yaml";
import { goDurationMs } from "../shared/duration";
import { SpecIssue } from "../shared/issues";
import {
    ApiServerArg,
    ControlPlaneContribution,
    dirnameOf,
    HostPathMount,
    NodeFile,
} from "../shared/node-files";
import { defaults } from "./defaults";

export { defaults } from "./defaults";

/**
 * Pure functions of API-server auditing: the `audit.k8s.io/v1` Policy, the log-backend and webhook
 * flags, and the webhook kubeconfig. Upstream:
 * https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/
 */

/** Resources of one API group, as an audit rule matches them (`group: ""` is the core group). */
export interface GroupResources {
    readonly group: string;
    /** Resource names; omitted means every resource of the group. */
    readonly resources?: readonly string[];
}

/** What the audit policy records beyond its fixed rules. */
export interface AuditPolicySpec {
    /**
     * More resources whose payloads must never be logged (CRDs that embed credentials, such as
     * external-secrets or vault-operator resources). Logged at Metadata only. @default []
     */
    readonly sensitiveResources: readonly GroupResources[];
    /** More API groups whose writes are logged at RequestResponse. @default [] */
    readonly extraWriteGroups: readonly string[];
    /** Identity-provider groups of break-glass access, logged at RequestResponse. @default [] */
    readonly breakGlassGroups: readonly string[];
}

/** An off-node webhook backend (SIEM), batched by default. */
export interface AuditWebhookSpec {
    /** HTTPS URL of the collector. */
    readonly server: string;
    /** CA bundle that signs the collector's certificate (host path, mounted into the API server). */
    readonly certificateAuthority: string;
    /** Client certificate for mutual TLS (host path). */
    readonly clientCertificate?: string;
    /** Client key for mutual TLS (host path). */
    readonly clientKey?: string;
    /** `batch` buffers and sends asynchronously; `blocking` waits for each event. @default "batch" */
    readonly mode: "batch" | "blocking" | "blocking-strict";
    /** Most events per batch. @default 400 */
    readonly batchMaxSize: number;
    /** Longest wait before a partial batch is sent (Go duration). @default "30s" */
    readonly batchMaxWait: string;
    /** Events buffered before the API server drops them. @default 10000 */
    readonly batchBufferSize: number;
}

/** Where and how long audit events are kept. */
export interface AuditBackendSpec {
    /** Log file on the control-plane host (CIS 1.2.16). */
    readonly logPath: string;
    /** Days to keep rotated files, at least 30 (CIS 1.2.17). */
    readonly maxAge: number;
    /** Rotated files to keep, at least 10 (CIS 1.2.18). */
    readonly maxBackup: number;
    /** Size in MB at which the file rotates, at least 100 (CIS 1.2.19). */
    readonly maxSize: number;
    /** Optional off-node copy (NIST AU-9, ISO 27001 A.8.15). */
    readonly webhook?: AuditWebhookSpec;
}

export type { SpecIssue } from "../shared/issues";

/** The CIS minimums of the log backend. */
export const cisMinimums = { maxAge: 30, maxBackup: 10, maxSize: 100 } as const;

/** Host directories whose files the API server can read: kubeadm's PKI mount and the audit dir. */
export const readableCertDirs = ["/etc/kubernetes/pki/", `${defaults.configDir}/`] as const;

/** API groups whose writes are always logged with request and response bodies. */
export const securityWriteGroups: readonly string[] = [
    "apps",
    "batch",
    "rbac.authorization.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "networking.k8s.io",
    "policy",
    "certificates.k8s.io",
    "templates.gatekeeper.sh",
    "constraints.gatekeeper.sh",
    "kyverno.io",
    "policies.kyverno.io",
    "cert-manager.io",
    "policy.linkerd.io",
];

/** Core resources whose writes are logged with bodies (pods: CIS 3.2.2 "modification of pods"). */
export const coreWriteResources: readonly string[] = [
    "pods",
    "namespaces",
    "serviceaccounts",
    "services",
    "resourcequotas",
    "limitranges",
    "persistentvolumes",
    "nodes",
];

/** Resources whose payloads hold secrets: Metadata only, matched first (CIS 3.2.2). */
export const sensitiveResources: readonly GroupResources[] = [
    { group: "", resources: ["secrets", "configmaps", "serviceaccounts/token"] },
    { group: "authentication.k8s.io", resources: ["tokenreviews"] },
];

/** Interactive and proxy access (CIS 3.2.2): Metadata records the request URI, command included. */
export const interactiveResources: readonly string[] = [
    "pods/exec",
    "pods/attach",
    "pods/portforward",
    "pods/proxy",
    "services/proxy",
    "nodes/proxy",
    "pods/ephemeralcontainers",
];

const writeVerbs = ["create", "update", "patch", "delete", "deletecollection"];
const readVerbs = ["get", "list", "watch"];

/** One rule of an audit Policy (the fields this policy uses). */
export interface AuditRule {
    readonly level: "None" | "Metadata" | "Request" | "RequestResponse";
    readonly users?: string[];
    readonly userGroups?: string[];
    readonly verbs?: string[];
    readonly namespaces?: string[];
    readonly resources?: { group: string; resources?: string[] }[];
    readonly nonResourceURLs?: string[];
}

/** The audit Policy document. */
export interface AuditPolicyDocument {
    readonly apiVersion: "audit.k8s.io/v1";
    readonly kind: "Policy";
    readonly omitStages: string[];
    readonly omitManagedFields: boolean;
    readonly rules: AuditRule[];
}

function groupResources(
    list: readonly GroupResources[],
): { group: string; resources?: string[] }[] {
    return list.map((g) =>
        g.resources === undefined
            ? { group: g.group }
            : { group: g.group, resources: [...g.resources] },
    );
}

/** Checks the spec's lists. */
export function validateAuditPolicySpec(spec: AuditPolicySpec): SpecIssue[] {
    const issues: SpecIssue[] = [];
    spec.breakGlassGroups.forEach((g, i) => {
        if (g.startsWith("system:")) {
            issues.push({
                path: ["breakGlassGroups", i],
                message: `"${g}" is a Kubernetes system group; name the identity-provider group of break-glass access`,
            });
        }
    });
    spec.sensitiveResources.forEach((g, i) => {
        if (g.resources !== undefined && g.resources.length === 0) {
            issues.push({
                path: ["sensitiveResources", i, "resources"],
                message: "list at least one resource, or omit resources to cover the whole group",
            });
        }
    });
    return issues;
}

/**
 * Renders the audit Policy. Rules are evaluated in order and the first match sets the level, so:
 * secret-bearing payloads come first (Metadata, whoever asks), then break-glass sessions
 * (RequestResponse), read-only system noise (None), interactive access (Metadata), node status
 * churn (Request), security-relevant writes (RequestResponse), and a Metadata catch-all.
 */
export function renderAuditPolicy(spec: AuditPolicySpec): AuditPolicyDocument {
    const issues = validateAuditPolicySpec(spec);
    if (issues.length > 0) {
        throw new Error(issues.map((i) => i.message).join("; "));
    }
    const rules: AuditRule[] = [];
    // 1. Payloads that hold secrets: metadata only, before any rule that would log a body.
    rules.push({
        level: "Metadata",
        resources: groupResources([...sensitiveResources, ...spec.sensitiveResources]),
    });
    // 2. Break-glass sessions: everything they do, with bodies (secrets stay at 1).
    if (spec.breakGlassGroups.length > 0) {
        rules.push({ level: "RequestResponse", userGroups: [...spec.breakGlassGroups] });
    }
    // 3. Read-only system traffic with no security value: dropped.
    rules.push(
        {
            level: "None",
            users: ["system:kube-proxy"],
            verbs: ["watch"],
            resources: [
                { group: "", resources: ["endpoints", "services", "services/status"] },
                { group: "discovery.k8s.io", resources: ["endpointslices"] },
            ],
        },
        {
            level: "None",
            userGroups: ["system:nodes"],
            verbs: ["get"],
            resources: [{ group: "", resources: ["nodes", "nodes/status"] }],
        },
        {
            level: "None",
            users: [
                "system:kube-controller-manager",
                "system:cloud-controller-manager",
                "system:kube-scheduler",
            ],
            verbs: [...readVerbs],
            namespaces: ["kube-system"],
            resources: [
                { group: "", resources: ["endpoints"] },
                { group: "coordination.k8s.io", resources: ["leases"] },
            ],
        },
        {
            level: "None",
            users: ["system:apiserver"],
            verbs: ["get"],
            resources: [
                {
                    group: "",
                    resources: ["namespaces", "namespaces/status", "namespaces/finalize"],
                },
            ],
        },
        {
            level: "None",
            users: ["system:kube-controller-manager", "system:cloud-controller-manager"],
            verbs: ["get", "list"],
            resources: [{ group: "metrics.k8s.io" }],
        },
        {
            level: "None",
            nonResourceURLs: [
                "/healthz*",
                "/livez*",
                "/readyz*",
                "/version",
                "/swagger*",
                "/openapi*",
            ],
        },
        {
            level: "None",
            resources: [
                { group: "", resources: ["events"] },
                { group: "events.k8s.io", resources: ["events"] },
            ],
        },
    );
    // 4. Exec, attach, port-forward and proxies: the request URI names the container and command.
    rules.push({
        level: "Metadata",
        resources: [{ group: "", resources: [...interactiveResources] }],
    });
    // 5. Node status churn: the request is enough.
    rules.push(
        {
            level: "Request",
            userGroups: ["system:nodes"],
            verbs: ["update", "patch"],
            resources: [{ group: "", resources: ["nodes/status", "pods/status"] }],
        },
        {
            level: "Request",
            users: ["system:serviceaccount:kube-system:namespace-controller"],
            verbs: ["deletecollection"],
        },
    );
    // 6. Writes that change who can do what, what is admitted and what runs: full bodies.
    const groups = [
        ...securityWriteGroups,
        ...spec.extraWriteGroups.filter((g) => !securityWriteGroups.includes(g)),
    ];
    rules.push({
        level: "RequestResponse",
        verbs: [...writeVerbs],
        resources: [
            { group: "", resources: [...coreWriteResources] },
            ...groups.map((group) => ({ group })),
        ],
    });
    // 7. Everything else, reads included: who did what, when, without bodies.
    rules.push({ level: "Metadata" });
    return {
        apiVersion: "audit.k8s.io/v1",
        kind: "Policy",
        omitStages: ["RequestReceived"],
        omitManagedFields: true,
        rules,
    };
}

/** The Policy as the file the API server reads. */
export function auditPolicyYaml(document: AuditPolicyDocument): string {
    return (
        "# Managed by sovereign-contour (Pulumi): do not edit on the host.\n" +
        YAML.stringify(document, { lineWidth: 0 })
    );
}

/** Checks the backend: CIS retention minimums, an absolute log path, a sane webhook. */
export function validateAuditBackend(backend: AuditBackendSpec): SpecIssue[] {
    const issues: SpecIssue[] = [];
    if (!backend.logPath.startsWith("/") || backend.logPath.endsWith("/")) {
        issues.push({
            path: ["logPath"],
            message: `expected an absolute file path on the control-plane host (CIS 1.2.16; "-" for stdout has no rotation)`,
        });
    }
    const minimum = (
        field: "maxAge" | "maxBackup" | "maxSize",
        cis: string,
        unit: string,
    ): void => {
        const value = backend[field];
        if (!Number.isInteger(value) || value < cisMinimums[field]) {
            issues.push({
                path: [field],
                message: `expected at least ${cisMinimums[field]} ${unit} (CIS ${cis})`,
            });
        }
    };
    minimum("maxAge", "1.2.17", "days");
    minimum("maxBackup", "1.2.18", "files");
    minimum("maxSize", "1.2.19", "MB");
    const webhook = backend.webhook;
    if (webhook !== undefined) {
        if (!/^https:\/\/[^/\s]+/.test(webhook.server)) {
            issues.push({
                path: ["webhook", "server"],
                message: `expected an https:// URL (audit events must not travel in clear text)`,
            });
        }
        for (const field of ["certificateAuthority", "clientCertificate", "clientKey"] as const) {
            const file = webhook[field];
            if (file !== undefined && !readableCertDirs.some((dir) => file.startsWith(dir))) {
                issues.push({
                    path: ["webhook", field],
                    message: `expected a file under ${readableCertDirs.join(" or ")} (directories mounted into the API server)`,
                });
            }
        }
        if ((webhook.clientCertificate === undefined) !== (webhook.clientKey === undefined)) {
            issues.push({
                path: [
                    "webhook",
                    webhook.clientCertificate === undefined ? "clientCertificate" : "clientKey",
                ],
                message: "set clientCertificate and clientKey together (mutual TLS), or neither",
            });
        }
        if (!((goDurationMs(webhook.batchMaxWait) ?? 0) > 0)) {
            issues.push({
                path: ["webhook", "batchMaxWait"],
                message: `expected a positive duration such as "30s"`,
            });
        }
        for (const field of ["batchMaxSize", "batchBufferSize"] as const) {
            if (!Number.isInteger(webhook[field]) || webhook[field] < 1) {
                issues.push({
                    path: ["webhook", field],
                    message: `expected a positive whole number`,
                });
            }
        }
        if (webhook.batchBufferSize < webhook.batchMaxSize) {
            issues.push({
                path: ["webhook", "batchBufferSize"],
                message: `expected at least batchMaxSize (${webhook.batchMaxSize})`,
            });
        }
    }
    return issues;
}

/** API-server flags of the policy and its backends. */
export function auditApiServerArgs(backend: AuditBackendSpec): ApiServerArg[] {
    const args: ApiServerArg[] = [
        { name: "audit-policy-file", value: `${defaults.configDir}/${defaults.policyFile}` },
        { name: "audit-log-path", value: backend.logPath },
        { name: "audit-log-format", value: "json" },
        { name: "audit-log-maxage", value: String(backend.maxAge) },
        { name: "audit-log-maxbackup", value: String(backend.maxBackup) },
        { name: "audit-log-maxsize", value: String(backend.maxSize) },
    ];
    const webhook = backend.webhook;
    if (webhook !== undefined) {
        args.push(
            {
                name: "audit-webhook-config-file",
                value: `${defaults.configDir}/${defaults.webhookConfigFile}`,
            },
            { name: "audit-webhook-mode", value: webhook.mode },
        );
        if (webhook.mode === "batch") {
            args.push(
                { name: "audit-webhook-batch-max-size", value: String(webhook.batchMaxSize) },
                { name: "audit-webhook-batch-max-wait", value: webhook.batchMaxWait },
                { name: "audit-webhook-batch-buffer-size", value: String(webhook.batchBufferSize) },
            );
        }
    }
    return args;
}

/** The kubeconfig the API server uses to reach the webhook collector (file paths, no secrets). */
export function renderAuditWebhookKubeconfig(webhook: AuditWebhookSpec): Record<string, unknown> {
    const user: Record<string, string> = {};
    if (webhook.clientCertificate !== undefined && webhook.clientKey !== undefined) {
        user["client-certificate"] = webhook.clientCertificate;
        user["client-key"] = webhook.clientKey;
    }
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name: "audit-sink",
                cluster: {
                    server: webhook.server,
                    "certificate-authority": webhook.certificateAuthority,
                },
            },
        ],
        users: [{ name: "kube-apiserver", user }],
        contexts: [
            { name: "audit-sink", context: { cluster: "audit-sink", user: "kube-apiserver" } },
        ],
        "current-context": "audit-sink",
    };
}

/**
 * How auditing reaches the API server: the config directory read-only, the log directory
 * read-write, the policy (and webhook kubeconfig) installed 0600 root:root.
 */
export function auditControlPlane(backend: AuditBackendSpec): ControlPlaneContribution {
    const volumes: HostPathMount[] = [
        {
            name: "audit-config",
            hostPath: defaults.configDir,
            mountPath: defaults.configDir,
            readOnly: true,
            pathType: "DirectoryOrCreate",
        },
        {
            name: "audit-log",
            hostPath: dirnameOf(backend.logPath),
            mountPath: dirnameOf(backend.logPath),
            readOnly: false,
            pathType: "DirectoryOrCreate",
        },
    ];
    const files: NodeFile[] = [
        {
            artifact: defaults.policyArtifact,
            hostPath: `${defaults.configDir}/${defaults.policyFile}`,
            mode: "0600",
            owner: "root:root",
            hosts: "control-plane",
            secret: false,
        },
    ];
    if (backend.webhook !== undefined) {
        files.push({
            artifact: defaults.webhookArtifact,
            hostPath: `${defaults.configDir}/${defaults.webhookConfigFile}`,
            mode: "0600",
            owner: "root:root",
            hosts: "control-plane",
            secret: false,
        });
    }
    return { apiServerArgs: auditApiServerArgs(backend), apiServerVolumes: volumes, files };
}
