import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    anonymousHealthPaths,
    cisApiServerCipherSuites,
    podSecurityExemptNamespaces,
} from "../../../contract/control-plane";
import { isPlatformStack } from "../../lib/platform";
import { kubernetesReleasePattern } from "../../../contract/kubernetes";

const kubeletComponentType = "sovereign:bootstrap:KubeletHardening";
const controlPlaneComponentType = "sovereign:bootstrap:ControlPlane";

/** The components of kubeadm's ClusterConfiguration whose flags are judged. */
type Component = "apiServer" | "controllerManager" | "scheduler" | "etcd";

/** A flag rule: the reason the value weakens the control plane (undefined when it does not), and the fix. */
interface FlagRule {
    readonly component: Component;
    readonly flag: string;
    /** CIS Kubernetes Benchmark v1.12 item(s); empty when the rule goes beyond CIS. */
    readonly cis: string;
    readonly problem: (value: string | undefined) => string | undefined;
    readonly fix: string;
}

const list = (value: string | undefined): string[] =>
    value === undefined
        ? []
        : value
              .split(",")
              .map((v) => v.trim())
              .filter((v) => v !== "");

const tlsVersions = ["VersionTLS12", "VersionTLS13"];

/** A flag that must name a file. */
const fileFlag = (
    component: Component,
    flag: string,
    cis: string,
    why: string,
    fix: string,
): FlagRule => ({
    component,
    flag,
    cis,
    problem: (v) => (v === undefined || v.trim() === "" ? why : undefined),
    fix,
});

/** A flag that must have exactly one value. */
const exactly = (
    component: Component,
    flag: string,
    cis: string,
    expected: string,
    why: string,
): FlagRule => ({
    component,
    flag,
    cis,
    problem: (v) => (v === expected ? undefined : why),
    fix: `Set ${flag} to "${expected}"`,
});

/** The TLS flags of a Kubernetes component (CIS 1.2.29 for the API server; the same bar for the others). */
const tlsRules = (component: Component): FlagRule[] => [
    {
        component,
        flag: "tls-min-version",
        cis: "1.2.29",
        problem: (v) =>
            v === undefined
                ? "the minimum TLS version is left to the Go runtime instead of being pinned"
                : tlsVersions.includes(v)
                  ? undefined
                  : "TLS 1.0 and 1.1 are deprecated and weak (RFC 8996)",
        fix: 'Set tls-min-version to "VersionTLS12" or "VersionTLS13"',
    },
    {
        component,
        flag: "tls-cipher-suites",
        cis: "1.2.29",
        problem: (v) => {
            if (v === undefined || list(v).length === 0) {
                return "the suites are left to the Go runtime's defaults, which include CBC suites";
            }
            const weak = list(v).filter((s) => !cisApiServerCipherSuites.includes(s));
            return weak.length > 0
                ? `${weak.join(", ")} ${weak.length === 1 ? "is" : "are"} weak`
                : undefined;
        },
        fix: "List only TLS 1.3 suites and ECDHE suites with AES-GCM or ChaCha20-Poly1305",
    },
];

