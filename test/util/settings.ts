import { loadSettings, SettingsError } from "../../stacks";

/** The settings issues of a raw config, as `key: message` lines. */
export function issuesOf(raw: Record<string, string>): string[] {
    try {
        loadSettings(raw);
    } catch (e) {
        if (e instanceof SettingsError) {
            return e.issues.map((i) => `${i.key}: ${i.message}`);
        }
        throw e;
    }
    return [];
}
