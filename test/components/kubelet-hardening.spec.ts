import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { auditControlPlane } from "../../components/audit-policy/render";
import { encryptionControlPlane } from "../../components/encryption-at-rest/render";
import {
    controlPlaneTaint,
    mergeContributions,
    renderKubeadmDocuments,
    renderNodeFiles,
} from "../../components/kubelet-hardening/kubeadm";
import {
    defaults,
    documentYaml,
    kernelTunables,
    kernelTunablesConf,
    KubeletSpec,
    renderKubeletConfiguration,
    strongCipherSuites,
    validateKubeletSpec,
} from "../../components/kubelet-hardening/render";
import { loadSettings, SettingsError } from "../../stacks";
import { assertGolden } from "../util/golden";
import { installMocks, ofType, recorded, resetRecorded, settled, unwrap } from "../util/mocks";

const base: KubeletSpec = {
    clientCAFile: defaults.clientCAFile,
    servingCertificates: "bootstrap",
    podPidsLimit: defaults.podPidsLimit,
    eventRecordQPS: defaults.eventRecordQPS,
    eventBurst: defaults.eventBurst,
    streamingConnectionIdleTimeout: defaults.streamingConnectionIdleTimeout,
    containerLogMaxSize: defaults.containerLogMaxSize,
    containerLogMaxFiles: defaults.containerLogMaxFiles,
    tlsMinVersion: "VersionTLS12",
    tlsCipherSuites: [...strongCipherSuites],
    clusterDNS: ["10.96.0.10"],
    clusterDomain: "cluster.local",
    cgroupDriver: "systemd",
};

const backend = {
    logPath: "/var/log/kubernetes/audit/audit.log",
    maxAge: 30,
    maxBackup: 10,
    maxSize: 100,
};

/** Messages of a spec's issues. */
const messages = (spec: Partial<KubeletSpec>): string[] =>
    validateKubeletSpec({ ...base, ...spec }).map((i) => i.message);

