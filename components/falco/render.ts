/**
 * Pure render functions of the Falco component: settings in, plain objects out (the namespace, the
 * Helm values of Falco and falcosidekick, the PrometheusRule). No resources are created here.
 */
import { ownerLabel, platformOwner } from "../../contract/labels";
import type { ImagesSettings } from "../shared/settings";
import { renderCertificate } from "../cert-manager/render";
import { pinRegistryImage, RegistryImage } from "../shared/chart-source";
import { platformLabels, podSecurityLabels } from "../shared/labels";
import { exemptionReasonAnnotation } from "../../contract/annotations";
import {
    FalcoContainerRuntime,
    falcoContainerEngines,
    falcoContainerRuntimes,
    falcoResources,
    falcosidekickCaMount,
    falcosidekickCertDirectory,
    falcosidekickPort,
    falcosidekickReleaseName,
    falcosidekickTls,
    serviceAccountTokenPath,
    sovereignRulesFileName,
} from "./defaults";

/** Labels on every object this component renders itself. */
export const falcoLabels = platformLabels("falco");

/**
 * Why Falco's namespace enforces Pod Security `privileged`: recorded on the namespace and listed
 * as an exemption in the check report.
 */
export const falcoPodSecurityReason =
    "Falco instruments the kernel with the modern eBPF probe: its DaemonSet needs the BPF, " +
    "PERFMON, SYS_RESOURCE and SYS_PTRACE capabilities and host paths, which no level below " +
    "privileged admits: /proc and /etc read-only (the host's processes and user names) and the " +
    "configured container runtime's socket, mounted read-only (container and pod metadata; the " +
    "mount does not narrow the runtime's API), plus /boot and /usr read-only and /lib/modules " +
    "read-write, which chart 9.1.0 always mounts for its driver loader (off). No container runs " +
    "privileged and no pod mounts an API token.";

/**
 * The namespace Falco runs in: Pod Security `privileged` with the reason on record, and kept out of
 * the mesh (Falco's pods are host agents, not workloads).
 */
export function renderFalcoNamespace(
    name: string,
    kubernetesVersion: string,
): {
    metadata: {
        name: string;
        labels: Record<string, string>;
        annotations: Record<string, string>;
    };
} {
    return {
        metadata: {
            name,
            labels: {
                ...falcoLabels,
                [ownerLabel]: platformOwner,
                ...podSecurityLabels("privileged", kubernetesVersion),
                "config.linkerd.io/admission-webhooks": "disabled",
            },
            annotations: {
                [exemptionReasonAnnotation]: falcoPodSecurityReason,
                "linkerd.io/inject": "disabled",
            },
        },
    };
}

/** An image reference split the way the Falco charts take it (shared with the other charts). */
export type { RegistryImage };

/**
 * An upstream image through the registry mirror, split the way the Falco charts compose it
 * (`registry/repository:tag`): the mirror (with its path) replaces the registry, the repository
 * path is kept (pure).
 */
export function mirroredImage(upstream: RegistryImage, images: ImagesSettings): RegistryImage {
    return pinRegistryImage(upstream, images);
}

/** The full reference of an image. */
export function imageReference(image: RegistryImage): string {
    return `${image.registry}/${image.repository}:${image.tag}`;
}

/** Where Falco's alerts go. */
export type FalcoAlertMode = "falcosidekick" | "http" | "stdout";

/** Inputs of {@link renderFalcoValues}. */
export interface FalcoValuesInput {
    readonly image: RegistryImage;
    /** Falco priority: rules below it are not loaded. */
    readonly minimumPriority: string;
    /** The platform's rules file (YAML). */
    readonly rulesYaml: string;
    /** The nodes' container runtime: the only socket Falco mounts. */
    readonly containerRuntime: FalcoContainerRuntime;
    /** The ServiceAccount the pods run as (created without token automounting). */
    readonly serviceAccountName: string;
    readonly alertMode: FalcoAlertMode;
    /** The HTTP output's target: falcosidekick's service, or the `http` mode's receiver. */
    readonly httpUrl?: string;
    /**
     * The Secret whose `ca.crt` verifies falcosidekick's serving certificate (mode
     * `falcosidekick`); only that key is mounted, never the Secret's private key.
     */
    readonly sidekickCaSecret?: string;
    readonly metrics: boolean;
    readonly serviceMonitor: boolean;
}

