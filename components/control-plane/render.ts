import { X509Certificate } from "crypto";
import { goDurationMs } from "../shared/duration";
import { SpecIssue } from "../shared/issues";
import {
    ApiServerArg,
    ControlPlaneContribution,
    HostPathMount,
    NodeFile,
} from "../shared/node-files";
import { strongCipherSuites } from "../kubelet-hardening/defaults";
import {
    anonymousHealthPaths,
    defaults,
    kubeadmPki,
    podSecurityExemptNamespaces,
    requiredAdmissionPlugins,
} from "./defaults";

export {
    anonymousHealthPaths,
    cisApiServerCipherSuites,
    defaults,
    identityDefaults,
    kubeadmPki,
    podSecurityExemptNamespaces,
    requiredAdmissionPlugins,
} from "./defaults";
export type { SpecIssue } from "../shared/issues";

/**
 * Pure functions of control-plane hardening: the flags kubeadm's ClusterConfiguration (v1beta4)
 * gives the API server, controller manager, scheduler and etcd (every CIS section 1 and 2 item a
 * kubeadm document can carry), the API server's AuthenticationConfiguration (anonymous access only
 * for the health endpoints, people through the site's identity provider) and its
 * AdmissionConfiguration (Pod Security restricted by default, EventRateLimit).
 * Upstream: https://kubernetes.io/docs/reference/access-authn-authz/authentication/#using-authentication-configuration
 * and https://kubernetes.io/docs/reference/config-api/apiserver-config.v1/
 */

/** Claims a person's user name may come from. */
export type UsernameClaim = "sub" | "preferred_username" | "email";

/** The site's identity provider (OIDC), as the API server's JWT authenticator trusts it. */
export interface IdentitySpec {
    /** Issuer URL (`iss`), https only; unset: no JWT authenticator, no person can log in with it. */
    readonly issuer?: string;
    /** PEM CA certificates of the issuer's TLS certificate; required in air-gapped stacks. */
    readonly certificateAuthority?: string;
    /** Acceptable `aud` values (the client IDs of kubectl/the portal); at least one with an issuer. */
    readonly audiences: readonly string[];
    /** Claim the user name comes from. */
    readonly usernameClaim: UsernameClaim;
    /** Claim the groups come from. */
    readonly groupsClaim: string;
    /**
     * The one prefix of every identity-provider user and group inside the cluster: the
     * authenticator prepends it, and every tenant and break-glass group must carry it.
     */
    readonly prefix: string;
}

/** One EventRateLimit bucket. */
export interface RateLimit {
    readonly qps: number;
    readonly burst: number;
    readonly cacheSize: number;
}

/** The tunable part of the control plane (`controlPlane` settings). */
export interface ControlPlaneSettingsSpec {
    /** Lowest TLS version the API server, controller manager and scheduler serve. */
    readonly tlsMinVersion: "VersionTLS12" | "VersionTLS13";
    /** TLS 1.2 cipher suites of those three and of etcd (CIS 1.2.29). */
    readonly tlsCipherSuites: readonly string[];
    /** Global request timeout of the API server (CIS 1.2.20). */
    readonly requestTimeout: string;
    /** Enable the AlwaysPullImages admission plugin (CIS 1.2.11). */
    readonly alwaysPullImages: boolean;
    /** Longest service-account token lifetime the API server issues. */
    readonly serviceAccountMaxTokenExpiration: string;
    /** CA the API server verifies kubelet serving certificates with (CIS 1.2.5). */
    readonly kubeletCertificateAuthority: string;
    /** Terminated pods kept before garbage collection (CIS 1.3.1). */
    readonly terminatedPodGCThreshold: number;
    /** EventRateLimit buckets (CIS 1.2.9). */
    readonly eventRateLimit: { readonly namespace: RateLimit; readonly user: RateLimit };
}

/** Everything the control-plane documents are rendered from. */
export interface ControlPlaneSpec extends ControlPlaneSettingsSpec {
    /** Target Kubernetes minor version (`1.33`): picks the AuthenticationConfiguration version. */
    readonly kubernetesVersion: string;
    /**
     * The site has no internet (`images.mirror` or `charts.mirror` is set): the identity
     * provider's certificate comes from the site's own CA, which must then be given.
     */
    readonly airGapped: boolean;
    readonly identity: IdentitySpec;
}

