/**
 * Defaults of API-server auditing, in one place: where the policy, the webhook kubeconfig and the
 * log live on the control-plane hosts, the log retention (the CIS minimums) and the webhook's
 * batching. The settings schema (`components/audit-policy/settings.ts`) takes its defaults from here.
 */

/** Defaults of the audit component. */
export const defaults = {
    /** Host directory of the policy (and the webhook kubeconfig), mounted read-only. */
    configDir: "/etc/kubernetes/audit",
    policyFile: "audit-policy.yaml",
    webhookConfigFile: "audit-webhook.kubeconfig",
    policyArtifact: "control-plane/audit-policy.yaml",
    webhookArtifact: "control-plane/audit-webhook.kubeconfig",
    /** @default "/var/log/kubernetes/audit/audit.log" */
    logPath: "/var/log/kubernetes/audit/audit.log",
    maxAge: 30,
    maxBackup: 10,
    maxSize: 100,
    webhook: { mode: "batch", batchMaxSize: 400, batchMaxWait: "30s", batchBufferSize: 10000 },
} as const;
