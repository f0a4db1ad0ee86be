import * as pulumi from "@pulumi/pulumi";

/** The platform's layers, in the order they are applied. */
export const layerNames = ["bootstrap", "baseline", "enforcement", "runtime", "audit"] as const;

/**
 * The order the layers are applied in. Enforcement comes before baseline: the architecture lists
 * the layers bottom-up, but tenant namespaces (baseline) must not exist before admission control
 * does ("policies are applied before workloads"), and the platform-guardrails stack policy
 * `tenant-namespace-after-enforcement` verifies exactly that dependency.
 */
export const applyOrder = ["bootstrap", "enforcement", "baseline", "runtime", "audit"] as const;

/** One of the platform's layers. */
export type LayerName = (typeof layerNames)[number];

/**
 * A layer of the platform: a grouping component whose children are the layer's components. A layer
 * depends on every layer before it, and each component inside it receives the same `dependsOn`, so
 * nothing in a layer is created before the layers below it are ready.
 */
export class PlatformLayer extends pulumi.ComponentResource {
    /** The layer's name. */
    readonly layer: LayerName;

    constructor(
        name: string,
        args: { readonly layer: LayerName },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("sovereign:platform:Layer", name, {}, opts);
        this.layer = args.layer;
        this.registerOutputs({ layer: args.layer });
    }
}
