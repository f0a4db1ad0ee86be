/**
 * A local Kubernetes control plane for tests: the real etcd and kube-apiserver (and, on demand,
 * kube-controller-manager), built from the Go modules of `tools/go/` (see `tools/go/tools.tsv`),
 * started on free loopback ports with a temporary folder, certificates made at start (a CA, the
 * API server's serving certificate, an admin client certificate and any user the caller asks for),
 * and stopped on {@link ControlPlane.stop}, on process exit and on SIGINT/SIGTERM. No kubelet and
 * no container runtime: Pods stay Pending, which is all admission needs.
 *
 * ```ts
 * const cp = await startControlPlane({ name: "audit", auditPolicyFile: "out/dev/control-plane/audit-policy.yaml" });
 * try {
 *     const client = cp.client();              // admin (system:masters)
 *     // KUBECONFIG=cp.kubeconfigPath for anything that reads a kubeconfig
 * } finally {
 *     await cp.stop();
 * }
 * ```
 *
 * etcd listens on plain HTTP on 127.0.0.1 only (the test reads raw values from it); the API server
 * serves HTTPS on 127.0.0.1 and authenticates with client certificates.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Credentials, KubeClient, waitFor } from "./kube";
import { goTool } from "./tools";

/** A user that authenticates with a client certificate. */
export interface ClientUser {
    /** Short name: file names and {@link ControlPlane.client}(name). Lower-case letters, digits, `-`. */
    readonly name: string;
    /** The user name (the certificate's CN). */
    readonly commonName: string;
    /** The groups (the certificate's O). */
    readonly organizations?: readonly string[];
}

/** How to start the control plane. Every file option is copied into the temporary folder. */
export interface ControlPlaneOptions {
    /** Names the temporary folder and the messages. @default "cluster" */
    readonly name?: string;
    /** An EncryptionConfiguration file: `--encryption-provider-config`. */
    readonly encryptionConfigFile?: string;
    /** `--encryption-provider-config-automatic-reload`. @default false */
    readonly encryptionAutomaticReload?: boolean;
    /** An audit Policy file: `--audit-policy-file`, logging to `<dir>/audit.log` ({@link ControlPlane.auditLogPath}). */
    readonly auditPolicyFile?: string;
    /** Other `--audit-log-*` flags (name without `--`, e.g. `audit-log-format`); the path is always the temporary one. */
    readonly auditLogFlags?: Readonly<Record<string, string>>;
    /** An AdmissionConfiguration file: `--admission-control-config-file`. */
    readonly admissionConfigFile?: string;
    /** `--enable-admission-plugins` (added to the API server's defaults). */
    readonly enableAdmissionPlugins?: readonly string[];
    /** More API server flags (name without `--`); they override the harness's own. */
    readonly apiServerFlags?: Readonly<Record<string, string>>;
    /** More etcd flags (name without `--`). */
    readonly etcdFlags?: Readonly<Record<string, string>>;
    /** Fixed ports instead of free ones (a port in use is an error naming it). */
    readonly ports?: {
        readonly apiServer?: number;
        readonly etcdClient?: number;
        readonly etcdPeer?: number;
    };
    /** Users besides `admin` (CN kubernetes-admin, group system:masters) that get a client certificate. */
    readonly users?: readonly ClientUser[];
    /** Start kube-controller-manager too (it can also be started later). @default false */
    readonly controllerManager?: boolean;
    /** Keep the temporary folder after stop (for debugging). @default $SOVEREIGN_CLUSTER_KEEP === "1" */
    readonly keep?: boolean;
    /** How long each process may take to become ready. @default 180000 */
    readonly readyTimeoutMs?: number;
}

