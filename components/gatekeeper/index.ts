import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { expiredExemptions, type AdmissionExemption } from "../../stacks/sections/admission";
import type { PlatformSettings } from "../../stacks/schema";
import type { ChartsSettings, ImagesSettings } from "../../stacks/sections/sources";
import { pinImage, resolveChart, ResolvedChart } from "../shared/chart-source";
import { chartRelease } from "../shared/chart-release";
import { childOptions } from "../shared/options";
import {
    gatekeeperChart,
    gatekeeperDefaults,
    gatekeeperImage,
    gatekeeperReleaseName,
} from "./defaults";
import {
    allTemplates,
    constraintParameters,
    gatekeeperLabels,
    renderConstraint,
    renderGatekeeperNamespace,
    renderGatekeeperValues,
} from "./render";
import { renderConstraintTemplate } from "./templates";

/** Arguments of {@link Gatekeeper}. */
export interface GatekeeperArgs {
    /** Target Kubernetes minor version (pinned in the namespace's Pod Security labels). */
    readonly kubernetesVersion: string;
    /** Chart sources (`charts` settings): upstream by default, a mirror or a local chart. @default {} */
    readonly charts?: ChartsSettings;
    /** Image mirror and digests (`images` settings). @default {} (upstream registries, no digest) */
    readonly images?: ImagesSettings;
    /** Namespace Gatekeeper runs in; created by the component. @default "gatekeeper-system" */
    readonly namespace?: string;
    /**
     * What the chart's pods wait for besides the namespace: the namespace's NetworkPolicies
     * (PlatformNetwork), which can exist only once this component has created the namespace, hence
     * an Input (the platform passes a promise). @default nothing
     */
    readonly networkPolicies?: pulumi.Input<pulumi.Resource>;
    /** What a violated constraint does: `dryrun`, `warn` or `deny`. @default "deny" */
    readonly enforcementAction?: "dryrun" | "warn" | "deny";
    /** The webhooks' failurePolicy. @default "Fail" */
    readonly failurePolicy?: "Fail" | "Ignore";
    /** Controller-manager replicas. @default 3 */
    readonly replicas?: number;
    /** Validating webhook timeout in seconds (1-30). @default 3 */
    readonly webhookTimeoutSeconds?: number;
    /**
     * System namespaces exempt from every constraint and from the webhook; the component's own
     * namespace is always added. @default [] (only Gatekeeper's namespace)
     */
    readonly exemptNamespaces?: readonly string[];
    /** Image reference prefixes that are allowed; empty admits no image (fail closed). */
    readonly allowedRegistries: readonly string[];
    /** Require images pinned by `@sha256:` digest. @default true */
    readonly requireImageDigests?: boolean;
    /** Tags never admitted. @default ["latest"] */
    readonly disallowedTags?: readonly string[];
    /** Labels every namespace must carry. @default ["owner", "tenant"] */
    readonly requiredNamespaceLabels?: readonly string[];
    /** Namespaces whose Services may be NodePort or LoadBalancer. @default [] */
    readonly exposedServiceNamespaces?: readonly string[];
    /** IPs allowed in `spec.externalIPs`. @default [] */
    readonly allowedExternalIPs?: readonly string[];
    /** Capabilities containers may add. @default [] */
    readonly allowedCapabilities?: readonly string[];
    /** Limits every container must set. @default ["cpu", "memory"] */
    readonly requiredLimits?: readonly string[];
    /**
     * Roles allowed to use `*` (a trailing `*` matches a prefix).
     * @default ["cluster-admin", "system:*", "gatekeeper-manager-role", "kyverno:*"]
     */
    readonly rbacWildcardExemptRoles?: readonly string[];
    /** Admission exemptions; those naming a Gatekeeper rule widen its exclusions. @default [] */
    readonly exemptions?: readonly AdmissionExemption[];
    /** The date exemptions are checked against. @default the current date */
    readonly today?: Date;
}

/**
 * OPA Gatekeeper (enforcement layer): installs the chart into its own restricted namespace, then
 * the platform's CEL ConstraintTemplates, then one Constraint per template. Each template waits
 * for Gatekeeper to report its CRD created, and each Constraint depends on its template, so a
 * single `pulumi up` converges.
 */
export class Gatekeeper extends pulumi.ComponentResource {
    /** Where the chart came from (for the mirroring list and the report). */
    readonly chart: ResolvedChart;
    /** Every image the component deploys, after mirroring, with its digest when recorded. */
    readonly images: string[];
    /** The namespace Gatekeeper runs in. */
    readonly namespace: k8s.core.v1.Namespace;
    /** The Gatekeeper chart. */
    readonly release: k8s.helm.v4.Chart;
    /** ConstraintTemplates by rule ID. */
    readonly templates: Readonly<Record<string, k8s.apiextensions.CustomResource>>;
    /** Constraints by rule ID. */
    readonly constraints: Readonly<Record<string, k8s.apiextensions.CustomResource>>;

