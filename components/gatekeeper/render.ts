/**
 * Pure render functions of the Gatekeeper component: settings in, plain objects out (the
 * namespace, the chart's values, the constraints). No resources are created here.
 */
import { ownerLabel, platformOwner } from "../../contract/labels";
import { serviceAccountTokenReasonAnnotation } from "../../contract/annotations";
import type { AdmissionExemption } from "../../contract/exemptions";
import { platformLabels, podSecurityLabels } from "../shared/labels";
import { gatekeeperMetricsPort, gatekeeperResources } from "./defaults";
import { templateDefinitions, templateIds, TemplateDefinition } from "./templates";

/** Labels on every object this component renders itself. */
export const gatekeeperLabels = platformLabels("gatekeeper");

/** Annotation listing the exemptions applied to a constraint, for auditors. */
export const exemptionsAnnotation = "security.sovereign-contour.io/exemptions";

/**
 * The namespace Gatekeeper runs in: Pod Security `restricted` (every Gatekeeper pod meets it) and
 * the label the chart's post-install hook would have set, telling Gatekeeper not to judge its own
 * namespace.
 */
export function renderGatekeeperNamespace(
    name: string,
    kubernetesVersion: string,
): { metadata: { name: string; labels: Record<string, string> } } {
    return {
        metadata: {
            name,
            labels: {
                ...gatekeeperLabels,
                [ownerLabel]: platformOwner,
                ...podSecurityLabels("restricted", kubernetesVersion),
                "admission.gatekeeper.sh/ignore": "no-self-managing",
            },
        },
    };
}

/** Why Gatekeeper's pods mount a service-account token (both share the chart's podAnnotations). */
export const gatekeeperTokenReason =
    "controller-manager and audit call the Kubernetes API: they watch ConstraintTemplates, " +
    "constraints and the objects they audit, write constraint status and audit results, and the " +
    "controller-manager rotates its webhook certificate Secret and patches its webhook configurations";

/** Inputs of {@link renderGatekeeperValues}. */
export interface GatekeeperValuesInput {
    /**
     * The image after mirroring: repository without tag, and the tag (`v3.23.0@sha256:...` when
     * pinned: the chart has no digest key and renders `repository:release`).
     */
    readonly image: { readonly repository: string; readonly tag: string };
    readonly replicas: number;
    readonly failurePolicy: "Fail" | "Ignore";
    readonly webhookTimeoutSeconds: number;
    /** Namespaces the API server never sends to Gatekeeper's webhook (the system contour). */
    readonly exemptNamespaces: readonly string[];
}

/**
 * The container security context of every Gatekeeper container: Pod Security `restricted`. The
 * seccomp profile is not set here: `enableRuntimeDefaultSeccompProfile` makes the chart write
 * `seccompProfile: RuntimeDefault` into the same map, and a second one would be a duplicate key.
 */
const restrictedContainer = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 999,
};

/** Hardened Helm values of the Gatekeeper chart (pure). */
export function renderGatekeeperValues(input: GatekeeperValuesInput): Record<string, unknown> {
    const component = (resources: object): Record<string, unknown> => ({
        resources: structuredClone(resources),
        securityContext: structuredClone(restrictedContainer),
        podSecurityContext: { fsGroup: 999, supplementalGroups: [999] },
        hostNetwork: false,
        metricsPort: gatekeeperMetricsPort,
        priorityClassName: "system-cluster-critical",
    });
    return {
        replicas: input.replicas,
        // A single replica cannot keep one pod through a drain; its budget would block the drain.
        pdb: { controllerManager: { minAvailable: Math.max(0, input.replicas - 1) } },
        image: {
            repository: input.image.repository,
            release: input.image.tag,
            pullPolicy: "IfNotPresent",
        },
        // Helm hooks never run under Chart v4 (it renders with hooks disabled), so every hook is
        // switched off here and its job is done another way:
        // - upgradeCRDs (pre-install/upgrade Job that applies crds/): Chart v4 applies the chart's
        //   crds/ directory itself and updates those CRDs like any other resource.
        // - postInstall.labelNamespace / postUpgrade.labelNamespace (Jobs that label the release
        //   namespace): the component creates the Namespace with those labels.
        // - postInstall.probeWebhook (Job that waits for the webhook): Pulumi waits for the
        //   Deployments to be ready, and every ConstraintTemplate waits for `status.created`.
        // - preUninstall.deleteWebhookConfigurations: the webhook configurations are chart
        //   objects, so Pulumi deletes them with the chart.
        upgradeCRDs: { enabled: false },
        postInstall: { labelNamespace: { enabled: false }, probeWebhook: { enabled: false } },
        postUpgrade: { labelNamespace: { enabled: false } },
        preUninstall: { deleteWebhookConfigurations: { enabled: false } },
        validatingWebhookFailurePolicy: input.failurePolicy,
        validatingWebhookCheckIgnoreFailurePolicy: input.failurePolicy,
        validatingWebhookTimeoutSeconds: input.webhookTimeoutSeconds,
        // `kubernetes.io/metadata.name` is set by the API server and cannot be forged, so this
        // exemption cannot be claimed by relabelling a namespace.
        validatingWebhookExemptNamespacesLabels: {
            "kubernetes.io/metadata.name": [...input.exemptNamespaces],
        },
        // Kyverno is the platform's only mutating controller; Gatekeeper validates.
        disableMutation: true,
        enableK8sNativeValidation: true,
        // Nothing leaves the cluster: no external data providers, no `http.send` from Rego, no
        // violation export; metrics are pulled by Prometheus.
        enableExternalData: false,
        enableGeneratorResourceExpansion: false,
        disabledBuiltins: ["{http.send}"],
        exportBackend: "",
        metricsBackends: ["prometheus"],
        logDenies: true,
        logLevel: "INFO",
        auditInterval: 60,
        constraintViolationsLimit: 20,
        auditFromCache: false,
        enableRuntimeDefaultSeccompProfile: true,
        // Outside kube-system, system-cluster-critical pods need the chart's ResourceQuota.
        resourceQuota: true,
        // Both Deployments call the API server, so each opts in to its service-account token:
        // explicitly mounted, with the reason on the pod template (the chart's one podAnnotations
        // key covers both pods; a second key in auditPodAnnotations would be a duplicate).
        podAnnotations: { [serviceAccountTokenReasonAnnotation]: gatekeeperTokenReason },
        controllerManager: {
            ...component(gatekeeperResources.controllerManager),
            tlsMinVersion: 1.3,
            serviceAccount: { automountServiceAccountToken: true },
        },
        audit: {
            ...component(gatekeeperResources.audit),
            serviceAccount: { automountServiceAccountToken: true },
        },
    };
}

