/**
 * Errors raised while loading a stack's settings. All problems are collected and reported at once,
 * each naming the key, the value and what is expected, so an operator fixes a stack file in one
 * pass instead of one error per run.
 */
export interface SettingsIssue {
    /** The config key path, as written in the stack file: `sovereign-contour:tenants[0].name`. */
    readonly key: string;
    /** What is wrong and what is expected. */
    readonly message: string;
}

/** Thrown by the loader when any setting is invalid; `issues` lists every problem found. */
export class SettingsError extends Error {
    readonly issues: readonly SettingsIssue[];

    constructor(issues: readonly SettingsIssue[]) {
        super(
            `invalid stack settings (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n` +
                issues.map((i) => `  - ${i.key}: ${i.message}`).join("\n"),
        );
        this.name = "SettingsError";
        this.issues = issues;
    }
}

/** "Did you mean" suggestions: one rule for the loader, the settings and the check (`contract/suggest.ts`). */
export { closestKey, editDistance } from "../contract/suggest";
