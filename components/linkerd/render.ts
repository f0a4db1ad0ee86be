/**
 * Pure render functions of the Linkerd component: settings in, plain objects out (the namespaces,
 * the certificates of the identity chain and the webhooks, the three charts' values). No resources
 * are created here, and no private key ever passes through: the control plane's values carry only
 * the trust anchor's public certificate.
 */
import { X509Certificate } from "crypto";
import { ownerLabel, platformOwner } from "../../contract/labels";
import { renderCertificate } from "../cert-manager/render";
import type { SpecIssue } from "../shared/issues";
import { platformLabels, podSecurityLabels } from "../shared/labels";
import { exemptionReasonAnnotation } from "../../contract/annotations";
import {
    linkerdObjectNames,
    linkerdResources,
    webhookCertificateLifetime,
    workloadCertificateLifetime,
} from "./defaults";

/** Labels on every object this component renders itself. */
export const linkerdLabels = platformLabels("linkerd");

/** Why the CNI plugin's namespace enforces Pod Security `privileged`. */
export const linkerdCniPodSecurityReason =
    "The Linkerd CNI plugin installs itself into the node's CNI configuration through hostPath " +
    "volumes (/opt/cni/bin, /etc/cni/net.d), which no level below privileged admits. In exchange, " +
    "meshed pods need no NET_ADMIN/NET_RAW init container and stay at restricted. The container " +
    "is not privileged.";

/** A namespace object as the component creates it. */
export interface NamespaceObject {
    readonly metadata: {
        readonly name: string;
        readonly labels: Record<string, string>;
        readonly annotations: Record<string, string>;
    };
}

/**
 * The control plane's namespace: Pod Security `restricted` (with the CNI plugin no Linkerd pod
 * needs more) and the labels the Linkerd CLI would set, which the chart cannot (it renders its
 * Namespace only for the CLI).
 */
export function renderControlPlaneNamespace(
    name: string,
    kubernetesVersion: string,
): NamespaceObject {
    return {
        metadata: {
            name,
            labels: {
                ...linkerdLabels,
                [ownerLabel]: platformOwner,
                ...podSecurityLabels("restricted", kubernetesVersion),
                "linkerd.io/is-control-plane": "true",
                "linkerd.io/control-plane-ns": name,
                "config.linkerd.io/admission-webhooks": "disabled",
            },
            annotations: { "linkerd.io/inject": "disabled" },
        },
    };
}

/** The CNI plugin's namespace: Pod Security `privileged` with the reason on record. */
export function renderCniNamespace(name: string, kubernetesVersion: string): NamespaceObject {
    return {
        metadata: {
            name,
            labels: {
                ...linkerdLabels,
                [ownerLabel]: platformOwner,
                ...podSecurityLabels("privileged", kubernetesVersion),
                "linkerd.io/cni-resource": "true",
                "config.linkerd.io/admission-webhooks": "disabled",
            },
            annotations: {
                [exemptionReasonAnnotation]: linkerdCniPodSecurityReason,
                "linkerd.io/inject": "disabled",
            },
        },
    };
}

/** A cert-manager issuer (group `cert-manager.io`) by kind and name. */
export interface IssuerReference {
    readonly kind: "ClusterIssuer" | "Issuer";
    readonly name: string;
}

/** Inputs of {@link renderIdentityIssuerCertificate}. */
export interface IdentityIssuerInput {
    readonly namespace: string;
    readonly trustDomain: string;
    readonly duration: string;
    readonly renewBefore: string;
    /**
     * The issuer that signs it. @default the namespace's CA Issuer over the trust anchor Secret
     * (`linkerd-trust-anchor`)
     */
    readonly issuer?: IssuerReference;
}

/**
 * The identity issuer: an intermediate CA (ECDSA P-256, short-lived, rotated key) that cert-manager
 * signs with the trust anchor through the namespace's CA Issuer, into the Secret the control plane
 * reads with `identity.issuer.scheme: kubernetes.io/tls` (pure).
 */
export function renderIdentityIssuerCertificate(
    input: IdentityIssuerInput,
): Record<string, unknown> {
    const commonName = `identity.linkerd.${input.trustDomain}`;
    return renderCertificate({
        name: linkerdObjectNames.identityIssuer,
        namespace: input.namespace,
        secretName: linkerdObjectNames.identityIssuer,
        commonName,
        dnsNames: [commonName],
        isCA: true,
        duration: input.duration,
        renewBefore: input.renewBefore,
        keySize: 256,
        usages: ["cert sign", "crl sign", "server auth", "client auth"],
        issuer: input.issuer ?? { kind: "Issuer", name: linkerdObjectNames.trustAnchorIssuer },
        labels: linkerdLabels,
    });
}