/** falcosidekick's Service DNS name in `namespace`: the serving certificate's name (pure). */
export function falcosidekickHost(namespace: string): string {
    return `${falcosidekickReleaseName}.${namespace}.svc`;
}

/** The URL Falco posts alerts to when falcosidekick routes them: TLS only (pure). */
export function falcosidekickUrl(namespace: string): string {
    return `https://${falcosidekickHost(namespace)}:${falcosidekickPort}/`;
}

/**
 * The container plugin's configuration (pure): only the runtime's engine is on, with only its
 * socket (as the host sees it; the plugin prefixes `HOST_ROOT`, /host). Same keys and defaults as
 * the chart's `collectors.containerEngine` renders, which is off so that the chart mounts no
 * socket of its own (it would mount all six, read-write).
 */
export function renderContainerPlugin(runtime: FalcoContainerRuntime): Record<string, unknown> {
    const { engine, socket } = falcoContainerRuntimes[runtime];
    const engines: Record<string, unknown> = {};
    for (const name of falcoContainerEngines) {
        engines[name] = name === engine ? { enabled: true, sockets: [socket] } : { enabled: false };
    }
    return {
        name: "container",
        library_path: "libcontainer.so",
        init_config: { label_max_len: 100, with_size: false, hooks: ["create"], engines },
    };
}

/** Falco's own spelling of a priority (`informational` is `info` in falco.yaml). */
function falcoConfigPriority(priority: string): string {
    return priority === "informational" ? "info" : priority;
}

