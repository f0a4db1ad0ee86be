/**
 * Gatekeeper's arguments with their defaults applied, and the checks that refuse invalid ones
 * before any resource is declared. Messages name the setting, the value and what is expected.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
    exemptNamespacesWith,
    requireReplicas,
    requireUnexpired,
    requireWebhookTimeout,
} from "../shared/helm-component";
import { gatekeeperDefaults } from "./defaults";
import type { GatekeeperArgs } from "./index";
import { constraintParameters } from "./render";

/** What the Gatekeeper component installs with, every default applied and checked. */
export interface GatekeeperConfig {
    readonly namespace: string;
    readonly replicas: number;
    readonly failurePolicy: "Fail" | "Ignore";
    readonly webhookTimeoutSeconds: number;
    readonly enforcementAction: "dryrun" | "warn" | "deny";
    readonly exemptions: NonNullable<GatekeeperArgs["exemptions"]>;
    /** Gatekeeper's own namespace and the exempt ones, sorted. */
    readonly exemptNamespaces: string[];
    /** Each constraint's parameters by rule ID. */
    readonly parameters: ReturnType<typeof constraintParameters>;
}

/**
 * Applies Gatekeeper's defaults to `args` and refuses, as a ResourceError of `component`, a
 * replica count below 1, a webhook timeout outside 1-30 s, or an expired exemption (checked
 * against `args.today`).
 */
export function gatekeeperConfig(
    args: GatekeeperArgs,
    component: pulumi.Resource,
): GatekeeperConfig {
    const d = gatekeeperDefaults;
    const namespace = args.namespace ?? d.namespace;
    const replicas = args.replicas ?? d.replicas;
    const webhookTimeoutSeconds = args.webhookTimeoutSeconds ?? d.webhookTimeoutSeconds;
    const exemptions = args.exemptions ?? [];
    requireReplicas(component, "gatekeeper.replicas", replicas);
    requireWebhookTimeout(component, "gatekeeper.webhookTimeoutSeconds", webhookTimeoutSeconds);
    requireUnexpired(component, exemptions, args.today ?? new Date());
    return {
        namespace,
        replicas,
        failurePolicy: args.failurePolicy ?? d.failurePolicy,
        webhookTimeoutSeconds,
        enforcementAction: args.enforcementAction ?? d.enforcementAction,
        exemptions,
        exemptNamespaces: exemptNamespacesWith(namespace, args.exemptNamespaces),
        parameters: constraintParameters({
            allowedRegistries: args.allowedRegistries,
            requireImageDigests: args.requireImageDigests ?? d.requireImageDigests,
            disallowedTags: args.disallowedTags ?? d.disallowedTags,
            requiredNamespaceLabels: args.requiredNamespaceLabels ?? d.requiredNamespaceLabels,
            exposedServiceNamespaces: args.exposedServiceNamespaces ?? d.exposedServiceNamespaces,
            allowedExternalIPs: args.allowedExternalIPs ?? d.allowedExternalIPs,
            rbacWildcardExemptRoles: args.rbacWildcardExemptRoles ?? d.rbacWildcardExemptRoles,
            allowedCapabilities: args.allowedCapabilities ?? d.allowedCapabilities,
            requiredLimits: args.requiredLimits ?? d.requiredLimits,
        }),
    };
}