    constructor(name: string, args: GatekeeperArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:enforcement:Gatekeeper", name, {}, opts);
        const d = gatekeeperDefaults;
        const namespaceName = args.namespace ?? d.namespace;
        const replicas = args.replicas ?? d.replicas;
        const timeout = args.webhookTimeoutSeconds ?? d.webhookTimeoutSeconds;
        const exemptions = args.exemptions ?? [];
        if (!Number.isInteger(replicas) || replicas < 1) {
            throw new pulumi.ResourceError(
                `gatekeeper.replicas is ${replicas}; expected a whole number of at least 1`,
                this,
            );
        }
        if (!Number.isInteger(timeout) || timeout < 1 || timeout > 30) {
            throw new pulumi.ResourceError(
                `gatekeeper.webhookTimeoutSeconds is ${timeout}; expected 1 to 30 seconds`,
                this,
            );
        }
        const expired = expiredExemptions(exemptions, args.today ?? new Date());
        if (expired.length > 0) {
            throw new pulumi.ResourceError(
                `admissionExemptions: ${expired
                    .map((e) => `"${e.name}" expired on ${e.expires}`)
                    .join(", ")}; expected only exemptions that are still valid: renew each ` +
                    "with a reviewed justification and a new date, or remove it",
                this,
            );
        }
        const exemptNamespaces = [
            ...new Set([namespaceName, ...(args.exemptNamespaces ?? [])]),
        ].sort();

        this.chart = resolveChart(gatekeeperChart, args.charts ?? { overrides: {} });
        const image = pinImage(
            `${gatekeeperImage.repository}:${gatekeeperImage.tag}`,
            args.images ?? {},
        );
        this.images = [image.reference];

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            renderGatekeeperNamespace(namespaceName, args.kubernetesVersion),
            childOptions(this, opts),
        );
        this.release = chartRelease(
            `${name}-chart`,
            this.chart,
            {
                name: gatekeeperReleaseName,
                namespace: namespaceName,
                values: renderGatekeeperValues({
                    image: { repository: image.repository, tag: image.pinnedTag },
                    replicas,
                    failurePolicy: args.failurePolicy ?? d.failurePolicy,
                    webhookTimeoutSeconds: timeout,
                    exemptNamespaces,
                }),
            },
            childOptions(this, opts, {
                dependsOn: [
                    this.namespace,
                    ...(args.networkPolicies !== undefined ? [args.networkPolicies] : []),
                ],
            }),
        );

        const parameters = constraintParameters({
            allowedRegistries: args.allowedRegistries,
            requireImageDigests: args.requireImageDigests ?? d.requireImageDigests,
            disallowedTags: args.disallowedTags ?? d.disallowedTags,
            requiredNamespaceLabels: args.requiredNamespaceLabels ?? d.requiredNamespaceLabels,
            exposedServiceNamespaces: args.exposedServiceNamespaces ?? d.exposedServiceNamespaces,
            allowedExternalIPs: args.allowedExternalIPs ?? d.allowedExternalIPs,
            rbacWildcardExemptRoles: args.rbacWildcardExemptRoles ?? d.rbacWildcardExemptRoles,
            allowedCapabilities: args.allowedCapabilities ?? d.allowedCapabilities,
            requiredLimits: args.requiredLimits ?? d.requiredLimits,
        });
        const templates: Record<string, k8s.apiextensions.CustomResource> = {};
        const constraints: Record<string, k8s.apiextensions.CustomResource> = {};
        for (const def of allTemplates()) {
            // Templates need Gatekeeper's CRDs and running controller: they wait for the chart.
            templates[def.id] = new k8s.apiextensions.CustomResource(
                `${name}-template-${def.id}`,
                renderConstraintTemplate(
                    def,
                    gatekeeperLabels,
                ) as k8s.apiextensions.CustomResourceArgs,
                childOptions(this, opts, { dependsOn: [this.release] }),
            );
            // A Constraint's kind exists only once its template is created.
            constraints[def.id] = new k8s.apiextensions.CustomResource(
                `${name}-constraint-${def.id}`,
                renderConstraint(def, {
                    enforcementAction: args.enforcementAction ?? d.enforcementAction,
                    exemptNamespaces,
                    exemptions,
                    parameters: parameters[def.id],
                }) as k8s.apiextensions.CustomResourceArgs,
                childOptions(this, opts, { dependsOn: [templates[def.id]] }),
            );
        }
        this.templates = templates;
        this.constraints = constraints;

        this.registerOutputs({
            chart: this.chart.name,
            version: this.chart.version,
            images: this.images,
            namespace: namespaceName,
        });
    }
}

/** The Gatekeeper arguments a stack's settings give (the component's settings are `gatekeeper`). */
export function gatekeeperArgsFromSettings(settings: PlatformSettings): GatekeeperArgs {
    const g = settings.gatekeeper;
    return {
        kubernetesVersion: settings.kubernetesVersion,
        charts: settings.charts,
        images: settings.images,
        namespace: g.namespace,
        enforcementAction: g.enforcementAction,
        failurePolicy: g.failurePolicy,
        replicas: g.replicas,
        webhookTimeoutSeconds: g.webhookTimeoutSeconds,
        exemptNamespaces: g.exemptNamespaces,
        allowedRegistries: settings.workloads.allowedRegistries,
        requireImageDigests: settings.workloads.requireImageDigests,
        disallowedTags: g.disallowedTags,
        requiredNamespaceLabels: g.requiredNamespaceLabels,
        exposedServiceNamespaces: g.exposedServiceNamespaces,
        allowedExternalIPs: g.allowedExternalIPs,
        allowedCapabilities: g.allowedCapabilities,
        requiredLimits: g.requiredLimits,
        rbacWildcardExemptRoles: g.rbacWildcardExemptRoles,
        exemptions: settings.admissionExemptions,
    };
}
