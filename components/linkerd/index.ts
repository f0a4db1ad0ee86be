import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { PlatformSettings } from "../../stacks/schema";
import type { ChartsSettings, ImagesSettings } from "../../stacks/sections/sources";
import type { CertManager } from "../cert-manager";
import { renderCaIssuer, renderTlsSecret } from "../cert-manager/render";
import { pinImage, resolveChart, ResolvedChart } from "../shared/chart-source";
import { chartRelease } from "../shared/chart-release";
import { formatIssues } from "../shared/issues";
import { childOptions } from "../shared/options";
import {
    linkerdCharts,
    linkerdDefaults,
    linkerdImages,
    linkerdObjectNames,
    linkerdReleaseNames,
    linkerdVersion,
} from "./defaults";
import {
    ExternalTrustAnchor,
    IssuerReference,
    linkerdLabels,
    linkerdWebhooks,
    NamedImage,
    renderCniNamespace,
    renderCniValues,
    renderControlPlaneNamespace,
    renderControlPlaneValues,
    renderCrdsValues,
    renderIdentityIssuerCertificate,
    renderWebhookCertificate,
    trustAnchorBundle,
    TrustAnchorSource,
    trustAnchorSourceOf,
    validateExternalTrustAnchor,
} from "./render";

export type { ExternalTrustAnchor, TrustAnchorSource } from "./render";

/** A namespace another component created (the bootstrap layer's system namespaces), and its level. */
export interface ExistingNamespace {
    readonly namespace: k8s.core.v1.Namespace;
    readonly podSecurity: "privileged" | "baseline" | "restricted";
}

