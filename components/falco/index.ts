import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSettings } from "../platform/settings";
import type { CertManager } from "../cert-manager";
import type { ResolvedChart } from "../shared/chart-source";
import {
    ExistingNamespace,
    helmArgsFromSettings,
    HelmComponentArgs,
    HelmInstaller,
} from "../shared/helm-component";
import {
    falcoChart,
    FalcoContainerRuntime,
    falcoDefaults,
    falcoImages,
    falcoReleaseName,
    falcoServiceAccountName,
    falcosidekickChart,
    falcosidekickReleaseName,
    falcosidekickTls,
} from "./defaults";
import {
    FalcoAlertMode,
    falcosidekickHost,
    imageReference,
    mirroredImage,
    renderFalcoNamespace,
    renderFalcoServiceAccount,
    renderFalcosidekickCertificate,
    renderFalcosidekickValues,
    renderFalcoValues,
    renderRuntimeAlertRules,
    SidekickOutputs,
} from "./render";
import type { SovereignRulesInput } from "./rules";
import { FalcoConfig, falcoConfig } from "./validate";

export { checkRulesFile, evaluateCondition, parseCondition } from "./condition";
export { falcoContainerRuntimes } from "./defaults";
export type { FalcoContainerRuntime } from "./defaults";
export { renderSovereignRulesYaml, sovereignRules, sovereignRulesFile } from "./rules";

/** Alert routing of {@link FalcoArgs}. */
export interface FalcoAlertsArgs {
    /**
     * `falcosidekick` (Falco posts to falcosidekick, which fans out to `outputs` and serves
     * metrics), `http` (Falco posts to `httpUrl`) or `stdout` (alerts stay in Falco's log).
     * @default "falcosidekick"
     */
    readonly mode?: FalcoAlertMode;
    /** Alerts below this priority are not forwarded by falcosidekick. @default "warning" */
    readonly minimumPriority?: string;
    /** Receiver of Falco's HTTP output in mode `http`. @default none (required in that mode) */
    readonly httpUrl?: string;
    /** falcosidekick replicas. @default 2 */
    readonly sidekickReplicas?: number;
    /** falcosidekick's outputs (webhook, Alertmanager, syslog). @default {} (metrics only) */
    readonly outputs?: SidekickOutputs;
}

export type { ExistingNamespace } from "../shared/helm-component";

/** Arguments of {@link Falco}. */
export interface FalcoArgs extends HelmComponentArgs {
    /**
     * The platform's cert-manager: it issues falcosidekick's serving certificate from its CA
     * ClusterIssuer, so that Falco posts alerts over verified TLS. Required when alerts go
     * through falcosidekick (`alerts.mode`), unused otherwise.
     * @default undefined (an error in mode "falcosidekick")
     */
    readonly certManager?: CertManager;
    /**
     * The nodes' container runtime: Falco mounts its socket alone, read-only, for container and
     * pod metadata (`containerd`: /run/containerd/containerd.sock, `crio`: /run/crio/crio.sock,
     * `docker`: /var/run/docker.sock).
     * @default "containerd"
     */
    readonly containerRuntime?: FalcoContainerRuntime;
    /** Namespace Falco runs in. @default "falco" */
    readonly namespace?: string;
    /**
     * The namespace when it is one of the stack's declared system namespaces (created by the
     * bootstrap layer with its reason); it must enforce `privileged`. Unset: the component creates
     * the namespace itself, Pod Security `privileged` with its reason on record.
     * @default undefined (the component creates it)
     */
    readonly systemNamespace?: ExistingNamespace;
    /** Rules below this priority are not loaded. @default "notice" */
    readonly minimumPriority?: string;
    /**
     * Scope of the platform's rules: serving, training and GPU namespaces, model readers, allowed
     * egress networks. @default no namespaces, the usual model runtimes, no allowed networks
     */
    readonly rules?: Partial<SovereignRulesInput>;
    /** Alert routing. @default falcosidekick, warning and above */
    readonly alerts?: FalcoAlertsArgs;
    /** Serve Prometheus metrics from Falco's webserver. @default true */
    readonly metrics?: boolean;
    /**
     * Create ServiceMonitors and the PrometheusRule of runtime alerts (needs the Prometheus
     * Operator CRDs). @default false
     */
    readonly prometheusOperator?: boolean;
}

