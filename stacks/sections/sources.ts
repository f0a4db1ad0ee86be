import { z } from "zod";
import { exactVersion } from "./common";

/** Credentials for a private chart mirror: the password must be a Pulumi secret. */
const mirrorCredentials = z
    .object({
        /** User name for the mirror. */
        username: z.string().min(1),
        /**
         * Password or token. Set the whole `charts` key with `pulumi config set --secret`; the value
         * is carried as a Pulumi secret and never printed.
         */
        password: z.string().min(1),
    })
    .strict();

/** Where one chart comes from when it does not come from its upstream repository. */
const chartOverride = z
    .object({
        /** Exact chart version. @default the version pinned by the component */
        version: exactVersion.optional(),
        /** A local `.tgz` file or chart directory (air-gapped sites without a chart registry). */
        localPath: z.string().min(1).optional(),
        /** A repository URL (`https://...` or `oci://...`) replacing the upstream one. */
        repository: z.string().min(1).optional(),
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
                url: z.string().regex(/^(oci|https?):\/\/.+/, {
                    message: "expected an oci://, https:// or http:// URL",
                }),
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

/**
 * `images`: one registry that replaces every image registry the platform deploys (air-gapped
 * sites). Empty means upstream registries.
 */
export const imagesSection = z
    .object({
        /** Registry host and optional path prefix, e.g. `harbor.example/mirror`. */
        mirror: z
            .string()
            .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, {
                message:
                    "expected a registry host with an optional path, e.g. harbor.example/mirror",
            })
            .optional(),
    })
    .strict()
    .default({});

/** Typed `images` settings. */
export type ImagesSettings = z.infer<typeof imagesSection>;
