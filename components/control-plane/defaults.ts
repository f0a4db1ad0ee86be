/**
 * Defaults of control-plane hardening, in one place: kubeadm's certificate layout (the files every
 * CIS section 1 and 2 flag points at), where the authentication and admission documents live on
 * the control-plane hosts, the tunable values (each at or beyond what CIS asks), and the lists the
 * benchmark checks against. The settings (`components/control-plane/settings.ts`: `controlPlane`
 * and `identity`) take their defaults from here.
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
 * The lists the stack policy `control-plane-hardened` judges the documents against, shared with
 * it through `contract/control-plane.ts` (a pack never loads a component).
 */
export {
    anonymousHealthPaths,
    cisApiServerCipherSuites,
    podSecurityExemptNamespaces,
} from "../../contract/control-plane";

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
