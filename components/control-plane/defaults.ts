/**
 * Defaults of control-plane hardening, in one place: kubeadm's certificate layout (the files every
 * CIS section 1 and 2 flag points at), where the authentication and admission documents live on
 * the control-plane hosts, the tunable values (each at or beyond what CIS asks), and the lists the
 * benchmark checks against. The settings schemas (`stacks/sections/control-plane.ts`,
 * `stacks/sections/identity.ts`) take their defaults from here.
 */
import { strongCipherSuites } from "../kubelet-hardening/defaults";

/**
 * kubeadm's certificate directory (ClusterConfiguration `certificatesDir`) and the files `kubeadm
 * init` writes there. The flags below name them explicitly, so the document shows every file each
 * component trusts instead of relying on kubeadm's implicit flags.
 */
export const kubeadmPki = {
    dir: "/etc/kubernetes/pki",
    ca: "/etc/kubernetes/pki/ca.crt",
    apiServerCert: "/etc/kubernetes/pki/apiserver.crt",
    apiServerKey: "/etc/kubernetes/pki/apiserver.key",
    kubeletClientCert: "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
    kubeletClientKey: "/etc/kubernetes/pki/apiserver-kubelet-client.key",
    etcdClientCert: "/etc/kubernetes/pki/apiserver-etcd-client.crt",
    etcdClientKey: "/etc/kubernetes/pki/apiserver-etcd-client.key",
    serviceAccountPublicKey: "/etc/kubernetes/pki/sa.pub",
    serviceAccountPrivateKey: "/etc/kubernetes/pki/sa.key",
    etcdDir: "/etc/kubernetes/pki/etcd",
    etcdCa: "/etc/kubernetes/pki/etcd/ca.crt",
    etcdServerCert: "/etc/kubernetes/pki/etcd/server.crt",
    etcdServerKey: "/etc/kubernetes/pki/etcd/server.key",
    etcdPeerCert: "/etc/kubernetes/pki/etcd/peer.crt",
    etcdPeerKey: "/etc/kubernetes/pki/etcd/peer.key",
} as const;

/**
 * The cipher suites kube-bench cis-1.12 accepts for the API server (1.2.29, `valid_elements`):
 * the TLS 1.3 suites and ECDHE with AEAD ciphers, under both Go names of ChaCha20-Poly1305. The
 * stack policy refuses any suite outside it; the settings accept only the stricter kubelet list
 * ({@link strongCipherSuites}), which is a subset.
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

/** Admission plugins the API server always enables, in the order the flag lists them. */
export const requiredAdmissionPlugins: readonly string[] = [
    "NodeRestriction",
    "PodSecurity",
    "EventRateLimit",
    "DenyServiceExternalIPs",
];

/** Defaults of the control-plane component. */
export const defaults = {
    /** Host directory of the AuthenticationConfiguration and AdmissionConfiguration, mounted read-only. */
    configDir: "/etc/kubernetes/apiserver",
    authenticationFile: "authentication-config.yaml",
    admissionFile: "admission-config.yaml",
    authenticationArtifact: "control-plane/authentication-config.yaml",
    admissionArtifact: "control-plane/admission-config.yaml",
    tlsMinVersion: "VersionTLS12",
    tlsCipherSuites: strongCipherSuites,
    /** The API server's own default, set explicitly (CIS 1.2.20: change it only if needed). */
    requestTimeout: "60s",
    /** CIS 1.2.11: a tenant cannot start another tenant's private image from a node's cache. */
    alwaysPullImages: true,
    /** Longest lifetime of a requested service-account token (the API server caps longer requests). */
    serviceAccountMaxTokenExpiration: "24h",
    /** CA of the kubelets' serving certificates: the cluster CA signs bootstrapped ones (CIS 1.2.5). */
    kubeletCertificateAuthority: kubeadmPki.ca,
    /** Terminated pods kept before the garbage collector deletes the oldest (CIS 1.3.1; upstream 12500). */
    terminatedPodGCThreshold: 1000,
    /** EventRateLimit (CIS 1.2.9): per namespace and per user, the values of the Kubernetes docs. */
    eventRateLimit: {
        namespace: { qps: 50, burst: 100, cacheSize: 2000 },
        user: { qps: 10, burst: 50, cacheSize: 2000 },
    },
} as const;

/** Defaults of the `identity` settings (the site's identity provider). */
export const identityDefaults = {
    /** Immutable and unique per person in every OIDC provider. */
    usernameClaim: "sub",
    groupsClaim: "groups",
    /** The one prefix of every identity-provider user and group name inside the cluster. */
    prefix: "oidc:",
} as const;