/** A running control plane. */
export interface ControlPlane {
    /** The temporary folder: certificates, etcd data, logs, copied configuration files. */
    readonly dir: string;
    /** The API server's URL, `https://127.0.0.1:<port>`. */
    readonly server: string;
    /** A kubeconfig for the admin user (system:masters). */
    readonly kubeconfigPath: string;
    /** The CA of every certificate (API server serving cert and client certs). */
    readonly caFile: string;
    /** etcd's client URL, `http://127.0.0.1:<port>`. */
    readonly etcdEndpoint: string;
    /** The audit log, when an audit policy was given. */
    readonly auditLogPath?: string;
    /** The encryption configuration the API server reads (replace it to test automatic reload). */
    readonly encryptionConfigPath?: string;
    /** The client certificate of a user (`admin` or one of the options' users). */
    credentials(user?: string): Credentials;
    /** A kubeconfig for a user. */
    kubeconfigFor(user: string): string;
    /** An API client as a user (`admin` unless named). */
    client(user?: string): KubeClient;
    /** The raw value etcd holds for a key (e.g. `/registry/secrets/<ns>/<name>`), or undefined. */
    etcdGet(key: string): Promise<Buffer | undefined>;
    /** Starts kube-controller-manager (no-op when it runs) and waits until it is healthy. */
    startControllerManager(): Promise<void>;
    /** The processes started, with their pids and whether they still run. */
    processes(): { name: string; pid: number; running: boolean }[];
    /** Why the control plane is broken (a process exited), or undefined while all run. */
    failure(): string | undefined;
    /** The last lines of a process's log. */
    logTail(name: "etcd" | "kube-apiserver" | "kube-controller-manager", lines?: number): string;
    /** Stops every process (SIGTERM, SIGKILL after 10 s) and removes the folder unless kept. */
    stop(): Promise<void>;
}

/** A child process whose output goes to a log file; killed when the test process ends. */
class Managed {
    readonly child: ChildProcess;
    exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    private readonly exited: Promise<void>;
    private stopping = false;

    constructor(
        readonly name: string,
        binary: string,
        args: readonly string[],
        readonly logPath: string,
    ) {
        const log = fs.openSync(logPath, "a");
        this.child = spawn(binary, args, { stdio: ["ignore", log, log], env: { ...process.env } });
        fs.closeSync(log);
        live.add(this);
        this.exited = new Promise((resolve) => {
            this.child.once("exit", (code, signal) => {
                this.exit = { code, signal };
                live.delete(this);
                resolve();
            });
            this.child.once("error", (error) => {
                fs.appendFileSync(
                    logPath,
                    `\n[harness] could not start ${binary}: ${error.message}\n`,
                );
                this.exit = { code: -1, signal: null };
                live.delete(this);
                resolve();
            });
        });
    }

    get running(): boolean {
        return this.exit === undefined;
    }

    /** A sentence for an unexpected exit, or undefined while running or after a requested stop. */
    crash(): string | undefined {
        if (this.exit === undefined || this.stopping) {
            return undefined;
        }
        const how =
            this.exit.signal !== null
                ? `was killed by ${this.exit.signal}`
                : `exited with code ${this.exit.code}`;
        return `${this.name} (pid ${this.child.pid}) ${how}`;
    }

    tail(lines = 30): string {
        try {
            return fs
                .readFileSync(this.logPath, "utf8")
                .trimEnd()
                .split("\n")
                .slice(-lines)
                .join("\n");
        } catch {
            return "";
        }
    }

    async stop(): Promise<void> {
        this.stopping = true;
        if (this.exit !== undefined) {
            return;
        }
        this.child.kill("SIGTERM");
        const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
        await this.exited;
        clearTimeout(timer);
    }
}

/** Every process still running, killed when the test process exits or is interrupted. */
const live = new Set<Managed>();
/** Temporary folders of running control planes (not kept), removed when the test process ends. */
const folders = new Set<string>();
let handlersInstalled = false;