/** The three admission webhooks of the control plane, by values key. */
export const linkerdWebhooks = [
    { values: "proxyInjector", service: linkerdObjectNames.webhooks.proxyInjector },
    { values: "profileValidator", service: linkerdObjectNames.webhooks.profileValidator },
    { values: "policyValidator", service: linkerdObjectNames.webhooks.policyValidator },
] as const;

/**
 * The serving certificate of one webhook, from the platform's internal CA (pure). The chart then
 * renders no certificate of its own (it would generate a new one at every render) and the
 * cainjector puts the CA into the webhook configuration.
 */
export function renderWebhookCertificate(
    service: string,
    namespace: string,
    clusterIssuer: string,
): Record<string, unknown> {
    const host = `${service}.${namespace}.svc`;
    return renderCertificate({
        name: service,
        namespace,
        secretName: `${service}-k8s-tls`,
        commonName: host,
        dnsNames: [host],
        isCA: false,
        duration: webhookCertificateLifetime.duration,
        renewBefore: webhookCertificateLifetime.renewBefore,
        keySize: 256,
        usages: ["server auth"],
        issuer: { kind: "ClusterIssuer", name: clusterIssuer },
        labels: linkerdLabels,
    });
}

/** An image as the Linkerd charts take it: full name (mirrored) and version. */
export interface NamedImage {
    readonly name: string;
    readonly version: string;
}

/** Inputs of {@link renderControlPlaneValues}. */
export interface ControlPlaneValuesInput {
    readonly namespace: string;
    /** The trust anchor's certificate (PEM). Public; never its key. */
    readonly trustAnchorPem: string;
    readonly trustDomain: string;
    readonly linkerdVersion: string;
    readonly highAvailability: boolean;
    readonly injectorFailurePolicy: "Fail" | "Ignore";
    readonly defaultInboundPolicy: "all-authenticated" | "cluster-authenticated" | "deny";
    readonly podMonitor: boolean;
    /** Namespaces the proxy injector never sees (the platform's own). */
    readonly injectorExcludedNamespaces: readonly string[];
    readonly images: {
        readonly controller: NamedImage;
        readonly proxy: NamedImage;
        readonly debug: NamedImage;
    };
}

/** Hardened Helm values of the `linkerd-control-plane` chart (pure). */
export function renderControlPlaneValues(input: ControlPlaneValuesInput): Record<string, unknown> {
    if (input.trustAnchorPem.includes("PRIVATE KEY")) {
        throw new Error("the trust anchor given to the control plane's values holds a private key");
    }
    const ha = input.highAvailability;
    const resources = (): Record<string, unknown> => structuredClone(linkerdResources.controller);
    const proxyResources = (): Record<string, unknown> => structuredClone(linkerdResources.proxy);
    const webhooks: Record<string, unknown> = {};
    for (const w of linkerdWebhooks) {
        // No certificate from the chart: cert-manager issues it (see renderWebhookCertificate).
        webhooks[w.values] = {
            externalSecret: true,
            injectCaFrom: `${input.namespace}/${w.service}`,
        };
    }
    // The injector fails closed in prod, so every namespace it sees depends on it to start pods.
    // The platform's own namespaces are kept out (by the API server's name label, which cannot be
    // forged), so the security contour restarts even while the mesh is down.
    webhooks.proxyInjector = {
        ...(webhooks.proxyInjector as Record<string, unknown>),
        namespaceSelector: {
            matchExpressions: [
                {
                    key: "config.linkerd.io/admission-webhooks",
                    operator: "NotIn",
                    values: ["disabled"],
                },
                {
                    key: "kubernetes.io/metadata.name",
                    operator: "NotIn",
                    values: [...input.injectorExcludedNamespaces],
                },
            ],
        },
    };
    return {
        linkerdVersion: input.linkerdVersion,
        controllerImage: input.images.controller.name,
        controllerImageVersion: input.images.controller.version,
        debugContainer: {
            image: { name: input.images.debug.name, version: input.images.debug.version },
        },
        // Only the anchor's certificate: the chart turns it into the linkerd-identity-trust-roots
        // ConfigMap. The issuer's key stays in the cert-manager-managed Secret.
        identityTrustAnchorsPEM: input.trustAnchorPem,
        identityTrustDomain: input.trustDomain,
        identity: {
            externalCA: false,
            issuer: {
                scheme: "kubernetes.io/tls",
                issuanceLifetime: workloadCertificateLifetime,
                clockSkewAllowance: "20s",
            },
        },
        // With the CNI plugin, meshed pods get a network-validator init container that meets Pod
        // Security restricted instead of linkerd-init with NET_ADMIN and NET_RAW.
        cniEnabled: true,
        proxy: {
            image: { name: input.images.proxy.name, version: input.images.proxy.version },
            // Meshed pods no Server selects accept only peers with a mesh identity.
            defaultInboundPolicy: input.defaultInboundPolicy,
            tracing: { enabled: false },
            // The proxy (and the network validator, which takes the same values) is injected into
            // every meshed pod: without limits the resource-limits constraint refuses each of them.
            // The CPU limit of 1 matches the chart's proxy.runtime.workers.minimum of 1.
            resources: proxyResources(),
        },
        webhookFailurePolicy: input.injectorFailurePolicy,
        ...webhooks,
        // No phone-home: the heartbeat CronJob would report to versioncheck.linkerd.io daily.
        disableHeartBeat: true,
        controllerReplicas: ha ? 3 : 1,
        enablePodDisruptionBudget: ha,
        enablePodAntiAffinity: ha,
        destinationResources: resources(),
        destinationProxyResources: proxyResources(),
        identityResources: resources(),
        identityProxyResources: proxyResources(),
        proxyInjectorResources: resources(),
        proxyInjectorProxyResources: proxyResources(),
        spValidatorResources: resources(),
        policyController: { resources: resources() },
        podMonitor: { enabled: input.podMonitor },
        // No traces leave the cluster: the controllers' and the proxies' exporters stay off.
        controller: { tracing: { enabled: false } },
    };
}

