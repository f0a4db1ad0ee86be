import type { PinnedChart } from "../shared/chart-source";

/**
 * The Falco chart, pinned to an exact version. The packaged chart from the repository bundles its
 * (disabled) dependencies; a git checkout does not, so air-gapped sites mirror the packaged chart
 * (`charts.overrides.falco` or `charts.mirror`).
 */
export const falcoChart: PinnedChart = {
    name: "falco",
    version: "9.1.0",
    repository: "https://falcosecurity.github.io/charts",
};

/**
 * The falcosidekick chart, installed on its own at an exact version rather than as the Falco
 * chart's subchart (whose version is a range, `0.12.*`, resolved when the Falco chart was packaged).
 */
export const falcosidekickChart: PinnedChart = {
    name: "falcosidekick",
    version: "0.14.0",
    repository: "https://falcosecurity.github.io/charts",
};

/**
 * The images the installed charts run. With `driver.kind: modern_ebpf` there is no driver-loader
 * init container, and with both falcoctl switches off no falcoctl container: neither image is
 * deployed nor mirrored.
 */
export const falcoImages = {
    falco: { registry: "docker.io", repository: "falcosecurity/falco", tag: "0.44.1" },
    falcosidekick: {
        registry: "docker.io",
        repository: "falcosecurity/falcosidekick",
        tag: "2.32.0",
    },
} as const;

/** Helm release names: fix the names of the rendered objects (`falco`, `falcosidekick`). */
export const falcoReleaseName = "falco";
export const falcosidekickReleaseName = "falcosidekick";

/** Port falcosidekick listens on for Falco's HTTP output (the chart's default). */
export const falcosidekickPort = 2801;

/**
 * The container runtimes Falco can take container and pod metadata from, each with the one socket
 * Falco mounts (read-only) and the container plugin's engine that speaks to it. The socket paths
 * are the Falco chart 9.1.0 defaults (`collectors.containerEngine.engines`): containerd and CRI-O
 * through their CRI API (`cri` engine, which also gives the pod's name and namespace), Docker
 * (cri-dockerd nodes) through the Docker API.
 */
export const falcoContainerRuntimes = {
    containerd: { engine: "cri", socket: "/run/containerd/containerd.sock" },
    crio: { engine: "cri", socket: "/run/crio/crio.sock" },
    docker: { engine: "docker", socket: "/var/run/docker.sock" },
} as const;

/** A container runtime of {@link falcoContainerRuntimes}. */
export type FalcoContainerRuntime = keyof typeof falcoContainerRuntimes;

/**
 * The container plugin's engines, in the chart's order (`collectors.containerEngine.engines`).
 * Every one is listed so that only the configured runtime's engine is on: an engine left out would
 * keep the plugin's own default (on).
 */
export const falcoContainerEngines = [
    "docker",
    "podman",
    "containerd",
    "cri",
    "lxc",
    "libvirt_lxc",
    "bpm",
] as const;

/**
 * Falco's own ServiceAccount, created by the component with `automountServiceAccountToken: false`
 * (chart 9.1.0 cannot render that field on the pod or its ServiceAccount). Named apart from the
 * chart's `falco` so that replacing the chart's account never deletes the new one.
 */
export const falcoServiceAccountName = "falco-agent";

/**
 * falcosidekick's serving certificate (cert-manager, from the platform's internal CA): the
 * Certificate's name and the `kubernetes.io/tls` Secret it writes (`tls.crt`, `tls.key`, `ca.crt`)
 * in Falco's namespace. falcosidekick mounts the Secret; Falco mounts only its `ca.crt`.
 */
export const falcosidekickTls = {
    certificateName: "falcosidekick-tls",
    secretName: "falcosidekick-tls",
    /** Lifetime and renewal (cert-manager durations). */
    duration: "2160h0m0s",
    renewBefore: "720h0m0s",
} as const;

/** Where Falco finds the CA that verifies falcosidekick (the Secret's `ca.crt` alone). */
export const falcosidekickCaMount = {
    volume: "falcosidekick-ca",
    directory: "/etc/falco/falcosidekick-ca",
    file: "/etc/falco/falcosidekick-ca/ca.crt",
} as const;

/** Where falcosidekick's chart mounts `config.tlsserver.existingSecret`. */
export const falcosidekickCertDirectory = "/etc/certs/server";

/** The path where the API server's ServiceAccount admission plugin mounts a token. */
export const serviceAccountTokenPath = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Defaults of {@link FalcoArgs}, in one place. */
export const falcoDefaults = {
    namespace: "falco",
    minimumPriority: "notice",
    containerRuntime: "containerd",
    alertMode: "falcosidekick",
    alertMinimumPriority: "warning",
    sidekickReplicas: 2,
    metrics: true,
    prometheusOperator: false,
    modelReaders: [
        "python",
        "python3",
        "tritonserver",
        "vllm",
        "torchserve",
        "text-generation",
        "ollama",
    ],
} as const;

/** Requests and limits of Falco's and falcosidekick's containers. */
export const falcoResources = {
    falco: {
        requests: { cpu: "100m", memory: "512Mi" },
        limits: { cpu: "1", memory: "1Gi" },
    },
    falcosidekick: {
        requests: { cpu: "20m", memory: "64Mi" },
        limits: { cpu: "200m", memory: "128Mi" },
    },
} as const;

/** Name of the ConfigMap key (and file under /etc/falco/rules.d) holding the platform's rules. */
export const sovereignRulesFileName = "sovereign-ai-rules.yaml";
