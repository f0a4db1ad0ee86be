// Entry point of the Pulumi program: load the stack's settings once, build the platform, export
// its outputs. Configuration is read nowhere else (see stacks/).
import { Platform } from "./components/platform";
import { loadStackSettings } from "./stacks";

const { settings } = loadStackSettings();

const platform = new Platform("platform", { settings });

/** Node and control-plane documents by relative path; those holding key material are secrets. */
export const nodeArtifacts = platform.nodeArtifacts;
/** The system namespaces the platform created. */
export const systemNamespaces = Object.keys(platform.systemNamespaces.namespaces);
/** The tenant namespaces. */
export const tenants = Object.keys(platform.tenants);
/** The active break-glass entry (group, role, expiry, reason), or null when break-glass is off. */
export const breakGlass = platform.breakGlass.activeEntry ?? null;
/** Every image the platform's charts deploy (after the mirror is applied), for mirroring. */
export const images = [
    platform.gatekeeper,
    platform.kyverno,
    platform.certManager,
    platform.linkerd,
    platform.falco,
]
    .flatMap((component) => component?.images ?? [])
    .filter((image, i, all) => all.indexOf(image) === i)
    .sort();
/** The target Kubernetes minor version. */
export const kubernetesVersion = settings.kubernetesVersion;
