/** Signature keys of the Pulumi wire format (see the SDK's rpc.ts). */
export const sigKey = "4dabf18193072939515e22adb298388d";
export const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const resourceSig = "5cf8f73096256a8f31e491e813e4eb8e";
/** The engine's stand-in for a value not known during preview. */
export const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True for a plain object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Placeholder written wherever a secret value would appear in a file the check writes. */
export const maskedSecret = "[secret]";

/**
 * Converts engine-serialized inputs to plain values. With `mask`, secret values are replaced by
 * {@link maskedSecret} (for anything written to disk); without it they are unwrapped (for schema
 * validation, which must see the real shape).
 */
export function plainValue(value: unknown, mask: boolean): unknown {
    if (Array.isArray(value)) {
        return value.map((v) => plainValue(v, mask));
    }
    if (typeof value === "object" && value !== null) {
        const obj = value as Record<string, unknown>;
        if (obj[sigKey] === secretSig) {
            return mask ? maskedSecret : plainValue(obj.value, mask);
        }
        if (obj[sigKey] === resourceSig) {
            return obj.urn;
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(obj)) {
            out[k] = plainValue(v, mask);
        }
        return out;
    }
    if (value === unknownValue) {
        return "[unknown]";
    }
    return value;
}
