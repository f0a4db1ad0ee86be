import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { PlatformSettings } from "../platform/settings";
import type { ImagesSettings } from "../shared/settings";
import { pinImage, ResolvedChart } from "../shared/chart-source";
import { helmArgsFromSettings, HelmComponentArgs, HelmInstaller } from "../shared/helm-component";
import { createCaSecret, createProtectedCa, ProtectedCa } from "./ca";
import {
    caSecretName,
    certManagerAppVersion,
    certManagerChart,
    certManagerImages,
    certManagerReleaseName,
} from "./defaults";
import {
    CaSource,
    caSourceOf,
    certManagerLabels,
    ExternalCa,
    imageReference,
    renderCaIssuer,
    renderCertManagerNamespace,
    renderCertManagerValues,
    RepositoryImage,
} from "./render";
import { CertManagerConfig, certManagerConfig } from "./validate";

export { renderCertificate } from "./render";
export type { CaSource, CertificateSpec, ExternalCa } from "./render";

/** The internal CA's root certificate of {@link CertManagerArgs}. */
export interface CertManagerCaArgs {
    /** Subject common name. @default "Sovereign Contour Internal CA" */
    readonly commonName?: string;
    /** Subject organization. @default "Sovereign Contour" */
    readonly organization?: string;
    /** ECDSA curve of the root key. @default "P384" */
    readonly ecdsaCurve?: "P256" | "P384";
    /** Validity of the root certificate in hours. @default 87600 (10 years) */
    readonly validityHours?: number;
}

/** Arguments of {@link CertManager}. */
export interface CertManagerArgs extends HelmComponentArgs {
    /** Namespace cert-manager runs in; created by the component. @default "cert-manager" */
    readonly namespace?: string;
    /** Replicas of the controller, webhook and cainjector. @default 3 */
    readonly replicas?: number;
    /** Create a ServiceMonitor (needs the Prometheus Operator CRDs). @default false */
    readonly serviceMonitor?: boolean;
    /**
     * Name of the internal CA's ClusterIssuer (not with `externalCa.issuer`, which names the
     * site's). @default "sovereign-internal-ca"
     */
    readonly clusterIssuerName?: string;
    /** The generated internal CA's root certificate (not with `externalCa`). @default ECDSA P-384, 10 years */
    readonly ca?: CertManagerCaArgs;
    /**
     * Bring your own CA: the site's CA in an existing Secret, or the site's ClusterIssuer, instead
     * of a CA generated with @pulumi/tls. No key material then enters the program or its state.
     * @default undefined (the program generates the CA)
     */
    readonly externalCa?: ExternalCa;
}

/** `quay.io/jetstack/x` at the app version through the mirror: repository, tag and recorded digest. */
function chartImage(repository: string, images: ImagesSettings): RepositoryImage {
    const pinned = pinImage(`${repository}:${certManagerAppVersion}`, images);
    return {
        repository: pinned.repository,
        tag: pinned.tag,
        ...(pinned.digest !== undefined ? { digest: pinned.digest } : {}),
    };
}

/**
 * cert-manager and the platform's internal CA (runtime layer). The chart is installed into its own
 * restricted namespace with its CRDs. By default the CA's key and self-signed root come from
 * @pulumi/tls, stay Pulumi secrets, are protected from deletion and retained when removed, and
 * reach the cluster only as a `kubernetes.io/tls` Secret behind a CA ClusterIssuer. With
 * `externalCa` the site brings its own CA: the ClusterIssuer signs with the site's existing Secret
 * (`secret`), or the site's own ClusterIssuer issues every platform certificate (`issuer`); either
 * way the program generates no key and holds none. The issuer waits for the chart (the webhook
 * ready with its CA bundle) and reports Ready before anything depends on it.
 */
