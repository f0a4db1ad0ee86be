import { PolicyResource } from "@pulumi/policy";

/** Prefix of the Pulumi type tokens of the contour's own components. */
export const componentTypePrefix = "sovereign:";

/**
 * True when the stack under analysis is built from the contour's components (the platform program,
 * or a program that uses some of them). Stack policies that require
 * a platform component (encryption at rest, an audit policy...) only apply there: a stack of an
 * application team, or plain manifests judged by the offline check, is not the platform and must
 * not be failed for lacking the control plane's configuration.
 */
export function isPlatformStack(resources: readonly PolicyResource[]): boolean {
    return resources.some((r) => r.type.startsWith(componentTypePrefix));
}
