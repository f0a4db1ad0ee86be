/**
 * The platform's layers, shared by the platform that creates them and the stack policies that
 * verify their order from the dependency graph.
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 */

/** The platform's layers, bottom-up as the architecture lists them. */
export const layerNames = ["bootstrap", "baseline", "enforcement", "runtime", "audit"] as const;

/**
 * The order the layers are applied in. The architecture lists the layers bottom-up, but tenants
 * (baseline) come last: no tenant namespace, binding or workload exists before admission control,
 * runtime detection, the mesh's identity and the audit backends do ("policies are applied before
 * workloads"), and nothing in the platform depends on a tenant. The platform-guardrails stack
 * policy `tenant-namespace-after-enforcement` verifies it from the dependency graph.
 */
export const applyOrder = ["bootstrap", "enforcement", "runtime", "audit", "baseline"] as const;

/** One of the platform's layers. */
export type LayerName = (typeof layerNames)[number];

/** Type token of the platform's layer components. */
export const layerType = "sovereign:platform:Layer";

/** Type token of the platform's root component, the one the offline check requires of a stack. */
export const platformType = "sovereign:platform:Platform";
