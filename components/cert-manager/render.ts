/**
 * Pure render functions of the cert-manager component: settings in, plain objects out (the
 * namespace, the chart's values, the CA Secret, issuers and certificates). No resources are
 * created here. {@link renderCertificate} is the one way the platform writes a cert-manager
 * Certificate, so every one of them rotates its private key on renewal.
 */
import { ownerLabel, platformOwner } from "../../contract/labels";
import { serviceAccountTokenReasonAnnotation } from "../../contract/annotations";
import type { SpecIssue } from "../shared/issues";
import { platformLabels, podSecurityLabels } from "../shared/labels";
import { certManagerReleaseName, certManagerResources } from "./defaults";

/** Labels on every object this component renders itself. */
export const certManagerLabels = platformLabels("cert-manager");

/** Readiness gate of a cert-manager issuer or certificate: its `Ready` condition. */
export const readyAnnotation = { "pulumi.com/waitFor": "condition=Ready" } as const;

/**
 * Readiness gate of cert-manager's webhook configurations: the cainjector has written the CA
 * bundle. Until then the API server cannot call the webhook (failurePolicy Fail), so issuers and
 * certificates created earlier would be rejected.
 */
export const caBundleAnnotation = {
    "pulumi.com/waitFor": "jsonpath={.webhooks[0].clientConfig.caBundle}",
} as const;

/**
 * The namespace cert-manager runs in: Pod Security `restricted` (every cert-manager pod meets it),
 * and never meshed: the webhook must answer the API server before the mesh exists.
 */
export function renderCertManagerNamespace(
    name: string,
    kubernetesVersion: string,
): {
    metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
} {
    return {
        metadata: {
            name,
            labels: {
                ...certManagerLabels,
                [ownerLabel]: platformOwner,
                ...podSecurityLabels("restricted", kubernetesVersion),
                "config.linkerd.io/admission-webhooks": "disabled",
            },
            annotations: { "linkerd.io/inject": "disabled" },
        },
    };
}

/**
 * An image as the chart's values take it: the full repository (mirrored), the tag and the digest
 * when one is recorded (the chart then renders `repository:tag@digest`).
 */
export interface RepositoryImage {
    readonly repository: string;
    readonly tag: string;
    readonly digest?: string;
}

/** The reference a pod names for a chart image: `repository:tag`, with `@digest` when pinned. */
export function imageReference(image: RepositoryImage): string {
    return `${image.repository}:${image.tag}${image.digest !== undefined ? `@${image.digest}` : ""}`;
}

/** The chart's `image` values of one component: repository, tag and (when pinned) digest. */
function imageValues(image: RepositoryImage): Record<string, unknown> {
    return {
        repository: image.repository,
        tag: image.tag,
        ...(image.digest !== undefined ? { digest: image.digest } : {}),
        pullPolicy: "IfNotPresent",
    };
}

/** Why each cert-manager Deployment mounts a service-account token, by component. */
export const certManagerTokenReasons = {
    controller:
        "reconciles Certificates, Issuers and CertificateRequests: reads and writes them, their " +
        "Secrets and its leader-election Lease through the Kubernetes API",
    webhook:
        "keeps its serving CA in the Secret cert-manager-webhook-ca and checks who may approve " +
        "CertificateRequests with SubjectAccessReviews, through the Kubernetes API",
    cainjector:
        "injects CA bundles: watches Certificates and Secrets and patches webhook configurations " +
        "and CRDs through the Kubernetes API",
} as const;

/** Inputs of {@link renderCertManagerValues}. */
export interface CertManagerValuesInput {
    /** The namespace the chart is installed into (also the leader-election namespace). */
    readonly namespace: string;
    /** Replicas of the controller, webhook and cainjector. */
    readonly replicas: number;
    readonly serviceMonitor: boolean;
    readonly images: {
        readonly controller: RepositoryImage;
        readonly webhook: RepositoryImage;
        readonly cainjector: RepositoryImage;
        readonly acmesolver: RepositoryImage;
        /** The startup API check of the hook Job Chart v4 never renders. */
        readonly startupapicheck: RepositoryImage;
    };
}

/** The pod security context of every cert-manager pod: Pod Security `restricted`. */
const restrictedPod = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };

/** The container security context of every cert-manager container: Pod Security `restricted`. */
const restrictedContainer = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: true,
};

