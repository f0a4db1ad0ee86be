import { clusterDns } from "../../contract/network";

/**
 * Defaults of a tenant namespace, in one place. Sizes are a starting point for one AI team; the
 * security-relevant values (no NodePorts, no LoadBalancers, no GPUs unless granted, no token
 * automount, restricted Pod Security) are the hardened ones.
 */
export const tenantDefaults = {
    /** Pod Security level enforced in the namespace. */
    podSecurity: "restricted",
    /** ResourceQuota sizes. */
    quota: {
        cpuRequests: "8",
        cpuLimits: "16",
        memoryRequests: "16Gi",
        memoryLimits: "32Gi",
        pods: 50,
        persistentVolumeClaims: 10,
        storage: "100Gi",
        gpus: 0,
    },
    /** LimitRange values for every container. */
    limits: {
        defaultCpu: "500m",
        defaultMemory: "512Mi",
        defaultCpuRequest: "100m",
        defaultMemoryRequest: "128Mi",
        maxCpu: "4",
        maxMemory: "8Gi",
    },
    /** Namespace of the Linkerd control plane. */
    linkerdNamespace: "linkerd",
    /** Protect every tenant resource from deletion. */
    protect: true,
} as const;

/** The extended resource a GPU quota counts (NVIDIA device plugin). */
export const gpuResource = "nvidia.com/gpu";

/** Where the cluster DNS runs (`contract/network.ts`: the tenant-namespace-guardrails policy reads it too). */
export { clusterDns };

/**
 * Linkerd control-plane ports a meshed proxy must reach: identity (certificates), destination
 * (service discovery) and policy.
 */
export const linkerdControlPlanePorts: readonly number[] = [8080, 8086, 8090];

/**
 * Namespaces Kubernetes itself owns. A tenant may never take one of these names, nor any name with
 * the `kube-` prefix Kubernetes reserves for its own namespaces (the `tenants` settings refuse them
 * too, `components/tenant-namespace/settings.ts`).
 */
export const kubernetesNamespaces: readonly string[] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "default",
];

/** Namespaces Kubernetes itself owns; never a tenant's (the list the settings loader refuses too). */
export const kubernetesReservedNamespaces: readonly string[] = kubernetesNamespaces;