/** Helm values of the `linkerd-crds` chart (pure): no Gateway API CRDs (installed separately). */
export function renderCrdsValues(): Record<string, unknown> {
    return { installGatewayAPI: false };
}

/**
 * Helm values of the `linkerd2-cni` chart (pure). The chart has no pod-annotation or
 * `automountServiceAccountToken` key, so its DaemonSet cannot opt in to the service-account token
 * it needs (the installer writes a kubeconfig with it for the plugin, which reads pods through the
 * API): that one is a recorded exemption of the `service-account-token-opt-in` policy.
 */
export function renderCniValues(image: NamedImage): Record<string, unknown> {
    return {
        image: { name: image.name, version: image.version, pullPolicy: "IfNotPresent" },
        resources: structuredClone(linkerdResources.cni),
        privileged: false,
        destCNIBinDir: "/opt/cni/bin",
        destCNINetDir: "/etc/cni/net.d",
    };
}

/**
 * Bring your own trust anchor (`linkerd.externalTrustAnchor`): the anchors' public certificates,
 * which the chart needs, and exactly one of an existing Secret or an existing issuer that signs the
 * identity issuer. No trust-anchor key is generated by the program, none is in the Pulumi state.
 */
export interface ExternalTrustAnchor {
    /**
     * The trust anchor certificates the proxies trust (PEM, public), oldest first: one, or during a
     * rotation the old and the new (at most three). Each an ECDSA P-256 CA certificate (what
     * `linkerd check` requires of a trust anchor), not expired.
     */
    readonly certificates: string;
    /**
     * An existing `kubernetes.io/tls` Secret holding the signing anchor's certificate and key, in
     * the control plane's namespace; the program's CA Issuer there signs the identity issuer.
     */
    readonly secret?: { readonly name: string; readonly namespace?: string };
    /**
     * The site's cert-manager issuer that signs the identity issuer (a Vault PKI mount holding the
     * anchor, for instance): a ClusterIssuer, or an Issuer in the control plane's namespace.
     */
    readonly issuer?: { readonly name: string; readonly kind: "ClusterIssuer" | "Issuer" };
}

/** Where the trust anchor comes from: generated by the program, or one of {@link ExternalTrustAnchor}. */
export type TrustAnchorSource = "generated" | "secret" | "issuer";

/** The trust-anchor source of a (validated) external trust anchor setting. */
export function trustAnchorSourceOf(external: ExternalTrustAnchor | undefined): TrustAnchorSource {
    if (external === undefined) {
        return "generated";
    }
    return external.secret !== undefined ? "secret" : "issuer";
}

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * The certificate blocks of a PEM bundle, each ending with a newline and nothing else (comments
 * and blank lines between blocks dropped): what the chart receives.
 */
export function trustAnchorBundle(pem: string): string {
    return [...pem.matchAll(pemBlock)]
        .filter((b) => b[1] === "CERTIFICATE")
        .map((b) => `${b[0]}\n`)
        .join("");
}

