/**
 * The control catalogue: each security control of the contour, its framework mappings, and the
 * mechanisms in this repository that implement it. `npm run compliance` renders it to
 * docs/compliance.md and docs/compliance.json; test/compliance/ checks that every policy, admission
 * rule and Falco rule is catalogued and that every reference resolves.
 *
 * Framework mappings are ours (no authoritative crosswalk exists), built from the mapping table of
 * the security-controls reference (§9) after checking each row against its CIS, audit, kubelet and
 * ComplianceAsCode sections. CIS IDs are those of the benchmark version below.
 */

/** The CIS Kubernetes Benchmark version the CIS IDs refer to (kube-bench profile). */
export const cisBenchmark = {
    profile: "cis-1.12",
    title: "CIS Kubernetes Benchmark v1.12 (kube-bench profile cis-1.12, Kubernetes 1.32–1.34)",
} as const;

/** Framework editions the other mapping columns refer to. */
export const frameworks = {
    nist: "NIST SP 800-53 Rev. 5",
    iso: "ISO/IEC 27001:2022 Annex A",
    bsi: "BSI IT-Grundschutz APP.4.4 Kubernetes (Edition 2023)",
} as const;

/** The CrossGuard packs of this repository. */
export type PackName = "platform-guardrails" | "workload-security";

/** Component type tokens of the components that implement controls. */
export const componentTypes = {
    auditPolicy: "sovereign:bootstrap:AuditPolicy",
    encryptionAtRest: "sovereign:bootstrap:EncryptionAtRest",
    kubeletHardening: "sovereign:bootstrap:KubeletHardening",
    controlPlane: "sovereign:bootstrap:ControlPlane",
    systemNamespaces: "sovereign:bootstrap:SystemNamespaces",
    gatekeeper: "sovereign:enforcement:Gatekeeper",
    kyverno: "sovereign:enforcement:Kyverno",
    tenantNamespace: "sovereign:baseline:TenantNamespace",
    breakGlass: "sovereign:baseline:BreakGlass",
    certManager: "sovereign:runtime:CertManager",
    linkerd: "sovereign:runtime:Linkerd",
    falco: "sovereign:runtime:Falco",
    platformNetwork: "sovereign:network:PlatformNetwork",
} as const;

export type ComponentType = (typeof componentTypes)[keyof typeof componentTypes];

/** One thing that implements (part of) a control. */
export type Mechanism =
    /** A CrossGuard policy, checked at preview time and by the offline check. */
    | { readonly kind: "crossguard"; readonly pack: PackName; readonly policy: string }
    /** A component argument (or a field the component always renders) that implements the control. */
    | { readonly kind: "component"; readonly type: ComponentType; readonly setting: string }
    /** A Gatekeeper ConstraintTemplate, by its metadata.name. */
    | { readonly kind: "gatekeeper"; readonly template: string }
    /** A Kyverno ClusterPolicy, by its metadata.name. */
    | { readonly kind: "kyverno"; readonly policy: string }
    /** A custom Falco rule shipped by the Falco component, by its rule name. */
    | { readonly kind: "falco"; readonly rule: string }
    /** Not automated in this repository; the reason says who or what covers it. */
    | { readonly kind: "manual"; readonly reason: string };

/**
 * What the offline check must have seen, besides its linked policies passing and its components
 * being present, before it calls a control `enforced` (compliance/status.ts): evidence for every
 * object in the control's scope. Without it the control is `not-verified`, with the reason.
 */
export type EvidenceRequirement =
    /**
     * Every object the stack deploys was judged: the contents of every Helm chart were rendered
     * (a chart from a remote source, or without helm, deploys objects no policy saw).
     */
    | { readonly kind: "chart-contents" }
    /**
     * The component rendered the node or control-plane document that implements the control: the
     * check wrote `artifact`. `setting` names what turns it on, when it is optional.
     */
    | {
          readonly kind: "node-artifact";
          readonly artifact: string;
          readonly what: string;
          readonly setting?: string;
      }
    /**
     * Every namespace in scope (each Namespace declared, each namespace a workload runs in) has
     * NetworkPolicies denying all ingress and all egress to every pod.
     */
    | { readonly kind: "namespace-default-deny" };