/** A stack is air-gapped when its images or charts come from a site mirror. */
export function isAirGapped(settings: {
    readonly images: { readonly mirror?: string };
    readonly charts: { readonly mirror?: unknown };
}): boolean {
    return settings.images.mirror !== undefined || settings.charts.mirror !== undefined;
}

const prefixPattern = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?:$/;
const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The certificates of a PEM bundle, or the problem with it (never echoing the text). */
function certificatesOf(pem: string): { certificates: X509Certificate[]; problem?: string } {
    const blocks = [...pem.matchAll(pemBlock)];
    if (blocks.length === 0) {
        return {
            certificates: [],
            problem:
                "expected PEM CA certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)",
        };
    }
    const other = blocks.find((b) => b[1] !== "CERTIFICATE");
    if (other !== undefined) {
        return {
            certificates: [],
            problem: `holds a ${other[1]} block; expected CERTIFICATE blocks only (the file is readable on every control-plane host: never put a key in it)`,
        };
    }
    const certificates: X509Certificate[] = [];
    for (const [i, block] of blocks.entries()) {
        try {
            certificates.push(new X509Certificate(block[0]));
        } catch {
            return {
                certificates: [],
                problem: `certificate ${i + 1} is not a valid X.509 certificate`,
            };
        }
    }
    return { certificates };
}

/**
 * Checks the identity settings; paths are relative to `identity`. `now` is the time CA expiry is
 * compared against.
 */
export function validateIdentitySpec(spec: IdentitySpec, now: Date = new Date()): SpecIssue[] {
    const issues: SpecIssue[] = [];
    if (!prefixPattern.test(spec.prefix) || spec.prefix === "system:") {
        issues.push({
            path: ["prefix"],
            message:
                spec.prefix === "system:"
                    ? `"system:" is Kubernetes' own prefix: identity-provider users and groups would pass as Kubernetes components; use a prefix such as "oidc:"`
                    : `expected a prefix such as "oidc:": lower-case letters, digits, '-' and '.', ending with ':' (every identity-provider user and group is named <prefix><name> in the cluster)`,
        });
    }
    if (!/^[^\s]+$/.test(spec.groupsClaim)) {
        issues.push({ path: ["groupsClaim"], message: "expected a claim name such as groups" });
    }
    if (spec.issuer === undefined) {
        if (spec.audiences.length > 0) {
            issues.push({
                path: ["audiences"],
                message: "audiences is only used with issuer: set issuer, or remove audiences",
            });
        }
        if (spec.certificateAuthority !== undefined) {
            issues.push({
                path: ["certificateAuthority"],
                message:
                    "certificateAuthority is only used with issuer: set issuer, or remove certificateAuthority",
            });
        }
        return issues;
    }
    let url: URL | undefined;
    try {
        url = new URL(spec.issuer);
    } catch {
        url = undefined;
    }
    if (
        url === undefined ||
        url.protocol !== "https:" ||
        url.hostname === "" ||
        url.username !== "" ||
        url.password !== "" ||
        url.search !== "" ||
        url.hash !== ""
    ) {
        issues.push({
            path: ["issuer"],
            message:
                "expected the identity provider's https:// issuer URL without credentials, query or fragment (Keycloak: https://<host>/realms/<realm>); tokens and keys must not travel in clear text",
        });
    } else if (url.hostname.startsWith("kubernetes.default.svc")) {
        issues.push({
            path: ["issuer"],
            message:
                "this is the service-account token issuer of the cluster itself; name the site's identity provider",
        });
    }
    if (spec.audiences.length === 0) {
        issues.push({
            path: ["audiences"],
            message:
                "expected at least one audience: the client ID the identity provider issues the cluster's tokens to (the aud claim), e.g. kubernetes",
        });
    }
    spec.audiences.forEach((audience, i) => {
        if (audience.trim() === "" || spec.audiences.indexOf(audience) !== i) {
            issues.push({
                path: ["audiences", i],
                message: "expected a non-empty audience, listed once",
            });
        }
    });
    if (spec.certificateAuthority !== undefined) {
        const { certificates, problem } = certificatesOf(spec.certificateAuthority);
        if (problem !== undefined) {
            issues.push({ path: ["certificateAuthority"], message: problem });
        }
        certificates.forEach((cert, i) => {
            if (!cert.ca) {
                issues.push({
                    path: ["certificateAuthority"],
                    message: `certificate ${i + 1} (${cert.subject.replace(/\n/g, ", ")}) is not a CA certificate (basicConstraints CA:TRUE); give the CA that signs the identity provider's TLS certificate`,
                });
            }
            if (Date.parse(cert.validTo) <= now.getTime()) {
                issues.push({
                    path: ["certificateAuthority"],
                    message: `certificate ${i + 1} (${cert.subject.replace(/\n/g, ", ")}) expired on ${cert.validTo}; give the identity provider's current CA`,
                });
            }
        });
    }
    return issues;
}

