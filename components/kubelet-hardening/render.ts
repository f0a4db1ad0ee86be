import * as YAML from "yaml";
import { goDurationMs } from "../shared/duration";
import { SpecIssue } from "../shared/issues";
import { NodeFile } from "../shared/node-files";
import { defaults, strongCipherSuites } from "./defaults";

export { defaults, strongCipherSuites } from "./defaults";

/**
 * Pure functions of kubelet hardening: validate the settings and render the
 * `KubeletConfiguration` (kubelet.config.k8s.io/v1beta1) every node runs with. The fixed parts
 * (anonymous access off, Webhook authn/authz, read-only port 0, kernel defaults, seccomp default,
 * certificate rotation) have no knob: they are what CIS 4.2.x requires.
 * Upstream: https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
 */

/** The tunable part of the kubelet configuration. */
export interface KubeletSpec {
    /** CA that signs the API server's client certificate (CIS 4.2.3). */
    readonly clientCAFile: string;
    /**
     * How the kubelet gets its serving certificate: `bootstrap` requests it from the cluster CA
     * through a CSR and rotates it (`serverTLSBootstrap`; needs a CSR approver), `files` reads
     * `tlsCertFile`/`tlsPrivateKeyFile` issued by the internal CA.
     */
    readonly servingCertificates: "bootstrap" | "files";
    readonly tlsCertFile?: string;
    readonly tlsPrivateKeyFile?: string;
    /** Most processes one pod may run (CIS 4.2.13). */
    readonly podPidsLimit: number;
    /** Events per second the kubelet may create; 0 would mean unlimited (CIS 4.2.8). */
    readonly eventRecordQPS: number;
    readonly eventBurst: number;
    /** Idle time before exec/attach/port-forward streams close; never 0 (CIS 4.2.5). */
    readonly streamingConnectionIdleTimeout: string;
    /** Size at which a container log rotates (`50Mi`). */
    readonly containerLogMaxSize: string;
    /** Rotated container logs kept per container. */
    readonly containerLogMaxFiles: number;
    /** Lowest TLS version the kubelet serves. */
    readonly tlsMinVersion: "VersionTLS12" | "VersionTLS13";
    /** Cipher suites for TLS 1.2 (CIS 4.2.12); not rendered for TLS 1.3, where Go fixes them. */
    readonly tlsCipherSuites: readonly string[];
    /** Cluster DNS service IPs (kubeadm's default is the 10th address of 10.96.0.0/12). */
    readonly clusterDNS: readonly string[];
    readonly clusterDomain: string;
    readonly cgroupDriver: "systemd" | "cgroupfs";
    /** resolv.conf the kubelet hands to pods with `dnsPolicy: Default`. */
    readonly resolvConf?: string;
}

export type { SpecIssue } from "../shared/issues";

const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const ipv6 = /^[0-9a-fA-F:]+$/;

