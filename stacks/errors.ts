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

/** Damerau-free Levenshtein distance, for "did you mean" suggestions on unknown keys. */
export function editDistance(a: string, b: string): number {
    const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diag = prev[0];
        prev[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const up = prev[j];
            prev[j] = Math.min(
                prev[j] + 1,
                prev[j - 1] + 1,
                diag + (a[i - 1] === b[j - 1] ? 0 : 1),
            );
            diag = up;
        }
    }
    return prev[b.length];
}

/** The closest known key to `unknown`, if one is close enough to be a plausible typo. */
export function closestKey(unknown: string, known: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const candidate of known) {
        const d = editDistance(unknown.toLowerCase(), candidate.toLowerCase());
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    const threshold = Math.max(2, Math.floor(unknown.length / 3));
    return bestDistance <= threshold ? best : undefined;
}
