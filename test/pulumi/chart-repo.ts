/**
 * The chart repositories of the real-engine tier, played on loopback.
 *
 * The program's Chart v4 resources fetch their charts from the upstream Helm repositories the stack
 * names (`https://charts.jetstack.io`, ...), and the packs admit those sources only. The tier has no
 * network and no chart code, so the test serves each pinned chart itself: an HTTPS server holds an
 * `index.yaml` and a `.tgz` per chart under the repository's own URL, and an HTTP CONNECT proxy
 * (`HTTPS_PROXY` for the Pulumi processes) routes the repositories' hosts to it, with a certificate
 * for those hosts from a CA the provider trusts through `SSL_CERT_FILE`. Any other host is refused
 * and recorded, so the test can assert that nothing else was reached.
 *
 * The charts served are NOT the upstream charts: each is built at test time from the data files of
 * `../shared/upstream` (the chart's default `values.yaml`, its `values.schema.json` where upstream
 * has one, and its CRDs where upstream ships them as files), under the pinned name and version,
 * with no templates. The provider renders them with the program's values (so a values key the
 * chart's schema refuses still fails), installs their CRDs, and registers no workload.
 */
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import * as YAML from "yaml";
import { goTool } from "../cluster/tools";

/** A chart as the program pins it (the check's report lists them: `report.charts`). */
export interface PinnedChart {
    /** The chart's name in its repository (`cert-manager`). */
    readonly chart: string;
    /** The exact version (`v1.21.1`). */
    readonly version: string;
    /** The repository URL (`https://charts.jetstack.io`). */
    readonly repository: string;
}

/** A chart the repository serves: where its data came from and what it holds. */
export interface ServedChart extends PinnedChart {
    /** The `../shared/upstream` folder it was built from. */
    readonly source: string;
    /** The CRD files it carries (base names). */
    readonly crds: readonly string[];
    /** The URL of its package. */
    readonly url: string;
}

/** The running repositories and proxy. */
export interface ChartRepo {
    /** `http://127.0.0.1:<port>`: the proxy for `HTTPS_PROXY`/`HTTP_PROXY`. */
    readonly proxyUrl: string;
    /** The CA to trust (`SSL_CERT_FILE`). */
    readonly caFile: string;
    /** What is served. */
    readonly charts: readonly ServedChart[];
    /** Every URL served, in order (`https://host/path`). */
    readonly served: string[];
    /** Every request refused (a host or URL not served), in order. */
    readonly refused: string[];
    /** Stops the server and the proxy. */
    close(): Promise<void>;
}

/** The folder of `../shared/upstream` holding a chart's data: `<chart>-<version>`, Linkerd's as `edge-YY.M.P`. */
function upstreamFolder(upstream: string, chart: PinnedChart): string {
    const candidates = [
        `${chart.chart}-${chart.version}`,
        `${chart.chart}-edge-${chart.version.replace(/^20(\d\d)\./, "$1.")}`,
    ];
    for (const name of candidates) {
        if (fs.existsSync(path.join(upstream, name, "values.yaml"))) {
            return path.join(upstream, name);
        }
    }
    throw new Error(
        `no upstream data for chart ${chart.chart} ${chart.version} in ${upstream}: expected a folder ` +
            `${candidates.join(" or ")} with the chart's values.yaml (see ../shared/upstream/README.md)`,
    );
}

/** Builds one chart package (`<chart>-<version>.tgz`) in `dir` from its upstream data. */
function buildChart(
    dir: string,
    upstream: string,
    chart: PinnedChart,
): { file: string; source: string; crds: string[] } {
    const source = upstreamFolder(upstream, chart);
    const root = path.join(dir, `${chart.chart}-${chart.version}`);
    const chartDir = path.join(root, chart.chart);
    fs.mkdirSync(chartDir, { recursive: true });
    fs.writeFileSync(
        path.join(chartDir, "Chart.yaml"),
        YAML.stringify({
            apiVersion: "v2",
            name: chart.chart,
            version: chart.version,
            description:
                `Test stand-in for ${chart.chart} ${chart.version}, built by test/pulumi from ` +
                `../shared/upstream/${path.basename(source)}: upstream default values and CRDs, no templates`,
            type: "application",
        }),
    );
    fs.copyFileSync(path.join(source, "values.yaml"), path.join(chartDir, "values.yaml"));
    if (fs.existsSync(path.join(source, "values.schema.json"))) {
        fs.copyFileSync(
            path.join(source, "values.schema.json"),
            path.join(chartDir, "values.schema.json"),
        );
    }
    const crds: string[] = [];
    const crdSource = path.join(source, "crds");
    if (fs.existsSync(crdSource)) {
        fs.mkdirSync(path.join(chartDir, "crds"));
        for (const file of fs.readdirSync(crdSource).sort()) {
            if (/\.ya?ml$/.test(file)) {
                fs.copyFileSync(path.join(crdSource, file), path.join(chartDir, "crds", file));
                crds.push(file);
            }
        }
    }
    const file = path.join(dir, `${chart.chart}-${chart.version}.tgz`);
    const tar = spawnSync("tar", ["-czf", file, "-C", root, chart.chart], { encoding: "utf8" });
    if (tar.status !== 0) {
        throw new Error(`tar could not package ${chartDir}: ${tar.stderr || tar.error?.message}`);
    }
    return { file, source, crds };
}

