/**
 * The parts of the Linkerd component besides its namespaces: the generated trust anchors, the
 * mesh's certificates (trust anchor issuer, identity issuer, webhook serving certificates) and
 * the control-plane chart. Each creates its children through the component's {@link HelmInstaller}
 * (parented to the component, named `${name}-<role>`).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type * as tls from "@pulumi/tls";
import { createCaSecret, createProtectedCa } from "../cert-manager/ca";
import { renderCaIssuer } from "../cert-manager/render";
import type { ResolvedChart } from "../shared/chart-source";
import type { HelmInstaller } from "../shared/helm-component";
import {
    linkerdDefaults,
    linkerdObjectNames,
    linkerdReleaseNames,
    linkerdVersion,
} from "./defaults";
import type { LinkerdArgs } from "./index";
import {
    ExternalTrustAnchor,
    linkerdLabels,
    linkerdWebhooks,
    NamedImage,
    renderCniValues,
    renderControlPlaneValues,
    renderIdentityIssuerCertificate,
    renderWebhookCertificate,
    trustAnchorBundle,
} from "./render";
import type { LinkerdConfig } from "./validate";

/** The trust anchors the chart receives, and the generated ones' keys, certificates and Secret. */
export interface TrustAnchors {
    /** Private keys of the generated anchors by name (protected; Pulumi secrets); none when external. */
    readonly keys: Record<string, tls.PrivateKey>;
    /** Self-signed certificates of the generated anchors by name (protected); none when external. */
    readonly anchors: Record<string, tls.SelfSignedCert>;
    /** Every trusted anchor's certificate (PEM, oldest first; public): what the chart receives. */
    readonly bundle: pulumi.Output<string>;
    /** The signing anchor's certificate and key, for the CA Issuer; generated anchors only. */
    readonly secret?: k8s.core.v1.Secret;
}

/**
 * The trust anchors: the site's (`external`; only their certificates, which are public, enter the
 * program), or generated ones. Linkerd requires ECDSA P-256. protect: replacing or dropping a
 * generated anchor outside the rotation procedure (docs/runbooks/linkerd-trust-anchor-rotation.md)
 * breaks every mesh connection; retainOnDelete: removing one keeps it in the state history. No
 * earlyRenewalHours: a protected certificate cannot be replaced, so a renewal window would
 * stop every `up`; rotation adds a new named anchor instead.
 */
export function createTrustAnchors(
    helm: HelmInstaller,
    config: LinkerdConfig,
    external: ExternalTrustAnchor | undefined,
    namespace: k8s.core.v1.Namespace,
): TrustAnchors {
    if (external !== undefined) {
        return {
            keys: {},
            anchors: {},
            bundle: pulumi.output(trustAnchorBundle(external.certificates)),
        };
    }
    const keys: Record<string, tls.PrivateKey> = {};
    const anchors: Record<string, tls.SelfSignedCert> = {};
    for (const id of config.trusted) {
        const ca = createProtectedCa(helm, {
            keyName: `${helm.name}-trust-anchor-${id}-key`,
            certificateName: `${helm.name}-trust-anchor-${id}`,
            ecdsaCurve: "P256",
            validityHours: config.validityHours,
            allowedUses: ["cert_signing", "crl_signing"],
            subject: { commonName: `root.linkerd.${config.trustDomain}`, organizationalUnit: id },
        });
        keys[id] = ca.key;
        anchors[id] = ca.certificate;
    }
    // Only certificates (public) go into the bundle the chart receives.
    const bundle = pulumi
        .all(config.trusted.map((id) => anchors[id].certPem))
        .apply((pems) => pems.map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join(""));
    const secret = createCaSecret(
        helm,
        `${helm.name}-trust-anchor-secret`,
        { key: keys[config.signing], certificate: anchors[config.signing] },
        {
            secretName: linkerdObjectNames.trustAnchorSecret,
            namespace: config.namespace,
            labels: linkerdLabels,
        },
        namespace,
    );
    return { keys, anchors, bundle, secret };
}

/** The mesh's cert-manager objects. */
export interface MeshCertificates {
    /** The program's CA Issuer signing the identity issuer; none with the site's issuer. */
    readonly trustAnchorIssuer?: k8s.apiextensions.CustomResource;
    /** The identity issuer Certificate. */
    readonly identityIssuer: k8s.apiextensions.CustomResource;
    /** The webhooks' serving Certificates by service name. */
    readonly webhookCertificates: Record<string, k8s.apiextensions.CustomResource>;
}

/**
 * The identity issuer Certificate, signed by the program's CA Issuer (over the generated anchor's
 * Secret or the site's) or by the site's own issuer, and the webhooks' serving Certificates from
 * the platform CA. Issuers and certificates need cert-manager's CRDs and webhook: they wait for the
 * whole cert-manager component, then each for its own Ready condition. With the site's Secret
 * nothing else: it exists before `up`, and a missing or malformed one keeps the issuer from Ready,
 * which fails the update.
 */