/**
 * Falco (runtime layer): behaviour detection on every node with the `modern_ebpf` driver and
 * capabilities instead of a privileged container, the upstream default rules plus the platform's
 * own rules for AI workloads (rendered and checked by this program; nothing is downloaded at
 * runtime), and alert routing through falcosidekick (over TLS, with a certificate from the
 * platform's cert-manager) or Falco's HTTP output. Falco mounts the one configured container
 * runtime's socket, read-only, and neither pod mounts an API token. Its namespace is the platform's
 * declared Pod Security exemption, with the reason on record.
 */
export class Falco extends pulumi.ComponentResource {
    /** Where the Falco chart came from (for the mirroring list and the report). */
    readonly chart: ResolvedChart;
    /** Every chart the component installs (Falco, and falcosidekick when it routes alerts). */
    readonly charts: ResolvedChart[];
    /** Every image the component deploys, after mirroring. */
    readonly images: string[];
    /** The namespace Falco runs in (its own, or the declared system namespace). */
    readonly namespace: k8s.core.v1.Namespace;
    /** The Falco chart. */
    readonly release: k8s.helm.v4.Chart;
    /** The falcosidekick chart; undefined unless alerts go through falcosidekick. */
    readonly sidekick?: k8s.helm.v4.Chart;
    /** falcosidekick's serving certificate; undefined unless alerts go through falcosidekick. */
    readonly sidekickCertificate?: k8s.apiextensions.CustomResource;
    /** The ServiceAccount Falco's pods run as (no API token mounted). */
    readonly serviceAccount: k8s.core.v1.ServiceAccount;
    /** The PrometheusRule of runtime alerts; undefined without the Prometheus Operator. */
    readonly alertRules?: k8s.apiextensions.CustomResource;
    /** The platform's rules file as shipped (YAML). */
    readonly rulesYaml: string;

    constructor(name: string, args: FalcoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:runtime:Falco", name, {}, opts);
        const config = falcoConfig(args, this);
        const ns = config.namespace;
        this.rulesYaml = config.rulesYaml;
        const helm = new HelmInstaller(this, name, args, opts);
        this.chart = helm.chart(falcoChart);
        this.charts = helm.charts;
        const { falco } = helm.mirror({ falco: falcoImages.falco }, mirroredImage, imageReference);
        this.images = helm.images;

        this.namespace = helm.namespace(
            renderFalcoNamespace(ns, args.kubernetesVersion),
            args.systemNamespace,
        );
        this.serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            renderFalcoServiceAccount(falcoServiceAccountName, ns),
            helm.options({ dependsOn: [this.namespace] }),
        );
        if (config.sidekick !== undefined) {
            const sidekick = installSidekick(helm, config, config.sidekick, this.namespace);
            this.sidekickCertificate = sidekick.certificate;
            this.sidekick = sidekick.release;
        }
        // Both pods wait for the certificate (Ready): falcosidekick serves it, Falco verifies it.
        // Falco posts to falcosidekick, so falcosidekick is ready first.
        this.release = helm.release(
            "chart",
            this.chart,
            {
                name: falcoReleaseName,
                namespace: ns,
                values: renderFalcoValues({
                    image: falco,
                    minimumPriority: config.minimumPriority,
                    rulesYaml: this.rulesYaml,
                    containerRuntime: config.containerRuntime,
                    serviceAccountName: falcoServiceAccountName,
                    alertMode: config.mode,
                    httpUrl: config.httpUrl,
                    ...(config.sidekick !== undefined
                        ? { sidekickCaSecret: falcosidekickTls.secretName }
                        : {}),
                    metrics: config.metrics,
                    serviceMonitor: config.prometheusOperator,
                }),
            },
            [
                this.namespace,
                this.serviceAccount,
                ...helm.gate,
                ...(this.sidekickCertificate !== undefined ? [this.sidekickCertificate] : []),
                ...(this.sidekick !== undefined ? [this.sidekick] : []),
            ],
        );
        if (config.prometheusOperator) {
            this.alertRules = new k8s.apiextensions.CustomResource(
                `${name}-alert-rules`,
                renderRuntimeAlertRules(ns) as k8s.apiextensions.CustomResourceArgs,
                helm.options({ dependsOn: [this.namespace] }),
            );
        }

