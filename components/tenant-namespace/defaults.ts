import { kubernetesNamespaces } from "../../stacks/sections/tenancy";

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

/**
 * Where the cluster DNS runs: kubeadm's CoreDNS keeps the `k8s-app: kube-dns` label in
 * `kube-system`. Selected by the immutable `kubernetes.io/metadata.name` label, never by a label
 * anyone with namespace write access could set.
 */
export const clusterDns = {
    namespace: "kube-system",
    podLabels: { "k8s-app": "kube-dns" },
    port: 53,
} as const;

/**
 * Linkerd control-plane ports a meshed proxy must reach: identity (certificates), destination
 * (service discovery) and policy.
 */
export const linkerdControlPlanePorts: readonly number[] = [8080, 8086, 8090];

/** Namespaces Kubernetes itself owns; never a tenant's (the list the settings loader refuses too). */
export const kubernetesReservedNamespaces: readonly string[] = kubernetesNamespaces;
