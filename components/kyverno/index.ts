import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { AdmissionExemption } from "../../contract/exemptions";
import type { PlatformSettings } from "../platform/settings";
import { pinRegistryImage, RegistryImage, ResolvedChart } from "../shared/chart-source";
import { helmArgsFromSettings, HelmComponentArgs, HelmInstaller } from "../shared/helm-component";
import {
    kyvernoAppVersion,
    kyvernoChart,
    kyvernoImages,
    kyvernoReadinessCheckerImage,
    kyvernoRegistry,
    kyvernoReleaseName,
} from "./defaults";
import {
    imageReference,
    renderClusterPolicies,
    renderKyvernoNamespace,
    renderKyvernoValues,
    renderPolicyException,
} from "./render";
import { KyvernoConfig, kyvernoConfig } from "./validate";

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
export interface KyvernoArgs extends HelmComponentArgs {
    /** Namespace Kyverno runs in; created by the component. @default "kyverno" */
    readonly namespace?: string;
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
 * The images the chart runs or names, as it composes them (`registry/repository:tag`), by values
 * key: the controllers at the app version under Kyverno's registry, then the readiness checker.
 */
const kyvernoUpstreamImages: Readonly<
    Record<keyof typeof kyvernoImages | "readinessChecker", RegistryImage>
> = {
    ...(Object.fromEntries(
        Object.entries(kyvernoImages).map(([key, repository]) => [
            key,
            { registry: kyvernoRegistry, repository, tag: kyvernoAppVersion },
        ]),
    ) as Record<keyof typeof kyvernoImages, RegistryImage>),
    readinessChecker: kyvernoReadinessCheckerImage,
};

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
        const config = kyvernoConfig(args, this);
        const helm = new HelmInstaller(this, name, args, opts);
        this.chart = helm.chart(kyvernoChart);
        const chartImages = helm.mirror(kyvernoUpstreamImages, pinRegistryImage, imageReference);
        this.images = helm.images;
        ({ namespace: this.namespace, release: this.release } = helm.install(
            this.chart,
            renderKyvernoNamespace(config.namespace, args.kubernetesVersion),
            {
                name: kyvernoReleaseName,
                namespace: config.namespace,
                values: renderKyvernoValues({
                    namespace: config.namespace,
                    replicas: config.replicas,
                    failurePolicy: config.policies.failurePolicy,
                    exemptNamespaces: config.exemptNamespaces,
                    images: chartImages,
                }),
            },
        ));

        const policies: Record<string, k8s.apiextensions.CustomResource> = {};
        for (const policy of renderClusterPolicies(config.policies)) {
            const policyName = (policy.metadata as { name: string }).name;
            // Policies need Kyverno's CRDs and a running admission controller: they wait for the
            // chart, and each reports Ready once its webhooks are in place (pulumi.com/waitFor).
            policies[policyName] = new k8s.apiextensions.CustomResource(
                `${name}-policy-${policyName.replace(/^sovereign-/, "")}`,
                policy as k8s.apiextensions.CustomResourceArgs,
                helm.options({ dependsOn: [this.release] }),
            );
        }
        this.policies = policies;
        this.exceptions = createExceptions(helm, config, this.release, policies);

        this.registerOutputs(helm.chartOutputs(config.namespace));
    }
}

/**
 * A PolicyException per exemption that names a Kyverno rule, each waiting for the chart (its CRD)
 * and for the policies it names.
 */
function createExceptions(
    helm: HelmInstaller,
    config: KyvernoConfig,
    release: k8s.helm.v4.Chart,
    policies: Readonly<Record<string, k8s.apiextensions.CustomResource>>,
): Record<string, k8s.apiextensions.CustomResource> {
    const exceptions: Record<string, k8s.apiextensions.CustomResource> = {};
    for (const exemption of config.exemptions) {
        const exception = renderPolicyException(exemption, config.namespace, config.verify);
        if (exception === undefined) {
            continue;
        }
        const referenced = (exception.spec as { exceptions: { policyName: string }[] }).exceptions
            .map((e) => policies[e.policyName])
            .filter((p): p is k8s.apiextensions.CustomResource => p !== undefined);
        exceptions[exemption.name] = new k8s.apiextensions.CustomResource(
            `${helm.name}-exception-${exemption.name}`,
            exception as k8s.apiextensions.CustomResourceArgs,
            helm.options({ dependsOn: [release, ...referenced] }),
        );
    }
    return exceptions;
}

/** The Kyverno arguments a stack's settings give (the component's settings are `kyverno`). */
export function kyvernoArgsFromSettings(settings: PlatformSettings): KyvernoArgs {
    const k = settings.kyverno;
    return {
        ...helmArgsFromSettings(settings),
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
