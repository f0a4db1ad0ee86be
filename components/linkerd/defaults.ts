import type { PinnedChart } from "../shared/chart-source";

/** Linkerd's edge release: the app version of the control plane and the tag of its images. */
export const linkerdVersion = "edge-26.8.3";

/** Linkerd's Helm repository for edge releases (the only channel the project packages charts for). */
const linkerdRepository = "https://helm.linkerd.io/edge";

/**
 * The three Linkerd charts, pinned to the exact chart version of {@link linkerdVersion}
 * (`yyyy.m.n`). The CNI chart is named `linkerd2-cni`.
 */
export const linkerdCharts: Readonly<Record<"crds" | "controlPlane" | "cni", PinnedChart>> = {
    crds: { name: "linkerd-crds", version: "2026.8.3", repository: linkerdRepository },
    controlPlane: {
        name: "linkerd-control-plane",
        version: "2026.8.3",
        repository: linkerdRepository,
    },
    cni: { name: "linkerd2-cni", version: "2026.8.3", repository: linkerdRepository },
};

/**
 * The images the installed charts run or inject. `proxy` is injected into every meshed workload
 * (and runs the network validator), `debug` only into workloads that ask for the debug sidecar.
 * The CNI plugin has its own version (not the app version).
 */
export const linkerdImages = {
    controller: { name: "cr.l5d.io/linkerd/controller", version: linkerdVersion },
    proxy: { name: "cr.l5d.io/linkerd/proxy", version: linkerdVersion },
    debug: { name: "cr.l5d.io/linkerd/debug", version: linkerdVersion },
    cni: { name: "cr.l5d.io/linkerd/cni-plugin", version: "v1.7.0-alpha.1" },
} as const;

/** Helm release names. */
export const linkerdReleaseNames = {
    crds: "linkerd-crds",
    controlPlane: "linkerd-control-plane",
    cni: "linkerd-cni",
} as const;

/** Defaults of {@link LinkerdArgs}, in one place. */
export const linkerdDefaults = {
    namespace: "linkerd",
    cniNamespace: "linkerd-cni",
    highAvailability: true,
    injectorFailurePolicy: "Fail",
    defaultInboundPolicy: "all-authenticated",
    trustDomain: "cluster.local",
    trustAnchorValidityHours: 87600,
    trustAnchors: { trusted: ["root-1"], signing: "root-1" },
    identityIssuer: { duration: "48h0m0s", renewBefore: "25h0m0s" },
    podMonitor: false,
    injectorExcludedNamespaces: ["cert-manager", "kube-node-lease", "kube-public", "kube-system"],
} as const;

/**
 * Object names the chart expects: the trust anchor Secret and its CA Issuer, the identity issuer
 * Certificate and Secret (read with `identity.issuer.scheme: kubernetes.io/tls`), and the webhook
 * Certificates whose Secrets the chart mounts (`<service>-k8s-tls`).
 */
export const linkerdObjectNames = {
    trustAnchorSecret: "linkerd-trust-anchor",
    trustAnchorIssuer: "linkerd-trust-anchor",
    identityIssuer: "linkerd-identity-issuer",
    webhooks: {
        proxyInjector: "linkerd-proxy-injector",
        profileValidator: "linkerd-sp-validator",
        policyValidator: "linkerd-policy-validator",
    },
} as const;

/** Webhook serving certificates: lifetime and renewal (cert-manager durations). */
export const webhookCertificateLifetime = {
    duration: "2160h0m0s",
    renewBefore: "720h0m0s",
} as const;

/** Lifetime of the workload certificates the identity controller issues (the chart's default). */
export const workloadCertificateLifetime = "24h0m0s";

/**
 * Requests and limits of the control plane's containers, in the chart's format. The injected proxy
 * keeps the chart's defaults (the tenant's LimitRange applies to it).
 */
export const linkerdResources = {
    controller: {
        cpu: { request: "100m", limit: "1" },
        memory: { request: "64Mi", limit: "250Mi" },
    },
    proxy: {
        cpu: { request: "100m", limit: "1" },
        memory: { request: "32Mi", limit: "250Mi" },
    },
    /**
     * The CNI DaemonSet's `install-cni` container: it copies the plugin and its configuration onto
     * the node, then watches them (the plugin itself runs in the kubelet, outside the container).
     */
    cni: {
        cpu: { request: "10m", limit: "100m" },
        memory: { request: "32Mi", limit: "64Mi" },
    },
} as const;