/** Every flag rule, in report order. */
export const controlPlaneFlagRules: readonly FlagRule[] = [
    // --- API server -----------------------------------------------------------------------
    {
        component: "apiServer",
        flag: "anonymous-auth",
        cis: "1.2.1",
        problem: (v) =>
            v === undefined
                ? undefined
                : "anonymous access belongs in the AuthenticationConfiguration (only /livez, /readyz and /healthz), and the API server refuses to start with both",
        fix: "Remove the flag",
    },
    fileFlag(
        "apiServer",
        "authentication-config",
        "1.2.1",
        "without it people cannot log in through the identity provider and anonymous requests reach every path",
        "Set authentication-config to the ControlPlane's AuthenticationConfiguration",
    ),
    {
        component: "apiServer",
        flag: "authorization-mode",
        cis: "1.2.6",
        problem: (v) =>
            v === undefined
                ? "the API server's default is AlwaysAllow"
                : list(v).includes("AlwaysAllow")
                  ? "AlwaysAllow authorizes every authenticated request"
                  : undefined,
        fix: 'Set authorization-mode to "Node,RBAC"',
    },
    {
        component: "apiServer",
        flag: "authorization-mode",
        cis: "1.2.7",
        problem: (v) =>
            v !== undefined && !list(v).includes("Node")
                ? "without Node, a kubelet can read every Secret and ConfigMap, not only those of its own pods"
                : undefined,
        fix: 'Set authorization-mode to "Node,RBAC"',
    },
    {
        component: "apiServer",
        flag: "authorization-mode",
        cis: "1.2.8",
        problem: (v) =>
            v !== undefined && !list(v).includes("RBAC")
                ? "without RBAC, no Role or RoleBinding takes effect"
                : undefined,
        fix: 'Set authorization-mode to "Node,RBAC"',
    },
    {
        component: "apiServer",
        flag: "enable-admission-plugins",
        cis: "1.2.14",
        problem: (v) =>
            list(v).includes("NodeRestriction")
                ? undefined
                : "without NodeRestriction a kubelet can modify other nodes and the pods bound to them",
        fix: "Add NodeRestriction to enable-admission-plugins",
    },
    {
        component: "apiServer",
        flag: "enable-admission-plugins",
        cis: "1.2.9",
        problem: (v) =>
            list(v).includes("EventRateLimit")
                ? undefined
                : "without EventRateLimit one tenant can flood the API server and etcd with events",
        fix: "Add EventRateLimit to enable-admission-plugins",
    },
    {
        component: "apiServer",
        flag: "enable-admission-plugins",
        cis: "1.2.3",
        problem: (v) =>
            list(v).includes("DenyServiceExternalIPs")
                ? undefined
                : "without DenyServiceExternalIPs any Service can claim externalIPs and intercept traffic (CVE-2020-8554)",
        fix: "Add DenyServiceExternalIPs to enable-admission-plugins",
    },
    {
        component: "apiServer",
        flag: "enable-admission-plugins",
        cis: "1.2.10",
        problem: (v) =>
            list(v).includes("AlwaysAdmit")
                ? "AlwaysAdmit admits every request, whatever the other plugins decide"
                : undefined,
        fix: "Remove AlwaysAdmit from enable-admission-plugins",
    },
    ...(
        [
            ["NodeRestriction", "1.2.14"],
            ["PodSecurity", "5.2.1"],
            ["EventRateLimit", "1.2.9"],
            ["DenyServiceExternalIPs", "1.2.3"],
            ["ServiceAccount", "1.2.12"],
            ["NamespaceLifecycle", "1.2.13"],
        ] as const
    ).map(
        ([plugin, cis]): FlagRule => ({
            component: "apiServer",
            flag: "disable-admission-plugins",
            cis,
            problem: (v) => (list(v).includes(plugin) ? `it turns ${plugin} off` : undefined),
            fix: `Remove ${plugin} from disable-admission-plugins`,
        }),
    ),
    fileFlag(
        "apiServer",
        "admission-control-config-file",
        "1.2.9",
        "EventRateLimit has no configuration (the API server does not start) and Pod Security no restricted defaults",
        "Set admission-control-config-file to the ControlPlane's AdmissionConfiguration",
    ),
    exactly(
        "apiServer",
        "profiling",
        "1.2.15",
        "false",
        "profiling exposes the API server's internals at /debug/pprof",
    ),
    ...tlsRules("apiServer"),
    {
        component: "apiServer",
        flag: "token-auth-file",
        cis: "1.2.2",
        problem: (v) =>
            v === undefined
                ? undefined
                : "static tokens are kept in clear text on the host and cannot be revoked",
        fix: "Remove the flag; people log in through the identity provider",
    },
    {
        component: "apiServer",
        flag: "service-account-lookup",
        cis: "1.2.21",
        problem: (v) =>
            v === undefined || v === "true"
                ? undefined
                : "tokens of deleted service accounts stay valid",
        fix: 'Set service-account-lookup to "true"',
    },
    exactly(
        "apiServer",
        "service-account-extend-token-expiration",
        "1.2.30",
        "false",
        "tokens injected into pods are extended to a year instead of their requested hour (the default is true)",
    ),
    fileFlag(
        "apiServer",
        "service-account-max-token-expiration",
        "",
        "a requested service-account token lives as long as its requester asks",
        'Set service-account-max-token-expiration, e.g. "24h"',
    ),
    fileFlag(
        "apiServer",
        "service-account-key-file",
        "1.2.22",
        "service-account tokens are verified with the serving certificate's key, which cannot rotate on its own",
        "Set service-account-key-file to the service-account public key (kubeadm: /etc/kubernetes/pki/sa.pub)",
    ),
    fileFlag(
        "apiServer",
        "kubelet-client-certificate",
        "1.2.4",
        "the API server calls kubelets anonymously",
        "Set kubelet-client-certificate (kubeadm: /etc/kubernetes/pki/apiserver-kubelet-client.crt)",
    ),
    fileFlag(
        "apiServer",
        "kubelet-client-key",
        "1.2.4",
        "the API server calls kubelets anonymously",
        "Set kubelet-client-key (kubeadm: /etc/kubernetes/pki/apiserver-kubelet-client.key)",
    ),
    fileFlag(
        "apiServer",
        "kubelet-certificate-authority",
        "1.2.5",
        "the API server does not verify the kubelets' serving certificates (exec, logs and port-forward can be intercepted)",
        "Set kubelet-certificate-authority to the CA of the kubelets' serving certificates",
    ),
    fileFlag(
        "apiServer",
        "etcd-certfile",
        "1.2.23",
        "the API server does not authenticate to etcd with a client certificate",
        "Set etcd-certfile (kubeadm: /etc/kubernetes/pki/apiserver-etcd-client.crt)",
    ),
    fileFlag(
        "apiServer",
        "etcd-keyfile",
        "1.2.23",
        "the API server does not authenticate to etcd with a client certificate",
        "Set etcd-keyfile (kubeadm: /etc/kubernetes/pki/apiserver-etcd-client.key)",
    ),
    fileFlag(
        "apiServer",
        "tls-cert-file",
        "1.2.24",
        "the API server serves a self-signed certificate",
        "Set tls-cert-file (kubeadm: /etc/kubernetes/pki/apiserver.crt)",
    ),
    fileFlag(
        "apiServer",
        "tls-private-key-file",
        "1.2.24",
        "the API server serves a self-signed certificate",
        "Set tls-private-key-file (kubeadm: /etc/kubernetes/pki/apiserver.key)",
    ),
    fileFlag(
        "apiServer",
        "client-ca-file",
        "1.2.25",
        "client certificates are not verified",
        "Set client-ca-file (kubeadm: /etc/kubernetes/pki/ca.crt)",
    ),
    fileFlag(
        "apiServer",
        "etcd-cafile",
        "1.2.26",
        "the API server does not verify etcd's certificate",
        "Set etcd-cafile (kubeadm: /etc/kubernetes/pki/etcd/ca.crt)",
    ),
    // --- controller manager ---------------------------------------------------------------
    {
        component: "controllerManager",
        flag: "terminated-pod-gc-threshold",
        cis: "1.3.1",
        problem: (v) =>
            v !== undefined && /^[1-9]\d*$/.test(v)
                ? undefined
                : "terminated pods pile up (12500 by default, none collected at 0 or less)",
        fix: "Set terminated-pod-gc-threshold to a positive number such as 1000",
    },
    exactly(
        "controllerManager",
        "profiling",
        "1.3.2",
        "false",
        "profiling exposes the controller manager's internals at /debug/pprof",
    ),
    exactly(
        "controllerManager",
        "use-service-account-credentials",
        "1.3.3",
        "true",
        "every controller acts with the controller manager's own, all-powerful credentials",
    ),
    fileFlag(
        "controllerManager",
        "service-account-private-key-file",
        "1.3.4",
        "service-account tokens cannot be signed with their own, rotatable key",
        "Set service-account-private-key-file (kubeadm: /etc/kubernetes/pki/sa.key)",
    ),
    fileFlag(
        "controllerManager",
        "root-ca-file",
        "1.3.5",
        "pods receive no CA to verify the API server with",
        "Set root-ca-file (kubeadm: /etc/kubernetes/pki/ca.crt)",
    ),
    {
        component: "controllerManager",
        flag: "feature-gates",
        cis: "1.3.6",
        problem: (v) =>
            list(v).includes("RotateKubeletServerCertificate=false")
                ? "kubelet serving certificates are no longer rotated"
                : undefined,
        fix: "Remove RotateKubeletServerCertificate=false from feature-gates",
    },
    exactly(
        "controllerManager",
        "bind-address",
        "1.3.7",
        "127.0.0.1",
        "the controller manager's health and metrics port is reachable from the network",
    ),
    ...tlsRules("controllerManager"),
    // --- scheduler ------------------------------------------------------------------------
    exactly(
        "scheduler",
        "profiling",
        "1.4.1",
        "false",
        "profiling exposes the scheduler's internals at /debug/pprof",
    ),
    exactly(
        "scheduler",
        "bind-address",
        "1.4.2",
        "127.0.0.1",
        "the scheduler's health and metrics port is reachable from the network",
    ),
    ...tlsRules("scheduler"),
    // --- etcd -----------------------------------------------------------------------------
    fileFlag(
        "etcd",
        "cert-file",
        "2.1",
        "etcd serves its clients without TLS",
        "Set cert-file (kubeadm: /etc/kubernetes/pki/etcd/server.crt)",
    ),
    fileFlag(
        "etcd",
        "key-file",
        "2.1",
        "etcd serves its clients without TLS",
        "Set key-file (kubeadm: /etc/kubernetes/pki/etcd/server.key)",
    ),
    exactly(
        "etcd",
        "client-cert-auth",
        "2.2",
        "true",
        "any client that reaches etcd can read and write every object, Secrets included",
    ),
    {
        component: "etcd",
        flag: "auto-tls",
        cis: "2.3",
        problem: (v) =>
            v === undefined || v === "false" ? undefined : "etcd serves a self-signed certificate",
        fix: 'Set auto-tls to "false"',
    },
    fileFlag(
        "etcd",
        "peer-cert-file",
        "2.4",
        "etcd members replicate without TLS",
        "Set peer-cert-file (kubeadm: /etc/kubernetes/pki/etcd/peer.crt)",
    ),
    fileFlag(
        "etcd",
        "peer-key-file",
        "2.4",
        "etcd members replicate without TLS",
        "Set peer-key-file (kubeadm: /etc/kubernetes/pki/etcd/peer.key)",
    ),
    exactly(
        "etcd",
        "peer-client-cert-auth",
        "2.5",
        "true",
        "any host that reaches the peer port can join the etcd cluster",
    ),
    {
        component: "etcd",
        flag: "peer-auto-tls",
        cis: "2.6",
        problem: (v) =>
            v === undefined || v === "false"
                ? undefined
                : "etcd members use self-signed peer certificates",
        fix: 'Set peer-auto-tls to "false"',
    },
    fileFlag(
        "etcd",
        "trusted-ca-file",
        "2.7",
        "etcd trusts no CA of its own for client certificates",
        "Set trusted-ca-file to etcd's own CA (kubeadm: /etc/kubernetes/pki/etcd/ca.crt)",
    ),
    {
        component: "etcd",
        flag: "cipher-suites",
        cis: "",
        problem: (v) => {
            const weak = list(v).filter((s) => !cisApiServerCipherSuites.includes(s));
            if (v === undefined || list(v).length === 0) {
                return "the suites are left to the Go runtime's defaults, which include CBC suites";
            }
            return weak.length > 0
                ? `${weak.join(", ")} ${weak.length === 1 ? "is" : "are"} weak`
                : undefined;
        },
        fix: "List only ECDHE suites with AES-GCM or ChaCha20-Poly1305",
    },
];

