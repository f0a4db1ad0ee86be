/** The `breakGlass` settings: a time-boxed emergency binding for one identity-provider group. */
import { z } from "zod";
import { groupName } from "../tenant-namespace/settings";
import { breakGlassMaxHours, breakGlassReasonMaxLength } from "./defaults";

/**
 * Characters a recorded reason may not hold: C0 and C1 controls (line breaks, tabs, terminal
 * escape sequences), the Unicode line and paragraph separators, and the bidirectional overrides
 * and isolates that make a text read differently from what it holds.
 */
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/**
 * The `breakGlass` section, with the clock it compares the expiry against. The program uses
 * {@link breakGlassSection} (the wall clock); tests build one with a fixed time.
 */
export function makeBreakGlassSection(now: () => Date) {
    return z
        .object({
            /** Bind the emergency group now. @default false */
            enabled: z.boolean().default(false),
            /**
             * Identity-provider group for emergency access. Also logged at RequestResponse by the
             * audit policy whether or not the entry is enabled.
             */
            group: groupName.optional(),
            /** ClusterRole the group is bound to while enabled. @default "cluster-admin" */
            clusterRole: z.string().min(1).default("cluster-admin"),
            /** When the entry stops being valid (ISO 8601 with a zone); required when enabled. */
            expiresAt: z
                .string()
                .datetime({
                    offset: true,
                    message: "expected an ISO 8601 time with a zone, e.g. 2025-03-01T18:00:00Z",
                })
                .optional(),
            /**
             * Why emergency access is granted (incident or ticket); required when enabled. One
             * line of at most {@link breakGlassReasonMaxLength} characters: it is recorded on the
             * binding and in the check's report.
             */
            reason: z
                .string()
                .max(breakGlassReasonMaxLength, {
                    message: `expected at most ${breakGlassReasonMaxLength} characters: name the incident or ticket and why, and keep the details in the ticket`,
                })
                .refine((r) => !controlCharacters.test(r), {
                    message:
                        "expected one line of text without control characters (line breaks, tabs, escape sequences, bidirectional overrides)",
                })
                .optional(),
        })
        .strict()
        .superRefine((entry, ctx) => {
            if (entry.group?.startsWith("system:") === true) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: ["group"],
                    message: `break-glass group "${entry.group}" is a Kubernetes system group; use an identity-provider group`,
                });
            }
            if (!entry.enabled) {
                return;
            }
            if (entry.group === undefined) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: ["group"],
                    message:
                        "break-glass is enabled without a group: set group to the identity-provider group for emergency access",
                });
            }
            if (entry.reason === undefined || entry.reason.trim() === "") {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: ["reason"],
                    message:
                        "break-glass is enabled without a reason: set reason to the incident or ticket and why emergency access is needed",
                });
            }
            if (entry.expiresAt === undefined) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: ["expiresAt"],
                    message:
                        "break-glass is enabled without an expiry: set expiresAt to an ISO 8601 time such as 2025-03-01T18:00:00Z",
                });
                return;
            }
            const expires = Date.parse(entry.expiresAt);
            if (Number.isNaN(expires)) {
                return; // the format error is already reported
            }
            const current = now();
            if (expires <= current.getTime()) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: ["expiresAt"],
                    message: `break-glass expired at ${entry.expiresAt} (now ${current.toISOString()}): set enabled to false, or set a new expiresAt and reason if the emergency continues`,
                });
            } else if (expires - current.getTime() > breakGlassMaxHours * 3600 * 1000) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: ["expiresAt"],
                    message: `break-glass expiresAt ${entry.expiresAt} is more than ${breakGlassMaxHours} hours after now (${current.toISOString()}): emergency access is time-boxed, set an earlier expiry`,
                });
            }
        })
        .default({});
}

/**
 * `breakGlass`: a time-boxed emergency ClusterRoleBinding for one identity-provider group. It exists
 * only while `enabled`, with an `expiresAt` in the future (at most {@link breakGlassMaxHours} hours
 * ahead) and a `reason`; an expired or reason-less enabled entry is refused when the stack loads.
 * @default { enabled: false }
 */
export const breakGlassSection = makeBreakGlassSection(() => new Date());

/** Typed `breakGlass` settings. */
export type BreakGlassSettings = z.infer<typeof breakGlassSection>;
