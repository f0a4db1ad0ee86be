import * as pulumi from "@pulumi/pulumi";
import { PlatformSettings } from "./settings";
import { AuditPolicy } from "../audit-policy";
import { BreakGlass } from "../break-glass";
import { CertManager, certManagerArgsFromSettings } from "../cert-manager";
import { ControlPlane, controlPlaneArgsFromSettings } from "../control-plane";
import { EncryptionAtRest } from "../encryption-at-rest";
import { Falco, falcoArgsFromSettings } from "../falco";
import { Gatekeeper, gatekeeperArgsFromSettings } from "../gatekeeper";
import { KubeletHardening } from "../kubelet-hardening";
import { Kyverno, kyvernoArgsFromSettings } from "../kyverno";
import { Linkerd, linkerdArgsFromSettings } from "../linkerd";
import {
    NetworkPolicyGate,
    PlatformNamespaceRole,
    PlatformNetwork,
    platformNetworkArgsFromSettings,
} from "../platform-network";
import { SystemNamespaces } from "../system-namespaces";
import { TenantNamespace, tenantNamespaceArgs } from "../tenant-namespace";
import { applyOrder, gatesBefore, LayerName, PlatformLayer } from "./layers";
import { ComponentShape, OverridableComponent, ResolvedOverrides } from "./overrides";
import { defaultTenantBatchSize, registerTenants, TenantRegistration } from "./tenants";

// The steps of the Platform's constructor (components/platform/index.ts), one per layer, in the
// order it calls them: registration order names the resources' URNs and outputs, so each step
// creates its components exactly in apply order.

/** Creates one component, as its override (if any) says; otherwise `new ctor(...)`. */
export type CreateComponent = <A, C extends pulumi.ComponentResource>(
    component: OverridableComponent,
    ctor: new (n: string, a: A, o?: pulumi.ComponentResourceOptions) => C,
    childName: string,
    childArgs: A,
    childOpts: pulumi.ComponentResourceOptions,
) => ComponentShape<C>;

/** Returns the {@link CreateComponent} of `overrides`; its errors name `owner`. */
export function componentCreator(
    overrides: ResolvedOverrides,
    owner: pulumi.Resource,
): CreateComponent {
    return function create<A, C extends pulumi.ComponentResource>(
        component: OverridableComponent,
        ctor: new (n: string, a: A, o?: pulumi.ComponentResourceOptions) => C,
        childName: string,
        childArgs: A,
        childOpts: pulumi.ComponentResourceOptions,
    ): ComponentShape<C> {
        const override = overrides.of(component);
        if (override.kind === "args") {
            return new ctor(childName, { ...childArgs, ...override.args }, childOpts);
        }
        if (override.kind !== "factory") {
            return new ctor(childName, childArgs, childOpts);
        }
        const created: unknown = override.factory(childName, childArgs, childOpts);
        if (!pulumi.ComponentResource.isInstance(created)) {
            throw new pulumi.ResourceError(
                `overrides.${component}.factory returned ${typeof created} for "${childName}"; ` +
                    `expected a pulumi.ComponentResource with ${ctor.name}'s public members`,
                owner,
            );
        }
        return created as ComponentShape<C>;
    };
}

/** What every step reads: the platform's name, settings, layers and the layers' gates. */
export interface BuildContext {
    /** The platform's name: every child's name starts with it. */
    readonly name: string;
    /** The effective settings (overrides' disabled components switched off). */
    readonly settings: PlatformSettings;
    /** Creates a component as its override says. */
    readonly create: CreateComponent;
    /** The layer components, by name. */
    readonly layers: Record<LayerName, PlatformLayer>;
    /**
     * The readiness gates of each layer. Filled layer by layer, in apply order: a layer's gates are
     * known once its components are constructed, before the next layer's components are.
     */
    readonly layerGates: Record<LayerName, pulumi.Resource[]>;
    /** The platform itself: errors name it. */
    readonly owner: pulumi.Resource;
}

/** Creates the layer components (children of `owner`, in apply order) and the step context. */
export function buildContext(
    name: string,
    settings: PlatformSettings,
    create: CreateComponent,
    owner: pulumi.Resource,
): BuildContext {
    const layers = {} as Record<LayerName, PlatformLayer>;
    for (const layer of applyOrder) {
        layers[layer] = new PlatformLayer(`${name}-${layer}`, { layer }, { parent: owner });
    }
    const layerGates: Record<LayerName, pulumi.Resource[]> = {
        bootstrap: [],
        enforcement: [],
        runtime: [],
        audit: [],
        baseline: [],
    };
    return { name, settings, create, layers, layerGates, owner };
}

