/**
 * Defaults of kubelet hardening, in one place: the tunable values (each at or above what CIS 4.2.x
 * asks), the strong cipher suites, and where the documents live on the nodes. The settings schema
 * (`components/kubelet-hardening/settings.ts`) takes its defaults from here.
 */

/**
 * The kubelet cipher suites kube-bench cis-1.12 accepts for 4.2.12 (the strictest list; it passes
 * cis-1.10 and cis-1.11 too). Only ECDHE with AEAD ciphers.
 */
export const strongCipherSuites: readonly string[] = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
];

/** Defaults of the kubelet component. */
export const defaults = {
    clientCAFile: "/etc/kubernetes/pki/ca.crt",
    servingCertificates: "bootstrap",
    /** @default 4096 processes per pod */
    podPidsLimit: 4096,
    eventRecordQPS: 5,
    eventBurst: 10,
    streamingConnectionIdleTimeout: "5m0s",
    containerLogMaxSize: "50Mi",
    containerLogMaxFiles: 5,
    tlsMinVersion: "VersionTLS12",
    tlsCipherSuites: strongCipherSuites,
    clusterDNS: ["10.96.0.10"] as readonly string[],
    clusterDomain: "cluster.local",
    cgroupDriver: "systemd",
    /** Where kubeadm (and this platform's file list) puts the kubelet's config on every node. */
    hostPath: "/var/lib/kubelet/config.yaml",
    artifact: "nodes/kubelet-config.yaml",
    /** The kernel settings `protectKernelDefaults` requires, as a sysctl.d file on every node. */
    sysctlHostPath: "/etc/sysctl.d/90-kubelet.conf",
    sysctlArtifact: "nodes/sysctl-kubelet.conf",
} as const;
