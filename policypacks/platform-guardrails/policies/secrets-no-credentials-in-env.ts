import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, podTemplateOf } from "../../lib/workloads";
import { podCredentials } from "../lib/pod-credentials";

/** Config of {@link secretsNoCredentialsInEnv}. */
export interface NoCredentialsInEnvConfig {
    /**
     * Names never reported: environment variables, command-line flags (without their dashes) and
     * assignments, header names, annotation keys and volume attribute keys known to hold no
     * credential.
     */
    readonly ignoredNames: string[];
}

/**
 * No private keys, tokens or passwords as literals anywhere in a pod spec of any pod-bearing kind:
 * container environment values (and command lines held in them), `command` and `args`
 * (`--db-password=...`, `--token <value>`, `PGPASSWORD=...` and `-D...Password=...` in a shell
 * script), probe and lifecycle-hook commands and HTTP headers (`Authorization: Bearer ...`), inline
 * CSI and flex volume settings, and the annotations of the object and its pod template; in every
 * container list. A literal sits in the object itself, readable by anyone who can read the
 * workload, and in the Pulumi state and program; a credential belongs in a Secret, referenced with
 * `valueFrom.secretKeyRef` (and `$(VAR)` of that variable in command and args) or, better, mounted
 * as a file whose path is passed (`--password-file=/path`) (CIS 5.4.1). References (`$(VAR)`,
 * `${VAR}`, `$VAR`, `$(cat /path)`), flags about a credential (`--token-ttl`, `--password-file`)
 * and key-file paths (`--private-key=/path`) pass. The message names the field and the flag or
 * variable, never the value. The name is kept from when only env values were judged, so existing
 * pack config stays valid; see ../lib/pod-credentials.ts for every field judged.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.4.1, nist-800-53-sc-28, nist-800-53-ia-5(7), iso-27001-a.5.17, iso-27001-a.8.12
 * @topics secrets, workloads
 * @link https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
 */
export const secretsNoCredentialsInEnv: ResourceValidationPolicy = {
    name: "secrets-no-credentials-in-env",
    description:
        "Pod specs must not carry private keys, tokens or passwords as literals (env, command, args, probes, hooks, annotations, volume settings).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ignoredNames: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: [],
                description:
                    "Names never reported: env variables, flags (without dashes), header names, annotation and volume attribute keys.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined) {
            return;
        }
        const { ignoredNames } = args.getConfig<NoCredentialsInEnvConfig>();
        const offenders = podCredentials(args.props, template, ignoredNames);
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} has literal credentials in ` +
                    `its pod spec: ${offenders.join("; ")}. Put them in a Secret created from ` +
                    `Pulumi secrets and reference it: env[].valueFrom.secretKeyRef (with $(VAR) ` +
                    `of that variable in command and args), or mount the Secret as a file and ` +
                    `pass its path.`,
            );
        }
    },
};
