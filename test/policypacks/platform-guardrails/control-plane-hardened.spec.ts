import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { auditControlPlane } from "../../../components/audit-policy/render";
import { encryptionControlPlane } from "../../../components/encryption-at-rest/render";
import { controlPlaneHardened } from "../../../policypacks/platform-guardrails/policies/control-plane-hardened";
import { installMocks, recorded, resetRecorded, settled } from "../../util/mocks";
import { runStackPolicy, toPolicyResources } from "../../util/recorded-stack";

type Component = "apiServer" | "controllerManager" | "scheduler" | "etcd";
type Args = { name: string; value: string }[];

const subject = 'kubeadm ClusterConfiguration of KubeletHardening "platform-kubelet"';
const authn = 'AuthenticationConfiguration of ControlPlane "platform-control-plane"';
const admission = 'AdmissionConfiguration of ControlPlane "platform-control-plane"';

const ca =
    "-----BEGIN CERTIFICATE-----\n" +
    "MIICBDCCAaugAwIBAgIUI1oENlhhqC2wTDs32KizSXVYNHMwCgYIKoZIzj0EAwIw\n" +
    "UDEaMBgGA1UECgwRU292ZXJlaWduIEV4YW1wbGUxMjAwBgNVBAMMKUV4YW1wbGUg\n" +
    "aWRlbnRpdHkgQ0EgKGRldikgLSBub3QgYSByZWFsIENBMB4XDTI2MTIwNTAzNTQx\n" +
    "M1oXDTM2MTIwMjAzNTQxM1owUDEaMBgGA1UECgwRU292ZXJlaWduIEV4YW1wbGUx\n" +
    "MjAwBgNVBAMMKUV4YW1wbGUgaWRlbnRpdHkgQ0EgKGRldikgLSBub3QgYSByZWFs\n" +
    "IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEHFjgsQixKkgllmaiBxiOrtpu\n" +
    "vPgfwhZaBrXAMD7tjeLHeaXo+miJnC11apXMsIU50PsbDTwbbhplqvzkyiOABqNj\n" +
    "MGEwHQYDVR0OBBYEFDNgGk7oCc55HKsZaAb+tsNXgg28MB8GA1UdIwQYMBaAFDNg\n" +
    "Gk7oCc55HKsZaAb+tsNXgg28MA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQD\n" +
    "AgEGMAoGCCqGSM49BAMCA0cAMEQCIFXDx9uEHUguO7wCjCcp8icT5AP2Wvm6YGc9\n" +
    "yEr7dgNcAiBCeRWTzDdUr/UmQkbrb8i6WH+KM9gROUvOYnXdSz+LEQ==\n" +
    "-----END CERTIFICATE-----\n";