/** The extraArgs of each component of a ClusterConfiguration, as name → values. */
function flagsOf(clusterConfiguration: unknown): Record<Component, Map<string, string[]>> {
    const doc = (clusterConfiguration ?? {}) as Record<string, unknown>;
    const section = (value: unknown): Map<string, string[]> => {
        const map = new Map<string, string[]>();
        const args = (value as { extraArgs?: unknown } | undefined)?.extraArgs;
        if (Array.isArray(args)) {
            for (const a of args as { name?: unknown; value?: unknown }[]) {
                if (typeof a.name === "string") {
                    map.set(a.name, [...(map.get(a.name) ?? []), String(a.value ?? "")]);
                }
            }
        }
        return map;
    };
    const etcd = (doc.etcd as { local?: unknown } | undefined)?.local;
    return {
        apiServer: section(doc.apiServer),
        controllerManager: section(doc.controllerManager),
        scheduler: section(doc.scheduler),
        etcd: section(etcd),
    };
}

const stateOf = (value: string | undefined): string =>
    value === undefined ? "is not set" : `is "${value}"`;

/** The kubeadm-document violations of one KubeletHardening component, each naming the field and the fix. */
export function clusterConfigurationViolations(
    subject: string,
    clusterConfiguration: unknown,
    controlPlane: { authenticationConfigFile?: unknown; admissionConfigFile?: unknown } | undefined,
): string[] {
    const messages: string[] = [];
    const release = ((clusterConfiguration ?? {}) as Record<string, unknown>).kubernetesVersion;
    if (typeof release !== "string" || !kubernetesReleasePattern.test(release)) {
        messages.push(
            `${subject}: kubernetesVersion ${release === undefined ? "is not set" : `is ${JSON.stringify(release)}`}, so kubeadm looks up a release on dl.k8s.io (unreachable from an air-gapped site, and not declarative anywhere). Set controlPlane.kubernetesRelease to an exact release such as v1.33.6.`,
        );
    }
    const flags = flagsOf(clusterConfiguration);
    for (const component of Object.keys(flags) as Component[]) {
        for (const [flag, values] of flags[component]) {
            if (values.length > 1) {
                messages.push(
                    `${subject}: ${component}.extraArgs sets --${flag} ${values.length} times: which value wins depends on the flag's type. Set it once.`,
                );
            }
        }
    }
    for (const rule of controlPlaneFlagRules) {
        const values = flags[rule.component].get(rule.flag);
        const value = values?.[values.length - 1];
        const why = rule.problem(value);
        if (why !== undefined) {
            const cis = rule.cis === "" ? "" : ` (CIS ${rule.cis})`;
            messages.push(
                `${subject}: ${rule.component}.extraArgs --${rule.flag} ${stateOf(value)}${cis}: ${why}. ${rule.fix}.`,
            );
        }
    }
    // The documents the flags load must be the ones the ControlPlane component delivers.
    const files: [string, unknown, string][] = [
        [
            "authentication-config",
            controlPlane?.authenticationConfigFile,
            "AuthenticationConfiguration",
        ],
        [
            "admission-control-config-file",
            controlPlane?.admissionConfigFile,
            "AdmissionConfiguration",
        ],
    ];
    for (const [flag, expected, kind] of files) {
        const values = flags.apiServer.get(flag);
        const value = values?.[values.length - 1];
        if (typeof expected === "string" && value !== undefined && value !== expected) {
            messages.push(
                `${subject}: apiServer.extraArgs --${flag} is "${value}": it does not load the ControlPlane's ${kind} (${expected}). Set ${flag} to ${expected}.`,
            );
        }
    }
    return messages;
}

