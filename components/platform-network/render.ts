/**
 * Pure render functions of the platform's network isolation: what each platform workload talks to
 * and hears from, and the NetworkPolicies of a platform namespace (default deny, DNS, then one
 * policy per workload with exactly its flows). No resources are created here.
 */
import type * as k8s from "@pulumi/kubernetes";
import { platformLabels } from "../shared/labels";
import {
    dnsEgressRule,
    namespaceSelector,
    type RenderedNetworkPolicy,
} from "../tenant-namespace/render";
import {
    cidrProblem,
    Endpoint,
    endpointOfUrl,
    isDnsName,
    locateHost,
    registryEndpoint,
} from "./addresses";
import {
    certManagerWorkloads,
    ChartWorkload,
    falcoPods,
    falcosidekickPods,
    gatekeeperWorkloads,
    kyvernoWorkloads,
    linkerdComponentLabel,
    linkerdWorkloads,
    networkObjectNames,
} from "./defaults";

export type { RenderedNetworkPolicy } from "../tenant-namespace/render";

/** Labels on every NetworkPolicy of the platform namespaces. */
export const platformNetworkLabels = platformLabels("platform-network");

/** Pod labels (a selector's `matchLabels`). */
export type Labels = Readonly<Record<string, string>>;

/** One destination or source port of a flow. */
export interface FlowPort {
    readonly port: number;
    /** @default "TCP" */
    readonly protocol?: "TCP" | "UDP";
}

/**
 * The far end of a flow (the API server and the monitoring namespace have their own fields):
 * - `pods`: pods of the policy's own namespace with these labels (`{}`: every pod there);
 * - `namespace`: a namespace by its immutable `kubernetes.io/metadata.name`, optionally only the
 *   pods with `pods` labels;
 * - `host`: a host name or IP literal, located with `locateHost` (listed address blocks, the
 *   namespace of a Service name, or nowhere).
 */
export type FlowPeer =
    | { readonly kind: "pods"; readonly pods: Labels }
    | { readonly kind: "namespace"; readonly namespace: string; readonly pods?: Labels }
    | { readonly kind: "host"; readonly host: string };

/** Traffic allowed between a workload and its peers on the given ports. */
export interface Flow {
    readonly peers: readonly FlowPeer[];
    readonly ports: readonly FlowPort[];
}

/** One workload of a platform namespace and every flow it needs. */
export interface PlatformWorkload {
    /** Name in its policy's name (`allow-<name>`): a DNS-1123 label. */
    readonly name: string;
    /** The labels the chart puts on the workload's pods; never empty. */
    readonly podLabels: Labels;
    /** Talks to the Kubernetes API (egress to the API server). */
    readonly apiServer: boolean;
    /** Ports the API server calls (admission webhooks). */
    readonly webhookPorts: readonly number[];
    /** Ports Prometheus scrapes from the monitoring namespace. */
    readonly metricsPorts: readonly number[];
    /** Further allowed inbound traffic. */
    readonly ingress: readonly Flow[];
    /** Further allowed outbound traffic. */
    readonly egress: readonly Flow[];
}

/** Where the API server is, as pods reach it (after the `kubernetes` Service is translated). */
export interface ApiServerAddresses {
    /** Address blocks of the API server endpoints; empty: no pod may reach the API. */
    readonly cidrs: readonly string[];
    readonly port: number;
}

/** Everything the NetworkPolicies of one platform namespace are rendered from. */
export interface NamespaceNetworkSpec {
    readonly namespace: string;
    readonly apiServer: ApiServerAddresses;
    readonly monitoringNamespace: string;
    /** Address blocks of hosts outside the cluster, by host name. */
    readonly externalHosts: Readonly<Record<string, readonly string[]>>;
    readonly workloads: readonly PlatformWorkload[];
}

/** A workload from a chart's pod labels and ports, with the API access it needs. */
function chartWorkload(
    name: string,
    chart: ChartWorkload,
    extra: Partial<Pick<PlatformWorkload, "ingress" | "egress">> = {},
): PlatformWorkload {
    return {
        name,
        podLabels: { ...chart.podLabels },
        apiServer: true,
        webhookPorts: [...chart.webhookPorts],
        metricsPorts: [...chart.metricsPorts],
        ingress: extra.ingress ?? [],
        egress: extra.egress ?? [],
    };
}

