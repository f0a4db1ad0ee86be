import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSettings } from "../../stacks/schema";
import type { ChartsSettings, ImagesSettings } from "../../stacks/sections/sources";
import type { CertManager } from "../cert-manager";
import { resolveChart, ResolvedChart } from "../shared/chart-source";
import { chartRelease } from "../shared/chart-release";
import { childOptions } from "../shared/options";
import { checkRulesFile } from "./condition";
import {
    falcoChart,
    FalcoContainerRuntime,
    falcoContainerRuntimes,
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
    falcosidekickUrl,
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
import { renderSovereignRulesYaml, sovereignRulesFile, SovereignRulesInput } from "./rules";

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

/** A namespace another component created (the bootstrap layer's system namespaces), and its level. */
export interface ExistingNamespace {
    readonly namespace: k8s.core.v1.Namespace;
    readonly podSecurity: "privileged" | "baseline" | "restricted";
}

/** Arguments of {@link Falco}. */
export interface FalcoArgs {
    /** Target Kubernetes minor version (pinned in the namespace's Pod Security labels). */
    readonly kubernetesVersion: string;
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
    /** Chart sources (`charts` settings): upstream by default, a mirror or a local chart. @default {} */
    readonly charts?: ChartsSettings;
    /** Image registry mirror (`images` settings). @default {} (upstream registries) */
    readonly images?: ImagesSettings;
    /** Namespace Falco runs in. @default "falco" */
    readonly namespace?: string;
    /**
     * What the charts' pods wait for besides the namespace: the namespace's NetworkPolicies
     * (PlatformNetwork), which can exist only once the namespace does, hence an Input (the
     * platform passes a promise). @default nothing
     */
    readonly networkPolicies?: pulumi.Input<pulumi.Resource>;
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
        const d = falcoDefaults;
        const namespaceName = args.namespace ?? d.namespace;
        const alerts = args.alerts ?? {};
        const mode = alerts.mode ?? d.alertMode;
        const replicas = alerts.sidekickReplicas ?? d.sidekickReplicas;
        const prometheusOperator = args.prometheusOperator ?? d.prometheusOperator;
        const metrics = args.metrics ?? d.metrics;
        const containerRuntime = args.containerRuntime ?? d.containerRuntime;
        if (!Object.hasOwn(falcoContainerRuntimes, containerRuntime)) {
            const known = Object.keys(falcoContainerRuntimes).map((r) => JSON.stringify(r));
            throw new pulumi.ResourceError(
                `falco.containerRuntime is ${JSON.stringify(containerRuntime)}; expected ` +
                    `${known.slice(0, -1).join(", ")} or ${known[known.length - 1]} (the nodes' ` +
                    "container runtime, whose socket alone Falco mounts)",
                this,
            );
        }
        if (
            args.systemNamespace !== undefined &&
            args.systemNamespace.podSecurity !== "privileged"
        ) {
            throw new pulumi.ResourceError(
                `systemNamespaces entry "${namespaceName}" (falco.namespace) enforces Pod Security ` +
                    `"${args.systemNamespace.podSecurity}"; expected "privileged" with a reason: ` +
                    "Falco's DaemonSet needs kernel-instrumentation capabilities and host paths",
                this,
            );
        }
        if (mode === "http" && alerts.httpUrl === undefined) {
            throw new pulumi.ResourceError(
                'falco.alerts.mode is "http" but falco.alerts.httpUrl is not set; expected the ' +
                    "URL of the receiver of Falco's HTTP output",
                this,
            );
        }
        if (!Number.isInteger(replicas) || replicas < 1) {
            throw new pulumi.ResourceError(
                `falco.alerts.sidekickReplicas is ${replicas}; expected a whole number of at least 1`,
                this,
            );
        }
        const rulesInput: SovereignRulesInput = {
            servingNamespaces: args.rules?.servingNamespaces ?? [],
            trainingNamespaces: args.rules?.trainingNamespaces ?? [],
            gpuNamespaces: args.rules?.gpuNamespaces ?? [],
            modelReaders: args.rules?.modelReaders ?? d.modelReaders,
            allowedEgressCidrs: args.rules?.allowedEgressCidrs ?? [],
        };
        const problems = checkRulesFile(sovereignRulesFile(rulesInput));
        if (problems.length > 0) {
            throw new pulumi.ResourceError(
                `falco.rules renders a rules file that fails its checks (${problems.join("; ")}); ` +
                    "expected rules that parse and use only known fields and defined lists and macros",
                this,
            );
        }
        this.rulesYaml = renderSovereignRulesYaml(rulesInput);
        const sidekickEnabled = mode === "falcosidekick";
        const certManager = args.certManager;
        if (sidekickEnabled && certManager === undefined) {
            throw new pulumi.ResourceError(
                'falco.alerts.mode is "falcosidekick" but certManager.enabled is false; expected ' +
                    "certManager.enabled: true (cert-manager issues falcosidekick's serving " +
                    'certificate, so Falco posts alerts over TLS) or falco.alerts.mode "http" or ' +
                    '"stdout"',
                this,
            );
        }
        const outputs = alerts.outputs ?? {};
        if (
            sidekickEnabled &&
            outputs.webhookUrl === undefined &&
            outputs.alertmanagerUrl === undefined &&
            outputs.syslog === undefined
        ) {
            void pulumi.log.warn(
                "falco.alerts.outputs sets no webhook, Alertmanager or syslog: falcosidekick only " +
                    "counts alerts in its metrics",
                this,
            );
        }

        const charts = args.charts ?? { overrides: {} };
        const images = args.images ?? {};
        this.chart = resolveChart(falcoChart, charts);
        const sidekickChart = sidekickEnabled
            ? resolveChart(falcosidekickChart, charts)
            : undefined;
        this.charts = [this.chart, ...(sidekickChart !== undefined ? [sidekickChart] : [])];
        const falcoImage = mirroredImage(falcoImages.falco, images);
        const sidekickImage = mirroredImage(falcoImages.falcosidekick, images);
        this.images = [
            imageReference(falcoImage),
            ...(sidekickEnabled ? [imageReference(sidekickImage)] : []),
        ];

        this.namespace =
            args.systemNamespace?.namespace ??
            new k8s.core.v1.Namespace(
                `${name}-namespace`,
                renderFalcoNamespace(namespaceName, args.kubernetesVersion),
                childOptions(this, opts),
            );
        this.serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-service-account`,
            renderFalcoServiceAccount(falcoServiceAccountName, namespaceName),
            childOptions(this, opts, { dependsOn: [this.namespace] }),
        );
        // Both pods wait for the certificate (Ready): falcosidekick serves it, Falco verifies it.
        const tlsReady: pulumi.Resource[] = [];
        if (sidekickChart !== undefined && certManager !== undefined) {
            this.sidekickCertificate = new k8s.apiextensions.CustomResource(
                `${name}-sidekick-certificate`,
                renderFalcosidekickCertificate(
                    namespaceName,
                    certManager.clusterIssuerName,
                ) as k8s.apiextensions.CustomResourceArgs,
                childOptions(this, opts, { dependsOn: [certManager, this.namespace] }),
            );
            tlsReady.push(this.sidekickCertificate);
            this.sidekick = chartRelease(
                `${name}-sidekick-chart`,
                sidekickChart,
                {
                    name: falcosidekickReleaseName,
                    namespace: namespaceName,
                    values: renderFalcosidekickValues({
                        image: sidekickImage,
                        replicas,
                        minimumPriority: alerts.minimumPriority ?? d.alertMinimumPriority,
                        outputs,
                        serviceMonitor: prometheusOperator,
                        tls: {
                            secretName: falcosidekickTls.secretName,
                            serverName: falcosidekickHost(namespaceName),
                        },
                    }),
                },
                childOptions(this, opts, {
                    dependsOn: [
                        this.namespace,
                        ...tlsReady,
                        ...(args.networkPolicies !== undefined ? [args.networkPolicies] : []),
                    ],
                }),
            );
        }
        // Falco posts to falcosidekick, so falcosidekick is ready first.
        this.release = chartRelease(
            `${name}-chart`,
            this.chart,
            {
                name: falcoReleaseName,
                namespace: namespaceName,
                values: renderFalcoValues({
                    image: falcoImage,
                    minimumPriority: args.minimumPriority ?? d.minimumPriority,
                    rulesYaml: this.rulesYaml,
                    containerRuntime,
                    serviceAccountName: falcoServiceAccountName,
                    alertMode: mode,
                    httpUrl: sidekickEnabled ? falcosidekickUrl(namespaceName) : alerts.httpUrl,
                    ...(sidekickEnabled ? { sidekickCaSecret: falcosidekickTls.secretName } : {}),
                    metrics,
                    serviceMonitor: prometheusOperator,
                }),
            },
            childOptions(this, opts, {
                dependsOn: [
                    this.namespace,
                    this.serviceAccount,
                    ...(args.networkPolicies !== undefined ? [args.networkPolicies] : []),
                    ...tlsReady,
                    ...(this.sidekick !== undefined ? [this.sidekick] : []),
                ],
            }),
        );
        if (prometheusOperator) {
            this.alertRules = new k8s.apiextensions.CustomResource(
                `${name}-alert-rules`,
                renderRuntimeAlertRules(namespaceName) as k8s.apiextensions.CustomResourceArgs,
                childOptions(this, opts, { dependsOn: [this.namespace] }),
            );
        }

        this.registerOutputs({
            charts: this.charts.map((c) => `${c.name}@${c.version}`),
            images: this.images,
            namespace: namespaceName,
            containerRuntime,
            alertMode: mode,
        });
    }
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
        kubernetesVersion: settings.kubernetesVersion,
        ...(certManager !== undefined ? { certManager } : {}),
        containerRuntime: f.containerRuntime,
        charts: settings.charts,
        images: settings.images,
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