/** Options for a component of `layer`: parented to it, after the gates of earlier layers. */
export function inLayer(ctx: BuildContext, layer: LayerName): pulumi.ComponentResourceOptions {
    return { parent: ctx.layers[layer], dependsOn: gatesBefore(ctx.layerGates, layer) };
}

/** The components of the bootstrap layer. */
export interface Bootstrap {
    readonly systemNamespaces: ComponentShape<SystemNamespaces>;
    readonly encryptionAtRest: ComponentShape<EncryptionAtRest>;
    readonly auditPolicy: ComponentShape<AuditPolicy>;
    readonly controlPlane: ComponentShape<ControlPlane>;
    readonly kubeletHardening: ComponentShape<KubeletHardening>;
}

/** The audit policy's break-glass groups: the audit settings' plus the break-glass group. */
function breakGlassGroupsOf(settings: PlatformSettings): string[] {
    const breakGlassGroups = [...settings.audit.breakGlassGroups];
    if (
        settings.breakGlass.group !== undefined &&
        !breakGlassGroups.includes(settings.breakGlass.group)
    ) {
        breakGlassGroups.push(settings.breakGlass.group);
    }
    return breakGlassGroups;
}

/** Creates the bootstrap layer and records its gate (the system namespaces). */
export function buildBootstrap(ctx: BuildContext): Bootstrap {
    const { name, settings, create } = ctx;
    const systemNamespaces = create(
        "systemNamespaces",
        SystemNamespaces,
        `${name}-system-namespaces`,
        {
            namespaces: settings.systemNamespaces,
            kubernetesVersion: settings.kubernetesVersion,
        },
        inLayer(ctx, "bootstrap"),
    );
    // Node and control-plane documents: encryption at rest, API-server audit, kubelet, and the
    // kubeadm documents that carry the first two's flags and mounts with the kubelet's config.
    const encryptionAtRest = create(
        "encryptionAtRest",
        EncryptionAtRest,
        `${name}-encryption-at-rest`,
        settings.encryptionAtRest,
        inLayer(ctx, "bootstrap"),
    );
    const auditPolicy = create(
        "auditPolicy",
        AuditPolicy,
        `${name}-audit-policy`,
        { ...settings.audit, breakGlassGroups: breakGlassGroupsOf(settings) },
        inLayer(ctx, "bootstrap"),
    );
    const controlPlane = create(
        "controlPlane",
        ControlPlane,
        `${name}-control-plane`,
        controlPlaneArgsFromSettings(settings),
        inLayer(ctx, "bootstrap"),
    );
    const kubeletHardening = create(
        "kubeletHardening",
        KubeletHardening,
        `${name}-kubelet-hardening`,
        {
            ...settings.kubelet,
            kubeadm: {
                ...(settings.controlPlane.kubernetesRelease !== undefined
                    ? { kubernetesRelease: settings.controlPlane.kubernetesRelease }
                    : {}),
                // The mirror keeps each image's path (registry.k8s.io/kube-apiserver ->
                // <mirror>/kube-apiserver), which is kubeadm's <imageRepository>/<name>.
                ...(settings.images.mirror !== undefined
                    ? { imageRepository: settings.images.mirror }
                    : {}),
            },
            controlPlane: [
                encryptionAtRest.controlPlane,
                auditPolicy.controlPlane,
                controlPlane.controlPlane,
            ],
        },
        inLayer(ctx, "bootstrap"),
    );
    // The bootstrap gate: the platform's own namespaces exist.
    ctx.layerGates.bootstrap.push(...Object.values(systemNamespaces.namespaces));
    return { systemNamespaces, encryptionAtRest, auditPolicy, controlPlane, kubeletHardening };
}

/**
 * Network isolation of the platform namespaces. A component creates its namespace and its charts
 * itself, so it receives a gate its charts wait for; right after the component is constructed, the
 * namespace's NetworkPolicies are created (waiting for the namespace only, in the component's
 * layer) and the gate opens: no platform pod runs unisolated.
 */
export class NetworkIsolation {
    /** The NetworkPolicies of each platform namespace, by the component that runs there. */
    readonly network: Partial<Record<PlatformNamespaceRole, ComponentShape<PlatformNetwork>>> = {};
    private readonly networkArgs: ReturnType<typeof platformNetworkArgsFromSettings>;
    private readonly gates: Partial<Record<PlatformNamespaceRole, NetworkPolicyGate>> = {};

