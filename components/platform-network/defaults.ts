/**
 * Defaults of the platform namespaces' NetworkPolicies, and what the pinned charts put on their
 * pods: the labels the policies select them by and the ports they listen on. Every value was read
 * from the chart templates at the pinned versions and checked against their rendered output with
 * the project's values (`helm template`; pods and container ports).
 */
import { certManagerMetricsPort, certManagerReleaseName } from "../cert-manager/defaults";
import { falcoReleaseName, falcosidekickPort, falcosidekickReleaseName } from "../falco/defaults";
import { gatekeeperMetricsPort } from "../gatekeeper/defaults";
import { kyvernoMetricsPort, kyvernoReleaseName } from "../kyverno/defaults";

/** Defaults of {@link PlatformNetworkArgs}, in one place. */
export const platformNetworkDefaults = {
    /** Port the API server listens on: the `kubernetes` Service's endpoint port (kubeadm). */
    apiServerPort: 6443,
    /** Namespace Prometheus (and Alertmanager) run in. */
    monitoringNamespace: "monitoring",
} as const;

/** Object names inside each platform namespace (fixed, so runbooks can rely on them). */
export const networkObjectNames = {
    /** Default deny of both directions for every pod (the name Kyverno's generated policy has). */
    defaultDeny: "default-deny-all",
    /** DNS to the cluster DNS, for every pod (the tenants' name). */
    allowDns: "allow-dns",
    /** The flows of one workload. */
    allow: (workload: string) => `allow-${workload}`,
} as const;

/** Pod labels and ports of one workload of a chart. */
export interface ChartWorkload {
    /** The labels the chart puts on the pods (a subset that selects exactly this workload). */
    readonly podLabels: Readonly<Record<string, string>>;
    /** Ports the API server calls: admission webhooks. */
    readonly webhookPorts: readonly number[];
    /** Ports Prometheus scrapes. */
    readonly metricsPorts: readonly number[];
}

/**
 * Gatekeeper 3.23.0 (`templates/gatekeeper-controller-manager-deployment.yaml`,
 * `gatekeeper-audit-deployment.yaml`): the webhook server on `controllerManager.port` 8443, metrics
 * on `metricsPort` (set by the component), health on 9090 (kubelet probes only).
 */
export const gatekeeperWorkloads = {
    "controller-manager": {
        podLabels: { "control-plane": "controller-manager", "gatekeeper.sh/operation": "webhook" },
        webhookPorts: [8443],
        metricsPorts: [gatekeeperMetricsPort],
    },
    audit: {
        podLabels: { "control-plane": "audit-controller", "gatekeeper.sh/operation": "audit" },
        webhookPorts: [],
        metricsPorts: [gatekeeperMetricsPort],
    },
} as const satisfies Record<string, ChartWorkload>;

/** The selector labels Kyverno 3.9.0 gives a controller's pods (`kyverno.<controller>.matchLabels`). */
function kyvernoPods(component: string): Record<string, string> {
    return {
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/instance": kyvernoReleaseName,
        "app.kubernetes.io/part-of": "kyverno",
    };
}

/**
 * Kyverno 3.9.0: the admission controller's webhook server on `admissionController.webhookServer.port`
 * 9443, the cleanup controller's on `cleanupController.server.port` 9443; every controller serves
 * metrics on the port the component sets.
 */
export const kyvernoWorkloads = {
    "admission-controller": {
        podLabels: kyvernoPods("admission-controller"),
        webhookPorts: [9443],
        metricsPorts: [kyvernoMetricsPort],
    },
    "background-controller": {
        podLabels: kyvernoPods("background-controller"),
        webhookPorts: [],
        metricsPorts: [kyvernoMetricsPort],
    },
    "cleanup-controller": {
        podLabels: kyvernoPods("cleanup-controller"),
        webhookPorts: [9443],
        metricsPorts: [kyvernoMetricsPort],
    },
    "reports-controller": {
        podLabels: kyvernoPods("reports-controller"),
        webhookPorts: [],
        metricsPorts: [kyvernoMetricsPort],
    },
} as const satisfies Record<string, ChartWorkload>;

/** The selector labels cert-manager v1.21.1 gives a Deployment's pods. */
function certManagerPods(name: string, component: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": certManagerReleaseName,
        "app.kubernetes.io/component": component,
    };
}

/**
 * cert-manager v1.21.1: the webhook serves admission on `webhook.securePort` 10250; the three
 * Deployments serve metrics on 9402 (`prometheus.enabled`).
 */
export const certManagerWorkloads = {
    controller: {
        podLabels: certManagerPods("cert-manager", "controller"),
        webhookPorts: [],
        metricsPorts: [certManagerMetricsPort],
    },
    cainjector: {
        podLabels: certManagerPods("cainjector", "cainjector"),
        webhookPorts: [],
        metricsPorts: [certManagerMetricsPort],
    },
    webhook: {
        podLabels: certManagerPods("webhook", "webhook"),
        webhookPorts: [10250],
        metricsPorts: [certManagerMetricsPort],
    },
} as const satisfies Record<string, ChartWorkload>;

/** The label linkerd-control-plane edge-26.8.3 puts on each control-plane component's pods. */
export const linkerdComponentLabel = "linkerd.io/control-plane-component";

/** The proxy's admin port (metrics) in every meshed pod, the control plane's own included. */
export const linkerdProxyAdminPort = 4191;

/**
 * linkerd-control-plane edge-26.8.3 (`templates/destination.yaml`, `identity.yaml`,
 * `proxy-injector.yaml`), by `linkerd.io/control-plane-component`:
 * - destination: discovery on 8086, policy on 8090 (what meshed proxies call); the sp-validator
 *   (8443) and policy-validator (9443) webhooks; admin (metrics) on 9996, 9997 and 9990;
 * - identity: certificates on 8080; admin on 9990;
 * - proxy-injector: the injector webhook on 8443; admin on 9995.
 * Each pod also runs a proxy (admin 4191). `serves` are the ports meshed proxies connect to.
 */
export const linkerdWorkloads = {
    destination: {
        component: "destination",
        serves: [8086, 8090],
        webhookPorts: [8443, 9443],
        metricsPorts: [9990, 9996, 9997, linkerdProxyAdminPort],
    },
    identity: {
        component: "identity",
        serves: [8080],
        webhookPorts: [],
        metricsPorts: [9990, linkerdProxyAdminPort],
    },
    "proxy-injector": {
        component: "proxy-injector",
        serves: [],
        webhookPorts: [8443],
        metricsPorts: [9995, linkerdProxyAdminPort],
    },
} as const;

/**
 * Falco 9.1.0: the DaemonSet's pods (`app.kubernetes.io/name`/`instance`), whose webserver
 * serves `/metrics` (and `/healthz` for the kubelet) on `falco.webserver.listen_port` 8765.
 */
export const falcoPods = {
    podLabels: {
        "app.kubernetes.io/name": "falco",
        "app.kubernetes.io/instance": falcoReleaseName,
    },
    webPort: 8765,
} as const;

/**
 * falcosidekick 0.14.0: Falco's alerts and Prometheus' scrapes on `config.listenport` 2801 (TLS,
 * set by the Falco component); the plain `/ping` port 2810 serves only kubelet probes.
 */
export const falcosidekickPods = {
    podLabels: {
        "app.kubernetes.io/name": "falcosidekick",
        "app.kubernetes.io/instance": falcosidekickReleaseName,
    },
    port: falcosidekickPort,
} as const;
