/**
 * Runs CI shell scripts (the `run:` steps of ci/github-actions.yml, the `script:` of
 * ci/gitlab-ci.yml, .ci/run) as their runner would, with `npm` and `pulumi` replaced by stand-ins
 * that only record how they were called, so a test can assert the exact commands CI runs without
 * installing anything, reaching a backend or a cluster.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectDir } from "./stacks";

/** One recorded command: the program name, then its arguments. */
export type Call = readonly string[];

/** One call of a stand-in: its command line and the variables of {@link recordedEnv} it saw. */
export interface Recorded {
    readonly argv: Call;
    readonly env: Readonly<Record<string, string | undefined>>;
}

/** The outcome of one script. */
export interface ScriptRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
    /** The stand-ins' calls, in order. */
    readonly calls: Recorded[];
}

/** The commands CI must not run for real in a test. */
const stubbed = ["npm", "pulumi"];

/** The environment variables a stand-in records with each call. */
export const recordedEnv = ["KUBECONFIG", "PULUMI_SKIP_CONFIRMATIONS"] as const;

/** A folder of stand-ins for {@link stubbed}, each appending its call as a JSON line to `$CI_STUB_LOG`. */
function stubDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-stubs-"));
    for (const name of stubbed) {
        const file = path.join(dir, name);
        fs.writeFileSync(
            file,
            `#!${process.execPath}\n` +
                `const env = {};\n` +
                `for (const key of ${JSON.stringify(recordedEnv)}) env[key] = process.env[key];\n` +
                `require("fs").appendFileSync(process.env.CI_STUB_LOG, JSON.stringify({ ` +
                `argv: [${JSON.stringify(name)}, ...process.argv.slice(2)], env }) + "\\n");\n`,
        );
        fs.chmodSync(file, 0o755);
    }
    return dir;
}

/**
 * A scratch copy of the repository as CI sees it: the stack files, `policypacks/` and `stacks/`
 * linked from the project, so scripts list the real stacks and packs and write nothing into it.
 */
export function repositoryMirror(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-repo-"));
    for (const entry of fs.readdirSync(projectDir)) {
        if (/^Pulumi\..*\.yaml$/.test(entry) || entry === "policypacks" || entry === "stacks") {
            fs.symlinkSync(path.join(projectDir, entry), path.join(dir, entry));
        }
    }
    return dir;
}

/**
 * A scratch repository holding only what listing scripts read: the given stack files (empty),
 * one `policypacks/<pack>/PulumiPolicy.yaml` per pack and `stacks/policy-config/<stack>/<pack>.json`
 * for each `[stack, pack]` of `configs`.
 */
export function scratchRepository(
    stackFiles: readonly string[],
    packs: readonly string[],
    configs: readonly (readonly [string, string])[],
): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-scratch-"));
    for (const file of stackFiles) {
        fs.writeFileSync(path.join(dir, file), "config: {}\n");
    }
    for (const pack of packs) {
        fs.mkdirSync(path.join(dir, "policypacks", pack), { recursive: true });
        fs.writeFileSync(
            path.join(dir, "policypacks", pack, "PulumiPolicy.yaml"),
            "runtime: nodejs\n",
        );
    }
    for (const [stack, pack] of configs) {
        fs.mkdirSync(path.join(dir, "stacks", "policy-config", stack), { recursive: true });
        fs.writeFileSync(path.join(dir, "stacks", "policy-config", stack, `${pack}.json`), "{}\n");
    }
    return dir;
}

/**
 * Runs `script` with bash as GitHub's and GitLab's Linux runners do (`bash --noprofile --norc -eo
 * pipefail <file>`), in `cwd`, with `env` on top of a minimal environment (PATH with the
 * stand-ins first, HOME, LC_ALL=C).
 */
export function runScript(
    script: string,
    cwd: string,
    env: Readonly<Record<string, string>> = {},
): ScriptRun {
    const stubs = stubDir();
    const log = path.join(stubs, "calls.jsonl");
    const file = path.join(stubs, "script.sh");
    fs.writeFileSync(file, script);
    const res = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], {
        cwd,
        encoding: "utf8",
        timeout: 60_000,
        env: {
            PATH: `${stubs}${path.delimiter}${process.env.PATH ?? ""}`,
            HOME: os.tmpdir(),
            LC_ALL: "C",
            ...env,
            CI_STUB_LOG: log,
        },
    });
    const calls = fs.existsSync(log)
        ? fs
              .readFileSync(log, "utf8")
              .split("\n")
              .filter((line) => line !== "")
              .map((line) => JSON.parse(line) as Recorded)
        : [];
    fs.rmSync(stubs, { recursive: true, force: true });
    return { code: res.status, stdout: res.stdout, stderr: res.stderr, calls };
}

/** Runs an executable file (`.ci/run`) the same way, with the same stand-ins. */
export function runExecutable(file: string, env: Readonly<Record<string, string>> = {}): ScriptRun {
    return runScript(`exec ${shellQuote(file)}\n`, path.dirname(file), env);
}

/** `value` as one single-quoted shell word. */
function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
