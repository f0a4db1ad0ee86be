import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { expiredExemptions, type AdmissionExemption } from "../../stacks/sections/admission";
import type { PlatformSettings } from "../../stacks/schema";
import type { ChartsSettings, ImagesSettings } from "../../stacks/sections/sources";
import { resolveChart, ResolvedChart } from "../shared/chart-source";
import { chartRelease } from "../shared/chart-release";
import { childOptions } from "../shared/options";
import {
    kyvernoAppVersion,
    kyvernoChart,
    kyvernoDefaults,
    kyvernoImages,
    kyvernoReadinessCheckerImage,
    kyvernoRegistry,
    kyvernoReleaseName,
} from "./defaults";
import {
    chartImage,
    imageReference,
    imageReferencesFor,
    renderClusterPolicies,
    renderKyvernoNamespace,
    renderKyvernoValues,
    renderPolicyException,
} from "./render";

/** Image-signature verification of {@link KyvernoArgs}. */
export interface KyvernoImageVerificationArgs {
    /** Verify image signatures. @default true */
    readonly enabled?: boolean;
    /** Cosign public keys (PEM, `k8s://<ns>/<secret>` or a KMS URI); any one suffices. @default [] */
    readonly publicKeys?: readonly string[];
    /** A keyless signer identity accepted besides the keys. @default none */
    readonly keyless?: {
        readonly issuer: string;
        readonly subject: string;
        readonly rekorUrl: string;
        readonly roots?: string;
    };
    /** Rekor for key-based signatures; unset skips the transparency-log checks. @default none */
    readonly rekorUrl?: string;
    /** Image patterns to verify. @default derived from `allowedRegistries` and the mirror */
    readonly imageReferences?: readonly string[];
    /** Webhook timeout of the verifying policy in seconds. @default 30 */
    readonly timeoutSeconds?: number;
}

/** Arguments of {@link Kyverno}. */
export interface KyvernoArgs {
    /** Target Kubernetes minor version (pinned in the namespace's Pod Security labels). */
    readonly kubernetesVersion: string;
    /** Chart sources (`charts` settings): upstream by default, a mirror or a local chart. @default {} */
    readonly charts?: ChartsSettings;
    /** Image mirror and digests (`images` settings). @default {} (upstream registries, no digest) */
    readonly images?: ImagesSettings;
    /** Namespace Kyverno runs in; created by the component. @default "kyverno" */
    readonly namespace?: string;
    /**
     * What the chart's pods wait for besides the namespace: the namespace's NetworkPolicies
     * (PlatformNetwork), which can exist only once this component has created the namespace, hence
     * an Input (the platform passes a promise). @default nothing
     */
    readonly networkPolicies?: pulumi.Input<pulumi.Resource>;
    /** `Audit` reports violations, `Enforce` denies them. @default "Enforce" */
    readonly validationFailureAction?: "Audit" | "Enforce";
    /** The policies' failurePolicy. @default "Fail" */
    readonly failurePolicy?: "Fail" | "Ignore";
    /** Admission-controller replicas. @default 3 */
    readonly replicas?: number;
    /** Webhook timeout of the mutating and validating policies (1-30 s). @default 10 */
    readonly webhookTimeoutSeconds?: number;
    /**
     * System namespaces no policy applies to; the component's own namespace is always added.
     * @default [] (only Kyverno's namespace)
     */
    readonly exemptNamespaces?: readonly string[];
    /** Pod Security level of the second-line check. @default "restricted" */
    readonly podSecurityLevel?: "baseline" | "restricted";
    /** Allowed registry prefixes (the default image patterns to verify). */
    readonly allowedRegistries: readonly string[];
    /** Image-signature verification. @default enabled, with no key (which is refused) */
    readonly imageVerification?: KyvernoImageVerificationArgs;
    /** Generate default-deny NetworkPolicies in namespaces created outside the program. @default true */
    readonly generateDefaultDeny?: boolean;
    /** Admission exemptions; those naming a Kyverno rule become PolicyExceptions. @default [] */
    readonly exemptions?: readonly AdmissionExemption[];
    /** The date exemptions are checked against. @default the current date */
    readonly today?: Date;
}

