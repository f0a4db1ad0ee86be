/** The `systemNamespaces` settings: the namespaces of the platform's own components. */
import { z } from "zod";
import { dns1123Label, podSecurityLevel } from "../shared/settings";

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
