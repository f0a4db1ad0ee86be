/** Every string anywhere inside a value. */
export function strings(value: unknown): string[] {
    if (typeof value === "string") {
        return [value];
    }
    if (Array.isArray(value)) {
        return value.flatMap(strings);
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).flatMap(strings);
    }
    return [];
}
