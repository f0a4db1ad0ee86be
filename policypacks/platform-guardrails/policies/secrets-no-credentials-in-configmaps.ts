import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import {
    credentialEvidence,
    credentialFormatOf,
    embeddedCredentials,
    keyPath,
} from "../lib/credentials";

/** Config of {@link secretsNoCredentialsInConfigmaps}. */
export interface NoCredentialsInConfigMapsConfig {
    /** ConfigMap keys never reported (keys known to hold no credential despite their name). */
    readonly ignoredKeys: string[];
}

/**
 * No private keys, tokens or passwords in ConfigMaps. ConfigMaps are readable by anyone with
 * `get configmaps` in the namespace, are logged at Metadata level only by choice rather than by
 * design, and are not meant to be encrypted at rest. Checks every `data` value (its format, and its
 * key name with a literal value), each `key = value` / `key: value` line of a config file held in
 * a value, and `binaryData` values (decoded) for key material. The message names the key, never the
 * value.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.4.1, nist-800-53-sc-28, nist-800-53-ia-5(7), iso-27001-a.5.17, iso-27001-a.8.12
 * @topics secrets
 * @link https://kubernetes.io/docs/concepts/configuration/secret/#alternatives-to-secrets
 */
export const secretsNoCredentialsInConfigmaps: ResourceValidationPolicy = {
    name: "secrets-no-credentials-in-configmaps",
    description: "ConfigMaps must not hold private keys, tokens or passwords.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ignoredKeys: {
                type: "array",
                items: { type: "string", minLength: 1 },
                default: [],
                description: "ConfigMap keys never reported (keys known to hold no credential).",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:ConfigMap") {
            return;
        }
        const { ignoredKeys } = args.getConfig<NoCredentialsInConfigMapsConfig>();
        const offenders: string[] = [];
        const data: unknown = args.props.data;
        if (isObject(data)) {
            for (const [key, value] of Object.entries(data)) {
                if (typeof value !== "string" || ignoredKeys.includes(key)) {
                    continue;
                }
                const evidence = credentialEvidence(key, value);
                if (evidence !== undefined) {
                    offenders.push(`${keyPath("data", key)} ${evidence}`);
                    continue;
                }
                for (const found of embeddedCredentials(value)) {
                    if (!ignoredKeys.includes(found.key)) {
                        offenders.push(
                            `${keyPath("data", key)} line ${found.line}: "${found.key}" ${found.evidence}`,
                        );
                    }
                }
            }
        }
        const binaryData: unknown = args.props.binaryData;
        if (isObject(binaryData)) {
            for (const [key, value] of Object.entries(binaryData)) {
                if (typeof value !== "string" || ignoredKeys.includes(key)) {
                    continue;
                }
                const format = credentialFormatOf(Buffer.from(value, "base64").toString("latin1"));
                if (format !== undefined) {
                    offenders.push(`${keyPath("binaryData", key)} holds ${format}`);
                }
            }
        }
        if (offenders.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} holds credentials: ` +
                    `${offenders.join("; ")}. Move them into a Secret created from Pulumi secrets ` +
                    `and mount it or reference it with secretKeyRef.`,
            );
        }
    },
};