/** TCP ports of a flow. */
function tcp(...ports: number[]): FlowPort[] {
    return ports.map((port) => ({ port }));
}

/**
 * Gatekeeper: the controller-manager (the admission webhook) and audit both watch and write
 * through the API; nothing else (external data, violation export and `http.send` are off).
 */
export function gatekeeperNetworkWorkloads(): PlatformWorkload[] {
    return Object.entries(gatekeeperWorkloads).map(([name, chart]) => chartWorkload(name, chart));
}

/**
 * Kyverno: all four controllers talk to the API; the admission and cleanup controllers serve
 * webhooks. The admission controller alone verifies image signatures (the verifying policy runs
 * at admission only, `background: false`), so it alone reaches the registries (and Rekor) named by
 * `verifyEndpoints`.
 */
export function kyvernoNetworkWorkloads(verifyEndpoints: readonly Endpoint[]): PlatformWorkload[] {
    return Object.entries(kyvernoWorkloads).map(([name, chart]) =>
        chartWorkload(name, chart, {
            egress: name === "admission-controller" ? endpointFlows(verifyEndpoints) : [],
        }),
    );
}

/**
 * cert-manager: controller, cainjector and webhook all talk to the API; the webhook serves the
 * admission webhooks. No ACME issuer exists on the platform, so the controller reaches nothing
 * outside the cluster.
 */
export function certManagerNetworkWorkloads(): PlatformWorkload[] {
    return Object.entries(certManagerWorkloads).map(([name, chart]) => chartWorkload(name, chart));
}

/** The selector of a Linkerd control-plane component's pods. */
function linkerdPods(component: string): Labels {
    return { [linkerdComponentLabel]: component };
}

/**
 * Linkerd's control plane: destination, identity and proxy-injector talk to the API; the API
 * server calls the proxy injector and the two validators. Every meshed proxy, the control plane's
 * own (each of its pods runs one) and those of the meshed tenants, calls identity (8080) and
 * destination (8086, 8090): the same ports the tenants' `allow-linkerd-control-plane` opens.
 */
export function linkerdNetworkWorkloads(meshedNamespaces: readonly string[]): PlatformWorkload[] {
    const proxies: FlowPeer[] = [
        { kind: "pods", pods: {} },
        ...[...new Set(meshedNamespaces)]
            .sort()
            .map((namespace): FlowPeer => ({ kind: "namespace", namespace })),
    ];
    const controlPlane: Flow[] = Object.values(linkerdWorkloads)
        .filter((w) => w.serves.length > 0)
        .map((w) => ({
            peers: [{ kind: "pods", pods: linkerdPods(w.component) }],
            ports: tcp(...w.serves),
        }));
    return Object.entries(linkerdWorkloads).map(([name, w]) => ({
        name,
        podLabels: linkerdPods(w.component),
        apiServer: true,
        webhookPorts: [...w.webhookPorts],
        metricsPorts: [...w.metricsPorts],
        ingress: w.serves.length > 0 ? [{ peers: proxies, ports: tcp(...w.serves) }] : [],
        egress: controlPlane,
    }));
}

/**
 * The Linkerd CNI namespace: `install-cni` only copies the plugin and writes its configuration and
 * kubeconfig on the node (hostPath); it opens no connection. The plugin itself calls the API from
 * the node's network namespace, which no NetworkPolicy governs. The repair controller (which
 * would talk to the API) is off. So no workload needs a flow: default deny and DNS only.
 */
export function linkerdCniNetworkWorkloads(): PlatformWorkload[] {
    return [];
}

/** Falco's alert routing, as far as the network is concerned. */
export interface FalcoAlertRouting {
    readonly mode: "falcosidekick" | "http" | "stdout";
    /** Receiver of Falco's HTTP output (mode `http`). */
    readonly httpUrl?: string;
    /** falcosidekick's outputs (mode `falcosidekick`). */
    readonly outputs: {
        readonly alertmanagerUrl?: string;
        readonly webhookUrl?: string;
        readonly syslog?: {
            readonly host: string;
            readonly port: number;
            readonly protocol: "tcp" | "udp";
        };
    };
}

