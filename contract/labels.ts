/**
 * Label keys shared by the components that set them and the rules that read them (Gatekeeper
 * constraints, Kyverno policies, CrossGuard packs, the check). One definition each: a rule that
 * requires a key and a component that sets it can never disagree on its spelling.
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 */

/** Label naming the tenant a namespace (and each object in it) belongs to; admission policies select on it. */
export const tenantLabel = "tenancy.sovereign-contour.io/tenant";

/** Label naming the team that owns a namespace: a tenant's team, or the platform team. */
export const ownerLabel = "tenancy.sovereign-contour.io/owner";

/** The owner recorded on every namespace the platform runs its own components in. */
export const platformOwner = "platform-security";

/**
 * The labels every namespace must carry, required by the `namespace-labels` constraint and its
 * CrossGuard twin. Only the owner: platform namespaces have no tenant.
 */
export const requiredNamespaceLabels: readonly string[] = [ownerLabel];