function installExitHandlers(): void {
    if (handlersInstalled) {
        return;
    }
    handlersInstalled = true;
    // process.exit runs the "exit" listeners: one place kills and cleans up.
    process.on("exit", () => {
        for (const p of live) {
            p.child.kill("SIGKILL");
        }
        for (const dir of folders) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
    for (const [signal, code] of [
        ["SIGINT", 130],
        ["SIGTERM", 143],
    ] as const) {
        process.once(signal, () => process.exit(code));
    }
}

/** The pids of every process the harness started that still runs (in this test process). */
export function runningProcesses(): { name: string; pid: number }[] {
    return [...live].map((p) => ({ name: p.name, pid: p.child.pid ?? -1 }));
}

/**
 * Ports on 127.0.0.1, one per request: the wanted one after checking nothing listens on it, or a
 * free one the OS picks. All are held open until every one is chosen, so no two are the same.
 */
async function ports(requests: readonly { wanted?: number; what: string }[]): Promise<number[]> {
    const servers: net.Server[] = [];
    const close = (): Promise<void[]> =>
        Promise.all(
            servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
        );
    try {
        const chosen: number[] = [];
        for (const { wanted, what } of requests) {
            const server = net.createServer();
            await new Promise<void>((resolve, reject) => {
                server.once("error", (error: NodeJS.ErrnoException) => {
                    reject(
                        new Error(
                            error.code === "EADDRINUSE"
                                ? `port 127.0.0.1:${wanted} for ${what} is already in use; free it or pick another port`
                                : `cannot listen on 127.0.0.1:${wanted ?? 0} for ${what}: ${error.message}`,
                        ),
                    );
                });
                server.listen(wanted ?? 0, "127.0.0.1", () => resolve());
            });
            servers.push(server);
            chosen.push((server.address() as net.AddressInfo).port);
        }
        return chosen;
    } finally {
        await close();
    }
}

/** `--name=value` flags in a stable order (later maps override earlier ones). */
function flags(...maps: Readonly<Record<string, string>>[]): string[] {
    const merged: Record<string, string> = {};
    for (const map of maps) {
        Object.assign(merged, map);
    }
    return Object.entries(merged).map(([name, value]) => `--${name}=${value}`);
}

function copyInto(dir: string, source: string, name: string, mode = 0o600): string {
    if (!fs.existsSync(source)) {
        throw new Error(`${source} (${name} for the test control plane) does not exist`);
    }
    const target = path.join(dir, name);
    fs.copyFileSync(source, target);
    fs.chmodSync(target, mode);
    return target;
}

function kubeconfig(
    server: string,
    caFile: string,
    certFile: string,
    keyFile: string,
    user: string,
): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: test",
        "    cluster:",
        `      server: ${server}`,
        `      certificate-authority: ${caFile}`,
        "users:",
        `  - name: ${user}`,
        "    user:",
        `      client-certificate: ${certFile}`,
        `      client-key: ${keyFile}`,
        "contexts:",
        "  - name: test",
        "    context:",
        "      cluster: test",
        `      user: ${user}`,
        "current-context: test",
        "",
    ].join("\n");
}

/** GET over plain HTTP; resolves with status and body, rejects when nothing answers. */
function httpRequest(
    url: string,
    method = "GET",
    body?: string,
): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, { method, timeout: 10_000 }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
            );
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
        req.on("error", reject);
        if (body !== undefined) {
            req.setHeader("content-type", "application/json");
            req.write(body);
        }
        req.end();
    });
}

/**
 * Waits until `ready` resolves true; fails early, with the log's last lines, when the process exits
 * or another of the control plane's processes crashes.
 */