/** Listens on a free loopback port. */
function listen(server: net.Server): Promise<number> {
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });
}

/**
 * Builds the charts in `dir`, and starts the HTTPS repository server and the CONNECT proxy that
 * routes the repositories' hosts to it.
 */
export async function startChartRepo(
    dir: string,
    pinned: readonly PinnedChart[],
    upstream: string,
): Promise<ChartRepo> {
    if (pinned.length === 0) {
        throw new Error("startChartRepo: no chart to serve");
    }
    fs.mkdirSync(dir, { recursive: true });
    const files = new Map<string, Buffer>();
    const indexes = new Map<string, { apiVersion: string; entries: Record<string, unknown[]> }>();
    const charts: ServedChart[] = [];
    for (const chart of pinned) {
        const repo = new URL(chart.repository.replace(/\/+$/, "") + "/");
        if (repo.protocol !== "https:") {
            throw new Error(
                `chart ${chart.chart}: repository ${chart.repository} is not https://; the tier serves https repositories only`,
            );
        }
        const built = buildChart(path.join(dir, "packages"), upstream, chart);
        const data = fs.readFileSync(built.file);
        const url = new URL(path.basename(built.file), repo).toString();
        files.set(url, data);
        const indexUrl = new URL("index.yaml", repo).toString();
        const index = indexes.get(indexUrl) ?? { apiVersion: "v1", entries: {} };
        (index.entries[chart.chart] ??= []).push({
            apiVersion: "v2",
            name: chart.chart,
            version: chart.version,
            created: new Date().toISOString(),
            digest: crypto.createHash("sha256").update(data).digest("hex"),
            urls: [url],
        });
        indexes.set(indexUrl, index);
        charts.push({ ...chart, source: built.source, crds: built.crds, url });
    }
    for (const [url, index] of indexes) {
        files.set(
            url,
            Buffer.from(YAML.stringify({ ...index, generated: new Date().toISOString() })),
        );
    }

    // One serving certificate for every repository host, from a CA made for this run.
    const hosts = [...new Set(charts.map((c) => new URL(c.repository).hostname))].sort();
    const certDir = path.join(dir, "certs");
    fs.mkdirSync(certDir, { recursive: true });
    const certs = spawnSync(goTool("cluster-certs"), [certDir], {
        input: JSON.stringify({ serverIPs: [], serverNames: hosts, clients: [] }),
        encoding: "utf8",
    });
    if (certs.status !== 0) {
        throw new Error(
            `cluster-certs could not make the repositories' certificate: ${certs.stderr}`,
        );
    }

    const served: string[] = [];
    const refused: string[] = [];
    const server = https.createServer(
        {
            cert: fs.readFileSync(path.join(certDir, "apiserver.crt")),
            key: fs.readFileSync(path.join(certDir, "apiserver.key")),
        },
        (req, res) => {
            const url = `https://${(req.headers.host ?? "").replace(/:443$/, "")}${req.url ?? "/"}`;
            const body = req.method === "GET" || req.method === "HEAD" ? files.get(url) : undefined;
            if (body === undefined) {
                refused.push(url);
                res.writeHead(404).end();
                return;
            }
            served.push(url);
            res.writeHead(200, { "content-length": body.length }).end(
                req.method === "HEAD" ? undefined : body,
            );
        },
    );
    const serverPort = await listen(server);

    const sockets = new Set<net.Socket>();
    const proxy = http.createServer((req, res) => {
        // A plain-HTTP request through the proxy: nothing is served over plain HTTP.
        refused.push(req.url ?? "");
        res.writeHead(403).end();
    });
    proxy.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
        sockets.add(client);
        client.on("close", () => sockets.delete(client));
        client.on("error", () => client.destroy());
        const [host, port] = (req.url ?? "").split(":");
        if (!hosts.includes(host) || port !== "443") {
            refused.push(req.url ?? "");
            client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
            return;
        }
        const upstreamSocket = net.connect(serverPort, "127.0.0.1", () => {
            client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
            upstreamSocket.write(head);
            upstreamSocket.pipe(client);
            client.pipe(upstreamSocket);
        });
        sockets.add(upstreamSocket);
        upstreamSocket.on("close", () => sockets.delete(upstreamSocket));
        upstreamSocket.on("error", () => client.destroy());
    });
    const proxyPort = await listen(proxy);

    return {
        proxyUrl: `http://127.0.0.1:${proxyPort}`,
        caFile: path.join(certDir, "ca.crt"),
        charts,
        served,
        refused,
        close: async () => {
            for (const socket of sockets) {
                socket.destroy();
            }
            await Promise.all(
                [server, proxy].map(
                    (s) => new Promise<void>((resolve) => s.close(() => resolve())),
                ),
            );
        },
    };
}
