import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { formatIssues } from "../shared/issues";
import { ControlPlaneContribution } from "../shared/node-files";
import {
    auditControlPlane,
    AuditPolicyDocument,
    auditPolicyYaml,
    AuditWebhookSpec,
    defaults,
    GroupResources,
    renderAuditPolicy,
    renderAuditWebhookKubeconfig,
    validateAuditBackend,
    validateAuditPolicySpec,
} from "./render";

export * from "./render";

/** Arguments of {@link AuditPolicy}. */
export interface AuditPolicyArgs {
    /** More resources logged at Metadata only (CRDs that embed credentials). @default [] */
    readonly sensitiveResources?: readonly GroupResources[];
    /** More API groups whose writes are logged at RequestResponse. @default [] */
    readonly extraWriteGroups?: readonly string[];
    /** Identity-provider groups of break-glass access, logged at RequestResponse. @default [] */
    readonly breakGlassGroups?: readonly string[];
    /** Audit log file on the control-plane hosts. @default "/var/log/kubernetes/audit/audit.log" */
    readonly logPath?: string;
    /** Days to keep rotated logs, at least 30 (CIS 1.2.17). @default 30 */
    readonly maxAge?: number;
    /** Rotated files to keep, at least 10 (CIS 1.2.18). @default 10 */
    readonly maxBackup?: number;
    /** Size in MB at which the log rotates, at least 100 (CIS 1.2.19). @default 100 */
    readonly maxSize?: number;
    /** Optional webhook backend that ships every event off the node (SIEM). */
    readonly webhook?: AuditWebhookSpec;
}

/**
 * API-server auditing (bootstrap layer): renders the `audit.k8s.io/v1` Policy (CIS 3.2.1/3.2.2),
 * the log-backend flags (CIS 1.2.16–1.2.19), and optionally a webhook backend for an off-node copy.
 * The documents live on control-plane hosts, so they are outputs and node artifacts, not
 * Kubernetes objects.
 */
export class AuditPolicy extends pulumi.ComponentResource {
    /** The Policy document. */
    readonly policy: AuditPolicyDocument;
    /** The Policy file (YAML). */
    readonly policyYaml: pulumi.Output<string>;
    /** Flags, mounts and files for the control-plane hosts. */
    readonly controlPlane: ControlPlaneContribution;
    /** Node artifacts by relative path (`control-plane/audit-policy.yaml`, ...). */
    readonly nodeArtifacts: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: AuditPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        const spec = {
            sensitiveResources: [...(args.sensitiveResources ?? [])],
            extraWriteGroups: [...(args.extraWriteGroups ?? [])],
            breakGlassGroups: [...(args.breakGlassGroups ?? [])],
        };
        const backend = {
            logPath: args.logPath ?? defaults.logPath,
            maxAge: args.maxAge ?? defaults.maxAge,
            maxBackup: args.maxBackup ?? defaults.maxBackup,
            maxSize: args.maxSize ?? defaults.maxSize,
            ...(args.webhook !== undefined ? { webhook: { ...args.webhook } } : {}),
        };
        const issues = [...validateAuditPolicySpec(spec), ...validateAuditBackend(backend)];
        const policy = issues.length === 0 ? renderAuditPolicy(spec) : undefined;
        // A summary as the component's input, for the stack policies and preview reviewers.
        const summary = {
            rules: policy?.rules.length ?? 0,
            omitStages: policy?.omitStages ?? [],
            breakGlassGroups: spec.breakGlassGroups,
            logPath: backend.logPath,
            maxAge: backend.maxAge,
            maxBackup: backend.maxBackup,
            maxSize: backend.maxSize,
            webhook: backend.webhook?.server ?? "",
        };
        super("sovereign:bootstrap:AuditPolicy", name, summary, opts);
        if (policy === undefined) {
            throw new pulumi.ResourceError(
                formatIssues("invalid audit settings", issues, { ...spec, ...backend }),
                this,
            );
        }
        this.policy = policy;
        this.policyYaml = pulumi.output(auditPolicyYaml(policy));
        this.controlPlane = auditControlPlane(backend);
        const artifacts: Record<string, pulumi.Output<string>> = {
            [defaults.policyArtifact]: this.policyYaml,
        };
        if (backend.webhook !== undefined) {
            artifacts[defaults.webhookArtifact] = pulumi.output(
                "# Managed by sovereign-contour (Pulumi): the audit webhook backend.\n" +
                    YAML.stringify(renderAuditWebhookKubeconfig(backend.webhook), { lineWidth: 0 }),
            );
        }
        this.nodeArtifacts = artifacts;
        // The same summary as the inputs: policies read a component's outputs once registered.
        this.registerOutputs({ ...summary, nodeArtifacts: Object.keys(artifacts) });
    }
}