async function waitReady(
    proc: Managed,
    all: readonly Managed[],
    what: string,
    ready: () => Promise<boolean>,
    timeoutMs: number,
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        for (const p of all) {
            const crash = p.crash();
            if (crash !== undefined) {
                throw new Error(
                    `${crash} while waiting for ${what}; last lines of ${p.logPath}:\n${p.tail()}`,
                );
            }
        }
        if (await ready().catch(() => false)) {
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(
                `${proc.name} (pid ${proc.child.pid}) was not ready (${what}) after ${timeoutMs / 1000} s; ` +
                    `last lines of ${proc.logPath}:\n${proc.tail()}`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
    }
}

/** The service CIDR of the test cluster (the kubeadm default, so 10.96.0.10 is a valid DNS address). */
export const serviceClusterIpRange = "10.96.0.0/12";

/**
 * Starts etcd and kube-apiserver (and kube-controller-manager when asked), waits until the API
 * server's `/readyz` answers ok, and returns the running control plane. Builds the binaries first
 * when they are not in the cache. On any failure every process already started is stopped, the
 * folder is removed, and the error names the process and shows its log's last lines.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    installExitHandlers();
    const name = options.name ?? "cluster";
    const timeout = options.readyTimeoutMs ?? 180_000;
    const keep = options.keep ?? process.env.SOVEREIGN_CLUSTER_KEEP === "1";
    const binaries = {
        etcd: goTool("etcd"),
        apiServer: goTool("kube-apiserver"),
        certs: goTool("cluster-certs"),
        controllerManager:
            options.controllerManager === true ? goTool("kube-controller-manager") : undefined,
    };
    const dir = fs.mkdtempSync(
        path.join(os.tmpdir(), `sovereign-${name.replace(/[^a-z0-9-]/gi, "-")}-`),
    );
    const started: Managed[] = [];
    if (!keep) {
        folders.add(dir);
    }
    const cleanUp = async (): Promise<void> => {
        for (const p of [...started].reverse()) {
            await p.stop();
        }
        if (!keep) {
            fs.rmSync(dir, { recursive: true, force: true });
            folders.delete(dir);
        }
    };
    try {
        const [apiPort, etcdPort, peerPort, kcmPort] = await ports([
            { wanted: options.ports?.apiServer, what: "kube-apiserver --secure-port" },
            { wanted: options.ports?.etcdClient, what: "etcd --listen-client-urls" },
            { wanted: options.ports?.etcdPeer, what: "etcd --listen-peer-urls" },
            { what: "kube-controller-manager --secure-port" },
        ]);
        // Certificates.
        const pki = path.join(dir, "pki");
        const users: ClientUser[] = [
            { name: "admin", commonName: "kubernetes-admin", organizations: ["system:masters"] },
            { name: "controller-manager", commonName: "system:kube-controller-manager" },
            ...(options.users ?? []),
        ];
        const certs = spawnSync(binaries.certs, [pki], {
            input: JSON.stringify({
                serverIPs: ["127.0.0.1", "10.96.0.1"],
                serverNames: [
                    "localhost",
                    "kubernetes",
                    "kubernetes.default",
                    "kubernetes.default.svc",
                ],
                clients: users.map((u) => ({
                    name: u.name,
                    commonName: u.commonName,
                    organizations: u.organizations ?? [],
                })),
            }),
            encoding: "utf8",
        });
        if (certs.status !== 0) {
            throw new Error(
                `cluster-certs failed (exit ${certs.status ?? certs.signal}): ${certs.stderr || certs.error?.message}`,
            );
        }
        const caFile = path.join(pki, "ca.crt");
        const server = `https://127.0.0.1:${apiPort}`;
        const credentials = (user = "admin"): Credentials => {
            if (!users.some((u) => u.name === user)) {
                throw new Error(
                    `no client certificate for user "${user}"; known: ${users.map((u) => u.name).join(", ")}`,
                );
            }
            return {
                caFile,
                certFile: path.join(pki, `${user}.crt`),
                keyFile: path.join(pki, `${user}.key`),
            };
        };
        const kubeconfigFor = (user: string): string => {
            const file = path.join(dir, `${user}.kubeconfig`);
            if (!fs.existsSync(file)) {
                const c = credentials(user);
                fs.writeFileSync(file, kubeconfig(server, caFile, c.certFile, c.keyFile, user), {
                    mode: 0o600,
                });
            }
            return file;
        };
        const kubeconfigPath = kubeconfigFor("admin");

        // etcd.
        const etcdEndpoint = `http://127.0.0.1:${etcdPort}`;
        const etcd = new Managed(
            "etcd",
            binaries.etcd,
            flags(
                {
                    name: "test",
                    "data-dir": path.join(dir, "etcd"),
                    "listen-client-urls": etcdEndpoint,
                    "advertise-client-urls": etcdEndpoint,
                    "listen-peer-urls": `http://127.0.0.1:${peerPort}`,
                    "initial-advertise-peer-urls": `http://127.0.0.1:${peerPort}`,
                    "initial-cluster": `test=http://127.0.0.1:${peerPort}`,
                    "log-level": "warn",
                    "unsafe-no-fsync": "true",
                },
                options.etcdFlags ?? {},
            ),
            path.join(dir, "etcd.log"),
        );
        started.push(etcd);
        await waitReady(
            etcd,
            started,
            `${etcdEndpoint}/health`,
            async () =>
                JSON.parse((await httpRequest(`${etcdEndpoint}/health`)).body).health === "true",
            timeout,
        );

        // kube-apiserver.
        const own: Record<string, string> = {
            "bind-address": "127.0.0.1",
            "advertise-address": "127.0.0.1",
            "secure-port": String(apiPort),
            "etcd-servers": etcdEndpoint,
            "tls-cert-file": path.join(pki, "apiserver.crt"),
            "tls-private-key-file": path.join(pki, "apiserver.key"),
            "client-ca-file": caFile,
            "service-account-issuer": "https://kubernetes.default.svc.cluster.local",
            "service-account-key-file": path.join(pki, "sa.pub"),
            "service-account-signing-key-file": path.join(pki, "sa.key"),
            "service-cluster-ip-range": serviceClusterIpRange,
            "authorization-mode": "Node,RBAC",
            // kubeadm's own API server manifest sets it; Pod Security, not this flag, refuses privileged Pods.
            "allow-privileged": "true",
            // The kubernetes Service's endpoints would be a loopback address, which is invalid.
            "endpoint-reconciler-type": "none",
            profiling: "false",
        };
        let encryptionConfigPath: string | undefined;
        if (options.encryptionConfigFile !== undefined) {
            encryptionConfigPath = copyInto(
                dir,
                options.encryptionConfigFile,
                "encryption-config.yaml",
            );
            own["encryption-provider-config"] = encryptionConfigPath;
            own["encryption-provider-config-automatic-reload"] = String(
                options.encryptionAutomaticReload ?? false,
            );
        }
        let auditLogPath: string | undefined;
        if (options.auditPolicyFile !== undefined) {
            auditLogPath = path.join(dir, "audit.log");
            Object.assign(own, options.auditLogFlags ?? {});
            own["audit-policy-file"] = copyInto(
                dir,
                options.auditPolicyFile,
                "audit-policy.yaml",
                0o644,
            );
            own["audit-log-path"] = auditLogPath;
        }
        if (options.admissionConfigFile !== undefined) {
            own["admission-control-config-file"] = copyInto(
                dir,
                options.admissionConfigFile,
                "admission-config.yaml",
                0o644,
            );
        }
        if (
            options.enableAdmissionPlugins !== undefined &&
            options.enableAdmissionPlugins.length > 0
        ) {
            own["enable-admission-plugins"] = options.enableAdmissionPlugins.join(",");
        }
        const apiServer = new Managed(
            "kube-apiserver",
            binaries.apiServer,
            flags(own, options.apiServerFlags ?? {}),
            path.join(dir, "kube-apiserver.log"),
        );
        started.push(apiServer);
        const admin = new KubeClient(server, credentials("admin"));
        await waitReady(
            apiServer,
            started,
            `${server}/readyz`,
            async () => (await admin.request("GET", "/readyz")).status === 200,
            timeout,
        );
        // The namespace "default" and the bootstrap RBAC exist once readyz is ok; wait for the
        // default namespace anyway (created by a controller loop, not a post-start hook).
        await waitFor(
            "the namespace default",
            () => admin.get("v1", "Namespace", undefined, "default"),
            timeout,
        );

        const clients: KubeClient[] = [admin];
        let controllerManager: Managed | undefined;
        const startControllerManager = async (): Promise<void> => {
            if (controllerManager?.running === true) {
                return;
            }
            const kubeconfigKcm = kubeconfigFor("controller-manager");
            controllerManager = new Managed(
                "kube-controller-manager",
                binaries.controllerManager ?? goTool("kube-controller-manager"),
                flags({
                    kubeconfig: kubeconfigKcm,
                    "authentication-kubeconfig": kubeconfigKcm,
                    "authorization-kubeconfig": kubeconfigKcm,
                    "bind-address": "127.0.0.1",
                    "secure-port": String(kcmPort),
                    "cert-dir": path.join(dir, "kcm-certs"),
                    "use-service-account-credentials": "true",
                    "service-account-private-key-file": path.join(pki, "sa.key"),
                    "root-ca-file": caFile,
                    "cluster-signing-cert-file": caFile,
                    "cluster-signing-key-file": path.join(pki, "ca.key"),
                    "leader-elect": "false",
                    // No kubelet runs: the node lifecycle controller would taint every Node unreachable.
                    controllers: "*,-node-lifecycle-controller",
                    profiling: "false",
                    "concurrent-deployment-syncs": "10",
                }),
                path.join(dir, "kube-controller-manager.log"),
            );
            started.push(controllerManager);
            const kcm = controllerManager;
            await waitReady(
                kcm,
                started,
                `https://127.0.0.1:${kcmPort}/healthz`,
                async () =>
                    (await anonymousHttpsGet(`https://127.0.0.1:${kcmPort}/healthz`)) === 200,
                timeout,
            );
        };
        if (options.controllerManager === true) {
            await startControllerManager();
        }
        let stopped = false;
        const plane: ControlPlane = {
            dir,
            server,
            kubeconfigPath,
            caFile,
            etcdEndpoint,
            auditLogPath,
            encryptionConfigPath,
            credentials,
            kubeconfigFor,
            client(user = "admin") {
                if (user === "admin") {
                    return admin;
                }
                const c = new KubeClient(server, credentials(user));
                clients.push(c);
                return c;
            },
            async etcdGet(key) {
                const res = await httpRequest(
                    `${etcdEndpoint}/v3/kv/range`,
                    "POST",
                    JSON.stringify({ key: Buffer.from(key).toString("base64") }),
                );
                if (res.status !== 200) {
                    throw new Error(
                        `etcd ${etcdEndpoint}/v3/kv/range for ${key}: HTTP ${res.status}: ${res.body}`,
                    );
                }
                const kvs = (JSON.parse(res.body) as { kvs?: { value?: string }[] }).kvs;
                return kvs === undefined || kvs.length === 0
                    ? undefined
                    : Buffer.from(kvs[0].value ?? "", "base64");
            },
            startControllerManager,
            processes() {
                return started.map((p) => ({
                    name: p.name,
                    pid: p.child.pid ?? -1,
                    running: p.running,
                }));
            },
            failure() {
                for (const p of started) {
                    const crash = p.crash();
                    if (crash !== undefined) {
                        return `${crash}; last lines of ${p.logPath}:\n${p.tail(15)}`;
                    }
                }
                return undefined;
            },
            logTail(processName, lines = 30) {
                const p = started.find((s) => s.name === processName);
                return p === undefined ? `${processName} was not started` : p.tail(lines);
            },
            async stop() {
                if (stopped) {
                    return;
                }
                stopped = true;
                for (const c of clients) {
                    c.close();
                }
                await cleanUp();
            },
        };
        return plane;
    } catch (error) {
        await cleanUp();
        throw error;
    }
}

/** Status of an HTTPS GET without a client certificate and without checking the server's certificate. */
function anonymousHttpsGet(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const req = https.get(url, { rejectUnauthorized: false, timeout: 5_000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer in 5 s`)));
        req.on("error", reject);
    });
}