/** Arguments of {@link Linkerd}. */
export interface LinkerdArgs {
    /** Target Kubernetes minor version (pinned in the namespaces' Pod Security labels). */
    readonly kubernetesVersion: string;
    /**
     * The platform's cert-manager: it issues the identity issuer and the webhook certificates
     * (from its CA ClusterIssuer), so Linkerd is created after it. Required.
     */
    readonly certManager?: CertManager;
    /** Chart sources (`charts` settings): upstream by default, a mirror or a local chart. @default {} */
    readonly charts?: ChartsSettings;
    /** Image mirror and digests (`images` settings). @default {} (upstream registries, no digest) */
    readonly images?: ImagesSettings;
    /** Namespace of the control plane; created by the component. @default "linkerd" */
    readonly namespace?: string;
    /** Namespace of the CNI plugin (Pod Security privileged). @default "linkerd-cni" */
    readonly cniNamespace?: string;
    /**
     * What the control plane's pods wait for besides the namespace: the namespace's
     * NetworkPolicies (PlatformNetwork), which can exist only once the component has created the
     * namespace, hence an Input (the platform passes a promise). @default nothing
     */
    readonly networkPolicies?: pulumi.Input<pulumi.Resource>;
    /** The same for the CNI plugin's pods and namespace. @default nothing */
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

/** Hours of a `48h0m0s`-style duration. */
function hoursOf(duration: string): number {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
    if (m === null || duration === "") {
        return NaN;
    }
    return Number(m[1] ?? 0) + Number(m[2] ?? 0) / 60 + Number(m[3] ?? 0) / 3600;
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
        const d = linkerdDefaults;
        const certManager = args.certManager;
        if (certManager === undefined) {
            throw new pulumi.ResourceError(
                "linkerd.enabled is true but certManager.enabled is false; expected " +
                    "certManager.enabled: true (Linkerd's identity issuer and webhook " +
                    "certificates are cert-manager Certificates)",
                this,
            );
        }
        const namespaceName = args.namespace ?? d.namespace;
        const cniNamespaceName = args.cniNamespace ?? d.cniNamespace;
        const trustDomain = args.trustDomain ?? d.trustDomain;
        const duration = args.identityIssuer?.duration ?? d.identityIssuer.duration;
        const renewBefore = args.identityIssuer?.renewBefore ?? d.identityIssuer.renewBefore;
        const validityHours = args.trustAnchorValidityHours ?? d.trustAnchorValidityHours;
        const trusted = [...(args.trustAnchors?.trusted ?? d.trustAnchors.trusted)];
        const signing = args.trustAnchors?.signing ?? d.trustAnchors.signing;
        const anchorIssues = validateExternalTrustAnchor({
            namespace: namespaceName,
            ...(args.trustAnchors !== undefined ? { trustAnchors: args.trustAnchors } : {}),
            ...(args.trustAnchorValidityHours !== undefined
                ? { trustAnchorValidityHours: args.trustAnchorValidityHours }
                : {}),
            ...(args.externalTrustAnchor !== undefined
                ? { externalTrustAnchor: args.externalTrustAnchor }
                : {}),
        });
        if (anchorIssues.length > 0) {
            throw new pulumi.ResourceError(
                formatIssues("linkerd: invalid trust anchor source", anchorIssues, args),
                this,
            );
        }
        this.trustAnchorSource = trustAnchorSourceOf(args.externalTrustAnchor);
        if (!trusted.includes(signing) || new Set(trusted).size !== trusted.length) {
            throw new pulumi.ResourceError(
                `linkerd.trustAnchors is trusted [${trusted.join(", ")}], signing ${signing}; ` +
                    "expected distinct trusted names that include the signing one",
                this,
            );
        }
        if (!(hoursOf(renewBefore) < hoursOf(duration))) {
            throw new pulumi.ResourceError(
                `linkerd.identityIssuer.renewBefore is ${renewBefore}; expected a duration ` +
                    `shorter than linkerd.identityIssuer.duration (${duration})`,
                this,
            );
        }
        if (
            args.cniSystemNamespace !== undefined &&
            args.cniSystemNamespace.podSecurity !== "privileged"
        ) {
            throw new pulumi.ResourceError(
                `systemNamespaces entry "${cniNamespaceName}" (linkerd.cniNamespace) enforces Pod ` +
                    `Security "${args.cniSystemNamespace.podSecurity}"; expected "privileged" with a ` +
                    "reason: the CNI plugin writes the node's CNI configuration through hostPath",
                this,
            );
        }
        if (namespaceName === cniNamespaceName) {
            throw new pulumi.ResourceError(
                `linkerd.cniNamespace is ${cniNamespaceName}, the same as linkerd.namespace; ` +
                    "expected its own namespace (it enforces Pod Security privileged)",
                this,
            );
        }

        const charts = args.charts ?? { overrides: {} };
        const images = args.images ?? {};
        const crdsChart = resolveChart(linkerdCharts.crds, charts);
        const cniChart = resolveChart(linkerdCharts.cni, charts);
        this.chart = resolveChart(linkerdCharts.controlPlane, charts);
        this.charts = [crdsChart, cniChart, this.chart];
        const mirrored = {
            controller: namedImage(linkerdImages.controller, images),
            proxy: namedImage(linkerdImages.proxy, images),
            debug: namedImage(linkerdImages.debug, images),
            cni: namedImage(linkerdImages.cni, images),
        };
        this.images = Object.values(mirrored).map((i) => `${i.name}:${i.version}`);
        this.namespaceName = namespaceName;

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            renderControlPlaneNamespace(namespaceName, args.kubernetesVersion),
            childOptions(this, opts),
        );
        this.cniNamespace =
            args.cniSystemNamespace?.namespace ??
            new k8s.core.v1.Namespace(
                `${name}-cni-namespace`,
                renderCniNamespace(cniNamespaceName, args.kubernetesVersion),
                childOptions(this, opts),
            );