        this.registerOutputs({
            ...helm.chartListOutputs(ns),
            containerRuntime: config.containerRuntime,
            alertMode: config.mode,
        });
    }
}

/**
 * falcosidekick, which receives Falco's alerts and fans them out: its chart (resolved after
 * Falco's), its image, and its serving certificate from the platform CA. The certificate waits for
 * cert-manager and the namespace; the chart waits for the certificate (Ready) and the namespace's
 * NetworkPolicies.
 */
function installSidekick(
    helm: HelmInstaller,
    config: FalcoConfig,
    { certManager }: { readonly certManager: CertManager },
    namespace: k8s.core.v1.Namespace,
): { certificate: k8s.apiextensions.CustomResource; release: k8s.helm.v4.Chart } {
    const chart = helm.chart(falcosidekickChart);
    const { falcosidekick } = helm.mirror(
        { falcosidekick: falcoImages.falcosidekick },
        mirroredImage,
        imageReference,
    );
    const certificate = new k8s.apiextensions.CustomResource(
        `${helm.name}-sidekick-certificate`,
        renderFalcosidekickCertificate(
            config.namespace,
            certManager.clusterIssuerName,
        ) as k8s.apiextensions.CustomResourceArgs,
        helm.options({ dependsOn: [certManager, namespace] }),
    );
    const release = helm.release(
        "sidekick-chart",
        chart,
        {
            name: falcosidekickReleaseName,
            namespace: config.namespace,
            values: renderFalcosidekickValues({
                image: falcosidekick,
                replicas: config.sidekickReplicas,
                minimumPriority:
                    config.alerts.minimumPriority ?? falcoDefaults.alertMinimumPriority,
                outputs: config.outputs,
                serviceMonitor: config.prometheusOperator,
                tls: {
                    secretName: falcosidekickTls.secretName,
                    serverName: falcosidekickHost(config.namespace),
                },
            }),
        },
        [namespace, certificate, ...helm.gate],
    );
    return { certificate, release };
}

/**
 * The Falco arguments a stack's settings give (the component's settings are `falco`), with its
 * namespace from the bootstrap layer when the stack declares it among `systemNamespaces`, and the
 * platform's cert-manager (undefined when `certManager.enabled` is false).
 */
export function falcoArgsFromSettings(
    settings: PlatformSettings,
    systemNamespaces: Readonly<Record<string, k8s.core.v1.Namespace>> = {},
    certManager?: CertManager,
): FalcoArgs {
    const f = settings.falco;
    const declared = settings.systemNamespaces.find((ns) => ns.name === f.namespace);
    const existing = systemNamespaces[f.namespace];
    return {
        ...helmArgsFromSettings(settings),
        ...(certManager !== undefined ? { certManager } : {}),
        containerRuntime: f.containerRuntime,
        namespace: f.namespace,
        ...(declared !== undefined && existing !== undefined
            ? { systemNamespace: { namespace: existing, podSecurity: declared.podSecurity } }
            : {}),
        minimumPriority: f.minimumPriority,
        rules: f.rules,
        alerts: {
            mode: f.alerts.mode,
            minimumPriority: f.alerts.minimumPriority,
            httpUrl: f.alerts.httpUrl,
            sidekickReplicas: f.alerts.sidekickReplicas,
            outputs: f.alerts.outputs,
        },
        metrics: f.metrics,
        prometheusOperator: f.prometheusOperator,
    };
}