export class CertManager extends pulumi.ComponentResource {
    /** Where the chart came from (for the mirroring list and the report). */
    readonly chart: ResolvedChart;
    /** Every chart the component installs. */
    readonly charts: ResolvedChart[];
    /** Every image the component deploys or names, after mirroring, with its digest when recorded. */
    readonly images: string[];
    /** The namespace name. */
    readonly namespaceName: string;
    /** The namespace cert-manager runs in. */
    readonly namespace: k8s.core.v1.Namespace;
    /** The cert-manager chart. */
    readonly release: k8s.helm.v4.Chart;
    /** Where the internal CA comes from: generated, the site's Secret or the site's issuer. */
    readonly caSource: CaSource;
    /** The internal CA's private key (protected; a Pulumi secret). Generated CA only. */
    readonly caKey?: tls.PrivateKey;
    /** The internal CA's self-signed root certificate (protected). Generated CA only. */
    readonly caCertificate?: tls.SelfSignedCert;
    /** The root certificate (PEM; public). Generated CA only. */
    readonly caCertificatePem?: pulumi.Output<string>;
    /** When the root certificate expires (RFC 3339). Generated CA only. */
    readonly caValidUntil?: pulumi.Output<string>;
    /** The Secret the program created for the ClusterIssuer. Generated CA only. */
    readonly caSecret?: k8s.core.v1.Secret;
    /**
     * The ClusterIssuer every platform certificate names: the program's CA ClusterIssuer, or the
     * site's (`externalCa.issuer`).
     */
    readonly clusterIssuerName: string;
    /** The program's CA ClusterIssuer; none when the site's issuer is used (`externalCa.issuer`). */
    readonly clusterIssuer?: k8s.apiextensions.CustomResource;
    /**
     * What the layers above wait for: the CA ClusterIssuer (Ready), or, when the site's issuer is
     * used, the chart (each certificate then waits for its own Ready condition).
     */
    readonly ready: pulumi.Resource;

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:runtime:CertManager", name, {}, opts);
        const config = certManagerConfig(args, this);
        this.caSource = caSourceOf(args.externalCa);
        const helm = new HelmInstaller(this, name, args, opts);
        this.chart = helm.chart(certManagerChart);
        this.charts = helm.charts;
        const chartImages = helm.mirror(certManagerImages, chartImage, imageReference);
        this.images = helm.images;
        this.namespaceName = config.namespace;
        this.clusterIssuerName = config.clusterIssuerName;
        ({ namespace: this.namespace, release: this.release } = helm.install(
            this.chart,
            renderCertManagerNamespace(config.namespace, args.kubernetesVersion),
            {
                name: certManagerReleaseName,
                namespace: config.namespace,
                values: renderCertManagerValues({
                    namespace: config.namespace,
                    replicas: config.replicas,
                    serviceMonitor: config.serviceMonitor,
                    images: chartImages,
                }),
            },
        ));

        if (this.caSource === "generated") {
            const generated = generateInternalCa(helm, config, this.namespace);
            this.caKey = generated.key;
            this.caCertificate = generated.certificate;
            this.caCertificatePem = generated.certificate.certPem;
            this.caValidUntil = generated.certificate.validityEndTime;
            this.caSecret = generated.secret;
        }
        // The issuer needs cert-manager's CRDs and a webhook that answers: it waits for the chart
        // (whose webhook configurations wait for their CA bundle), then for its own Ready condition.
        // With the site's Secret it waits for nothing more: the Secret exists before `up`, and a
        // missing or malformed one keeps the issuer from Ready, which fails the update.
        if (this.caSource !== "issuer") {
            this.clusterIssuer = new k8s.apiextensions.CustomResource(
                `${name}-cluster-issuer`,
                renderCaIssuer(
                    "ClusterIssuer",
                    this.clusterIssuerName,
                    args.externalCa?.secret?.name ?? caSecretName,
                    certManagerLabels,
                ) as k8s.apiextensions.CustomResourceArgs,
                helm.options({
                    dependsOn: [
                        this.release,
                        ...(this.caSecret !== undefined ? [this.caSecret] : []),
                    ],
                }),
            );
        }
        this.ready = this.clusterIssuer ?? this.release;

        this.registerOutputs({
            ...helm.chartOutputs(config.namespace),
            clusterIssuer: this.clusterIssuerName,
            caSource: this.caSource,
            ...(this.caCertificatePem !== undefined
                ? { caCertificatePem: this.caCertificatePem, caValidUntil: this.caValidUntil }
                : {}),
        });
    }
}

/**
 * The generated internal CA (ECDSA, its subject and validity from `certManager.ca`) and the
 * `kubernetes.io/tls` Secret in cert-manager's namespace that the CA ClusterIssuer signs with.
 */
function generateInternalCa(
    helm: HelmInstaller,
    config: CertManagerConfig,
    namespace: k8s.core.v1.Namespace,
): ProtectedCa & { readonly secret: k8s.core.v1.Secret } {
    const ca = createProtectedCa(helm, {
        keyName: `${helm.name}-ca-key`,
        certificateName: `${helm.name}-ca-cert`,
        ecdsaCurve: config.ca.ecdsaCurve,
        validityHours: config.ca.validityHours,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        subject: { commonName: config.ca.commonName, organization: config.ca.organization },
    });
    const secret = createCaSecret(
        helm,
        `${helm.name}-ca-secret`,
        ca,
        { secretName: caSecretName, namespace: config.namespace, labels: certManagerLabels },
        namespace,
    );
    return { ...ca, secret };
}

/** The cert-manager arguments a stack's settings give (the component's settings are `certManager`). */
export function certManagerArgsFromSettings(settings: PlatformSettings): CertManagerArgs {
    const c = settings.certManager;
    return {
        ...helmArgsFromSettings(settings),
        namespace: c.namespace,
        replicas: c.replicas,
        serviceMonitor: c.serviceMonitor,
        ...(c.clusterIssuerName !== undefined ? { clusterIssuerName: c.clusterIssuerName } : {}),
        ...(c.ca !== undefined ? { ca: c.ca } : {}),
        ...(c.externalCa !== undefined ? { externalCa: c.externalCa } : {}),
    };
}
