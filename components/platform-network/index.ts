import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformSettings } from "../platform/settings";
import { childOptions } from "../shared/options";
import { platformNetworkDefaults } from "./defaults";
import {
    certManagerNetworkWorkloads,
    falcoNetworkWorkloads,
    gatekeeperNetworkWorkloads,
    kyvernoDestinations,
    kyvernoNetworkWorkloads,
    linkerdCniNetworkWorkloads,
    linkerdNetworkWorkloads,
    NamespaceNetworkSpec,
    networkSpecProblems,
    networkSpecWarnings,
    PlatformWorkload,
    renderNetworkPolicies,
} from "./render";

export { networkObjectNames, platformNetworkDefaults } from "./defaults";
export { renderNetworkPolicies } from "./render";
export type { Flow, FlowPeer, NamespaceNetworkSpec, PlatformWorkload } from "./render";

/** Arguments of {@link PlatformNetwork}. */
export interface PlatformNetworkArgs {
    /** Name of the namespace the policies isolate. */
    readonly namespaceName: string;
    /**
     * The Namespace itself (created by another component: the system namespaces or the chart's
     * own component); every policy waits for it.
     */
    readonly namespace: pulumi.Resource;
    /**
     * The namespace's workloads and the traffic each needs (`render.ts` has one builder per
     * chart). @default [] (default deny and DNS only)
     */
    readonly workloads?: readonly PlatformWorkload[];
    /**
     * The Kubernetes API server's endpoint addresses and port.
     * @default no address (no pod reaches the API, no webhook is called), port 6443
     */
    readonly apiServer?: { readonly cidrs?: readonly string[]; readonly port?: number };
    /** Namespace Prometheus scrapes metrics from. @default "monitoring" */
    readonly monitoringNamespace?: string;
    /** Address blocks of hosts outside the cluster, by host name. @default {} */
    readonly externalHosts?: Readonly<Record<string, readonly string[]>>;
}

/** The spec one namespace's policies are rendered from: the arguments over the defaults. */
export function resolveNetworkSpec(
    args: Omit<PlatformNetworkArgs, "namespace">,
): NamespaceNetworkSpec {
    return {
        namespace: args.namespaceName,
        apiServer: {
            cidrs: [...(args.apiServer?.cidrs ?? [])],
            port: args.apiServer?.port ?? platformNetworkDefaults.apiServerPort,
        },
        monitoringNamespace:
            args.monitoringNamespace ?? platformNetworkDefaults.monitoringNamespace,
        externalHosts: Object.fromEntries(
            Object.entries(args.externalHosts ?? {}).map(([host, cidrs]) => [host, [...cidrs]]),
        ),
        workloads: [...(args.workloads ?? [])],
    };
}

/**
 * The network isolation of one platform namespace: a default-deny NetworkPolicy for ingress and
 * egress, DNS to the cluster DNS, and one policy per workload that allows exactly the traffic it
 * needs (the API server, webhooks called by the API server, metrics scraped from the monitoring
 * namespace, the mesh, alert outputs, registries), each selecting the workload's pods by the
 * labels its chart gives them.
 *
 * Every policy waits for the namespace, and nothing else: the platform hands this component (as a
 * promise, since the namespace is created inside the chart's component) to the chart's component,
 * whose workloads then wait for the policies, so no platform pod ever runs unisolated.
 */
export class PlatformNetwork extends pulumi.ComponentResource {
    /** The namespace the policies isolate. */
    readonly namespaceName: string;
    /** The NetworkPolicies by role (`default-deny`, `allow-dns`, `allow-<workload>`). */
    readonly policies: Readonly<Record<string, k8s.networking.v1.NetworkPolicy>>;