/** Pod Security Standard levels, least to most restrictive. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/** One control of the catalogue. */
export interface Control {
    /** `SC-<AREA>-<NN>`. */
    readonly id: string;
    readonly title: string;
    /** CIS IDs in {@link cisBenchmark}; empty when the control goes beyond CIS. */
    readonly cis: readonly string[];
    readonly nist: readonly string[];
    readonly iso: readonly string[];
    /** APP.4.4 requirements; empty where none applies. */
    readonly bsi: readonly string[];
    /**
     * The Pod Security Standard level that contains this control, when it is a pod-level rule: a
     * namespace whose enforced level is below it is an exemption from the control.
     */
    readonly podSecurityLevel?: Exclude<PodSecurityLevel, "privileged">;
    readonly implementedBy: readonly Mechanism[];
    /** Evidence required for `enforced` beyond passing policies and present components. @default [] */
    readonly evidence?: readonly EvidenceRequirement[];
    /** Deviations, caveats and corrections an auditor should know about. */
    readonly notes?: string;
}

const gk = (template: string): Mechanism => ({ kind: "gatekeeper", template });
const ky = (policy: string): Mechanism => ({ kind: "kyverno", policy });
const pg = (policy: string): Mechanism => ({
    kind: "crossguard",
    pack: "platform-guardrails",
    policy,
});
const ws = (policy: string): Mechanism => ({
    kind: "crossguard",
    pack: "workload-security",
    policy,
});
const comp = (type: ComponentType, setting: string): Mechanism => ({
    kind: "component",
    type,
    setting,
});
const manual = (reason: string): Mechanism => ({ kind: "manual", reason });
const falco = (rule: string): Mechanism => ({ kind: "falco", rule });

/** Every chart's contents rendered, so the policies saw every object it deploys. */
const chartContents: EvidenceRequirement = { kind: "chart-contents" };
const artifact = (path: string, what: string, setting?: string): EvidenceRequirement => ({
    kind: "node-artifact",
    artifact: path,
    what,
    ...(setting !== undefined ? { setting } : {}),
});
const auditPolicyFile = artifact(
    "control-plane/audit-policy.yaml",
    "the API server's audit policy",
);
const encryptionFile = artifact(
    "control-plane/encryption-config.yaml",
    "the API server's EncryptionConfiguration",
);
const kubeletFile = artifact("nodes/kubelet-config.yaml", "the kubelet's KubeletConfiguration");

const clusterConfigurationFile = artifact(
    "kubeadm/cluster-configuration.yaml",
    "the kubeadm ClusterConfiguration with the API-server, controller-manager, scheduler and etcd flags",
);
const authenticationFile = artifact(
    "control-plane/authentication-config.yaml",
    "the API server's AuthenticationConfiguration",
);
const admissionFile = artifact(
    "control-plane/admission-config.yaml",
    "the API server's AdmissionConfiguration",
);