export function createMeshCertificates(
    helm: HelmInstaller,
    config: LinkerdConfig,
    external: ExternalTrustAnchor | undefined,
    namespace: k8s.core.v1.Namespace,
    trustAnchorSecret: k8s.core.v1.Secret | undefined,
): MeshCertificates {
    const certManager = config.certManager;
    const trustAnchorIssuer =
        external?.issuer !== undefined
            ? undefined
            : new k8s.apiextensions.CustomResource(
                  `${helm.name}-trust-anchor-issuer`,
                  renderCaIssuer(
                      "Issuer",
                      linkerdObjectNames.trustAnchorIssuer,
                      external?.secret?.name ?? linkerdObjectNames.trustAnchorSecret,
                      linkerdLabels,
                      config.namespace,
                  ) as k8s.apiextensions.CustomResourceArgs,
                  helm.options({
                      dependsOn: [certManager, trustAnchorSecret ?? namespace],
                  }),
              );
    const identityIssuer = new k8s.apiextensions.CustomResource(
        `${helm.name}-identity-issuer`,
        renderIdentityIssuerCertificate({
            namespace: config.namespace,
            trustDomain: config.trustDomain,
            duration: config.duration,
            renewBefore: config.renewBefore,
            ...(external?.issuer !== undefined
                ? { issuer: { kind: external.issuer.kind, name: external.issuer.name } }
                : {}),
        }) as k8s.apiextensions.CustomResourceArgs,
        helm.options({
            dependsOn:
                trustAnchorIssuer !== undefined ? [trustAnchorIssuer] : [certManager, namespace],
        }),
    );
    const webhookCertificates: Record<string, k8s.apiextensions.CustomResource> = {};
    for (const webhook of linkerdWebhooks) {
        webhookCertificates[webhook.service] = new k8s.apiextensions.CustomResource(
            `${helm.name}-webhook-cert-${webhook.service.replace(/^linkerd-/, "")}`,
            renderWebhookCertificate(
                webhook.service,
                config.namespace,
                certManager.clusterIssuerName,
            ) as k8s.apiextensions.CustomResourceArgs,
            helm.options({ dependsOn: [certManager, namespace] }),
        );
    }
    return {
        ...(trustAnchorIssuer !== undefined ? { trustAnchorIssuer } : {}),
        identityIssuer,
        webhookCertificates,
    };
}

/**
 * The `linkerd2-cni` chart in the CNI plugin's namespace, once that namespace and its
 * NetworkPolicies exist.
 */
export function installCni(
    helm: HelmInstaller,
    chart: ResolvedChart,
    args: LinkerdArgs,
    config: LinkerdConfig,
    image: NamedImage,
    namespace: k8s.core.v1.Namespace,
): k8s.helm.v4.Chart {
    return helm.release(
        "cni",
        chart,
        {
            name: linkerdReleaseNames.cni,
            namespace: config.cniNamespace,
            values: renderCniValues(image),
        },
        [namespace, ...(args.cniNetworkPolicies !== undefined ? [args.cniNetworkPolicies] : [])],
    );
}

/**
 * The `linkerd-control-plane` chart, with the trusted anchors' certificates (never a key) in its
 * values. It mounts the identity issuer and webhook Secrets and its pods need the CNI plugin on
 * the node: it waits, after its namespace and the namespace's NetworkPolicies, for everything in
 * `after`.
 */
export function installControlPlane(
    helm: HelmInstaller,
    chart: ResolvedChart,
    args: LinkerdArgs,
    config: LinkerdConfig,
    input: {
        readonly images: Readonly<Record<"controller" | "proxy" | "debug", NamedImage>>;
        readonly trustAnchorPem: pulumi.Output<string>;
        readonly namespace: k8s.core.v1.Namespace;
        readonly after: pulumi.Resource[];
    },
): k8s.helm.v4.Chart {
    const d = linkerdDefaults;
    const valuesInput = {
        namespace: config.namespace,
        trustDomain: config.trustDomain,
        linkerdVersion,
        highAvailability: args.highAvailability ?? d.highAvailability,
        injectorFailurePolicy: args.injectorFailurePolicy ?? d.injectorFailurePolicy,
        defaultInboundPolicy: args.defaultInboundPolicy ?? d.defaultInboundPolicy,
        podMonitor: args.podMonitor ?? d.podMonitor,
        injectorExcludedNamespaces: [
            ...new Set([
                ...(args.injectorExcludedNamespaces ?? d.injectorExcludedNamespaces),
                config.namespace,
                config.cniNamespace,
            ]),
        ].sort(),
        images: {
            controller: input.images.controller,
            proxy: input.images.proxy,
            debug: input.images.debug,
        },
    };
    return helm.release(
        "control-plane",
        chart,
        {
            name: linkerdReleaseNames.controlPlane,
            namespace: config.namespace,
            values: input.trustAnchorPem.apply((pem) =>
                renderControlPlaneValues({ ...valuesInput, trustAnchorPem: pem }),
            ),
        },
        [input.namespace, ...helm.gate, ...input.after],
    );
}
