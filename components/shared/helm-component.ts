/**
 * What every Helm-based component (Gatekeeper, Kyverno, cert-manager, Linkerd, Falco) does the same
 * way: resolve its charts against the stack's `charts` settings, pin its images through the
 * `images` mirror and list them, create its namespace (or take the declared system namespace),
 * install each chart after its namespace and, for a chart that runs pods, the namespace's
 * NetworkPolicies, register the common outputs, and refuse the settings every such component
 * shares when they are out of range. Each component keeps only what is its own: its values, its
 * own validation (`validate.ts` beside it) and the objects it adds beside its charts.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { expiredExemptions } from "../../contract/exemptions";
import type { ChartsSettings, ImagesSettings } from "./settings";
import { chartRelease, ChartReleaseArgs } from "./chart-release";
import { PinnedChart, resolveChart, ResolvedChart } from "./chart-source";
import { childOptions } from "./options";
import { replicaProblem } from "./replicas";

/** Where a Helm-based component's charts and images come from: the stack's sources settings. */
export interface HelmSources {
    /** Chart sources (`charts` settings): upstream by default, a mirror or a local chart. @default {} */
    readonly charts?: ChartsSettings;
    /** Image mirror and digests (`images` settings). @default {} (upstream registries, no digest) */
    readonly images?: ImagesSettings;
}

/** The arguments every Helm-based component takes besides its own. */
export interface HelmComponentArgs extends HelmSources {
    /** Target Kubernetes minor version (pinned in the namespaces' Pod Security labels). */
    readonly kubernetesVersion: string;
    /**
     * What the chart's pods wait for besides the namespace: the namespace's NetworkPolicies
     * (PlatformNetwork), which can exist only once the component has created the namespace, hence
     * an Input (the platform passes a promise). @default nothing
     */
    readonly networkPolicies?: pulumi.Input<pulumi.Resource>;
}

/** The stack settings {@link helmArgsFromSettings} reads. */
export interface HelmSettings {
    readonly kubernetesVersion: string;
    readonly charts: ChartsSettings;
    readonly images: ImagesSettings;
}

/**
 * The {@link HelmComponentArgs} a stack's settings give every Helm-based component: the target
 * Kubernetes version and the chart and image sources, read in this one place.
 */
export function helmArgsFromSettings(settings: HelmSettings): HelmComponentArgs {
    return {
        kubernetesVersion: settings.kubernetesVersion,
        charts: settings.charts,
        images: settings.images,
    };
}

/** A namespace another component created (the bootstrap layer's system namespaces), and its level. */
export interface ExistingNamespace {
    readonly namespace: k8s.core.v1.Namespace;
    readonly podSecurity: "privileged" | "baseline" | "restricted";
}

/** The outputs a component of one chart registers. */
export interface ChartOutputs {
    readonly chart: string;
    readonly version: string;
    readonly images: string[];
    readonly namespace: string;
}

/** The outputs a component of several charts registers (each chart as `name@version`). */
export interface ChartListOutputs {
    readonly charts: string[];
    readonly images: string[];
    readonly namespace: string;
}

/**
 * The Helm machinery of one component, bound to the component (the parent of every child it
 * creates), its name (children are `${name}-<role>`), its arguments and its options (whose
 * `dependsOn` every child carries, see {@link childOptions}). It records the charts it resolves and
 * the images it pins, in order, for the component's `charts` and `images`.
 */
export class HelmInstaller {
    /** Every chart resolved so far, in the order {@link chart} was called. */
    readonly charts: ResolvedChart[] = [];
    /** Every image pinned so far, as a pod names it, in the order {@link mirror} saw them. */
    readonly images: string[] = [];
    /** The namespace's NetworkPolicies as a dependency list: empty when the platform sets none. */
    readonly gate: pulumi.Input<pulumi.Resource>[];

    /**
     * @param component the component: parent of every child.
     * @param name the component's name, the prefix of every child's name.
     * @param args the component's arguments (sources and gate).
     * @param opts the component's options.
     */
    constructor(
        readonly component: pulumi.ComponentResource,
        readonly name: string,
        private readonly args: HelmComponentArgs,
        private readonly opts: pulumi.ComponentResourceOptions | undefined,
    ) {
        this.gate = args.networkPolicies !== undefined ? [args.networkPolicies] : [];
    }

    /** Options of a child: parented to the component, with the component's `dependsOn` first. */
    options(extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
        return childOptions(this.component, this.opts, extra);
    }

    /** Resolves a pinned chart against the `charts` settings (see {@link resolveChart}) and records it. */
    chart(pinned: PinnedChart): ResolvedChart {
        const resolved = resolveChart(pinned, this.args.charts ?? { overrides: {} });
        this.charts.push(resolved);
        return resolved;
    }