/** Parameters of the constraints, by template ID. */
export interface ConstraintParameters {
    readonly allowedRegistries: readonly string[];
    readonly requireImageDigests: boolean;
    readonly disallowedTags: readonly string[];
    readonly requiredNamespaceLabels: readonly string[];
    readonly exposedServiceNamespaces: readonly string[];
    readonly allowedExternalIPs: readonly string[];
    readonly rbacWildcardExemptRoles: readonly string[];
    readonly allowedCapabilities: readonly string[];
    readonly requiredLimits: readonly string[];
}

/** The `spec.parameters` of each constraint (pure). */
export function constraintParameters(
    p: ConstraintParameters,
): Record<(typeof templateIds)[number], Record<string, unknown>> {
    return {
        "allowed-registries": { registries: [...p.allowedRegistries] },
        "image-tags": {
            disallowedTags: [...p.disallowedTags],
            requireDigests: p.requireImageDigests,
        },
        "namespace-labels": { labels: [...p.requiredNamespaceLabels] },
        "service-exposure": { allowedNamespaces: [...p.exposedServiceNamespaces] },
        "external-ips": { allowedIPs: [...p.allowedExternalIPs] },
        "rbac-wildcards": { exemptRoles: [...p.rbacWildcardExemptRoles] },
        "pod-hardening": { allowedCapabilities: [...p.allowedCapabilities] },
        "resource-limits": { limits: [...p.requiredLimits] },
    };
}

/** Inputs of {@link renderConstraint}. */
export interface ConstraintInput {
    readonly enforcementAction: "dryrun" | "warn" | "deny";
    /** System namespaces no constraint applies to. */
    readonly exemptNamespaces: readonly string[];
    /** The admission exemptions (only those naming this constraint's ID apply). */
    readonly exemptions: readonly AdmissionExemption[];
    readonly parameters: Record<string, unknown>;
}

/** The name of the constraint of a template. */
export function constraintName(def: TemplateDefinition): string {
    return `sovereign-${def.id}`;
}

/**
 * The Constraint of a template (pure). Its match scope excludes exactly the system namespaces and
 * the namespaces of the exemptions that name it, each recorded in an annotation.
 */
export function renderConstraint(
    def: TemplateDefinition,
    input: ConstraintInput,
): Record<string, unknown> {
    const exemptions = input.exemptions.filter((e) =>
        (e.policies as readonly string[]).includes(def.id),
    );
    const excluded = [
        ...new Set([...input.exemptNamespaces, ...exemptions.map((e) => e.namespace)]),
    ].sort();
    return {
        apiVersion: "constraints.gatekeeper.sh/v1beta1",
        kind: def.kind,
        metadata: {
            name: constraintName(def),
            labels: { ...gatekeeperLabels },
            ...(exemptions.length > 0
                ? {
                      annotations: {
                          [exemptionsAnnotation]: exemptions
                              .map(
                                  (e) =>
                                      `${e.name}: namespace ${e.namespace}, owner ${e.owner}, review by ${e.expires} (${e.justification})`,
                              )
                              .join("; "),
                      },
                  }
                : {}),
        },
        spec: {
            enforcementAction: input.enforcementAction,
            match: {
                kinds: def.matchKinds.map((k) => ({
                    apiGroups: [...k.apiGroups],
                    kinds: [...k.kinds],
                })),
                excludedNamespaces: excluded,
            },
            parameters: structuredClone(input.parameters),
        },
    };
}

/** Every template definition, in creation order. */
export function allTemplates(): TemplateDefinition[] {
    return templateIds.map((id) => templateDefinitions[id]);
}
