/**
 * Bad input of the API-server tier: a missing Go, a failed build, a port in use, an etcd that
 * crashes at start or while running, an API server that does not start. Each gives a clear error
 * naming what failed, and no process of the harness is left running.
 */
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { runningProcesses, startControlPlane } from "./control-plane";
import { waitFor } from "./kube";
import { binWithoutGo, goTool, projectDir } from "./tools";

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

describe("API-server tier: bad input", function () {
    let tmp: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sovereign-bad-input-"));
    });
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });
    afterEach(() => {
        assert.deepEqual(runningProcesses(), [], "no process of the harness is left running");
    });

    it("a missing Go: the build names Go and what to install", () => {
        const bin = binWithoutGo(path.join(tmp, "bin-without-go"));
        const env = {
            ...process.env,
            PATH: bin,
            SOVEREIGN_TOOL_CACHE: path.join(tmp, "cache-no-go"),
        };
        assert.throws(
            () => goTool("etcd", env),
            /tools\/go\/build\.sh etcd failed \(exit 1\): the etcd binary of the API-server tier could not be built\.\nerror: go not found on PATH: .*install Go 1\.26 or newer/,
        );
    });

    it("a failed build: names the tool, its module folder and shows Go's error", () => {
        const module = path.join(tmp, "broken");
        fs.mkdirSync(module, { recursive: true });
        fs.writeFileSync(path.join(module, "go.mod"), "module example.com/broken\n\ngo 1.24\n");
        fs.writeFileSync(path.join(module, "go.sum"), "");
        fs.writeFileSync(
            path.join(module, "main.go"),
            "package main\n\nfunc main() { undefinedCall() }\n",
        );
        const table = path.join(tmp, "tools.tsv");
        fs.writeFileSync(table, `broken\t${module}\t.\n`);
        const env = {
            ...process.env,
            SOVEREIGN_TOOL_TABLE: table,
            SOVEREIGN_TOOL_CACHE: path.join(tmp, "cache"),
        };
        assert.throws(
            () => goTool("broken", env),
            (error: Error) => {
                assert.match(error.message, /^tools\/go\/build\.sh broken failed \(exit 1\)/);
                assert.match(error.message, /undefined: undefinedCall/);
                assert.match(
                    error.message,
                    /error: building broken \(\. in \/.*\/broken\) failed; the Go output above says why/,
                );
                return true;
            },
        );
        // No half-written binary is left in the cache.
        assert.deepEqual(fs.readdirSync(path.join(tmp, "cache")), ["bin"]);
        assert.deepEqual(fs.readdirSync(path.join(tmp, "cache/bin")), []);
    });

    it("a port in use: names the port and its use; nothing is started", async () => {
        const blocker = net.createServer();
        await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
        const port = (blocker.address() as net.AddressInfo).port;
        try {
            await assert.rejects(
                startControlPlane({ name: "port-in-use", ports: { apiServer: port } }),
                new RegExp(
                    `^Error: port 127\\.0\\.0\\.1:${port} for kube-apiserver --secure-port is already in use`,
                ),
            );
        } finally {
            blocker.close();
        }
    });

    it("etcd crashing at start: names etcd, its exit and its log; nothing left running", async () => {
        await assert.rejects(
            startControlPlane({ name: "etcd-crash", etcdFlags: { "no-such-flag": "1" } }),
            (error: Error) => {
                assert.match(
                    error.message,
                    /^etcd \(pid \d+\) exited with code \d+ while waiting for http:\/\/127\.0\.0\.1:\d+\/health; last lines of /,
                );
                assert.match(error.message, /no-such-flag/);
                return true;
            },
        );
    });

    it("kube-apiserver failing at start: names it and its log; etcd is stopped", async () => {
        await assert.rejects(
            startControlPlane({
                name: "apiserver-crash",
                apiServerFlags: { "service-cluster-ip-range": "not-a-cidr" },
            }),
            (error: Error) => {
                assert.match(
                    error.message,
                    /^kube-apiserver \(pid \d+\) exited with code 1 while waiting for https:\/\/127\.0\.0\.1:\d+\/readyz/,
                );
                assert.match(error.message, /service-cluster-ip-range\[0\] is not a valid cidr/);
                return true;
            },
        );
    });

    it("etcd killed while running: the control plane names the crash, stop() leaves nothing running", async () => {
        const cp = await startControlPlane({ name: "etcd-killed" });
        const pids = cp.processes().map((p) => p.pid);
        try {
            const etcd = cp.processes().find((p) => p.name === "etcd")!;
            assert.equal(cp.failure(), undefined);
            process.kill(etcd.pid, "SIGKILL");
            const failure = await waitFor("the harness to see etcd's exit", async () =>
                cp.failure(),
            );
            assert.match(failure, new RegExp(`^etcd \\(pid ${etcd.pid}\\) was killed by SIGKILL`));
            await waitFor("the API server's /readyz to fail without etcd", async () =>
                (await cp.client().request("GET", "/readyz")).status !== 200 ? true : undefined,
            );
        } finally {
            await cp.stop();
        }
        assert.deepEqual(pids.filter(alive), [], "every pid of the control plane is gone");
    });

    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        it(`${signal} to the test process stops every process it started`, async () => {
            const script = path.join(tmp, `interrupted-${signal}.ts`);
            fs.writeFileSync(
                script,
                `import { startControlPlane } from ${JSON.stringify(path.join(__dirname, "control-plane"))};\n` +
                    `startControlPlane({ name: "interrupted" }).then((cp) => {\n` +
                    `    console.log(JSON.stringify({ pids: cp.processes().map((p) => p.pid), dir: cp.dir }));\n` +
                    `    setInterval(() => undefined, 1000);\n` +
                    `});\n`,
            );
            const child = spawn(process.execPath, ["-r", "./tools/ts-register.js", script], {
                cwd: projectDir,
                stdio: ["ignore", "pipe", "inherit"],
            });
            const exited = new Promise<number | null>((resolve) =>
                child.once("exit", (code) => resolve(code)),
            );
            let out = "";
            child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
            const started = await waitFor(
                "the child's control plane",
                async () =>
                    out.includes("\n")
                        ? (JSON.parse(out) as { pids: number[]; dir: string })
                        : undefined,
                180_000,
            );
            assert.equal(started.pids.length, 2, "etcd and kube-apiserver run");
            assert.deepEqual(started.pids.filter(alive), started.pids);
            child.kill(signal);
            assert.equal(
                await exited,
                signal === "SIGINT" ? 130 : 143,
                "the exit code of an interrupted run",
            );
            await waitFor("every process of the interrupted run to be gone", async () =>
                started.pids.filter(alive).length === 0 ? true : undefined,
            );
            assert.equal(
                fs.existsSync(started.dir),
                false,
                `the temporary folder ${started.dir} is removed`,
            );
        });
    }
});
