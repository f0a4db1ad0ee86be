/**
 * Pure render functions of the Kyverno component: settings in, plain objects out (the namespace,
 * the chart's values, the ClusterPolicies and PolicyExceptions). No resources are created here.
 */
import { ownerLabel, platformOwner } from "../../contract/labels";
import { serviceAccountTokenReasonAnnotation } from "../../contract/annotations";
import type { AdmissionExemption } from "../../contract/exemptions";
import type { ImagesSettings } from "../shared/settings";
import { mirrorImage, pinRegistryImage, RegistryImage } from "../shared/chart-source";
import { platformLabels, podSecurityLabels } from "../shared/labels";
import { kyvernoMetricsPort, kyvernoResources } from "./defaults";

/** Labels on every object this component renders itself. */
export const kyvernoLabels = platformLabels("kyverno");

/** Annotations recording an exemption's review on the generated PolicyException. */
export const justificationAnnotation = "security.sovereign-contour.io/justification";
export const expiresAnnotation = "security.sovereign-contour.io/expires";
export const ownerAnnotation = "security.sovereign-contour.io/owner";

/** Every pod-bearing kind a Pod rule reaches through Kyverno's auto-generated controller rules. */
export const podControllerKinds = [
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
] as const;

/** The namespace Kyverno runs in: Pod Security `restricted` (every Kyverno pod meets it). */
export function renderKyvernoNamespace(
    name: string,
    kubernetesVersion: string,
): { metadata: { name: string; labels: Record<string, string> } } {
    return {
        metadata: {
            name,
            labels: {
                ...kyvernoLabels,
                [ownerLabel]: platformOwner,
                ...podSecurityLabels("restricted", kubernetesVersion),
            },
        },
    };
}

/** An image as the chart's values take it. */
export type ChartImage = RegistryImage;

/**
 * An upstream image through the mirror, split the way the chart composes it
 * (`registry/repository:tag`): the mirror (with its path) becomes the registry, and a digest from
 * `images.digests` goes into the tag (the chart has no digest key).
 */
export function chartImage(
    registry: string,
    repository: string,
    tag: string,
    images: ImagesSettings,
): ChartImage {
    return pinRegistryImage({ registry, repository, tag }, images);
}

/** The full reference of a chart image. */
export function imageReference(image: ChartImage): string {
    return `${image.registry}/${image.repository}:${image.tag}`;
}

/** Inputs of {@link renderKyvernoValues}. */
export interface KyvernoValuesInput {
    readonly namespace: string;
    readonly replicas: number;
    readonly failurePolicy: "Fail" | "Ignore";
    /** Namespaces the API server never sends to Kyverno's webhooks (the system contour). */
    readonly exemptNamespaces: readonly string[];
    readonly images: {
        readonly admissionController: ChartImage;
        readonly admissionInit: ChartImage;
        readonly backgroundController: ChartImage;
        readonly cleanupController: ChartImage;
        readonly reportsController: ChartImage;
        /** The readiness checker of the hooks and tests Chart v4 never renders. */
        readonly readinessChecker: ChartImage;
    };
}

/** Why each Kyverno controller mounts a service-account token, by values key. */
export const kyvernoTokenReasons = {
    admissionController:
        "serves Kyverno's admission webhooks: reads policies, exceptions and the resources they " +
        "reference, registers its webhook configurations, rotates its TLS Secrets and writes " +
        "admission reports and events through the Kubernetes API",
    backgroundController:
        "applies mutate-existing and generate rules: watches policies and resources and creates " +
        "and updates the generated and mutated objects through the Kubernetes API",
    cleanupController:
        "runs cleanup policies and TTL labels: lists and deletes matching resources and serves " +
        "its webhook, registering its configuration, through the Kubernetes API",
    reportsController:
        "runs background scans: lists policies and resources and writes policy reports through " +
        "the Kubernetes API",
} as const;

/** The pod-template annotation by which one Kyverno controller opts in to its token. */
function tokenOptIn(reason: string): Record<string, unknown> {
    return { podAnnotations: { [serviceAccountTokenReasonAnnotation]: reason } };
}

/** The chart's service-account values with the token mounted explicitly (the controllers call the API). */
const mountedToken = { serviceAccount: { automountServiceAccountToken: true } };

