import { PolicyConfigSchema } from "@pulumi/policy";

/** The Pod Security Standards levels a pod-security policy can be configured for. */
export type PodSecurityLevel = "baseline" | "restricted";

/** The config every `pod-security-*` policy accepts: the level it enforces. */
export interface PodSecurityConfig {
    /** The Pod Security Standards level. @default "restricted" */
    readonly level: PodSecurityLevel;
    /**
     * Namespaces the policy does not judge: system namespaces that enforce Pod Security
     * `privileged` with a recorded reason (the same namespaces Pod Security Admission exempts by
     * their label). @default []
     */
    readonly exemptNamespaces?: readonly string[];
}

/**
 * Config schema shared by the `pod-security-*` policies. The default is the strictest level, so a
 * stack that configures nothing gets `restricted` (secure by default).
 */
export const podSecurityConfigSchema: PolicyConfigSchema = {
    properties: {
        level: {
            type: "string",
            enum: ["baseline", "restricted"],
            default: "restricted",
            description: "Pod Security Standards level to enforce.",
        },
        exemptNamespaces: {
            type: "array",
            items: { type: "string", minLength: 1 },
            uniqueItems: true,
            // No schema default (none exempt when unset), so the level stays the only default.
            description:
                "Namespaces not judged: privileged system namespaces, each with its reason recorded on the namespace.",
        },
    },
};