/** The identity problem that depends on the site: an air-gapped stack must name the issuer's CA. */
export function identitySiteIssues(spec: IdentitySpec, airGapped: boolean): SpecIssue[] {
    if (!airGapped || spec.issuer === undefined || spec.certificateAuthority !== undefined) {
        return [];
    }
    return [
        {
            path: ["certificateAuthority"],
            message:
                "the stack is air-gapped (images.mirror or charts.mirror is set), so the identity provider's TLS certificate comes from the site's own CA, which the API server's image does not trust: set certificateAuthority to that CA's PEM certificates",
        },
    ];
}

/** Checks the `controlPlane` settings; paths are relative to `controlPlane`. */
export function validateControlPlaneSettings(spec: ControlPlaneSettingsSpec): SpecIssue[] {
    const issues: SpecIssue[] = [];
    if (spec.tlsCipherSuites.length === 0) {
        issues.push({
            path: ["tlsCipherSuites"],
            message: "expected at least one cipher suite for TLS 1.2 (CIS 1.2.29)",
        });
    }
    spec.tlsCipherSuites.forEach((suite, i) => {
        if (!strongCipherSuites.includes(suite)) {
            issues.push({
                path: ["tlsCipherSuites", i],
                message: `"${suite}" is not a strong cipher suite (CIS 1.2.29); allowed: ${strongCipherSuites.join(", ")}`,
            });
        } else if (spec.tlsCipherSuites.indexOf(suite) !== i) {
            issues.push({ path: ["tlsCipherSuites", i], message: `"${suite}" is listed twice` });
        }
    });
    const timeout = goDurationMs(spec.requestTimeout);
    if (timeout === undefined || timeout < 1_000 || timeout > 300_000) {
        issues.push({
            path: ["requestTimeout"],
            message:
                'expected a duration from "1s" to "5m" (CIS 1.2.20: a long timeout lets slow requests exhaust the API server; the default is 60s)',
        });
    }
    const maxToken = goDurationMs(spec.serviceAccountMaxTokenExpiration);
    if (maxToken === undefined || maxToken < 3_600_000 || maxToken > 2 ** 32 * 1000) {
        issues.push({
            path: ["serviceAccountMaxTokenExpiration"],
            message:
                'expected a duration of at least "1h" (the API server refuses less) such as "24h": the longest a requested service-account token stays valid',
        });
    }
    if (!spec.kubeletCertificateAuthority.startsWith(`${kubeadmPki.dir}/`)) {
        issues.push({
            path: ["kubeletCertificateAuthority"],
            message: `expected a file under ${kubeadmPki.dir}/ (the directory kubeadm mounts into the API server): the CA that signs the kubelets' serving certificates`,
        });
    }
    if (!Number.isInteger(spec.terminatedPodGCThreshold) || spec.terminatedPodGCThreshold < 1) {
        issues.push({
            path: ["terminatedPodGCThreshold"],
            message:
                "expected a positive whole number of terminated pods (CIS 1.3.1; 0 or less turns the garbage collector off)",
        });
    }
    for (const bucket of ["namespace", "user"] as const) {
        const limit = spec.eventRateLimit[bucket];
        for (const field of ["qps", "burst", "cacheSize"] as const) {
            if (!Number.isInteger(limit[field]) || limit[field] < 1) {
                issues.push({
                    path: ["eventRateLimit", bucket, field],
                    message: "expected a positive whole number (CIS 1.2.9)",
                });
            }
        }
        if (Number.isInteger(limit.burst) && limit.burst < limit.qps) {
            issues.push({
                path: ["eventRateLimit", bucket, "burst"],
                message: `expected at least qps (${limit.qps})`,
            });
        }
    }
    return issues;
}

