import { PolicyConfigSchema } from "@pulumi/policy";

/** The Pod Security Standards levels a pod-security policy can be configured for. */
export type PodSecurityLevel = "baseline" | "restricted";

/** The config every `pod-security-*` policy accepts: the level it enforces. */
export interface PodSecurityConfig {
    /** The Pod Security Standards level. @default "restricted" */
    readonly level: PodSecurityLevel;
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
    },
};