interface JwtAuthenticator {
    issuer?: { url?: unknown; certificateAuthority?: unknown; audiences?: unknown };
    claimMappings?: {
        username?: { claim?: unknown; prefix?: unknown; expression?: unknown };
        groups?: { claim?: unknown; prefix?: unknown; expression?: unknown };
    };
}

/** The AuthenticationConfiguration violations of one ControlPlane component. */
export function authenticationViolations(
    subject: string,
    document: unknown,
    airGapped: boolean,
    identityPrefix: unknown,
): string[] {
    const messages: string[] = [];
    const doc = (document ?? {}) as { anonymous?: unknown; jwt?: unknown };
    const anonymous = doc.anonymous as
        | { enabled?: unknown; conditions?: { path?: unknown }[] }
        | undefined;
    const allowed = anonymousHealthPaths.join(", ");
    if (anonymous === undefined) {
        messages.push(
            `${subject}: anonymous is not set (CIS 1.2.1): the API server then admits anonymous requests on every path (its default). Set anonymous.enabled to true with conditions for ${allowed} only, or to false.`,
        );
    } else if (anonymous.enabled === true) {
        const paths = (anonymous.conditions ?? []).map((c) => String(c.path));
        if (paths.length === 0) {
            messages.push(
                `${subject}: anonymous.enabled is true without conditions (CIS 1.2.1): anonymous requests reach every path. Add conditions for ${allowed} only.`,
            );
        }
        for (const path of paths.filter((p) => !anonymousHealthPaths.includes(p))) {
            messages.push(
                `${subject}: anonymous.conditions allows "${path}" (CIS 1.2.1): anonymous requests may only reach ${allowed}. Remove the condition.`,
            );
        }
    }
    const jwt = Array.isArray(doc.jwt) ? (doc.jwt as JwtAuthenticator[]) : [];
    jwt.forEach((authenticator, i) => {
        const at = `jwt[${i}]`;
        const url = authenticator.issuer?.url;
        if (typeof url !== "string" || !url.startsWith("https://")) {
            messages.push(
                `${subject}: ${at}.issuer.url is ${JSON.stringify(url ?? null)}: tokens and signing keys would travel in clear text. Set an https:// issuer.`,
            );
        }
        const ca = authenticator.issuer?.certificateAuthority;
        if (airGapped && (typeof ca !== "string" || ca.trim() === "")) {
            messages.push(
                `${subject}: ${at}.issuer.certificateAuthority is not set in an air-gapped stack: the API server cannot verify the identity provider's certificate, which the site's own CA issues. Set the CA (setting identity.certificateAuthority).`,
            );
        }
        const audiences = authenticator.issuer?.audiences;
        if (!Array.isArray(audiences) || audiences.length === 0) {
            messages.push(
                `${subject}: ${at}.issuer.audiences is empty: tokens issued to any client of the identity provider would be accepted. List the cluster's client IDs (setting identity.audiences).`,
            );
        }
        for (const claim of ["username", "groups"] as const) {
            const mapping = authenticator.claimMappings?.[claim];
            const prefix = mapping?.prefix;
            if (mapping === undefined && claim === "groups") {
                continue;
            }
            if (typeof prefix !== "string" || prefix !== identityPrefix) {
                messages.push(
                    `${subject}: ${at}.claimMappings.${claim}.prefix is ${JSON.stringify(prefix ?? null)}, not the identity prefix ${JSON.stringify(identityPrefix ?? null)}: identity-provider names could pass as Kubernetes or certificate identities, and the tenant and break-glass bindings, which carry the identity prefix, would not match. Set the prefix to the identity prefix (setting identity.prefix).`,
                );
            }
        }
    });
    return messages;
}

