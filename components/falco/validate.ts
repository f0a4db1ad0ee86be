/**
 * Falco's arguments with their defaults applied, and the checks that refuse invalid ones before
 * any resource is declared. Messages name the setting, the value and what is expected.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CertManager } from "../cert-manager";
import { requirePrivileged, requireReplicas } from "../shared/helm-component";
import { checkRulesFile } from "./condition";
import { FalcoContainerRuntime, falcoContainerRuntimes, falcoDefaults } from "./defaults";
import type { FalcoAlertsArgs, FalcoArgs } from "./index";
import { FalcoAlertMode, falcosidekickUrl, SidekickOutputs } from "./render";
import { renderSovereignRulesYaml, sovereignRulesFile, SovereignRulesInput } from "./rules";

/** What the Falco component installs with, every default applied and checked. */
export interface FalcoConfig {
    readonly namespace: string;
    readonly containerRuntime: FalcoContainerRuntime;
    /** Alert routing as given (`{}` when unset). */
    readonly alerts: FalcoAlertsArgs;
    readonly mode: FalcoAlertMode;
    readonly sidekickReplicas: number;
    readonly outputs: SidekickOutputs;
    /** Rules below this priority are not loaded. */
    readonly minimumPriority: string;
    /** Where Falco posts alerts over HTTP: falcosidekick, the given receiver, or nowhere. */
    readonly httpUrl?: string;
    readonly metrics: boolean;
    readonly prometheusOperator: boolean;
    /** The platform's rules file (YAML), checked. */
    readonly rulesYaml: string;
    /** The platform's cert-manager when alerts go through falcosidekick (then never undefined). */
    readonly sidekick?: { readonly certManager: CertManager };
}

/**
 * Applies Falco's defaults to `args` and refuses, as a ResourceError of `component`: an unknown
 * container runtime, a declared system namespace that is not `privileged`, HTTP routing without a
 * URL, fewer than one falcosidekick replica, rules that fail their checks, and falcosidekick
 * routing without cert-manager. Warns when falcosidekick has no output but its metrics.
 */
export function falcoConfig(args: FalcoArgs, component: pulumi.Resource): FalcoConfig {
    const d = falcoDefaults;
    const namespace = args.namespace ?? d.namespace;
    const alerts = args.alerts ?? {};
    const mode = alerts.mode ?? d.alertMode;
    const sidekickReplicas = alerts.sidekickReplicas ?? d.sidekickReplicas;
    const containerRuntime = args.containerRuntime ?? d.containerRuntime;
    if (!Object.hasOwn(falcoContainerRuntimes, containerRuntime)) {
        const known = Object.keys(falcoContainerRuntimes).map((r) => JSON.stringify(r));
        throw new pulumi.ResourceError(
            `falco.containerRuntime is ${JSON.stringify(containerRuntime)}; expected ` +
                `${known.slice(0, -1).join(", ")} or ${known[known.length - 1]} (the nodes' ` +
                "container runtime, whose socket alone Falco mounts)",
            component,
        );
    }
    requirePrivileged(
        component,
        args.systemNamespace,
        namespace,
        "falco.namespace",
        "Falco's DaemonSet needs kernel-instrumentation capabilities and host paths",
    );
    if (mode === "http" && alerts.httpUrl === undefined) {
        throw new pulumi.ResourceError(
            'falco.alerts.mode is "http" but falco.alerts.httpUrl is not set; expected the ' +
                "URL of the receiver of Falco's HTTP output",
            component,
        );
    }
    requireReplicas(component, "falco.alerts.sidekickReplicas", sidekickReplicas);
    const rulesYaml = checkedRules(args, component);
    const certManager = args.certManager;
    if (mode === "falcosidekick" && certManager === undefined) {
        throw new pulumi.ResourceError(
            'falco.alerts.mode is "falcosidekick" but certManager.enabled is false; expected ' +
                "certManager.enabled: true (cert-manager issues falcosidekick's serving " +
                'certificate, so Falco posts alerts over TLS) or falco.alerts.mode "http" or ' +
                '"stdout"',
            component,
        );
    }
    const outputs = alerts.outputs ?? {};
    if (
        mode === "falcosidekick" &&
        outputs.webhookUrl === undefined &&
        outputs.alertmanagerUrl === undefined &&
        outputs.syslog === undefined
    ) {
        void pulumi.log.warn(
            "falco.alerts.outputs sets no webhook, Alertmanager or syslog: falcosidekick only " +
                "counts alerts in its metrics",
            component,
        );
    }
    return {
        namespace,
        containerRuntime,
        alerts,
        mode,
        sidekickReplicas,
        outputs,
        minimumPriority: args.minimumPriority ?? d.minimumPriority,
        httpUrl: mode === "falcosidekick" ? falcosidekickUrl(namespace) : alerts.httpUrl,
        metrics: args.metrics ?? d.metrics,
        prometheusOperator: args.prometheusOperator ?? d.prometheusOperator,
        rulesYaml,
        ...(mode === "falcosidekick" && certManager !== undefined
            ? { sidekick: { certManager } }
            : {}),
    };
}

/** The platform's rules file rendered from `args.rules`, refused when it fails its checks. */
function checkedRules(args: FalcoArgs, component: pulumi.Resource): string {
    const rulesInput: SovereignRulesInput = {
        servingNamespaces: args.rules?.servingNamespaces ?? [],
        trainingNamespaces: args.rules?.trainingNamespaces ?? [],
        gpuNamespaces: args.rules?.gpuNamespaces ?? [],
        modelReaders: args.rules?.modelReaders ?? falcoDefaults.modelReaders,
        allowedEgressCidrs: args.rules?.allowedEgressCidrs ?? [],
    };
    const problems = checkRulesFile(sovereignRulesFile(rulesInput));
    if (problems.length > 0) {
        throw new pulumi.ResourceError(
            `falco.rules renders a rules file that fails its checks (${problems.join("; ")}); ` +
                "expected rules that parse and use only known fields and defined lists and macros",
            component,
        );
    }
    return renderSovereignRulesYaml(rulesInput);
}