    constructor(name: string, args: PlatformNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:network:PlatformNetwork", name, {}, opts);
        const spec = resolveNetworkSpec(args);
        const problems = networkSpecProblems(spec);
        if (problems.length > 0) {
            throw new pulumi.ResourceError(
                `network policies of namespace "${spec.namespace}": ${problems.join("; ")}`,
                this,
            );
        }
        for (const warning of networkSpecWarnings(spec)) {
            void pulumi.log.warn(warning, this);
        }

        this.namespaceName = spec.namespace;
        const policies: Record<string, k8s.networking.v1.NetworkPolicy> = {};
        for (const policy of renderNetworkPolicies(spec)) {
            policies[policy.role] = new k8s.networking.v1.NetworkPolicy(
                `${name}-${policy.role}`,
                policy.object,
                childOptions(this, opts, { dependsOn: [args.namespace] }),
            );
        }
        this.policies = policies;

        this.registerOutputs({
            namespace: this.namespaceName,
            policies: Object.keys(policies),
        });
    }
}

/** The platform namespaces the component isolates, by the component that runs in each. */
export type PlatformNamespaceRole =
    | "gatekeeper"
    | "kyverno"
    | "certManager"
    | "linkerd"
    | "linkerdCni"
    | "falco";

/** The arguments of one namespace's policies, without the Namespace resource. */
export type PlatformNamespaceNetworkArgs = Omit<PlatformNetworkArgs, "namespace">;

/**
 * The policies' arguments for every platform namespace a stack's settings enable (the settings are
 * `network`, plus each component's own): the same API server, monitoring namespace and external
 * hosts everywhere, and per namespace the workloads its chart runs.
 */
export function platformNetworkArgsFromSettings(
    settings: PlatformSettings,
): Partial<Record<PlatformNamespaceRole, PlatformNamespaceNetworkArgs>> {
    const common = {
        apiServer: settings.network.apiServer,
        monitoringNamespace: settings.network.monitoringNamespace,
        externalHosts: settings.network.externalHosts,
    };
    const out: Partial<Record<PlatformNamespaceRole, PlatformNamespaceNetworkArgs>> = {};
    if (settings.gatekeeper.enabled) {
        out.gatekeeper = {
            ...common,
            namespaceName: settings.gatekeeper.namespace,
            workloads: gatekeeperNetworkWorkloads(),
        };
    }
    if (settings.kyverno.enabled) {
        const verify = kyvernoDestinations({
            ...settings.kyverno.imageVerification,
            allowedRegistries: settings.workloads.allowedRegistries,
            mirror: settings.images.mirror,
        });
        out.kyverno = {
            ...common,
            namespaceName: settings.kyverno.namespace,
            workloads: kyvernoNetworkWorkloads(verify.map((d) => d.endpoint)),
        };
    }
    if (settings.certManager.enabled) {
        out.certManager = {
            ...common,
            namespaceName: settings.certManager.namespace,
            workloads: certManagerNetworkWorkloads(),
        };
    }
    if (settings.linkerd.enabled) {
        out.linkerd = {
            ...common,
            namespaceName: settings.linkerd.namespace,
            workloads: linkerdNetworkWorkloads(
                settings.tenants.filter((t) => t.network.meshed).map((t) => t.name),
            ),
        };
        out.linkerdCni = {
            ...common,
            namespaceName: settings.linkerd.cniNamespace,
            workloads: linkerdCniNetworkWorkloads(),
        };
    }
    if (settings.falco.enabled) {
        out.falco = {
            ...common,
            namespaceName: settings.falco.namespace,
            workloads: falcoNetworkWorkloads({
                alerts: settings.falco.alerts,
                metrics: settings.falco.metrics,
            }),
        };
    }
    return out;
}

/**
 * The policies of a namespace that a component creates itself, promised before they exist: the
 * component receives {@link NetworkPolicyGate.ready} (its workloads wait for it), creates the
 * namespace, and the platform then opens the gate with the namespace's {@link PlatformNetwork}.
 * A gate that is never opened would leave the waiting workloads unregistered, so the platform
 * opens every gate it hands out right after the component is constructed.
 */
export class NetworkPolicyGate {
    /** Resolves to the namespace's PlatformNetwork (a dependency on it waits for every policy). */
    readonly ready: Promise<pulumi.Resource>;
    private settle: ((network: PlatformNetwork) => void) | undefined;

    constructor() {
        this.ready = new Promise<pulumi.Resource>((resolve) => {
            this.settle = resolve;
        });
    }

    /** Opens the gate. */
    open(network: PlatformNetwork): void {
        this.settle?.(network);
        this.settle = undefined;
    }
}