/** Hardened Helm values of the cert-manager chart (pure). */
export function renderCertManagerValues(input: CertManagerValuesInput): Record<string, unknown> {
    const ha = input.replicas > 1;
    const component = (
        role: "controller" | "webhook" | "cainjector",
        image: RepositoryImage,
    ): Record<string, unknown> => ({
        replicaCount: input.replicas,
        // A single replica cannot keep one pod through a drain; its budget would block the drain.
        podDisruptionBudget: ha ? { enabled: true, minAvailable: 1 } : { enabled: false },
        image: imageValues(image),
        // Each Deployment calls the API server: the token is mounted explicitly and the reason is
        // on the pod template.
        automountServiceAccountToken: true,
        podAnnotations: { [serviceAccountTokenReasonAnnotation]: certManagerTokenReasons[role] },
        securityContext: structuredClone(restrictedPod),
        containerSecurityContext: structuredClone(restrictedContainer),
        resources: structuredClone(certManagerResources[role]),
        topologySpreadConstraints: ha
            ? [
                  {
                      maxSkew: 1,
                      topologyKey: "kubernetes.io/hostname",
                      whenUnsatisfiable: "ScheduleAnyway",
                      labelSelector: {
                          matchLabels: {
                              "app.kubernetes.io/instance": certManagerReleaseName,
                              "app.kubernetes.io/component": role,
                          },
                      },
                  },
              ]
            : [],
    });
    return {
        // CRDs are chart objects, managed deliberately: installed and upgraded with the chart, and
        // `keep` (which Chart v4 turns into retainOnDelete) means removing the component never
        // deletes them, which would garbage-collect every Certificate and Issuer in the cluster.
        crds: { enabled: true, keep: true },
        global: {
            // Leader election in cert-manager's own namespace: no Roles in kube-system.
            leaderElection: { namespace: input.namespace },
            logLevel: 2,
        },
        ...component("controller", input.images.controller),
        enableCertificateOwnerRef: false,
        prometheus: {
            enabled: true,
            servicemonitor: { enabled: input.serviceMonitor },
        },
        webhook: {
            ...component("webhook", input.images.webhook),
            hostNetwork: false,
            // Chart v4 waits for each object it renders; these annotations make it wait until the
            // cainjector has put the CA bundle into both webhook configurations.
            validatingWebhookConfigurationAnnotations: { ...caBundleAnnotation },
            mutatingWebhookConfigurationAnnotations: { ...caBundleAnnotation },
        },
        cainjector: { enabled: true, ...component("cainjector", input.images.cainjector) },
        acmesolver: { image: imageValues(input.images.acmesolver) },
        // Helm hooks never run under Chart v4 (it renders with hooks disabled). The chart's only
        // hook is the post-install `startupapicheck` Job (with its ServiceAccount, Role and
        // RoleBinding), which waits until the webhook accepts cert-manager resources. It is
        // switched off, and its job is done another way: Pulumi waits for the Deployments to be
        // ready and for the webhook configurations to carry their CA bundle (annotations above),
        // every issuer depends on the chart, and every issuer and certificate waits for its own
        // Ready condition.
        // Its image still points at the mirror and its digest, so no chart value names an
        // unpinned upstream image.
        startupapicheck: { enabled: false, image: imageValues(input.images.startupapicheck) },
        // cert-manager has no telemetry or version check; the only outbound calls would be ACME
        // and DNS-01 for ACME issuers, which the platform does not create.
    };
}

/**
 * A Secret of type `kubernetes.io/tls` (pure). Generic over the value type so the component
 * passes Pulumi secrets and tests pass strings.
 */
export function renderTlsSecret<T>(
    name: string,
    namespace: string,
    data: { readonly certificate: T; readonly privateKey: T },
    labels: Record<string, string>,
): {
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    type: string;
    stringData: Record<string, T>;
} {
    return {
        metadata: { name, namespace, labels: { ...labels } },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": data.certificate, "tls.key": data.privateKey },
    };
}

/** A CA issuer backed by a TLS Secret: a `ClusterIssuer`, or an `Issuer` in `namespace` (pure). */
export function renderCaIssuer(
    kind: "ClusterIssuer" | "Issuer",
    name: string,
    secretName: string,
    labels: Record<string, string>,
    namespace?: string,
): Record<string, unknown> {
    return {
        apiVersion: "cert-manager.io/v1",
        kind,
        metadata: {
            name,
            ...(kind === "Issuer" ? { namespace } : {}),
            labels: { ...labels },
            annotations: { ...readyAnnotation },
        },
        spec: { ca: { secretName } },
    };
}

/** What a platform Certificate is. */
export interface CertificateSpec {
    readonly name: string;
    readonly namespace: string;
    readonly secretName: string;
    readonly commonName: string;
    readonly dnsNames: readonly string[];
    readonly isCA: boolean;
    /** Lifetime and renewal, as cert-manager durations (`48h0m0s`). */
    readonly duration: string;
    readonly renewBefore: string;
    /** ECDSA key size (curve): 256 (P-256) or 384 (P-384). */
    readonly keySize: 256 | 384;
    readonly usages: readonly string[];
    readonly issuer: { readonly kind: "ClusterIssuer" | "Issuer"; readonly name: string };
    readonly labels: Record<string, string>;
}

/**
 * A cert-manager Certificate (pure). The private key is always ECDSA and always regenerated on
 * renewal (`rotationPolicy: Always`, set explicitly: the default was `Never` before cert-manager
 * 1.18), so a renewal never extends the life of a key that may have leaked.
 */
