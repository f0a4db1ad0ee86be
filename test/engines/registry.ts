/**
 * A read-only OCI registry on 127.0.0.1 for the engine tier: it serves images and cosign
 * signatures made in the test (a key pair of its own, no network), so Kyverno's verifyImages rule
 * runs end to end: resolving a tag to its digest, finding the signature under the
 * `sha256-<hex>.sig` tag and checking it with the public key.
 *
 * Only what a client needs to pull: `GET /v2/`, `GET|HEAD /v2/<repo>/manifests/<tag|digest>`,
 * `GET|HEAD /v2/<repo>/blobs/<digest>`; anything else is 404 (the referrers API included, so
 * cosign falls back to the tag scheme).
 */
import { createHash, KeyObject, sign } from "crypto";
import * as http from "http";
import type { AddressInfo } from "net";

const manifestType = "application/vnd.oci.image.manifest.v1+json";
const configType = "application/vnd.oci.image.config.v1+json";
const layerType = "application/vnd.oci.image.layer.v1.tar+gzip";
const simpleSigningType = "application/vnd.dev.cosign.simplesigning.v1+json";

function digestOf(data: Buffer): string {
    return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** A registry holding images and signatures in memory. */
export class TestRegistry {
    private readonly blobs = new Map<string, Buffer>();
    /** `<repo>@<tag or digest>` to the manifest bytes. */
    private readonly manifests = new Map<string, Buffer>();
    private server: http.Server | undefined;
    /** `127.0.0.1:<port>` once started. */
    host = "";

    /** Starts listening on a free port of 127.0.0.1. */
    async start(): Promise<void> {
        this.server = http.createServer((req, res) => this.serve(req, res));
        await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
        this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    /** Stops listening. */
    async stop(): Promise<void> {
        await new Promise<void>((resolve) => {
            if (this.server === undefined) {
                resolve();
                return;
            }
            this.server.close(() => resolve());
            this.server.closeAllConnections();
        });
    }

    private blob(data: Buffer): { mediaType: string; digest: string; size: number } {
        const digest = digestOf(data);
        this.blobs.set(digest, data);
        return { mediaType: "", digest, size: data.length };
    }

    private manifest(repo: string, tag: string | undefined, manifest: unknown): string {
        const bytes = Buffer.from(JSON.stringify(manifest));
        const digest = digestOf(bytes);
        this.manifests.set(`${repo}@${digest}`, bytes);
        if (tag !== undefined) {
            this.manifests.set(`${repo}@${tag}`, bytes);
        }
        return digest;
    }

    /** Adds an image (one small layer) under `repo:tag`; returns its manifest digest. */
    addImage(repo: string, tag: string): string {
        const layer = this.blob(Buffer.from(`layer of ${repo}:${tag}\n`));
        const config = this.blob(
            Buffer.from(
                JSON.stringify({
                    architecture: "amd64",
                    os: "linux",
                    rootfs: { type: "layers", diff_ids: [layer.digest] },
                    config: {},
                }),
            ),
        );
        return this.manifest(repo, tag, {
            schemaVersion: 2,
            mediaType: manifestType,
            config: { ...config, mediaType: configType },
            layers: [{ ...layer, mediaType: layerType }],
        });
    }

    /**
     * Signs `repo@digest` with `key` as `cosign sign --key` does: a simple-signing payload naming
     * the digest, its ECDSA signature in the layer's annotation, under the tag `sha256-<hex>.sig`.
     */
    sign(repo: string, digest: string, key: KeyObject): void {
        const payload = Buffer.from(
            JSON.stringify({
                critical: {
                    identity: { "docker-reference": `${this.host}/${repo}` },
                    image: { "docker-manifest-digest": digest },
                    type: "cosign container image signature",
                },
                optional: null,
            }),
        );
        const signature = sign("sha256", payload, key).toString("base64");
        const layer = this.blob(payload);
        const config = this.blob(
            Buffer.from(
                JSON.stringify({
                    architecture: "",
                    os: "",
                    config: {},
                    rootfs: { type: "layers", diff_ids: [layer.digest] },
                }),
            ),
        );
        this.manifest(repo, `${digest.replace(":", "-")}.sig`, {
            schemaVersion: 2,
            mediaType: manifestType,
            config: { ...config, mediaType: configType },
            layers: [
                {
                    ...layer,
                    mediaType: simpleSigningType,
                    annotations: { "dev.cosignproject.cosign/signature": signature },
                },
            ],
        });
    }

    private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
        const url = new URL(req.url ?? "/", "http://registry");
        const head = req.method === "HEAD";
        if (req.method !== "GET" && !head) {
            res.writeHead(405).end();
            return;
        }
        if (url.pathname === "/v2/" || url.pathname === "/v2") {
            res.writeHead(200, { "Content-Type": "application/json" }).end(head ? undefined : "{}");
            return;
        }
        const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
        const data =
            m === null
                ? undefined
                : m[2] === "manifests"
                  ? this.manifests.get(`${m[1]}@${m[3]}`)
                  : this.blobs.get(m[3]);
        if (m === null || data === undefined) {
            res.writeHead(404, { "Content-Type": "application/json" }).end(
                head ? undefined : JSON.stringify({ errors: [{ code: "NOT_FOUND" }] }),
            );
            return;
        }
        res.writeHead(200, {
            "Content-Type": m[2] === "manifests" ? manifestType : "application/octet-stream",
            "Content-Length": String(data.length),
            "Docker-Content-Digest": digestOf(data),
        }).end(head ? undefined : data);
    }
}
