import type { PinnedChart } from "../shared/chart-source";

/**
 * The cert-manager chart, pinned to an exact version. Jetstack's Helm repository serves the same
 * packaged release as `oci://quay.io/jetstack/charts/cert-manager`; air-gapped sites point
 * `charts.overrides.cert-manager` or `charts.mirror` at their copy.
 */
export const certManagerChart: PinnedChart = {
    name: "cert-manager",
    version: "v1.21.1",
    repository: "https://charts.jetstack.io",
};

/** cert-manager's application version: the tag of every image. */
export const certManagerAppVersion = "v1.21.1";

/**
 * The images the chart's values name, by values path. `acmesolver` runs only in ACME HTTP-01
 * solver pods the controller starts (the platform creates no ACME issuer), but the controller is
 * configured with it. `startupapicheck` belongs to a hook Job that Chart v4 never renders (see
 * render.ts); its values still point at the mirror and its digest, so no chart value names an
 * unpinned upstream image. All five are mirrored and pinned.
 */
export const certManagerImages = {
    controller: "quay.io/jetstack/cert-manager-controller",
    webhook: "quay.io/jetstack/cert-manager-webhook",
    cainjector: "quay.io/jetstack/cert-manager-cainjector",
    acmesolver: "quay.io/jetstack/cert-manager-acmesolver",
    startupapicheck: "quay.io/jetstack/cert-manager-startupapicheck",
} as const;

/** Helm release name: fixes the names of the rendered objects (`cert-manager-webhook`, ...). */
export const certManagerReleaseName = "cert-manager";

/** Defaults of {@link CertManagerArgs}, in one place. */
export const certManagerDefaults = {
    namespace: "cert-manager",
    replicas: 3,
    serviceMonitor: false,
    clusterIssuerName: "sovereign-internal-ca",
    ca: {
        commonName: "Sovereign Contour Internal CA",
        organization: "Sovereign Contour",
        ecdsaCurve: "P384",
        validityHours: 87600,
    },
} as const;

/** Requests and limits of cert-manager's own containers. */
export const certManagerResources = {
    controller: {
        requests: { cpu: "50m", memory: "128Mi" },
        limits: { cpu: "500m", memory: "512Mi" },
    },
    webhook: {
        requests: { cpu: "20m", memory: "64Mi" },
        limits: { cpu: "200m", memory: "128Mi" },
    },
    cainjector: {
        requests: { cpu: "20m", memory: "128Mi" },
        limits: { cpu: "200m", memory: "512Mi" },
    },
} as const;

/** Prometheus metrics port of the controller (the chart's default, set explicitly). */
export const certManagerMetricsPort = 9402;

/** Name of the Secret holding the internal CA (in cert-manager's namespace). */
export const caSecretName = "sovereign-internal-ca";