interface AdmissionPlugin {
    name?: unknown;
    configuration?: {
        defaults?: Record<string, unknown>;
        exemptions?: { usernames?: unknown; runtimeClasses?: unknown; namespaces?: unknown };
        limits?: unknown;
    };
}

/** The AdmissionConfiguration violations of one ControlPlane component. */
export function admissionViolations(subject: string, document: unknown): string[] {
    const messages: string[] = [];
    const plugins = ((document ?? {}) as { plugins?: unknown }).plugins;
    const byName = new Map<string, AdmissionPlugin>();
    if (Array.isArray(plugins)) {
        for (const p of plugins as AdmissionPlugin[]) {
            if (typeof p.name === "string") {
                byName.set(p.name, p);
            }
        }
    }
    const podSecurity = byName.get("PodSecurity")?.configuration;
    if (podSecurity === undefined) {
        messages.push(
            `${subject}: plugins has no PodSecurity configuration (CIS 5.2.1): a namespace without Pod Security labels admits privileged pods. Configure PodSecurity with restricted defaults.`,
        );
    } else {
        for (const mode of ["enforce", "audit", "warn"]) {
            const level = podSecurity.defaults?.[mode];
            if (level !== "restricted") {
                messages.push(
                    `${subject}: PodSecurity defaults.${mode} is ${JSON.stringify(level ?? null)} (CIS 5.2.1): a namespace created outside the program would not be held to restricted. Set defaults.${mode} to "restricted".`,
                );
            }
        }
        const exemptions = podSecurity.exemptions ?? {};
        for (const field of ["usernames", "runtimeClasses"] as const) {
            const entries = exemptions[field];
            if (Array.isArray(entries) && entries.length > 0) {
                messages.push(
                    `${subject}: PodSecurity exemptions.${field} is ${JSON.stringify(entries)}: ${field === "usernames" ? "pods these users create" : "pods of these runtime classes"} skip Pod Security in every namespace. Remove them; exempt a namespace through its own labels and exemption record instead.`,
                );
            }
        }
        const namespaces = Array.isArray(exemptions.namespaces)
            ? (exemptions.namespaces as unknown[])
            : [];
        const extra = namespaces.filter((n) => !podSecurityExemptNamespaces.includes(String(n)));
        if (extra.length > 0) {
            messages.push(
                `${subject}: PodSecurity exemptions.namespaces lists ${extra.map((n) => JSON.stringify(n)).join(", ")}: only ${podSecurityExemptNamespaces.join(", ")} may skip Pod Security entirely. Remove them; a platform namespace below restricted carries its level as a label, with its exemption record.`,
            );
        }
    }
    const limits = byName.get("EventRateLimit")?.configuration?.limits;
    if (!Array.isArray(limits) || limits.length === 0) {
        messages.push(
            `${subject}: plugins has no EventRateLimit limits (CIS 1.2.9): the plugin refuses to start without them, and events are not rate-limited. Configure EventRateLimit with Namespace and User limits.`,
        );
    }
    return messages;
}

