/**
 * Network isolation of the platform namespaces (issue 16): default deny, DNS, and per workload
 * exactly the flows it needs, selected by the labels the charts put on their pods; the `network`
 * settings; and the order under mocks (each namespace's policies before the charts that run pods
 * there).
 */
import * as assert from "assert";
import type { PolicyResource } from "@pulumi/policy";
import type { PlatformNetworkArgs } from "../../components/platform-network";
import {
    platformNetworkArgsFromSettings,
    resolveNetworkSpec,
} from "../../components/platform-network";
import { cidrProblem, locateHost } from "../../components/platform-network/addresses";
import {
    falcoNetworkWorkloads,
    NamespaceNetworkSpec,
    networkSpecProblems,
    networkSpecWarnings,
    platformNetworkLabels,
    renderNetworkPolicies,
} from "../../components/platform-network/render";
import { linkerdControlPlanePorts } from "../../components/tenant-namespace/defaults";
import { renderTenant } from "../../components/tenant-namespace/render";
import { resolveTenantSpec } from "../../components/tenant-namespace";
import { networkDefaultDeny } from "../../policypacks/platform-guardrails/policies/network-default-deny";
import { loadSettings } from "../../stacks";
import type { PlatformSettings } from "../../components/platform/settings";
import { readStackConfig } from "../../tools/check/stack-config";
import { assertGoldenJson } from "../util/golden";
import {
    installMocks,
    installProviderStandIns,
    named,
    recorded,
    RecordedResource,
    resetRecorded,
    settled,
} from "../util/mocks";
import { toPolicyResources } from "../util/recorded-stack";
import { issuesOf } from "../util/settings";
import { committedStacks } from "../util/stacks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const projectDir = `${__dirname}/../..`;
const key = (name: string): string => `sovereign-contour:${name}`;

/** A plain copy of rendered objects, for reading fields in tests. */
const plain = (value: unknown): Loose => JSON.parse(JSON.stringify(value)) as Loose;

/**
 * Fixed settings for exact assertions: two API server endpoints, a registry and a SIEM outside
 * the cluster, two meshed tenants and one that is not, Alertmanager in the cluster, a SIEM webhook
 * and a syslog collector by IP.
 */
const raw: Record<string, string> = {
    [key("network")]: JSON.stringify({
        apiServer: { cidrs: ["10.20.0.11/32", "10.20.0.12/32"], port: 6443 },
        monitoringNamespace: "monitoring",
        externalHosts: {
            "registry.example.eu": ["10.40.10.0/24"],
            "siem.example.eu": ["10.50.4.0/28"],
        },
    }),
    [key("workloads")]: JSON.stringify({ allowedRegistries: ["registry.example.eu/"] }),
    [key("kyverno")]: JSON.stringify({
        imageVerification: { publicKeys: ["k8s://kyverno/cosign-public-key"] },
    }),
    [key("tenants")]: JSON.stringify([
        { name: "serving", owner: "team-serving", network: { meshed: true } },
        { name: "inference", owner: "team-inference", network: { meshed: true } },
        { name: "training", owner: "team-training" },
    ]),
    [key("falco")]: JSON.stringify({
        alerts: {
            outputs: {
                alertmanagerUrl: "http://alertmanager-operated.monitoring:9093",
                webhookUrl: "https://siem.example.eu/falco",
                syslog: { host: "10.60.0.5", port: 514, protocol: "udp" },
            },
        },
    }),
};

function fixedSettings(extra: Record<string, string> = {}): PlatformSettings {
    return loadSettings({ ...raw, ...extra }).settings;
}

/** The rendered policies of every namespace, by namespace: `{ name, spec }` of each. */
function renderedByNamespace(settings: PlatformSettings): Record<string, Loose[]> {
    const out: Record<string, Loose[]> = {};
    for (const args of Object.values(platformNetworkArgsFromSettings(settings))) {
        const spec = resolveNetworkSpec(args!);
        out[spec.namespace] = renderNetworkPolicies(spec).map((p) => ({
            name: plain(p.object).metadata.name,
            spec: plain(p.object).spec,
        }));
    }
    return out;
}

