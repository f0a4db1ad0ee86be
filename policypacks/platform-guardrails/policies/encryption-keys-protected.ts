import { StackValidationPolicy } from "@pulumi/policy";

/** The component that owns encryption-at-rest keys, and the resource type of a key. */
const encryptionComponentType = "sovereign:bootstrap:EncryptionAtRest";
const keyType = "random:index/randomBytes:RandomBytes";

/**
 * Encryption-at-rest keys are protected from deletion: every `random.RandomBytes` that an
 * `EncryptionAtRest` component generated has `protect: true`. Deleting or replacing such a key
 * while it still encrypts data in etcd (or in a backup) makes that data unreadable, every Secret
 * of the cluster included. `retainOnDelete` is not visible to policies; the component sets both.
 *
 * @severity critical
 * @frameworks cis-kubernetes-1.2.27, nist-800-53-sc-12, nist-800-53-sc-28, iso-27001-a.8.24
 * @topics encryption, key-management
 * @link https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/
 */
export const encryptionKeysProtected: StackValidationPolicy = {
    name: "encryption-keys-protected",
    description: "Encryption-at-rest keys must be protected from deletion.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        for (const r of args.resources) {
            if (r.type !== keyType || r.parent?.type !== encryptionComponentType) {
                continue;
            }
            if (!r.opts.protect) {
                reportViolation(
                    `RandomBytes "${r.name}" is an encryption-at-rest key of "${r.parent.name}" but is ` +
                        `not protected: deleting it loses every object it encrypts. Set protect: true ` +
                        `and retainOnDelete: true on it.`,
                    r.urn,
                );
            }
        }
    },
};
