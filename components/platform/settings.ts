/**
 * The stack contract of the whole platform, assembled from the components' own settings: each
 * component folder holds the zod section(s) of the settings it takes (`components/<name>/
 * settings.ts`), with secure defaults and messages that name what is expected; here the platform
 * adds the cross-cutting sections (the target Kubernetes version, the workload rules, the platform
 * images, the admission exemption records), puts every section under its top-level key and runs
 * the checks that span sections. `stacks/` only loads a stack file against this contract and
 * reports the errors.
 */
import { z } from "zod";
import { minorOfRelease } from "../../contract/kubernetes";
import {
    type AdmissionExemption,
    gatekeeperPolicyIds,
    kyvernoPolicyIds,
    workloadPolicyIds,
} from "../../contract/exemptions";
import { auditSection } from "../audit-policy/settings";
import { breakGlassSection } from "../break-glass/settings";
import { certManagerSection } from "../cert-manager/settings";
import {
    checkIdentityGroups,
    controlPlaneSection,
    identitySection,
} from "../control-plane/settings";
import { encryptionAtRestSection } from "../encryption-at-rest/settings";
import { checkFalcoCertManager, falcoSection } from "../falco/settings";
import { gatekeeperSection } from "../gatekeeper/settings";
import { kubeletSection } from "../kubelet-hardening/settings";
import { kyvernoSection } from "../kyverno/settings";
import { linkerdSection } from "../linkerd/settings";
import { checkNetworkDestinations, networkSection } from "../platform-network/settings";
import {
    chartsSection,
    dns1123Label,
    type ImagesSettings,
    makeImagesSection,
} from "../shared/settings";
import { systemNamespacesSection } from "../system-namespaces/settings";
import {
    checkTenantNamespaceCollisions,
    tenancySection,
    tenantsSection,
} from "../tenant-namespace/settings";
import { knownPlatformImages, platformImagesOf } from "./images";

/**
 * Kubernetes minor versions whose OpenAPI schema the offline check validates against. The schema
 * comes from kubernetes-models 4.5.1 (Kubernetes 1.33 API); a newer target needs a newer schema
 * package first, so any other value is refused instead of silently validating against 1.33.
 */
export const supportedKubernetesVersions = ["1.33"] as const;

/** `kubernetesVersion`: the target cluster's minor version. @default "1.33" */
export const kubernetesVersionSection = z.enum(supportedKubernetesVersions).default("1.33");

/**
 * `workloads`: what every workload on the platform must satisfy. These values feed the preview-time
 * policy packs and the admission controllers alike, so both enforce the same rules.
 */
export const workloadsSection = z
    .object({
        /** Pod Security level the workload policies enforce. @default "restricted" */
        podSecurityLevel: z.enum(["baseline", "restricted"]).default("restricted"),
        /**
         * Registries images may come from (prefixes such as `registry.example.eu/ai/`). Fail closed:
         * an empty list admits no image at all.
         * @default []
         */
        allowedRegistries: z.array(z.string().min(1)).default([]),
        /** Require images to be pinned by digest (`@sha256:...`). @default true */
        requireImageDigests: z.boolean().default(true),
    })
    .strict()
    .default({});

/** `images`: the platform images' mirror and digests, keyed by the images the components pin. */
export const imagesSection = makeImagesSection(knownPlatformImages);

/**
 * The platform images a stack needs a digest for and has none: with `workloads.requireImageDigests`,
 * every image of an enabled component (sorted), else none. The platform's own pods would otherwise
 * be refused by its own admission rules (Gatekeeper's image-tags, images-require-digest), so the
 * program refuses such a stack (`loadSettings` with `requireRecordedDigests`).
 */
export function missingImageDigests(
    settings: Parameters<typeof platformImagesOf>[0] & {
        readonly workloads: { readonly requireImageDigests: boolean };
        readonly images: ImagesSettings;
    },
): string[] {
    if (!settings.workloads.requireImageDigests) {
        return [];
    }
    const digests = settings.images.digests ?? {};
    return platformImagesOf(settings).filter((image) => digests[image] === undefined);
}

/**
 * One exemption from one or more admission rules, for one namespace, until its review date: the
 * one exemption model. From each record the platform generates the Gatekeeper constraints'
 * exclusions, the Kyverno PolicyExceptions (validation and mutation rules alike), the namespace's
 * Pod Security Admission level (`podSecurity`), and the CrossGuard packs' exemption lists; the
 * check's report lists every record.
 */
