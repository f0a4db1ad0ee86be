/**
 * The check under bad input (issue 17): every case ends with a clear message naming the file, flag
 * or name and the problem (exit 2, no stack trace), an "error" report where the run has an output
 * folder (never the stale report of an earlier run), and nothing changed outside `out/`.
 *
 * Each case runs the check as a user would, in a copy of the project (its own `out/` included), so
 * a path trick that escapes `out/` would damage the copy and be seen: the copy (everything but
 * `out/` and `node_modules`) is snapshotted before and after every case, content and mtimes.
 * The corpus is test/fixtures/bad-input/ (copied into the project copy as `corpus/`), plus inputs
 * no repository should hold (binary, huge, FIFO, symbolic links), made by each case.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { usage } from "../../tools/check/cli";

const root = path.resolve(__dirname, "..", "..");
const corpus = path.join(root, "test", "fixtures", "bad-input");

/** What one run did. */
interface Run {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** The project copy a case runs in. */
let project: string;

/** Runs the project copy's check in the copy (so the default `out/` is the copy's). */
function runCheck(
    args: readonly string[],
    opts: { nodeArgs?: readonly string[]; preload?: string; timeoutMs?: number } = {},
): Run {
    const res = spawnSync(
        process.execPath,
        [
            ...(opts.nodeArgs ?? []),
            "-r",
            path.join(project, "tools", "ts-register.js"),
            ...(opts.preload !== undefined ? ["-r", opts.preload] : []),
            path.join(project, "tools", "check", "cli.ts"),
            ...args,
        ],
        { cwd: project, encoding: "utf8", timeout: opts.timeoutMs ?? 180_000 },
    );
    return { code: res.status, signal: res.signal, stdout: res.stdout, stderr: res.stderr };
}

/** Copies the project (without .git, node_modules, out and test) and links node_modules. */
function copyProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bad-input-project-"));
    const skip = new Set([".git", "node_modules", "out", "test"]);
    for (const entry of fs.readdirSync(root)) {
        if (!skip.has(entry)) {
            fs.cpSync(path.join(root, entry), path.join(dir, entry), {
                recursive: true,
                verbatimSymlinks: true,
            });
        }
    }
    fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    fs.cpSync(corpus, path.join(dir, "corpus"), { recursive: true });
    fs.mkdirSync(path.join(dir, "out"));
    return dir;
}

/**
 * Every path under `dir` but `node_modules` and `except` (the run's own output folder): kind,
 * mode, mtime and content hash.
 */
function snapshot(dir: string, except?: string): Map<string, string> {
    const seen = new Map<string, string>();
    const walk = (rel: string): void => {
        for (const entry of fs.readdirSync(path.join(dir, rel)).sort()) {
            const r = path.join(rel, entry);
            if (r === except || r === "node_modules") {
                continue;
            }
            const full = path.join(dir, r);
            const st = fs.lstatSync(full);
            if (st.isSymbolicLink()) {
                seen.set(r, `link ${fs.readlinkSync(full)}`);
            } else if (st.isDirectory()) {
                seen.set(r, `dir ${st.mode}`);
                walk(r);
            } else if (st.isFile()) {
                const hash = createHash("sha256").update(fs.readFileSync(full)).digest("hex");
                seen.set(r, `file ${st.mode} ${st.mtimeMs} ${hash}`);
            } else {
                seen.set(r, `other ${st.mode}`);
            }
        }
    };
    walk("");
    return seen;
}

/** The report a case left in `out/<name>/`, or undefined. */
function reportOf(name: string): Record<string, unknown> | undefined {
    const file = path.join(project, "out", name, "report.json");
    return fs.existsSync(file)
        ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>)
        : undefined;
}

/** A stale report from an earlier, passing run. */
function seedPassingReport(name: string): void {
    const dir = path.join(project, "out", name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        path.join(dir, "report.json"),
        JSON.stringify({ passed: true, status: "passed", resources: 1 }),
    );
    fs.writeFileSync(path.join(dir, "manifests.yaml"), "kind: Stale\n");
}

