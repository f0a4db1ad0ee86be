import { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, describeObject, isObject, podTemplateOf } from "../../lib/workloads";
import { credentialEvidence } from "../lib/credentials";

/** Config of {@link secretsNoCredentialsInEnv}. */
export interface NoCredentialsInEnvConfig {
    /** Environment variable names never reported (names known to hold no credential). */
    readonly ignoredNames: string[];
}

/**
 * No private keys, tokens or passwords as literal container environment values (`env[].value`) in
 * any container list of any pod-bearing kind. A literal value sits in the object itself, readable by
 * anyone who can read the workload, and in the Pulumi state and program; a credential belongs in a
 * Secret, referenced with `valueFrom.secretKeyRef` or, better, mounted as a file (CIS 5.4.1). The
 * message names the variable, never its value.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.4.1, nist-800-53-sc-28, nist-800-53-ia-5(7), iso-27001-a.5.17, iso-27001-a.8.12
 * @topics secrets, workloads
 * @link https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
 */
export const secretsNoCredentialsInEnv: ResourceValidationPolicy = {
    name: "secrets-no-credentials-in-env",
    description:
        "Containers must not carry private keys, tokens or passwords as literal env values.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ignoredNames: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: [],
                description: "Environment variable names never reported.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined) {
            return;
        }
        const { ignoredNames } = args.getConfig<NoCredentialsInEnvConfig>();
        const offenders: string[] = [];
        for (const ref of containersOf(template)) {
            const env: unknown = ref.container.env;
            if (!Array.isArray(env)) {
                continue;
            }
            env.forEach((variable: unknown, index: number) => {
                if (
                    !isObject(variable) ||
                    typeof variable.name !== "string" ||
                    typeof variable.value !== "string" ||
                    ignoredNames.includes(variable.name)
                ) {
                    return;
                }
                const evidence = credentialEvidence(variable.name, variable.value);
                if (evidence !== undefined) {
                    offenders.push(`${ref.path}.env[${index}] (${variable.name}) ${evidence}`);
                }
            });
        }
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} has credentials in literal ` +
                    `env values: ${offenders.join("; ")}. Put them in a Secret created from ` +
                    `Pulumi secrets and use env[].valueFrom.secretKeyRef, or mount the Secret as a file.`,
            );
        }
    },
};