/** Why the trust anchor certificates of an external trust anchor are unusable (empty: usable). */
export function trustAnchorCertificateIssues(pem: string, now: Date = new Date()): string[] {
    const blocks = [...pem.matchAll(pemBlock)];
    if (blocks.length === 0) {
        return [
            "expected the trust anchor's PEM certificate (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)",
        ];
    }
    const other = blocks.find((b) => b[1] !== "CERTIFICATE");
    if (other !== undefined) {
        return [
            `holds a ${other[1]} block; expected CERTIFICATE blocks only: this setting is public ` +
                "and reaches the chart's values; the key stays in the site's Secret or PKI",
        ];
    }
    if (blocks.length > 3) {
        return [
            `holds ${blocks.length} certificates; expected at most 3 trust anchors (old, current, next)`,
        ];
    }
    const issues: string[] = [];
    const seen = new Set<string>();
    blocks.forEach((block, i) => {
        let cert: X509Certificate;
        try {
            cert = new X509Certificate(block[0]);
        } catch {
            issues.push(`certificate ${i + 1} is not a valid X.509 certificate`);
            return;
        }
        const who = `certificate ${i + 1} (${cert.subject.replace(/\n/g, ", ")})`;
        if (seen.has(cert.fingerprint256)) {
            issues.push(`${who} is listed twice; expected each trust anchor once`);
        }
        seen.add(cert.fingerprint256);
        if (!cert.ca) {
            issues.push(
                `${who} is not a CA certificate (basicConstraints CA:TRUE); give the trust ` +
                    "anchor, the CA that signs Linkerd's identity issuer",
            );
        }
        const key = cert.publicKey;
        if (
            key.asymmetricKeyType !== "ec" ||
            key.asymmetricKeyDetails?.namedCurve !== "prime256v1"
        ) {
            const curve = key.asymmetricKeyDetails?.namedCurve;
            issues.push(
                `${who} has a key of type ${key.asymmetricKeyType ?? "unknown"}` +
                    `${curve !== undefined ? ` (curve ${curve})` : ""}; expected ECDSA P-256 ` +
                    "(prime256v1), which Linkerd requires of a trust anchor",
            );
        }
        if (Date.parse(cert.validTo) <= now.getTime()) {
            issues.push(`${who} expired on ${cert.validTo}; give the current trust anchor`);
        }
    });
    return issues;
}

/** What {@link validateExternalTrustAnchor} checks: the trust-anchor settings as given. */
export interface TrustAnchorSpec {
    /** The control plane's namespace (where the CA Issuer reads the anchor Secret). */
    readonly namespace: string;
    /** `linkerd.trustAnchors`, when given (anchors the program generates). */
    readonly trustAnchors?: unknown;
    /** `linkerd.trustAnchorValidityHours`, when given. */
    readonly trustAnchorValidityHours?: number;
    readonly externalTrustAnchor?: ExternalTrustAnchor;
}

/**
 * Checks the trust anchor's source; paths are relative to `linkerd`. The modes exclude each other:
 * settings of generated anchors (`trustAnchors`, `trustAnchorValidityHours`) go with no external
 * anchor; an external anchor has its certificates and exactly one of `secret` or `issuer`; the
 * anchor Secret lives in the control plane's namespace. `now` is the time expiry is compared with.
 */
export function validateExternalTrustAnchor(
    spec: TrustAnchorSpec,
    now: Date = new Date(),
): SpecIssue[] {
    const external = spec.externalTrustAnchor;
    if (external === undefined) {
        return [];
    }
    const issues: SpecIssue[] = trustAnchorCertificateIssues(external.certificates, now).map(
        (message) => ({ path: ["externalTrustAnchor", "certificates"], message }),
    );
    if (external.secret === undefined && external.issuer === undefined) {
        // At `secret`, not at the object: a value shown with the message never holds the PEM text.
        issues.push({
            path: ["externalTrustAnchor", "secret"],
            message:
                "expected exactly one of secret (an existing kubernetes.io/tls Secret holding the " +
                "signing anchor's certificate and key) or issuer (the site's cert-manager issuer " +
                "that signs the identity issuer)",
        });
    }
    if (external.secret !== undefined && external.issuer !== undefined) {
        issues.push({
            path: ["externalTrustAnchor", "issuer"],
            message:
                "externalTrustAnchor.secret and externalTrustAnchor.issuer are mutually exclusive: " +
                "the identity issuer is signed with the anchor in the Secret, or by the site's " +
                "issuer; keep one",
        });
    }
    for (const key of ["trustAnchors", "trustAnchorValidityHours"] as const) {
        if (spec[key] !== undefined) {
            issues.push({
                path: [key],
                message:
                    `${key} sets up trust anchors the program generates; with ` +
                    "externalTrustAnchor the anchors are the site's (no key is generated): " +
                    `remove ${key}`,
            });
        }
    }
    const namespace = external.secret?.namespace;
    if (namespace !== undefined && namespace !== spec.namespace) {
        issues.push({
            path: ["externalTrustAnchor", "secret", "namespace"],
            message:
                `expected "${spec.namespace}" (linkerd.namespace): the CA Issuer that signs the ` +
                "identity issuer is namespaced and reads its Secret from the control plane's " +
                "namespace; create the Secret there",
        });
    }
    return issues;
}
