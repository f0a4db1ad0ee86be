/**
 * Defaults of encryption at rest, in one place: key length, KMS timeout, what is encrypted, and
 * where the file lives on the control-plane hosts. The settings schema
 * (`components/encryption-at-rest/settings.ts`) and the component both take their defaults from here.
 */

/** Defaults of encryption at rest. */
export const defaults = {
    /** @default 32 bytes for every local key. */
    keyBytes: 32,
    /** @default "3s" (the API server's own default for KMS calls). */
    kmsTimeout: "3s",
    /** Resources encrypted when the stack names none (CIS 1.2.27 needs secrets). */
    resources: ["secrets", "configmaps"] as readonly string[],
    /** Host directory holding the file, mounted read-only into kube-apiserver. */
    hostDir: "/etc/kubernetes/encryption",
    /** File name inside {@link defaults.hostDir}. */
    fileName: "encryption-config.yaml",
    /** Node artifact path under `out/<stack>/`. */
    artifact: "control-plane/encryption-config.yaml",
} as const;
