/** The `kubelet` settings: the tunable part of every node's KubeletConfiguration. */
import { z } from "zod";
import { addIssues } from "../shared/settings";
import { defaults, KubeletSpec, validateKubeletSpec } from "./render";

/**
 * `kubelet`: the tunable part of every node's KubeletConfiguration. Anonymous access, Webhook
 * authn/authz, the read-only port, kernel defaults, seccomp default and certificate rotation are
 * fixed by the platform (CIS 4.2.x) and have no setting.
 * @default CIS-hardened values (see each key)
 */
export const kubeletSection = z
    .object({
        /** CA of the API server's client certificate (CIS 4.2.3). @default "/etc/kubernetes/pki/ca.crt" */
        clientCAFile: z.string().default(defaults.clientCAFile),
        /**
         * `bootstrap`: serving certificates through CSRs, rotated (needs a CSR approver); `files`:
         * tlsCertFile/tlsPrivateKeyFile from the internal CA. @default "bootstrap"
         */
        servingCertificates: z.enum(["bootstrap", "files"]).default(defaults.servingCertificates),
        /** Serving certificate, with servingCertificates "files". */
        tlsCertFile: z.string().optional(),
        /** Serving key, with servingCertificates "files". */
        tlsPrivateKeyFile: z.string().optional(),
        /** Most processes per pod (CIS 4.2.13). @default 4096 */
        podPidsLimit: z.number().int().default(defaults.podPidsLimit),
        /** Events per second, above 0 (CIS 4.2.8). @default 5 */
        eventRecordQPS: z.number().int().default(defaults.eventRecordQPS),
        /** Event burst, at least eventRecordQPS. @default 10 */
        eventBurst: z.number().int().default(defaults.eventBurst),
        /** Idle exec/attach/port-forward streams close after this (CIS 4.2.5). @default "5m0s" */
        streamingConnectionIdleTimeout: z.string().default(defaults.streamingConnectionIdleTimeout),
        /** Container log rotation size. @default "50Mi" */
        containerLogMaxSize: z.string().default(defaults.containerLogMaxSize),
        /** Container log files kept. @default 5 */
        containerLogMaxFiles: z.number().int().default(defaults.containerLogMaxFiles),
        /** Lowest TLS version served. @default "VersionTLS12" */
        tlsMinVersion: z.enum(["VersionTLS12", "VersionTLS13"]).default(defaults.tlsMinVersion),
        /** TLS 1.2 cipher suites, a subset of the CIS 4.2.12 list. @default the whole CIS list */
        tlsCipherSuites: z.array(z.string()).default([...defaults.tlsCipherSuites]),
        /** Cluster DNS service IPs. @default ["10.96.0.10"] (kubeadm's default service range) */
        clusterDNS: z.array(z.string()).default([...defaults.clusterDNS]),
        /** Cluster domain. @default "cluster.local" */
        clusterDomain: z.string().default(defaults.clusterDomain),
        /** Container runtime cgroup driver. @default "systemd" */
        cgroupDriver: z.enum(["systemd", "cgroupfs"]).default(defaults.cgroupDriver),
        /** resolv.conf handed to pods with dnsPolicy Default (e.g. /run/systemd/resolve/resolv.conf). */
        resolvConf: z.string().optional(),
        /**
         * Server-side-apply the configuration into kubeadm's kube-system/kubelet-config ConfigMap
         * (kubeadm clusters), for `kubeadm upgrade node phase kubelet-config`. @default false
         */
        manageKubeadmConfigMap: z.boolean().default(false),
    })
    .strict()
    .superRefine((section, ctx) => {
        const spec: KubeletSpec = section;
        addIssues(ctx, validateKubeletSpec(spec));
    })
    .default({});

/** Typed `kubelet` settings. */
export type KubeletSettings = z.infer<typeof kubeletSection>;
