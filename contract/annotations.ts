/**
 * Annotation keys shared by the components that set them and the rules that read them. One
 * definition each, as for the labels (`contract/labels.ts`).
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 */

/**
 * The pod-template annotation by which a workload asks for a service-account token; its value is the
 * reason (what the workload calls in the Kubernetes API), and must not be empty. Read by the
 * `service-account-token-opt-in` policy; set by the components on the chart workloads that call the
 * API, next to an explicit `automountServiceAccountToken: true`.
 */
export const serviceAccountTokenReasonAnnotation =
    "security.sovereign-contour.io/service-account-token-reason";

/**
 * The namespace annotation that records why a namespace runs below Pod Security restricted; set by
 * the components on the namespaces they create, listed by the check's report.
 */
export const exemptionReasonAnnotation = "security.sovereign-contour.io/pod-security-reason";