/**
 * The control plane is hardened and its documents cannot be weakened: the kubeadm
 * ClusterConfiguration the platform renders (`KubeletHardening` input `clusterConfiguration`)
 * gives the API server, controller manager, scheduler and etcd every CIS section 1 and 2 flag the
 * document can carry (anonymous access only through the AuthenticationConfiguration, Node,RBAC
 * authorization, NodeRestriction, EventRateLimit and DenyServiceExternalIPs, no AlwaysAdmit,
 * profiling off, TLS 1.2+ with strong suites, certificate authentication everywhere, bound
 * service-account tokens, loopback binds, no etcd auto-TLS), and the `ControlPlane` component's
 * AuthenticationConfiguration and AdmissionConfiguration keep anonymous requests to the health
 * endpoints, people under the identity prefix and Pod Security `restricted` by default.
 *
 * @severity critical
 * @frameworks cis-kubernetes-1.2, cis-kubernetes-1.3, cis-kubernetes-1.4, cis-kubernetes-2, nist-800-53-ac-3, nist-800-53-cm-7, nist-800-53-sc-8, nist-800-53-ia-5, iso-27001-a.8.5, iso-27001-a.8.9, iso-27001-a.8.24
 * @topics control-plane, authentication, authorization, admission, tls
 * @link https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/
 */
