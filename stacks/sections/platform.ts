import { z } from "zod";
import { dns1123Label, podSecurityLevel } from "./common";

/**
 * Kubernetes minor versions whose OpenAPI schema the offline check validates against. The schema
 * comes from kubernetes-models 4.5.1 (Kubernetes 1.33 API); a newer target needs a newer schema
 * package first, so any other value is refused instead of silently validating against 1.33.
 */
export const supportedKubernetesVersions = ["1.33"] as const;

/** `kubernetesVersion`: the target cluster's minor version. @default "1.33" */
export const kubernetesVersionSection = z.enum(supportedKubernetesVersions).default("1.33");

/** One namespace the platform itself runs in, with its own Pod Security level. */
export const systemNamespace = z
    .object({
        /** Namespace name. */
        name: dns1123Label,
        /** Pod Security level enforced in the namespace. @default "restricted" */
        podSecurity: podSecurityLevel.default("restricted"),
        /** Why a level below restricted is needed; required unless the level is restricted. */
        reason: z.string().min(1).optional(),
    })
    .strict()
    .superRefine((ns, ctx) => {
        if (ns.podSecurity !== "restricted" && ns.reason === undefined) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["reason"],
                message: `namespace "${ns.name}" enforces Pod Security "${ns.podSecurity}": a reason is required for any level below restricted`,
            });
        }
    });

/**
 * `systemNamespaces`: the namespaces of the platform's own components. Only the ones that truly need
 * host access run below restricted, each with its reason on record (it appears in the report).
 * @default [] (each component adds its own when it is enabled)
 */
export const systemNamespacesSection = z
    .array(systemNamespace)
    .default([])
    .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((ns, i) => {
            if (seen.has(ns.name)) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: [i, "name"],
                    message: `duplicate system namespace "${ns.name}"`,
                });
            }
            seen.add(ns.name);
        });
    });

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
