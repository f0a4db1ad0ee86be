import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { PlatformSettings } from "../platform/settings";
import type { ImagesSettings } from "../shared/settings";
import type { CertManager } from "../cert-manager";
import { pinImage, ResolvedChart } from "../shared/chart-source";
import {
    ExistingNamespace,
    helmArgsFromSettings,
    HelmComponentArgs,
    HelmInstaller,
} from "../shared/helm-component";
import { linkerdCharts, linkerdDefaults, linkerdImages, linkerdReleaseNames } from "./defaults";
import {
    ExternalTrustAnchor,
    NamedImage,
    renderCniNamespace,
    renderControlPlaneNamespace,
    renderCrdsValues,
    TrustAnchorSource,
    trustAnchorSourceOf,
} from "./render";
import {
    createMeshCertificates,
    createTrustAnchors,
    installCni,
    installControlPlane,
} from "./parts";
import { linkerdConfig } from "./validate";

export type { ExternalTrustAnchor, TrustAnchorSource } from "./render";

export type { ExistingNamespace } from "../shared/helm-component";

/** Arguments of {@link Linkerd}. */
export interface LinkerdArgs extends HelmComponentArgs {
    /**
     * The platform's cert-manager: it issues the identity issuer and the webhook certificates
     * (from its CA ClusterIssuer), so Linkerd is created after it. Required.
     */
    readonly certManager?: CertManager;
    /** Namespace of the control plane; created by the component. @default "linkerd" */
    readonly namespace?: string;
    /** Namespace of the CNI plugin (Pod Security privileged). @default "linkerd-cni" */
    readonly cniNamespace?: string;
    /** What the CNI plugin's pods wait for besides their namespace: its NetworkPolicies. @default nothing */
    readonly cniNetworkPolicies?: pulumi.Input<pulumi.Resource>;
    /**
     * The CNI namespace when it is one of the stack's declared system namespaces (created by the
     * bootstrap layer with its reason); it must enforce `privileged`. Unset: the component creates
     * it, Pod Security `privileged` with its reason on record.
     * @default undefined (the component creates it)
     */
    readonly cniSystemNamespace?: ExistingNamespace;
    /**
     * Namespaces the proxy injector never sees (besides its own and the CNI plugin's): the
     * platform's system namespaces, whose pods must start even while the injector is down.
     * @default ["kube-system", "kube-public", "kube-node-lease", "cert-manager"]
     */
    readonly injectorExcludedNamespaces?: readonly string[];
    /** Three replicas, disruption budgets and anti-affinity for the controllers. @default true */
    readonly highAvailability?: boolean;
    /** The proxy injector's failurePolicy. @default "Fail" */
    readonly injectorFailurePolicy?: "Fail" | "Ignore";
    /** Inbound policy of meshed pods no `Server` selects. @default "all-authenticated" */
    readonly defaultInboundPolicy?: "all-authenticated" | "cluster-authenticated" | "deny";
    /** Trust domain of mesh identities. @default "cluster.local" */
    readonly trustDomain?: string;
    /** Validity of each generated trust anchor in hours (not with `externalTrustAnchor`). @default 87600 (10 years) */
    readonly trustAnchorValidityHours?: number;
    /**
     * The generated trust anchors by name (not with `externalTrustAnchor`): every `trusted` one is
     * generated and sent to the proxies (oldest first); `signing` signs the identity issuer.
     * @default { trusted: ["root-1"], signing: "root-1" }
     */
    readonly trustAnchors?: { readonly trusted?: readonly string[]; readonly signing?: string };
    /**
     * Bring your own trust anchor: its certificates (public) and the site's Secret or issuer that
     * signs the identity issuer, instead of anchors generated with @pulumi/tls. No key material
     * then enters the program or its state. @default undefined (the program generates the anchors)
     */
    readonly externalTrustAnchor?: ExternalTrustAnchor;
    /** Lifetime and renewal of the identity issuer certificate. @default 48h0m0s, renewed 25h before */
    readonly identityIssuer?: { readonly duration?: string; readonly renewBefore?: string };
    /** Create PodMonitors (needs the Prometheus Operator CRDs). @default false */
    readonly podMonitor?: boolean;
}