/**
 * A destination a platform workload must reach, with the setting that names it (a path in the
 * stack settings, for error messages).
 */
export interface NamedDestination {
    readonly workload: string;
    readonly endpoint: Endpoint;
    readonly path: readonly (string | number)[];
}

/**
 * Where Falco's alerts go: to falcosidekick (inside the namespace) and from there to each
 * configured output, or from Falco straight to the `http` receiver.
 */
export function falcoDestinations(alerts: FalcoAlertRouting): NamedDestination[] {
    const out: NamedDestination[] = [];
    const url = (workload: string, value: string | undefined, path: string[]): void => {
        const endpoint = value !== undefined ? endpointOfUrl(value) : undefined;
        if (endpoint !== undefined) {
            out.push({ workload, endpoint, path: ["falco", "alerts", ...path] });
        }
    };
    if (alerts.mode === "http") {
        url("falco", alerts.httpUrl, ["httpUrl"]);
    }
    if (alerts.mode === "falcosidekick") {
        url("falcosidekick", alerts.outputs.alertmanagerUrl, ["outputs", "alertmanagerUrl"]);
        url("falcosidekick", alerts.outputs.webhookUrl, ["outputs", "webhookUrl"]);
        const syslog = alerts.outputs.syslog;
        if (syslog !== undefined) {
            out.push({
                workload: "falcosidekick",
                endpoint: {
                    host: syslog.host.replace(/^\[(.*)\]$/, "$1"),
                    port: syslog.port,
                    protocol: syslog.protocol === "udp" ? "UDP" : "TCP",
                },
                path: ["falco", "alerts", "outputs", "syslog", "host"],
            });
        }
    }
    return out;
}

/** What Falco's namespace runs: the alert routing and whether Falco serves metrics. */
export interface FalcoNetworkInput {
    readonly alerts: FalcoAlertRouting;
    readonly metrics: boolean;
}

/**
 * Falco's namespace. Falco itself never talks to the API (the Kubernetes metadata collector is
 * off and no pod mounts a token; container metadata comes from the runtime's socket on the node):
 * it posts alerts to falcosidekick, or to the `http` receiver, and serves metrics. falcosidekick
 * (mode `falcosidekick` only) hears Falco and Prometheus on its one port and reaches each output.
 */
export function falcoNetworkWorkloads(input: FalcoNetworkInput): PlatformWorkload[] {
    const destinations = falcoDestinations(input.alerts);
    const to = (workload: string): Flow[] =>
        endpointFlows(destinations.filter((d) => d.workload === workload).map((d) => d.endpoint));
    const sidekick = input.alerts.mode === "falcosidekick";
    const falco: PlatformWorkload = {
        name: "falco",
        podLabels: { ...falcoPods.podLabels },
        apiServer: false,
        webhookPorts: [],
        metricsPorts: input.metrics ? [falcoPods.webPort] : [],
        ingress: [],
        egress: sidekick
            ? [
                  {
                      peers: [{ kind: "pods", pods: { ...falcosidekickPods.podLabels } }],
                      ports: tcp(falcosidekickPods.port),
                  },
              ]
            : to("falco"),
    };
    if (!sidekick) {
        return [falco];
    }
    return [
        falco,
        {
            name: "falcosidekick",
            podLabels: { ...falcosidekickPods.podLabels },
            apiServer: false,
            webhookPorts: [],
            metricsPorts: [falcosidekickPods.port],
            ingress: [
                {
                    peers: [{ kind: "pods", pods: { ...falcoPods.podLabels } }],
                    ports: tcp(falcosidekickPods.port),
                },
            ],
            egress: to("falcosidekick"),
        },
    ];
}

/** Image verification as far as the network is concerned (Kyverno's settings). */
export interface ImageVerificationRouting {
    readonly enabled: boolean;
    /** Image patterns to verify; unset: `allowedRegistries`, plus the mirror. */
    readonly imageReferences?: readonly string[];
    readonly rekorUrl?: string;
    readonly keyless?: { readonly rekorUrl: string };
    readonly allowedRegistries: readonly string[];
    /** `images.mirror`: its host serves the mirrored copy of every verified image. */
    readonly mirror?: string;
}