/** Hardened Helm values of the Falco chart (pure). */
export function renderFalcoValues(input: FalcoValuesInput): Record<string, unknown> {
    const http = input.alertMode !== "stdout";
    if (http && input.httpUrl === undefined) {
        throw new Error(`alert mode "${input.alertMode}" needs the HTTP output's URL`);
    }
    const sidekick = input.alertMode === "falcosidekick";
    if (sidekick && input.sidekickCaSecret === undefined) {
        throw new Error('alert mode "falcosidekick" needs the Secret of the CA that verifies it');
    }
    const { socket } = falcoContainerRuntimes[input.containerRuntime];
    // Every host path the pod gets, and why (the chart adds the ones it always renders, below):
    // - the runtime's socket, read-only: the container plugin asks the runtime for container and
    //   pod metadata (container.*, k8s.ns.name, k8s.pod.name). A read-only mount still lets Falco
    //   call the runtime's API; what it narrows is which runtime (one socket instead of six).
    //   `type: Socket` makes a wrong falco.containerRuntime fail at pod start, not silently.
    // - /proc (read-only, chart `proc-fs`): Falco reads the host's processes, threads, file
    //   descriptors and cgroups to build its state; the pod is not in the host PID namespace.
    // - /etc (read-only, chart `etc-fs`): the host's user and group names (upstream's
    //   least-privileged modern eBPF setup mounts /proc and /etc read-only and nothing else).
    // - /boot and /usr (read-only) and /lib/modules (read-write), chart `boot-fs`, `usr-fs`,
    //   `lib-modules`: only the driver loader uses them, and it is off; chart 9.1.0 renders them
    //   whenever `driver.enabled` and has no key to drop them or make /lib/modules read-only.
    // Not mounted: /sys/kernel (`driver.modernEbpf.sysfsMount: false`; the modern probe attaches
    // through BTF, which the container's own /sys has at /sys/kernel/btf/vmlinux), /dev and
    // /sys/module (kernel module only).
    const volumes: Record<string, unknown>[] = [
        {
            name: "container-runtime-socket",
            hostPath: { path: socket, type: "Socket" },
        },
    ];
    const volumeMounts: Record<string, unknown>[] = [
        { name: "container-runtime-socket", mountPath: `/host${socket}`, readOnly: true },
    ];
    if (sidekick) {
        // Only the CA certificate: the same Secret holds falcosidekick's private key.
        volumes.push({
            name: falcosidekickCaMount.volume,
            secret: {
                secretName: input.sidekickCaSecret,
                items: [{ key: "ca.crt", path: "ca.crt" }],
            },
        });
        volumeMounts.push({
            name: falcosidekickCaMount.volume,
            mountPath: falcosidekickCaMount.directory,
            readOnly: true,
        });
    }
    return {
        image: {
            registry: input.image.registry,
            repository: input.image.repository,
            tag: input.image.tag,
            pullPolicy: "IfNotPresent",
        },
        controller: { kind: "daemonset" },
        // Falco never calls the Kubernetes API (no k8s-metacollector, no driver loader updating
        // its ConfigMap): it runs as the component's ServiceAccount, which mounts no token, and
        // gets no Role. The chart has no key for automountServiceAccountToken itself.
        serviceAccount: { create: false, name: input.serviceAccountName },
        rbac: { create: false },
        // modern_ebpf is compiled into Falco: no kernel module, no driver-loader init container
        // (which runs privileged and downloads prebuilt drivers). leastPrivileged replaces
        // `privileged: true` with the BPF, SYS_RESOURCE, PERFMON and SYS_PTRACE capabilities;
        // sysfsMount off drops the host's /sys/kernel (see the host paths above).
        driver: {
            enabled: true,
            kind: "modern_ebpf",
            modernEbpf: { leastPrivileged: true, sysfsMount: false },
            loader: { enabled: false },
        },
        // The chart's managed collectors are off. The container plugin (shipped in the Falco
        // image) is configured under falco.plugins instead, so that Falco mounts one socket
        // read-only rather than the chart's six read-write; the k8s-metacollector would need a
        // plugin download and another Deployment with cluster-wide read access.
        collectors: {
            enabled: false,
            containerEngine: { enabled: false },
            kubernetes: { enabled: false },
        },
        mounts: { volumes, volumeMounts },
        // No rule or plugin downloads at runtime: falcoctl's install init container and follow
        // sidecar are off and it has no index, so an air-gapped cluster runs exactly the rules
        // this program ships (the image's default rules plus `customRules`).
        falcoctl: {
            artifact: { install: { enabled: false }, follow: { enabled: false } },
            config: {
                indexes: [],
                artifact: { install: { refs: [] }, follow: { refs: [] } },
            },
        },
        customRules: { [sovereignRulesFileName]: input.rulesYaml },
        // falcosidekick is installed as its own chart at an exact version (see defaults.ts).
        falcosidekick: { enabled: false },
        responseActions: { enabled: false },
        resources: structuredClone(falcoResources.falco),
        tolerations: [
            {
                key: "node-role.kubernetes.io/control-plane",
                operator: "Exists",
                effect: "NoSchedule",
            },
            // GPU nodes are usually tainted; they are where a miner would run.
            { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
        ],
        metrics: {
            enabled: input.metrics,
            service: { create: input.metrics, type: "ClusterIP" },
        },
        serviceMonitor: { create: input.metrics && input.serviceMonitor },
        falco: {
            rules_files: [
                "/etc/falco/falco_rules.yaml",
                "/etc/falco/falco_rules.local.yaml",
                "/etc/falco/rules.d",
            ],
            priority: falcoConfigPriority(input.minimumPriority),
            json_output: true,
            json_include_output_property: true,
            json_include_tags_property: true,
            stdout_output: { enabled: true },
            syslog_output: { enabled: false },
            file_output: { enabled: false },
            program_output: { enabled: false },
            load_plugins: ["container"],
            plugins: [renderContainerPlugin(input.containerRuntime)],
            // No gRPC keys: Falco 0.40 removed the gRPC server, and chart 9.x refuses any
            // `falco.grpc` or `falco.grpc_output` key, even one that disables it.
            // To falcosidekick: HTTPS, verified against the internal CA alone (ca_cert wins over
            // ca_bundle and ca_path in Falco's HTTP output).
            http_output: sidekick
                ? {
                      enabled: true,
                      url: input.httpUrl,
                      insecure: false,
                      ca_cert: falcosidekickCaMount.file,
                  }
                : http
                  ? { enabled: true, url: input.httpUrl, insecure: false }
                  : { enabled: false },
        },
    };
}

/** falcosidekick's outputs. */
export interface SidekickOutputs {
    readonly webhookUrl?: string;
    readonly alertmanagerUrl?: string;
    readonly syslog?: {
        readonly host: string;
        readonly port: number;
        readonly protocol: "tcp" | "udp";
    };
}

/** Inputs of {@link renderFalcosidekickValues}. */
export interface FalcosidekickValuesInput {
    readonly image: RegistryImage;
    readonly replicas: number;
    /** Alerts below this priority are not forwarded. */
    readonly minimumPriority: string;
    readonly outputs: SidekickOutputs;
    readonly serviceMonitor: boolean;
    /**
     * The serving certificate: the `kubernetes.io/tls` Secret cert-manager writes, and the DNS
     * name it is issued for (the Service's; Prometheus checks it when scraping).
     */
    readonly tls: { readonly secretName: string; readonly serverName: string };
}

/**
 * Hardened Helm values of the falcosidekick chart (pure). The chart's own security context fails
 * Pod Security restricted; it is completed here. The web UI (and its Redis) stays off. It serves
 * TLS only on its listen port, with the certificate cert-manager issues; its plain-HTTP port
 * answers only `/ping` (the kubelet's probes, which the chart sends over HTTP).
 */
export function renderFalcosidekickValues(
    input: FalcosidekickValuesInput,
): Record<string, unknown> {
    const min = input.minimumPriority;
    const config: Record<string, unknown> = {};
    if (input.outputs.webhookUrl !== undefined) {
        config.webhook = { address: input.outputs.webhookUrl, minimumpriority: min };
    }
    if (input.outputs.alertmanagerUrl !== undefined) {
        config.alertmanager = {
            hostport: input.outputs.alertmanagerUrl,
            endpoint: "/api/v2/alerts",
            minimumpriority: min,
        };
    }
    if (input.outputs.syslog !== undefined) {
        config.syslog = {
            host: input.outputs.syslog.host,
            port: String(input.outputs.syslog.port),
            protocol: input.outputs.syslog.protocol,
            format: "json",
            minimumpriority: min,
        };
    }
    return {
        replicaCount: input.replicas,
        image: {
            registry: input.image.registry,
            repository: input.image.repository,
            tag: input.image.tag,
            pullPolicy: "IfNotPresent",
        },
        podSecurityContext: {
            runAsNonRoot: true,
            runAsUser: 1234,
            fsGroup: 1234,
            seccompProfile: { type: "RuntimeDefault" },
        },
        securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
        },
        resources: structuredClone(falcoResources.falcosidekick),
        config: {
            ...config,
            tlsserver: {
                deploy: true,
                existingSecret: input.tls.secretName,
                certfile: `${falcosidekickCertDirectory}/tls.crt`,
                keyfile: `${falcosidekickCertDirectory}/tls.key`,
                mutualtls: false,
                notlsport: 2810,
                notlspaths: "/ping",
            },
        },
        // falcosidekick never calls the Kubernetes API (its outputs are Alertmanager, a webhook
        // and syslog). Chart 0.14.0 has no key for automountServiceAccountToken and always uses
        // its own ServiceAccount; an empty read-only directory at the token's path keeps the
        // token out: the API server's ServiceAccount admission plugin adds no token volume to a
        // container that already mounts something there.
        extraVolumes: [{ name: "no-api-token", emptyDir: { sizeLimit: "1Mi" } }],
        extraVolumeMounts: [
            { name: "no-api-token", mountPath: serviceAccountTokenPath, readOnly: true },
        ],
        webui: { enabled: false },
        // falcosidekick serves Prometheus metrics on its listen port, over TLS; the alerting
        // rules are the platform's own PrometheusRule (see renderRuntimeAlertRules).
        serviceMonitor: input.serviceMonitor
            ? {
                  enabled: true,
                  additionalProperties: {
                      scheme: "https",
                      tlsConfig: {
                          ca: { secret: { name: input.tls.secretName, key: "ca.crt" } },
                          serverName: input.tls.serverName,
                      },
                  },
              }
            : { enabled: false },
        prometheusRules: { enabled: false },
    };
}