/**
 * A Linkerd image through the mirror, pinned by its recorded digest. The charts have no digest key,
 * so the digest goes into the version (`edge-26.8.3@sha256:...`): they render `name:version`.
 */
function namedImage(image: NamedImage, images: ImagesSettings): NamedImage {
    const pinned = pinImage(`${image.name}:${image.version}`, images);
    return { name: pinned.repository, version: pinned.pinnedTag };
}

/**
 * Linkerd (runtime layer): mTLS between meshed workloads. By default the trust anchor (ECDSA P-256)
 * comes from @pulumi/tls, stays a Pulumi secret and is protected; it reaches the cluster only as
 * the Secret behind a CA Issuer in the control plane's namespace. With `externalTrustAnchor` the
 * site brings its own: the CA Issuer signs with the site's existing Secret, or the site's issuer
 * signs the identity issuer, and the program holds no key. Either way the chart receives only the
 * anchors' certificates. cert-manager issues the short-lived identity issuer from the anchor and
 * the webhooks' serving certificates from the platform CA. The CRDs and the CNI plugin come before
 * the control plane, which waits for every certificate to be Ready. Tenants join the mesh through
 * their own setting.
 */
export class Linkerd extends pulumi.ComponentResource {
    /** Where the control-plane chart came from. */
    readonly chart: ResolvedChart;
    /** Every chart the component installs (CRDs, CNI, control plane). */
    readonly charts: ResolvedChart[];
    /** Every image the component deploys or injects, after mirroring, with its digest when recorded. */
    readonly images: string[];
    /** The control plane's namespace name (tenants allow egress to it). */
    readonly namespaceName: string;
    /** The control plane's namespace. */
    readonly namespace: k8s.core.v1.Namespace;
    /** The CNI plugin's namespace (its own, or the declared system namespace). */
    readonly cniNamespace: k8s.core.v1.Namespace;
    /** Where the trust anchor comes from: generated, the site's Secret or the site's issuer. */
    readonly trustAnchorSource: TrustAnchorSource;
    /** The generated trust anchors' private keys by name (protected; Pulumi secrets); none when external. */
    readonly trustAnchorKeys: Readonly<Record<string, tls.PrivateKey>>;
    /** The generated trust anchors' self-signed certificates by name (protected); none when external. */
    readonly trustAnchors: Readonly<Record<string, tls.SelfSignedCert>>;
    /** The trusted anchors' certificates (PEM bundle; public): what the chart receives. */
    readonly trustAnchorPem: pulumi.Output<string>;
    /** The Secret the program created for the CA Issuer (generated anchors only). */
    readonly trustAnchorSecret?: k8s.core.v1.Secret;
    /** The program's CA Issuer signing the identity issuer; none with the site's issuer. */
    readonly trustAnchorIssuer?: k8s.apiextensions.CustomResource;
    /** The identity issuer Certificate. */
    readonly identityIssuer: k8s.apiextensions.CustomResource;
    /** The webhooks' serving Certificates by service name. */
    readonly webhookCertificates: Readonly<Record<string, k8s.apiextensions.CustomResource>>;
    /** The `linkerd-crds` chart. */
    readonly crds: k8s.helm.v4.Chart;
    /** The `linkerd2-cni` chart. */
    readonly cni: k8s.helm.v4.Chart;
    /** The `linkerd-control-plane` chart. */
    readonly controlPlane: k8s.helm.v4.Chart;

