import { z } from "zod";
import { minorOfRelease } from "../contract/kubernetes";
import {
    admissionExemptionsSection,
    checkPodSecurityExemptions,
    gatekeeperSection,
    kyvernoSection,
} from "./sections/admission";
import { auditSection } from "./sections/audit";
import { controlPlaneSection } from "./sections/control-plane";
import { encryptionAtRestSection } from "./sections/encryption";
import { checkIdentityGroups, identitySection } from "./sections/identity";
import { kubeletSection } from "./sections/kubelet";
import { checkNetworkDestinations, networkSection } from "./sections/network";
import {
    kubernetesVersionSection,
    systemNamespacesSection,
    workloadsSection,
} from "./sections/platform";
import {
    certManagerSection,
    checkFalcoCertManager,
    falcoSection,
    linkerdSection,
} from "./sections/runtime";
import { chartsSection, imagesSection } from "./sections/sources";
import {
    breakGlassSection,
    checkTenantNamespaceCollisions,
    tenancySection,
    tenantsSection,
} from "./sections/tenancy";

/** The Pulumi project name; every setting lives under `<project>:<key>` in the stack file. */
export const projectName = "sovereign-contour";

/**
 * The settings contract of the whole platform: one entry per top-level config key. Each section
 * owns its defaults (secure ones) and rejects unknown keys. Add a section here when a component
 * gains settings; nothing else reads the stack file.
 */
export const settingsShape = {
    kubernetesVersion: kubernetesVersionSection,
    systemNamespaces: systemNamespacesSection,
    workloads: workloadsSection,
    charts: chartsSection,
    images: imagesSection,
    tenants: tenantsSection,
    tenancy: tenancySection,
    breakGlass: breakGlassSection,
    gatekeeper: gatekeeperSection,
    kyverno: kyvernoSection,
    admissionExemptions: admissionExemptionsSection,
    encryptionAtRest: encryptionAtRestSection,
    audit: auditSection,
    kubelet: kubeletSection,
    controlPlane: controlPlaneSection,
    identity: identitySection,
    certManager: certManagerSection,
    linkerd: linkerdSection,
    falco: falcoSection,
    network: networkSection,
};

/** Zod schema of the whole settings object. */
export const settingsSchema = z
    .object(settingsShape)
    .strict()
    .superRefine(checkTenantNamespaceCollisions)
    .superRefine(checkFalcoCertManager)
    .superRefine(checkPodSecurityExemptions)
    .superRefine(checkNetworkDestinations)
    .superRefine(checkIdentityGroups)
    .superRefine((settings, ctx) => {
        // kubeadm installs the release; the check validates against kubernetesVersion's schema.
        const release = settings.controlPlane.kubernetesRelease;
        const minor = release === undefined ? undefined : minorOfRelease(release);
        if (minor !== undefined && minor !== settings.kubernetesVersion) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["controlPlane", "kubernetesRelease"],
                message: `release "${settings.controlPlane.kubernetesRelease}" is Kubernetes ${minor}, but kubernetesVersion is "${settings.kubernetesVersion}": expected a ${settings.kubernetesVersion}.x release`,
            });
        }
    });

/** The validated, typed settings every component receives its arguments from. */
export type PlatformSettings = z.infer<typeof settingsSchema>;

/** The top-level config keys the platform knows. */
export const knownKeys: readonly string[] = Object.keys(settingsShape);