/**
 * falcosidekick's serving certificate (pure): issued by the platform's internal CA for the
 * Service's DNS name, ECDSA P-256, server authentication only, into the Secret falcosidekick
 * serves from and whose `ca.crt` Falco verifies it with.
 */
export function renderFalcosidekickCertificate(
    namespace: string,
    clusterIssuer: string,
): Record<string, unknown> {
    const host = falcosidekickHost(namespace);
    return renderCertificate({
        name: falcosidekickTls.certificateName,
        namespace,
        secretName: falcosidekickTls.secretName,
        commonName: host,
        dnsNames: [host],
        isCA: false,
        duration: falcosidekickTls.duration,
        renewBefore: falcosidekickTls.renewBefore,
        keySize: 256,
        usages: ["digital signature", "server auth"],
        issuer: { kind: "ClusterIssuer", name: clusterIssuer },
        labels: falcoLabels,
    });
}

/** Falco's ServiceAccount (pure): no API token is mounted into its pods. */
export function renderFalcoServiceAccount(
    name: string,
    namespace: string,
): {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    automountServiceAccountToken: boolean;
} {
    return {
        metadata: { name, namespace, labels: { ...falcoLabels } },
        automountServiceAccountToken: false,
    };
}

/**
 * The platform's runtime alerts as a Prometheus Operator PrometheusRule (pure): Falco events by
 * priority (falcosidekick's metrics), Gatekeeper audit violations of denying constraints, Kyverno
 * policy failures, and cert-manager certificates whose renewal is overdue or that are about to
 * expire.
 */
