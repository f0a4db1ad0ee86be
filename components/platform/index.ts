import * as pulumi from "@pulumi/pulumi";
import { PlatformSettings } from "./settings";
import type { AuditPolicy } from "../audit-policy";
import type { BreakGlass } from "../break-glass";
import type { CertManager } from "../cert-manager";
import type { ControlPlane } from "../control-plane";
import type { EncryptionAtRest } from "../encryption-at-rest";
import type { Falco } from "../falco";
import type { Gatekeeper } from "../gatekeeper";
import type { KubeletHardening } from "../kubelet-hardening";
import type { Kyverno } from "../kyverno";
import type { Linkerd } from "../linkerd";
import type { PlatformNamespaceRole, PlatformNetwork } from "../platform-network";
import type { SystemNamespaces } from "../system-namespaces";
import type { TenantNamespace } from "../tenant-namespace";
import { LayerGates, LayerName, PlatformLayer } from "./layers";
import { platformType } from "../../contract/layers";
import {
    ComponentShape,
    DisabledComponent,
    PlatformOverrides,
    resolveOverrides,
    withoutDisabled,
} from "./overrides";
import {
    buildBaseline,
    buildBootstrap,
    buildContext,
    buildEnforcement,
    buildRuntime,
    componentCreator,
    NetworkIsolation,
    nodeArtifactsOf,
} from "./build";

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
        // The layers, then their components in apply order (components/platform/build.ts): each
        // step records its layer's gates before the next layer's components are created.
        const ctx = buildContext(name, settings, componentCreator(overrides, this), this);
        const bootstrap = buildBootstrap(ctx);
        this.systemNamespaces = bootstrap.systemNamespaces;
        this.encryptionAtRest = bootstrap.encryptionAtRest;
        this.auditPolicy = bootstrap.auditPolicy;
        this.controlPlane = bootstrap.controlPlane;
        this.kubeletHardening = bootstrap.kubeletHardening;
        const isolation = new NetworkIsolation(ctx);
        const enforcement = buildEnforcement(ctx, isolation);
        this.gatekeeper = enforcement.gatekeeper;
        this.kyverno = enforcement.kyverno;
        const runtime = buildRuntime(ctx, isolation, this.systemNamespaces);
        this.certManager = runtime.certManager;
        this.linkerd = runtime.linkerd;
        this.falco = runtime.falco;
        // audit: the audit policy and log backends are node documents (bootstrap); the layer has no
        // cluster object of its own yet, so it adds no gate.
        const baseline = buildBaseline(ctx, this.systemNamespaces, args);
        this.tenants = baseline.tenants.tenants;
        this.tenantNames = baseline.tenants.keys;
        this.tenantsRegistered = baseline.tenants.registered;
        this.breakGlass = baseline.breakGlass;
        const nodeArtifacts = nodeArtifactsOf(bootstrap);

        this.layers = ctx.layers;
        this.disabledComponents = overrides.disabled;
        this.effectiveSettings = settings;
        this.gates = ctx.layerGates;
        this.network = isolation.network;
        this.nodeArtifacts = nodeArtifacts;
        this.registerOutputs({
            layers: Object.keys(ctx.layers),
            nodeArtifacts,
        });
    }
}