/** Every problem of a spec, with paths relative to the spec (`identity.issuer`, `tlsCipherSuites`). */
export function validateControlPlaneSpec(spec: ControlPlaneSpec, now?: Date): SpecIssue[] {
    return [
        ...validateControlPlaneSettings(spec),
        ...[
            ...validateIdentitySpec(spec.identity, now),
            ...identitySiteIssues(spec.identity, spec.airGapped),
        ].map((i) => ({ ...i, path: ["identity", ...i.path] })),
        ...(authenticationApiVersionOf(spec.kubernetesVersion) === undefined
            ? [
                  {
                      path: ["kubernetesVersion"],
                      message:
                          "expected a Kubernetes minor version from 1.30 (structured authentication beta)",
                  },
              ]
            : []),
    ];
}

/**
 * The AuthenticationConfiguration API version of a Kubernetes minor version: v1beta1 from 1.30
 * (StructuredAuthenticationConfiguration beta, on by default) to 1.33, v1 from 1.34 (GA).
 */
export function authenticationApiVersionOf(kubernetesVersion: string): string | undefined {
    const match = /^1\.(\d+)$/.exec(kubernetesVersion);
    const minor = match === null ? NaN : Number(match[1]);
    if (!(minor >= 30)) {
        return undefined;
    }
    return minor >= 34 ? "apiserver.config.k8s.io/v1" : "apiserver.config.k8s.io/v1beta1";
}

/** Where the two documents live on the control-plane hosts (and inside the API server). */
export const controlPlaneFiles = {
    authentication: `${defaults.configDir}/${defaults.authenticationFile}`,
    admission: `${defaults.configDir}/${defaults.admissionFile}`,
} as const;

const flag = (name: string, value: string): ApiServerArg => ({ name, value });

/** TLS flags of the API server, controller manager and scheduler (CIS 1.2.29). */
function tlsArgs(spec: ControlPlaneSettingsSpec): ApiServerArg[] {
    return [
        flag("tls-min-version", spec.tlsMinVersion),
        // Listed with TLS 1.3 too: Go ignores them there, and kube-bench 1.2.29 needs the flag.
        flag("tls-cipher-suites", spec.tlsCipherSuites.join(",")),
    ];
}

/** The admission plugins the API server enables (added to its defaults). */
export function admissionPlugins(spec: ControlPlaneSettingsSpec): string[] {
    return [...requiredAdmissionPlugins, ...(spec.alwaysPullImages ? ["AlwaysPullImages"] : [])];
}

/**
 * kube-apiserver flags. Every flag kube-bench tests in CIS 1.2 is set explicitly (kubeadm sets some
 * of them itself; an extraArgs entry of the same name replaces kubeadm's), so the document alone
 * shows what the API server runs with. Not set on purpose: `--anonymous-auth` (anonymous access is
 * configured in the AuthenticationConfiguration, and the API server refuses both), and
 * `--token-auth-file` (CIS 1.2.2).
 */
export function apiServerArgs(spec: ControlPlaneSettingsSpec): ApiServerArg[] {
    return [
        // CIS 1.2.1: anonymous requests reach only /livez, /readyz and /healthz; people log in
        // through the identity provider.
        flag("authentication-config", controlPlaneFiles.authentication),
        // CIS 1.2.6-1.2.8.
        flag("authorization-mode", "Node,RBAC"),
        // CIS 1.2.3, 1.2.9, 1.2.11, 1.2.14 (1.2.10, 1.2.12, 1.2.13: nothing is disabled).
        flag("enable-admission-plugins", admissionPlugins(spec).join(",")),
        flag("admission-control-config-file", controlPlaneFiles.admission),
        // CIS 1.2.15.
        flag("profiling", "false"),
        // CIS 1.2.24, 1.2.25, 1.2.29.
        flag("tls-cert-file", kubeadmPki.apiServerCert),
        flag("tls-private-key-file", kubeadmPki.apiServerKey),
        flag("client-ca-file", kubeadmPki.ca),
        ...tlsArgs(spec),
        // CIS 1.2.4, 1.2.5: the API server proves itself to kubelets and verifies them.
        flag("kubelet-client-certificate", kubeadmPki.kubeletClientCert),
        flag("kubelet-client-key", kubeadmPki.kubeletClientKey),
        flag("kubelet-certificate-authority", spec.kubeletCertificateAuthority),
        // CIS 1.2.23, 1.2.26: mutual TLS to etcd.
        flag("etcd-cafile", kubeadmPki.etcdCa),
        flag("etcd-certfile", kubeadmPki.etcdClientCert),
        flag("etcd-keyfile", kubeadmPki.etcdClientKey),
        // CIS 1.2.21, 1.2.22, 1.2.30: service-account tokens are checked against etcd, verified
        // with their own key pair, and live no longer than requested (at most the maximum).
        flag("service-account-key-file", kubeadmPki.serviceAccountPublicKey),
        flag("service-account-signing-key-file", kubeadmPki.serviceAccountPrivateKey),
        flag("service-account-lookup", "true"),
        flag("service-account-extend-token-expiration", "false"),
        flag("service-account-max-token-expiration", spec.serviceAccountMaxTokenExpiration),
        // CIS 1.2.20.
        flag("request-timeout", spec.requestTimeout),
    ];
}