/**
 * The registries (and Rekor instances) Kyverno's admission controller fetches signatures and
 * digests from: the host of each verified image pattern (the allowed registries, and the mirror
 * when the patterns are derived), and the Rekor URLs. A pattern that names no host (`*`, a
 * wildcard host, a Docker Hub short name) cannot be located and is left out: its signatures
 * cannot be fetched, so verification fails closed for those images.
 */
export function kyvernoDestinations(iv: ImageVerificationRouting): NamedDestination[] {
    if (!iv.enabled) {
        return [];
    }
    const out: NamedDestination[] = [];
    const add = (endpoint: Endpoint | undefined, path: (string | number)[]): void => {
        if (endpoint !== undefined) {
            out.push({ workload: "admission-controller", endpoint, path });
        }
    };
    if (iv.imageReferences !== undefined) {
        iv.imageReferences.forEach((ref, i) =>
            add(registryEndpoint(ref), ["kyverno", "imageVerification", "imageReferences", i]),
        );
    } else {
        iv.allowedRegistries.forEach((ref, i) =>
            add(registryEndpoint(ref), ["workloads", "allowedRegistries", i]),
        );
        if (iv.mirror !== undefined && iv.allowedRegistries.length > 0) {
            add(registryEndpoint(`${iv.mirror}/`), ["images", "mirror"]);
        }
    }
    if (iv.rekorUrl !== undefined) {
        add(endpointOfUrl(iv.rekorUrl), ["kyverno", "imageVerification", "rekorUrl"]);
    }
    if (iv.keyless !== undefined) {
        add(endpointOfUrl(iv.keyless.rekorUrl), [
            "kyverno",
            "imageVerification",
            "keyless",
            "rekorUrl",
        ]);
    }
    const seen = new Set<string>();
    return out.filter((d) => {
        const key = `${d.endpoint.host}:${d.endpoint.port}`;
        return seen.has(key) ? false : (seen.add(key), true);
    });
}

/** One flow per endpoint (same host and port merged), each to that host. */
function endpointFlows(endpoints: readonly Endpoint[]): Flow[] {
    const byHost = new Map<string, FlowPort[]>();
    for (const e of endpoints) {
        const ports = byHost.get(e.host) ?? [];
        if (!ports.some((p) => p.port === e.port && (p.protocol ?? "TCP") === e.protocol)) {
            ports.push(e.protocol === "TCP" ? { port: e.port } : { port: e.port, protocol: "UDP" });
        }
        byHost.set(e.host, ports);
    }
    return [...byHost].map(([host, ports]) => ({ peers: [{ kind: "host", host }], ports }));
}

/**
 * Where a destination setting's host lies, as a settings or component error when no
 * NetworkPolicy could reach it; undefined when it can be reached.
 */
export function unreachableDestination(
    destination: NamedDestination,
    externalHosts: Readonly<Record<string, readonly string[]>>,
): string | undefined {
    const { host, port } = destination.endpoint;
    if (locateHost(host, externalHosts).kind !== "unknown") {
        return undefined;
    }
    return (
        `host "${host}" lies outside the cluster and network.externalHosts lists no address ` +
        `for it, so ${destination.workload} could not reach it (port ${port}): add ` +
        `network.externalHosts["${host}"] with the address blocks it resolves to`
    );
}

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

/** A pod selector: `{}` (every pod) for no labels, else the labels. */
function selector(labels: Labels): k8s.types.input.meta.v1.LabelSelector {
    return Object.keys(labels).length === 0 ? {} : { matchLabels: { ...labels } };
}
type Rule = { peers: Peer[]; ports: k8s.types.input.networking.v1.NetworkPolicyPort[] };