/** The container security context of every Kyverno container: Pod Security `restricted`. */
const restrictedContainer = {
    runAsUser: 65534,
    runAsGroup: 65534,
    runAsNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

const restrictedPod = { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };

/** A budget keeping all but one pod through voluntary disruptions; none for a single pod. */
function disruptionBudget(replicas: number): Record<string, unknown> {
    return replicas > 1
        ? { enabled: true, minAvailable: replicas - 1 }
        : { enabled: false, minAvailable: 1 };
}

/** Metrics on (Prometheus pull), tracing and profiling off. */
const observability = {
    metricsService: { create: true, port: kyvernoMetricsPort, type: "ClusterIP" },
    metering: { disabled: false, config: "prometheus", port: kyvernoMetricsPort },
    tracing: { enabled: false },
    profiling: { enabled: false },
    serviceMonitor: { enabled: false },
};

/** Hardened Helm values of the Kyverno chart (pure). */
export function renderKyvernoValues(input: KyvernoValuesInput): Record<string, unknown> {
    // The background, cleanup and reports controllers elect a leader; a second replica is a hot
    // standby, more add nothing.
    const support = input.replicas > 1 ? 2 : 1;
    const controller = (
        image: ChartImage,
        resources: object,
        reason: string,
    ): Record<string, unknown> => ({
        enabled: true,
        ...tokenOptIn(reason),
        rbac: structuredClone(mountedToken),
        replicas: support,
        podDisruptionBudget: disruptionBudget(support),
        image: { ...image, pullPolicy: "IfNotPresent" },
        resources: structuredClone(resources),
        securityContext: structuredClone(restrictedContainer),
        podSecurityContext: structuredClone(restrictedPod),
        hostNetwork: false,
        ...structuredClone(observability),
    });
    return {
        crds: {
            // CRDs are chart templates here (not crds/), so Chart v4 installs and upgrades them
            // like any other resource.
            install: true,
            // Helm hooks never run under Chart v4. The post-upgrade migration Job rewrites stored
            // objects to a new CRD storage version; it is switched off, and an upgrade that
            // changes a storage version runs `kyverno migrate` as a reviewed upgrade step instead.
            migration: { enabled: false },
        },
        // The pre-delete hooks (scale to zero, delete the webhook configurations Kyverno creates
        // at runtime) never run under Chart v4 either. Those configurations are not chart objects
        // and survive `pulumi destroy`; removing Kyverno therefore ends with deleting the
        // `kyverno-*-webhook-cfg` configurations, or the API server keeps calling a dead webhook.
        // The readiness checker of those hooks (and of the test pods) stays at the mirror, pinned.
        webhooksCleanup: {
            enabled: false,
            image: { ...input.images.readinessChecker, pullPolicy: "IfNotPresent" },
        },
        test: { image: { ...input.images.readinessChecker, pullPolicy: "IfNotPresent" } },
        config: {
            // `kubernetes.io/metadata.name` is set by the API server and cannot be forged.
            webhooks: {
                namespaceSelector: {
                    matchExpressions: [
                        {
                            key: "kubernetes.io/metadata.name",
                            operator: "NotIn",
                            values: [...input.exemptNamespaces],
                        },
                    ],
                },
            },
            excludeKyvernoNamespace: true,
        },
        features: {
            // Only PolicyExceptions in Kyverno's own namespace count: tenants cannot exempt
            // themselves by creating one in theirs.
            policyExceptions: { enabled: true, namespace: input.namespace },
            // "Ignore" everywhere only when the stack asks for it (staged rollout); otherwise each
            // policy's own failurePolicy applies.
            forceFailurePolicyIgnore: { enabled: input.failurePolicy === "Ignore" },
            // No cloud credential helpers (they call cloud metadata endpoints), no public TUF
            // root download, no plain-HTTP registries.
            registryClient: { allowInsecure: false, credentialHelpers: ["default"] },
            tuf: { enabled: false },
            backgroundScan: { enabled: true },
            policyReports: { enabled: true },
            admissionReports: { enabled: true },
        },
        admissionController: {
            ...tokenOptIn(kyvernoTokenReasons.admissionController),
            rbac: structuredClone(mountedToken),
            replicas: input.replicas,
            podDisruptionBudget: disruptionBudget(input.replicas),
            container: {
                image: { ...input.images.admissionController, pullPolicy: "IfNotPresent" },
                resources: structuredClone(kyvernoResources.admissionController),
                securityContext: structuredClone(restrictedContainer),
            },
            initContainer: {
                image: { ...input.images.admissionInit, pullPolicy: "IfNotPresent" },
                resources: structuredClone(kyvernoResources.admissionInit),
                securityContext: structuredClone(restrictedContainer),
            },
            podSecurityContext: structuredClone(restrictedPod),
            hostNetwork: false,
            ...structuredClone(observability),
        },
        backgroundController: controller(
            input.images.backgroundController,
            kyvernoResources.backgroundController,
            kyvernoTokenReasons.backgroundController,
        ),
        cleanupController: controller(
            input.images.cleanupController,
            kyvernoResources.cleanupController,
            kyvernoTokenReasons.cleanupController,
        ),
        reportsController: controller(
            input.images.reportsController,
            kyvernoResources.reportsController,
            kyvernoTokenReasons.reportsController,
        ),
        grafana: { enabled: false },
    };
}

/** Image-verification settings as the policy renderer takes them. */
export interface ImageVerificationInput {
    readonly imageReferences: readonly string[];
    readonly publicKeys: readonly string[];
    readonly keyless?: {
        readonly issuer: string;
        readonly subject: string;
        readonly rekorUrl: string;
        readonly roots?: string;
    };
    readonly rekorUrl?: string;
    readonly timeoutSeconds: number;
}

/** Inputs of {@link renderClusterPolicies}. */
export interface PoliciesInput {
    readonly validationFailureAction: "Audit" | "Enforce";
    readonly failurePolicy: "Fail" | "Ignore";
    readonly webhookTimeoutSeconds: number;
    readonly exemptNamespaces: readonly string[];
    readonly podSecurityLevel: "baseline" | "restricted";
    /** Undefined: no image verification policy. */
    readonly imageVerification?: ImageVerificationInput;
    readonly generateDefaultDeny: boolean;
}

/** The rules of each policy an exemption can name (by policy ID). */
export const exemptibleRules = {
    "secure-defaults": {
        policy: "sovereign-secure-defaults",
        rules: ["pod-defaults", "container-defaults", "init-container-defaults"],
    },
    "verify-images": { policy: "sovereign-verify-images", rules: ["verify-signatures"] },
    "pod-security": { policy: "sovereign-pod-security", rules: ["pod-security-level"] },
} as const;

/**
 * The image patterns to verify: each allowed registry prefix followed by `*`, plus the same
 * patterns through the registry mirror (images pulled via the mirror keep their repository path).
 * No allowed registry means every image is verified.
 */
export function imageReferencesFor(
    allowedRegistries: readonly string[],
    images: ImagesSettings,
): string[] {
    if (allowedRegistries.length === 0) {
        return ["*"];
    }
    const patterns = allowedRegistries.map((r) => (r.endsWith("*") ? r : `${r}*`));
    const mirror = images.mirror;
    // A pattern already under the mirror (an air-gapped stack allows only the mirror) is kept as
    // it is: mirroring it again would verify `<mirror>/<mirror path>/*`, which matches nothing.
    const atMirror = (p: string): boolean =>
        mirror !== undefined && (p === `${mirror}*` || p.startsWith(`${mirror}/`));
    return [
        ...new Set([
            ...patterns,
            ...patterns.map((p) => (atMirror(p) ? p : mirrorImage(p, images))),
        ]),
    ];
}

function annotations(
    title: string,
    category: string,
    severity: string,
    description: string,
): Record<string, string> {
    return {
        "policies.kyverno.io/title": title,
        "policies.kyverno.io/category": category,
        "policies.kyverno.io/severity": severity,
        "policies.kyverno.io/subject": "Pod",
        "policies.kyverno.io/description": description,
        // Applied only once Kyverno has configured its webhooks for the policy.
        "pulumi.com/waitFor": "condition=Ready",
    };
}

/** A ClusterPolicy skeleton (pure). */
function clusterPolicy(
    name: string,
    meta: Record<string, string>,
    spec: Record<string, unknown>,
): Record<string, unknown> {
    return {
        apiVersion: "kyverno.io/v1",
        kind: "ClusterPolicy",
        metadata: { name, labels: { ...kyvernoLabels }, annotations: meta },
        spec,
    };
}

/** The ClusterPolicies of the platform, in creation order (pure). */
export function renderClusterPolicies(input: PoliciesInput): Record<string, unknown>[] {
    const matchPods = { any: [{ resources: { kinds: ["Pod"] } }] };
    const excludeExempt = { any: [{ resources: { namespaces: [...input.exemptNamespaces] } }] };
    const common = {
        failurePolicy: input.failurePolicy,
        webhookTimeoutSeconds: input.webhookTimeoutSeconds,
    };
    const containerDefaults = (list: "containers" | "initContainers"): Record<string, unknown> => ({
        foreach: [
            {
                list: `request.object.spec.${list}`,
                patchStrategicMerge: {
                    spec: {
                        [list]: [
                            {
                                name: "{{ element.name }}",
                                securityContext: {
                                    "+(allowPrivilegeEscalation)": false,
                                    capabilities: { "+(drop)": ["ALL"] },
                                },
                            },
                        ],
                    },
                },
            },
        ],
    });
    const policies: Record<string, unknown>[] = [
        clusterPolicy(
            exemptibleRules["secure-defaults"].policy,
            annotations(
                "Secure defaults for workloads",
                "Pod Security",
                "medium",
                "Fills secure settings a workload leaves unset: seccomp RuntimeDefault, " +
                    "runAsNonRoot, allowPrivilegeEscalation false, all capabilities dropped, and no " +
                    "service-account token unless the pod asks for one. Explicit values are kept.",
            ),
            {
                ...common,
                background: false,
                rules: [
                    {
                        name: "pod-defaults",
                        match: matchPods,
                        exclude: excludeExempt,
                        mutate: {
                            patchStrategicMerge: {
                                spec: {
                                    "+(automountServiceAccountToken)": false,
                                    securityContext: {
                                        "+(runAsNonRoot)": true,
                                        "+(seccompProfile)": { type: "RuntimeDefault" },
                                    },
                                },
                            },
                        },
                    },
                    {
                        name: "container-defaults",
                        match: matchPods,
                        exclude: excludeExempt,
                        mutate: containerDefaults("containers"),
                    },
                    {
                        name: "init-container-defaults",
                        match: matchPods,
                        exclude: excludeExempt,
                        preconditions: {
                            all: [
                                {
                                    key: "{{ request.object.spec.initContainers[] || `[]` | length(@) }}",
                                    operator: "GreaterThanOrEquals",
                                    value: 1,
                                },
                            ],
                        },
                        mutate: containerDefaults("initContainers"),
                    },
                ],
            },
        ),
    ];
    const iv = input.imageVerification;
    if (iv !== undefined) {
        const enforce = input.validationFailureAction === "Enforce";
        // Without a (private) Rekor the transparency-log checks are skipped rather than sent to
        // the public instance: an air-gapped site has no other choice.
        const tlog =
            iv.rekorUrl !== undefined
                ? { rekor: { url: iv.rekorUrl } }
                : { rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } };
        const entries: Record<string, unknown>[] = iv.publicKeys.map((key) => ({
            keys: { publicKeys: key, ...structuredClone(tlog) },
        }));
        if (iv.keyless !== undefined) {
            entries.push({
                keyless: {
                    issuer: iv.keyless.issuer,
                    subject: iv.keyless.subject,
                    rekor: { url: iv.keyless.rekorUrl },
                    ...(iv.keyless.roots !== undefined ? { roots: iv.keyless.roots } : {}),
                },
            });
        }
        policies.push(
            clusterPolicy(
                exemptibleRules["verify-images"].policy,
                annotations(
                    "Verify image signatures",
                    "Software Supply Chain Security",
                    "high",
                    "Admits only images signed by one of the platform's cosign keys (or the " +
                        "configured keyless identity), and pins each verified image by digest.",
                ),
                {
                    ...common,
                    webhookTimeoutSeconds: iv.timeoutSeconds,
                    background: false,
                    rules: [
                        {
                            name: "verify-signatures",
                            match: matchPods,
                            exclude: excludeExempt,
                            verifyImages: [
                                {
                                    imageReferences: [...iv.imageReferences],
                                    failureAction: input.validationFailureAction,
                                    // Kyverno only rewrites tags to digests when it enforces.
                                    mutateDigest: enforce,
                                    verifyDigest: true,
                                    required: true,
                                    attestors: [{ count: 1, entries }],
                                },
                            ],
                        },
                    ],
                },
            ),
        );
    }
    policies.push(
        clusterPolicy(
            exemptibleRules["pod-security"].policy,
            annotations(
                "Pod Security Standards (second line)",
                "Pod Security",
                "high",
                `Validates pods against the ${input.podSecurityLevel} Pod Security Standard with ` +
                    "Kyverno's built-in checks, beside Pod Security Admission.",
            ),
            {
                ...common,
                background: true,
                rules: [
                    {
                        name: "pod-security-level",
                        match: matchPods,
                        exclude: excludeExempt,
                        validate: {
                            failureAction: input.validationFailureAction,
                            podSecurity: { level: input.podSecurityLevel, version: "latest" },
                        },
                    },
                ],
            },
        ),
    );
    if (input.generateDefaultDeny) {
        // Namespaces created by this program get their NetworkPolicies from their own component
        // (they carry managed-by: pulumi); this catches every namespace created any other way.
        const matchNamespaces = { any: [{ resources: { kinds: ["Namespace"] } }] };
        const excludeNamespaces = {
            any: [
                { resources: { names: [...input.exemptNamespaces] } },
                {
                    resources: {
                        selector: { matchLabels: { "app.kubernetes.io/managed-by": "pulumi" } },
                    },
                },
            ],
        };
        const networkPolicy = (name: string, spec: Record<string, unknown>) => ({
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            name,
            namespace: "{{ request.object.metadata.name }}",
            synchronize: true,
            data: { metadata: { labels: { ...kyvernoLabels } }, spec },
        });
        policies.push(
            clusterPolicy(
                "sovereign-default-deny-network",
                {
                    ...annotations(
                        "Default-deny networking for unmanaged namespaces",
                        "Multi-Tenancy",
                        "medium",
                        "Generates a default-deny NetworkPolicy (ingress and egress) and a DNS " +
                            "egress allowance in every namespace created outside the platform program.",
                    ),
                    "policies.kyverno.io/subject": "Namespace",
                },
                {
                    ...common,
                    background: true,
                    rules: [
                        {
                            name: "default-deny",
                            match: matchNamespaces,
                            exclude: excludeNamespaces,
                            generate: networkPolicy("default-deny-all", {
                                podSelector: {},
                                policyTypes: ["Ingress", "Egress"],
                            }),
                        },
                        {
                            name: "allow-dns",
                            match: matchNamespaces,
                            exclude: excludeNamespaces,
                            generate: networkPolicy("allow-dns-egress", {
                                podSelector: {},
                                policyTypes: ["Egress"],
                                egress: [
                                    {
                                        to: [
                                            {
                                                namespaceSelector: {
                                                    matchLabels: {
                                                        "kubernetes.io/metadata.name":
                                                            "kube-system",
                                                    },
                                                },
                                                podSelector: {
                                                    matchLabels: { "k8s-app": "kube-dns" },
                                                },
                                            },
                                        ],
                                        ports: [
                                            { protocol: "UDP", port: 53 },
                                            { protocol: "TCP", port: 53 },
                                        ],
                                    },
                                ],
                            }),
                        },
                    ],
                },
            ),
        );
    }
    return policies;
}

