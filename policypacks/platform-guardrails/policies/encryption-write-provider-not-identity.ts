import { StackValidationPolicy } from "@pulumi/policy";
import { isPlatformStack } from "../../lib/platform";

const encryptionComponentType = "sovereign:bootstrap:EncryptionAtRest";

/** Resource entries of an EncryptionConfiguration that cover Secrets. */
const coversSecrets = (resources: unknown): boolean =>
    Array.isArray(resources) && resources.some((r) => r === "secrets" || r === "*." || r === "*.*");

/**
 * The API server encrypts Secrets at rest: the stack has an `EncryptionAtRest` component, its
 * write provider (the provider of the primary key, first in the file) is not `identity`, and its
 * resources cover `secrets`. Without it, every Secret is written to etcd, and to every etcd
 * backup, in plaintext. Checked on the component's summary; the key material is never read.
 *
 * @severity critical
 * @frameworks cis-kubernetes-1.2.27, cis-kubernetes-1.2.28, nist-800-53-sc-28, iso-27001-a.8.24
 * @topics encryption
 * @link https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/
 */
export const encryptionWriteProviderNotIdentity: StackValidationPolicy = {
    name: "encryption-write-provider-not-identity",
    description: "Secrets must be encrypted at rest with a provider other than identity.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        if (!isPlatformStack(args.resources)) {
            args.notApplicable(
                "the stack is not built from the contour's components (no sovereign:* resource)",
            );
        }
        const components = args.resources.filter((r) => r.type === encryptionComponentType);
        if (components.length === 0) {
            reportViolation(
                "No EncryptionAtRest component in the stack: the API server writes Secrets to etcd " +
                    "in plaintext (identity). Add the component (setting encryptionAtRest).",
            );
            return;
        }
        for (const c of components) {
            const provider: unknown = c.props.writeProvider;
            if (typeof provider !== "string" || provider === "" || provider === "identity") {
                reportViolation(
                    `EncryptionAtRest "${c.name}" writes with ${typeof provider === "string" && provider !== "" ? `"${provider}"` : "no provider"}: ` +
                        `new objects are stored in plaintext. Make a secretbox, aescbc, aesgcm or kms key primary.`,
                    c.urn,
                );
            }
            if (!coversSecrets(c.props.resources)) {
                reportViolation(
                    `EncryptionAtRest "${c.name}" does not encrypt secrets (resources: ` +
                        `${JSON.stringify(c.props.resources ?? [])}). Add "secrets" to its resources.`,
                    c.urn,
                );
            }
        }
    },
};
