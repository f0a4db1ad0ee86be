/**
 * An error the user can fix (a bad flag, a missing stack file, invalid settings or pack config,
 * a manifest kubectl would refuse). The check prints its message without a stack trace and exits 2.
 */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/**
 * The check's exit codes (README.md, `npm run check -- --help`); report.json's `status` says the
 * same. Any other code (134 when V8 runs out of memory, 137 when killed) means the run did not
 * finish: its report.json says `incomplete`.
 */
export const exitCodes = {
    /** No mandatory violation and no schema error. */
    passed: 0,
    /** A mandatory violation or a schema error. */
    failed: 1,
    /** Invalid input (flag, stack file, setting, pack config, manifest): nothing was judged. */
    invalidInput: 2,
    /** A bug in the check or the program, not in the input. */
    internalError: 3,
} as const;