describe("components/kubelet-hardening", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const config = renderKubeletConfiguration(base) as Record<string, any>;

    describe("render: documents (golden files)", () => {
        it("the default KubeletConfiguration", () => {
            assertGolden(
                "kubelet-default.golden.yaml",
                documentYaml("test", renderKubeletConfiguration(base)),
            );
        });
        it("serving certificates from files, TLS 1.3, resolv.conf", () => {
            const doc = renderKubeletConfiguration({
                ...base,
                servingCertificates: "files",
                tlsCertFile: "/var/lib/kubelet/pki/kubelet.crt",
                tlsPrivateKeyFile: "/var/lib/kubelet/pki/kubelet.key",
                tlsMinVersion: "VersionTLS13",
                resolvConf: "/run/systemd/resolve/resolv.conf",
            });
            assertGolden("kubelet-files-tls13.golden.yaml", documentYaml("test", doc));
        });
        it("the kubeadm documents with the encryption and audit contributions", () => {
            const docs = renderKubeadmDocuments(
                [encryptionControlPlane(true), auditControlPlane(backend)],
                renderKubeletConfiguration(base),
            );
            assertGolden("kubeadm-config.golden.yaml", documentYaml("test", ...docs));
        });
        it("the kernel settings file for protectKernelDefaults", () => {
            assertGolden("kubelet-sysctl.golden.conf", kernelTunablesConf());
        });
        it("the node file list", () => {
            const files = mergeContributions([
                encryptionControlPlane(true),
                auditControlPlane(backend),
            ]).files;
            assertGolden(
                "kubeadm-node-files.golden.yaml",
                documentYaml("test", renderNodeFiles(files)),
            );
        });
    });

    describe("render: CIS 4.2.x", () => {
        it("is a kubelet.config.k8s.io/v1beta1 KubeletConfiguration", () => {
            assert.strictEqual(config.apiVersion, "kubelet.config.k8s.io/v1beta1");
            assert.strictEqual(config.kind, "KubeletConfiguration");
        });
        it("4.2.1: anonymous authentication is off", () => {
            assert.strictEqual(config.authentication.anonymous.enabled, false);
        });
        it("4.2.2: authorization is Webhook (never AlwaysAllow), with webhook authentication", () => {
            assert.strictEqual(config.authorization.mode, "Webhook");
            assert.strictEqual(config.authentication.webhook.enabled, true);
        });
        it("4.2.3: the client CA file is set", () => {
            assert.strictEqual(
                config.authentication.x509.clientCAFile,
                "/etc/kubernetes/pki/ca.crt",
            );
        });
        it("4.2.4: the read-only port is 0", () => {
            assert.strictEqual(config.readOnlyPort, 0);
        });
        it("4.2.5: the streaming idle timeout is not 0", () => {
            assert.strictEqual(config.streamingConnectionIdleTimeout, "5m0s");
        });
        it("4.2.6: makeIPTablesUtilChains is true", () => {
            assert.strictEqual(config.makeIPTablesUtilChains, true);
        });
        it("protectKernelDefaults is true (CIS ≤1.24 4.2.6, DISA STIG)", () => {
            assert.strictEqual(config.protectKernelDefaults, true);
        });
        it("protectKernelDefaults: the node gets the kernel values the kubelet checks", () => {
            assert.deepStrictEqual(kernelTunables, {
                "vm.overcommit_memory": 1,
                "vm.panic_on_oom": 0,
                "kernel.panic": 10,
                "kernel.panic_on_oops": 1,
                "kernel.keys.root_maxkeys": 1000000,
                "kernel.keys.root_maxbytes": 25000000,
            });
        });
        it("4.2.8: eventRecordQPS is above 0 (0 would be unlimited)", () => {
            assert.ok(config.eventRecordQPS > 0);
        });
        it("4.2.9: serving certificates are bootstrapped (or files are set, see below)", () => {
            assert.strictEqual(config.serverTLSBootstrap, true);
            assert.strictEqual(config.tlsCertFile, undefined);
        });
        it("4.2.9: with servingCertificates files, both files are set", () => {
            const files = renderKubeletConfiguration({
                ...base,
                servingCertificates: "files",
                tlsCertFile: "/var/lib/kubelet/pki/kubelet.crt",
                tlsPrivateKeyFile: "/var/lib/kubelet/pki/kubelet.key",
            });
            assert.strictEqual(files.tlsCertFile, "/var/lib/kubelet/pki/kubelet.crt");
            assert.strictEqual(files.tlsPrivateKeyFile, "/var/lib/kubelet/pki/kubelet.key");
            assert.strictEqual(files.serverTLSBootstrap, false);
        });
        it("4.2.10: rotateCertificates is true (set explicitly: the file has no default)", () => {
            assert.strictEqual(config.rotateCertificates, true);
        });
        it("4.2.11: RotateKubeletServerCertificate is not false", () => {
            assert.deepStrictEqual(config.featureGates, { RotateKubeletServerCertificate: true });
        });
        it("4.2.12: only strong cipher suites, TLS 1.2 or later", () => {
            assert.strictEqual(config.tlsMinVersion, "VersionTLS12");
            assert.ok(config.tlsCipherSuites.length > 0);
            assert.ok(
                (config.tlsCipherSuites as string[]).every((s) => strongCipherSuites.includes(s)),
            );
            assert.ok(
                (config.tlsCipherSuites as string[]).every((s) => s.startsWith("TLS_ECDHE_")),
            );
        });
        it("4.2.13: a pod PID limit is set and positive", () => {
            assert.strictEqual(config.podPidsLimit, 4096);
        });
        it("4.2.14: seccompDefault is true (the value, not just the key)", () => {
            assert.strictEqual(config.seccompDefault, true);
        });
        it("container logs are rotated and retained", () => {
            assert.deepStrictEqual(
                [config.containerLogMaxSize, config.containerLogMaxFiles],
                ["50Mi", 5],
            );
        });
        it("kubeadm: control-plane nodes keep their NoSchedule taint", () => {
            const [init] = renderKubeadmDocuments([], renderKubeletConfiguration(base));
            assert.deepStrictEqual((init.nodeRegistration as { taints: unknown }).taints, [
                { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
            ]);
            assert.strictEqual(controlPlaneTaint.effect, "NoSchedule");
        });
        it("kubeadm: the ClusterConfiguration carries the encryption and audit flags and mounts", () => {
            const [, cluster, kubelet] = renderKubeadmDocuments(
                [encryptionControlPlane(true), auditControlPlane(backend)],
                renderKubeletConfiguration(base),
            );
            const apiServer = cluster.apiServer as {
                extraArgs: { name: string }[];
                extraVolumes: { name: string }[];
            };
            assert.strictEqual(cluster.apiVersion, "kubeadm.k8s.io/v1beta4");
            assert.deepStrictEqual(
                apiServer.extraArgs.map((a) => a.name),
                [
                    "encryption-provider-config",
                    "encryption-provider-config-automatic-reload",
                    "audit-policy-file",
                    "audit-log-path",
                    "audit-log-format",
                    "audit-log-maxage",
                    "audit-log-maxbackup",
                    "audit-log-maxsize",
                ],
            );
            assert.deepStrictEqual(
                apiServer.extraVolumes.map((v) => v.name),
                ["encryption-config", "audit-config", "audit-log"],
            );
            assert.strictEqual(kubelet.kind, "KubeletConfiguration");
        });
        it("kubeadm: a flag claimed twice with different values is refused", () => {
            assert.throws(
                () =>
                    mergeContributions([
                        {
                            apiServerArgs: [{ name: "audit-log-maxage", value: "30" }],
                            apiServerVolumes: [],
                            files: [],
                        },
                        {
                            apiServerArgs: [{ name: "audit-log-maxage", value: "90" }],
                            apiServerVolumes: [],
                            files: [],
                        },
                    ]),
                { message: 'API-server flag --audit-log-maxage is set twice ("30" and "90")' },
            );
        });
    });

    describe("validation: refused settings", () => {
        it("eventRecordQPS 0 (unlimited)", () => {
            assert.deepStrictEqual(messages({ eventRecordQPS: 0, eventBurst: 0 }), [
                "expected a positive whole number (CIS 4.2.8; 0 means unlimited)",
            ]);
        });
        it("podPidsLimit -1 (unlimited)", () => {
            assert.deepStrictEqual(messages({ podPidsLimit: -1 }), [
                "expected a positive whole number of processes per pod (CIS 4.2.13; -1 would mean unlimited)",
            ]);
        });
        it("a streaming idle timeout of 0", () => {
            assert.deepStrictEqual(messages({ streamingConnectionIdleTimeout: "0s" }), [
                'expected a positive duration such as "5m0s" (CIS 4.2.5; 0 keeps idle streams open forever)',
            ]);
        });
        it("a weak cipher suite", () => {
            assert.deepStrictEqual(
                messages({ tlsCipherSuites: ["TLS_RSA_WITH_AES_128_CBC_SHA"] }),
                [
                    `"TLS_RSA_WITH_AES_128_CBC_SHA" is not a strong cipher suite (CIS 4.2.12); allowed: ${strongCipherSuites.join(", ")}`,
                ],
            );
        });
        it("no cipher suite with TLS 1.2", () => {
            assert.deepStrictEqual(messages({ tlsCipherSuites: [] }), [
                "expected at least one cipher suite for TLS 1.2 (CIS 4.2.12)",
            ]);
        });
        it("serving certificates from files without the files", () => {
            assert.deepStrictEqual(messages({ servingCertificates: "files" }), [
                'servingCertificates "files" needs tlsCertFile (CIS 4.2.9)',
                'servingCertificates "files" needs tlsPrivateKeyFile (CIS 4.2.9)',
            ]);
        });
        it("a certificate file with bootstrapped serving certificates", () => {
            assert.deepStrictEqual(messages({ tlsCertFile: "/etc/kubelet.crt" }), [
                'tlsCertFile is only used with servingCertificates "files"; with "bootstrap" the kubelet requests and rotates its serving certificate itself',
            ]);
        });
        it("a relative client CA path", () => {
            assert.deepStrictEqual(messages({ clientCAFile: "ca.crt" }), [
                "expected an absolute path on the node",
            ]);
        });
        it("one container log file", () => {
            assert.deepStrictEqual(messages({ containerLogMaxFiles: 1 }), [
                "expected at least 2 files (the kubelet keeps the live file plus rotated ones)",
            ]);
        });
        it("an event burst below the rate", () => {
            assert.deepStrictEqual(messages({ eventBurst: 2 }), [
                "expected a whole number of at least eventRecordQPS (5)",
            ]);
        });
        it("a cluster DNS entry that is not an IP", () => {
            assert.deepStrictEqual(messages({ clusterDNS: ["kube-dns"] }), [
                "expected an IP address",
            ]);
        });
    });

    describe("settings: kubelet", () => {
        it("defaults to the hardened values, without managing kubeadm's ConfigMap", () => {
            assert.deepStrictEqual(loadSettings({}).settings.kubelet, {
                ...base,
                manageKubeadmConfigMap: false,
            });
        });
        it("names the key and the value of a refused setting", () => {
            try {
                loadSettings({
                    "sovereign-contour:kubelet": JSON.stringify({
                        eventRecordQPS: 0,
                        eventBurst: 0,
                    }),
                });
                assert.fail("expected a SettingsError");
            } catch (e) {
                assert.ok(e instanceof SettingsError);
                assert.deepStrictEqual(
                    e.issues.map((i) => ({ key: i.key, message: i.message })),
                    [
                        {
                            key: "sovereign-contour:kubelet.eventRecordQPS",
                            message:
                                "expected a positive whole number (CIS 4.2.8; 0 means unlimited) (got 0)",
                        },
                    ],
                );
            }
        });
        it("refuses a setting for a fixed field (anonymous auth has no knob)", () => {
            try {
                loadSettings({
                    "sovereign-contour:kubelet": JSON.stringify({ readOnlyPort: 10255 }),
                });
                assert.fail("expected a SettingsError");
            } catch (e) {
                assert.ok(e instanceof SettingsError);
                assert.deepStrictEqual(
                    e.issues.map((i) => i.key),
                    ["sovereign-contour:kubelet"],
                );
                assert.strictEqual(
                    e.issues[0].message,
                    'unknown setting "readOnlyPort"; known: clientCAFile, servingCertificates, ' +
                        "tlsCertFile, tlsPrivateKeyFile, podPidsLimit, eventRecordQPS, eventBurst, " +
                        "streamingConnectionIdleTimeout, containerLogMaxSize, containerLogMaxFiles, " +
                        "tlsMinVersion, tlsCipherSuites, clusterDNS, clusterDomain, cgroupDriver, " +
                        "resolvConf, manageKubeadmConfigMap",
                );
            }
        });
    });

    describe("KubeletHardening component (mocks)", () => {
        let KubeletHardening: typeof import("../../components/kubelet-hardening").KubeletHardening;
        before(async () => {
            installMocks();
            ({ KubeletHardening } = await import("../../components/kubelet-hardening"));
        });
        beforeEach(resetRecorded);

        it("has no children by default and exposes the kubelet, kubeadm and node-file documents", async () => {
            const c = new KubeletHardening("kubelet", {
                controlPlane: [encryptionControlPlane(true), auditControlPlane(backend)],
            });
            await settled();
            assert.deepStrictEqual(
                recorded.map((r) => r.type),
                ["sovereign:bootstrap:KubeletHardening"],
            );
            assert.deepStrictEqual(Object.keys(c.nodeArtifacts), [
                "nodes/kubelet-config.yaml",
                "nodes/sysctl-kubelet.conf",
                "kubeadm/cluster-configuration.yaml",
                "delivery/node-files.yaml",
            ]);
            assert.strictEqual(
                await unwrap(c.nodeArtifacts["nodes/sysctl-kubelet.conf"]),
                kernelTunablesConf(),
            );
            const kubeadm = YAML.parseAllDocuments(
                await unwrap(c.nodeArtifacts["kubeadm/cluster-configuration.yaml"]),
            ).map((d) => d.toJS() as { kind: string });
            assert.deepStrictEqual(
                kubeadm.map((d) => d.kind),
                ["InitConfiguration", "ClusterConfiguration", "KubeletConfiguration"],
            );
            const files = YAML.parse(await unwrap(c.nodeArtifacts["delivery/node-files.yaml"])) as {
                files: { path: string }[];
            };
            assert.deepStrictEqual(
                files.files.map((f) => f.path),
                [
                    "/etc/kubernetes/encryption/encryption-config.yaml",
                    "/etc/kubernetes/audit/audit-policy.yaml",
                    "/var/lib/kubelet/config.yaml",
                    "/etc/sysctl.d/90-kubelet.conf",
                ],
            );
        });

        it("patches kubeadm's kubelet-config ConfigMap by server-side apply when asked", async () => {
            new KubeletHardening("kubelet", { manageKubeadmConfigMap: true });
            await settled();
            const [patch] = ofType("kubernetes:core/v1:ConfigMapPatch");
            assert.strictEqual(patch.name, "kubelet-kubeadm-kubelet-config");
            assert.deepStrictEqual(patch.inputs.metadata, {
                name: "kubelet-config",
                namespace: "kube-system",
                labels: {
                    "app.kubernetes.io/managed-by": "pulumi",
                    "app.kubernetes.io/part-of": "sovereign-contour",
                    "app.kubernetes.io/component": "kubelet-hardening",
                },
                annotations: { "pulumi.com/patchForce": "true" },
            });
            assert.deepStrictEqual(
                YAML.parse(patch.inputs.data.kubelet as string),
                renderKubeletConfiguration(base),
            );
            const component = recorded.find(
                (r) => r.type === "sovereign:bootstrap:KubeletHardening",
            );
            assert.strictEqual(patch.parent, component?.urn);
            assert.strictEqual(patch.protect, false);
        });

        it("registers the kubeadm ClusterConfiguration as an input, for the stack policies", async () => {
            const contributions = [encryptionControlPlane(true), auditControlPlane(backend)];
            const c = new KubeletHardening("kubelet", { controlPlane: contributions });
            await settled();
            const expected = renderKubeadmDocuments(
                contributions,
                renderKubeletConfiguration(base),
            )[1];
            assert.deepStrictEqual(recorded[0].inputs.clusterConfiguration, expected);
            assert.deepStrictEqual(c.clusterConfiguration, expected);
        });

        it("refuses contributions that disagree, naming the flag and both values", () => {
            const flag = (value: string) => ({
                apiServerArgs: [{ name: "audit-log-maxage", value }],
                apiServerVolumes: [],
                files: [],
            });
            assert.throws(
                () => new KubeletHardening("kubelet", { controlPlane: [flag("30"), flag("90")] }),
                (e: unknown) =>
                    e instanceof pulumi.ResourceError &&
                    e.message ===
                        'invalid control-plane contributions to the kubeadm documents: API-server flag --audit-log-maxage is set twice ("30" and "90")',
            );
        });

        it("refuses invalid settings with every problem", () => {
            assert.throws(
                () => new KubeletHardening("kubelet", { eventRecordQPS: 0, podPidsLimit: -1 }),
                {
                    message:
                        "invalid kubelet settings:\n" +
                        "  - podPidsLimit: expected a positive whole number of processes per pod (CIS 4.2.13; -1 would mean unlimited) (got -1)\n" +
                        "  - eventRecordQPS: expected a positive whole number (CIS 4.2.8; 0 means unlimited) (got 0)",
                },
            );
        });
    });
});

