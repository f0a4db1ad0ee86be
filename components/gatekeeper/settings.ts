/**
 * The `gatekeeper` settings: OPA Gatekeeper and the constraints it enforces, with their defaults
 * from `defaults.ts`, and the namespaces no admission rule applies to by default (shared with
 * Kyverno's settings).
 */
import { z } from "zod";
import { kyvernoDefaults } from "../kyverno/defaults";
import { dns1123Label, failurePolicy, replicas, timeoutSeconds } from "../shared/settings";
import { gatekeeperDefaults } from "./defaults";

/**
 * The namespaces of the cluster's own system contour that admission policies never apply to: the
 * control plane's namespaces and the two admission controllers' own. Nothing else is exempt by
 * default; a component that must run outside the policies adds its namespace explicitly.
 */
export const defaultAdmissionExemptNamespaces: readonly string[] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    gatekeeperDefaults.namespace,
    kyvernoDefaults.namespace,
];

/** `exemptNamespaces` of both admission controllers. */
export const admissionExemptNamespaces = z
    .array(dns1123Label)
    .default([...defaultAdmissionExemptNamespaces]);

/** A Kubernetes label key (optionally prefixed: `example.com/owner`). */
const labelKey = z
    .string()
    .regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, {
        message: "expected a label key such as owner or example.com/owner",
    });

/**
 * `gatekeeper`: OPA Gatekeeper, the platform's validating admission controller, and the
 * constraints it enforces. Rollout is staged by `enforcementAction`: `dryrun` (audit only) →
 * `warn` → `deny`.
 */
export const gatekeeperSection = z
    .object({
        /** Install Gatekeeper and its constraints. @default true */
        enabled: z.boolean().default(true),
        /** Namespace Gatekeeper runs in. @default "gatekeeper-system" */
        namespace: dns1123Label.default(gatekeeperDefaults.namespace),
        /** What a violated constraint does: `dryrun`, `warn` or `deny`. @default "deny" */
        enforcementAction: z
            .enum(["dryrun", "warn", "deny"], {
                errorMap: () => ({ message: 'expected "dryrun", "warn" or "deny"' }),
            })
            .default(gatekeeperDefaults.enforcementAction),
        /** What the API server does when Gatekeeper does not answer. @default "Fail" */
        failurePolicy: failurePolicy.default(gatekeeperDefaults.failurePolicy),
        /** Controller-manager (webhook) replicas; more than one gets a PodDisruptionBudget. @default 3 */
        replicas: replicas.default(gatekeeperDefaults.replicas),
        /** Validating webhook timeout in seconds. @default 3 */
        webhookTimeoutSeconds: timeoutSeconds.default(gatekeeperDefaults.webhookTimeoutSeconds),
        /**
         * Namespaces no constraint applies to and the webhook never sees: the system contour only.
         * @default kube-system, kube-public, kube-node-lease, gatekeeper-system, kyverno
         */
        exemptNamespaces: admissionExemptNamespaces,
        /**
         * Labels every namespace must carry. Every namespace the platform creates carries them
         * (tenants their team, platform namespaces the platform team).
         * @default ["tenancy.sovereign-contour.io/owner"]
         */
        requiredNamespaceLabels: z
            .array(labelKey)
            .min(1)
            .default([...gatekeeperDefaults.requiredNamespaceLabels]),
        /** Image tags that are never admitted (an untagged image counts as `latest`). @default ["latest"] */
        disallowedTags: z.array(z.string().min(1)).default([...gatekeeperDefaults.disallowedTags]),
        /** Namespaces whose Services may be `NodePort` or `LoadBalancer` (ingress gateways). @default [] */
        exposedServiceNamespaces: z.array(dns1123Label).default([]),
        /** IPs Services may list in `spec.externalIPs` (CVE-2020-8554). @default [] */
        allowedExternalIPs: z
            .array(z.string().ip({ message: "expected an IPv4 or IPv6 address" }))
            .default([]),
        /** Capabilities a container may add. @default [] (none) */
        allowedCapabilities: z
            .array(
                z.string().regex(/^[A-Z_]+$/, {
                    message: "expected a capability name such as NET_BIND_SERVICE",
                }),
            )
            .default([]),
        /** Resource limits every container must set. @default ["cpu", "memory"] */
        requiredLimits: z
            .array(z.enum(["cpu", "memory"]))
            .min(1)
            .default([...gatekeeperDefaults.requiredLimits]),
        /**
         * Roles and ClusterRoles allowed to use `*` in verbs, API groups or resources (Kubernetes'
         * own and the admission controllers' chart roles). A trailing `*` matches a prefix.
         * @default ["cluster-admin", "system:*", "gatekeeper-manager-role", "kyverno:*"]
         */
        rbacWildcardExemptRoles: z
            .array(z.string().min(1))
            .default([...gatekeeperDefaults.rbacWildcardExemptRoles]),
    })
    .strict()
    .default({});

/** Typed `gatekeeper` settings. */
export type GatekeeperSettings = z.infer<typeof gatekeeperSection>;
