import { PlatformOverrides } from "../../../components";

/**
 * Gatekeeper refuses the floating tags the team's registry moves (besides pinning by digest):
 * the argument replaces the one the settings give (`gatekeeper.disallowedTags`).
 */
export const overrides: PlatformOverrides = {
    gatekeeper: { args: { disallowedTags: ["latest", "main", "nightly"] } },
};
