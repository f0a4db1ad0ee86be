import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { PlatformSettings } from "../../stacks/schema";
import type { ChartsSettings, ImagesSettings } from "../../stacks/sections/sources";
import { pinImage, resolveChart, ResolvedChart } from "../shared/chart-source";
import { chartRelease } from "../shared/chart-release";
import { formatIssues } from "../shared/issues";
import { childOptions } from "../shared/options";
import {
    caSecretName,
    certManagerAppVersion,
    certManagerChart,
    certManagerDefaults,
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
    renderTlsSecret,
    RepositoryImage,
    validateCaSource,
} from "./render";

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
export interface CertManagerArgs {
    /** Target Kubernetes minor version (pinned in the namespace's Pod Security labels). */
    readonly kubernetesVersion: string;
    /** Chart sources (`charts` settings): upstream by default, a mirror or a local chart. @default {} */
    readonly charts?: ChartsSettings;
    /** Image mirror and digests (`images` settings). @default {} (upstream registries, no digest) */
    readonly images?: ImagesSettings;
    /** Namespace cert-manager runs in; created by the component. @default "cert-manager" */
    readonly namespace?: string;
    /**
     * What the chart's pods wait for besides the namespace: the namespace's NetworkPolicies
     * (PlatformNetwork), which can exist only once this component has created the namespace, hence
     * an Input (the platform passes a promise). @default nothing
     */
    readonly networkPolicies?: pulumi.Input<pulumi.Resource>;
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

/** `quay.io/jetstack/x:v1` through the mirror, as a repository, a tag and its recorded digest. */
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
        const d = certManagerDefaults;
        const namespaceName = args.namespace ?? d.namespace;
        const replicas = args.replicas ?? d.replicas;
        const ca = { ...d.ca, ...dropUndefined(args.ca ?? {}) };
        if (!Number.isInteger(replicas) || replicas < 1) {
            throw new pulumi.ResourceError(
                `certManager.replicas is ${replicas}; expected a whole number of at least 1`,
                this,
            );
        }
        if (!Number.isInteger(ca.validityHours) || ca.validityHours < 8760) {
            throw new pulumi.ResourceError(
                `certManager.ca.validityHours is ${ca.validityHours}; expected at least 8760 ` +
                    "hours (one year) for a CA certificate",
                this,
            );
        }
        const caIssues = validateCaSource({
            namespace: namespaceName,
            ...(args.ca !== undefined ? { ca: args.ca } : {}),
            ...(args.clusterIssuerName !== undefined
                ? { clusterIssuerName: args.clusterIssuerName }
                : {}),
            ...(args.externalCa !== undefined ? { externalCa: args.externalCa } : {}),
        });
        if (caIssues.length > 0) {
            throw new pulumi.ResourceError(
                formatIssues("certManager: invalid CA source", caIssues, args),
                this,
            );
        }
        this.caSource = caSourceOf(args.externalCa);
        const images = args.images ?? {};
        this.chart = resolveChart(certManagerChart, args.charts ?? { overrides: {} });
        this.charts = [this.chart];
        const chartImages = {
            controller: chartImage(certManagerImages.controller, images),
            webhook: chartImage(certManagerImages.webhook, images),
            cainjector: chartImage(certManagerImages.cainjector, images),
            acmesolver: chartImage(certManagerImages.acmesolver, images),
            startupapicheck: chartImage(certManagerImages.startupapicheck, images),
        };
        this.images = Object.values(chartImages).map(imageReference);
        this.namespaceName = namespaceName;
        this.clusterIssuerName =
            args.externalCa?.issuer?.name ?? args.clusterIssuerName ?? d.clusterIssuerName;

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            renderCertManagerNamespace(namespaceName, args.kubernetesVersion),
            childOptions(this, opts),
        );
        this.release = chartRelease(
            `${name}-chart`,
            this.chart,
            {
                name: certManagerReleaseName,
                namespace: namespaceName,
                values: renderCertManagerValues({
                    namespace: namespaceName,
                    replicas,
                    serviceMonitor: args.serviceMonitor ?? d.serviceMonitor,
                    images: chartImages,
                }),
            },
            childOptions(this, opts, {
                dependsOn: [
                    this.namespace,
                    ...(args.networkPolicies !== undefined ? [args.networkPolicies] : []),
                ],
            }),
        );

        if (this.caSource === "generated") {
            const generated = this.generateCa(name, ca, namespaceName, opts);
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
                childOptions(this, opts, {
                    dependsOn: [
                        this.release,
                        ...(this.caSecret !== undefined ? [this.caSecret] : []),
                    ],
                }),
            );
        }
        this.ready = this.clusterIssuer ?? this.release;

        this.registerOutputs({
            chart: this.chart.name,
            version: this.chart.version,
            images: this.images,
            namespace: namespaceName,
            clusterIssuer: this.clusterIssuerName,
            caSource: this.caSource,
            ...(this.caCertificatePem !== undefined
                ? { caCertificatePem: this.caCertificatePem, caValidUntil: this.caValidUntil }
                : {}),
        });
    }

    /**
     * The generated internal CA. protect: deleting or replacing the key invalidates every
     * certificate it signed; retainOnDelete: even an explicit removal leaves the key in the state
     * history.
     */
    private generateCa(
        name: string,
        ca: Required<CertManagerCaArgs>,
        namespaceName: string,
        opts: pulumi.ComponentResourceOptions | undefined,
    ): { key: tls.PrivateKey; certificate: tls.SelfSignedCert; secret: k8s.core.v1.Secret } {
        const keep = { protect: true, retainOnDelete: true };
        const key = new tls.PrivateKey(
            `${name}-ca-key`,
            { algorithm: "ECDSA", ecdsaCurve: ca.ecdsaCurve },
            childOptions(this, opts, {
                ...keep,
                additionalSecretOutputs: [
                    "privateKeyPem",
                    "privateKeyPemPkcs8",
                    "privateKeyOpenssh",
                ],
            }),
        );
        const certificate = new tls.SelfSignedCert(
            `${name}-ca-cert`,
            {
                privateKeyPem: key.privateKeyPem,
                isCaCertificate: true,
                // No earlyRenewalHours: a protected certificate cannot be replaced, so a renewal
                // window would stop every `up`; replacing the root is a planned operation.
                validityPeriodHours: ca.validityHours,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
                subject: { commonName: ca.commonName, organization: ca.organization },
            },
            childOptions(this, opts, keep),
        );
        const secret = new k8s.core.v1.Secret(
            `${name}-ca-secret`,
            renderTlsSecret(
                caSecretName,
                namespaceName,
                {
                    certificate: pulumi.secret(certificate.certPem),
                    privateKey: pulumi.secret(key.privateKeyPem),
                },
                certManagerLabels,
            ),
            childOptions(this, opts, { dependsOn: [this.namespace] }),
        );
        return { key, certificate, secret };
    }
}

/** The cert-manager arguments a stack's settings give (the component's settings are `certManager`). */
export function certManagerArgsFromSettings(settings: PlatformSettings): CertManagerArgs {
    const c = settings.certManager;
    return {
        kubernetesVersion: settings.kubernetesVersion,
        charts: settings.charts,
        images: settings.images,
        namespace: c.namespace,
        replicas: c.replicas,
        serviceMonitor: c.serviceMonitor,
        ...(c.clusterIssuerName !== undefined ? { clusterIssuerName: c.clusterIssuerName } : {}),
        ...(c.ca !== undefined ? { ca: c.ca } : {}),
        ...(c.externalCa !== undefined ? { externalCa: c.externalCa } : {}),
    };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
    return Object.fromEntries(
        Object.entries(value).filter(([, v]) => v !== undefined),
    ) as Partial<T>;
}
