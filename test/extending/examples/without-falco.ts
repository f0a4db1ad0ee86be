import { PlatformOverrides } from "../../../components";

/** The site's own runtime sensors watch the nodes; the platform installs no Falco. */
export const overrides: PlatformOverrides = {
    falco: {
        disabled: {
            reason: "runtime detection by the site's own sensors (SecOps decision SEC-2041)",
        },
    },
};
