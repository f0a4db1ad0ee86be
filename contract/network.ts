/**
 * Network facts shared by the components that write NetworkPolicies and the policies that judge
 * them: the widest address block a policy may open and where the cluster DNS runs.
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 */

/** The narrowest prefix accepted for an IPv4 block: a wider one is (nearly) the whole internet. */
export const minIpv4Prefix = 8;
/** The narrowest prefix accepted for an IPv6 block. */
export const minIpv6Prefix = 32;

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
