/**
 * The admission exemption record and the rule IDs it may name: one definition for the settings that
 * validate the records (`components/platform/settings.ts`), the components that turn them into
 * Gatekeeper exclusions and Kyverno PolicyExceptions, and the packs and the check that read them.
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 */

/** IDs of the Gatekeeper constraints the platform authors (one per rule; used in exemptions). */
export const gatekeeperPolicyIds = [
    "allowed-registries",
    "image-tags",
    "namespace-labels",
    "service-exposure",
    "external-ips",
    "rbac-wildcards",
    "pod-hardening",
    "resource-limits",
] as const;

/** IDs of the Kyverno policies an exemption can name. */
export const kyvernoPolicyIds = ["secure-defaults", "verify-images", "pod-security"] as const;

/**
 * CrossGuard policies an exemption record can lift for named workloads only (preview-time rules
 * with no admission counterpart); the record's `workloads` become the policy's allow list.
 */
export const workloadPolicyIds = ["service-account-token-opt-in"] as const;

/** Any admission rule the platform authors, by ID. */
export type AdmissionPolicyId =
    | (typeof gatekeeperPolicyIds)[number]
    | (typeof kyvernoPolicyIds)[number];

/** Any rule an exemption record may name. */
export type ExemptionPolicyId = AdmissionPolicyId | (typeof workloadPolicyIds)[number];

/**
 * One exemption from one or more rules, for one namespace, until its review date (the
 * `admissionExemptions` setting, validated).
 */
export interface AdmissionExemption {
    /** Name of the exemption (names the generated PolicyException). */
    readonly name: string;
    /** The namespace the exemption covers. */
    readonly namespace: string;
    /** The team accountable for the exemption and its review. */
    readonly owner: string;
    /** The Pod Security Admission level the namespace enforces instead of `restricted`. */
    readonly podSecurity?: "privileged" | "baseline";
    /** The rules it lifts, by ID. */
    readonly policies: readonly ExemptionPolicyId[];
    /** Workloads the record covers (with a workload-level policy). */
    readonly workloads: readonly string[];
    /** Why the exemption is needed and what compensates for it. */
    readonly justification: string;
    /** The last day the exemption is valid (`YYYY-MM-DD`). */
    readonly expires: string;
}

/**
 * The exemptions whose expiry date lies before `today` (a date is valid through its whole day,
 * UTC). Components refuse to run with any.
 */
export function expiredExemptions<E extends Pick<AdmissionExemption, "expires">>(
    exemptions: readonly E[],
    today: Date,
): E[] {
    const day = today.toISOString().slice(0, 10);
    return exemptions.filter((e) => e.expires < day);
}
