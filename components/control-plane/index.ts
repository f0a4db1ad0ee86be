import * as pulumi from "@pulumi/pulumi";
import type { PlatformSettings } from "../platform/settings";
import { documentYaml } from "../kubelet-hardening/render";
import { formatIssues } from "../shared/issues";
import { ControlPlaneContribution } from "../shared/node-files";
import {
    AdmissionConfigurationDocument,
    AuthenticationConfigurationDocument,
    controlPlaneContribution,
    controlPlaneFiles,
    ControlPlaneSpec,
    controlPlaneWarnings,
    defaults,
    identityDefaults,
    IdentitySpec,
    isAirGapped,
    RateLimit,
    renderAdmissionConfiguration,
    renderAuthenticationConfiguration,
    UsernameClaim,
    validateControlPlaneSpec,
} from "./render";

export * from "./render";

/** Arguments of {@link ControlPlane}; every tunable has a hardened default. */
export interface ControlPlaneArgs {
    /** Target Kubernetes minor version (`1.33`). */
    readonly kubernetesVersion: string;
    /**
     * The site has no internet (its images or charts come from a mirror): an identity provider
     * then needs its CA. @default false
     */
    readonly airGapped?: boolean;
    /** The site's identity provider. @default no issuer: no JWT authenticator */
    readonly identity?: Partial<IdentitySpec>;
    /** Lowest TLS version served by the API server, controller manager and scheduler. @default "VersionTLS12" */
    readonly tlsMinVersion?: "VersionTLS12" | "VersionTLS13";
    /** TLS 1.2 cipher suites (CIS 1.2.29). @default the ECDHE AEAD suites of CIS 4.2.12 */
    readonly tlsCipherSuites?: readonly string[];
    /** API-server request timeout (CIS 1.2.20). @default "60s" */
    readonly requestTimeout?: string;
    /** Enable AlwaysPullImages (CIS 1.2.11). @default true */
    readonly alwaysPullImages?: boolean;
    /** Longest service-account token lifetime. @default "24h" */
    readonly serviceAccountMaxTokenExpiration?: string;
    /** CA of the kubelets' serving certificates (CIS 1.2.5). @default "/etc/kubernetes/pki/ca.crt" */
    readonly kubeletCertificateAuthority?: string;
    /** Terminated pods kept before garbage collection (CIS 1.3.1). @default 1000 */
    readonly terminatedPodGCThreshold?: number;
    /** EventRateLimit per namespace and per user (CIS 1.2.9). @default 50/100 and 10/50 events per second/burst */
    readonly eventRateLimit?: {
        readonly namespace?: Partial<RateLimit>;
        readonly user?: Partial<RateLimit>;
    };
}

/** The arguments of the control plane from the stack settings (`controlPlane`, `identity`). */
export function controlPlaneArgsFromSettings(settings: PlatformSettings): ControlPlaneArgs {
    return {
        kubernetesVersion: settings.kubernetesVersion,
        airGapped: isAirGapped(settings),
        identity: settings.identity,
        ...settings.controlPlane,
    };
}

/** The spec the documents are rendered from: the arguments over the defaults. */
export function resolveControlPlaneSpec(args: ControlPlaneArgs): ControlPlaneSpec {
    const id = args.identity ?? {};
    const identity: IdentitySpec = {
        ...(id.issuer !== undefined ? { issuer: id.issuer } : {}),
        ...(id.certificateAuthority !== undefined
            ? { certificateAuthority: id.certificateAuthority }
            : {}),
        audiences: [...(id.audiences ?? [])],
        usernameClaim: id.usernameClaim ?? (identityDefaults.usernameClaim as UsernameClaim),
        groupsClaim: id.groupsClaim ?? identityDefaults.groupsClaim,
        prefix: id.prefix ?? identityDefaults.prefix,
    };
    const rate = (given: Partial<RateLimit> | undefined, base: RateLimit): RateLimit => ({
        qps: given?.qps ?? base.qps,
        burst: given?.burst ?? base.burst,
        cacheSize: given?.cacheSize ?? base.cacheSize,
    });
    return {
        kubernetesVersion: args.kubernetesVersion,
        airGapped: args.airGapped ?? false,
        identity,
        tlsMinVersion: args.tlsMinVersion ?? defaults.tlsMinVersion,
        tlsCipherSuites: [...(args.tlsCipherSuites ?? defaults.tlsCipherSuites)],
        requestTimeout: args.requestTimeout ?? defaults.requestTimeout,
        alwaysPullImages: args.alwaysPullImages ?? defaults.alwaysPullImages,
        serviceAccountMaxTokenExpiration:
            args.serviceAccountMaxTokenExpiration ?? defaults.serviceAccountMaxTokenExpiration,
        kubeletCertificateAuthority:
            args.kubeletCertificateAuthority ?? defaults.kubeletCertificateAuthority,
        terminatedPodGCThreshold:
            args.terminatedPodGCThreshold ?? defaults.terminatedPodGCThreshold,
        eventRateLimit: {
            namespace: rate(args.eventRateLimit?.namespace, defaults.eventRateLimit.namespace),
            user: rate(args.eventRateLimit?.user, defaults.eventRateLimit.user),
        },
    };
}

