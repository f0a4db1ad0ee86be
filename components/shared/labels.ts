/** The project's name as it appears in labels. */
export const partOf = "sovereign-contour";

/** Labels every object the platform creates carries, so an auditor can tell them apart. */
export function platformLabels(component: string): Record<string, string> {
    return {
        "app.kubernetes.io/managed-by": "pulumi",
        "app.kubernetes.io/part-of": partOf,
        "app.kubernetes.io/component": component,
    };
}

/**
 * Pod Security Admission labels for a namespace: `enforce` at the given level pinned to the
 * cluster's minor version (an upgrade must not change what is admitted without review), `audit`
 * and `warn` at the same level against `latest` so drift shows before it is enforced.
 */
export function podSecurityLabels(
    level: "privileged" | "baseline" | "restricted",
    kubernetesVersion: string,
): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/enforce-version": `v${kubernetesVersion}`,
        "pod-security.kubernetes.io/audit": level,
        "pod-security.kubernetes.io/audit-version": "latest",
        "pod-security.kubernetes.io/warn": level,
        "pod-security.kubernetes.io/warn-version": "latest",
    };
}