        const external = args.externalTrustAnchor;
        let signedBy: IssuerReference;
        if (external === undefined) {
            const generated = this.generateTrustAnchors(
                name,
                { trusted, signing, validityHours, trustDomain, namespaceName },
                opts,
            );
            this.trustAnchorKeys = generated.keys;
            this.trustAnchors = generated.anchors;
            this.trustAnchorPem = generated.bundle;
            this.trustAnchorSecret = generated.secret;
        } else {
            // The site's anchors: only their certificates (public) are in the program.
            this.trustAnchorKeys = {};
            this.trustAnchors = {};
            this.trustAnchorPem = pulumi.output(trustAnchorBundle(external.certificates));
        }
        if (external?.issuer !== undefined) {
            signedBy = { kind: external.issuer.kind, name: external.issuer.name };
        } else {
            // Issuers and certificates need cert-manager's CRDs and webhook: they wait for the
            // whole cert-manager component, then each for its own Ready condition. With the
            // site's Secret nothing else: it exists before `up`, and a missing or malformed one
            // keeps the issuer from Ready, which fails the update.
            this.trustAnchorIssuer = new k8s.apiextensions.CustomResource(
                `${name}-trust-anchor-issuer`,
                renderCaIssuer(
                    "Issuer",
                    linkerdObjectNames.trustAnchorIssuer,
                    external?.secret?.name ?? linkerdObjectNames.trustAnchorSecret,
                    linkerdLabels,
                    namespaceName,
                ) as k8s.apiextensions.CustomResourceArgs,
                childOptions(this, opts, {
                    dependsOn: [
                        certManager,
                        ...(this.trustAnchorSecret !== undefined
                            ? [this.trustAnchorSecret]
                            : [this.namespace]),
                    ],
                }),
            );
            signedBy = { kind: "Issuer", name: linkerdObjectNames.trustAnchorIssuer };
        }
        this.identityIssuer = new k8s.apiextensions.CustomResource(
            `${name}-identity-issuer`,
            renderIdentityIssuerCertificate({
                namespace: namespaceName,
                trustDomain,
                duration,
                renewBefore,
                ...(external?.issuer !== undefined ? { issuer: signedBy } : {}),
            }) as k8s.apiextensions.CustomResourceArgs,
            childOptions(this, opts, {
                dependsOn:
                    this.trustAnchorIssuer !== undefined
                        ? [this.trustAnchorIssuer]
                        : [certManager, this.namespace],
            }),
        );
        const webhookCertificates: Record<string, k8s.apiextensions.CustomResource> = {};
        for (const webhook of linkerdWebhooks) {
            webhookCertificates[webhook.service] = new k8s.apiextensions.CustomResource(
                `${name}-webhook-cert-${webhook.service.replace(/^linkerd-/, "")}`,
                renderWebhookCertificate(
                    webhook.service,
                    namespaceName,
                    certManager.clusterIssuerName,
                ) as k8s.apiextensions.CustomResourceArgs,
                childOptions(this, opts, { dependsOn: [certManager, this.namespace] }),
            );
        }
        this.webhookCertificates = webhookCertificates;

        this.crds = chartRelease(
            `${name}-crds`,
            crdsChart,
            {
                name: linkerdReleaseNames.crds,
                namespace: namespaceName,
                values: renderCrdsValues(),
            },
            childOptions(this, opts, { dependsOn: [this.namespace] }),
        );
        this.cni = chartRelease(
            `${name}-cni`,
            cniChart,
            {
                name: linkerdReleaseNames.cni,
                namespace: cniNamespaceName,
                values: renderCniValues(mirrored.cni),
            },
            childOptions(this, opts, {
                dependsOn: [
                    this.cniNamespace,
                    ...(args.cniNetworkPolicies !== undefined ? [args.cniNetworkPolicies] : []),
                ],
            }),
        );
        const valuesInput = {
            namespace: namespaceName,
            trustDomain,
            linkerdVersion,
            highAvailability: args.highAvailability ?? d.highAvailability,
            injectorFailurePolicy: args.injectorFailurePolicy ?? d.injectorFailurePolicy,
            defaultInboundPolicy: args.defaultInboundPolicy ?? d.defaultInboundPolicy,
            podMonitor: args.podMonitor ?? d.podMonitor,
            injectorExcludedNamespaces: [
                ...new Set([
                    ...(args.injectorExcludedNamespaces ?? d.injectorExcludedNamespaces),
                    namespaceName,
                    cniNamespaceName,
                ]),
            ].sort(),
            images: {
                controller: mirrored.controller,
                proxy: mirrored.proxy,
                debug: mirrored.debug,
            },
        };
        // The control plane mounts the identity issuer and webhook Secrets and its pods need the
        // CNI plugin on the node: it waits for all of them.
        this.controlPlane = chartRelease(
            `${name}-control-plane`,
            this.chart,
            {
                name: linkerdReleaseNames.controlPlane,
                namespace: namespaceName,
                values: this.trustAnchorPem.apply((pem) =>
                    renderControlPlaneValues({ ...valuesInput, trustAnchorPem: pem }),
                ),
            },
            childOptions(this, opts, {
                dependsOn: [
                    this.namespace,
                    ...(args.networkPolicies !== undefined ? [args.networkPolicies] : []),
                    this.crds,
                    this.cni,
                    this.identityIssuer,
                    ...Object.values(webhookCertificates),
                ],
            }),
        );

