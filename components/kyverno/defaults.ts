import type { PinnedChart } from "../shared/chart-source";

/**
 * The Kyverno chart, pinned to an exact version. The packaged chart from the repository bundles
 * its dependencies (`crds`, `kyverno-api`); a git checkout does not, so air-gapped sites mirror the
 * packaged chart (`charts.overrides.kyverno` or `charts.mirror`).
 */
export const kyvernoChart: PinnedChart = {
    name: "kyverno",
    version: "3.9.0",
    repository: "https://kyverno.github.io/kyverno/",
};

/** Kyverno's application version: the tag of every controller image. */
export const kyvernoAppVersion = "v1.19.0";

/** Upstream registry of the controller images (the chart's `defaultRegistry`). */
export const kyvernoRegistry = "reg.kyverno.io";

/**
 * The images the installed chart runs, by values path (under {@link kyvernoRegistry}). The
 * `kyverno-cli` image of the (switched off) migration hook is neither deployed nor mirrored.
 */
export const kyvernoImages = {
    admissionController: "kyverno/kyverno",
    admissionInit: "kyverno/kyvernopre",
    backgroundController: "kyverno/background-controller",
    cleanupController: "kyverno/cleanup-controller",
    reportsController: "kyverno/reports-controller",
} as const;

/**
 * The readiness checker of the pre-delete hooks (`webhooksCleanup.image`) and the test pods and
 * reports-server wait (`test.image`). The chart names it in ghcr.io, not {@link kyvernoRegistry},
 * and Chart v4 renders none of those objects; the values still point it at the mirror, pinned at
 * the app version (the test image would default to `latest`) and by digest.
 */
export const kyvernoReadinessCheckerImage = {
    registry: "ghcr.io",
    repository: "kyverno/readiness-checker",
    tag: kyvernoAppVersion,
} as const;

/** Helm release name: fixes the names of the rendered objects and runtime webhooks. */
export const kyvernoReleaseName = "kyverno";

/** Defaults of {@link KyvernoArgs}, in one place. */
export const kyvernoDefaults = {
    namespace: "kyverno",
    validationFailureAction: "Enforce",
    failurePolicy: "Fail",
    replicas: 3,
    webhookTimeoutSeconds: 10,
    imageVerificationTimeoutSeconds: 30,
    podSecurityLevel: "restricted",
    generateDefaultDeny: true,
} as const;

/** Requests and limits of Kyverno's own containers. */
export const kyvernoResources = {
    admissionController: {
        requests: { cpu: "100m", memory: "128Mi" },
        limits: { cpu: "1", memory: "384Mi" },
    },
    admissionInit: {
        requests: { cpu: "10m", memory: "64Mi" },
        limits: { cpu: "100m", memory: "256Mi" },
    },
    backgroundController: {
        requests: { cpu: "100m", memory: "64Mi" },
        limits: { cpu: "500m", memory: "256Mi" },
    },
    cleanupController: {
        requests: { cpu: "100m", memory: "64Mi" },
        limits: { cpu: "500m", memory: "128Mi" },
    },
    reportsController: {
        requests: { cpu: "100m", memory: "64Mi" },
        limits: { cpu: "500m", memory: "256Mi" },
    },
} as const;

/** Prometheus metrics port of every controller (the chart's default, set explicitly). */
export const kyvernoMetricsPort = 8000;