/** kube-controller-manager flags (CIS 1.3.x). RotateKubeletServerCertificate stays at its default (on). */
export function controllerManagerArgs(spec: ControlPlaneSettingsSpec): ApiServerArg[] {
    return [
        flag("profiling", "false"), // 1.3.2
        flag("use-service-account-credentials", "true"), // 1.3.3
        flag("service-account-private-key-file", kubeadmPki.serviceAccountPrivateKey), // 1.3.4
        flag("root-ca-file", kubeadmPki.ca), // 1.3.5
        flag("bind-address", "127.0.0.1"), // 1.3.7
        flag("terminated-pod-gc-threshold", String(spec.terminatedPodGCThreshold)), // 1.3.1
        ...tlsArgs(spec),
    ];
}

/** kube-scheduler flags (CIS 1.4.x). */
export function schedulerArgs(spec: ControlPlaneSettingsSpec): ApiServerArg[] {
    return [
        flag("profiling", "false"), // 1.4.1
        flag("bind-address", "127.0.0.1"), // 1.4.2
        ...tlsArgs(spec),
    ];
}

/** Flags of kubeadm's local etcd (CIS 2.x): client and peer certificates, no self-signed TLS. */
export function etcdArgs(spec: ControlPlaneSettingsSpec): ApiServerArg[] {
    return [
        flag("cert-file", kubeadmPki.etcdServerCert), // 2.1
        flag("key-file", kubeadmPki.etcdServerKey),
        flag("client-cert-auth", "true"), // 2.2
        flag("auto-tls", "false"), // 2.3
        flag("peer-cert-file", kubeadmPki.etcdPeerCert), // 2.4
        flag("peer-key-file", kubeadmPki.etcdPeerKey),
        flag("peer-client-cert-auth", "true"), // 2.5
        flag("peer-auto-tls", "false"), // 2.6
        flag("trusted-ca-file", kubeadmPki.etcdCa), // 2.7: etcd's own CA
        flag("peer-trusted-ca-file", kubeadmPki.etcdCa),
        flag("cipher-suites", spec.tlsCipherSuites.join(",")),
    ];
}

/** The AuthenticationConfiguration document (the fields this platform sets). */
export type AuthenticationConfigurationDocument = Record<string, unknown> & {
    readonly kind: "AuthenticationConfiguration";
};

/**
 * The API server's AuthenticationConfiguration: anonymous requests only for the health endpoints,
 * and, with an issuer, one JWT authenticator for the site's identity provider whose user and group
 * names all carry the identity prefix (so they can never be `system:` names, and the tenant and
 * break-glass bindings, which carry the same prefix, match them).
 */
export function renderAuthenticationConfiguration(
    spec: Pick<ControlPlaneSpec, "kubernetesVersion" | "identity">,
): AuthenticationConfigurationDocument {
    const apiVersion = authenticationApiVersionOf(spec.kubernetesVersion);
    if (apiVersion === undefined) {
        throw new Error(
            `kubernetesVersion "${spec.kubernetesVersion}": structured authentication needs 1.30 or later`,
        );
    }
    const id = spec.identity;
    const jwt =
        id.issuer === undefined
            ? []
            : [
                  {
                      issuer: {
                          url: id.issuer,
                          ...(id.certificateAuthority !== undefined
                              ? { certificateAuthority: id.certificateAuthority }
                              : {}),
                          audiences: [...id.audiences],
                          // Required by the API server when more than one audience is listed.
                          ...(id.audiences.length > 1 ? { audienceMatchPolicy: "MatchAny" } : {}),
                      },
                      claimMappings: {
                          username: { claim: id.usernameClaim, prefix: id.prefix },
                          groups: { claim: id.groupsClaim, prefix: id.prefix },
                      },
                  },
              ];
    return {
        apiVersion,
        kind: "AuthenticationConfiguration",
        anonymous: {
            enabled: true,
            conditions: anonymousHealthPaths.map((path) => ({ path })),
        },
        jwt,
    };
}

