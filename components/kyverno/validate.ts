/**
 * Kyverno's arguments with their defaults applied, and the checks that refuse invalid ones before
 * any resource is declared. Messages name the setting, the value and what is expected.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    exemptNamespacesWith,
    requireReplicas,
    requireUnexpired,
    requireWebhookTimeout,
} from "../shared/helm-component";
import { kyvernoDefaults } from "./defaults";
import type { KyvernoArgs, KyvernoImageVerificationArgs } from "./index";
import { imageReferencesFor, PoliciesInput } from "./render";

/** What the Kyverno component installs with, every default applied and checked. */
export interface KyvernoConfig {
    readonly namespace: string;
    readonly replicas: number;
    /** Whether image signatures are verified. */
    readonly verify: boolean;
    readonly exemptions: NonNullable<KyvernoArgs["exemptions"]>;
    /** Kyverno's own namespace and the exempt ones, sorted. */
    readonly exemptNamespaces: string[];
    /** What the platform's ClusterPolicies are rendered from. */
    readonly policies: PoliciesInput;
}

/**
 * Applies Kyverno's defaults to `args` and refuses, as a ResourceError of `component`, a replica
 * count below 1, a webhook timeout outside 1-30 s, signature verification with neither a key nor
 * a keyless identity, or an expired exemption (checked against `args.today`).
 */
export function kyvernoConfig(args: KyvernoArgs, component: pulumi.Resource): KyvernoConfig {
    const d = kyvernoDefaults;
    const namespace = args.namespace ?? d.namespace;
    const replicas = args.replicas ?? d.replicas;
    const webhookTimeoutSeconds = args.webhookTimeoutSeconds ?? d.webhookTimeoutSeconds;
    const iv = args.imageVerification ?? {};
    const exemptions = args.exemptions ?? [];
    requireReplicas(component, "kyverno.replicas", replicas);
    requireWebhookTimeout(component, "kyverno.webhookTimeoutSeconds", webhookTimeoutSeconds);
    const verify = iv.enabled ?? true;
    if (verify && (iv.publicKeys ?? []).length === 0 && iv.keyless === undefined) {
        throw new pulumi.ResourceError(
            "kyverno.imageVerification is enabled with no cosign public key and no keyless " +
                "identity; expected at least one entry in kyverno.imageVerification.publicKeys " +
                "(PEM, k8s://<namespace>/<secret> or a KMS URI) or a kyverno.imageVerification.keyless " +
                "identity (or kyverno.imageVerification.enabled: false, which admits unsigned images)",
            component,
        );
    }
    requireUnexpired(component, exemptions, args.today ?? new Date());
    const exemptNamespaces = exemptNamespacesWith(namespace, args.exemptNamespaces);
    return {
        namespace,
        replicas,
        verify,
        exemptions,
        exemptNamespaces,
        policies: {
            validationFailureAction: args.validationFailureAction ?? d.validationFailureAction,
            failurePolicy: args.failurePolicy ?? d.failurePolicy,
            webhookTimeoutSeconds,
            exemptNamespaces,
            podSecurityLevel: args.podSecurityLevel ?? d.podSecurityLevel,
            imageVerification: verify ? imageVerificationOf(args, iv) : undefined,
            generateDefaultDeny: args.generateDefaultDeny ?? d.generateDefaultDeny,
        },
    };
}

/** The verifying policy's settings: the given ones, else patterns from the allowed registries. */
function imageVerificationOf(
    args: KyvernoArgs,
    iv: KyvernoImageVerificationArgs,
): PoliciesInput["imageVerification"] {
    return {
        imageReferences:
            iv.imageReferences ?? imageReferencesFor(args.allowedRegistries, args.images ?? {}),
        publicKeys: iv.publicKeys ?? [],
        keyless: iv.keyless,
        rekorUrl: iv.rekorUrl,
        timeoutSeconds: iv.timeoutSeconds ?? kyvernoDefaults.imageVerificationTimeoutSeconds,
    };
}
