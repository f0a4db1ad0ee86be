import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PlatformOverrides, TenantNamespace, TenantNamespaceArgs } from "../../../components";

/**
 * A tenant namespace with a second LimitRange: each PersistentVolumeClaim asks for 1Gi to 500Gi,
 * so no single claim takes the tenant's whole storage quota. A subclass keeps the tenant's type
 * token, name and children, so every URN of the platform stays as it was.
 */
export class TenantWithClaimLimits extends TenantNamespace {
    /** The LimitRange of the tenant's PersistentVolumeClaims. */
    readonly claimLimits: k8s.core.v1.LimitRange;

    constructor(name: string, args: TenantNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(name, args, opts);
        this.claimLimits = new k8s.core.v1.LimitRange(
            `${name}-claim-limits`,
            {
                metadata: { name: "claim-limits", namespace: this.namespaceName },
                spec: {
                    limits: [
                        {
                            type: "PersistentVolumeClaim",
                            min: { storage: "1Gi" },
                            max: { storage: "500Gi" },
                        },
                    ],
                },
            },
            // Like the tenant's own objects: inside the namespace, so created after it (and the
            // layers it waits for), and protected unless the tenancy settings say otherwise.
            { parent: this, dependsOn: [this.namespace], protect: args.protect ?? true },
        );
    }
}

/** Every tenant of the platform is a {@link TenantWithClaimLimits}. */
export const overrides: PlatformOverrides = {
    tenantNamespace: {
        factory: (name, args, opts) => new TenantWithClaimLimits(name, args, opts),
    },
};
