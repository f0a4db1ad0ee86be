import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AdmissionExemption } from "../../contract/exemptions";
import type { PlatformSettings } from "../platform/settings";
import type { ImagesSettings } from "../shared/settings";
import { pinImage, PinnedImage, ResolvedChart } from "../shared/chart-source";
import { helmArgsFromSettings, HelmComponentArgs, HelmInstaller } from "../shared/helm-component";
import { gatekeeperChart, gatekeeperImage, gatekeeperReleaseName } from "./defaults";
import {
    allTemplates,
    gatekeeperLabels,
    renderConstraint,
    renderGatekeeperNamespace,
    renderGatekeeperValues,
} from "./render";
import { renderConstraintTemplate } from "./templates";
import { gatekeeperConfig } from "./validate";

/** Arguments of {@link Gatekeeper}. */
export interface GatekeeperArgs extends HelmComponentArgs {
    /** Namespace Gatekeeper runs in; created by the component. @default "gatekeeper-system" */
    readonly namespace?: string;
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

/** The Gatekeeper image through the mirror, pinned by its recorded digest (see {@link pinImage}). */
function pinnedImage(
    image: { readonly repository: string; readonly tag: string },
    images: ImagesSettings,
): PinnedImage {
    return pinImage(`${image.repository}:${image.tag}`, images);
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
        const config = gatekeeperConfig(args, this);
        const helm = new HelmInstaller(this, name, args, opts);
        this.chart = helm.chart(gatekeeperChart);
        const { image } = helm.mirror({ image: gatekeeperImage }, pinnedImage, (i) => i.reference);
        this.images = helm.images;
        ({ namespace: this.namespace, release: this.release } = helm.install(
            this.chart,
            renderGatekeeperNamespace(config.namespace, args.kubernetesVersion),
            {
                name: gatekeeperReleaseName,
                namespace: config.namespace,
                values: renderGatekeeperValues({
                    image: { repository: image.repository, tag: image.pinnedTag },
                    replicas: config.replicas,
                    failurePolicy: config.failurePolicy,
                    webhookTimeoutSeconds: config.webhookTimeoutSeconds,
                    exemptNamespaces: config.exemptNamespaces,
                }),
            },
        ));

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
                helm.options({ dependsOn: [this.release] }),
            );
            // A Constraint's kind exists only once its template is created.
            constraints[def.id] = new k8s.apiextensions.CustomResource(
                `${name}-constraint-${def.id}`,
                renderConstraint(def, {
                    enforcementAction: config.enforcementAction,
                    exemptNamespaces: config.exemptNamespaces,
                    exemptions: config.exemptions,
                    parameters: config.parameters[def.id],
                }) as k8s.apiextensions.CustomResourceArgs,
                helm.options({ dependsOn: [templates[def.id]] }),
            );
        }
        this.templates = templates;
        this.constraints = constraints;

        this.registerOutputs(helm.chartOutputs(config.namespace));
    }
}

/** The Gatekeeper arguments a stack's settings give (the component's settings are `gatekeeper`). */
export function gatekeeperArgsFromSettings(settings: PlatformSettings): GatekeeperArgs {
    const g = settings.gatekeeper;
    return {
        ...helmArgsFromSettings(settings),
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