/** The NetworkPolicy peers of a flow peer; none for a host no policy can reach. */
function peersOf(peer: FlowPeer, spec: NamespaceNetworkSpec): Peer[] {
    switch (peer.kind) {
        case "pods":
            return [{ podSelector: selector(peer.pods) }];
        case "namespace":
            return [
                {
                    namespaceSelector: namespaceSelector(peer.namespace),
                    ...(peer.pods !== undefined ? { podSelector: selector(peer.pods) } : {}),
                },
            ];
        case "host": {
            const where = locateHost(peer.host, spec.externalHosts);
            switch (where.kind) {
                case "cidrs":
                    return [...new Set(where.cidrs)].map((cidr) => ({ ipBlock: { cidr } }));
                case "namespace":
                    return where.namespace === spec.namespace
                        ? [{ podSelector: {} }]
                        : [{ namespaceSelector: namespaceSelector(where.namespace) }];
                case "own-namespace":
                    return [{ podSelector: {} }];
                case "unknown":
                    return [];
            }
        }
    }
}

function ports(list: readonly FlowPort[]): k8s.types.input.networking.v1.NetworkPolicyPort[] {
    return list.map((p) => ({ protocol: p.protocol ?? "TCP", port: p.port }));
}

/**
 * The rules of one workload: ingress from the API server to the webhook ports, from the monitoring
 * namespace to the metrics ports, then its own flows; egress to the API server, then its own
 * flows. A rule whose peers resolve to nothing is left out: an empty `from`/`to` would allow every
 * peer.
 */
function workloadRules(w: PlatformWorkload, spec: NamespaceNetworkSpec): [Rule[], Rule[]] {
    const apiServer: Peer[] = [...new Set(spec.apiServer.cidrs)].map((cidr) => ({
        ipBlock: { cidr },
    }));
    const monitoring: Peer[] = [{ namespaceSelector: namespaceSelector(spec.monitoringNamespace) }];
    const flows = (list: readonly Flow[]): Rule[] =>
        list.map((f) => ({
            peers: f.peers.flatMap((p) => peersOf(p, spec)),
            ports: ports(f.ports),
        }));
    const ingress: Rule[] = [
        ...(w.webhookPorts.length > 0
            ? [{ peers: apiServer, ports: ports(tcpPorts(w.webhookPorts)) }]
            : []),
        ...(w.metricsPorts.length > 0
            ? [{ peers: monitoring, ports: ports(tcpPorts(w.metricsPorts)) }]
            : []),
        ...flows(w.ingress),
    ];
    const egress: Rule[] = [
        ...(w.apiServer
            ? [{ peers: apiServer, ports: ports(tcpPorts([spec.apiServer.port])) }]
            : []),
        ...flows(w.egress),
    ];
    const usable = (r: Rule): boolean => r.peers.length > 0 && r.ports.length > 0;
    return [ingress.filter(usable), egress.filter(usable)];
}

/** Each port once, in ascending order. */
function tcpPorts(list: readonly number[]): FlowPort[] {
    return [...new Set(list)].sort((a, b) => a - b).map((port) => ({ port }));
}

function networkPolicy(
    spec: NamespaceNetworkSpec,
    name: string,
    body: k8s.types.input.networking.v1.NetworkPolicySpec,
): k8s.networking.v1.NetworkPolicyArgs {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace: spec.namespace, labels: { ...platformNetworkLabels } },
        spec: body,
    };
}

/**
 * The NetworkPolicies of one platform namespace, in creation order: default deny of ingress and
 * egress for every pod (CIS 5.3.2), DNS to the cluster DNS (as the tenants have it), then one
 * policy per workload that needs any traffic, selecting its pods by the chart's labels and
 * allowing exactly its flows. Nothing else is ever opened: no rule without peers, no `/0` block.
 */
export function renderNetworkPolicies(spec: NamespaceNetworkSpec): RenderedNetworkPolicy[] {
    const policies: RenderedNetworkPolicy[] = [
        {
            role: "default-deny",
            object: networkPolicy(spec, networkObjectNames.defaultDeny, {
                podSelector: {},
                policyTypes: ["Ingress", "Egress"],
            }),
        },
        {
            role: "allow-dns",
            object: networkPolicy(spec, networkObjectNames.allowDns, {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [dnsEgressRule()],
            }),
        },
    ];
    for (const w of spec.workloads) {
        const [ingress, egress] = workloadRules(w, spec);
        if (ingress.length === 0 && egress.length === 0) {
            continue;
        }
        policies.push({
            role: `allow-${w.name}`,
            object: networkPolicy(spec, networkObjectNames.allow(w.name), {
                podSelector: { matchLabels: { ...w.podLabels } },
                policyTypes: [
                    ...(ingress.length > 0 ? ["Ingress"] : []),
                    ...(egress.length > 0 ? ["Egress"] : []),
                ],
                ...(ingress.length > 0
                    ? { ingress: ingress.map((r) => ({ from: r.peers, ports: r.ports })) }
                    : {}),
                ...(egress.length > 0
                    ? { egress: egress.map((r) => ({ to: r.peers, ports: r.ports })) }
                    : {}),
            }),
        });
    }
    return policies;
}

