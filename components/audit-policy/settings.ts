/** The `audit` settings: the API server's audit policy additions and log backends. */
import { z } from "zod";
import { addIssues } from "../shared/settings";
import { cisMinimums, defaults, validateAuditBackend, validateAuditPolicySpec } from "./render";

/** An off-node webhook backend (a SIEM collector). */
const auditWebhook = z
    .object({
        /** Collector URL; https only. */
        server: z.string().min(1),
        /** CA bundle of the collector's certificate: a file under /etc/kubernetes/pki/ or /etc/kubernetes/audit/. */
        certificateAuthority: z.string().min(1),
        /** Client certificate for mutual TLS (same directories). */
        clientCertificate: z.string().min(1).optional(),
        /** Client key for mutual TLS (same directories). */
        clientKey: z.string().min(1).optional(),
        /** `batch` (asynchronous) or `blocking` / `blocking-strict`. @default "batch" */
        mode: z.enum(["batch", "blocking", "blocking-strict"]).default(defaults.webhook.mode),
        /** Most events per batch. @default 400 */
        batchMaxSize: z.number().int().default(defaults.webhook.batchMaxSize),
        /** Longest wait before a partial batch is sent. @default "30s" */
        batchMaxWait: z.string().default(defaults.webhook.batchMaxWait),
        /** Events buffered before the API server drops them. @default 10000 */
        batchBufferSize: z.number().int().default(defaults.webhook.batchBufferSize),
    })
    .strict();

/**
 * `audit`: the API server's audit policy and log backends. The policy itself is fixed by the
 * platform (CIS 3.2.2); these settings add to it and size the backends, never below CIS.
 * @default a local log at /var/log/kubernetes/audit/audit.log kept 30 days, 10 files of 100 MB
 */
export const auditSection = z
    .object({
        /** More resources logged at Metadata only (CRDs that embed credentials). @default [] */
        sensitiveResources: z
            .array(
                z
                    .object({
                        /** API group (`""` for core). */
                        group: z.string(),
                        /** Resources; omit for the whole group. */
                        resources: z.array(z.string().min(1)).optional(),
                    })
                    .strict(),
            )
            .default([]),
        /** More API groups whose writes are logged with bodies. @default [] */
        extraWriteGroups: z.array(z.string().min(1)).default([]),
        /** Identity-provider groups of break-glass access, logged at RequestResponse. @default [] */
        breakGlassGroups: z.array(z.string().min(1)).default([]),
        /** Audit log file (CIS 1.2.16). @default "/var/log/kubernetes/audit/audit.log" */
        logPath: z.string().default(defaults.logPath),
        /** Days kept, at least 30 (CIS 1.2.17). @default 30 */
        maxAge: z.number().int().default(cisMinimums.maxAge),
        /** Files kept, at least 10 (CIS 1.2.18). @default 10 */
        maxBackup: z.number().int().default(cisMinimums.maxBackup),
        /** MB per file, at least 100 (CIS 1.2.19). @default 100 */
        maxSize: z.number().int().default(cisMinimums.maxSize),
        /** Off-node copy of every event. */
        webhook: auditWebhook.optional(),
    })
    .strict()
    .superRefine((section, ctx) =>
        addIssues(ctx, [...validateAuditPolicySpec(section), ...validateAuditBackend(section)]),
    )
    .default({});

/** Typed `audit` settings. */
export type AuditSettings = z.infer<typeof auditSection>;
