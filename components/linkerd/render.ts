/**
 * Pure render functions of the Linkerd component: settings in, plain objects out (the namespaces,
 * the certificates of the identity chain and the webhooks, the three charts' values). No resources
 * are created here, and no private key ever passes through: the control plane's values carry only
 * the trust anchor's public certificate.
 */
import { ownerLabel, platformOwner } from "../../contract/labels";
import { renderCertificate } from "../cert-manager/render";
import { platformLabels, podSecurityLabels } from "../shared/labels";
import { exemptionReasonAnnotation } from "../system-namespaces/render";
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

/** Inputs of {@link renderIdentityIssuerCertificate}. */
export interface IdentityIssuerInput {
    readonly namespace: string;
    readonly trustDomain: string;
    readonly duration: string;
    readonly renewBefore: string;
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
        issuer: { kind: "Issuer", name: linkerdObjectNames.trustAnchorIssuer },
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