function validPort(port: number): boolean {
    return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * Everything wrong with a namespace's spec, each naming what and why; empty when it renders. The
 * stack settings are validated the same way (`components/platform-network/settings.ts`); this guards the
 * component's own arguments.
 */
export function networkSpecProblems(spec: NamespaceNetworkSpec): string[] {
    const problems: string[] = [];
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(spec.namespace) || spec.namespace.length > 63) {
        problems.push(`namespace "${spec.namespace}" is not a DNS-1123 label`);
    }
    for (const cidr of spec.apiServer.cidrs) {
        const p = cidrProblem(cidr);
        if (p !== undefined) {
            problems.push(`apiServer.cidrs: "${cidr}": ${p}`);
        }
    }
    if (!validPort(spec.apiServer.port)) {
        problems.push(`apiServer.port ${spec.apiServer.port}: expected a port from 1 to 65535`);
    }
    for (const [host, cidrs] of Object.entries(spec.externalHosts)) {
        if (!isDnsName(host)) {
            problems.push(`externalHosts: "${host}" is not a DNS host name`);
        }
        if (cidrs.length === 0) {
            problems.push(`externalHosts["${host}"]: expected at least one address block`);
        }
        for (const cidr of cidrs) {
            const p = cidrProblem(cidr);
            if (p !== undefined) {
                problems.push(`externalHosts["${host}"]: "${cidr}": ${p}`);
            }
        }
    }
    const names = new Set<string>();
    for (const w of spec.workloads) {
        const who = `workload "${w.name}"`;
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(w.name) || names.has(w.name)) {
            problems.push(`${who}: expected a unique DNS-1123 label as its name`);
        }
        names.add(w.name);
        if (Object.keys(w.podLabels).length === 0) {
            problems.push(`${who}: no pod labels; its policy would select every pod`);
        }
        const allPorts = [
            ...w.webhookPorts,
            ...w.metricsPorts,
            ...[...w.ingress, ...w.egress].flatMap((f) => f.ports.map((p) => p.port)),
        ];
        for (const port of allPorts.filter((p) => !validPort(p))) {
            problems.push(`${who}: port ${port}: expected a port from 1 to 65535`);
        }
        for (const f of [...w.ingress, ...w.egress]) {
            if (f.peers.length === 0 || f.ports.length === 0) {
                problems.push(`${who}: a flow lists no peer or no port; list both`);
            }
            for (const peer of f.peers) {
                if (
                    peer.kind === "host" &&
                    locateHost(peer.host, spec.externalHosts).kind === "unknown"
                ) {
                    problems.push(
                        `${who}: host "${peer.host}" lies outside the cluster and ` +
                            "network.externalHosts lists no address for it: add its address blocks",
                    );
                }
            }
        }
    }
    return problems;
}

/**
 * What renders but leaves a workload unable to work, for the component to log: no API server
 * address while workloads need the API or serve webhooks.
 */
export function networkSpecWarnings(spec: NamespaceNetworkSpec): string[] {
    if (spec.apiServer.cidrs.length > 0) {
        return [];
    }
    const needing = spec.workloads
        .filter((w) => w.apiServer || w.webhookPorts.length > 0)
        .map((w) => w.name);
    return needing.length === 0
        ? []
        : [
              `network.apiServer.cidrs is empty: in namespace "${spec.namespace}", ` +
                  `${needing.join(", ")} can neither reach the Kubernetes API nor be called by ` +
                  "it (fail closed); set network.apiServer.cidrs to the API server's addresses",
          ];
}
