import { requiredNamespaceLabels } from "../../contract/labels";
import type { PinnedChart } from "../shared/chart-source";

/**
 * The Gatekeeper chart, pinned to an exact version. Upstream publishes it only to this Helm
 * repository (no OCI); air-gapped sites point `charts.overrides.gatekeeper` or `charts.mirror` at
 * their own copy of the packaged chart.
 */
export const gatekeeperChart: PinnedChart = {
    name: "gatekeeper",
    version: "3.23.0",
    repository: "https://open-policy-agent.github.io/gatekeeper/charts",
};

/**
 * The one image the installed chart runs (controller-manager and audit). The chart's other images
 * (`gatekeeper-crds`, `curl`) belong to hook Jobs that Chart v4 never renders, so they are neither
 * deployed nor mirrored. The registry is spelt out rather than left to Docker Hub's implicit default.
 */
export const gatekeeperImage = {
    repository: "docker.io/openpolicyagent/gatekeeper",
    tag: "v3.23.0",
} as const;

/** Helm release name: fixes the names of the rendered objects (`gatekeeper-controller-manager`, ...). */
export const gatekeeperReleaseName = "gatekeeper";

/** Defaults of {@link GatekeeperArgs}, in one place. */
export const gatekeeperDefaults = {
    namespace: "gatekeeper-system",
    enforcementAction: "deny",
    failurePolicy: "Fail",
    replicas: 3,
    webhookTimeoutSeconds: 3,
    requireImageDigests: true,
    disallowedTags: ["latest"],
    requiredNamespaceLabels: [...requiredNamespaceLabels],
    exposedServiceNamespaces: [],
    allowedExternalIPs: [],
    allowedCapabilities: [],
    requiredLimits: ["cpu", "memory"],
    rbacWildcardExemptRoles: ["cluster-admin", "system:*", "gatekeeper-manager-role", "kyverno:*"],
} as const;

/** Requests and limits of Gatekeeper's own containers (the chart sets no CPU limit). */
export const gatekeeperResources = {
    controllerManager: {
        requests: { cpu: "100m", memory: "512Mi" },
        limits: { cpu: "1", memory: "512Mi" },
    },
    audit: {
        requests: { cpu: "100m", memory: "512Mi" },
        limits: { cpu: "1", memory: "1Gi" },
    },
} as const;

/** Prometheus metrics port of both Deployments (the chart's default, set explicitly). */
export const gatekeeperMetricsPort = 8888;
