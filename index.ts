// Entry point of the Pulumi program: load the stack's settings once, build the platform, export
// its outputs. Configuration is read nowhere else (see stacks/).
//
// The program is a function (the Pulumi language host calls an exported function and awaits it, and
// so does the offline check, tools/check/program.ts): the tenants are registered in batches
// (components/platform/tenants.ts), and the outputs are returned once every batch is registered.
// The program keeps only the tenants' names: on a stack of more than one batch, each registered
// batch is let go, so the memory of 10,000 tenants stays bounded by a batch (docs/performance.md).
import { Platform } from "./components/platform";
import { platformImagesOf } from "./components/platform/images";
import { imageCopy } from "./components/shared/chart-source";
import { loadStackSettings } from "./stacks";

/** The stack's outputs. */
export = async () => {
    const { settings } = loadStackSettings();

    const platform = new Platform("platform", { settings });
    await platform.tenantsRegistered;

    return {
        /** Node and control-plane documents by relative path; those holding key material are secrets. */
        nodeArtifacts: platform.nodeArtifacts,
        /** The system namespaces the platform created. */
        systemNamespaces: Object.keys(platform.systemNamespaces.namespaces),
        /** The tenant namespaces. */
        tenants: [...platform.tenantNames],
        /** The active break-glass entry (group, role, expiry, reason), or null when break-glass is off. */
        breakGlass: platform.breakGlass.activeEntry ?? null,
        /** Every image the platform's charts deploy (after the mirror is applied), for mirroring. */
        images: [
            platform.gatekeeper,
            platform.kyverno,
            platform.certManager,
            platform.linkerd,
            platform.falco,
        ]
            .flatMap((component) => component?.images ?? [])
            .filter((image, i, all) => all.indexOf(image) === i)
            .sort(),
        /**
         * Every admission exemption record (the one exemption model): namespace, rules, podSecurity
         * level, owner, review date and justification. The check's report lists them.
         */
        admissionExemptions: settings.admissionExemptions.map((e) => ({
            name: e.name,
            namespace: e.namespace,
            rules: [...e.policies],
            ...(e.podSecurity !== undefined ? { podSecurity: e.podSecurity } : {}),
            owner: e.owner,
            reviewBy: e.expires,
            justification: e.justification,
        })),
        /**
         * The platform's images to mirror: each component's upstream reference (of the components
         * the platform runs: one an override disables is left out), the reference
         * the cluster pulls it by (through `images.mirror`) and its recorded digest (`images.digests`).
         */
        imageSources: platformImagesOf(platform.effectiveSettings).map((source) =>
            imageCopy(source, settings.images),
        ),
        /** The target Kubernetes minor version. */
        kubernetesVersion: settings.kubernetesVersion,
        /** The optional components the platform runs without, each with its reason (the report lists them). */
        disabledComponents: platform.disabledComponents,
    };
};
