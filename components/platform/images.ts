/**
 * The platform's own images: every upstream reference a component pins (`registry/repository:tag`),
 * by component. These are the keys of `images.digests`, what `workloads.requireImageDigests`
 * requires a digest for, and the sources of the mirroring export. Pure: only the components'
 * defaults are read.
 */
import { certManagerAppVersion, certManagerImages } from "../cert-manager/defaults";
import { falcoImages } from "../falco/defaults";
import { gatekeeperImage } from "../gatekeeper/defaults";
import {
    kyvernoAppVersion,
    kyvernoImages,
    kyvernoReadinessCheckerImage,
    kyvernoRegistry,
} from "../kyverno/defaults";
import { linkerdImages } from "../linkerd/defaults";

/** `registry/repository:tag` of an image split the way Kyverno's and Falco's charts take it. */
function joined(image: { registry: string; repository: string; tag: string }): string {
    return `${image.registry}/${image.repository}:${image.tag}`;
}

/**
 * Upstream references by component. Linkerd's include the proxy the injector adds to every meshed
 * pod (it also runs the network validator) and the debug sidecar; Kyverno's the readiness checker;
 * cert-manager's the ACME solver and the startup API check.
 */
export const platformImageSources = {
    gatekeeper: [`${gatekeeperImage.repository}:${gatekeeperImage.tag}`],
    kyverno: [
        ...Object.values(kyvernoImages).map((r) => `${kyvernoRegistry}/${r}:${kyvernoAppVersion}`),
        joined(kyvernoReadinessCheckerImage),
    ],
    certManager: Object.values(certManagerImages).map((r) => `${r}:${certManagerAppVersion}`),
    linkerd: Object.values(linkerdImages).map((i) => `${i.name}:${i.version}`),
    falco: [joined(falcoImages.falco)],
    falcosidekick: [joined(falcoImages.falcosidekick)],
} as const satisfies Readonly<Record<string, readonly string[]>>;

/** Every image any component can deploy, sorted: the keys `images.digests` accepts. */
export const knownPlatformImages: readonly string[] = Object.values(platformImageSources)
    .flat()
    .sort();

/** What decides which components a stack installs. */
export interface PlatformImageSettings {
    readonly gatekeeper: { readonly enabled: boolean };
    readonly kyverno: { readonly enabled: boolean };
    readonly certManager: { readonly enabled: boolean };
    readonly linkerd: { readonly enabled: boolean };
    readonly falco: { readonly enabled: boolean; readonly alerts: { readonly mode: string } };
}

/** The upstream references of the images a stack's enabled components deploy, sorted. */
export function platformImagesOf(settings: PlatformImageSettings): string[] {
    const s = platformImageSources;
    return [
        ...(settings.gatekeeper.enabled ? s.gatekeeper : []),
        ...(settings.kyverno.enabled ? s.kyverno : []),
        ...(settings.certManager.enabled ? s.certManager : []),
        ...(settings.linkerd.enabled ? s.linkerd : []),
        ...(settings.falco.enabled ? s.falco : []),
        ...(settings.falco.enabled && settings.falco.alerts.mode === "falcosidekick"
            ? s.falcosidekick
            : []),
    ].sort();
}
