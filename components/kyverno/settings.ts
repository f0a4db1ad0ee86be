/**
 * The `kyverno` settings: Kyverno's policies, image verification and rollout, with their defaults
 * from `defaults.ts`.
 */
import { z } from "zod";
import { admissionExemptNamespaces } from "../gatekeeper/settings";
import { dns1123Label, failurePolicy, replicas, timeoutSeconds } from "../shared/settings";
import { kyvernoDefaults } from "./defaults";

/** Keyless (Fulcio certificate) signer identity for image verification. */
const keylessIdentity = z
    .object({
        /** OIDC issuer of the signing identity: `https://token.actions.githubusercontent.com`. */
        issuer: z.string().url({ message: "expected the OIDC issuer URL" }),
        /** Certificate subject (workflow identity); a trailing `*` matches a prefix. */
        subject: z.string().min(1),
        /** Rekor transparency log to check; a private instance for sovereign sites. */
        rekorUrl: z.string().url({ message: "expected the Rekor URL (https://...)" }),
        /** PEM roots of a private Fulcio; unset means the Sigstore public-good roots. */
        roots: z.string().min(1).optional(),
    })
    .strict();

/**
 * `kyverno.imageVerification`: Kyverno `verifyImages` denies images without a valid signature.
 * Key-based (cosign public keys) suits air-gapped sites; keyless is optional.
 */
const imageVerification = z
    .object({
        /** Verify image signatures. @default true */
        enabled: z.boolean().default(true),
        /**
         * Cosign public keys: PEM text, `k8s://<namespace>/<secret>` (key `cosign.pub`) or a KMS
         * URI (`hashivault://...`). Any one key suffices.
         * @default []
         */
        publicKeys: z.array(z.string().min(1)).default([]),
        /** A keyless signer identity accepted besides the keys. */
        keyless: keylessIdentity.optional(),
        /**
         * Rekor for key-based signatures. Unset: the transparency log and SCT checks are skipped
         * (air-gapped sites with no private Rekor), never sent to the public instance.
         */
        rekorUrl: z.string().url({ message: "expected the Rekor URL (https://...)" }).optional(),
        /**
         * Image patterns to verify. @default every `workloads.allowedRegistries` prefix followed by
         * `*`, plus the same through `images.mirror` when one is set
         */
        imageReferences: z.array(z.string().min(1)).optional(),
        /** Webhook timeout for the verifying policy in seconds. @default 30 */
        timeoutSeconds: timeoutSeconds.default(kyvernoDefaults.imageVerificationTimeoutSeconds),
    })
    .strict()
    .default({});

/**
 * `kyverno`: Kyverno, which fills secure defaults, verifies image signatures and adds guardrails
 * (Pod Security as a second line, default-deny NetworkPolicies for namespaces created outside the
 * program). Rollout is staged by `validationFailureAction`: `Audit` → `Enforce`.
 */
export const kyvernoSection = z
    .object({
        /** Install Kyverno and its policies. @default true */
        enabled: z.boolean().default(true),
        /** Namespace Kyverno runs in. @default "kyverno" */
        namespace: dns1123Label.default(kyvernoDefaults.namespace),
        /** `Audit` reports violations; `Enforce` denies them. @default "Enforce" */
        validationFailureAction: z
            .enum(["Audit", "Enforce"], {
                errorMap: () => ({ message: 'expected "Audit" or "Enforce"' }),
            })
            .default(kyvernoDefaults.validationFailureAction),
        /** What the API server does when Kyverno does not answer. @default "Fail" */
        failurePolicy: failurePolicy.default(kyvernoDefaults.failurePolicy),
        /** Admission-controller replicas (the other controllers run 2 when this is above 1). @default 3 */
        replicas: replicas.default(kyvernoDefaults.replicas),
        /** Webhook timeout of the mutating and validating policies in seconds. @default 10 */
        webhookTimeoutSeconds: timeoutSeconds.default(kyvernoDefaults.webhookTimeoutSeconds),
        /**
         * Namespaces no Kyverno policy applies to and its webhooks never see.
         * @default kube-system, kube-public, kube-node-lease, gatekeeper-system, kyverno
         */
        exemptNamespaces: admissionExemptNamespaces,
        imageVerification,
        /**
         * Generate a default-deny NetworkPolicy (DNS allowed) in every namespace created outside
         * this program. @default true
         */
        generateDefaultDeny: z.boolean().default(kyvernoDefaults.generateDefaultDeny),
    })
    .strict()
    .default({});

/** Typed `kyverno` settings. */
export type KyvernoSettings = z.infer<typeof kyvernoSection>;