/** The AdmissionConfiguration document. */
export type AdmissionConfigurationDocument = Record<string, unknown> & {
    readonly kind: "AdmissionConfiguration";
};

/**
 * The API server's AdmissionConfiguration: Pod Security enforces, audits and warns `restricted` in
 * every namespace without its own labels (a namespace created outside the program is never
 * privileged by default), with only {@link podSecurityExemptNamespaces} exempt; EventRateLimit
 * bounds the events one namespace or one user can create.
 */
export function renderAdmissionConfiguration(
    spec: Pick<ControlPlaneSpec, "kubernetesVersion" | "eventRateLimit">,
): AdmissionConfigurationDocument {
    const rate = (type: "Namespace" | "User", limit: RateLimit): Record<string, unknown> => ({
        type,
        qps: limit.qps,
        burst: limit.burst,
        cacheSize: limit.cacheSize,
    });
    return {
        apiVersion: "apiserver.config.k8s.io/v1",
        kind: "AdmissionConfiguration",
        plugins: [
            {
                name: "PodSecurity",
                configuration: {
                    apiVersion: "pod-security.admission.config.k8s.io/v1",
                    kind: "PodSecurityConfiguration",
                    // As the namespace labels: enforce pinned to the cluster's version, audit and
                    // warn against latest so drift shows before it is enforced.
                    defaults: {
                        enforce: "restricted",
                        "enforce-version": `v${spec.kubernetesVersion}`,
                        audit: "restricted",
                        "audit-version": "latest",
                        warn: "restricted",
                        "warn-version": "latest",
                    },
                    exemptions: {
                        usernames: [],
                        runtimeClasses: [],
                        namespaces: [...podSecurityExemptNamespaces],
                    },
                },
            },
            {
                name: "EventRateLimit",
                configuration: {
                    apiVersion: "eventratelimit.admission.k8s.io/v1alpha1",
                    kind: "Configuration",
                    limits: [
                        rate("Namespace", spec.eventRateLimit.namespace),
                        rate("User", spec.eventRateLimit.user),
                    ],
                },
            },
        ],
    };
}

/** The directory of both documents, mounted read-only into the API server's static pod. */
export const apiServerConfigMount: HostPathMount = {
    name: "apiserver-config",
    hostPath: defaults.configDir,
    mountPath: defaults.configDir,
    readOnly: true,
    pathType: "DirectoryOrCreate",
};

/** The two documents on every control-plane host, root-only. */
export function controlPlaneNodeFiles(): NodeFile[] {
    return [
        {
            artifact: defaults.authenticationArtifact,
            hostPath: controlPlaneFiles.authentication,
            mode: "0600",
            owner: "root:root",
            hosts: "control-plane",
            secret: false,
        },
        {
            artifact: defaults.admissionArtifact,
            hostPath: controlPlaneFiles.admission,
            mode: "0600",
            owner: "root:root",
            hosts: "control-plane",
            secret: false,
        },
    ];
}

/** What control-plane hardening asks of the control-plane hosts: flags of all four components, the mount and the files. */
export function controlPlaneContribution(spec: ControlPlaneSettingsSpec): ControlPlaneContribution {
    return {
        apiServerArgs: apiServerArgs(spec),
        apiServerVolumes: [{ ...apiServerConfigMount }],
        files: controlPlaneNodeFiles(),
        controllerManagerArgs: controllerManagerArgs(spec),
        schedulerArgs: schedulerArgs(spec),
        etcdArgs: etcdArgs(spec),
    };
}

/** Notes for the operator about a valid spec (accepted deviations, what is not configured). */
export function controlPlaneWarnings(spec: ControlPlaneSpec): string[] {
    const warnings = [
        "kube-apiserver runs without --anonymous-auth: anonymous requests are refused except on " +
            `${anonymousHealthPaths.join(", ")} (AuthenticationConfiguration, which the API server ` +
            "refuses together with the flag); kube-bench 1.2.1 (not scored) reports WARN because it " +
            "only reads the flag: accepted deviation, stricter than CIS, which tolerates anonymous " +
            "health checks and discovery",
    ];
    if (spec.identity.issuer === undefined) {
        warnings.push(
            "identity.issuer is not set: no person can authenticate through the site's identity " +
                "provider, so the tenant and break-glass group bindings match no one",
        );
    }
    return warnings;
}
