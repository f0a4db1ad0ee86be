/**
 * The settings every component shares: the schema atoms the sections are written with (names,
 * versions, replicas, webhook failure policies and timeouts) and the `charts` and `images`
 * sections of the one chart and image source layer (`chart-source.ts`). A component's own
 * section lives in its folder (`components/<name>/settings.ts`); the platform assembles the stack
 * contract from them (`components/platform/settings.ts`).
 */
import { z } from "zod";
import { exactVersionPattern } from "../../contract/charts";
import { closestKey } from "../../contract/suggest";
import type { SpecIssue } from "./issues";
import { replicaLimits } from "./replicas";

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
export const exactVersion = z.string().regex(exactVersionPattern, {
    message: "expected an exact version such as 1.2.3 (no ranges, no 'latest')",
});

/** Replicas of one platform controller, within {@link replicaLimits}. */
export const replicas = z
    .number()
    .int()
    .min(replicaLimits.min, { message: `expected at least ${replicaLimits.min} replica` })
    .max(replicaLimits.max, { message: `expected at most ${replicaLimits.max} replicas` });

/** What the API server does when a webhook does not answer. */
export const failurePolicy = z.enum(["Fail", "Ignore"], {
    errorMap: () => ({ message: 'expected "Fail" (fail closed) or "Ignore"' }),
});

/** A webhook timeout in seconds, within the API server's limit. */
export const timeoutSeconds = z
    .number()
    .int()
    .min(1, { message: "expected 1 to 30 seconds" })
    .max(30, { message: "expected 1 to 30 seconds (the API server's webhook limit)" });

/** Reports a component's pure-validation issues through zod, at their paths. */
export function addIssues(ctx: z.RefinementCtx, issues: readonly SpecIssue[]): void {
    for (const issue of issues) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [...issue.path],
            message: issue.message,
        });
    }
}

/**
 * Settings whose value must arrive as a Pulumi secret (a `secure:` value in the stack file), by
 * path. The loader refuses a plaintext value at any of them, naming the key (see
 * `stacks/load.ts`); the value itself is never echoed.
 */
export const secretSettingPaths: readonly (readonly [string, ...string[]])[] = [
    ["charts", "mirror", "credentials", "password"],
];

/** Credentials for a private chart mirror: the password must be a Pulumi secret. */
const mirrorCredentials = z
    .object({
        /** User name for the mirror. */
        username: z.string().min(1),
        /**
         * Password or token; a Pulumi secret only, a plaintext value is refused. Set it with
         * `pulumi config set --secret --path charts.mirror.credentials.password <password>` (or
         * set the whole `charts` key with `--secret`); the value is carried as a Pulumi secret
         * and never printed.
         */
        password: z.string().min(1),
    })
    .strict();

/**
 * A password written into a chart source URL (`https://user:password@host/...`) would be a
 * plaintext secret in the stack file, the Pulumi state and the check's outputs: refused, the
 * credentials belong in `charts.mirror.credentials` (the password a Pulumi secret).
 */
const noPasswordInUrl = (url: string): boolean =>
    !/^[a-z][a-z0-9+.-]*:\/\/[^\s/@]*:[^\s/@]*@/i.test(url);

/**
 * Params of a zod issue whose value may hold a credential: the loader never echoes the value in
 * its message (`stacks/load.ts`).
 */
export const valueNotShown = { valueNotShown: true } as const;

const passwordInUrl = {
    message:
        "expected a URL without a password: put the user name and password in " +
        "charts.mirror.credentials, the password set with `pulumi config set --secret`",
    params: valueNotShown,
};

/** Where one chart comes from when it does not come from its upstream repository. */
const chartOverride = z
    .object({
        /** Exact chart version. @default the version pinned by the component */
        version: exactVersion.optional(),
        /** A local `.tgz` file or chart directory (air-gapped sites without a chart registry). */
        localPath: z.string().min(1).optional(),
        /** A repository URL (`https://...` or `oci://...`) replacing the upstream one. */
        repository: z.string().min(1).refine(noPasswordInUrl, passwordInUrl).optional(),
    })
    .strict()
    .refine((o) => !(o.localPath !== undefined && o.repository !== undefined), {
        message: "set either localPath or repository, not both",
    });

/**
 * `charts`: the one source layer for every Helm chart of the platform. By default each chart comes
 * from its upstream repository at the exact version the component pins. `mirror` switches every
 * chart to one registry (OCI or HTTP); `overrides` points single charts elsewhere.
 */
export const chartsSection = z
    .object({
        /** One registry serving every chart: `oci://harbor.example/charts` or `https://...`. */
        mirror: z
            .object({
                url: z
                    .string()
                    .regex(/^(oci|https?):\/\/.+/, {
                        message: "expected an oci://, https:// or http:// URL",
                    })
                    .refine(noPasswordInUrl, passwordInUrl),
                /** Allow plain HTTP to the mirror (never for an upstream repository). @default false */
                plainHttp: z.boolean().default(false),
                credentials: mirrorCredentials.optional(),
            })
            .strict()
            .optional(),
        /** Per-chart sources by chart name (`gatekeeper`, `kyverno`, ...). @default {} */
        overrides: z.record(chartOverride).default({}),
    })
    .strict()
    .default({});

/** Typed `charts` settings. */
export type ChartsSettings = z.infer<typeof chartsSection>;

/** A content digest as registries report it (`crane digest <image>`). */
const imageDigest = z.string().regex(/^sha256:[a-f0-9]{64}$/, {
    message:
        "expected a digest sha256:<64 lower-case hex digits>, as `crane digest <image>` prints it",
});

/**
 * `images`: where the platform's own images come from and what pins them. `mirror` replaces every
 * image registry the platform deploys or injects (air-gapped and sovereign sites); empty means
 * upstream registries. `digests` pins each image by content, keyed by one of `knownPlatformImages`
 * (the platform assembles the section with the images its components pin,
 * `components/platform/settings.ts`).
 */
export function makeImagesSection(knownPlatformImages: readonly string[]) {
    return z
        .object({
            /** Registry host and optional path prefix, e.g. `harbor.example/mirror`. */
            mirror: z
                .string()
                .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, {
                    message:
                        "expected a registry host with an optional path, e.g. harbor.example/mirror",
                })
                .optional(),
            /**
             * Digest of each platform image, keyed by the upstream reference the component pins
             * (`registry/repository:tag`, e.g. `quay.io/jetstack/cert-manager-controller:v1.21.1`),
             * applied after the mirror. Record the mirror's digests (`crane digest <mirror reference>`).
             * Required for every image of an enabled component when `workloads.requireImageDigests`.
             * @default {} (no digest)
             */
            digests: z
                .record(z.string(), imageDigest)
                .superRefine((digests, ctx) => {
                    for (const key of Object.keys(digests)) {
                        if (!knownPlatformImages.includes(key)) {
                            const hint = closestKey(key, knownPlatformImages);
                            ctx.addIssue({
                                code: z.ZodIssueCode.custom,
                                path: [key],
                                message:
                                    `"${key}" is not an image the platform pins` +
                                    (hint !== undefined ? ` (did you mean "${hint}"?)` : "") +
                                    "; expected the upstream reference registry/repository:tag " +
                                    "exactly as a component pins it (out/<stack>/mirror.json " +
                                    "`imageSources[].source`)",
                            });
                        }
                    }
                })
                .optional(),
        })
        .strict()
        .default({});
}

/** Typed `images` settings. */
export type ImagesSettings = z.infer<ReturnType<typeof makeImagesSection>>;