/**
 * The PolicyException of one admission exemption, covering the Kyverno rules it names (and their
 * auto-generated controller variants) in its namespace; undefined when it names no Kyverno rule
 * (pure).
 */
export function renderPolicyException(
    exemption: AdmissionExemption,
    kyvernoNamespace: string,
    imageVerification: boolean,
): Record<string, unknown> | undefined {
    const ids = (Object.keys(exemptibleRules) as (keyof typeof exemptibleRules)[]).filter(
        (id) =>
            (exemption.policies as readonly string[]).includes(id) &&
            (id !== "verify-images" || imageVerification),
    );
    if (ids.length === 0) {
        return undefined;
    }
    return {
        apiVersion: "kyverno.io/v2",
        kind: "PolicyException",
        metadata: {
            name: exemption.name,
            namespace: kyvernoNamespace,
            labels: { ...kyvernoLabels },
            annotations: {
                [justificationAnnotation]: exemption.justification,
                [expiresAnnotation]: exemption.expires,
                [ownerAnnotation]: exemption.owner,
            },
        },
        spec: {
            exceptions: ids.map((id) => ({
                policyName: exemptibleRules[id].policy,
                ruleNames: exemptibleRules[id].rules.flatMap((r) => [
                    r,
                    `autogen-${r}`,
                    `autogen-cronjob-${r}`,
                ]),
            })),
            match: {
                any: [
                    {
                        resources: {
                            kinds: [...podControllerKinds],
                            namespaces: [exemption.namespace],
                        },
                    },
                ],
            },
        },
    };
}
