/**
 * The helm binary for tests: helm built from the helm Go module at the version the pinned
 * @pulumi/kubernetes provider embeds (its Chart v4 renders with that library), pinned in
 * `tools/go/helm/go.mod` and built once by `tools/go/build.sh helm` into `.cache/tools/bin/helm`
 * (git-ignored; rebuilt only when go.mod, go.sum or the Go version change). The same binary is
 * the check's default helm (tools/check/helm.ts, `pinnedHelmPath`).
 *
 * A build that fails is an error naming the command and its output: a test that needs helm fails,
 * it is never skipped.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");

/** The script that builds the project's Go tools. */
export const buildScript = path.join(root, "tools", "go", "build.sh");

/** The Go module folder that pins helm. */
export const helmModuleDir = path.join(root, "tools", "go", "helm");

/** How long a cold build of helm may take on a loaded 2-core machine. */
export const helmBuildTimeoutMs = 900_000;

/** The helm module version `tools/go/helm/go.mod` requires (`v3.20.2`). */
export function pinnedHelmVersion(): string {
    const goMod = path.join(helmModuleDir, "go.mod");
    const text = fs.readFileSync(goMod, "utf8");
    const match = /^\s*(?:require\s+)?helm\.sh\/helm\/v\d+\s+(v\S+)\s*$/m.exec(text);
    if (match === null) {
        throw new Error(`${goMod}: no helm.sh/helm requirement; expected one exact version`);
    }
    return match[1];
}

let built: string | undefined;

/**
 * Builds a Go tool of tools/go/tools.tsv with tools/go/build.sh (once per process; a no-op when
 * the cache holds it) and returns the path of the binary.
 */
export function buildGoTool(name: string, timeoutMs = helmBuildTimeoutMs): string {
    let out: string;
    try {
        out = execFileSync("bash", [buildScript, name], {
            cwd: root,
            encoding: "utf8",
            timeout: timeoutMs,
            stdio: ["ignore", "pipe", "pipe"],
            maxBuffer: 64 * 1024 * 1024,
        });
    } catch (e) {
        const err = e as { status?: number | null; signal?: string | null; stderr?: string };
        const why =
            err.signal !== undefined && err.signal !== null
                ? `killed by ${err.signal} (timeout ${timeoutMs} ms?)`
                : `exit code ${String(err.status)}`;
        throw new Error(
            `tools/go/build.sh ${name} failed (${why}); the Go tool "${name}" is needed by this ` +
                `test. Its output:\n${(err.stderr ?? "").trim()}`,
        );
    }
    const file = out.trim().split("\n").pop() ?? "";
    if (file === "" || !fs.existsSync(file)) {
        throw new Error(
            `tools/go/build.sh ${name} printed "${out.trim()}"; expected the path of the binary`,
        );
    }
    return file;
}

/** The path of the pinned helm binary, built on first use. */
export function testHelmBinary(): string {
    built ??= buildGoTool("helm");
    return built;
}

/**
 * Mocha root hooks (`.mocharc.json` requires this file): `npm test` builds helm once before any
 * spec runs, with a timeout that fits a cold build, and fails when it cannot.
 */
export const mochaHooks = {
    beforeAll(this: { timeout(ms: number): void }): void {
        this.timeout(helmBuildTimeoutMs);
        testHelmBinary();
    },
};