/** Checks a kubelet spec; every problem names the setting and what is expected. */
export function validateKubeletSpec(spec: KubeletSpec): SpecIssue[] {
    const issues: SpecIssue[] = [];
    const absolute = (
        field: "clientCAFile" | "tlsCertFile" | "tlsPrivateKeyFile" | "resolvConf",
    ): void => {
        const value = spec[field];
        if (value !== undefined && !value.startsWith("/")) {
            issues.push({ path: [field], message: `expected an absolute path on the node` });
        }
    };
    absolute("clientCAFile");
    absolute("tlsCertFile");
    absolute("tlsPrivateKeyFile");
    absolute("resolvConf");
    if (spec.servingCertificates === "files") {
        for (const field of ["tlsCertFile", "tlsPrivateKeyFile"] as const) {
            if (spec[field] === undefined) {
                issues.push({
                    path: [field],
                    message: `servingCertificates "files" needs ${field} (CIS 4.2.9)`,
                });
            }
        }
    } else {
        for (const field of ["tlsCertFile", "tlsPrivateKeyFile"] as const) {
            if (spec[field] !== undefined) {
                issues.push({
                    path: [field],
                    message: `${field} is only used with servingCertificates "files"; with "bootstrap" the kubelet requests and rotates its serving certificate itself`,
                });
            }
        }
    }
    if (!Number.isInteger(spec.podPidsLimit) || spec.podPidsLimit < 1) {
        issues.push({
            path: ["podPidsLimit"],
            message: `expected a positive whole number of processes per pod (CIS 4.2.13; -1 would mean unlimited)`,
        });
    }
    if (!Number.isInteger(spec.eventRecordQPS) || spec.eventRecordQPS < 1) {
        issues.push({
            path: ["eventRecordQPS"],
            message: `expected a positive whole number (CIS 4.2.8; 0 means unlimited)`,
        });
    }
    if (!Number.isInteger(spec.eventBurst) || spec.eventBurst < spec.eventRecordQPS) {
        issues.push({
            path: ["eventBurst"],
            message: `expected a whole number of at least eventRecordQPS (${spec.eventRecordQPS})`,
        });
    }
    if (!((goDurationMs(spec.streamingConnectionIdleTimeout) ?? 0) > 0)) {
        issues.push({
            path: ["streamingConnectionIdleTimeout"],
            message: `expected a positive duration such as "5m0s" (CIS 4.2.5; 0 keeps idle streams open forever)`,
        });
    }
    if (!/^[1-9]\d*(Ki|Mi|Gi)$/.test(spec.containerLogMaxSize)) {
        issues.push({
            path: ["containerLogMaxSize"],
            message: `expected a size such as "50Mi" (Ki, Mi or Gi)`,
        });
    }
    if (!Number.isInteger(spec.containerLogMaxFiles) || spec.containerLogMaxFiles < 2) {
        issues.push({
            path: ["containerLogMaxFiles"],
            message: `expected at least 2 files (the kubelet keeps the live file plus rotated ones)`,
        });
    }
    if (spec.tlsMinVersion === "VersionTLS12" && spec.tlsCipherSuites.length === 0) {
        issues.push({
            path: ["tlsCipherSuites"],
            message: "expected at least one cipher suite for TLS 1.2 (CIS 4.2.12)",
        });
    }
    spec.tlsCipherSuites.forEach((suite, i) => {
        if (!strongCipherSuites.includes(suite)) {
            issues.push({
                path: ["tlsCipherSuites", i],
                message: `"${suite}" is not a strong cipher suite (CIS 4.2.12); allowed: ${strongCipherSuites.join(", ")}`,
            });
        }
    });
    if (spec.clusterDNS.length === 0) {
        issues.push({
            path: ["clusterDNS"],
            message: "expected at least one cluster DNS service IP",
        });
    }
    spec.clusterDNS.forEach((ip, i) => {
        if (!ipv4.test(ip) && !(ip.includes(":") && ipv6.test(ip))) {
            issues.push({ path: ["clusterDNS", i], message: `expected an IP address` });
        }
    });
    if (
        !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(
            spec.clusterDomain,
        )
    ) {
        issues.push({
            path: ["clusterDomain"],
            message: `expected a DNS domain such as "cluster.local"`,
        });
    }
    return issues;
}

/** The KubeletConfiguration document (the fields this platform sets). */
export type KubeletConfigurationDocument = Record<string, unknown> & {
    readonly apiVersion: "kubelet.config.k8s.io/v1beta1";
    readonly kind: "KubeletConfiguration";
};