// The peers and rules the expectations below are written with.
const ns = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });
const apiServer = [{ ipBlock: { cidr: "10.20.0.11/32" } }, { ipBlock: { cidr: "10.20.0.12/32" } }];
const monitoring = [{ namespaceSelector: ns("monitoring") }];
const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: "TCP", port }));
const toApi = { to: apiServer, ports: tcp(6443) };
const metrics = (...ports: number[]) => ({ from: monitoring, ports: tcp(...ports) });
const webhook = (...ports: number[]) => ({ from: apiServer, ports: tcp(...ports) });
const defaultDeny = {
    name: "default-deny-all",
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
};
const allowDns = {
    name: "allow-dns",
    spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
            {
                to: [
                    {
                        namespaceSelector: ns("kube-system"),
                        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                    },
                ],
                ports: [
                    { protocol: "UDP", port: 53 },
                    { protocol: "TCP", port: 53 },
                ],
            },
        ],
    },
};
const allow = (
    name: string,
    labels: Record<string, string>,
    ingress: Loose[],
    egress: Loose[],
) => ({
    name: `allow-${name}`,
    spec: {
        podSelector: { matchLabels: labels },
        policyTypes: [
            ...(ingress.length > 0 ? ["Ingress"] : []),
            ...(egress.length > 0 ? ["Egress"] : []),
        ],
        ...(ingress.length > 0 ? { ingress } : {}),
        ...(egress.length > 0 ? { egress } : {}),
    },
});
const kyvernoPods = (component: string) => ({
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/instance": "kyverno",
    "app.kubernetes.io/part-of": "kyverno",
});
const certManagerPods = (name: string, component: string) => ({
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": "cert-manager",
    "app.kubernetes.io/component": component,
});
const linkerdPods = (component: string) => ({ "linkerd.io/control-plane-component": component });
const falcoPods = { "app.kubernetes.io/name": "falco", "app.kubernetes.io/instance": "falco" };
const sidekickPods = {
    "app.kubernetes.io/name": "falcosidekick",
    "app.kubernetes.io/instance": "falcosidekick",
};

/** The six platform namespaces. */
const platformNamespaces = [
    "gatekeeper-system",
    "kyverno",
    "cert-manager",
    "linkerd",
    "linkerd-cni",
    "falco",
];

/** Every NetworkPolicy rule of a rendered set, with where it is. */
function everyRule(policies: Loose[]): { where: string; peers: Loose[]; ports: Loose[] }[] {
    return policies.flatMap((p) => [
        ...(p.spec.ingress ?? []).map((r: Loose) => ({
            where: `${p.name} ingress`,
            peers: r.from,
            ports: r.ports,
        })),
        ...(p.spec.egress ?? []).map((r: Loose) => ({
            where: `${p.name} egress`,
            peers: r.to,
            ports: r.ports,
        })),
    ]);
}

