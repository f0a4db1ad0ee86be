// Entry point of the Pulumi program: load the stack's settings once, build the platform, export
// its outputs. Configuration is read nowhere else (see stacks/).
import { Platform } from "./components/platform";
import { loadStackSettings } from "./stacks";

const { settings } = loadStackSettings();

const platform = new Platform("platform", { settings });

/** Node and control-plane documents by relative path; those holding key material are secrets. */
export const nodeArtifacts = platform.nodeArtifacts;
/** The system namespaces the platform created. */
export const systemNamespaces = Object.keys(platform.systemNamespaces.namespaces);
/** The settings the stack was built from, for the record (secret settings are never included). */
export const kubernetesVersion = settings.kubernetesVersion;