/** Renders the KubeletConfiguration. Throws when the spec is invalid. */
export function renderKubeletConfiguration(spec: KubeletSpec): KubeletConfigurationDocument {
    const issues = validateKubeletSpec(spec);
    if (issues.length > 0) {
        throw new Error(issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    }
    const serving =
        spec.servingCertificates === "files"
            ? {
                  serverTLSBootstrap: false,
                  tlsCertFile: spec.tlsCertFile,
                  tlsPrivateKeyFile: spec.tlsPrivateKeyFile,
              }
            : { serverTLSBootstrap: true };
    return {
        apiVersion: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        // CIS 4.2.1-4.2.3: no anonymous requests; bearer tokens checked with TokenReview, every
        // request authorized with SubjectAccessReview; the API server proves itself with a client
        // certificate signed by this CA.
        authentication: {
            anonymous: { enabled: false },
            webhook: { enabled: true, cacheTTL: "2m0s" },
            x509: { clientCAFile: spec.clientCAFile },
        },
        authorization: {
            mode: "Webhook",
            webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" },
        },
        // CIS 4.2.4: the unauthenticated read-only port is off.
        readOnlyPort: 0,
        // CIS 4.2.5, 4.2.8, 4.2.13.
        streamingConnectionIdleTimeout: spec.streamingConnectionIdleTimeout,
        eventRecordQPS: spec.eventRecordQPS,
        eventBurst: spec.eventBurst,
        podPidsLimit: spec.podPidsLimit,
        // CIS 4.2.6 and the DISA STIG's kernel defaults; CIS 4.2.14 seccomp for every pod.
        makeIPTablesUtilChains: true,
        protectKernelDefaults: true,
        seccompDefault: true,
        // CIS 4.2.9-4.2.11: client and serving certificates rotate.
        rotateCertificates: true,
        ...serving,
        featureGates: { RotateKubeletServerCertificate: true },
        // CIS 4.2.12: with TLS 1.3 Go fixes the suites (all AEAD), so none are listed.
        tlsMinVersion: spec.tlsMinVersion,
        ...(spec.tlsMinVersion === "VersionTLS12"
            ? { tlsCipherSuites: [...spec.tlsCipherSuites] }
            : {}),
        // Log retention on the node.
        containerLogMaxSize: spec.containerLogMaxSize,
        containerLogMaxFiles: spec.containerLogMaxFiles,
        // Cluster-wide values kubeadm would otherwise fill in: the document is complete, so it
        // can replace kubeadm's kubelet-config ConfigMap without losing them.
        clusterDNS: [...spec.clusterDNS],
        clusterDomain: spec.clusterDomain,
        cgroupDriver: spec.cgroupDriver,
        staticPodPath: "/etc/kubernetes/manifests",
        healthzBindAddress: "127.0.0.1",
        healthzPort: 10248,
        ...(spec.resolvConf !== undefined ? { resolvConf: spec.resolvConf } : {}),
    };
}

/** Notes for the operator about a valid spec (accepted deviations). */
export function kubeletWarnings(spec: KubeletSpec): string[] {
    const warnings: string[] = [];
    if (spec.servingCertificates === "bootstrap") {
        warnings.push(
            "kubelet serving certificates come from kubernetes.io/kubelet-serving CSRs, which " +
                "kube-controller-manager does not approve: run an approver that checks each CSR's SANs " +
                "against the node's addresses (kube-bench 4.2.9 reports WARN: accepted deviation, " +
                "compensated by 4.2.10/4.2.11)",
        );
    }
    if (spec.tlsMinVersion === "VersionTLS13") {
        warnings.push(
            "tlsMinVersion VersionTLS13: tlsCipherSuites is not rendered (Go fixes the TLS 1.3 suites); " +
                "kube-bench 4.2.12 reports it as unset: accepted deviation",
        );
    }
    return warnings;
}

/** The kubelet's file on every node. */
export function kubeletNodeFile(): NodeFile {
    return {
        artifact: defaults.artifact,
        hostPath: defaults.hostPath,
        mode: "0600",
        owner: "root:root",
        hosts: "all-nodes",
        secret: false,
    };
}

/**
 * The kernel settings the kubelet expects (its `setupKernelTunables`). With
 * `protectKernelDefaults: true` it refuses to start when a node's values differ instead of
 * changing them, so the node bootstrap installs these before the kubelet runs.
 */
export const kernelTunables: Readonly<Record<string, number>> = {
    "vm.overcommit_memory": 1,
    "vm.panic_on_oom": 0,
    "kernel.panic": 10,
    "kernel.panic_on_oops": 1,
    "kernel.keys.root_maxkeys": 1000000,
    "kernel.keys.root_maxbytes": 25000000,
};

/** The sysctl.d file with {@link kernelTunables}, applied with `sysctl --system`. */
export function kernelTunablesConf(): string {
    return (
        "# Managed by sovereign-contour (Pulumi): kernel settings the kubelet needs with\n" +
        "# protectKernelDefaults: true (it exits when they differ). Apply: sysctl --system\n" +
        Object.entries(kernelTunables)
            .map(([key, value]) => `${key} = ${value}\n`)
            .join("")
    );
}

/** The kernel settings file on every node (world-readable, like every sysctl.d file). */
export function kernelTunablesNodeFile(): NodeFile {
    return {
        artifact: defaults.sysctlArtifact,
        hostPath: defaults.sysctlHostPath,
        mode: "0644",
        owner: "root:root",
        hosts: "all-nodes",
        secret: false,
    };
}

/** A document as a YAML file with the platform's header. */
export function documentYaml(header: string, ...documents: unknown[]): string {
    return (
        `# Managed by sovereign-contour (Pulumi): ${header}\n` +
        documents.map((d) => YAML.stringify(d, { lineWidth: 0 })).join("---\n")
    );
}