/** The catalogue, in report order. */
export const controls: readonly Control[] = [
    {
        id: "SC-API-01",
        title: "API server rejects anonymous requests",
        cis: ["1.2.1"],
        nist: ["AC-3", "IA-2", "CM-6"],
        iso: ["A.8.5", "A.5.15"],
        bsi: ["APP.4.4.A3"],
        implementedBy: [
            comp(componentTypes.controlPlane, "anonymous"),
            comp(componentTypes.controlPlane, "authentication-config"),
            pg("control-plane-hardened"),
        ],
        evidence: [clusterConfigurationFile, authenticationFile],
        notes:
            "Anonymous requests are refused on every path but /livez, /readyz and /healthz " +
            "(AuthenticationConfiguration anonymous.conditions), which kubeadm's probes call " +
            "without credentials; the API server refuses --anonymous-auth together with it, so " +
            "kube-bench 1.2.1 (not scored) reports WARN: an accepted deviation, stricter than the " +
            "CIS rationale, which tolerates anonymous health checks and discovery. " +
            "platform-guardrails/rbac-no-anonymous-bindings (SC-IAM-02) keeps anonymous " +
            "identities out of bindings.",
    },
    {
        id: "SC-API-02",
        title: "API server authorization mode Node,RBAC, never AlwaysAllow",
        cis: ["1.2.6", "1.2.7", "1.2.8"],
        nist: ["AC-3", "AC-6", "CM-6"],
        iso: ["A.5.15", "A.8.2"],
        bsi: ["APP.4.4.A3"],
        implementedBy: [
            comp(componentTypes.controlPlane, "authorization-mode"),
            pg("control-plane-hardened"),
        ],
        evidence: [clusterConfigurationFile],
    },
    {
        id: "SC-API-03",
        title: "NodeRestriction admission plugin enabled",
        cis: ["1.2.14"],
        nist: ["AC-6", "AC-3", "CM-6"],
        iso: ["A.8.2"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.controlPlane, "NodeRestriction"),
            comp(componentTypes.controlPlane, "enable-admission-plugins"),
            pg("control-plane-hardened"),
        ],
        evidence: [clusterConfigurationFile, admissionFile],
        notes:
            "CIS Level 2 item. The same flag enables EventRateLimit (1.2.9), " +
            "DenyServiceExternalIPs (1.2.3) and AlwaysPullImages (1.2.11, setting " +
            "controlPlane.alwaysPullImages); the AdmissionConfiguration sets Pod Security " +
            "restricted by default.",
    },
    {
        id: "SC-API-04",
        title: "Profiling disabled on API server, controller manager and scheduler",
        cis: ["1.2.15", "1.3.2", "1.4.1"],
        nist: ["CM-7", "CM-6"],
        iso: ["A.8.9"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.controlPlane, "profiling"),
            pg("control-plane-hardened"),
        ],
        evidence: [clusterConfigurationFile],
    },
    {
        id: "SC-API-05",
        title: "Strong TLS cipher suites on the API server",
        cis: ["1.2.29"],
        nist: ["SC-8", "SC-8(1)", "SC-13"],
        iso: ["A.8.24", "A.8.20"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.controlPlane, "tlsCipherSuites"),
            comp(componentTypes.controlPlane, "tlsMinVersion"),
            pg("control-plane-hardened"),
        ],
        evidence: [clusterConfigurationFile],
        notes:
            "The same suites and minimum version apply to the controller manager, the scheduler " +
            "and etcd (cipher-suites). The kubelet side (CIS 4.2.12) is SC-KUB-05.",
    },
    {
        id: "SC-API-06",
        title: "Bound service-account token lifetimes are not extended",
        cis: ["1.2.30"],
        nist: ["IA-5", "AC-12"],
        iso: ["A.5.17"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.controlPlane, "service-account-extend-token-expiration"),
            comp(componentTypes.controlPlane, "serviceAccountMaxTokenExpiration"),
            pg("control-plane-hardened"),
        ],
        evidence: [clusterConfigurationFile],
        notes: "1.2.30 does not exist in cis-1.10.",
    },
    {
        id: "SC-AUD-01",
        title: "API-server audit log enabled and retained (≥30 days, ≥10 files, ≥100 MB)",
        cis: ["1.2.16", "1.2.17", "1.2.18", "1.2.19"],
        nist: ["AU-2", "AU-4", "AU-11", "AU-12"],
        iso: ["A.8.15"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.auditPolicy, "logPath"),
            comp(componentTypes.auditPolicy, "maxAge"),
            comp(componentTypes.auditPolicy, "maxBackup"),
            comp(componentTypes.auditPolicy, "maxSize"),
            pg("audit-policy-present"),
        ],
        evidence: [auditPolicyFile],
    },
    {
        id: "SC-AUD-02",
        title: "Audit policy: Secrets at Metadata, exec/attach/proxy and workload changes recorded",
        cis: ["3.2.1", "3.2.2"],
        nist: ["AU-2", "AU-3", "AU-3(1)", "AU-12"],
        iso: ["A.8.15", "A.8.16"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.auditPolicy, "sensitiveResources"),
            comp(componentTypes.auditPolicy, "extraWriteGroups"),
            comp(componentTypes.auditPolicy, "breakGlassGroups"),
            pg("audit-policy-present"),
        ],
        evidence: [auditPolicyFile],
        notes: "3.2.2 is CIS Level 2; kube-bench has no test for it (type manual).",
    },
    {
        id: "SC-AUD-03",
        title: "Audit events shipped off the node to a protected store",
        cis: [],
        nist: ["AU-6", "AU-9", "AU-9(2)"],
        iso: ["A.8.15"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.auditPolicy, "webhook"),
            manual("the receiving SIEM and its retention and access controls are operated outside"),
        ],
        evidence: [
            artifact(
                "control-plane/audit-webhook.kubeconfig",
                "the kubeconfig of the audit webhook backend that ships events off the node",
                "audit.webhook",
            ),
        ],
        notes: "Supports CIS 3.2; effective only when the webhook backend is configured.",
    },
    {
        id: "SC-ENC-01",
        title: "Secrets (and ConfigMaps) encrypted at rest with a strong provider",
        cis: ["1.2.27", "1.2.28"],
        nist: ["SC-28", "SC-28(1)"],
        iso: ["A.8.24"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.encryptionAtRest, "resources"),
            comp(componentTypes.encryptionAtRest, "plaintextResources"),
            pg("encryption-write-provider-not-identity"),
        ],
        evidence: [encryptionFile],
        notes:
            "kube-bench 1.2.28 reads only the first provider of the last providers block " +
            "(aescbc, kms or secretbox).",
    },
    {
        id: "SC-ENC-02",
        title: "Encryption keys managed: protected, rotated, no identity write provider",
        cis: ["1.2.28"],
        nist: ["SC-12", "SC-12(1)", "SC-28(1)"],
        iso: ["A.8.24"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.encryptionAtRest, "keys"),
            comp(componentTypes.encryptionAtRest, "automaticReload"),
            pg("encryption-keys-protected"),
            pg("encryption-write-provider-not-identity"),
        ],
        evidence: [encryptionFile],
        notes: "Rotation is an operator procedure: docs/runbooks/encryption-at-rest.md.",
    },
    {
        id: "SC-KUB-01",
        title: "Kubelet: anonymous authentication off",
        cis: ["4.2.1"],
        nist: ["AC-3", "IA-3", "CM-6"],
        iso: ["A.8.5"],
        bsi: ["APP.4.4.A3"],
        implementedBy: [comp(componentTypes.kubeletHardening, "anonymous")],
        evidence: [kubeletFile],
    },
    {
        id: "SC-KUB-02",
        title: "Kubelet: authorization mode Webhook",
        cis: ["4.2.2"],
        nist: ["AC-3", "CM-6"],
        iso: ["A.5.15", "A.8.3"],
        bsi: [],
        implementedBy: [comp(componentTypes.kubeletHardening, "authorization")],
        evidence: [kubeletFile],
    },
    {
        id: "SC-KUB-03",
        title: "Kubelet: client CA for mutual TLS with the API server",
        cis: ["4.2.3", "1.2.4", "1.2.5"],
        nist: ["IA-3", "SC-8", "SC-8(1)"],
        iso: ["A.8.5"],
        bsi: ["APP.4.4.A17"],
        implementedBy: [
            comp(componentTypes.kubeletHardening, "clientCAFile"),
            comp(componentTypes.controlPlane, "kubelet-client-certificate"),
            comp(componentTypes.controlPlane, "kubeletCertificateAuthority"),
            pg("control-plane-hardened"),
        ],
        evidence: [kubeletFile, clusterConfigurationFile],
    },
    {
        id: "SC-KUB-04",
        title: "Kubelet: read-only port disabled",
        cis: ["4.2.4"],
        nist: ["CM-7", "AC-3"],
        iso: ["A.8.9", "A.8.20"],
        bsi: [],
        implementedBy: [comp(componentTypes.kubeletHardening, "readOnlyPort")],
        evidence: [kubeletFile],
    },
    {
        id: "SC-KUB-05",
        title: "Kubelet: strong TLS cipher suites and minimum TLS version",
        cis: ["4.2.12"],
        nist: ["SC-8", "SC-8(1)", "SC-13"],
        iso: ["A.8.24", "A.8.20"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.kubeletHardening, "tlsCipherSuites"),
            comp(componentTypes.kubeletHardening, "tlsMinVersion"),
        ],
        evidence: [kubeletFile],
    },
    {
        id: "SC-KUB-06",
        title: "Kubelet: streaming connections time out when idle",
        cis: ["4.2.5"],
        nist: ["AC-12", "SC-10"],
        iso: ["A.8.5"],
        bsi: [],
        implementedBy: [comp(componentTypes.kubeletHardening, "streamingConnectionIdleTimeout")],
        evidence: [kubeletFile],
    },
    {
        id: "SC-KUB-07",
        title: "Kubelet and control-plane certificate rotation",
        cis: ["4.2.9", "4.2.10", "4.2.11", "1.3.6"],
        nist: ["IA-5", "SC-8", "SC-12", "SC-17"],
        iso: ["A.8.24", "A.5.17"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.kubeletHardening, "rotateCertificates"),
            comp(componentTypes.kubeletHardening, "servingCertificates"),
            manual("serverTLSBootstrap needs a CSR approver, which the cluster operator runs"),
        ],
        evidence: [kubeletFile],
        notes:
            "With serverTLSBootstrap kube-bench reports 4.2.9 as WARN: an accepted deviation, " +
            "compensated by 4.2.10, 4.2.11 and 1.3.6.",
    },
    {
        id: "SC-KUB-08",
        title: "Node integrity: iptables util chains, kernel defaults protected, event capture",
        cis: ["4.2.6", "4.2.7", "4.2.8"],
        nist: ["CM-6", "CM-7", "SC-7"],
        iso: ["A.8.9"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.kubeletHardening, "makeIPTablesUtilChains"),
            comp(componentTypes.kubeletHardening, "protectKernelDefaults"),
            comp(componentTypes.kubeletHardening, "eventRecordQPS"),
            manual("--hostname-override (4.2.7) is a kubelet flag outside the config file"),
        ],
        evidence: [kubeletFile],
        notes:
            "protectKernelDefaults left CIS after cis-1.24; kept as defence in depth. 4.2.8 " +
            "passes kube-bench with eventRecordQPS 0 (unlimited); the component sets a positive value.",
    },
    {
        id: "SC-RES-01",
        title: "Resource limits: pod PID limit, container requests/limits, tenant quotas",
        cis: ["4.2.13"],
        nist: ["SC-5", "SC-6"],
        iso: ["A.8.6"],
        bsi: [],
        implementedBy: [
            comp(componentTypes.kubeletHardening, "podPidsLimit"),
            comp(componentTypes.tenantNamespace, "quota"),
            comp(componentTypes.tenantNamespace, "limits"),
            ws("resources-requests-limits"),
            gk("sovereignresourcelimits"),
        ],
        evidence: [chartContents, kubeletFile],
    },
    {
        id: "SC-RES-02",
        title: "Workloads declare readiness and liveness probes",
        cis: [],
        nist: ["SC-5", "SI-4"],
        iso: ["A.8.6"],
        bsi: ["APP.4.4.A11"],
        implementedBy: [ws("probes-readiness-liveness")],
        evidence: [chartContents],
        notes: "Availability hygiene beyond CIS; mapping ours.",
    },
    {
        id: "SC-POD-01",
        title: "Seccomp RuntimeDefault by default and required",
        cis: ["4.2.14", "5.6.2"],
        nist: ["CM-7", "SC-39", "AC-6"],
        iso: ["A.8.9"],
        bsi: ["APP.4.4.A4"],
        podSecurityLevel: "restricted",
        implementedBy: [
            comp(componentTypes.kubeletHardening, "seccompDefault"),
            ws("pod-security-seccomp"),
            ky("sovereign-secure-defaults"),
            ky("sovereign-pod-security"),
        ],
        evidence: [chartContents, kubeletFile],
        notes: "kube-bench 4.2.14 only tests that the key exists; the component sets true.",
    },
    {
        id: "SC-POD-02",
        title: "Pod Security admission active in every workload namespace",
        cis: ["5.2.1"],
        nist: ["CM-7", "CM-6", "AC-6"],
        iso: ["A.8.9"],
        bsi: ["APP.4.4.A4"],
        implementedBy: [
            comp(componentTypes.tenantNamespace, "podSecurity"),
            comp(componentTypes.systemNamespaces, "namespaces"),
            pg("namespaces-pod-security-enforce"),
            pg("tenant-namespace-after-enforcement"),
            gk("sovereignnamespacelabels"),
            pg("namespaces-required-labels"),
            ky("sovereign-pod-security"),
        ],
        evidence: [chartContents],
    },
    {
        id: "SC-POD-03",
        title: "No privileged containers, no host PID/IPC/network namespaces",
        cis: ["5.2.2", "5.2.3", "5.2.4", "5.2.5"],
        nist: ["AC-6", "SC-39", "CM-7"],
        iso: ["A.8.2", "A.8.9"],
        bsi: ["APP.4.4.A4"],
        podSecurityLevel: "baseline",
        implementedBy: [
            ws("pod-security-privileged"),
            ws("pod-security-host-namespaces"),
            ws("workloads-no-pod-spec-patches"),
            gk("sovereignpodhardening"),
            ky("sovereign-pod-security"),
        ],
        evidence: [chartContents],
    },
    {
        id: "SC-POD-04",
        title: "No privilege escalation, non-root users, capabilities dropped (ALL, no NET_RAW)",
        cis: ["5.2.6", "5.2.7", "5.2.8", "5.2.9"],
        nist: ["AC-6", "AC-6(10)", "CM-7"],
        iso: ["A.8.2", "A.8.9"],
        bsi: ["APP.4.4.A4", "APP.4.4.A9"],
        podSecurityLevel: "restricted",
        implementedBy: [
            ws("pod-security-allow-privilege-escalation"),
            ws("pod-security-run-as-non-root"),
            ws("pod-security-run-as-user"),
            ws("pod-security-capabilities"),
            gk("sovereignpodhardening"),
            ky("sovereign-secure-defaults"),
            ky("sovereign-pod-security"),
        ],
        evidence: [chartContents],
        notes:
            "§9 of the reference gives AC-6(9) (logging of privileged functions); AC-6(10) " +
            "(non-privileged users cannot run privileged functions) fits this control.",
    },
    {
        id: "SC-POD-05",
        title: "No hostPath, hostPort or Windows HostProcess; only restricted volume types",
        cis: ["5.2.10", "5.2.11", "5.2.12"],
        nist: ["AC-6", "AC-6(1)", "SC-7"],
        iso: ["A.8.9", "A.8.20"],
        bsi: ["APP.4.4.A4"],
        podSecurityLevel: "baseline",
        implementedBy: [
            ws("pod-security-host-path-volumes"),
            ws("persistent-volumes-no-host-path"),
            ws("pod-security-host-ports"),
            ws("pod-security-windows-host-process"),
            ws("pod-security-restricted-volumes"),
            gk("sovereignpodhardening"),
            ky("sovereign-pod-security"),
        ],
        evidence: [chartContents],
        notes: "cis-1.10 and cis-1.11 number these 5.2.11–5.2.13.",
    },
    {
        id: "SC-POD-06",
        title: "Security context hardening: AppArmor, SELinux, /proc mount, sysctls, probe hosts",
        cis: ["5.6.3"],
        nist: ["AC-6", "CM-7", "SC-39"],
        iso: ["A.8.9"],
        bsi: ["APP.4.4.A4"],
        podSecurityLevel: "baseline",
        implementedBy: [
            ws("pod-security-apparmor"),
            ws("pod-security-selinux"),
            ws("pod-security-proc-mount"),
            ws("pod-security-sysctls"),
            ws("pod-security-host-probes"),
            ky("sovereign-pod-security"),
        ],
        evidence: [chartContents],
    },
    {
        id: "SC-IAM-01",
        title: "cluster-admin and system:masters minimised",
        cis: ["5.1.1", "5.1.7"],
        nist: ["AC-6", "AC-6(5)", "AC-2"],
        iso: ["A.8.2"],
        bsi: ["APP.4.4.A3"],
        implementedBy: [
            pg("rbac-restrict-cluster-admin"),
            manual("system:masters certificates are issued by the cluster provisioner (5.1.7)"),
        ],
        evidence: [chartContents],
    },
    {
        id: "SC-IAM-02",
        title: "RBAC least privilege: no wildcards, no bind/escalate/impersonate, no anonymous grants",
        cis: ["5.1.2", "5.1.3", "5.1.4", "5.1.8", "5.1.9", "5.1.10", "5.1.11", "5.1.12", "5.1.13"],
        nist: ["AC-6", "AC-6(1)", "AC-6(10)", "AC-3"],
        iso: ["A.8.2", "A.8.3", "A.5.15"],
        bsi: ["APP.4.4.A3", "APP.4.4.A9"],
        implementedBy: [
            pg("rbac-no-wildcards"),
            pg("rbac-no-escalate-bind-impersonate"),
            pg("rbac-no-anonymous-bindings"),
            pg("rbac-aggregated-roles"),
            gk("sovereignrbacwildcards"),
            comp(componentTypes.tenantNamespace, "allowDeveloperExec"),
            comp(componentTypes.tenantNamespace, "allowDeveloperSecretRead"),
        ],
        evidence: [chartContents],
        notes:
            "5.1.9–5.1.13 (PV creation, nodes/proxy, CSR approval, webhook configs, token " +
            "creation) have no dedicated policy; review them with the RBAC report of kube-bench.",
    },
    {
        id: "SC-IAM-03",
        title: "Default service accounts unused; tokens mounted only where needed",
        cis: ["5.1.5", "5.1.6"],
        nist: ["AC-6", "IA-5", "CM-6"],
        iso: ["A.5.16", "A.5.17"],
        bsi: ["APP.4.4.A9"],
        implementedBy: [
            ws("service-account-token-opt-in"),
            ky("sovereign-secure-defaults"),
            pg("tenant-namespace-guardrails"),
        ],
        evidence: [chartContents],
    },
    {
        id: "SC-IAM-04",
        title: "Emergency (break-glass) access is time-boxed, justified and audited",
        cis: [],
        nist: ["AC-2(2)", "AC-6(5)", "AU-2"],
        iso: ["A.8.2", "A.5.18"],
        bsi: ["APP.4.4.A3"],
        implementedBy: [
            comp(componentTypes.breakGlass, "expiresAt"),
            comp(componentTypes.breakGlass, "reason"),
            comp(componentTypes.auditPolicy, "breakGlassGroups"),
        ],
        notes: "Beyond CIS; see docs/operations.md for the procedure.",
    },
    {
        id: "SC-NET-01",
        title: "Default-deny NetworkPolicies with a DNS allowance in every namespace",
        cis: ["5.3.1", "5.3.2"],
        nist: ["AC-4", "SC-7", "SC-7(5)"],
        iso: ["A.8.22", "A.8.20"],
        bsi: ["APP.4.4.A7", "APP.4.4.A18"],
        implementedBy: [
            pg("network-default-deny"),
            pg("network-no-allow-all"),
            pg("tenant-namespace-guardrails"),
            comp(componentTypes.tenantNamespace, "egress"),
            comp(componentTypes.platformNetwork, "workloads"),
            ky("sovereign-default-deny-network"),
            manual(
                "5.3.1: the CNI must enforce NetworkPolicy; the CNI is chosen by the cluster operator",
            ),
        ],
        evidence: [chartContents, { kind: "namespace-default-deny" }],
    },
    {
        id: "SC-NET-02",
        title: "Service-to-service mTLS with rotated mesh identity",
        cis: [],
        nist: ["SC-8", "SC-8(1)", "IA-9", "SC-23"],
        iso: ["A.8.20", "A.8.21", "A.8.24"],
        bsi: ["APP.4.4.A18"],
        implementedBy: [
            comp(componentTypes.linkerd, "defaultInboundPolicy"),
            comp(componentTypes.linkerd, "identityIssuer"),
            comp(componentTypes.linkerd, "trustAnchorValidityHours"),
            comp(componentTypes.certManager, "ca"),
            comp(componentTypes.certManager, "externalCa"),
            comp(componentTypes.linkerd, "externalTrustAnchor"),
            comp(componentTypes.tenantNamespace, "meshed"),
            pg("pki-ca-keys-protected"),
            pg("secrets-no-key-material-in-state"),
        ],
        notes:
            "Trust-anchor rotation: docs/runbooks/linkerd-trust-anchor-rotation.md. A site that " +
            "brings its own CA and trust anchor keeps their keys out of the Pulumi state " +
            '(docs/operations.md, "Bring your own CA").',
    },
    {
        id: "SC-NET-03",
        title: "Exposure control: no NodePort, LoadBalancer or externalIPs without approval",
        cis: ["1.2.3"],
        nist: ["SC-7", "CM-7", "AC-4"],
        iso: ["A.8.20", "A.8.22"],
        bsi: [],
        implementedBy: [
            pg("services-restrict-exposure"),
            pg("services-no-external-ips"),
            gk("sovereignserviceexposure"),
            gk("sovereignexternalips"),
            comp(componentTypes.tenantNamespace, "quota"),
        ],
        evidence: [chartContents],
        notes:
            "1.2.3 (DenyServiceExternalIPs admission plugin) is not in the reference's kube-bench " +
            "tables; the ID is kept from §9 and should be checked against the CIS text.",
    },
    {
        id: "SC-SEC-01",
        title: "Secrets as files, no credentials in ConfigMaps or env, secret values from Pulumi secrets",
        cis: ["5.4.1", "5.4.2"],
        nist: ["SC-28", "IA-5(7)", "SC-12"],
        iso: ["A.5.17", "A.8.12"],
        bsi: [],
        implementedBy: [
            pg("secrets-no-credentials-in-configmaps"),
            pg("secrets-no-credentials-in-env"),
            pg("secrets-from-pulumi-secrets"),
            pg("secrets-no-key-material-in-state"),
            manual("5.4.2: an external secret store (ESO/Vault) is not part of this repository"),
        ],
        evidence: [chartContents],
    },
    {
        id: "SC-SUP-01",
        title: "Image provenance: signatures, allowed registries, no latest, digests",
        cis: ["5.5.1"],
        nist: ["SI-7", "SI-7(1)", "CM-14", "CM-7(5)", "SR-4", "SR-11"],
        iso: ["A.8.19", "A.5.21"],
        bsi: ["APP.4.4.A12"],
        implementedBy: [
            ws("images-allowed-registries"),
            pg("charts-images-allowed-registries"),
            ws("images-no-latest-tag"),
            ws("images-require-digest"),
            gk("sovereignallowedregistries"),
            gk("sovereignimagetags"),
            ky("sovereign-verify-images"),
        ],
        evidence: [chartContents],
        notes: "CIS 5.5.1 names ImagePolicyWebhook; admission webhooks cover its intent.",
    },
    {
        id: "SC-SUP-02",
        title: "Charts from allowed sources at exact versions, rendered so policies see them",
        cis: [],
        nist: ["CM-2", "CM-14", "SR-4", "SR-11"],
        iso: ["A.8.19", "A.5.21", "A.8.32"],
        bsi: ["APP.4.4.A12"],
        implementedBy: [
            pg("charts-allowed-sources"),
            pg("charts-exact-version"),
            pg("charts-declared-sources"),
            pg("charts-no-helm-release"),
        ],
        evidence: [chartContents],
    },
    {
        id: "SC-TEN-01",
        title: "Namespaces as administrative boundaries; tenant separation; no default namespace",
        cis: ["5.6.1", "5.6.4"],
        nist: ["AC-4", "SC-4", "CM-8"],
        iso: ["A.8.22"],
        bsi: ["APP.4.4.A1", "APP.4.4.A15"],
        implementedBy: [
            comp(componentTypes.tenantNamespace, "namespace"),
            comp(componentTypes.tenantNamespace, "reservedNamespaces"),
            pg("tenant-namespace-guardrails"),
            manual("5.6.4: use of the default namespace by people is an operating rule"),
        ],
        notes:
            "§9 also lists ISO A.8.31 (separation of development, test and production); " +
            "environments here are separate stacks, so it is not claimed for namespaces.",
    },
    {
        id: "SC-RUN-01",
        title: "Runtime threat detection and alerting",
        cis: [],
        nist: ["SI-4", "SI-4(2)", "SI-4(4)", "IR-4", "AU-6"],
        iso: ["A.8.16", "A.5.25"],
        bsi: ["APP.4.4.A11"],
        implementedBy: [
            comp(componentTypes.falco, "alerts"),
            comp(componentTypes.falco, "minimumPriority"),
            falco("Sovereign shell in AI workload"),
            falco("Sovereign package manager in AI workload"),
            falco("Sovereign model weights read by unexpected process"),
            falco("Sovereign credentials read in AI workload"),
            falco("Sovereign crypto-miner started"),
            falco("Sovereign connection to mining-pool port"),
            falco("Sovereign GPU device opened outside GPU namespaces"),
            falco("Sovereign unexpected outbound connection from serving pod"),
        ],
    },
    {
        id: "SC-GOV-01",
        title: "Preview-time policy-as-code gate before every change",
        cis: [],
        nist: ["CM-3", "CM-4", "SA-11", "CM-6"],
        iso: ["A.8.9", "A.8.32", "A.8.25"],
        bsi: [],
        implementedBy: [
            pg("charts-no-helm-release"),
            pg("tenant-namespace-after-enforcement"),
            manual("CI must run `pulumi preview --policy-pack` or `npm run check` on every change"),
        ],
        notes: "Evidence for the CIS 5.2.x and 5.5.1 items, which kube-bench cannot test.",
    },
    {
        id: "SC-GOV-02",
        title: "Periodic benchmark scanning (kube-bench) with retained evidence",
        cis: [],
        nist: ["CA-7", "RA-5", "CM-6"],
        iso: ["A.8.8", "A.5.36"],
        bsi: ["APP.4.4.A13"],
        implementedBy: [
            manual(
                "no kube-bench Job ships with this repository; schedule it with the CIS profile above",
            ),
        ],
        notes: "Covers all CIS items.",
    },
];
