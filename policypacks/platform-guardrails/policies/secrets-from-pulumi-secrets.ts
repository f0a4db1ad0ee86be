import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import { plainEntries, unwrapProxies } from "../lib/secretness";

const secretType = "kubernetes:core/v1:Secret";
const fields = ["data", "stringData"];

/**
 * What the remediation pass saw, by resource URN: the fields whose values were not secrets. Read
 * (and dropped) by the validation pass of the same resource, which the engine runs right after.
 */
const observed = new Map<string, string[]>();

/**
 * Secret data only from Pulumi secrets: every value of a `kubernetes:core/v1:Secret`'s `data` and
 * `stringData` must be a Pulumi secret (`pulumi.secret(...)`, a secret config value, or an output
 * of @pulumi/random or @pulumi/tls), never a literal or a plain output. A plain value sits in the
 * program, the stack file or an unencrypted output before it reaches the cluster.
 *
 * Validation policies cannot see secretness (see `../lib/secretness.ts`), so this policy runs at
 * enforcement level `remediate`: its `remediateResource` inspects the secret-preserving props and
 * records which fields are plain, changing nothing; its `validateResource`, which the engine runs
 * next for the same resource, reports them (the SDK reports a `remediate` policy's violations as
 * mandatory). Fail closed: when no remediation pass ran (the level was set to `mandatory` or
 * `advisory` in pack config, or a tool called `Analyze` without `Remediate`), a Secret with data is
 * reported as unverifiable.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.4.2, nist-800-53-sc-28, nist-800-53-sc-12, nist-800-53-ia-5(7), iso-27001-a.5.17, iso-27001-a.8.24
 * @topics secrets
 * @link https://www.pulumi.com/docs/iac/concepts/secrets/
 */
export const secretsFromPulumiSecrets: ResourceValidationPolicy = {
    name: "secrets-from-pulumi-secrets",
    description: "Secret data and stringData values must be Pulumi secrets, never plain values.",
    // `remediate` is what makes the engine hand this policy secret-preserving props (see above).
    enforcementLevel: "remediate",
    remediateResource: (args) => {
        if (args.type !== secretType) {
            return undefined;
        }
        const raw = unwrapProxies(args.props);
        observed.set(
            args.urn,
            fields.flatMap((field) => plainEntries(raw, field)),
        );
        return undefined;
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== secretType) {
            return;
        }
        const object = describeObject(args.type, args.props, args.name);
        const seen = observed.get(args.urn);
        observed.delete(args.urn);
        if (seen !== undefined) {
            // The remediation pass saw the values (unknown ones included) with their secretness.
            if (seen.length > 0) {
                reportViolation(
                    `${object} has plain (non-secret) values in ${seen.join(", ")}. Pass them as ` +
                        `Pulumi secrets: pulumi.secret(...), a secret config value ` +
                        `(pulumi config set --secret), or a @pulumi/random or @pulumi/tls output.`,
                );
            }
            return;
        }
        const declared = fields.filter((field) => {
            const value: unknown = args.props[field];
            return isObject(value) ? Object.keys(value).length > 0 : value != null;
        });
        if (declared.length > 0) {
            reportViolation(
                `${object}: cannot verify that ${declared.join(" and ")} come from Pulumi ` +
                    `secrets, because the remediation pass of secrets-from-pulumi-secrets did not ` +
                    `run for it. Keep the policy at enforcementLevel "remediate" (its default) so ` +
                    `the engine shows it which values are secret.`,
            );
        }
    },
};
