import { StackValidationPolicy } from "@pulumi/policy";
import { isPlatformStack } from "../../lib/platform";

const auditComponentType = "sovereign:bootstrap:AuditPolicy";

/** The CIS minimums of the API server's audit log backend. */
const minimums = [
    { field: "maxAge", minimum: 30, cis: "1.2.17", unit: "days" },
    { field: "maxBackup", minimum: 10, cis: "1.2.18", unit: "files" },
    { field: "maxSize", minimum: 100, cis: "1.2.19", unit: "MB" },
] as const;

/**
 * The API server audits: the stack has an `AuditPolicy` component whose policy has rules and omits
 * the RequestReceived stage, and whose log backend is a file kept at least as long as CIS asks
 * (30 days, 10 files, 100 MB each). Without a policy file the API server logs no event at all.
 *
 * @severity high
 * @frameworks cis-kubernetes-3.2.1, cis-kubernetes-1.2.16, nist-800-53-au-2, nist-800-53-au-12, iso-27001-a.8.15
 * @topics audit, logging
 * @link https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/
 */
export const auditPolicyPresent: StackValidationPolicy = {
    name: "audit-policy-present",
    description: "The API server must have an audit policy and a retained audit log.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (!isPlatformStack(args.resources)) {
            args.notApplicable(
                "the stack is not built from the contour's components (no sovereign:* resource)",
            );
        }
        const components = args.resources.filter((r) => r.type === auditComponentType);
        if (components.length === 0) {
            reportViolation(
                "No AuditPolicy component in the stack: without --audit-policy-file the API server " +
                    "records no audit event (CIS 3.2.1). Add the component (setting audit).",
            );
            return;
        }
        for (const c of components) {
            const rules: unknown = c.props.rules;
            if (typeof rules !== "number" || rules < 1) {
                reportViolation(
                    `AuditPolicy "${c.name}" has no rules: an empty policy is invalid and logs nothing. ` +
                        `Render the platform's policy.`,
                    c.urn,
                );
            }
            const omitStages: unknown = c.props.omitStages;
            if (!Array.isArray(omitStages) || !omitStages.includes("RequestReceived")) {
                reportViolation(
                    `AuditPolicy "${c.name}" does not omit the RequestReceived stage: every request ` +
                        `is logged twice. Add "RequestReceived" to omitStages.`,
                    c.urn,
                );
            }
            if (typeof c.props.logPath !== "string" || !c.props.logPath.startsWith("/")) {
                reportViolation(
                    `AuditPolicy "${c.name}" has no audit log file (logPath ${JSON.stringify(c.props.logPath)}; CIS 1.2.16). ` +
                        `Set logPath to an absolute path on the control-plane hosts.`,
                    c.urn,
                );
            }
            for (const m of minimums) {
                const value: unknown = c.props[m.field];
                if (typeof value !== "number" || value < m.minimum) {
                    reportViolation(
                        `AuditPolicy "${c.name}" keeps ${m.field} ${JSON.stringify(value)}: CIS ${m.cis} ` +
                            `asks for at least ${m.minimum} ${m.unit}. Set ${m.field} to ${m.minimum} or more.`,
                        c.urn,
                    );
                }
            }
        }
    },
};