describe("components/kubelet-hardening kubeadm release and image repository", () => {
    it("writes the exact release and the image repository into the ClusterConfiguration", () => {
        const [, cluster] = renderKubeadmDocuments([], renderKubeletConfiguration(base), {
            kubernetesRelease: "v1.33.5",
            imageRepository: "harbor.sovereign.example/mirror",
        });
        assert.equal(cluster.kind, "ClusterConfiguration");
        assert.equal(cluster.kubernetesVersion, "v1.33.5");
        assert.equal(cluster.imageRepository, "harbor.sovereign.example/mirror");
    });

    it("leaves both to kubeadm when unset", () => {
        const [, cluster] = renderKubeadmDocuments([], renderKubeletConfiguration(base));
        assert.equal("kubernetesVersion" in cluster, false);
        assert.equal("imageRepository" in cluster, false);
    });

    it("refuses a release that is not exact", () => {
        assert.throws(
            () =>
                renderKubeadmDocuments([], renderKubeletConfiguration(base), {
                    kubernetesRelease: "stable-1.33",
                }),
            {
                message:
                    'kubeadm kubernetesRelease "stable-1.33": expected an exact release such as v1.33.6',
            },
        );
    });

    it("settings: controlPlane.kubernetesRelease is exact and of kubernetesVersion's minor", () => {
        const issues = (release: string): string[] => {
            try {
                loadSettings({
                    "sovereign-contour:controlPlane": JSON.stringify({
                        kubernetesRelease: release,
                    }),
                });
                return [];
            } catch (e) {
                if (e instanceof SettingsError) {
                    return e.issues.map((i) => `${i.key}: ${i.message}`);
                }
                throw e;
            }
        };
        assert.deepEqual(issues("v1.33.5"), []);
        assert.deepEqual(issues("1.33.5"), [
            'sovereign-contour:controlPlane.kubernetesRelease: expected an exact release such as v1.33.6 (got "1.33.5")',
        ]);
        assert.deepEqual(issues("v1.34.1"), [
            'sovereign-contour:controlPlane.kubernetesRelease: release "v1.34.1" is Kubernetes 1.34, but kubernetesVersion is "1.33": expected a 1.33.x release (got "v1.34.1")',
        ]);
    });
});
