/**
 * The check's pack host ends with the check that started it: a check killed by SIGKILL (out of
 * memory, a CI timeout) cannot stop its hosts, so each host watches its parent and exits when it
 * is gone, instead of keeping its port and memory for ever.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

async function waitUntil(condition: () => boolean, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
        if (condition()) {
            return true;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return condition();
}

describe("pack host", () => {
    it("exits when the check that started it is killed with SIGKILL", async () => {
        // A stand-in parent: starts a real pack host on the workload-security pack, prints the
        // host's pid once the pack serves (it prints its port), then waits to be killed.
        const parentScript = `
            const { spawn } = require("child_process");
            const host = spawn(process.execPath, ["-r", ${JSON.stringify(path.join(root, "tools", "ts-register.js"))},
                ${JSON.stringify(path.join(root, "tools", "check", "protocol", "pack-host.ts"))}, "127.0.0.1:0",
                ${JSON.stringify(path.join(root, "policypacks", "workload-security"))}],
                { stdio: ["ignore", "pipe", "inherit"] });
            host.stdout.once("data", () => console.log(host.pid));
            setInterval(() => {}, 1000);
        `;
        const parent = spawn(process.execPath, ["-e", parentScript], {
            stdio: ["ignore", "pipe", "inherit"],
        });
        const hostPid = await new Promise<number>((resolve, reject) => {
            parent.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim())));
            parent.once("exit", (code) => reject(new Error(`parent exited early (${code})`)));
        });
        assert.ok(Number.isInteger(hostPid) && hostPid > 0, `host pid ${hostPid}`);
        assert.ok(alive(hostPid), "the pack host runs while its parent does");
        parent.kill("SIGKILL");
        const gone = await waitUntil(() => !alive(hostPid), 10_000);
        if (!gone) {
            process.kill(hostPid, "SIGKILL");
        }
        assert.ok(gone, `pack host ${hostPid} still runs 10 s after its parent was killed`);
    });
});
