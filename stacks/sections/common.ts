import { z } from "zod";

/** A DNS-1123 label: what Kubernetes accepts as a namespace name. */
export const dns1123Label = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
        message:
            "expected a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
    })
    .max(63, { message: "expected at most 63 characters (DNS-1123 label)" });

/** The Pod Security Standards levels a namespace can enforce. */
export const podSecurityLevel = z.enum(["privileged", "baseline", "restricted"]);

/** An exact semantic version (charts are pinned, never ranges or "latest"). */
export const exactVersion = z.string().regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, {
    message: "expected an exact version such as 1.2.3 (no ranges, no 'latest')",
});
