/**
 * The public API of the contour's components: every component class with its arguments, and the
 * {@link Platform} with its override types. A platform team imports from here (not from a
 * component's folder) to build the platform, to pass overrides, or to subclass, wrap or replace a
 * component; see docs/extending.md.
 */
// The Platform, its layers and its override types, as components/platform exports them.
export * from "./platform";

// bootstrap
export { SystemNamespaces } from "./system-namespaces";
export type { SystemNamespacesArgs } from "./system-namespaces";
export { EncryptionAtRest } from "./encryption-at-rest";
export type { EncryptionAtRestArgs } from "./encryption-at-rest";
export { AuditPolicy } from "./audit-policy";
export type { AuditPolicyArgs } from "./audit-policy";
export { ControlPlane } from "./control-plane";
export type { ControlPlaneArgs } from "./control-plane";
export { KubeletHardening } from "./kubelet-hardening";
export type { KubeletHardeningArgs } from "./kubelet-hardening";
export { PlatformNetwork } from "./platform-network";
export type { PlatformNetworkArgs } from "./platform-network";
// enforcement
export { Gatekeeper } from "./gatekeeper";
export type { GatekeeperArgs } from "./gatekeeper";
export { Kyverno } from "./kyverno";
export type { KyvernoArgs } from "./kyverno";
// runtime
export { CertManager } from "./cert-manager";
export type { CertManagerArgs } from "./cert-manager";
export { Linkerd } from "./linkerd";
export type { LinkerdArgs } from "./linkerd";
export { Falco } from "./falco";
export type { FalcoArgs } from "./falco";
// baseline
export { TenantNamespace } from "./tenant-namespace";
export type { TenantNamespaceArgs } from "./tenant-namespace";
export { BreakGlass } from "./break-glass";
export type { BreakGlassArgs } from "./break-glass";
