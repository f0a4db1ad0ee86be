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
import { applyOrder, gatesBefore, LayerGates, LayerName, PlatformLayer } from "./layers";
import { platformType } from "../../contract/layers";
import {
    ComponentShape,
    DisabledComponent,
    OverridableComponent,
    PlatformOverrides,
    resolveOverrides,
    withoutDisabled,
} from "./overrides";
import { defaultTenantBatchSize, registerTenants } from "./tenants";

export { applyOrder, gatesBefore, layerNames, PlatformLayer } from "./layers";
export type { LayerGates, LayerName } from "./layers";
export { optionalComponents, overridableComponents } from "./overrides";
export type {
    ArgsOverride,
    ComponentFactory,
    ComponentOverride,
    ComponentShape,
    DisabledComponent,
    DisabledOverride,
    FactoryOverride,
    MandatoryComponentOverride,
    OverridableComponent,
    PlatformOverrides,
} from "./overrides";

/**
 * The platform's cert-manager as Linkerd's and Falco's arguments take it. A replacement has its
 * public shape, which is all they read; the class type also names its private members.
 */
function certManagerOf(shape: ComponentShape<CertManager> | undefined): CertManager | undefined {
    return shape as CertManager | undefined;
}

/** Arguments of {@link Platform}. */
export interface PlatformArgs {
    /** The validated settings of the stack (see `stacks/`). */
    readonly settings: PlatformSettings;
    /** Tenants constructed per batch (components/platform/tenants.ts). @default 200 */
    readonly tenantBatchSize?: number;
    /**
     * Let each registered batch of tenants go (`release` of components/platform/tenants.ts), so the
     * program's memory stays bounded by a batch; {@link Platform.tenants} then ends empty and
     * {@link Platform.tenantNames} lists them. @default true when the stack has more tenants than
     * one batch (a stack of at most one batch keeps every tenant in {@link Platform.tenants})
     */
    readonly releaseTenants?: boolean;
    /**
     * Per-component overrides: extra arguments, a factory that creates the component (a subclass,
     * wrapper or replacement with the same public shape, under the same name and options), or an
     * optional component disabled with a reason (listed in {@link Platform.disabledComponents} and
     * the check's report). See `components/platform/overrides.ts` and docs/extending.md.
     * @default {} (every component as the settings give it)
     */
    readonly overrides?: PlatformOverrides;
}

/**
 * The security contour of the platform: composes the layers and applies them in the order
 * bootstrap → enforcement → runtime → audit → baseline (tenants last). Each component depends on
 * the readiness gates of the layers applied before its own ({@link Platform.gates}) and carries that
 * dependency to its own children, so admission rules, runtime detection and the mesh's identity
 * exist before any tenant object, and no dependency list grows with the number of tenants.
 */
