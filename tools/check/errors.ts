/**
 * An error the user can fix (a bad flag, a missing stack file, invalid settings or pack config).
 * The check prints its message without a stack trace and exits 2.
 */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}