        this.registerOutputs({
            charts: this.charts.map((c) => `${c.name}@${c.version}`),
            images: this.images,
            namespace: namespaceName,
            trustAnchorPem: this.trustAnchorPem,
            trustAnchorSource: this.trustAnchorSource,
            ...(external === undefined
                ? { trustAnchors: trusted, signingTrustAnchor: signing }
                : {}),
        });
    }

    /**
     * The generated trust anchors. Linkerd requires ECDSA P-256. protect: replacing or dropping one
     * outside the rotation procedure (docs/runbooks/linkerd-trust-anchor-rotation.md) breaks every
     * mesh connection; retainOnDelete: removing one keeps it in the state history. No
     * earlyRenewalHours: a protected certificate cannot be replaced, so a renewal window would
     * stop every `up`; rotation adds a new named anchor instead.
     */
    private generateTrustAnchors(
        name: string,
        spec: {
            readonly trusted: readonly string[];
            readonly signing: string;
            readonly validityHours: number;
            readonly trustDomain: string;
            readonly namespaceName: string;
        },
        opts: pulumi.ComponentResourceOptions | undefined,
    ): {
        keys: Record<string, tls.PrivateKey>;
        anchors: Record<string, tls.SelfSignedCert>;
        bundle: pulumi.Output<string>;
        secret: k8s.core.v1.Secret;
    } {
        const keep = { protect: true, retainOnDelete: true };
        const keys: Record<string, tls.PrivateKey> = {};
        const anchors: Record<string, tls.SelfSignedCert> = {};
        for (const id of spec.trusted) {
            keys[id] = new tls.PrivateKey(
                `${name}-trust-anchor-${id}-key`,
                { algorithm: "ECDSA", ecdsaCurve: "P256" },
                childOptions(this, opts, {
                    ...keep,
                    additionalSecretOutputs: [
                        "privateKeyPem",
                        "privateKeyPemPkcs8",
                        "privateKeyOpenssh",
                    ],
                }),
            );
            anchors[id] = new tls.SelfSignedCert(
                `${name}-trust-anchor-${id}`,
                {
                    privateKeyPem: keys[id].privateKeyPem,
                    isCaCertificate: true,
                    validityPeriodHours: spec.validityHours,
                    allowedUses: ["cert_signing", "crl_signing"],
                    subject: {
                        commonName: `root.linkerd.${spec.trustDomain}`,
                        organizationalUnit: id,
                    },
                },
                childOptions(this, opts, keep),
            );
        }
        // Only certificates (public) go into the bundle the chart receives.
        const bundle = pulumi
            .all(spec.trusted.map((id) => anchors[id].certPem))
            .apply((pems) => pems.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join(""));
        const secret = new k8s.core.v1.Secret(
            `${name}-trust-anchor-secret`,
            renderTlsSecret(
                linkerdObjectNames.trustAnchorSecret,
                spec.namespaceName,
                {
                    certificate: pulumi.secret(anchors[spec.signing].certPem),
                    privateKey: pulumi.secret(keys[spec.signing].privateKeyPem),
                },
                linkerdLabels,
            ),
            childOptions(this, opts, { dependsOn: [this.namespace] }),
        );
        return { keys, anchors, bundle, secret };
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
        kubernetesVersion: settings.kubernetesVersion,
        certManager,
        charts: settings.charts,
        images: settings.images,
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
