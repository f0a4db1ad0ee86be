import * as pulumi from "@pulumi/pulumi";
import { applyOrder, layerNames, type LayerName } from "../../contract/layers";

/** The layers, their order and their type token are shared with the packs: `contract/layers.ts`. */
export { applyOrder, layerNames, type LayerName };

/**
 * A layer of the platform: a grouping component whose children are the layer's components. The
 * ordering is not carried by the layer itself (a `dependsOn` on a component expands to every child
 * under it, so a tenant would list every resource of the platform): each component of a layer
 * depends on the readiness gates of the layers applied before it (see {@link LayerGates}).
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

/**
 * The readiness gates of each layer: the few resources whose existence means the layer does its
 * job (the admission rules enforcing, the CA issuing, the mesh's identity issuer and control plane,
 * the runtime sensors). A component depends on the gates of every layer applied before its own,
 * never on every child of those layers, so its dependency list does not grow with the platform.
 */
export type LayerGates = Readonly<Record<LayerName, readonly pulumi.Resource[]>>;

/** The gates of every layer applied before `layer`, in apply order. */
export function gatesBefore(gates: LayerGates, layer: LayerName): pulumi.Resource[] {
    return applyOrder.slice(0, applyOrder.indexOf(layer)).flatMap((l) => [...gates[l]]);
}
