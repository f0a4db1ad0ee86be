// Entry point of the Pulumi program: load the stack's settings once, build the platform, export
// its outputs. Configuration is read nowhere else (see stacks/).
import { Platform } from "./components/platform";
import { platformImagesOf } from "./components/platform/images";
import { imageCopy } from "./components/shared/chart-source";
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
/**
 * Every admission exemption record (the one exemption model): namespace, rules, podSecurity level,
 * owner, review date and justification. The check's report lists them.
 */
export const admissionExemptions = settings.admissionExemptions.map((e) => ({
    name: e.name,
    namespace: e.namespace,
    rules: [...e.policies],
    ...(e.podSecurity !== undefined ? { podSecurity: e.podSecurity } : {}),
    owner: e.owner,
    reviewBy: e.expires,
    justification: e.justification,
}));
/**
 * The platform's images to mirror: each enabled component's upstream reference, the reference the
 * cluster pulls it by (through `images.mirror`) and its recorded digest (`images.digests`).
 */
export const imageSources = platformImagesOf(settings).map((source) =>
    imageCopy(source, settings.images),
);
/** The target Kubernetes minor version. */
export const kubernetesVersion = settings.kubernetesVersion;