export function renderRuntimeAlertRules(namespace: string): Record<string, unknown> {
    const alert = (
        name: string,
        expr: string,
        forDuration: string,
        severity: "critical" | "warning",
        summary: string,
    ): Record<string, unknown> => ({
        alert: name,
        expr,
        for: forDuration,
        labels: { severity, "sovereign-contour": "runtime" },
        annotations: { summary },
    });
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "sovereign-runtime-alerts", namespace, labels: { ...falcoLabels } },
        spec: {
            groups: [
                {
                    name: "sovereign-falco",
                    rules: [
                        alert(
                            "FalcoCriticalEvent",
                            'sum by (rule) (increase(falcosecurity_falcosidekick_falco_events_total{priority_raw=~"critical|alert|emergency"}[5m])) > 0',
                            "0m",
                            "critical",
                            "Falco reported a critical event ({{ $labels.rule }}).",
                        ),
                        alert(
                            "FalcoWarningEventsHigh",
                            'sum by (rule) (rate(falcosecurity_falcosidekick_falco_events_total{priority_raw=~"warning|error"}[10m])) > 0.05',
                            "10m",
                            "warning",
                            "Falco rule {{ $labels.rule }} fires more than 3 times a minute.",
                        ),
                    ],
                },
                {
                    name: "sovereign-admission",
                    rules: [
                        alert(
                            "GatekeeperDenyViolations",
                            'sum(gatekeeper_violations{enforcement_action="deny"}) > 0',
                            "15m",
                            "warning",
                            "Gatekeeper's audit finds objects violating denying constraints.",
                        ),
                        alert(
                            "KyvernoPolicyFailures",
                            'sum by (policy_name) (increase(kyverno_policy_results_total{rule_result="fail"}[10m])) > 0',
                            "10m",
                            "warning",
                            "Kyverno policy {{ $labels.policy_name }} reports failing resources.",
                        ),
                    ],
                },
                {
                    name: "sovereign-certificates",
                    rules: [
                        alert(
                            "CertificateRenewalOverdue",
                            "time() > certmanager_certificate_renewal_timestamp_seconds + 3600",
                            "5m",
                            "warning",
                            "cert-manager did not renew {{ $labels.namespace }}/{{ $labels.name }} on time.",
                        ),
                        alert(
                            "CertificateExpiresSoon",
                            "certmanager_certificate_expiration_timestamp_seconds - time() < 12 * 3600",
                            "5m",
                            "critical",
                            "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires within 12 hours.",
                        ),
                        alert(
                            "CertificateNotReady",
                            'certmanager_certificate_ready_status{condition="False"} == 1',
                            "15m",
                            "warning",
                            "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not ready.",
                        ),
                    ],
                },
            ],
        },
    };
}
