/**
 * cert-manager's arguments with their defaults applied, and the checks that refuse invalid ones
 * before any resource is declared. Messages name the setting, the value and what is expected.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatIssues } from "../shared/issues";
import { requireReplicas } from "../shared/helm-component";
import { certManagerDefaults } from "./defaults";
import type { CertManagerArgs, CertManagerCaArgs } from "./index";
import { validateCaSource } from "./render";

/** What the cert-manager component installs with, every default applied and checked. */
export interface CertManagerConfig {
    readonly namespace: string;
    readonly replicas: number;
    readonly serviceMonitor: boolean;
    /** The ClusterIssuer every platform certificate names: the site's, the given or the default. */
    readonly clusterIssuerName: string;
    /** The generated CA's subject, curve and validity (used only when the program generates it). */
    readonly ca: Required<CertManagerCaArgs>;
}

/**
 * Applies cert-manager's defaults to `args` and refuses, as a ResourceError of `component`, a
 * replica count below 1, a CA valid for less than a year, or an invalid CA source (every issue at
 * once, see {@link validateCaSource}).
 */
export function certManagerConfig(
    args: CertManagerArgs,
    component: pulumi.Resource,
): CertManagerConfig {
    const d = certManagerDefaults;
    const ca = { ...d.ca, ...dropUndefined(args.ca ?? {}) };
    const namespace = args.namespace ?? d.namespace;
    const replicas = args.replicas ?? d.replicas;
    requireReplicas(component, "certManager.replicas", replicas);
    if (!Number.isInteger(ca.validityHours) || ca.validityHours < 8760) {
        throw new pulumi.ResourceError(
            `certManager.ca.validityHours is ${ca.validityHours}; expected at least 8760 ` +
                "hours (one year) for a CA certificate",
            component,
        );
    }
    const caIssues = validateCaSource({
        namespace,
        ...(args.ca !== undefined ? { ca: args.ca } : {}),
        ...(args.clusterIssuerName !== undefined
            ? { clusterIssuerName: args.clusterIssuerName }
            : {}),
        ...(args.externalCa !== undefined ? { externalCa: args.externalCa } : {}),
    });
    if (caIssues.length > 0) {
        throw new pulumi.ResourceError(
            formatIssues("certManager: invalid CA source", caIssues, args),
            component,
        );
    }
    return {
        namespace,
        replicas,
        serviceMonitor: args.serviceMonitor ?? d.serviceMonitor,
        clusterIssuerName:
            args.externalCa?.issuer?.name ?? args.clusterIssuerName ?? d.clusterIssuerName,
        ca,
    };
}

/** `value` without its undefined fields, so that spreading it keeps the defaults under them. */
function dropUndefined<T extends object>(value: T): Partial<T> {
    return Object.fromEntries(
        Object.entries(value).filter(([, v]) => v !== undefined),
    ) as Partial<T>;
}
