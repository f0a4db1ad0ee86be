import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { childOptions } from "../shared/options";
import { renderSystemNamespace, SystemNamespaceSpec } from "./render";

/** Arguments of {@link SystemNamespaces}. */
export interface SystemNamespacesArgs {
    /** The namespaces the platform's own components run in, each with its Pod Security level. */
    readonly namespaces: readonly SystemNamespaceSpec[];
    /** Target Kubernetes minor version, pinned in the `enforce-version` label. */
    readonly kubernetesVersion: string;
}

/**
 * The namespaces of the platform's own components (bootstrap layer), each with Pod Security labels
 * and, below restricted, the recorded reason. Protected: deleting a namespace deletes everything in it.
 */
export class SystemNamespaces extends pulumi.ComponentResource {
    /** The namespaces by name. */
    readonly namespaces: Readonly<Record<string, k8s.core.v1.Namespace>>;

    constructor(name: string, args: SystemNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:bootstrap:SystemNamespaces", name, {}, opts);
        const namespaces: Record<string, k8s.core.v1.Namespace> = {};
        for (const spec of args.namespaces) {
            namespaces[spec.name] = new k8s.core.v1.Namespace(
                `${name}-${spec.name}`,
                renderSystemNamespace(spec, args.kubernetesVersion),
                childOptions(this, opts, { protect: true, retainOnDelete: true }),
            );
        }
        this.namespaces = namespaces;
        this.registerOutputs({ namespaces: Object.keys(namespaces) });
    }
}
