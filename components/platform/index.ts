import * as pulumi from "@pulumi/pulumi";
import { PlatformSettings } from "../../stacks/schema";
import { AuditPolicy } from "../audit-policy";
import { EncryptionAtRest } from "../encryption-at-rest";
import { KubeletHardening } from "../kubelet-hardening";
import { SystemNamespaces } from "../system-namespaces";
import { LayerName, layerNames, PlatformLayer } from "./layers";

export { layerNames, PlatformLayer } from "./layers";
export type { LayerName } from "./layers";

/** Arguments of {@link Platform}. */
export interface PlatformArgs {
    /** The validated settings of the stack (see `stacks/`). */
    readonly settings: PlatformSettings;
}

/**
 * The security contour of the platform: composes the layers bootstrap → baseline → enforcement →
 * runtime → audit. Each layer depends on the ones below it, and every component inside a layer
 * carries that dependency to its own children, so admission policies exist before any tenant
 * workload can be created.
 */
export class Platform extends pulumi.ComponentResource {
    /** The layer components, by name. */
    readonly layers: Readonly<Record<LayerName, PlatformLayer>>;
    /** The platform's system namespaces. */
    readonly systemNamespaces: SystemNamespaces;
    /** Encryption at rest of the API server's storage (bootstrap). */
    readonly encryptionAtRest: EncryptionAtRest;
    /** The API server's audit policy and log backends (bootstrap). */
    readonly auditPolicy: AuditPolicy;
    /** The kubelet's configuration and the kubeadm documents (bootstrap). */
    readonly kubeletHardening: KubeletHardening;
    /**
     * Documents that live on nodes and control-plane hosts rather than in the Kubernetes API, by
     * relative file path (`control-plane/audit-policy.yaml`). Values holding key material are secrets.
     */
    readonly nodeArtifacts: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:platform:Platform", name, {}, opts);
        const { settings } = args;

        const layers = {} as Record<LayerName, PlatformLayer>;
        const below: PlatformLayer[] = [];
        for (const layer of layerNames) {
            layers[layer] = new PlatformLayer(
                `${name}-${layer}`,
                { layer },
                { parent: this, dependsOn: [...below] },
            );
            below.push(layers[layer]);
        }
        /** Options for a component of `layer`: parented to it, after every layer below it. */
        const inLayer = (layer: LayerName): pulumi.ComponentResourceOptions => ({
            parent: layers[layer],
            dependsOn: layerNames
                .slice(0, layerNames.indexOf(layer))
                .map((l) => layers[l]),
        });

        // bootstrap
        this.systemNamespaces = new SystemNamespaces(
            `${name}-system-namespaces`,
            {
                namespaces: settings.systemNamespaces,
                kubernetesVersion: settings.kubernetesVersion,
            },
            inLayer("bootstrap"),
        );
        // Node and control-plane documents: encryption at rest, API-server audit, kubelet, and the
        // kubeadm documents that carry the first two's flags and mounts with the kubelet's config.
        this.encryptionAtRest = new EncryptionAtRest(
            `${name}-encryption-at-rest`,
            settings.encryptionAtRest,
            inLayer("bootstrap"),
        );
        const breakGlassGroups = [...settings.audit.breakGlassGroups];
        if (settings.breakGlass.group !== undefined && !breakGlassGroups.includes(settings.breakGlass.group)) {
            breakGlassGroups.push(settings.breakGlass.group);
        }
        this.auditPolicy = new AuditPolicy(
            `${name}-audit-policy`,
            { ...settings.audit, breakGlassGroups },
            inLayer("bootstrap"),
        );
        this.kubeletHardening = new KubeletHardening(
            `${name}-kubelet-hardening`,
            {
                ...settings.kubelet,
                controlPlane: [this.encryptionAtRest.controlPlane, this.auditPolicy.controlPlane],
            },
            inLayer("bootstrap"),
        );
        const nodeArtifacts: Record<string, pulumi.Output<string>> = {
            ...this.encryptionAtRest.nodeArtifacts,
            ...this.auditPolicy.nodeArtifacts,
            ...this.kubeletHardening.nodeArtifacts,
        };

        this.layers = layers;
        this.nodeArtifacts = nodeArtifacts;
        this.registerOutputs({
            layers: Object.keys(layers),
            nodeArtifacts,
        });
    }
}