/** A case: arguments, the inputs it makes, the exit code and the exact message. */
interface Case {
    readonly title: string;
    readonly args: () => string[];
    readonly setup?: () => void;
    readonly message: () => string;
    /** The output folder the run may write (`out/<name>`): an error report replaces a stale one. */
    readonly folder?: string;
}

/** A report of another stack, in `out/`, that no run of these cases may touch. */
function seedOtherStack(): void {
    fs.mkdirSync(p("out", "other"), { recursive: true });
    fs.writeFileSync(p("out", "other", "report.json"), '{"passed": true}\n');
}

const p = (...parts: string[]): string => path.join(project, ...parts);

const stackRule = "expected 1 to 100 letters, digits, '-', '_' or '.', not starting with '.'";

const cases: Case[] = [
    // Stack names: every name becomes a file and folder name.
    {
        title: 'a stack file named Pulumi....yaml (stack "..") is refused: out/.. is the project',
        setup: () => fs.copyFileSync(p("Pulumi.dev.yaml"), p("Pulumi....yaml")),
        args: () => ["--stack-file", "Pulumi....yaml"],
        message: () =>
            `--stack-file: "${p("Pulumi....yaml")}" names stack "..", which is not a valid stack name; ${stackRule}`,
    },
    {
        title: 'a stack file named Pulumi...yaml (stack ".") is refused: out/. is every report',
        setup: () => {
            fs.copyFileSync(p("Pulumi.dev.yaml"), p("Pulumi...yaml"));
            seedOtherStack();
        },
        args: () => ["--stack-file", "Pulumi...yaml"],
        message: () =>
            `--stack-file: "${p("Pulumi...yaml")}" names stack ".", which is not a valid stack name; ${stackRule}`,
    },
    {
        title: "--stack .. is refused",
        args: () => ["--stack", ".."],
        message: () => `--stack: ".." is not a valid stack name; ${stackRule}`,
    },
    {
        title: "--stack with a path is refused",
        args: () => ["--stack", "../dev"],
        message: () => `--stack: "../dev" is not a valid stack name; ${stackRule}`,
    },
    {
        title: "--stack with a leading dot is refused",
        args: () => ["--stack", ".hidden"],
        message: () => `--stack: ".hidden" is not a valid stack name; ${stackRule}`,
    },
    {
        title: "--stack longer than Pulumi's 100 characters is refused",
        args: () => ["--stack", "s".repeat(101)],
        message: () => `--stack: "${"s".repeat(101)}" is not a valid stack name; ${stackRule}`,
    },
    {
        title: "--stack and --stack-file together are refused",
        args: () => ["--stack", "dev", "--stack-file", "Pulumi.prod.yaml"],
        message: () => "--stack and --stack-file: use one or the other",
    },
    // Stack files the CLI would not read, or whose settings the check cannot see.
    {
        title: "an empty stack file",
        args: () => ["--stack-file", "corpus/stacks/Pulumi.empty.yaml"],
        folder: "empty",
        message: () =>
            'Pulumi.empty.yaml: the stack file is empty; it holds a config: block (write "config: {}" for a stack that takes every default)',
    },
    {
        title: "a stack file with only a comment",
        args: () => ["--stack-file", "corpus/stacks/Pulumi.comments.yaml"],
        folder: "comments",
        message: () =>
            'Pulumi.comments.yaml: the stack file is empty; it holds a config: block (write "config: {}" for a stack that takes every default)',
    },
    {
        title: "a stack file that is a list",
        args: () => ["--stack-file", "corpus/stacks/Pulumi.list.yaml"],
        folder: "list",
        message: () =>
            "Pulumi.list.yaml: expected a mapping with a config: block at the top level; found a list",
    },
    {
        title: "a stack file that is a sentence",
        args: () => ["--stack-file", "corpus/stacks/Pulumi.scalar.yaml"],
        folder: "scalar",
        message: () =>
            "Pulumi.scalar.yaml: expected a mapping with a config: block at the top level; found a string",
    },
    {
        title: "a confg: typo of the top-level key, with the closest key",
        args: () => ["--stack-file", "corpus/stacks/Pulumi.confg.yaml"],
        folder: "confg",
        message: () =>
            'Pulumi.confg.yaml: unknown top-level key "confg" (did you mean "config"?); a stack file holds config, secretsprovider, encryptedkey, encryptionsalt',
    },
    {
        title: "a Pulumi ESC environment, which the offline check cannot resolve",
        args: () => ["--stack-file", "corpus/stacks/Pulumi.esc.yaml"],
        folder: "esc",
        message: () =>
            "Pulumi.esc.yaml: environment: the offline check cannot resolve Pulumi ESC environments (no Pulumi Cloud access), so the settings they provide would go unjudged; set the settings under config:",
    },
    {
        title: "a config: that is a list",
        args: () => ["--stack-file", "corpus/stacks/Pulumi.config-list.yaml"],
        folder: "config-list",
        message: () => 'Pulumi.config-list.yaml: "config" must be a mapping of keys to values',
    },
    {
        title: "a stack file that is not YAML",
        args: () => ["--stack-file", "corpus/stacks/Pulumi.unclosed.yaml"],
        folder: "unclosed",
        message: () =>
            "Pulumi.unclosed.yaml: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 3, column 1",
    },
    {
        title: "a setting written twice",
        args: () => ["--stack-file", "corpus/stacks/Pulumi.duplicate.yaml"],
        folder: "duplicate",
        message: () =>
            "Pulumi.duplicate.yaml: not valid YAML: Map keys must be unique at line 3, column 3",
    },
    {
        title: "a binary stack file (not UTF-8)",
        setup: () =>
            fs.writeFileSync(
                p("corpus", "stacks", "Pulumi.binary.yaml"),
                Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0xff, 0x00]),
            ),
        args: () => ["--stack-file", "corpus/stacks/Pulumi.binary.yaml"],
        folder: "binary",
        message: () =>
            `--stack-file: "${p("corpus", "stacks", "Pulumi.binary.yaml")}" is not UTF-8 text (invalid byte at offset 8); is it a binary file?`,
    },
    {
        title: "a stack file with control characters",
        setup: () =>
            fs.writeFileSync(
                p("corpus", "stacks", "Pulumi.control.yaml"),
                "config:\n  a: b\n\u0000\u0001\u0002",
            ),
        args: () => ["--stack-file", "corpus/stacks/Pulumi.control.yaml"],
        folder: "control",
        message: () =>
            "Pulumi.control.yaml: line 3: control character U+0000 is not allowed in YAML; is it a binary file?",
    },
    {
        title: "a huge stack file",
        setup: () =>
            fs.writeFileSync(
                p("corpus", "stacks", "Pulumi.huge.yaml"),
                "# filler\n".repeat((17 * 1024 * 1024) / 9 + 1),
            ),
        args: () => ["--stack-file", "corpus/stacks/Pulumi.huge.yaml"],
        folder: "huge",
        message: () =>
            `--stack-file: "${p("corpus", "stacks", "Pulumi.huge.yaml")}" is 17.0 MiB, over the 16.0 MiB the check reads from one file; split it into smaller files`,
    },
    {
        title: "a stack file that is a FIFO",
        setup: () => {
            const fifo = spawnSync("mkfifo", [p("corpus", "stacks", "Pulumi.fifo.yaml")]);
            assert.strictEqual(fifo.status, 0, fifo.stderr?.toString());
        },
        args: () => ["--stack-file", "corpus/stacks/Pulumi.fifo.yaml"],
        folder: "fifo",
        message: () =>
            `--stack-file: "${p("corpus", "stacks", "Pulumi.fifo.yaml")}" is not a regular file (a FIFO)`,
    },
    {
        title: "a missing nested Kyverno key (image verification without a key): the component refuses it",
        setup: () => {
            const dev = fs.readFileSync(p("Pulumi.dev.yaml"), "utf8");
            const without = dev.replace(
                /\n {4}imageVerification:\n {6}publicKeys:\n {8}- k8s:\/\/kyverno\/cosign-public-key/,
                "",
            );
            assert.notStrictEqual(without, dev, "Pulumi.dev.yaml no longer has the key");
            fs.writeFileSync(p("corpus", "stacks", "Pulumi.nokey.yaml"), without);
        },
        args: () => [
            "--stack-file",
            "corpus/stacks/Pulumi.nokey.yaml",
            "--policy-config-dir",
            "stacks/policy-config/dev",
        ],
        folder: "nokey",
        message: () =>
            "kyverno.imageVerification is enabled with no cosign public key and no keyless identity; expected at least one entry in kyverno.imageVerification.publicKeys (PEM, k8s://<namespace>/<secret> or a KMS URI) or a kyverno.imageVerification.keyless identity (or kyverno.imageVerification.enabled: false, which admits unsigned images)",
    },
    // Pack configs.
    {
        title: "a missing --policy-config-dir",
        args: () => ["--stack", "dev", "--policy-config-dir", "corpus/no-such-folder"],
        folder: "dev",
        message: () => `--policy-config-dir: "${p("corpus", "no-such-folder")}" does not exist`,
    },
    {
        title: "a --policy-config-dir that is a file",
        args: () => [
            "--stack",
            "dev",
            "--policy-config-dir",
            "corpus/policy-config/unknown-policy.json",
        ],
        folder: "dev",
        message: () =>
            `--policy-config-dir: "${p("corpus", "policy-config", "unknown-policy.json")}" is not a folder; expected a folder with one <pack>.json per pack (platform-guardrails.json, workload-security.json)`,
    },
    {
        title: "a misspelt pack config file name in --policy-config-dir",
        args: () => ["--stack", "dev", "--policy-config-dir", "corpus/policy-config/dir-typo"],
        folder: "dev",
        message: () =>
            `${p("corpus", "policy-config", "dir-typo", "workload-securty.json")}: not the config of any policy pack (did you mean workload-security.json?); expected one of platform-guardrails.json, workload-security.json`,
    },
    {
        title: "an unknown policy name in --policy-config, with the closest name",
        setup: () =>
            fs.writeFileSync(
                p("corpus", "manifests", "fine.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: fine }\n",
            ),
        args: () => [
            "--manifests",
            "corpus/manifests/fine.yaml",
            "--policy-config",
            "corpus/policy-config/unknown-policy.json",
        ],
        folder: "manifests",
        message: () =>
            `${p("corpus", "policy-config", "unknown-policy.json")}: "pod-security-privilege" is not a policy of any policy pack (platform-guardrails, workload-security) (did you mean "pod-security-privileged"?); a misspelt name would leave its policy at its default level`,
    },
    {
        title: "a --policy-config that is a folder",
        args: () => [
            "--manifests",
            "corpus/manifests/fine.yaml",
            "--policy-config",
            "corpus/policy-config",
        ],
        folder: "manifests",
        message: () =>
            `--policy-config: "${p("corpus", "policy-config")}" is not a regular file (a folder)`,
    },
    {
        title: "--policy-config and --policy-config-dir together",
        args: () => [
            "--stack",
            "dev",
            "--policy-config",
            "corpus/policy-config/unknown-policy.json",
            "--policy-config-dir",
            "stacks/policy-config/dev",
        ],
        message: () => "--policy-config and --policy-config-dir: use one or the other",
    },
    // --manifests.
    {
        title: "a List item that is not an object",
        args: () => ["--manifests", "corpus/manifests/list-item-not-object.yaml"],
        folder: "manifests",
        message: () =>
            "corpus/manifests/list-item-not-object.yaml: document 1 (line 1), items[0] is a number, not a Kubernetes object (a mapping with apiVersion and kind)",
    },
    {
        title: "a List item without kind or apiVersion",
        args: () => ["--manifests", "corpus/manifests/list-item-no-kind.yaml"],
        folder: "manifests",
        message: () =>
            "corpus/manifests/list-item-no-kind.yaml: document 1 (line 1), items[1] has no apiVersion or kind (a non-empty string); expected a Kubernetes object",
    },
    {
        title: "List items that are not a list",
        args: () => ["--manifests", "corpus/manifests/list-items-not-a-list.yaml"],
        folder: "manifests",
        message: () =>
            "corpus/manifests/list-items-not-a-list.yaml: document 1 (line 1): items is a mapping; expected a list",
    },
    {
        title: "a document without kind",
        args: () => ["--manifests", "corpus/manifests/no-kind.yaml"],
        folder: "manifests",
        message: () =>
            "corpus/manifests/no-kind.yaml: document 1 (line 1) has no kind (a non-empty string); expected a Kubernetes object",
    },
    {
        title: "a document that is a sentence",
        args: () => ["--manifests", "corpus/manifests/scalar-document.yaml"],
        folder: "manifests",
        message: () =>
            "corpus/manifests/scalar-document.yaml: document 2 (line 5) is a string, not a Kubernetes object (a mapping with apiVersion and kind)",
    },
    {
        title: "an alias bomb (billion laughs)",
        args: () => ["--manifests", "corpus/manifests/alias-bomb.yaml"],
        folder: "manifests",
        message: () =>
            "corpus/manifests/alias-bomb.yaml: document 1, line 7: document contains excessive aliasing: 4951 of the first 5001 nodes come from aliases (an alias bomb?); kubectl refuses it too",
    },
    {
        title: "a key written twice (privileged: false, then true)",
        args: () => ["--manifests", "corpus/manifests/duplicate-key.yaml"],
        folder: "manifests",
        message: () =>
            'corpus/manifests/duplicate-key.yaml: document 1, line 10: key "privileged" appears twice in one mapping (first at line 9); YAML forbids it and kubectl silently keeps the last one',
    },
    {
        title: "a document separator followed by content",
        args: () => ["--manifests", "corpus/manifests/bad-separator.yaml"],
        folder: "manifests",
        message: () =>
            'corpus/manifests/bad-separator.yaml: document 2, line 4: "---" followed by content; kubectl accepts only a comment after a document separator',
    },
    {
        title: "a binary manifest",
        setup: () =>
            fs.writeFileSync(
                p("corpus", "manifests", "binary.yaml"),
                Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
            ),
        args: () => ["--manifests", "corpus/manifests/binary.yaml"],
        folder: "manifests",
        message: () =>
            "corpus/manifests/binary.yaml: document 1, line 2: control character U+001A is not allowed in YAML (kubectl refuses it too); is this a binary file?",
    },
    {
        title: "YAML nested deeper than the reader goes (flow)",
        setup: () =>
            fs.writeFileSync(
                p("corpus", "manifests", "deep-flow.yaml"),
                `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata: ${"[".repeat(3000)}${"]".repeat(3000)}\n`,
            ),
        args: () => ["--manifests", "corpus/manifests/deep-flow.yaml"],
        folder: "manifests",
        message: () =>
            "corpus/manifests/deep-flow.yaml: document 1, line 4: nested too deeply for the check's YAML reader",
    },
    {
        title: "YAML nested deeper than the reader goes (block)",
        setup: () =>
            fs.writeFileSync(
                p("corpus", "manifests", "deep-block.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata:\n" +
                    Array.from({ length: 3000 }, (_, i) => `${" ".repeat(i + 1)}k:\n`).join(""),
            ),
        args: () => ["--manifests", "corpus/manifests/deep-block.yaml"],
        folder: "manifests",
        message: () =>
            "corpus/manifests/deep-block.yaml: document 1, line 898: nested too deeply for the check's YAML reader",
    },
    {
        title: "a huge manifest",
        setup: () =>
            fs.writeFileSync(
                p("corpus", "manifests", "huge.yaml"),
                "# filler\n".repeat((33 * 1024 * 1024) / 9 + 1),
            ),
        args: () => ["--manifests", "corpus/manifests/huge.yaml"],
        folder: "manifests",
        message: () =>
            '--manifests: "corpus/manifests/huge.yaml" is 33.0 MiB, over the 32.0 MiB the check reads from one file; split it into smaller files',
    },
    {
        title: "a manifest that is a FIFO",
        setup: () => {
            fs.mkdirSync(p("corpus", "fifo-tree"));
            const fifo = spawnSync("mkfifo", [p("corpus", "fifo-tree", "pipe.yaml")]);
            assert.strictEqual(fifo.status, 0, fifo.stderr?.toString());
        },
        args: () => ["--manifests", "corpus/fifo-tree"],
        folder: "manifests",
        message: () => '--manifests: "corpus/fifo-tree/pipe.yaml" is not a regular file',
    },
    {
        title: "a symbolic link loop",
        setup: () => {
            fs.mkdirSync(p("corpus", "loop", "sub"), { recursive: true });
            fs.copyFileSync(
                p("corpus", "manifests", "no-kind.yaml"),
                p("corpus", "loop", "a.yaml"),
            );
            fs.symlinkSync("..", p("corpus", "loop", "sub", "back"));
        },
        args: () => ["--manifests", "corpus/loop"],
        folder: "manifests",
        message: () =>
            `--manifests: "corpus/loop/sub/back" is a symbolic link loop (it leads back to "${p("corpus", "loop")}")`,
    },
    {
        title: "a symbolic link loop between two links",
        setup: () => {
            fs.mkdirSync(p("corpus", "loop2"));
            fs.symlinkSync("b.yaml", p("corpus", "loop2", "a.yaml"));
            fs.symlinkSync("a.yaml", p("corpus", "loop2", "b.yaml"));
        },
        args: () => ["--manifests", "corpus/loop2"],
        folder: "manifests",
        message: () => '--manifests: "corpus/loop2/a.yaml" is a symbolic link loop',
    },
    {
        title: "a symbolic link that leads outside the tree given",
        setup: () => {
            fs.mkdirSync(p("corpus", "leaky"));
            fs.symlinkSync("../../Pulumi.prod.yaml", p("corpus", "leaky", "prod.yaml"));
        },
        args: () => ["--manifests", "corpus/leaky"],
        folder: "manifests",
        message: () =>
            `--manifests: "corpus/leaky/prod.yaml" is a symbolic link to "${p("Pulumi.prod.yaml")}", outside "corpus/leaky"; the check reads only files inside the paths it is given`,
    },
    {
        title: "a symbolic link to a folder outside the tree given",
        setup: () => {
            fs.mkdirSync(p("corpus", "leaky-dir"));
            fs.symlinkSync("../../stacks", p("corpus", "leaky-dir", "stacks"));
        },
        args: () => ["--manifests", "corpus/leaky-dir"],
        folder: "manifests",
        message: () =>
            `--manifests: "corpus/leaky-dir/stacks" is a symbolic link to "${p("stacks")}", outside "corpus/leaky-dir"; the check reads only files inside the paths it is given`,
    },
    {
        title: "a dangling symbolic link",
        setup: () => {
            fs.mkdirSync(p("corpus", "dangling"));
            fs.symlinkSync("gone.yaml", p("corpus", "dangling", "here.yaml"));
        },
        args: () => ["--manifests", "corpus/dangling"],
        folder: "manifests",
        message: () =>
            '--manifests: "corpus/dangling/here.yaml" is a symbolic link that leads nowhere (no such file or folder)',
    },
    {
        title: "no object at all (only comments)",
        args: () => ["--manifests", "corpus/manifests/only-comments.yaml"],
        folder: "manifests",
        message: () =>
            "--manifests: no Kubernetes object in 1 file (corpus/manifests/only-comments.yaml); an empty run would pass without judging anything",
    },
    {
        title: "no manifest file at all (an empty folder)",
        args: () => ["--manifests", "corpus/manifests/empty-dir"],
        folder: "manifests",
        message: () =>
            "--manifests: no Kubernetes object in 0 files (no .yaml, .yml or .json file found); an empty run would pass without judging anything",
    },
    {
        title: "a manifest path that does not exist",
        args: () => ["--manifests", "corpus/none.yaml"],
        folder: "manifests",
        message: () => '--manifests: "corpus/none.yaml" does not exist',
    },
    // The output folder.
    {
        title: "an output folder that is a symbolic link is left alone",
        setup: () => fs.symlinkSync(p("corpus"), p("out", "linked")),
        args: () => ["--stack", "linked"],
        message: () =>
            `"${p("out", "linked")}" is a symbolic link, so the check did not write it; it replaces only its own output folders: move it away or choose another --out`,
    },
    {
        title: "an output folder the check did not write is left alone",
        setup: () => {
            fs.mkdirSync(p("out", "foreign"));
            fs.writeFileSync(p("out", "foreign", "notes.txt"), "mine\n");
        },
        args: () => ["--stack", "foreign"],
        message: () =>
            `"${p("out", "foreign")}" holds no report.json, so the check did not write it; it replaces only its own output folders: move it away or choose another --out`,
    },
    {
        title: "--out naming a file",
        args: () => ["--stack", "dev", "--out", "package.json"],
        message: () => `--out: "${p("package.json")}" is not a folder`,
    },
];

describe("bad input: clear errors, honest reports, nothing changed but the run's out/<name>", function () {
    this.timeout(600_000);

    before(function () {
        project = copyProject();
    });

    after(function () {
        fs.rmSync(project, { recursive: true, force: true });
    });

    for (const c of cases) {
        it(c.title, function () {
            c.setup?.();
            if (c.folder !== undefined) {
                seedPassingReport(c.folder);
            }
            const except = c.folder !== undefined ? path.join("out", c.folder) : undefined;
            const before = snapshot(project, except);
            const run = runCheck(c.args());
            assert.deepStrictEqual(
                snapshot(project, except),
                before,
                `something outside ${except ?? "out/"} changed`,
            );
            const message = c.message();
            assert.strictEqual(
                run.stderr.replace(/^info: \[runtime\].*\n/gm, "").trim(),
                message,
                run.stderr,
            );
            assert.strictEqual(run.code, 2, run.stderr);
            if (c.folder === undefined) {
                return; // no output folder: the snapshot covered all of out/
            }
            // The stale passing report is gone; the error report says why.
            const report = reportOf(c.folder);
            assert.ok(report !== undefined);
            assert.strictEqual(report.status, "error");
            assert.strictEqual(report.exitCode, 2);
            assert.strictEqual(report.passed, false);
            assert.strictEqual(report.error, message);
            assert.deepStrictEqual(fs.readdirSync(p("out", c.folder)).sort(), [
                "report.json",
                "report.md",
            ]);
        });
    }

    it("the output folder and foreign folders survive untouched (checked after the cases)", function () {
        assert.ok(fs.lstatSync(p("out", "linked")).isSymbolicLink());
        assert.strictEqual(fs.readFileSync(p("out", "foreign", "notes.txt"), "utf8"), "mine\n");
    });
});

describe("check reports and exit codes", function () {
    this.timeout(600_000);

    before(function () {
        project = copyProject();
    });

    after(function () {
        fs.rmSync(project, { recursive: true, force: true });
    });

    it("--help prints the usage with the exit codes and exits 0", function () {
        const run = runCheck(["--help"]);
        assert.strictEqual(run.code, 0, run.stderr);
        assert.strictEqual(run.stdout.trim(), usage);
        assert.match(usage, /\n {2}2 {2}invalid input: /);
        assert.match(usage, /\n {2}3 {2}internal error: /);
    });

    it("an internal error (a bug, not the input) exits 3 with an error report, not the stale one", function () {
        seedPassingReport("dev");
        const run = runCheck(["--stack", "dev"], {
            preload: path.join(corpus, "hooks", "crash.js"),
        });
        assert.strictEqual(run.code, 3, run.stderr);
        assert.match(run.stderr, /^TypeError: simulated bug: cannot read properties of undefined/);
        const report = reportOf("dev");
        assert.ok(report !== undefined);
        assert.strictEqual(report.status, "error");
        assert.strictEqual(report.exitCode, 3);
        assert.strictEqual(report.passed, false);
        assert.strictEqual(
            report.error,
            "internal error (a bug in the check or the program, not in the input): simulated bug: cannot read properties of undefined (reading 'spec')",
        );
    });

    it("a run that runs out of memory leaves an incomplete report, never the stale passing one", function () {
        seedPassingReport("dev");
        const run = runCheck(["--stack", "dev"], {
            nodeArgs: ["--max-old-space-size=256"],
            preload: path.join(corpus, "hooks", "oom.js"),
        });
        // V8 aborts the process: nothing in it could run after the heap was exhausted.
        assert.strictEqual(run.code, null, run.stderr);
        assert.strictEqual(run.signal, "SIGABRT", run.stderr);
        assert.match(run.stderr, /JavaScript heap out of memory/);
        const report = reportOf("dev");
        assert.ok(report !== undefined);
        assert.strictEqual(report.status, "incomplete");
        assert.strictEqual(report.exitCode, null);
        assert.strictEqual(report.passed, false);
        assert.match(
            String(report.error),
            /^the check started at \S+ \(process \d+\) and has not finished; if it no longer runs, it stopped without finishing \(killed, or out of memory\) and there is no verdict$/,
        );
        assert.deepStrictEqual(fs.readdirSync(p("out", "dev")).sort(), [
            "report.json",
            "report.md",
        ]);
        // No temporary folder of the run is left beside it... except by the killed run itself,
        // which the next run of the stack removes.
        const next = runCheck(["--stack", "dev", "--policy-config-dir", "corpus/no-such-folder"]);
        assert.strictEqual(next.code, 2, next.stderr);
        assert.deepStrictEqual(
            fs.readdirSync(p("out")).filter((e) => e.startsWith(".dev.")),
            [],
        );
    });

    it("report.json names the SHA-256 of every input file it judged, and its status and exit code", function () {
        const manifest = path.join(root, "test", "fixtures", "manifests", "privileged-pod.yaml");
        const config = path.join(root, "stacks", "policy-config", "dev", "workload-security.json");
        const run = runCheck(["--manifests", manifest, "--policy-config", config]);
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const report = reportOf("manifests");
        assert.ok(report !== undefined);
        assert.strictEqual(report.status, "failed");
        assert.strictEqual(report.exitCode, 1);
        const sha = (f: string): string =>
            createHash("sha256").update(fs.readFileSync(f)).digest("hex");
        const files = [
            {
                role: "manifest",
                path: path.relative(project, manifest),
                sha256: sha(manifest),
                bytes: fs.statSync(manifest).size,
            },
            {
                role: "pack-config",
                path: path.relative(project, config),
                sha256: sha(config),
                bytes: fs.statSync(config).size,
            },
        ];
        const all = createHash("sha256")
            .update(files.map((f) => `${f.role} ${f.sha256} ${f.bytes} ${f.path}\n`).join(""))
            .digest("hex");
        assert.deepStrictEqual(report.input, { sha256: all, files });
        const md = fs.readFileSync(p("out", "manifests", "report.md"), "utf8");
        assert.ok(md.includes(`SHA-256 of all inputs: \`${all}\``), md);
    });
});
