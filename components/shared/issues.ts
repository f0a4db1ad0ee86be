/**
 * Problems found by a component's pure validation, and how a component reports them: every
 * problem at once, each with its path, the message and the value found (secret values are never
 * validated here, so none is echoed).
 */

/** A problem in a spec, at a path relative to it (`["keys", 1, "state"]`). */
export interface SpecIssue {
    readonly path: readonly (string | number)[];
    readonly message: string;
}

/** The value at `path` inside `root`, for messages. */
function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
    let current: unknown = root;
    for (const part of path) {
        if (current === null || typeof current !== "object") {
            return undefined;
        }
        current = (current as Record<string | number, unknown>)[part];
    }
    return current;
}

/**
 * One message for all issues: `title:` then one line per issue, `  - keys.1.state: <message> (got
 * "primary")`. The same shape as the settings loader's errors, so an operator reads both alike.
 */
export function formatIssues(title: string, issues: readonly SpecIssue[], spec: unknown): string {
    return (
        `${title}:\n` +
        issues
            .map((i) => {
                const value = valueAt(spec, i.path);
                const got =
                    value === undefined || typeof value === "object"
                        ? ""
                        : ` (got ${JSON.stringify(value)})`;
                return `  - ${i.path.join(".")}: ${i.message}${got}`;
            })
            .join("\n")
    );
}
