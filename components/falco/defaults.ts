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

/** Defaults of {@link FalcoArgs}, in one place. */
export const falcoDefaults = {
    namespace: "falco",
    minimumPriority: "notice",
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