    /**
     * Pins each upstream image through the `images` settings, as the chart's values take it, and
     * records the reference a pod names for it.
     *
     * @param upstream the upstream images by values key, in the order they are to be listed.
     * @param pin how the chart takes an image: mirror, digest and shape (`pinRegistryImage`, ...).
     * @param reference the reference a pod names for a pinned image.
     */
    mirror<K extends string, U, P>(
        upstream: Readonly<Record<K, U>>,
        pin: (image: U, images: ImagesSettings) => P,
        reference: (image: P) => string,
    ): Record<K, P> {
        const images = this.args.images ?? {};
        const pinned = {} as Record<K, P>;
        for (const key of Object.keys(upstream) as K[]) {
            pinned[key] = pin(upstream[key], images);
            this.images.push(reference(pinned[key]));
        }
        return pinned;
    }

    /**
     * The namespace `${name}-${role}` rendered as given, or the existing one when the stack declares
     * it among its system namespaces (then nothing is created).
     */
    namespace(
        metadata: k8s.core.v1.NamespaceArgs,
        existing?: ExistingNamespace,
        role = "namespace",
    ): k8s.core.v1.Namespace {
        return (
            existing?.namespace ??
            new k8s.core.v1.Namespace(`${this.name}-${role}`, metadata, this.options())
        );
    }

    /**
     * Installs a resolved chart as `${name}-${role}` (a Chart v4 and its ChartSource, see
     * {@link chartRelease}) once everything in `dependsOn` is ready: at least its namespace, and
     * the namespace's NetworkPolicies ({@link gate}) for a chart that runs pods.
     */
    release(
        role: string,
        chart: ResolvedChart,
        release: ChartReleaseArgs,
        dependsOn: pulumi.Input<pulumi.Resource>[],
    ): k8s.helm.v4.Chart {
        return chartRelease(`${this.name}-${role}`, chart, release, this.options({ dependsOn }));
    }

    /**
     * The install of a component of one chart in a namespace of its own: the namespace
     * `${name}-namespace`, then the chart `${name}-chart` in it, once the namespace and its
     * NetworkPolicies ({@link gate}) exist.
     */
    install(
        chart: ResolvedChart,
        namespace: k8s.core.v1.NamespaceArgs,
        release: ChartReleaseArgs,
    ): { namespace: k8s.core.v1.Namespace; release: k8s.helm.v4.Chart } {
        const created = this.namespace(namespace);
        return {
            namespace: created,
            release: this.release("chart", chart, release, [created, ...this.gate]),
        };
    }

    /** The outputs of a component of one chart (the first resolved) in `namespace`. */
    chartOutputs(namespace: string): ChartOutputs {
        const [chart] = this.charts;
        if (chart === undefined) {
            throw new Error(`${this.name}: chartOutputs before any chart was resolved`);
        }
        return { chart: chart.name, version: chart.version, images: this.images, namespace };
    }

    /** The outputs of a component of several charts in `namespace`. */
    chartListOutputs(namespace: string): ChartListOutputs {
        return {
            charts: this.charts.map((c) => `${c.name}@${c.version}`),
            images: this.images,
            namespace,
        };
    }
}

/** Refuses `value` unless it is a whole number of replicas within `replicaLimits` (`setting` names it). */
export function requireReplicas(component: pulumi.Resource, setting: string, value: number): void {
    const problem = replicaProblem(setting, value);
    if (problem !== undefined) {
        throw new pulumi.ResourceError(problem, component);
    }
}

/** Refuses a webhook timeout outside the API server's 1 to 30 seconds (`setting` names it). */
export function requireWebhookTimeout(
    component: pulumi.Resource,
    setting: string,
    seconds: number,
): void {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 30) {
        throw new pulumi.ResourceError(
            `${setting} is ${seconds}; expected 1 to 30 seconds`,
            component,
        );
    }
}

/** Refuses admission exemptions whose review date lies before `today`, naming each. */
export function requireUnexpired(
    component: pulumi.Resource,
    exemptions: readonly { readonly name: string; readonly expires: string }[],
    today: Date,
): void {
    const expired = expiredExemptions(exemptions, today);
    if (expired.length > 0) {
        throw new pulumi.ResourceError(
            `admissionExemptions: ${expired
                .map((e) => `"${e.name}" expired on ${e.expires}`)
                .join(", ")}; expected only exemptions that are still valid: renew each ` +
                "with a reviewed justification and a new date, or remove it",
            component,
        );
    }
}

/**
 * Refuses a declared system namespace that does not enforce Pod Security `privileged` for a chart
 * that needs it: `namespace` is its name, `setting` the setting that names it, `reason` why the
 * chart needs `privileged`.
 */
export function requirePrivileged(
    component: pulumi.Resource,
    existing: ExistingNamespace | undefined,
    namespace: string,
    setting: string,
    reason: string,
): void {
    if (existing !== undefined && existing.podSecurity !== "privileged") {
        throw new pulumi.ResourceError(
            `systemNamespaces entry "${namespace}" (${setting}) enforces Pod Security ` +
                `"${existing.podSecurity}"; expected "privileged" with a reason: ${reason}`,
            component,
        );
    }
}

/** The namespaces exempt from a component's admission rules: its own and `others`, sorted, once each. */
export function exemptNamespacesWith(namespace: string, others: readonly string[] = []): string[] {
    return [...new Set([namespace, ...others])].sort();
}
