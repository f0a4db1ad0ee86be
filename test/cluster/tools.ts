/**
 * The Go binaries of the API-server tier, built once by `tools/go/build.sh` into `.cache/tools/`
 * and reused. A missing Go or a failed build throws an error naming the tool and the reason, so
 * the tier fails instead of skipping.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The project's root folder. */
export const projectDir = path.resolve(__dirname, "../..");

/** The Go tools of tools/go/tools.tsv this tier uses. */
export type ClusterTool =
    | "etcd"
    | "kube-apiserver"
    | "kube-controller-manager"
    | "kubeadm"
    | "cluster-certs"
    | "kubelet-config-validate";

const built = new Map<string, string>();

/**
 * Builds (or finds in the cache) one Go tool and returns the absolute path of its binary.
 * `env` replaces the environment of the build script (tests use it to hide Go).
 */
export function goTool(
    name: ClusterTool | (string & {}),
    env: NodeJS.ProcessEnv = process.env,
): string {
    const cached = env === process.env ? built.get(name) : undefined;
    if (cached !== undefined) {
        return cached;
    }
    const script = path.join(projectDir, "tools/go/build.sh");
    const run = spawnSync("bash", [script, name], {
        cwd: projectDir,
        env,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (run.error !== undefined) {
        throw new Error(`tools/go/build.sh ${name}: could not run bash: ${run.error.message}`);
    }
    if (run.status !== 0) {
        const output = run.stderr.trim().split("\n").slice(-40).join("\n");
        throw new Error(
            `tools/go/build.sh ${name} failed (exit ${run.status ?? run.signal}): the ${name} binary ` +
                `of the API-server tier could not be built.\n${output}`,
        );
    }
    const binary = run.stdout.trim();
    if (!path.isAbsolute(binary)) {
        throw new Error(
            `tools/go/build.sh ${name} printed ${JSON.stringify(binary)}; expected the binary's absolute path`,
        );
    }
    if (env === process.env) {
        built.set(name, binary);
    }
    return binary;
}

/**
 * Fills `bin` with links to what a project script needs before it looks for Go (`bash`, `dirname`,
 * from /usr/bin or /bin) and returns it: a PATH with no Go, wherever Go is installed.
 */
export function binWithoutGo(bin: string): string {
    fs.mkdirSync(bin, { recursive: true });
    for (const tool of ["bash", "dirname"]) {
        const found = ["/usr/bin", "/bin"]
            .map((d) => path.join(d, tool))
            .find((f) => fs.existsSync(f));
        if (found === undefined) {
            throw new Error(`${tool} is in neither /usr/bin nor /bin`);
        }
        fs.symlinkSync(found, path.join(bin, tool));
    }
    return bin;
}