/**
 * Control-plane hardening (bootstrap layer): the flags of the API server, controller manager,
 * scheduler and etcd for kubeadm's ClusterConfiguration (every CIS section 1 and 2 item a kubeadm
 * document can carry), the API server's AuthenticationConfiguration (anonymous requests only on the
 * health endpoints; people through the site's identity provider, under the one identity prefix)
 * and its AdmissionConfiguration (Pod Security `restricted` by default, EventRateLimit). The
 * documents live on control-plane hosts: they are node artifacts, assembled into the kubeadm
 * documents by `KubeletHardening`, and the component's inputs, which the stack policy
 * `control-plane-hardened` judges.
 */
export class ControlPlane extends pulumi.ComponentResource {
    /** The resolved spec. */
    readonly spec: ControlPlaneSpec;
    /** The AuthenticationConfiguration document. */
    readonly authentication: AuthenticationConfigurationDocument;
    /** The AdmissionConfiguration document. */
    readonly admission: AdmissionConfigurationDocument;
    /** Flags of all four components, the mount and the files for the control-plane hosts. */
    readonly controlPlane: ControlPlaneContribution;
    /** Node artifacts by relative path (`control-plane/authentication-config.yaml`, ...). */
    readonly nodeArtifacts: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        const spec = resolveControlPlaneSpec(args);
        const issues = validateControlPlaneSpec(spec);
        const valid = issues.length === 0;
        const authentication = valid ? renderAuthenticationConfiguration(spec) : undefined;
        const admission = valid ? renderAdmissionConfiguration(spec) : undefined;
        const contribution = valid ? controlPlaneContribution(spec) : undefined;
        // The documents and the flags are the component's inputs, so the stack policies (and the
        // reviewers of a preview) judge exactly what the control-plane hosts receive. Nothing in
        // them is secret: the CA certificates are public.
        const summary = {
            kubernetesVersion: spec.kubernetesVersion,
            airGapped: spec.airGapped,
            identityPrefix: spec.identity.prefix,
            authenticationConfigFile: controlPlaneFiles.authentication,
            admissionConfigFile: controlPlaneFiles.admission,
            authentication: authentication ?? {},
            admission: admission ?? {},
            apiServerArgs: contribution?.apiServerArgs ?? [],
            controllerManagerArgs: contribution?.controllerManagerArgs ?? [],
            schedulerArgs: contribution?.schedulerArgs ?? [],
            etcdArgs: contribution?.etcdArgs ?? [],
        };
        super("sovereign:bootstrap:ControlPlane", name, summary, opts);
        if (authentication === undefined || admission === undefined || contribution === undefined) {
            // The CA bundle is never echoed: a mis-pasted private key would end up in the log.
            const shown = {
                ...spec,
                identity: { ...spec.identity, certificateAuthority: undefined },
            };
            throw new pulumi.ResourceError(
                formatIssues("invalid control-plane settings", issues, shown),
                this,
            );
        }
        for (const warning of controlPlaneWarnings(spec)) {
            void pulumi.log.info(warning, this);
        }
        this.spec = spec;
        this.authentication = authentication;
        this.admission = admission;
        this.controlPlane = contribution;
        this.nodeArtifacts = {
            [defaults.authenticationArtifact]: pulumi.output(
                documentYaml(
                    `the API server's AuthenticationConfiguration (--authentication-config ${controlPlaneFiles.authentication}).`,
                    authentication,
                ),
            ),
            [defaults.admissionArtifact]: pulumi.output(
                documentYaml(
                    `the API server's AdmissionConfiguration (--admission-control-config-file ${controlPlaneFiles.admission}).`,
                    admission,
                ),
            ),
        };
        // The same summary as the inputs: policies read a component's outputs once registered.
        this.registerOutputs({ ...summary, nodeArtifacts: Object.keys(this.nodeArtifacts) });
    }
}