/**
 * Kyverno (enforcement layer): installs the chart into its own restricted namespace, then the
 * platform's ClusterPolicies (secure-default mutation, image-signature verification, Pod Security
 * as a second line, default-deny networking for unmanaged namespaces) and a PolicyException per
 * exemption. Policies wait for the chart and report Ready only once Kyverno has configured their
 * webhooks, so a single `pulumi up` converges.
 */
export class Kyverno extends pulumi.ComponentResource {
    /** Where the chart came from (for the mirroring list and the report). */
    readonly chart: ResolvedChart;
    /** Every image the component deploys or names, after mirroring, with its digest when recorded. */
    readonly images: string[];
    /** The namespace Kyverno runs in. */
    readonly namespace: k8s.core.v1.Namespace;
    /** The Kyverno chart. */
    readonly release: k8s.helm.v4.Chart;
    /** ClusterPolicies by name. */
    readonly policies: Readonly<Record<string, k8s.apiextensions.CustomResource>>;
    /** PolicyExceptions by exemption name. */
    readonly exceptions: Readonly<Record<string, k8s.apiextensions.CustomResource>>;

    constructor(name: string, args: KyvernoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:enforcement:Kyverno", name, {}, opts);
        const d = kyvernoDefaults;
        const namespaceName = args.namespace ?? d.namespace;
        const replicas = args.replicas ?? d.replicas;
        const timeout = args.webhookTimeoutSeconds ?? d.webhookTimeoutSeconds;
        const iv = args.imageVerification ?? {};
        const exemptions = args.exemptions ?? [];
        const images = args.images ?? {};
        if (!Number.isInteger(replicas) || replicas < 1) {
            throw new pulumi.ResourceError(
                `kyverno.replicas is ${replicas}; expected a whole number of at least 1`,
                this,
            );
        }
        if (!Number.isInteger(timeout) || timeout < 1 || timeout > 30) {
            throw new pulumi.ResourceError(
                `kyverno.webhookTimeoutSeconds is ${timeout}; expected 1 to 30 seconds`,
                this,
            );
        }
        const verify = iv.enabled ?? true;
        if (verify && (iv.publicKeys ?? []).length === 0 && iv.keyless === undefined) {
            throw new pulumi.ResourceError(
                "kyverno.imageVerification is enabled with no cosign public key and no keyless " +
                    "identity; expected at least one entry in kyverno.imageVerification.publicKeys " +
                    "(PEM, k8s://<namespace>/<secret> or a KMS URI) or a kyverno.imageVerification.keyless " +
                    "identity (or kyverno.imageVerification.enabled: false, which admits unsigned images)",
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

        this.chart = resolveChart(kyvernoChart, args.charts ?? { overrides: {} });
        const chartImages = {
            admissionController: chartImage(
                kyvernoRegistry,
                kyvernoImages.admissionController,
                kyvernoAppVersion,
                images,
            ),
            admissionInit: chartImage(
                kyvernoRegistry,
                kyvernoImages.admissionInit,
                kyvernoAppVersion,
                images,
            ),
            backgroundController: chartImage(
                kyvernoRegistry,
                kyvernoImages.backgroundController,
                kyvernoAppVersion,
                images,
            ),
            cleanupController: chartImage(
                kyvernoRegistry,
                kyvernoImages.cleanupController,
                kyvernoAppVersion,
                images,
            ),
            reportsController: chartImage(
                kyvernoRegistry,
                kyvernoImages.reportsController,
                kyvernoAppVersion,
                images,
            ),
            readinessChecker: chartImage(
                kyvernoReadinessCheckerImage.registry,
                kyvernoReadinessCheckerImage.repository,
                kyvernoReadinessCheckerImage.tag,
                images,
            ),
        };
        this.images = Object.values(chartImages).map(imageReference);

        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            renderKyvernoNamespace(namespaceName, args.kubernetesVersion),
            childOptions(this, opts),
        );
        const failurePolicy = args.failurePolicy ?? d.failurePolicy;
        this.release = chartRelease(
            `${name}-chart`,
            this.chart,
            {
                name: kyvernoReleaseName,
                namespace: namespaceName,
                values: renderKyvernoValues({
                    namespace: namespaceName,
                    replicas,
                    failurePolicy,
                    exemptNamespaces,
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

        const rendered = renderClusterPolicies({
            validationFailureAction: args.validationFailureAction ?? d.validationFailureAction,
            failurePolicy,
            webhookTimeoutSeconds: timeout,
            exemptNamespaces,
            podSecurityLevel: args.podSecurityLevel ?? d.podSecurityLevel,
            imageVerification: verify
                ? {
                      imageReferences:
                          iv.imageReferences ?? imageReferencesFor(args.allowedRegistries, images),
                      publicKeys: iv.publicKeys ?? [],
                      keyless: iv.keyless,
                      rekorUrl: iv.rekorUrl,
                      timeoutSeconds: iv.timeoutSeconds ?? d.imageVerificationTimeoutSeconds,
                  }
                : undefined,
            generateDefaultDeny: args.generateDefaultDeny ?? d.generateDefaultDeny,
        });
        const policies: Record<string, k8s.apiextensions.CustomResource> = {};
        for (const policy of rendered) {
            const policyName = (policy.metadata as { name: string }).name;
            // Policies need Kyverno's CRDs and a running admission controller: they wait for the
            // chart, and each reports Ready once its webhooks are in place (pulumi.com/waitFor).
            policies[policyName] = new k8s.apiextensions.CustomResource(
                `${name}-policy-${policyName.replace(/^sovereign-/, "")}`,
                policy as k8s.apiextensions.CustomResourceArgs,
                childOptions(this, opts, { dependsOn: [this.release] }),
            );
        }
        const exceptions: Record<string, k8s.apiextensions.CustomResource> = {};
        for (const exemption of exemptions) {
            const exception = renderPolicyException(exemption, namespaceName, verify);
            if (exception === undefined) {
                continue;
            }
            const referenced = (
                exception.spec as { exceptions: { policyName: string }[] }
            ).exceptions
                .map((e) => policies[e.policyName])
                .filter((p): p is k8s.apiextensions.CustomResource => p !== undefined);
            exceptions[exemption.name] = new k8s.apiextensions.CustomResource(
                `${name}-exception-${exemption.name}`,
                exception as k8s.apiextensions.CustomResourceArgs,
                childOptions(this, opts, { dependsOn: [this.release, ...referenced] }),
            );
        }
        this.policies = policies;
        this.exceptions = exceptions;

        this.registerOutputs({
            chart: this.chart.name,
            version: this.chart.version,
            images: this.images,
            namespace: namespaceName,
        });
    }
}

/** The Kyverno arguments a stack's settings give (the component's settings are `kyverno`). */
export function kyvernoArgsFromSettings(settings: PlatformSettings): KyvernoArgs {
    const k = settings.kyverno;
    return {
        kubernetesVersion: settings.kubernetesVersion,
        charts: settings.charts,
        images: settings.images,
        namespace: k.namespace,
        validationFailureAction: k.validationFailureAction,
        failurePolicy: k.failurePolicy,
        replicas: k.replicas,
        webhookTimeoutSeconds: k.webhookTimeoutSeconds,
        exemptNamespaces: k.exemptNamespaces,
        podSecurityLevel: settings.workloads.podSecurityLevel,
        allowedRegistries: settings.workloads.allowedRegistries,
        imageVerification: k.imageVerification,
        generateDefaultDeny: k.generateDefaultDeny,
        exemptions: settings.admissionExemptions,
    };
}