describe("platform-guardrails/control-plane-hardened", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let kubeletInputs: Record<string, any>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let planeInputs: Record<string, any>;
    let all: typeof recorded;

    before(async () => {
        installMocks();
        const { ControlPlane } = await import("../../../components/control-plane");
        const { KubeletHardening } = await import("../../../components/kubelet-hardening");
        resetRecorded();
        // The stack policies apply to the platform program only: the components live inside one.
        const parent = new pulumi.ComponentResource("sovereign:platform:Platform", "platform", {});
        const plane = new ControlPlane(
            "platform-control-plane",
            {
                kubernetesVersion: "1.33",
                airGapped: true,
                identity: {
                    issuer: "https://keycloak.example/realms/platform",
                    certificateAuthority: ca,
                    audiences: ["kubernetes"],
                },
            },
            { parent },
        );
        new KubeletHardening(
            "platform-kubelet",
            {
                kubeadm: { kubernetesRelease: "v1.33.5" },
                controlPlane: [
                    encryptionControlPlane(true),
                    auditControlPlane({
                        logPath: "/var/log/kubernetes/audit/audit.log",
                        maxAge: 30,
                        maxBackup: 10,
                        maxSize: 100,
                    }),
                    plane.controlPlane,
                ],
            },
            { parent },
        );
        await settled();
        all = [...recorded];
        kubeletInputs = all.find((r) => r.name === "platform-kubelet")?.inputs ?? {};
        planeInputs = all.find((r) => r.name === "platform-control-plane")?.inputs ?? {};
    });

    /** The policy's messages with the ClusterConfiguration's `component` flag replaced, removed or added. */
    async function withFlags(
        changes: [Component, string, string | undefined][],
    ): Promise<string[]> {
        const cluster = structuredClone(kubeletInputs.clusterConfiguration) as Record<
            string,
            { extraArgs: Args; local?: { extraArgs: Args } }
        >;
        for (const [component, name, value] of changes) {
            const section =
                component === "etcd"
                    ? (cluster.etcd.local as { extraArgs: Args })
                    : cluster[component];
            const rest = section.extraArgs.filter((a) => a.name !== name);
            section.extraArgs = value === undefined ? rest : [...rest, { name, value }];
        }
        return runStackPolicy(
            controlPlaneHardened,
            toPolicyResources(all, {
                "platform-kubelet": { inputs: { ...kubeletInputs, clusterConfiguration: cluster } },
            }),
        );
    }

    /** The policy's messages with the ControlPlane's inputs changed. */
    async function withPlane(change: (inputs: Record<string, unknown>) => void): Promise<string[]> {
        const inputs = structuredClone(planeInputs);
        change(inputs);
        return runStackPolicy(
            controlPlaneHardened,
            toPolicyResources(all, { "platform-control-plane": { inputs } }),
        );
    }

    it("passes the documents the components render", async () => {
        assert.deepEqual(await runStackPolicy(controlPlaneHardened, toPolicyResources(all)), []);
    });

    it("is not applicable outside the platform program", async () => {
        await assert.rejects(runStackPolicy(controlPlaneHardened, []), {
            message:
                "not applicable: the stack is not built from the contour's components (no sovereign:* resource)",
        });
    });

    it("refuses a platform without the ControlPlane or the KubeletHardening component", async () => {
        const platformOnly = toPolicyResources(all.filter((r) => r.name === "platform"));
        assert.deepEqual(await runStackPolicy(controlPlaneHardened, platformOnly), [
            "No ControlPlane component in the stack: the API server keeps its defaults (anonymous requests on every path, profiling on, no identity provider, privileged Pod Security defaults). Add the component (settings controlPlane and identity).",
            "No KubeletHardening component in the stack: no kubeadm ClusterConfiguration carries the control-plane flags (CIS 1.2-1.4, 2). Add the component (setting kubelet).",
        ]);
    });

    // One weakened flag per case, with the exact message.
    const cases: [string, [Component, string, string | undefined][], string[]][] = [
        [
            "anonymous auth switched on by flag (1.2.1)",
            [["apiServer", "anonymous-auth", "true"]],
            [
                `${subject}: apiServer.extraArgs --anonymous-auth is "true" (CIS 1.2.1): anonymous access belongs in the AuthenticationConfiguration (only /livez, /readyz and /healthz), and the API server refuses to start with both. Remove the flag.`,
            ],
        ],
        [
            "no AuthenticationConfiguration (1.2.1)",
            [["apiServer", "authentication-config", undefined]],
            [
                `${subject}: apiServer.extraArgs --authentication-config is not set (CIS 1.2.1): without it people cannot log in through the identity provider and anonymous requests reach every path. Set authentication-config to the ControlPlane's AuthenticationConfiguration.`,
            ],
        ],
        [
            "an AuthenticationConfiguration other than the ControlPlane's",
            [["apiServer", "authentication-config", "/etc/kubernetes/pki/authn.yaml"]],
            [
                `${subject}: apiServer.extraArgs --authentication-config is "/etc/kubernetes/pki/authn.yaml": it does not load the ControlPlane's AuthenticationConfiguration (/etc/kubernetes/apiserver/authentication-config.yaml). Set authentication-config to /etc/kubernetes/apiserver/authentication-config.yaml.`,
            ],
        ],
        [
            "no authorization mode (1.2.6)",
            [["apiServer", "authorization-mode", undefined]],
            [
                `${subject}: apiServer.extraArgs --authorization-mode is not set (CIS 1.2.6): the API server's default is AlwaysAllow. Set authorization-mode to "Node,RBAC".`,
            ],
        ],
        [
            "AlwaysAllow authorization (1.2.6-1.2.8)",
            [["apiServer", "authorization-mode", "AlwaysAllow"]],
            [
                `${subject}: apiServer.extraArgs --authorization-mode is "AlwaysAllow" (CIS 1.2.6): AlwaysAllow authorizes every authenticated request. Set authorization-mode to "Node,RBAC".`,
                `${subject}: apiServer.extraArgs --authorization-mode is "AlwaysAllow" (CIS 1.2.7): without Node, a kubelet can read every Secret and ConfigMap, not only those of its own pods. Set authorization-mode to "Node,RBAC".`,
                `${subject}: apiServer.extraArgs --authorization-mode is "AlwaysAllow" (CIS 1.2.8): without RBAC, no Role or RoleBinding takes effect. Set authorization-mode to "Node,RBAC".`,
            ],
        ],
        [
            "authorization without Node (1.2.7)",
            [["apiServer", "authorization-mode", "RBAC"]],
            [
                `${subject}: apiServer.extraArgs --authorization-mode is "RBAC" (CIS 1.2.7): without Node, a kubelet can read every Secret and ConfigMap, not only those of its own pods. Set authorization-mode to "Node,RBAC".`,
            ],
        ],
        [
            "admission plugins without NodeRestriction, EventRateLimit, DenyServiceExternalIPs (1.2.14, 1.2.9, 1.2.3)",
            [["apiServer", "enable-admission-plugins", "PodSecurity"]],
            [
                `${subject}: apiServer.extraArgs --enable-admission-plugins is "PodSecurity" (CIS 1.2.14): without NodeRestriction a kubelet can modify other nodes and the pods bound to them. Add NodeRestriction to enable-admission-plugins.`,
                `${subject}: apiServer.extraArgs --enable-admission-plugins is "PodSecurity" (CIS 1.2.9): without EventRateLimit one tenant can flood the API server and etcd with events. Add EventRateLimit to enable-admission-plugins.`,
                `${subject}: apiServer.extraArgs --enable-admission-plugins is "PodSecurity" (CIS 1.2.3): without DenyServiceExternalIPs any Service can claim externalIPs and intercept traffic (CVE-2020-8554). Add DenyServiceExternalIPs to enable-admission-plugins.`,
            ],
        ],
        [
            "AlwaysAdmit (1.2.10)",
            [
                [
                    "apiServer",
                    "enable-admission-plugins",
                    "NodeRestriction,EventRateLimit,DenyServiceExternalIPs,AlwaysAdmit",
                ],
            ],
            [
                `${subject}: apiServer.extraArgs --enable-admission-plugins is "NodeRestriction,EventRateLimit,DenyServiceExternalIPs,AlwaysAdmit" (CIS 1.2.10): AlwaysAdmit admits every request, whatever the other plugins decide. Remove AlwaysAdmit from enable-admission-plugins.`,
            ],
        ],
        [
            "disabled plugins (1.2.12-1.2.14, 5.2.1)",
            [
                [
                    "apiServer",
                    "disable-admission-plugins",
                    "ServiceAccount,NamespaceLifecycle,NodeRestriction,PodSecurity",
                ],
            ],
            [
                `${subject}: apiServer.extraArgs --disable-admission-plugins is "ServiceAccount,NamespaceLifecycle,NodeRestriction,PodSecurity" (CIS 1.2.14): it turns NodeRestriction off. Remove NodeRestriction from disable-admission-plugins.`,
                `${subject}: apiServer.extraArgs --disable-admission-plugins is "ServiceAccount,NamespaceLifecycle,NodeRestriction,PodSecurity" (CIS 5.2.1): it turns PodSecurity off. Remove PodSecurity from disable-admission-plugins.`,
                `${subject}: apiServer.extraArgs --disable-admission-plugins is "ServiceAccount,NamespaceLifecycle,NodeRestriction,PodSecurity" (CIS 1.2.12): it turns ServiceAccount off. Remove ServiceAccount from disable-admission-plugins.`,
                `${subject}: apiServer.extraArgs --disable-admission-plugins is "ServiceAccount,NamespaceLifecycle,NodeRestriction,PodSecurity" (CIS 1.2.13): it turns NamespaceLifecycle off. Remove NamespaceLifecycle from disable-admission-plugins.`,
            ],
        ],
        [
            "no AdmissionConfiguration (1.2.9)",
            [["apiServer", "admission-control-config-file", undefined]],
            [
                `${subject}: apiServer.extraArgs --admission-control-config-file is not set (CIS 1.2.9): EventRateLimit has no configuration (the API server does not start) and Pod Security no restricted defaults. Set admission-control-config-file to the ControlPlane's AdmissionConfiguration.`,
            ],
        ],
        [
            "profiling on the API server, controller manager and scheduler (1.2.15, 1.3.2, 1.4.1)",
            [
                ["apiServer", "profiling", "true"],
                ["controllerManager", "profiling", undefined],
                ["scheduler", "profiling", "true"],
            ],
            [
                `${subject}: apiServer.extraArgs --profiling is "true" (CIS 1.2.15): profiling exposes the API server's internals at /debug/pprof. Set profiling to "false".`,
                `${subject}: controllerManager.extraArgs --profiling is not set (CIS 1.3.2): profiling exposes the controller manager's internals at /debug/pprof. Set profiling to "false".`,
                `${subject}: scheduler.extraArgs --profiling is "true" (CIS 1.4.1): profiling exposes the scheduler's internals at /debug/pprof. Set profiling to "false".`,
            ],
        ],
        [
            "TLS below 1.2, and no minimum on the controller manager (1.2.29)",
            [
                ["apiServer", "tls-min-version", "VersionTLS11"],
                ["controllerManager", "tls-min-version", undefined],
            ],
            [
                `${subject}: apiServer.extraArgs --tls-min-version is "VersionTLS11" (CIS 1.2.29): TLS 1.0 and 1.1 are deprecated and weak (RFC 8996). Set tls-min-version to "VersionTLS12" or "VersionTLS13".`,
                `${subject}: controllerManager.extraArgs --tls-min-version is not set (CIS 1.2.29): the minimum TLS version is left to the Go runtime instead of being pinned. Set tls-min-version to "VersionTLS12" or "VersionTLS13".`,
            ],
        ],
        [
            "weak cipher suites, and none on the scheduler and etcd (1.2.29)",
            [
                [
                    "apiServer",
                    "tls-cipher-suites",
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA,TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
                ],
                ["scheduler", "tls-cipher-suites", undefined],
                ["etcd", "cipher-suites", "TLS_RSA_WITH_AES_256_GCM_SHA384"],
            ],
            [
                `${subject}: apiServer.extraArgs --tls-cipher-suites is "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA,TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA" (CIS 1.2.29): TLS_RSA_WITH_AES_128_CBC_SHA, TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA are weak. List only TLS 1.3 suites and ECDHE suites with AES-GCM or ChaCha20-Poly1305.`,
                `${subject}: scheduler.extraArgs --tls-cipher-suites is not set (CIS 1.2.29): the suites are left to the Go runtime's defaults, which include CBC suites. List only TLS 1.3 suites and ECDHE suites with AES-GCM or ChaCha20-Poly1305.`,
                `${subject}: etcd.extraArgs --cipher-suites is "TLS_RSA_WITH_AES_256_GCM_SHA384": TLS_RSA_WITH_AES_256_GCM_SHA384 is weak. List only ECDHE suites with AES-GCM or ChaCha20-Poly1305.`,
            ],
        ],
        [
            "a static token file (1.2.2)",
            [["apiServer", "token-auth-file", "/etc/kubernetes/pki/tokens.csv"]],
            [
                `${subject}: apiServer.extraArgs --token-auth-file is "/etc/kubernetes/pki/tokens.csv" (CIS 1.2.2): static tokens are kept in clear text on the host and cannot be revoked. Remove the flag; people log in through the identity provider.`,
            ],
        ],
        [
            "service-account tokens: no lookup, extended, unbounded (1.2.21, 1.2.30)",
            [
                ["apiServer", "service-account-lookup", "false"],
                ["apiServer", "service-account-extend-token-expiration", undefined],
                ["apiServer", "service-account-max-token-expiration", undefined],
            ],
            [
                `${subject}: apiServer.extraArgs --service-account-lookup is "false" (CIS 1.2.21): tokens of deleted service accounts stay valid. Set service-account-lookup to "true".`,
                `${subject}: apiServer.extraArgs --service-account-extend-token-expiration is not set (CIS 1.2.30): tokens injected into pods are extended to a year instead of their requested hour (the default is true). Set service-account-extend-token-expiration to "false".`,
                `${subject}: apiServer.extraArgs --service-account-max-token-expiration is not set: a requested service-account token lives as long as its requester asks. Set service-account-max-token-expiration, e.g. "24h".`,
            ],
        ],
        [
            "the API server's certificates and keys (1.2.4, 1.2.5, 1.2.22-1.2.26)",
            [
                ["apiServer", "service-account-key-file", undefined],
                ["apiServer", "kubelet-client-certificate", undefined],
                ["apiServer", "kubelet-client-key", undefined],
                ["apiServer", "kubelet-certificate-authority", undefined],
                ["apiServer", "etcd-certfile", undefined],
                ["apiServer", "etcd-keyfile", undefined],
                ["apiServer", "tls-cert-file", undefined],
                ["apiServer", "tls-private-key-file", undefined],
                ["apiServer", "client-ca-file", undefined],
                ["apiServer", "etcd-cafile", undefined],
            ],
            [
                `${subject}: apiServer.extraArgs --service-account-key-file is not set (CIS 1.2.22): service-account tokens are verified with the serving certificate's key, which cannot rotate on its own. Set service-account-key-file to the service-account public key (kubeadm: /etc/kubernetes/pki/sa.pub).`,
                `${subject}: apiServer.extraArgs --kubelet-client-certificate is not set (CIS 1.2.4): the API server calls kubelets anonymously. Set kubelet-client-certificate (kubeadm: /etc/kubernetes/pki/apiserver-kubelet-client.crt).`,
                `${subject}: apiServer.extraArgs --kubelet-client-key is not set (CIS 1.2.4): the API server calls kubelets anonymously. Set kubelet-client-key (kubeadm: /etc/kubernetes/pki/apiserver-kubelet-client.key).`,
                `${subject}: apiServer.extraArgs --kubelet-certificate-authority is not set (CIS 1.2.5): the API server does not verify the kubelets' serving certificates (exec, logs and port-forward can be intercepted). Set kubelet-certificate-authority to the CA of the kubelets' serving certificates.`,
                `${subject}: apiServer.extraArgs --etcd-certfile is not set (CIS 1.2.23): the API server does not authenticate to etcd with a client certificate. Set etcd-certfile (kubeadm: /etc/kubernetes/pki/apiserver-etcd-client.crt).`,
                `${subject}: apiServer.extraArgs --etcd-keyfile is not set (CIS 1.2.23): the API server does not authenticate to etcd with a client certificate. Set etcd-keyfile (kubeadm: /etc/kubernetes/pki/apiserver-etcd-client.key).`,
                `${subject}: apiServer.extraArgs --tls-cert-file is not set (CIS 1.2.24): the API server serves a self-signed certificate. Set tls-cert-file (kubeadm: /etc/kubernetes/pki/apiserver.crt).`,
                `${subject}: apiServer.extraArgs --tls-private-key-file is not set (CIS 1.2.24): the API server serves a self-signed certificate. Set tls-private-key-file (kubeadm: /etc/kubernetes/pki/apiserver.key).`,
                `${subject}: apiServer.extraArgs --client-ca-file is not set (CIS 1.2.25): client certificates are not verified. Set client-ca-file (kubeadm: /etc/kubernetes/pki/ca.crt).`,
                `${subject}: apiServer.extraArgs --etcd-cafile is not set (CIS 1.2.26): the API server does not verify etcd's certificate. Set etcd-cafile (kubeadm: /etc/kubernetes/pki/etcd/ca.crt).`,
            ],
        ],
        [
            "the controller manager (1.3.1, 1.3.3-1.3.7)",
            [
                ["controllerManager", "terminated-pod-gc-threshold", "0"],
                ["controllerManager", "use-service-account-credentials", "false"],
                ["controllerManager", "service-account-private-key-file", undefined],
                ["controllerManager", "root-ca-file", undefined],
                ["controllerManager", "feature-gates", "RotateKubeletServerCertificate=false"],
                ["controllerManager", "bind-address", "0.0.0.0"],
            ],
            [
                `${subject}: controllerManager.extraArgs --terminated-pod-gc-threshold is "0" (CIS 1.3.1): terminated pods pile up (12500 by default, none collected at 0 or less). Set terminated-pod-gc-threshold to a positive number such as 1000.`,
                `${subject}: controllerManager.extraArgs --use-service-account-credentials is "false" (CIS 1.3.3): every controller acts with the controller manager's own, all-powerful credentials. Set use-service-account-credentials to "true".`,
                `${subject}: controllerManager.extraArgs --service-account-private-key-file is not set (CIS 1.3.4): service-account tokens cannot be signed with their own, rotatable key. Set service-account-private-key-file (kubeadm: /etc/kubernetes/pki/sa.key).`,
                `${subject}: controllerManager.extraArgs --root-ca-file is not set (CIS 1.3.5): pods receive no CA to verify the API server with. Set root-ca-file (kubeadm: /etc/kubernetes/pki/ca.crt).`,
                `${subject}: controllerManager.extraArgs --feature-gates is "RotateKubeletServerCertificate=false" (CIS 1.3.6): kubelet serving certificates are no longer rotated. Remove RotateKubeletServerCertificate=false from feature-gates.`,
                `${subject}: controllerManager.extraArgs --bind-address is "0.0.0.0" (CIS 1.3.7): the controller manager's health and metrics port is reachable from the network. Set bind-address to "127.0.0.1".`,
            ],
        ],
        [
            "the scheduler bound to every interface (1.4.2)",
            [["scheduler", "bind-address", "0.0.0.0"]],
            [
                `${subject}: scheduler.extraArgs --bind-address is "0.0.0.0" (CIS 1.4.2): the scheduler's health and metrics port is reachable from the network. Set bind-address to "127.0.0.1".`,
            ],
        ],
        [
            "etcd without certificates, with auto-TLS (2.1-2.7)",
            [
                ["etcd", "cert-file", undefined],
                ["etcd", "key-file", undefined],
                ["etcd", "client-cert-auth", "false"],
                ["etcd", "auto-tls", "true"],
                ["etcd", "peer-cert-file", undefined],
                ["etcd", "peer-key-file", undefined],
                ["etcd", "peer-client-cert-auth", "false"],
                ["etcd", "peer-auto-tls", "true"],
                ["etcd", "trusted-ca-file", undefined],
            ],
            [
                `${subject}: etcd.extraArgs --cert-file is not set (CIS 2.1): etcd serves its clients without TLS. Set cert-file (kubeadm: /etc/kubernetes/pki/etcd/server.crt).`,
                `${subject}: etcd.extraArgs --key-file is not set (CIS 2.1): etcd serves its clients without TLS. Set key-file (kubeadm: /etc/kubernetes/pki/etcd/server.key).`,
                `${subject}: etcd.extraArgs --client-cert-auth is "false" (CIS 2.2): any client that reaches etcd can read and write every object, Secrets included. Set client-cert-auth to "true".`,
                `${subject}: etcd.extraArgs --auto-tls is "true" (CIS 2.3): etcd serves a self-signed certificate. Set auto-tls to "false".`,
                `${subject}: etcd.extraArgs --peer-cert-file is not set (CIS 2.4): etcd members replicate without TLS. Set peer-cert-file (kubeadm: /etc/kubernetes/pki/etcd/peer.crt).`,
                `${subject}: etcd.extraArgs --peer-key-file is not set (CIS 2.4): etcd members replicate without TLS. Set peer-key-file (kubeadm: /etc/kubernetes/pki/etcd/peer.key).`,
                `${subject}: etcd.extraArgs --peer-client-cert-auth is "false" (CIS 2.5): any host that reaches the peer port can join the etcd cluster. Set peer-client-cert-auth to "true".`,
                `${subject}: etcd.extraArgs --peer-auto-tls is "true" (CIS 2.6): etcd members use self-signed peer certificates. Set peer-auto-tls to "false".`,
                `${subject}: etcd.extraArgs --trusted-ca-file is not set (CIS 2.7): etcd trusts no CA of its own for client certificates. Set trusted-ca-file to etcd's own CA (kubeadm: /etc/kubernetes/pki/etcd/ca.crt).`,
            ],
        ],
    ];
    for (const [title, changes, expected] of cases) {
        it(`refuses ${title}`, async () => {
            assert.deepEqual(await withFlags(changes), expected);
        });
    }

    it("refuses a flag set twice (its value would depend on the flag's type)", async () => {
        const cluster = structuredClone(kubeletInputs.clusterConfiguration) as {
            apiServer: { extraArgs: Args };
        };
        cluster.apiServer.extraArgs.push({ name: "profiling", value: "false" });
        const resources = toPolicyResources(all, {
            "platform-kubelet": { inputs: { ...kubeletInputs, clusterConfiguration: cluster } },
        });
        assert.deepEqual(await runStackPolicy(controlPlaneHardened, resources), [
            `${subject}: apiServer.extraArgs sets --profiling 2 times: which value wins depends on the flag's type. Set it once.`,
        ]);
    });

    it("refuses a ClusterConfiguration without an exact kubernetesVersion (kubeadm would look one up on dl.k8s.io)", async () => {
        assert.equal(kubeletInputs.clusterConfiguration.kubernetesVersion, "v1.33.5");
        for (const [release, shown] of [
            [undefined, "is not set"],
            ["stable-1.33", 'is "stable-1.33"'],
            ["1.33", 'is "1.33"'],
        ] as const) {
            const cluster = structuredClone(kubeletInputs.clusterConfiguration) as Record<
                string,
                unknown
            >;
            if (release === undefined) {
                delete cluster.kubernetesVersion;
            } else {
                cluster.kubernetesVersion = release;
            }
            const resources = toPolicyResources(all, {
                "platform-kubelet": { inputs: { ...kubeletInputs, clusterConfiguration: cluster } },
            });
            assert.deepEqual(await runStackPolicy(controlPlaneHardened, resources), [
                `${subject}: kubernetesVersion ${shown}, so kubeadm looks up a release on dl.k8s.io (unreachable from an air-gapped site, and not declarative anywhere). Set controlPlane.kubernetesRelease to an exact release such as v1.33.6.`,
            ]);
        }
    });

    describe("AuthenticationConfiguration", () => {
        it("refuses anonymous access configured nowhere, on every path, or beyond the health endpoints (1.2.1)", async () => {
            assert.deepEqual(
                await withPlane((i) => {
                    delete (i.authentication as Record<string, unknown>).anonymous;
                }),
                [
                    `${authn}: anonymous is not set (CIS 1.2.1): the API server then admits anonymous requests on every path (its default). Set anonymous.enabled to true with conditions for /livez, /readyz, /healthz only, or to false.`,
                ],
            );
            assert.deepEqual(
                await withPlane((i) => {
                    (i.authentication as Record<string, unknown>).anonymous = { enabled: true };
                }),
                [
                    `${authn}: anonymous.enabled is true without conditions (CIS 1.2.1): anonymous requests reach every path. Add conditions for /livez, /readyz, /healthz only.`,
                ],
            );
            assert.deepEqual(
                await withPlane((i) => {
                    (i.authentication as Record<string, unknown>).anonymous = {
                        enabled: true,
                        conditions: [{ path: "/livez" }, { path: "/metrics" }, { path: "/api" }],
                    };
                }),
                [
                    `${authn}: anonymous.conditions allows "/metrics" (CIS 1.2.1): anonymous requests may only reach /livez, /readyz, /healthz. Remove the condition.`,
                    `${authn}: anonymous.conditions allows "/api" (CIS 1.2.1): anonymous requests may only reach /livez, /readyz, /healthz. Remove the condition.`,
                ],
            );
            assert.deepEqual(
                await withPlane((i) => {
                    (i.authentication as Record<string, unknown>).anonymous = { enabled: false };
                }),
                [],
            );
        });

        it("refuses an identity provider over http, without its CA in an air-gapped stack, without audiences", async () => {
            assert.deepEqual(
                await withPlane((i) => {
                    const jwt = (i.authentication as { jwt: { issuer: Record<string, unknown> }[] })
                        .jwt[0];
                    jwt.issuer.url = "http://keycloak.example/realms/platform";
                    delete jwt.issuer.certificateAuthority;
                    jwt.issuer.audiences = [];
                }),
                [
                    `${authn}: jwt[0].issuer.url is "http://keycloak.example/realms/platform": tokens and signing keys would travel in clear text. Set an https:// issuer.`,
                    `${authn}: jwt[0].issuer.certificateAuthority is not set in an air-gapped stack: the API server cannot verify the identity provider's certificate, which the site's own CA issues. Set the CA (setting identity.certificateAuthority).`,
                    `${authn}: jwt[0].issuer.audiences is empty: tokens issued to any client of the identity provider would be accepted. List the cluster's client IDs (setting identity.audiences).`,
                ],
            );
        });

        it("refuses user and group names without the identity prefix", async () => {
            assert.deepEqual(
                await withPlane((i) => {
                    const mappings = (
                        i.authentication as {
                            jwt: { claimMappings: Record<string, Record<string, unknown>> }[];
                        }
                    ).jwt[0].claimMappings;
                    mappings.username.prefix = "";
                    mappings.groups.prefix = "system:";
                }),
                [
                    `${authn}: jwt[0].claimMappings.username.prefix is "", not the identity prefix "oidc:": identity-provider names could pass as Kubernetes or certificate identities, and the tenant and break-glass bindings, which carry the identity prefix, would not match. Set the prefix to the identity prefix (setting identity.prefix).`,
                    `${authn}: jwt[0].claimMappings.groups.prefix is "system:", not the identity prefix "oidc:": identity-provider names could pass as Kubernetes or certificate identities, and the tenant and break-glass bindings, which carry the identity prefix, would not match. Set the prefix to the identity prefix (setting identity.prefix).`,
                ],
            );
        });
    });

    describe("AdmissionConfiguration", () => {
        type Plugin = { name: string; configuration: Record<string, Record<string, unknown>> };
        const podSecurity = (i: Record<string, unknown>): Record<string, Record<string, unknown>> =>
            (i.admission as { plugins: Plugin[] }).plugins[0].configuration;

        it("refuses Pod Security defaults below restricted (5.2.1)", async () => {
            assert.deepEqual(
                await withPlane((i) => {
                    podSecurity(i).defaults.enforce = "privileged";
                    podSecurity(i).defaults.warn = "baseline";
                }),
                [
                    `${admission}: PodSecurity defaults.enforce is "privileged" (CIS 5.2.1): a namespace created outside the program would not be held to restricted. Set defaults.enforce to "restricted".`,
                    `${admission}: PodSecurity defaults.warn is "baseline" (CIS 5.2.1): a namespace created outside the program would not be held to restricted. Set defaults.warn to "restricted".`,
                ],
            );
        });

        it("refuses exemptions of users, runtime classes and namespaces beyond kube-system", async () => {
            assert.deepEqual(
                await withPlane((i) => {
                    podSecurity(i).exemptions = {
                        usernames: ["system:serviceaccount:kube-system:replicaset-controller"],
                        runtimeClasses: ["kata"],
                        namespaces: ["kube-system", "monitoring"],
                    };
                }),
                [
                    `${admission}: PodSecurity exemptions.usernames is ["system:serviceaccount:kube-system:replicaset-controller"]: pods these users create skip Pod Security in every namespace. Remove them; exempt a namespace through its own labels and exemption record instead.`,
                    `${admission}: PodSecurity exemptions.runtimeClasses is ["kata"]: pods of these runtime classes skip Pod Security in every namespace. Remove them; exempt a namespace through its own labels and exemption record instead.`,
                    `${admission}: PodSecurity exemptions.namespaces lists "monitoring": only kube-system may skip Pod Security entirely. Remove them; a platform namespace below restricted carries its level as a label, with its exemption record.`,
                ],
            );
        });

        it("refuses a configuration without PodSecurity or EventRateLimit (1.2.9)", async () => {
            assert.deepEqual(
                await withPlane((i) => {
                    (i.admission as { plugins: Plugin[] }).plugins = [];
                }),
                [
                    `${admission}: plugins has no PodSecurity configuration (CIS 5.2.1): a namespace without Pod Security labels admits privileged pods. Configure PodSecurity with restricted defaults.`,
                    `${admission}: plugins has no EventRateLimit limits (CIS 1.2.9): the plugin refuses to start without them, and events are not rate-limited. Configure EventRateLimit with Namespace and User limits.`,
                ],
            );
        });
    });
});