const admissionExemption = z
    .object({
        /** Name of the exemption (names the generated PolicyException). */
        name: dns1123Label,
        /** The namespace the exemption covers. */
        namespace: dns1123Label,
        /** The team accountable for the exemption and its review (recorded on every object). */
        owner: z
            .string()
            .min(2, { message: "expected the accountable team, e.g. platform-security" }),
        /**
         * The Pod Security Admission level the namespace enforces instead of `restricted`. Must match
         * the `systemNamespaces` entry of the same namespace. @default unset: restricted
         */
        podSecurity: z
            .enum(["privileged", "baseline"], {
                errorMap: () => ({ message: 'expected "privileged" or "baseline"' }),
            })
            .optional(),
        /** The rules it lifts, by ID. */
        policies: z
            .array(
                z.enum([...gatekeeperPolicyIds, ...kyvernoPolicyIds, ...workloadPolicyIds], {
                    errorMap: () => ({
                        message: `expected a policy ID: ${[...gatekeeperPolicyIds, ...kyvernoPolicyIds, ...workloadPolicyIds].join(", ")}`,
                    }),
                }),
            )
            .min(1, { message: "expected at least one policy ID" }),
        /**
         * Workloads (Deployment, DaemonSet, ... names) the record covers; required with a
         * workload-level policy such as `service-account-token-opt-in`, which is lifted for these
         * workloads only, never for the whole namespace. @default []
         */
        workloads: z.array(dns1123Label).default([]),
        /** Why the exemption is needed and what compensates for it (recorded on every object). */
        justification: z.string().min(20, {
            message: "expected a justification of at least 20 characters",
        }),
        /**
         * Review date: the last day the exemption is valid (`YYYY-MM-DD`); after it the program
         * refuses to run until the owner reviews it and sets a new date or removes it.
         */
        expires: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "expected a date as YYYY-MM-DD" })
            .refine((d) => isCalendarDate(d), { message: "expected a valid calendar date" }),
    })
    .strict()
    .superRefine((e, ctx) => {
        const workloadLevel = e.policies.filter((p) =>
            (workloadPolicyIds as readonly string[]).includes(p),
        );
        if (workloadLevel.length > 0 && e.workloads.length === 0) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["workloads"],
                message: `${workloadLevel.join(", ")} is lifted per workload: list the workloads of "${e.namespace}" it applies to`,
            });
        }
    });

/** True for a real `YYYY-MM-DD` date (no 31st of February). */
function isCalendarDate(day: string): boolean {
    const parsed = new Date(`${day}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
}

/** One admission exemption as validated (the record of `contract/exemptions.ts`). */
export type AdmissionExemptionSettings = z.infer<typeof admissionExemption>;

/**
 * `admissionExemptions`: the one list from which Gatekeeper exclusions and Kyverno
 * PolicyExceptions are generated. Each entry is justified and expires; an expired entry is an
 * error, so an exemption never outlives its review.
 * @default []
 */
export const admissionExemptionsSection = z
    .array(admissionExemption)
    .default([])
    .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((e, i) => {
            if (seen.has(e.name)) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: [i, "name"],
                    message: `duplicate admission exemption "${e.name}"`,
                });
            }
            seen.add(e.name);
        });
    });

/** The settings {@link checkPodSecurityExemptions} reads. */
interface PodSecurityExemptionInput {
    readonly systemNamespaces: readonly {
        readonly name: string;
        readonly podSecurity: "privileged" | "baseline" | "restricted";
    }[];
    readonly admissionExemptions: readonly AdmissionExemption[];
}

/**
 * A namespace runs below Pod Security restricted only through an exemption record: every
 * `systemNamespaces` entry below restricted needs an `admissionExemptions` record for the same
 * namespace with the same `podSecurity` level (so its reason, owner and review date are on record),
 * and no record may lower a namespace the stack does not declare at that level.
 */
export function checkPodSecurityExemptions(
    settings: PodSecurityExemptionInput,
    ctx: z.RefinementCtx,
): void {
    settings.systemNamespaces.forEach((ns, i) => {
        if (ns.podSecurity === "restricted") {
            return;
        }
        const record = settings.admissionExemptions.find(
            (e) => e.namespace === ns.name && e.podSecurity !== undefined,
        );
        if (record === undefined) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["systemNamespaces", i, "podSecurity"],
                message:
                    `namespace "${ns.name}" enforces Pod Security "${ns.podSecurity}" without an ` +
                    `exemption record: add an admissionExemptions entry with namespace "${ns.name}", ` +
                    `podSecurity "${ns.podSecurity}", owner, justification and expires`,
            });
        } else if (record.podSecurity !== ns.podSecurity) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["systemNamespaces", i, "podSecurity"],
                message:
                    `namespace "${ns.name}" enforces Pod Security "${ns.podSecurity}" but ` +
                    `admissionExemptions "${record.name}" records "${record.podSecurity}": make them equal`,
            });
        }
    });
    settings.admissionExemptions.forEach((e, i) => {
        if (e.podSecurity === undefined) {
            return;
        }
        if (!settings.systemNamespaces.some((ns) => ns.name === e.namespace)) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["admissionExemptions", i, "podSecurity"],
                message:
                    `exemption "${e.name}" lowers Pod Security of "${e.namespace}", which is not a ` +
                    "systemNamespaces entry: only the platform's own namespaces may run below restricted",
            });
        }
    });
}

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
