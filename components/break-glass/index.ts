import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { breakGlassMaxHours } from "./defaults";
import { childOptions } from "../shared/options";
import { BreakGlassEntry, breakGlassProblems, renderBreakGlassBinding } from "./render";

export {
    breakGlassBindingName,
    breakGlassExpiresAnnotation,
    breakGlassReasonAnnotation,
    renderBreakGlassBinding,
} from "./render";
export type { BreakGlassEntry } from "./render";

/** Defaults of {@link BreakGlass}. */
export const breakGlassDefaults = {
    /** ClusterRole an enabled entry binds. */
    clusterRole: "cluster-admin",
} as const;

/** Arguments of {@link BreakGlass}: the `breakGlass` settings. */
export interface BreakGlassArgs {
    /** Bind the emergency group now. @default false */
    readonly enabled?: boolean;
    /** Identity-provider group for emergency access; required when enabled. */
    readonly group?: string;
    /** ClusterRole the group is bound to. @default "cluster-admin" */
    readonly clusterRole?: string;
    /** Expiry (ISO 8601 with a zone); required when enabled, in the future, at most 168 hours ahead. */
    readonly expiresAt?: string;
    /** Why emergency access is granted; required when enabled. */
    readonly reason?: string;
    /** The time the expiry is compared against. @default the current time */
    readonly now?: Date;
}

/**
 * Time-boxed emergency access (baseline layer): while enabled, a ClusterRoleBinding of one
 * identity-provider group to a ClusterRole (cluster-admin by default), carrying its expiry and
 * reason as annotations. An expired, reason-less or group-less enabled entry is refused. When the
 * entry is disabled (or removed), the next `pulumi up` deletes the binding.
 *
 * The audit policy logs the group at RequestResponse through {@link BreakGlass.groups}, whether or
 * not the entry is enabled: the group exists in the identity provider either way, and keeping the
 * audit policy stable avoids an API-server restart each time break-glass is switched.
 */
export class BreakGlass extends pulumi.ComponentResource {
    /** The enabled entry, for the check report; undefined when break-glass is off. */
    readonly activeEntry: BreakGlassEntry | undefined;
    /** The emergency group(s) the audit policy must log at RequestResponse. */
    readonly groups: readonly string[];
    /** The ClusterRoleBinding, while enabled. */
    readonly binding: k8s.rbac.v1.ClusterRoleBinding | undefined;

    constructor(name: string, args: BreakGlassArgs, opts?: pulumi.ComponentResourceOptions) {
        super("sovereign:baseline:BreakGlass", name, {}, opts);
        if (args.group?.startsWith("system:") === true) {
            throw new pulumi.ResourceError(
                `break-glass group "${args.group}" is a Kubernetes system group; use an identity-provider group`,
                this,
            );
        }
        let activeEntry: BreakGlassEntry | undefined;
        let binding: k8s.rbac.v1.ClusterRoleBinding | undefined;
        if (args.enabled === true) {
            const candidate = {
                group: args.group,
                clusterRole: args.clusterRole ?? breakGlassDefaults.clusterRole,
                expiresAt: args.expiresAt,
                reason: args.reason,
            };
            const problems = breakGlassProblems(
                candidate,
                args.now ?? new Date(),
                breakGlassMaxHours,
            );
            if (problems.length > 0) {
                throw new pulumi.ResourceError(problems.join("; "), this);
            }
            activeEntry = candidate as BreakGlassEntry;
            binding = new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-binding`,
                renderBreakGlassBinding(activeEntry),
                childOptions(this, opts),
            );
        }
        this.activeEntry = activeEntry;
        this.groups = args.group !== undefined ? [args.group] : [];
        this.binding = binding;
        this.registerOutputs({ activeEntry, groups: this.groups });
    }
}