    constructor(name: string, args: LinkerdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:runtime:Linkerd", name, {}, opts);
        const config = linkerdConfig(args, this);
        this.trustAnchorSource = trustAnchorSourceOf(args.externalTrustAnchor);
        const helm = new HelmInstaller(this, name, args, opts);
        const crdsChart = helm.chart(linkerdCharts.crds);
        const cniChart = helm.chart(linkerdCharts.cni);
        this.chart = helm.chart(linkerdCharts.controlPlane);
        this.charts = helm.charts;
        const mirrored = helm.mirror(linkerdImages, namedImage, (i) => `${i.name}:${i.version}`);
        this.images = helm.images;
        this.namespaceName = config.namespace;

        this.namespace = helm.namespace(
            renderControlPlaneNamespace(config.namespace, args.kubernetesVersion),
        );
        this.cniNamespace = helm.namespace(
            renderCniNamespace(config.cniNamespace, args.kubernetesVersion),
            args.cniSystemNamespace,
            "cni-namespace",
        );

        const external = args.externalTrustAnchor;
        const anchors = createTrustAnchors(helm, config, external, this.namespace);
        this.trustAnchorKeys = anchors.keys;
        this.trustAnchors = anchors.anchors;
        this.trustAnchorPem = anchors.bundle;
        this.trustAnchorSecret = anchors.secret;
        const certificates = createMeshCertificates(
            helm,
            config,
            external,
            this.namespace,
            this.trustAnchorSecret,
        );
        this.trustAnchorIssuer = certificates.trustAnchorIssuer;
        this.identityIssuer = certificates.identityIssuer;
        this.webhookCertificates = certificates.webhookCertificates;

        this.crds = helm.release(
            "crds",
            crdsChart,
            {
                name: linkerdReleaseNames.crds,
                namespace: config.namespace,
                values: renderCrdsValues(),
            },
            [this.namespace],
        );
        this.cni = installCni(helm, cniChart, args, config, mirrored.cni, this.cniNamespace);
        this.controlPlane = installControlPlane(helm, this.chart, args, config, {
            images: mirrored,
            trustAnchorPem: this.trustAnchorPem,
            namespace: this.namespace,
            after: [
                this.crds,
                this.cni,
                this.identityIssuer,
                ...Object.values(this.webhookCertificates),
            ],
        });

        this.registerOutputs({
            ...helm.chartListOutputs(config.namespace),
            trustAnchorPem: this.trustAnchorPem,
            trustAnchorSource: this.trustAnchorSource,
            ...(external === undefined
                ? { trustAnchors: config.trusted, signingTrustAnchor: config.signing }
                : {}),
        });
    }
}

/**
 * The Linkerd arguments a stack's settings give (the component's settings are `linkerd`): the CNI
 * namespace from the bootstrap layer when the stack declares it among `systemNamespaces`, and the
 * proxy injector kept away from every namespace of the platform itself.
 */
export function linkerdArgsFromSettings(
    settings: PlatformSettings,
    certManager: CertManager | undefined,
    systemNamespaces: Readonly<Record<string, k8s.core.v1.Namespace>> = {},
): LinkerdArgs {
    const l = settings.linkerd;
    const declared = settings.systemNamespaces.find((ns) => ns.name === l.cniNamespace);
    const existing = systemNamespaces[l.cniNamespace];
    return {
        ...helmArgsFromSettings(settings),
        certManager,
        namespace: l.namespace,
        cniNamespace: l.cniNamespace,
        ...(declared !== undefined && existing !== undefined
            ? { cniSystemNamespace: { namespace: existing, podSecurity: declared.podSecurity } }
            : {}),
        injectorExcludedNamespaces: [
            ...linkerdDefaults.injectorExcludedNamespaces,
            settings.certManager.namespace,
            settings.gatekeeper.namespace,
            settings.kyverno.namespace,
            settings.falco.namespace,
            ...settings.systemNamespaces.map((ns) => ns.name),
        ],
        highAvailability: l.highAvailability,
        injectorFailurePolicy: l.injectorFailurePolicy,
        defaultInboundPolicy: l.defaultInboundPolicy,
        trustDomain: l.trustDomain,
        ...(l.trustAnchorValidityHours !== undefined
            ? { trustAnchorValidityHours: l.trustAnchorValidityHours }
            : {}),
        ...(l.trustAnchors !== undefined ? { trustAnchors: l.trustAnchors } : {}),
        ...(l.externalTrustAnchor !== undefined
            ? { externalTrustAnchor: l.externalTrustAnchor }
            : {}),
        identityIssuer: l.identityIssuer,
        podMonitor: l.podMonitor,
    };
}
