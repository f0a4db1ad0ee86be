/**
 * Pure render functions of the Falco component: settings in, plain objects out (the namespace, the
 * Helm values of Falco and falcosidekick, the PrometheusRule). No resources are created here.
 */
import type { ImagesSettings } from "../../stacks/sections/sources";
import { mirrorImage } from "../shared/chart-source";
import { platformLabels, podSecurityLabels } from "../shared/labels";
import { exemptionReasonAnnotation } from "../system-namespaces/render";
import {
    falcoResources,
    falcosidekickPort,
    falcosidekickReleaseName,
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
    "PERFMON, SYS_RESOURCE and SYS_PTRACE capabilities and read-only host paths (/proc, /etc, " +
    "/sys/kernel, the container runtime socket), which no level below privileged admits. No " +
    "container runs privileged (driver.modernEbpf.leastPrivileged) and there is no driver loader.";

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

/** An image reference split the way the Falco charts take it. */
export interface RegistryImage {
    readonly registry: string;
    readonly repository: string;
    readonly tag: string;
}

/**
 * An upstream image through the registry mirror, split the way the Falco charts compose it
 * (`registry/repository:tag`): the mirror (with its path) replaces the registry, the repository
 * path is kept (pure).
 */
export function mirroredImage(upstream: RegistryImage, images: ImagesSettings): RegistryImage {
    const suffix = `/${upstream.repository}:${upstream.tag}`;
    const full = mirrorImage(`${upstream.registry}${suffix}`, images);
    return { ...upstream, registry: full.slice(0, full.length - suffix.length) };
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
    readonly alertMode: FalcoAlertMode;
    /** The HTTP output's target: falcosidekick's service, or the `http` mode's receiver. */
    readonly httpUrl?: string;
    readonly metrics: boolean;
    readonly serviceMonitor: boolean;
}

/** The URL Falco posts alerts to when falcosidekick routes them (pure). */
export function falcosidekickUrl(namespace: string): string {
    return `http://${falcosidekickReleaseName}.${namespace}.svc:${falcosidekickPort}/`;
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
    return {
        image: {
            registry: input.image.registry,
            repository: input.image.repository,
            tag: input.image.tag,
            pullPolicy: "IfNotPresent",
        },
        controller: { kind: "daemonset" },
        // modern_ebpf is compiled into Falco: no kernel module, no driver-loader init container
        // (which runs privileged and downloads prebuilt drivers). leastPrivileged replaces
        // `privileged: true` with the BPF, SYS_RESOURCE, PERFMON and SYS_PTRACE capabilities.
        driver: {
            enabled: true,
            kind: "modern_ebpf",
            modernEbpf: { leastPrivileged: true },
            loader: { enabled: false },
        },
        // The container plugin ships in the Falco image and provides container.* and the pod's
        // namespace and name from the runtime; the k8s-metacollector would need a plugin download
        // and another Deployment with cluster-wide read access, so it stays off.
        collectors: {
            enabled: true,
            containerEngine: { enabled: true },
            kubernetes: { enabled: false },
        },
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
            // No gRPC keys: Falco 0.40 removed the gRPC server, and chart 9.x refuses any
            // `falco.grpc` or `falco.grpc_output` key, even one that disables it.
            http_output: http
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
}

/**
 * Hardened Helm values of the falcosidekick chart (pure). The chart's own security context fails
 * Pod Security restricted; it is completed here. The web UI (and its Redis) stays off.
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
        config,
        webui: { enabled: false },
        // falcosidekick serves Prometheus metrics on its listen port; the alerting rules are the
        // platform's own PrometheusRule (see renderRuntimeAlertRules).
        serviceMonitor: { enabled: input.serviceMonitor },
        prometheusRules: { enabled: false },
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
