import { z } from "zod";
import { defaults } from "../../components/control-plane/defaults";
import { kubernetesReleasePattern } from "../../contract/kubernetes";
import {
    ControlPlaneSettingsSpec,
    validateControlPlaneSettings,
} from "../../components/control-plane/render";

/** One EventRateLimit bucket: events per second, burst, and how many namespaces/users it tracks. */
const rateLimit = (base: { qps: number; burst: number; cacheSize: number }) =>
    z
        .object({
            /** Events per second, sustained. */
            qps: z.number().int().default(base.qps),
            /** Events accepted at once above the rate. */
            burst: z.number().int().default(base.burst),
            /** How many namespaces or users the limiter tracks. */
            cacheSize: z.number().int().default(base.cacheSize),
        })
        .strict()
        .default({});

/**
 * `controlPlane`: the tunable part of the API server, controller manager, scheduler and etcd
 * flags. Anonymous access, Node,RBAC authorization, NodeRestriction, PodSecurity, EventRateLimit,
 * DenyServiceExternalIPs, profiling off, loopback binds, certificate authentication of etcd and
 * the kubelets, service-account lookup and bound token lifetimes are fixed by the platform (CIS 1.2,
 * 1.3, 1.4, 2) and have no setting.
 * @default CIS-hardened values (see each key)
 */
export const controlPlaneSection = z
    .object({
        /**
         * The exact Kubernetes release kubeadm installs (`v1.33.6`), written into the kubeadm
         * ClusterConfiguration. Without it kubeadm looks up the newest stable release on dl.k8s.io,
         * which an air-gapped site cannot reach and a declarative one must not depend on: the
         * stack policy control-plane-hardened refuses a stack without it. Its minor version is
         * `kubernetesVersion`'s. @default unset (refused by control-plane-hardened)
         */
        kubernetesRelease: z
            .string()
            .regex(kubernetesReleasePattern, "expected an exact release such as v1.33.6")
            .optional(),
        /** Lowest TLS version served (API server, controller manager, scheduler). @default "VersionTLS12" */
        tlsMinVersion: z.enum(["VersionTLS12", "VersionTLS13"]).default(defaults.tlsMinVersion),
        /** TLS 1.2 cipher suites, a subset of the ECDHE AEAD suites (CIS 1.2.29). @default all of them */
        tlsCipherSuites: z.array(z.string()).default([...defaults.tlsCipherSuites]),
        /** API-server request timeout, 1s to 5m (CIS 1.2.20). @default "60s" */
        requestTimeout: z.string().default(defaults.requestTimeout),
        /** Enable the AlwaysPullImages admission plugin (CIS 1.2.11). @default true */
        alwaysPullImages: z.boolean().default(defaults.alwaysPullImages),
        /** Longest lifetime of a requested service-account token, at least 1h. @default "24h" */
        serviceAccountMaxTokenExpiration: z
            .string()
            .default(defaults.serviceAccountMaxTokenExpiration),
        /**
         * CA the API server verifies the kubelets' serving certificates with (CIS 1.2.5): the
         * cluster CA signs bootstrapped ones; with kubelet servingCertificates "files", the CA of
         * those files. @default "/etc/kubernetes/pki/ca.crt"
         */
        kubeletCertificateAuthority: z.string().default(defaults.kubeletCertificateAuthority),
        /** Terminated pods kept before garbage collection (CIS 1.3.1). @default 1000 */
        terminatedPodGCThreshold: z.number().int().default(defaults.terminatedPodGCThreshold),
        /** EventRateLimit buckets (CIS 1.2.9). @default namespace 50/100, user 10/50 (qps/burst) */
        eventRateLimit: z
            .object({
                /** Events of one namespace. */
                namespace: rateLimit(defaults.eventRateLimit.namespace),
                /** Events of one user. */
                user: rateLimit(defaults.eventRateLimit.user),
            })
            .strict()
            .default({}),
    })
    .strict()
    .superRefine((section, ctx) => {
        const spec: ControlPlaneSettingsSpec = section;
        for (const issue of validateControlPlaneSettings(spec)) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: [...issue.path],
                message: issue.message,
            });
        }
    })
    .default({});

/** Typed `controlPlane` settings. */
export type ControlPlaneSettings = z.infer<typeof controlPlaneSection>;
