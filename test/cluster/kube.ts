/**
 * A small Kubernetes API client for the API-server tier: HTTPS with a client certificate, JSON
 * bodies, discovery of resource paths, server-side apply (`application/apply-patch+yaml` with
 * `fieldValidation=Strict`). No kubectl: the only one on the machine is a gcloud dispatcher.
 */
import * as fs from "node:fs";
import * as https from "node:https";

/** A Kubernetes object as JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = Record<string, any>;

/** A client certificate and the CA that signed the API server's serving certificate. */
export interface Credentials {
    readonly caFile: string;
    readonly certFile: string;
    readonly keyFile: string;
}

/** One HTTP answer of the API server. */
export interface KubeResponse {
    readonly status: number;
    readonly body: string;
    /** The `Warning` headers (Pod Security's warn mode, deprecated APIs, ...). */
    readonly warnings: readonly string[];
    /** The `Audit-Id` header: the `auditID` of the request's audit events. */
    readonly auditId?: string;
}

/** An answer that was not 2xx. */
export class KubeError extends Error {
    constructor(
        readonly method: string,
        readonly urlPath: string,
        readonly status: number,
        readonly body: string,
    ) {
        super(`${method} ${urlPath}: HTTP ${status}: ${KubeError.reason(body)}`);
        this.name = "KubeError";
    }

    /** The `message` of a Status body, or the body itself. */
    static reason(body: string): string {
        try {
            const status = JSON.parse(body) as { message?: string };
            return status.message ?? body;
        } catch {
            return body;
        }
    }
}

/** Where a kind is served: its plural resource name and whether it is namespaced. */
interface ResourceInfo {
    readonly plural: string;
    readonly namespaced: boolean;
}

/** A client of one API server, as one user. */
export class KubeClient {
    private readonly agent: https.Agent;
    private readonly discovery = new Map<string, Map<string, ResourceInfo>>();

    constructor(
        readonly server: string,
        credentials: Credentials,
    ) {
        this.agent = new https.Agent({
            ca: fs.readFileSync(credentials.caFile),
            cert: fs.readFileSync(credentials.certFile),
            key: fs.readFileSync(credentials.keyFile),
            keepAlive: true,
            maxSockets: 8,
        });
    }