    constructor(private readonly ctx: BuildContext) {
        this.networkArgs = platformNetworkArgsFromSettings(ctx.settings);
    }

    /** The gate of `role`'s namespace: resolves once its NetworkPolicies are created. */
    gate(role: PlatformNamespaceRole): Promise<pulumi.Resource> {
        return (this.gates[role] ??= new NetworkPolicyGate()).ready;
    }

    /** Creates `role`'s NetworkPolicies in `namespace`, under `layer`, and opens its gate. */
    isolate(role: PlatformNamespaceRole, namespace: pulumi.Resource, layer: LayerName): void {
        const roleArgs = this.networkArgs[role];
        if (roleArgs === undefined) {
            // Never leave a gate closed: the charts waiting on it would never register.
            throw new pulumi.ResourceError(`no network policies for ${role}`, this.ctx.owner);
        }
        const network = this.ctx.create(
            "platformNetwork",
            PlatformNetwork,
            `${this.ctx.name}-network-${roleArgs.namespaceName}`,
            { ...roleArgs, namespace },
            { parent: this.ctx.layers[layer] },
        );
        this.network[role] = network;
        this.gates[role]?.open(network);
    }
}

/** The components of the enforcement layer; each undefined when disabled. */
export interface Enforcement {
    readonly gatekeeper?: ComponentShape<Gatekeeper>;
    readonly kyverno?: ComponentShape<Kyverno>;
}

/** Creates the enforcement layer (each isolated) and records its gate. */
export function buildEnforcement(ctx: BuildContext, isolation: NetworkIsolation): Enforcement {
    const { name, settings, create } = ctx;
    let gatekeeper: ComponentShape<Gatekeeper> | undefined;
    let kyverno: ComponentShape<Kyverno> | undefined;
    if (settings.gatekeeper.enabled) {
        gatekeeper = create(
            "gatekeeper",
            Gatekeeper,
            `${name}-gatekeeper`,
            {
                ...gatekeeperArgsFromSettings(settings),
                networkPolicies: isolation.gate("gatekeeper"),
            },
            inLayer(ctx, "enforcement"),
        );
        isolation.isolate("gatekeeper", gatekeeper.namespace, "enforcement");
    }
    if (settings.kyverno.enabled) {
        kyverno = create(
            "kyverno",
            Kyverno,
            `${name}-kyverno`,
            { ...kyvernoArgsFromSettings(settings), networkPolicies: isolation.gate("kyverno") },
            inLayer(ctx, "enforcement"),
        );
        isolation.isolate("kyverno", kyverno.namespace, "enforcement");
    }
    // The enforcement gate: every Constraint, ClusterPolicy and PolicyException is in place
    // (each waits until its controller serves it: a template's status.created, a policy's
    // Ready condition), so admission is enforcing before anything after it is created.
    ctx.layerGates.enforcement.push(
        ...Object.values(gatekeeper?.constraints ?? {}),
        ...Object.values(kyverno?.policies ?? {}),
        ...Object.values(kyverno?.exceptions ?? {}),
    );
    return { gatekeeper, kyverno };
}

/**
 * The platform's cert-manager as Linkerd's and Falco's arguments take it. A replacement has its
 * public shape, which is all they read; the class type also names its private members.
 */
function certManagerOf(shape: ComponentShape<CertManager> | undefined): CertManager | undefined {
    return shape as CertManager | undefined;
}

/** The components of the runtime layer; each undefined when disabled. */
export interface Runtime {
    readonly certManager?: ComponentShape<CertManager>;
    readonly linkerd?: ComponentShape<Linkerd>;
    readonly falco?: ComponentShape<Falco>;
}

/** The runtime gate: the internal CA issues, the mesh's identity issuer and control plane (with its
 * proxy injector) and CNI plugin run, Falco and its alert routing run. */
function runtimeGates({ certManager, linkerd, falco }: Runtime): pulumi.Resource[] {
    return [
        ...(certManager !== undefined ? [certManager.ready] : []),
        ...(linkerd !== undefined
            ? [linkerd.identityIssuer, linkerd.cni, linkerd.controlPlane]
            : []),
        ...(falco !== undefined
            ? [falco.release, ...(falco.sidekick !== undefined ? [falco.sidekick] : [])]
            : []),
    ];
}

/**
 * Creates the runtime layer (each isolated) and records its gate. Linkerd's certificates come from
 * cert-manager, so it is created after it.
 */