describe("components/platform-network", () => {
    describe("render: every platform namespace (golden file and exact policies)", () => {
        const rendered = renderedByNamespace(fixedSettings());

        it("renders the six namespaces' policies as in the golden file", () => {
            const settings = fixedSettings();
            const all: Record<string, unknown> = {};
            for (const args of Object.values(platformNetworkArgsFromSettings(settings))) {
                const spec = resolveNetworkSpec(args!);
                all[spec.namespace] = plain(renderNetworkPolicies(spec));
            }
            assert.deepStrictEqual(Object.keys(all), platformNamespaces);
            assertGoldenJson("platform-network.golden.json", all);
        });

        it("labels every policy as the platform's and puts it in its namespace", () => {
            for (const args of Object.values(platformNetworkArgsFromSettings(fixedSettings()))) {
                const spec = resolveNetworkSpec(args!);
                for (const p of renderNetworkPolicies(spec)) {
                    assert.deepStrictEqual(plain(p.object).metadata.labels, {
                        "app.kubernetes.io/managed-by": "pulumi",
                        "app.kubernetes.io/part-of": "sovereign-contour",
                        "app.kubernetes.io/component": "platform-network",
                    });
                    assert.deepStrictEqual(platformNetworkLabels, plain(p.object).metadata.labels);
                    assert.strictEqual(plain(p.object).metadata.namespace, spec.namespace);
                    assert.strictEqual(plain(p.object).apiVersion, "networking.k8s.io/v1");
                    assert.strictEqual(plain(p.object).kind, "NetworkPolicy");
                }
            }
        });

        it("starts every namespace with default deny of both directions, then the tenants' DNS rule", () => {
            const tenantDns = plain(
                renderTenant(
                    resolveTenantSpec({ namespace: "t", owner: "o", kubernetesVersion: "1.33" }),
                ).networkPolicies.find((p) => p.role === "allow-dns")!.object,
            ).spec;
            assert.deepStrictEqual(allowDns.spec, tenantDns);
            for (const namespace of platformNamespaces) {
                assert.deepStrictEqual(rendered[namespace].slice(0, 2), [defaultDeny, allowDns]);
            }
        });

        it("gatekeeper-system: the webhook from the API server, metrics, API egress for both Deployments", () => {
            assert.deepStrictEqual(rendered["gatekeeper-system"].slice(2), [
                allow(
                    "controller-manager",
                    { "control-plane": "controller-manager", "gatekeeper.sh/operation": "webhook" },
                    [webhook(8443), metrics(8888)],
                    [toApi],
                ),
                allow(
                    "audit",
                    { "control-plane": "audit-controller", "gatekeeper.sh/operation": "audit" },
                    [metrics(8888)],
                    [toApi],
                ),
            ]);
        });

        it("kyverno: webhooks of the admission and cleanup controllers, metrics, API egress, registries for the admission controller only", () => {
            assert.deepStrictEqual(rendered.kyverno.slice(2), [
                allow(
                    "admission-controller",
                    kyvernoPods("admission-controller"),
                    [webhook(9443), metrics(8000)],
                    [toApi, { to: [{ ipBlock: { cidr: "10.40.10.0/24" } }], ports: tcp(443) }],
                ),
                allow(
                    "background-controller",
                    kyvernoPods("background-controller"),
                    [metrics(8000)],
                    [toApi],
                ),
                allow(
                    "cleanup-controller",
                    kyvernoPods("cleanup-controller"),
                    [webhook(9443), metrics(8000)],
                    [toApi],
                ),
                allow(
                    "reports-controller",
                    kyvernoPods("reports-controller"),
                    [metrics(8000)],
                    [toApi],
                ),
            ]);
        });

        it("cert-manager: the webhook on 10250 from the API server, metrics on 9402, API egress for all three", () => {
            assert.deepStrictEqual(rendered["cert-manager"].slice(2), [
                allow(
                    "controller",
                    certManagerPods("cert-manager", "controller"),
                    [metrics(9402)],
                    [toApi],
                ),
                allow(
                    "cainjector",
                    certManagerPods("cainjector", "cainjector"),
                    [metrics(9402)],
                    [toApi],
                ),
                allow(
                    "webhook",
                    certManagerPods("webhook", "webhook"),
                    [webhook(10250), metrics(9402)],
                    [toApi],
                ),
            ]);
        });

        it("linkerd: identity and destination from the meshed tenants and the control plane's own proxies, the three webhooks, admin ports", () => {
            const proxies = [
                { podSelector: {} },
                { namespaceSelector: ns("inference") },
                { namespaceSelector: ns("serving") },
            ];
            const controlPlane = [
                {
                    to: [{ podSelector: { matchLabels: linkerdPods("destination") } }],
                    ports: tcp(8086, 8090),
                },
                {
                    to: [{ podSelector: { matchLabels: linkerdPods("identity") } }],
                    ports: tcp(8080),
                },
            ];
            assert.deepStrictEqual(rendered.linkerd.slice(2), [
                allow(
                    "destination",
                    linkerdPods("destination"),
                    [
                        webhook(8443, 9443),
                        metrics(4191, 9990, 9996, 9997),
                        { from: proxies, ports: tcp(8086, 8090) },
                    ],
                    [toApi, ...controlPlane],
                ),
                allow(
                    "identity",
                    linkerdPods("identity"),
                    [metrics(4191, 9990), { from: proxies, ports: tcp(8080) }],
                    [toApi, ...controlPlane],
                ),
                allow(
                    "proxy-injector",
                    linkerdPods("proxy-injector"),
                    [webhook(8443), metrics(4191, 9995)],
                    [toApi, ...controlPlane],
                ),
            ]);
        });

        it("linkerd: opens to the meshed tenants exactly the ports their egress allows", () => {
            const opened = rendered.linkerd
                .flatMap((p) => p.spec.ingress ?? [])
                .filter((r: Loose) =>
                    r.from.some(
                        (peer: Loose) =>
                            peer.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] ===
                            "inference",
                    ),
                )
                .flatMap((r: Loose) => r.ports.map((p: Loose) => p.port as number))
                .sort();
            assert.deepStrictEqual(opened, [...linkerdControlPlanePorts].sort());
        });

        it("linkerd-cni: default deny and DNS only (install-cni opens no connection)", () => {
            assert.deepStrictEqual(rendered["linkerd-cni"], [defaultDeny, allowDns]);
        });

        it("falco: Falco to falcosidekick, falcosidekick to Alertmanager by namespace, the SIEM by CIDR, syslog by IP; no API access", () => {
            assert.deepStrictEqual(rendered.falco.slice(2), [
                allow(
                    "falco",
                    falcoPods,
                    [metrics(8765)],
                    [{ to: [{ podSelector: { matchLabels: sidekickPods } }], ports: tcp(2801) }],
                ),
                allow(
                    "falcosidekick",
                    sidekickPods,
                    [
                        metrics(2801),
                        { from: [{ podSelector: { matchLabels: falcoPods } }], ports: tcp(2801) },
                    ],
                    [
                        { to: [{ namespaceSelector: ns("monitoring") }], ports: tcp(9093) },
                        { to: [{ ipBlock: { cidr: "10.50.4.0/28" } }], ports: tcp(443) },
                        {
                            to: [{ ipBlock: { cidr: "10.60.0.5/32" } }],
                            ports: [{ protocol: "UDP", port: 514 }],
                        },
                    ],
                ),
            ]);
        });

        it("never renders a rule without peers or ports, nor an address block wider than /8", () => {
            for (const [namespace, policies] of Object.entries(rendered)) {
                for (const rule of everyRule(policies)) {
                    assert.ok(rule.peers.length > 0, `${namespace} ${rule.where}: no peer`);
                    assert.ok(rule.ports.length > 0, `${namespace} ${rule.where}: no port`);
                    for (const peer of rule.peers) {
                        if (peer.ipBlock !== undefined) {
                            assert.strictEqual(cidrProblem(peer.ipBlock.cidr), undefined);
                        }
                    }
                }
                for (const p of policies.slice(2)) {
                    assert.ok(
                        Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0,
                        `${namespace} ${p.name} selects every pod`,
                    );
                }
            }
        });
    });

    describe("render: variants", () => {
        const specOf = (settings: PlatformSettings, role: string): NamespaceNetworkSpec =>
            resolveNetworkSpec(
                (platformNetworkArgsFromSettings(settings) as Record<string, Loose>)[role],
            );

        it("without API server addresses opens neither API egress nor webhook ingress, and warns", () => {
            const settings = fixedSettings({
                [key("network")]: JSON.stringify({
                    externalHosts: {
                        "registry.example.eu": ["10.40.10.0/24"],
                        "siem.example.eu": ["10.50.4.0/28"],
                    },
                }),
            });
            const spec = specOf(settings, "gatekeeper");
            assert.deepStrictEqual(
                renderNetworkPolicies(spec)
                    .slice(2)
                    .map((p) => plain(p.object.spec)),
                [
                    allow(
                        "controller-manager",
                        {
                            "control-plane": "controller-manager",
                            "gatekeeper.sh/operation": "webhook",
                        },
                        [metrics(8888)],
                        [],
                    ).spec,
                    allow(
                        "audit",
                        { "control-plane": "audit-controller", "gatekeeper.sh/operation": "audit" },
                        [metrics(8888)],
                        [],
                    ).spec,
                ],
            );
            assert.deepStrictEqual(networkSpecWarnings(spec), [
                'network.apiServer.cidrs is empty: in namespace "gatekeeper-system", ' +
                    "controller-manager, audit can neither reach the Kubernetes API nor be called " +
                    "by it (fail closed); set network.apiServer.cidrs to the API server's addresses",
            ]);
            assert.deepStrictEqual(networkSpecWarnings(specOf(fixedSettings(), "gatekeeper")), []);
            assert.deepStrictEqual(networkSpecWarnings(specOf(settings, "linkerdCni")), []);
        });

        it("routes Falco straight to the http receiver (no falcosidekick), or nowhere in stdout mode", () => {
            const http = falcoNetworkWorkloads({
                alerts: { mode: "http", httpUrl: "https://10.70.0.9:8443/falco", outputs: {} },
                metrics: true,
            });
            assert.deepStrictEqual(
                http.map((w) => [w.name, w.egress]),
                [
                    [
                        "falco",
                        [{ peers: [{ kind: "host", host: "10.70.0.9" }], ports: [{ port: 8443 }] }],
                    ],
                ],
            );
            const stdout = falcoNetworkWorkloads({
                alerts: { mode: "stdout", outputs: {} },
                metrics: false,
            });
            const spec: NamespaceNetworkSpec = {
                namespace: "falco",
                apiServer: { cidrs: ["10.20.0.11/32"], port: 6443 },
                monitoringNamespace: "monitoring",
                externalHosts: {},
                workloads: stdout,
            };
            assert.deepStrictEqual(
                renderNetworkPolicies(spec).map((p) => p.role),
                ["default-deny", "allow-dns"],
            );
        });

        it("locates hosts: listed names, IP literals, Service names in and outside the namespace", () => {
            const hosts = { "siem.example.eu": ["10.50.4.0/28"], "corp.local": ["10.9.0.0/16"] };
            assert.deepStrictEqual(
                [
                    "siem.example.eu",
                    "corp.local",
                    "10.60.0.5",
                    "fd00:60::5",
                    "alertmanager-operated.monitoring",
                    "alertmanager.monitoring.svc",
                    "alertmanager.monitoring.svc.cluster.local",
                    "am-0.alertmanager-operated.monitoring.svc.cluster.local",
                    "falcosidekick-ui",
                    "siem.other.example",
                ].map((h) => locateHost(h, hosts)),
                [
                    { kind: "cidrs", cidrs: ["10.50.4.0/28"] },
                    { kind: "cidrs", cidrs: ["10.9.0.0/16"] },
                    { kind: "cidrs", cidrs: ["10.60.0.5/32"] },
                    { kind: "cidrs", cidrs: ["fd00:60::5/128"] },
                    { kind: "namespace", namespace: "monitoring" },
                    { kind: "namespace", namespace: "monitoring" },
                    { kind: "namespace", namespace: "monitoring" },
                    { kind: "namespace", namespace: "monitoring" },
                    { kind: "own-namespace" },
                    { kind: "unknown" },
                ],
            );
        });

        it("refuses a spec no policy set can express safely, naming each problem", () => {
            const spec: NamespaceNetworkSpec = {
                namespace: "falco",
                apiServer: { cidrs: ["0.0.0.0/0"], port: 0 },
                monitoringNamespace: "monitoring",
                externalHosts: { "siem.example.eu": [] },
                workloads: [
                    {
                        name: "sidekick",
                        podLabels: {},
                        apiServer: false,
                        webhookPorts: [],
                        metricsPorts: [70000],
                        ingress: [],
                        egress: [
                            {
                                peers: [{ kind: "host", host: "siem.other.example" }],
                                ports: [{ port: 443 }],
                            },
                        ],
                    },
                ],
            };
            assert.deepStrictEqual(networkSpecProblems(spec), [
                'apiServer.cidrs: "0.0.0.0/0": expected a block of at most /8 for IPv4: /0 opens every address; list the addresses actually needed',
                "apiServer.port 0: expected a port from 1 to 65535",
                'externalHosts["siem.example.eu"]: expected at least one address block',
                'workload "sidekick": no pod labels; its policy would select every pod',
                'workload "sidekick": port 70000: expected a port from 1 to 65535',
                'workload "sidekick": host "siem.other.example" lies outside the cluster and network.externalHosts lists no address for it: add its address blocks',
            ]);
        });
    });

    describe("settings: network", () => {
        it("defaults to no API access, the monitoring namespace and no external host", () => {
            assert.deepStrictEqual(loadSettings({}).settings.network, {
                apiServer: { cidrs: [], port: 6443 },
                monitoringNamespace: "monitoring",
                externalHosts: {},
            });
        });

        it("refuses a malformed, too wide, host-bit or duplicate block and a bad port, naming each key", () => {
            assert.deepStrictEqual(
                issuesOf({
                    [key("network")]: JSON.stringify({
                        apiServer: {
                            cidrs: [
                                "10.20.0.300/32",
                                "10.20.0.10/24",
                                "0.0.0.0/0",
                                "::/0",
                                "10.20.0.11/32",
                                "10.20.0.11/32",
                            ],
                            port: 70000,
                        },
                    }),
                }),
                [
                    'sovereign-contour:network.apiServer.cidrs[0]: expected a CIDR block such as 10.20.0.0/24, 10.20.0.11/32 or fd00:10::/64 (got "10.20.0.300/32")',
                    'sovereign-contour:network.apiServer.cidrs[1]: expected the network address 10.20.0.0/24 (the address has host bits set) (got "10.20.0.10/24")',
                    'sovereign-contour:network.apiServer.cidrs[2]: expected a block of at most /8 for IPv4: /0 opens every address; list the addresses actually needed (got "0.0.0.0/0")',
                    'sovereign-contour:network.apiServer.cidrs[3]: expected a block of at most /32 for IPv6: /0 opens every address; list the addresses actually needed (got "::/0")',
                    'sovereign-contour:network.apiServer.cidrs[5]: duplicate address block "10.20.0.11/32" (got "10.20.0.11/32")',
                    "sovereign-contour:network.apiServer.port: expected a port number from 1 to 65535 (got 70000)",
                ],
            );
            for (const [port, shown] of [
                [0, "0"],
                [6443.5, "6443.5"],
                ["6443", '"6443"'],
            ] as const) {
                assert.deepStrictEqual(
                    issuesOf({ [key("network")]: JSON.stringify({ apiServer: { port } }) }),
                    [
                        `sovereign-contour:network.apiServer.port: expected a port number from 1 to 65535 (got ${shown})`,
                    ],
                );
            }
        });

        it("refuses a bad external host name or an empty address list, and an unknown key with a suggestion", () => {
            assert.deepStrictEqual(
                issuesOf({
                    [key("network")]: JSON.stringify({
                        externalHosts: {
                            "SIEM.example.eu": ["10.50.4.0/28"],
                            "siem.example.eu": [],
                        },
                        monitoringNamespace: "Monitoring",
                        apiserver: {},
                    }),
                }),
                [
                    "sovereign-contour:network.monitoringNamespace: expected a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit (got \"Monitoring\")",
                    'sovereign-contour:network.externalHosts["SIEM.example.eu"]: expected a DNS host name in lower case, such as siem.sovereign.example (got ["10.50.4.0/28"])',
                    'sovereign-contour:network.externalHosts["siem.example.eu"]: expected at least one address block (got [])',
                    'sovereign-contour:network: unknown setting "apiserver" (did you mean "apiServer"?); known: apiServer, monitoringNamespace, externalHosts',
                ],
            );
        });

        it("refuses an output, registry or Rekor outside the cluster that network.externalHosts does not locate", () => {
            const unreachable = (host: string, workload: string, port: number) =>
                `host "${host}" lies outside the cluster and network.externalHosts lists no ` +
                `address for it, so ${workload} could not reach it (port ${port}): add ` +
                `network.externalHosts["${host}"] with the address blocks it resolves to`;
            assert.deepStrictEqual(
                issuesOf({
                    ...raw,
                    [key("network")]: JSON.stringify({}),
                    [key("kyverno")]: JSON.stringify({
                        imageVerification: {
                            publicKeys: ["k8s://kyverno/cosign-public-key"],
                            rekorUrl: "https://rekor.example.eu",
                        },
                    }),
                    [key("falco")]: JSON.stringify({
                        alerts: {
                            outputs: {
                                alertmanagerUrl: "http://alertmanager-operated.monitoring:9093",
                                webhookUrl: "https://siem.example.eu/falco",
                                syslog: { host: "syslog.example.eu", port: 6514 },
                            },
                        },
                    }),
                }),
                [
                    `sovereign-contour:falco.alerts.outputs.webhookUrl: ${unreachable("siem.example.eu", "falcosidekick", 443)} (got "https://siem.example.eu/falco")`,
                    `sovereign-contour:falco.alerts.outputs.syslog.host: ${unreachable("syslog.example.eu", "falcosidekick", 6514)} (got "syslog.example.eu")`,
                    `sovereign-contour:workloads.allowedRegistries[0]: ${unreachable("registry.example.eu", "admission-controller", 443)} (got "registry.example.eu/")`,
                    `sovereign-contour:kyverno.imageVerification.rekorUrl: ${unreachable("rekor.example.eu", "admission-controller", 443)} (got "https://rekor.example.eu")`,
                ],
            );
            assert.deepStrictEqual(issuesOf(raw), []);
            assert.deepStrictEqual(
                issuesOf({
                    ...raw,
                    [key("network")]: JSON.stringify({}),
                    [key("kyverno")]: JSON.stringify({ enabled: false }),
                    [key("falco")]: JSON.stringify({ enabled: false }),
                }),
                [],
            );
        });

        it("gives every stack real API server addresses and nothing wider than /8", () => {
            for (const stack of committedStacks()) {
                const { network } = loadSettings(
                    readStackConfig(projectDir, stack).values,
                ).settings;
                assert.ok(network.apiServer.cidrs.length > 0, `${stack}: no API server address`);
                assert.strictEqual(network.apiServer.port, 6443);
                const blocks = [
                    ...network.apiServer.cidrs,
                    ...Object.values(network.externalHosts).flat(),
                ];
                assert.deepStrictEqual(
                    blocks.filter((b) => cidrProblem(b) !== undefined),
                    [],
                    stack,
                );
            }
        });
    });

    describe("component (under mocks)", () => {
        let mod: typeof import("../../components/platform-network");
        let platformMod: typeof import("../../components/platform");
        let k8s: typeof import("@pulumi/kubernetes");

        before(async () => {
            installMocks();
            installProviderStandIns();
            mod = await import("../../components/platform-network");
            platformMod = await import("../../components/platform");
            k8s = await import("@pulumi/kubernetes");
        });
        beforeEach(resetRecorded);

        it("creates each policy as its child, after the namespace only", async () => {
            const namespace = new k8s.core.v1.Namespace("ns", { metadata: { name: "falco" } });
            const args: PlatformNetworkArgs = {
                ...platformNetworkArgsFromSettings(fixedSettings()).falco!,
                namespace,
            };
            const network = new mod.PlatformNetwork("net", args);
            await settled();
            assert.deepStrictEqual(Object.keys(network.policies), [
                "default-deny",
                "allow-dns",
                "allow-falco",
                "allow-falcosidekick",
            ]);
            const component = named("net");
            assert.strictEqual(component.type, "sovereign:network:PlatformNetwork");
            const children = recorded.filter((r) => r.parent === component.urn);
            assert.deepStrictEqual(
                children.map((r) => `${r.type} ${r.name}`),
                [
                    "kubernetes:networking.k8s.io/v1:NetworkPolicy net-default-deny",
                    "kubernetes:networking.k8s.io/v1:NetworkPolicy net-allow-dns",
                    "kubernetes:networking.k8s.io/v1:NetworkPolicy net-allow-falco",
                    "kubernetes:networking.k8s.io/v1:NetworkPolicy net-allow-falcosidekick",
                ],
            );
            for (const child of children) {
                assert.deepStrictEqual(child.dependencies, [named("ns").urn], child.name);
            }
            assert.deepStrictEqual(named("net-allow-dns").inputs.metadata, {
                name: "allow-dns",
                namespace: "falco",
                labels: platformNetworkLabels,
            });
        });

        it("refuses arguments it cannot render safely", () => {
            const namespace = new k8s.core.v1.Namespace("ns2", { metadata: { name: "x" } });
            assert.throws(
                () =>
                    new mod.PlatformNetwork("bad", {
                        namespaceName: "x",
                        namespace,
                        apiServer: { cidrs: ["10.20.0.10/24"] },
                    }),
                (e: Error) =>
                    e.message ===
                    'network policies of namespace "x": apiServer.cidrs: "10.20.0.10/24": expected the network address 10.20.0.0/24 (the address has host bits set)',
            );
        });

        describe("in the platform (dev stack)", function () {
            this.timeout(60_000);
            let platform: import("../../components/platform").Platform;
            let resources: PolicyResource[];
            let all: RecordedResource[];
            const policyType = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
            const chartType = "kubernetes:helm.sh/v4:Chart";

            before(async () => {
                resetRecorded();
                const { settings } = loadSettings(readStackConfig(projectDir, "dev").values);
                platform = new platformMod.Platform("platform", { settings });
                await settled();
                // The outer beforeEach forgets the recording before each test: keep this one.
                all = [...recorded];
                resources = toPolicyResources(all);
            });
            const named = (name: string): RecordedResource => {
                const found = all.filter((r) => r.name === name);
                assert.strictEqual(found.length, 1, name);
                return found[0];
            };
            const ofType = (type: string): RecordedResource[] => all.filter((r) => r.type === type);

            /** The recorded policies of a namespace. */
            const policiesIn = (namespace: string) =>
                ofType(policyType).filter((p) => p.inputs.metadata.namespace === namespace);

            it("isolates the six platform namespaces, each under its PlatformNetwork in its component's layer", () => {
                const layerOf: Record<string, string> = {
                    gatekeeper: "enforcement",
                    kyverno: "enforcement",
                    certManager: "runtime",
                    linkerd: "runtime",
                    linkerdCni: "runtime",
                    falco: "runtime",
                };
                assert.deepStrictEqual(
                    Object.entries(platform.network).map(([role, n]) => [role, n!.namespaceName]),
                    [
                        ["gatekeeper", "gatekeeper-system"],
                        ["kyverno", "kyverno"],
                        ["certManager", "cert-manager"],
                        ["linkerd", "linkerd"],
                        ["linkerdCni", "linkerd-cni"],
                        ["falco", "falco"],
                    ],
                );
                for (const [role, network] of Object.entries(platform.network)) {
                    const component = named(`platform-network-${network!.namespaceName}`);
                    assert.strictEqual(
                        component.parent,
                        named(`platform-${layerOf[role]}`).urn,
                        role,
                    );
                    const policies = policiesIn(network!.namespaceName);
                    assert.ok(policies.length >= 2, role);
                    for (const p of policies) {
                        assert.strictEqual(p.parent, component.urn, p.name);
                    }
                }
            });

            it("creates each namespace's policies right after its Namespace and before the charts that run pods there", () => {
                const namespaceUrn = (name: string): string =>
                    ofType("kubernetes:core/v1:Namespace").find(
                        (n) => n.inputs.metadata.name === name,
                    )!.urn;
                const chartsIn: Record<string, string[]> = {
                    "gatekeeper-system": ["platform-gatekeeper-chart"],
                    kyverno: ["platform-kyverno-chart"],
                    "cert-manager": ["platform-cert-manager-chart"],
                    linkerd: ["platform-linkerd-control-plane"],
                    "linkerd-cni": ["platform-linkerd-cni"],
                    falco: ["platform-falco-sidekick-chart", "platform-falco-chart"],
                };
                const allPolicies = new Set(ofType(policyType).map((p) => p.urn));
                for (const [namespace, charts] of Object.entries(chartsIn)) {
                    const policies = policiesIn(namespace).map((p) => p.urn);
                    for (const p of policiesIn(namespace)) {
                        assert.deepStrictEqual(p.dependencies, [namespaceUrn(namespace)], p.name);
                    }
                    for (const chart of charts) {
                        const deps = new Set(named(chart).dependencies);
                        assert.strictEqual(named(chart).type, chartType);
                        assert.deepStrictEqual(
                            policies.filter((p) => !deps.has(p)),
                            [],
                            `${chart} does not wait for the policies of ${namespace}`,
                        );
                    }
                }
                // The enforcement layer's charts wait for nothing of the runtime layer (no cycle).
                for (const chart of ["platform-gatekeeper-chart", "platform-kyverno-chart"]) {
                    const foreign = named(chart).dependencies.filter(
                        (d) =>
                            allPolicies.has(d) &&
                            !["gatekeeper-system", "kyverno"].some((ns) =>
                                policiesIn(ns).some((p) => p.urn === d),
                            ),
                    );
                    assert.deepStrictEqual(foreign, [], chart);
                }
            });

            it("satisfies network-default-deny for every platform namespace running workloads", async () => {
                const workloads = platformNamespaces.map((namespace) =>
                    stubDeployment(namespace, resources),
                );
                assert.deepStrictEqual(await runDefaultDeny([...resources, ...workloads]), []);
                // Without the component's policies the same workloads are reported, one per namespace.
                const without = resources.filter(
                    (r) =>
                        !(
                            r.type === policyType &&
                            r.props.metadata.labels?.["app.kubernetes.io/component"] ===
                                "platform-network"
                        ),
                );
                assert.strictEqual(
                    (await runDefaultDeny([...without, ...workloads])).length,
                    platformNamespaces.length,
                );
            });
        });
    });
});

