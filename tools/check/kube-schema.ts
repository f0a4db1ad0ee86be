/**
 * Validation of Kubernetes objects against the Kubernetes OpenAPI schema, through kubernetes-models
 * (4.5.1, generated from the Kubernetes 1.33 OpenAPI document; its validators are compiled JSON
 * schemas). Kinds without a schema there (custom resources) are reported as not validated rather
 * than passed silently.
 */

/** The outcome of validating one object. */
export type SchemaResult =
    | { readonly status: "valid" }
    | { readonly status: "invalid"; readonly errors: string[] }
    | { readonly status: "no-schema" };

type ModelClass = new (data: unknown) => { validate(): void };

const modelCache = new Map<string, ModelClass | null>();

function modelFor(apiVersion: string, kind: string): ModelClass | null {
    const key = `${apiVersion}/${kind}`;
    const cached = modelCache.get(key);
    if (cached !== undefined) {
        return cached;
    }
    let model: ModelClass | null = null;
    // Only well-formed group/version strings are looked up, so a manifest cannot make the check
    // load an arbitrary module path.
    if (
        /^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion) &&
        /^[A-Za-z0-9]+$/.test(kind)
    ) {
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const mod = require(`kubernetes-models/${apiVersion}`) as Record<string, unknown>;
            const candidate = mod[kind];
            model = typeof candidate === "function" ? (candidate as ModelClass) : null;
        } catch {
            model = null;
        }
    }
    modelCache.set(key, model);
    return model;
}

/** Validates one object (apiVersion and kind must be set). */
export function validateObject(obj: Record<string, unknown>): SchemaResult {
    const apiVersion = typeof obj.apiVersion === "string" ? obj.apiVersion : "";
    const kind = typeof obj.kind === "string" ? obj.kind : "";
    const Model = modelFor(apiVersion, kind);
    if (Model === null) {
        return { status: "no-schema" };
    }
    try {
        new Model(obj).validate();
        return { status: "valid" };
    } catch (e) {
        const errors = (e as { errors?: { instancePath?: string; message?: string }[] }).errors;
        if (Array.isArray(errors) && errors.length > 0) {
            return {
                status: "invalid",
                errors: errors.map(
                    (x) =>
                        `${(x.instancePath ?? "").replace(/^\//, "").replace(/\//g, ".") || "(root)"}: ${x.message ?? "invalid"}`,
                ),
            };
        }
        return { status: "invalid", errors: [(e as Error).message] };
    }
}