export class Platform extends pulumi.ComponentResource {
    /** The layer components, by name. */
    readonly layers: Readonly<Record<LayerName, PlatformLayer>>;
    /** The readiness gates of each layer: what the layers applied after it wait for. */
    readonly gates: LayerGates;
    /** The platform's system namespaces. */
    readonly systemNamespaces: ComponentShape<SystemNamespaces>;
    /** Encryption at rest of the API server's storage (bootstrap). */
    readonly encryptionAtRest: ComponentShape<EncryptionAtRest>;
    /** The API server's audit policy and log backends (bootstrap). */
    readonly auditPolicy: ComponentShape<AuditPolicy>;
    /** The kubelet's configuration and the kubeadm documents (bootstrap). */
    readonly kubeletHardening: ComponentShape<KubeletHardening>;
    /** API-server, controller-manager, scheduler and etcd hardening, authentication, admission (bootstrap). */
    readonly controlPlane: ComponentShape<ControlPlane>;
    /**
     * The tenant namespaces by tenant name (baseline), constructed in batches: complete once
     * {@link Platform.tenantsRegistered} resolves; on construction, the first batch (every tenant
     * of a stack of at most `tenantBatchSize` tenants).
     */
    readonly tenants: Readonly<Record<string, ComponentShape<TenantNamespace>>>;
    /** Every tenant's name, in the settings' order. */
    readonly tenantNames: readonly string[];
    /** Resolves with every tenant once all are constructed and registered (await it). */
    readonly tenantsRegistered: Promise<Readonly<Record<string, ComponentShape<TenantNamespace>>>>;
    /** Time-boxed emergency access; `activeEntry` feeds the check report (baseline). */
    readonly breakGlass: ComponentShape<BreakGlass>;
    /** OPA Gatekeeper and the platform's constraints (enforcement); undefined when disabled. */
    readonly gatekeeper?: ComponentShape<Gatekeeper>;
    /** Kyverno and the platform's policies (enforcement); undefined when disabled. */
    readonly kyverno?: ComponentShape<Kyverno>;
    /** cert-manager and the internal CA (runtime); undefined when disabled. */
    readonly certManager?: ComponentShape<CertManager>;
    /** The Linkerd mesh (runtime); undefined when disabled. */
    readonly linkerd?: ComponentShape<Linkerd>;
    /** Falco and its alert routing (runtime); undefined when disabled. */
    readonly falco?: ComponentShape<Falco>;
    /** The NetworkPolicies of each platform namespace, by the component that runs there. */
    readonly network: Readonly<
        Partial<Record<PlatformNamespaceRole, ComponentShape<PlatformNetwork>>>
    >;
    /**
     * The optional components the platform does not run, each with its reason: disabled by an
     * override (its reason) or by the stack settings (`<component>.enabled: false`). The check's
     * report lists them.
     */
    readonly disabledComponents: readonly DisabledComponent[];
    /**
     * The settings the platform was built from: the stack's, with each component an override
     * disables switched off (`<component>.enabled: false`). What the program derives from the
     * settings beside the platform (the images to mirror) reads these.
     */
    readonly effectiveSettings: PlatformSettings;
    /**
     * Documents that live on nodes and control-plane hosts rather than in the Kubernetes API, by
     * relative file path (`control-plane/audit-policy.yaml`). Values holding key material are secrets.
     */
    readonly nodeArtifacts: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super(platformType, name, {}, opts);
        // The overrides, checked against the settings; a component disabled by an override is
        // off in the settings the platform reads, exactly as `<component>.enabled: false` is.
        const overrides = resolveOverrides(args.overrides, args.settings, this);
        const settings = withoutDisabled(args.settings, overrides.disabled);
        /** Creates one component, as its override (if any) says; otherwise `new ctor(...)`. */
        const create = <A, C extends pulumi.ComponentResource>(
            component: OverridableComponent,
            ctor: new (n: string, a: A, o?: pulumi.ComponentResourceOptions) => C,
            childName: string,
            childArgs: A,
            childOpts: pulumi.ComponentResourceOptions,
        ): ComponentShape<C> => {
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
                    this,
                );
            }
            return created as ComponentShape<C>;
        };

        const layers = {} as Record<LayerName, PlatformLayer>;
        for (const layer of applyOrder) {
            layers[layer] = new PlatformLayer(`${name}-${layer}`, { layer }, { parent: this });
        }
        // Filled layer by layer, in apply order: a layer's gates are known once its components
        // are constructed, before the next layer's components are.
        const layerGates: Record<LayerName, pulumi.Resource[]> = {
            bootstrap: [],
            enforcement: [],
            runtime: [],
            audit: [],
            baseline: [],
        };
        /** Options for a component of `layer`: parented to it, after the gates of earlier layers. */
        const inLayer = (layer: LayerName): pulumi.ComponentResourceOptions => ({
            parent: layers[layer],
            dependsOn: gatesBefore(layerGates, layer),
        });

        // bootstrap
        this.systemNamespaces = create(
            "systemNamespaces",
            SystemNamespaces,
            `${name}-system-namespaces`,
            {
                namespaces: settings.systemNamespaces,
                kubernetesVersion: settings.kubernetesVersion,
            },
            inLayer("bootstrap"),
        );
        // Node and control-plane documents: encryption at rest, API-server audit, kubelet, and the
        // kubeadm documents that carry the first two's flags and mounts with the kubelet's config.
        this.encryptionAtRest = create(
            "encryptionAtRest",
            EncryptionAtRest,
            `${name}-encryption-at-rest`,
            settings.encryptionAtRest,
            inLayer("bootstrap"),
        );
        const breakGlassGroups = [...settings.audit.breakGlassGroups];
        if (
            settings.breakGlass.group !== undefined &&
            !breakGlassGroups.includes(settings.breakGlass.group)
        ) {
            breakGlassGroups.push(settings.breakGlass.group);
        }
        this.auditPolicy = create(
            "auditPolicy",
            AuditPolicy,
            `${name}-audit-policy`,
            { ...settings.audit, breakGlassGroups },
            inLayer("bootstrap"),
        );
        this.controlPlane = create(
            "controlPlane",
            ControlPlane,
            `${name}-control-plane`,
            controlPlaneArgsFromSettings(settings),
            inLayer("bootstrap"),
        );
        this.kubeletHardening = create(
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
                    this.encryptionAtRest.controlPlane,
                    this.auditPolicy.controlPlane,
                    this.controlPlane.controlPlane,
                ],
            },
            inLayer("bootstrap"),
        );
        // The bootstrap gate: the platform's own namespaces exist.
        layerGates.bootstrap.push(...Object.values(this.systemNamespaces.namespaces));
        // Network isolation of the platform namespaces. A component creates its namespace and its
        // charts itself, so it receives a gate its charts wait for; right after the component is
        // constructed, the namespace's NetworkPolicies are created (waiting for the namespace
        // only, in the component's layer) and the gate opens: no platform pod runs unisolated.
        const networkArgs = platformNetworkArgsFromSettings(settings);
        const network: Partial<Record<PlatformNamespaceRole, ComponentShape<PlatformNetwork>>> = {};
        const gates: Partial<Record<PlatformNamespaceRole, NetworkPolicyGate>> = {};
        const gate = (role: PlatformNamespaceRole): Promise<pulumi.Resource> =>
            (gates[role] ??= new NetworkPolicyGate()).ready;
        const isolate = (
            role: PlatformNamespaceRole,
            namespace: pulumi.Resource,
            layer: LayerName,
        ): void => {
            const roleArgs = networkArgs[role];
            if (roleArgs === undefined) {
                // Never leave a gate closed: the charts waiting on it would never register.
                throw new pulumi.ResourceError(`no network policies for ${role}`, this);
            }
            network[role] = create(
                "platformNetwork",
                PlatformNetwork,
                `${name}-network-${roleArgs.namespaceName}`,
                { ...roleArgs, namespace },
                { parent: layers[layer] },
            );
            gates[role]?.open(network[role]);
        };
        // enforcement
        if (settings.gatekeeper.enabled) {
            this.gatekeeper = create(
                "gatekeeper",
                Gatekeeper,
                `${name}-gatekeeper`,
                { ...gatekeeperArgsFromSettings(settings), networkPolicies: gate("gatekeeper") },
                inLayer("enforcement"),
            );
            isolate("gatekeeper", this.gatekeeper.namespace, "enforcement");
        }
        if (settings.kyverno.enabled) {
            this.kyverno = create(
                "kyverno",
                Kyverno,
                `${name}-kyverno`,
                { ...kyvernoArgsFromSettings(settings), networkPolicies: gate("kyverno") },
                inLayer("enforcement"),
            );
            isolate("kyverno", this.kyverno.namespace, "enforcement");
        }
        // The enforcement gate: every Constraint, ClusterPolicy and PolicyException is in place
        // (each waits until its controller serves it: a template's status.created, a policy's
        // Ready condition), so admission is enforcing before anything after it is created.
        layerGates.enforcement.push(
            ...Object.values(this.gatekeeper?.constraints ?? {}),
            ...Object.values(this.kyverno?.policies ?? {}),
            ...Object.values(this.kyverno?.exceptions ?? {}),
        );
        // runtime: Linkerd's certificates come from cert-manager, so it is created after it.
        if (settings.certManager.enabled) {
            this.certManager = create(
                "certManager",
                CertManager,
                `${name}-cert-manager`,
                { ...certManagerArgsFromSettings(settings), networkPolicies: gate("certManager") },
                inLayer("runtime"),
            );
            isolate("certManager", this.certManager.namespace, "runtime");
        }
        if (settings.linkerd.enabled) {
            this.linkerd = create(
                "linkerd",
                Linkerd,
                `${name}-linkerd`,
                {
                    ...linkerdArgsFromSettings(
                        settings,
                        certManagerOf(this.certManager),
                        this.systemNamespaces.namespaces,
                    ),
                    networkPolicies: gate("linkerd"),
                    cniNetworkPolicies: gate("linkerdCni"),
                },
                inLayer("runtime"),
            );
            isolate("linkerd", this.linkerd.namespace, "runtime");
            isolate("linkerdCni", this.linkerd.cniNamespace, "runtime");
        }
        if (settings.falco.enabled) {
            this.falco = create(
                "falco",
                Falco,
                `${name}-falco`,
                {
                    ...falcoArgsFromSettings(
                        settings,
                        this.systemNamespaces.namespaces,
                        certManagerOf(this.certManager),
                    ),
                    networkPolicies: gate("falco"),
                },
                inLayer("runtime"),
            );
            isolate("falco", this.falco.namespace, "runtime");
        }
        // The runtime gate: the internal CA issues, the mesh's identity issuer and control plane
        // (with its proxy injector) and CNI plugin run, Falco and its alert routing run.
        layerGates.runtime.push(
            ...(this.certManager !== undefined ? [this.certManager.ready] : []),
            ...(this.linkerd !== undefined
                ? [this.linkerd.identityIssuer, this.linkerd.cni, this.linkerd.controlPlane]
                : []),
            ...(this.falco !== undefined
                ? [
                      this.falco.release,
                      ...(this.falco.sidekick !== undefined ? [this.falco.sidekick] : []),
                  ]
                : []),
        );
        // audit: the audit policy and log backends are node documents (bootstrap); the layer has no
        // cluster object of its own yet, so it adds no gate.
        // baseline, last: tenants wait for admission, runtime detection and the mesh's identity.
        // In batches (components/platform/tenants.ts): the first here, the rest once the one
        // before is registered, so the SDK's pending state is bounded by a batch, not the stack.
        const reserved = Object.keys(this.systemNamespaces.namespaces);
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
                opts: () => inLayer("baseline"),
                batchSize: args.tenantBatchSize,
                release:
                    args.releaseTenants ??
                    settings.tenants.length > (args.tenantBatchSize ?? defaultTenantBatchSize),
            },
        );
        this.tenants = tenants.tenants;
        this.tenantNames = tenants.keys;
        this.tenantsRegistered = tenants.registered;
        this.breakGlass = create(
            "breakGlass",
            BreakGlass,
            `${name}-break-glass`,
            settings.breakGlass,
            inLayer("baseline"),
        );
        const nodeArtifacts: Record<string, pulumi.Output<string>> = {
            ...this.encryptionAtRest.nodeArtifacts,
            ...this.auditPolicy.nodeArtifacts,
            ...this.kubeletHardening.nodeArtifacts,
            ...this.controlPlane.nodeArtifacts,
        };

        this.layers = layers;
        this.disabledComponents = overrides.disabled;
        this.effectiveSettings = settings;
        this.gates = layerGates;
        this.network = network;
        this.nodeArtifacts = nodeArtifacts;
        this.registerOutputs({
            layers: Object.keys(layers),
            nodeArtifacts,
        });
    }
}
