/**
 * Control-plane facts shared by the component that writes the kubeadm documents and the stack
 * policy `control-plane-hardened` that judges them.
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 */

/**
 * The cipher suites kube-bench cis-1.12 accepts for the API server (1.2.29, `valid_elements`):
 * the TLS 1.3 suites and ECDHE with AEAD ciphers, under both Go names of ChaCha20-Poly1305. The
 * stack policy refuses any suite outside it; the settings accept only the stricter kubelet list
 * (`strongCipherSuites`, components/kubelet-hardening/defaults.ts), which is a subset.
 */
export const cisApiServerCipherSuites: readonly string[] = [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

/**
 * The only paths anonymous requests may reach: the health endpoints kubeadm's liveness, readiness
 * and startup probes (and load balancers) call without credentials. Every other anonymous request
 * is refused with 401 (AnonymousAuthConfigurableEndpoints, beta and on by default in 1.32-1.33).
 */
export const anonymousHealthPaths: readonly string[] = ["/livez", "/readyz", "/healthz"];

/**
 * Namespaces the cluster-wide Pod Security defaults do not apply to. Only `kube-system`: the
 * cluster provisioner (kubeadm) owns it, and the control plane's mirror pods, kube-proxy, CoreDNS
 * and the CNI's node agents run there with host access; the platform sets no label on it. Every
 * platform namespace carries its own Pod Security labels (a level below restricted only with its
 * exemption record), so it needs no exemption here; kube-public and kube-node-lease run no pods.
 */
export const podSecurityExemptNamespaces: readonly string[] = ["kube-system"];