    /** Sends one request; resolves with any status (rejects only when there is no answer). */
    request(
        method: string,
        urlPath: string,
        body?: string,
        contentType = "application/json",
    ): Promise<KubeResponse> {
        const url = new URL(urlPath, this.server);
        return new Promise((resolve, reject) => {
            const req = https.request(
                url,
                {
                    method,
                    agent: this.agent,
                    headers: {
                        accept: "application/json",
                        ...(body !== undefined
                            ? {
                                  "content-type": contentType,
                                  "content-length": Buffer.byteLength(body),
                              }
                            : {}),
                    },
                    timeout: 60_000,
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (chunk: Buffer) => chunks.push(chunk));
                    res.on("end", () => {
                        const warning = res.headers.warning;
                        resolve({
                            status: res.statusCode ?? 0,
                            body: Buffer.concat(chunks).toString("utf8"),
                            warnings: warning === undefined ? [] : [warning].flat(),
                            auditId: res.headers["audit-id"] as string | undefined,
                        });
                    });
                    res.on("error", reject);
                },
            );
            req.on("timeout", () =>
                req.destroy(new Error(`${method} ${url.href}: no answer in 60 s`)),
            );
            req.on("error", (error) =>
                reject(new Error(`${method} ${url.href}: ${error.message}`, { cause: error })),
            );
            if (body !== undefined) {
                req.write(body);
            }
            req.end();
        });
    }

    /** Sends one request and parses the JSON answer; throws {@link KubeError} unless 2xx. */
    async json(
        method: string,
        urlPath: string,
        body?: unknown,
        contentType?: string,
    ): Promise<KubeObject> {
        const res = await this.request(
            method,
            urlPath,
            body === undefined ? undefined : JSON.stringify(body),
            contentType,
        );
        if (res.status < 200 || res.status > 299) {
            throw new KubeError(method, urlPath, res.status, res.body);
        }
        return JSON.parse(res.body) as KubeObject;
    }

    /** The URL path of an object (or of its collection when `name` is omitted). */
    async path(
        apiVersion: string,
        kind: string,
        namespace?: string,
        name?: string,
    ): Promise<string> {
        const info = await this.resource(apiVersion, kind);
        const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        if (info.namespaced && namespace === undefined && name !== undefined) {
            throw new Error(`${kind} ${name} (${apiVersion}) is namespaced but has no namespace`);
        }
        const ns = info.namespaced && namespace !== undefined ? `/namespaces/${namespace}` : "";
        return `${base}${ns}/${info.plural}${name !== undefined ? `/${name}` : ""}`;
    }

    /** The URL path of an object given as JSON. */
    objectPath(obj: KubeObject, withName = true): Promise<string> {
        return this.path(
            String(obj.apiVersion),
            String(obj.kind),
            obj.metadata?.namespace as string | undefined,
            withName ? String(obj.metadata?.name) : undefined,
        );
    }

    /** Whether a kind is namespaced (from discovery). */
    async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
        return (await this.resource(apiVersion, kind)).namespaced;
    }

    /** Forgets discovery, so kinds of CRDs created since are found. */
    forgetDiscovery(): void {
        this.discovery.clear();
    }

    private async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
        let kinds = this.discovery.get(apiVersion);
        if (kinds === undefined || !kinds.has(kind)) {
            const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
            const res = await this.request("GET", base);
            if (res.status === 404) {
                throw new Error(
                    `the API server does not serve ${apiVersion} (is its CRD installed?)`,
                );
            }
            if (res.status !== 200) {
                throw new KubeError("GET", base, res.status, res.body);
            }
            const list = JSON.parse(res.body) as {
                resources: { name: string; kind: string; namespaced: boolean }[];
            };
            kinds = new Map();
            for (const r of list.resources) {
                if (!r.name.includes("/")) {
                    kinds.set(r.kind, { plural: r.name, namespaced: r.namespaced });
                }
            }
            this.discovery.set(apiVersion, kinds);
        }
        const info = kinds.get(kind);
        if (info === undefined) {
            throw new Error(`the API server serves no kind ${kind} in ${apiVersion}`);
        }
        return info;
    }

    /**
     * Server-side apply of one object, as `kubectl apply --server-side --field-manager=<manager>`
     * with strict field validation: an unknown or duplicated field is an error, not a warning.
     */
    async apply(obj: KubeObject, fieldManager = "sovereign-contour-test"): Promise<KubeObject> {
        const urlPath = await this.objectPath(obj);
        const query = `?fieldManager=${encodeURIComponent(fieldManager)}&fieldValidation=Strict&force=true`;
        return this.json("PATCH", urlPath + query, obj, "application/apply-patch+yaml");
    }

    /** Creates an object (POST); returns the raw answer, so a refusal can be inspected. */
    async create(obj: KubeObject, query = ""): Promise<KubeResponse> {
        return this.request(
            "POST",
            (await this.objectPath(obj, false)) + query,
            JSON.stringify(obj),
        );
    }

    /** Reads an object; undefined when it does not exist. */
    async get(
        apiVersion: string,
        kind: string,
        namespace: string | undefined,
        name: string,
    ): Promise<KubeObject | undefined> {
        const urlPath = await this.path(apiVersion, kind, namespace, name);
        const res = await this.request("GET", urlPath);
        if (res.status === 404) {
            return undefined;
        }
        if (res.status !== 200) {
            throw new KubeError("GET", urlPath, res.status, res.body);
        }
        return JSON.parse(res.body) as KubeObject;
    }

    /** Lists the objects of a kind (in a namespace, or in all). */
    async list(
        apiVersion: string,
        kind: string,
        namespace?: string,
        query = "",
    ): Promise<KubeObject[]> {
        const urlPath = await this.path(apiVersion, kind, namespace);
        return (await this.json("GET", urlPath + query)).items as KubeObject[];
    }

    /** Closes the client's connections. */
    close(): void {
        this.agent.destroy();
    }
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
    what: string,
    check: () => Promise<T | undefined>,
    timeoutMs = 60_000,
    intervalMs = 250,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const value = await check();
            if (value !== undefined) {
                return value;
            }
        } catch (error) {
            last = error;
        }
        if (Date.now() > deadline) {
            const why = last instanceof Error ? `; last error: ${last.message}` : "";
            throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}
