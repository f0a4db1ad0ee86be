import type * as k8s from "@pulumi/kubernetes";
import { platformLabels } from "../shared/labels";

/** Annotation recording until when the break-glass binding is valid (ISO 8601). */
export const breakGlassExpiresAnnotation = "security.sovereign-contour.io/break-glass-expires-at";
/** Annotation recording why the break-glass binding exists. */
export const breakGlassReasonAnnotation = "security.sovereign-contour.io/break-glass-reason";
/** Name of the break-glass ClusterRoleBinding in the cluster. */
export const breakGlassBindingName = "sovereign-break-glass";

/** An enabled, valid break-glass entry: what the binding is rendered from and the report lists. */
export interface BreakGlassEntry {
    /** Identity-provider group granted emergency access. */
    readonly group: string;
    /** ClusterRole the group is bound to. */
    readonly clusterRole: string;
    /** Expiry, ISO 8601. */
    readonly expiresAt: string;
    /** Why emergency access was granted. */
    readonly reason: string;
}

/**
 * Everything wrong with a break-glass entry at time `now`, each saying what is expected. Empty when
 * the entry may be bound.
 */
export function breakGlassProblems(
    entry: Partial<BreakGlassEntry>,
    now: Date,
    maxHours: number,
): string[] {
    const problems: string[] = [];
    if (entry.group === undefined || entry.group.trim() === "") {
        problems.push("break-glass is enabled without a group: set group");
    } else if (entry.group.startsWith("system:")) {
        problems.push(
            `break-glass group "${entry.group}" is a Kubernetes system group; use an identity-provider group`,
        );
    }
    if (entry.reason === undefined || entry.reason.trim() === "") {
        problems.push("break-glass is enabled without a reason: set reason");
    }
    if (entry.clusterRole !== undefined && entry.clusterRole.trim() === "") {
        problems.push("break-glass clusterRole is empty: name a ClusterRole");
    }
    const expires = entry.expiresAt === undefined ? Number.NaN : Date.parse(entry.expiresAt);
    if (Number.isNaN(expires)) {
        problems.push("break-glass is enabled without a valid expiresAt (ISO 8601 with a zone)");
    } else if (expires <= now.getTime()) {
        problems.push(`break-glass expired at ${entry.expiresAt} (now ${now.toISOString()})`);
    } else if (expires - now.getTime() > maxHours * 3600 * 1000) {
        problems.push(
            `break-glass expiresAt ${entry.expiresAt} is more than ${maxHours} hours after now (${now.toISOString()})`,
        );
    }
    return problems;
}

/**
 * The emergency ClusterRoleBinding: the group bound to the ClusterRole, with the expiry and the
 * reason on the object itself, so whoever finds it in the cluster knows why it is there and until
 * when.
 */
export function renderBreakGlassBinding(
    entry: BreakGlassEntry,
): k8s.rbac.v1.ClusterRoleBindingArgs {
    return {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: {
            name: breakGlassBindingName,
            labels: platformLabels("break-glass"),
            annotations: {
                [breakGlassExpiresAnnotation]: entry.expiresAt,
                [breakGlassReasonAnnotation]: entry.reason,
            },
        },
        roleRef: {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: entry.clusterRole,
        },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: entry.group }],
    };
}
