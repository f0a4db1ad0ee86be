/**
 * The project's outputs for the API-server tier: each stack is checked once per test process with
 * `npm run check`'s own entry point into a temporary folder (never `out/`, which other runs
 * replace), and the node documents and manifests are read from there.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { ControlPlaneOptions } from "./control-plane";
import { KubeObject } from "./kube";
import { projectDir } from "./tools";
import { checkScriptNodeFlags } from "../../tools/check/script-flags";

const checked = new Map<string, string>();
let outRoot: string | undefined;

/**
 * The folder `out/<stack>/` of a fresh `npm run check -- --stack <stack>` (run once per process).
 * Throws with the check's output when it does not exit 0. With `CLUSTER_TIER_OUT=<dir>` the tier
 * tests `<dir>/<stack>/` as it is instead (outputs of an earlier check, e.g. CI's artifacts).
 */
export function stackOutputs(stack: string): string {
    const known = checked.get(stack);
    if (known !== undefined) {
        return known;
    }
    const given = process.env.CLUSTER_TIER_OUT;
    if (given !== undefined && given !== "") {
        const dir = path.resolve(given, stack);
        const report = path.join(dir, "report.json");
        if (!fs.existsSync(report)) {
            throw new Error(
                `CLUSTER_TIER_OUT=${given}: ${report} does not exist; run npm run check -- --stack ${stack} --out ${given}`,
            );
        }
        const status = (JSON.parse(fs.readFileSync(report, "utf8")) as { status?: string }).status;
        if (status !== "passed") {
            throw new Error(
                `CLUSTER_TIER_OUT=${given}: ${report} says status ${JSON.stringify(status)}; expected "passed"`,
            );
        }
        checked.set(stack, dir);
        return dir;
    }
    if (outRoot === undefined) {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "sovereign-cluster-out-"));
        outRoot = root;
        process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));
    }
    runCheck(
        ["--stack", stack, "--out", outRoot],
        (exit) =>
            `npm run check -- --stack ${stack} exited ${exit}; the API-server tier tests what it writes:`,
    );
    const dir = path.join(outRoot, stack);
    checked.set(stack, dir);
    return dir;
}

/**
 * Runs the offline check with `args` as `npm run check` runs it (the script's Node flags, from the
 * project folder); unless it exits 0, throws `failure(<exit code or signal>)` followed by the last
 * 30 lines of its output.
 */
export function runCheck(args: readonly string[], failure: (exit: string) => string): void {
    const run = spawnSync(
        process.execPath,
        [...checkScriptNodeFlags(), "-r", "./tools/ts-register.js", "tools/check/cli.ts", ...args],
        { cwd: projectDir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    if (run.status !== 0) {
        const tail = (run.stdout + run.stderr).trim().split("\n").slice(-30).join("\n");
        throw new Error(`${failure(String(run.status ?? run.signal))}\n${tail}`);
    }
}

/** Every object of a YAML file with one or more documents (empty documents skipped). */
export function readObjects(file: string): KubeObject[] {
    return parseAllDocuments(fs.readFileSync(file, "utf8"))
        .map((doc) => {
            if (doc.errors.length > 0) {
                throw new Error(`${file}: ${doc.errors[0].message}`);
            }
            return doc.toJS() as KubeObject | null;
        })
        .filter((obj): obj is KubeObject => obj !== null && typeof obj === "object");
}

/** The kubeadm ClusterConfiguration's `apiServer.extraArgs` of a stack, as name → value. */
export function apiServerArgs(stack: string): Record<string, string> {
    const file = path.join(stackOutputs(stack), "kubeadm/cluster-configuration.yaml");
    const config = readObjects(file).find((o) => o.kind === "ClusterConfiguration");
    if (config === undefined) {
        throw new Error(`${file} holds no ClusterConfiguration`);
    }
    const args: Record<string, string> = {};
    for (const arg of (config.apiServer?.extraArgs ?? []) as { name: string; value: string }[]) {
        args[arg.name] = arg.value;
    }
    return args;
}

/** A flag the stack must set; throws naming it when it does not. */
export function requiredArg(
    args: Readonly<Record<string, string>>,
    stack: string,
    name: string,
): string {
    const value = args[name];
    if (value === undefined) {
        throw new Error(
            `the ${stack} stack's kubeadm ClusterConfiguration sets no apiServer --${name}`,
        );
    }
    return value;
}

/**
 * Control-plane options that run the API server as the stack configures it: its admission plugins
 * and AdmissionConfiguration, and (when asked) its encryption configuration and its audit policy
 * with every `--audit-log-*` flag of the kubeadm document (only the log path is the test's).
 */
export function stackApiServer(
    stack: string,
    parts: {
        readonly encryption?: boolean;
        readonly audit?: boolean;
        readonly admission?: boolean;
    },
): ControlPlaneOptions {
    const dir = stackOutputs(stack);
    const args = apiServerArgs(stack);
    const options: {
        -readonly [K in keyof ControlPlaneOptions]: ControlPlaneOptions[K];
    } = {};
    if (parts.admission === true) {
        options.enableAdmissionPlugins = requiredArg(args, stack, "enable-admission-plugins").split(
            ",",
        );
        options.admissionConfigFile = path.join(dir, "control-plane/admission-config.yaml");
        requiredArg(args, stack, "admission-control-config-file");
    }
    if (parts.encryption === true) {
        requiredArg(args, stack, "encryption-provider-config");
        options.encryptionConfigFile = path.join(dir, "control-plane/encryption-config.yaml");
        options.encryptionAutomaticReload =
            args["encryption-provider-config-automatic-reload"] === "true";
    }
    if (parts.audit === true) {
        requiredArg(args, stack, "audit-policy-file");
        requiredArg(args, stack, "audit-log-path");
        options.auditPolicyFile = path.join(dir, "control-plane/audit-policy.yaml");
        options.auditLogFlags = Object.fromEntries(
            Object.entries(args).filter(
                ([name]) => name.startsWith("audit-log-") && name !== "audit-log-path",
            ),
        );
    }
    return options;
}