export function buildRuntime(
    ctx: BuildContext,
    isolation: NetworkIsolation,
    systemNamespaces: Bootstrap["systemNamespaces"],
): Runtime {
    const { name, settings, create } = ctx;
    let certManager: ComponentShape<CertManager> | undefined;
    let linkerd: ComponentShape<Linkerd> | undefined;
    let falco: ComponentShape<Falco> | undefined;
    if (settings.certManager.enabled) {
        certManager = create(
            "certManager",
            CertManager,
            `${name}-cert-manager`,
            {
                ...certManagerArgsFromSettings(settings),
                networkPolicies: isolation.gate("certManager"),
            },
            inLayer(ctx, "runtime"),
        );
        isolation.isolate("certManager", certManager.namespace, "runtime");
    }
    if (settings.linkerd.enabled) {
        linkerd = create(
            "linkerd",
            Linkerd,
            `${name}-linkerd`,
            {
                ...linkerdArgsFromSettings(
                    settings,
                    certManagerOf(certManager),
                    systemNamespaces.namespaces,
                ),
                networkPolicies: isolation.gate("linkerd"),
                cniNetworkPolicies: isolation.gate("linkerdCni"),
            },
            inLayer(ctx, "runtime"),
        );
        isolation.isolate("linkerd", linkerd.namespace, "runtime");
        isolation.isolate("linkerdCni", linkerd.cniNamespace, "runtime");
    }
    if (settings.falco.enabled) {
        falco = create(
            "falco",
            Falco,
            `${name}-falco`,
            {
                ...falcoArgsFromSettings(
                    settings,
                    systemNamespaces.namespaces,
                    certManagerOf(certManager),
                ),
                networkPolicies: isolation.gate("falco"),
            },
            inLayer(ctx, "runtime"),
        );
        isolation.isolate("falco", falco.namespace, "runtime");
    }
    const runtime = { certManager, linkerd, falco };
    ctx.layerGates.runtime.push(...runtimeGates(runtime));
    return runtime;
}

/** The components of the baseline layer. */
export interface Baseline {
    readonly tenants: TenantRegistration<ComponentShape<TenantNamespace>>;
    readonly breakGlass: ComponentShape<BreakGlass>;
}

/** How the baseline registers tenants: `PlatformArgs.tenantBatchSize` and `releaseTenants`. */
export interface TenantOptions {
    readonly tenantBatchSize?: number;
    readonly releaseTenants?: boolean;
}

/**
 * Creates the baseline layer, last: tenants wait for admission, runtime detection and the mesh's
 * identity. In batches (components/platform/tenants.ts): the first here, the rest once the one
 * before is registered, so the SDK's pending state is bounded by a batch, not the stack.
 */
export function buildBaseline(
    ctx: BuildContext,
    systemNamespaces: Bootstrap["systemNamespaces"],
    options: TenantOptions,
): Baseline {
    const { name, settings, create } = ctx;
    const reserved = Object.keys(systemNamespaces.namespaces);
    const tenants = registerTenants(
        settings.tenants.map((tenant) => ({
            key: tenant.name,
            name: `${name}-tenant-${tenant.name}`,
            args: {
                ...tenantNamespaceArgs(
                    tenant,
                    settings.tenancy,
                    settings.kubernetesVersion,
                    reserved,
                ),
                linkerdNamespace: settings.linkerd.namespace,
                identityGroupPrefix: settings.identity.prefix,
            },
        })),
        (tenantName, tenantArgs, tenantOpts) =>
            create("tenantNamespace", TenantNamespace, tenantName, tenantArgs, tenantOpts),
        {
            opts: () => inLayer(ctx, "baseline"),
            batchSize: options.tenantBatchSize,
            release:
                options.releaseTenants ??
                settings.tenants.length > (options.tenantBatchSize ?? defaultTenantBatchSize),
        },
    );
    const breakGlass = create(
        "breakGlass",
        BreakGlass,
        `${name}-break-glass`,
        settings.breakGlass,
        inLayer(ctx, "baseline"),
    );
    return { tenants, breakGlass };
}

/** The node and control-plane documents of the bootstrap layer, by relative file path. */
export function nodeArtifactsOf(bootstrap: Bootstrap): Record<string, pulumi.Output<string>> {
    return {
        ...bootstrap.encryptionAtRest.nodeArtifacts,
        ...bootstrap.auditPolicy.nodeArtifacts,
        ...bootstrap.kubeletHardening.nodeArtifacts,
        ...bootstrap.controlPlane.nodeArtifacts,
    };
}