export const controlPlaneHardened: StackValidationPolicy = {
    name: "control-plane-hardened",
    description:
        "The kubeadm ClusterConfiguration and the API server's authentication and admission documents must keep every CIS control-plane setting.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (!isPlatformStack(args.resources)) {
            args.notApplicable(
                "the stack is not built from the contour's components (no sovereign:* resource)",
            );
        }
        const kubeadm = args.resources.filter((r) => r.type === kubeletComponentType);
        const planes: PolicyResource[] = args.resources.filter(
            (r) => r.type === controlPlaneComponentType,
        );
        if (planes.length === 0) {
            reportViolation(
                "No ControlPlane component in the stack: the API server keeps its defaults (anonymous " +
                    "requests on every path, profiling on, no identity provider, privileged Pod Security " +
                    "defaults). Add the component (settings controlPlane and identity).",
            );
        }
        if (kubeadm.length === 0) {
            reportViolation(
                "No KubeletHardening component in the stack: no kubeadm ClusterConfiguration carries the " +
                    "control-plane flags (CIS 1.2-1.4, 2). Add the component (setting kubelet).",
            );
        }
        const plane = planes[0]?.props as
            | { authenticationConfigFile?: unknown; admissionConfigFile?: unknown }
            | undefined;
        for (const k of kubeadm) {
            const subject = `kubeadm ClusterConfiguration of KubeletHardening "${k.name}"`;
            for (const message of clusterConfigurationViolations(
                subject,
                k.props.clusterConfiguration,
                plane,
            )) {
                reportViolation(message, k.urn);
            }
        }
        for (const p of planes) {
            for (const message of authenticationViolations(
                `AuthenticationConfiguration of ControlPlane "${p.name}"`,
                p.props.authentication,
                p.props.airGapped === true,
                p.props.identityPrefix,
            )) {
                reportViolation(message, p.urn);
            }
            for (const message of admissionViolations(
                `AdmissionConfiguration of ControlPlane "${p.name}"`,
                p.props.admission,
            )) {
                reportViolation(message, p.urn);
            }
        }
    },
};
