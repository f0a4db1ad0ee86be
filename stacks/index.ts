import * as pulumi from "@pulumi/pulumi";
import { LoadedSettings, loadSettings } from "./load";

// `isConfigSecret` is how the SDK's own Config class tells secret keys apart; it is marked internal
// in the type declarations, so it is reached through the module directly.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeConfig = require("@pulumi/pulumi/runtime/config") as {
    isConfigSecret(key: string): boolean;
};

export * from "./errors";
export * from "./load";
/** The stack contract the loader validates against, assembled by the platform from the components' settings. */
export {
    knownKeys,
    settingsSchema,
    settingsShape,
    type PlatformSettings,
} from "../components/platform/settings";

/**
 * Reads the current stack's config once and validates it, including what deploying it needs (every
 * platform image's digest when the stack requires digests). This is the only place in the program
 * that reads Pulumi config; components receive typed arguments.
 */
export function loadStackSettings(): LoadedSettings {
    const raw = pulumi.runtime.allConfig();
    const secretKeys = Object.keys(raw).filter((k) => runtimeConfig.isConfigSecret(k));
    return loadSettings(raw, secretKeys, { requireRecordedDigests: true });
}