export function renderCertificate(spec: CertificateSpec): Record<string, unknown> {
    return {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: {
            name: spec.name,
            namespace: spec.namespace,
            labels: { ...spec.labels },
            annotations: { ...readyAnnotation },
        },
        spec: {
            secretName: spec.secretName,
            secretTemplate: { labels: { ...spec.labels } },
            commonName: spec.commonName,
            dnsNames: [...spec.dnsNames],
            isCA: spec.isCA,
            duration: spec.duration,
            renewBefore: spec.renewBefore,
            privateKey: { algorithm: "ECDSA", size: spec.keySize, rotationPolicy: "Always" },
            usages: [...spec.usages],
            issuerRef: { group: "cert-manager.io", kind: spec.issuer.kind, name: spec.issuer.name },
        },
    };
}

/**
 * The internal CA when the site brings its own (`certManager.externalCa`): exactly one of an
 * existing Secret or an existing issuer. Either way no CA key is generated by the program, none is
 * in the Pulumi state, and none passes through it: the program only names the object.
 */
export interface ExternalCa {
    /**
     * An existing `kubernetes.io/tls` Secret with the CA's certificate (`tls.crt`) and key
     * (`tls.key`), created by the site in cert-manager's namespace (a ClusterIssuer reads its CA
     * Secret from there). The program's CA ClusterIssuer signs with it.
     */
    readonly secret?: { readonly name: string; readonly namespace?: string };
    /**
     * The site's own cert-manager ClusterIssuer (group `cert-manager.io`: a Vault, Venafi or CA
     * issuer in front of an enterprise or HSM-backed PKI). The program creates no issuer and every
     * platform certificate names this one.
     */
    readonly issuer?: { readonly name: string };
}

/** Where the internal CA comes from: generated by the program, or one of {@link ExternalCa}. */
export type CaSource = "generated" | "secret" | "issuer";

/** The CA source of a (validated) external CA setting. */
export function caSourceOf(externalCa: ExternalCa | undefined): CaSource {
    if (externalCa === undefined) {
        return "generated";
    }
    return externalCa.secret !== undefined ? "secret" : "issuer";
}

/** What {@link validateCaSource} checks: the CA-related settings as given (unset when not given). */
export interface CaSourceSpec {
    /** cert-manager's namespace (where a ClusterIssuer reads its CA Secret). */
    readonly namespace: string;
    /** `certManager.ca` (the generated CA's subject, curve and validity), when given. */
    readonly ca?: unknown;
    /** `certManager.clusterIssuerName`, when given. */
    readonly clusterIssuerName?: string;
    readonly externalCa?: ExternalCa;
}

/**
 * Checks the internal CA's source; paths are relative to `certManager`. The modes exclude each
 * other: settings of the generated CA (`ca`) go with no external CA; an external CA is exactly one
 * of `secret` or `issuer`; with the site's issuer the program creates no ClusterIssuer, so
 * `clusterIssuerName` does not apply; a CA Secret lives in cert-manager's own namespace.
 */
export function validateCaSource(spec: CaSourceSpec): SpecIssue[] {
    const external = spec.externalCa;
    if (external === undefined) {
        return [];
    }
    const issues: SpecIssue[] = [];
    if (external.secret === undefined && external.issuer === undefined) {
        issues.push({
            path: ["externalCa"],
            message:
                "expected exactly one of secret (an existing kubernetes.io/tls Secret holding the " +
                "CA's certificate and key) or issuer (the site's cert-manager ClusterIssuer)",
        });
    }
    if (external.secret !== undefined && external.issuer !== undefined) {
        issues.push({
            path: ["externalCa", "issuer"],
            message:
                "externalCa.secret and externalCa.issuer are mutually exclusive: the platform's " +
                "ClusterIssuer signs with the CA in the Secret, or the site's ClusterIssuer signs " +
                "for it; keep one",
        });
    }
    if (spec.ca !== undefined) {
        issues.push({
            path: ["ca"],
            message:
                "ca sets up the CA the program generates; with externalCa the CA is the site's " +
                "(no key is generated): remove ca",
        });
    }
    if (external.issuer !== undefined && spec.clusterIssuerName !== undefined) {
        issues.push({
            path: ["clusterIssuerName"],
            message:
                `with externalCa.issuer the platform's certificates come from the site's ` +
                `ClusterIssuer "${external.issuer.name}" and the program creates no ClusterIssuer: ` +
                "remove clusterIssuerName",
        });
    }
    const namespace = external.secret?.namespace;
    if (namespace !== undefined && namespace !== spec.namespace) {
        issues.push({
            path: ["externalCa", "secret", "namespace"],
            message:
                `expected "${spec.namespace}" (certManager.namespace): a ClusterIssuer reads its ` +
                "CA Secret from cert-manager's own namespace; create the Secret there",
        });
    }
    return issues;
}
