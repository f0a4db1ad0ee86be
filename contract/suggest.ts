/**
 * "Did you mean" suggestions for a misspelt key, one rule for the settings loader, the settings
 * that name known values (image references) and the check's flags and pack config.
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 */

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