/** A Deployment in `namespace`, as a chart would render it, under the platform's resources. */
function stubDeployment(namespace: string, resources: PolicyResource[]): PolicyResource {
    const stack = resources.find((r) => r.type === "sovereign:platform:Platform")!;
    return {
        ...stack,
        type: "kubernetes:apps/v1:Deployment",
        name: `${namespace}-workload`,
        urn: `urn:pulumi:test::sovereign-contour::kubernetes:apps/v1:Deployment::${namespace}-workload`,
        props: {
            metadata: { name: "workload", namespace },
            spec: {
                selector: { matchLabels: { app: "w" } },
                template: {
                    metadata: { labels: { app: "w" } },
                    spec: { containers: [{ name: "w", image: "registry.example.eu/w:1" }] },
                },
            },
        },
        dependencies: [],
    };
}

/** The messages network-default-deny reports for a stack (no namespace exempt). */
async function runDefaultDeny(resources: PolicyResource[]): Promise<string[]> {
    const messages: string[] = [];
    await networkDefaultDeny.validateStack(
        {
            resources,
            stackTags: new Map<string, string>(),
            getConfig: <T extends object>() => ({ exemptNamespaces: [] }) as unknown as T,
            notApplicable: (reason?: string): never => {
                throw new Error(`not applicable: ${reason ?? ""}`);
            },
        },
        (message: string) => {
            messages.push(message);
        },
    );
    return messages;
}
