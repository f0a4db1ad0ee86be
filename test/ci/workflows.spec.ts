/**
 * The CI workflows users paste (ci/github-actions.yml, ci/gitlab-ci.yml) and the README's real-use
 * commands (issue 17: the README's `pulumi up` had no `--policy-pack-config`, so the documented
 * deploy of prod was refused, and no CI ran the preview it promised).
 *
 * Both files are parsed and their scripts run as the runners run them, with `npm` and `pulumi`
 * replaced by stand-ins that record their command lines: for every stack file of the repository
 * CI must run `npm ci`, the offline check and `pulumi preview` with every pack of policypacks/ and
 * its `--policy-pack-config stacks/policy-config/<stack>/<pack>.json`, and `pulumi up` with the same
 * flags on main only; the README's commands must be exactly CI's for prod.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { checkStackName } from "../../tools/check/stack-config";
import { Call, Recorded, runScript, repositoryMirror, scratchRepository } from "../util/shell";
import {
    committedStacks,
    packConfigPath,
    policyPacks,
    projectDir,
    stackNamePattern,
    stackNameRule,
} from "../util/stacks";

type Loose = Record<string, unknown>;

function isRecord(value: unknown): value is Loose {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Loose {
    assert.ok(isRecord(value), `${what} is a mapping`);
    return value;
}

function readYaml(file: string): Loose {
    return record(YAML.parse(fs.readFileSync(path.join(projectDir, file), "utf8")), file);
}

/** The Pulumi CLI version CI installs: the version of the pinned SDK. */
const pulumiVersion = (
    JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
    }
).dependencies["@pulumi/pulumi"];

// What CI must run for a stack, built from the repository, not from the workflow files.
function packFlags(stack: string): string[] {
    return policyPacks().flatMap((pack) => [
        "--policy-pack",
        `policypacks/${pack}`,
        "--policy-pack-config",
        packConfigPath(stack, pack),
    ]);
}
const install: Call = ["npm", "ci"];
const check = (stack: string): Call => ["npm", "run", "check", "--", "--stack", stack];
const packConfigs = (stack: string): Call => [
    "npm",
    "run",
    "policy-config",
    "--",
    "--check",
    "--stack",
    stack,
];
const preview = (stack: string): Call => [
    "pulumi",
    "preview",
    "--stack",
    stack,
    ...packFlags(stack),
];
const up = (stack: string): Call => ["pulumi", "up", "--stack", stack, ...packFlags(stack)];

const argvOf = (calls: readonly Recorded[]): Call[] => calls.map((c) => c.argv);
const pulumiCalls = (calls: readonly Recorded[]): Call[] =>
    argvOf(calls).filter((argv) => argv[0] === "pulumi");

const badNameError = `error: Pulumi....yaml: ".." is not a valid stack name; ${stackNameRule}\n`;
const missingConfigError =
    `error: stack qa has no stacks/policy-config/qa/b.json: create it with the pack's config ` +
    `for the stack (docs/extending.md)\n`;

/** The regular expression a CI script tests stack names with (`[[ ! "$stack" =~ <re> ]]`). */
function stackNameTest(script: string, where: string): string {
    const found = [...script.matchAll(/\[\[ ! "\$stack" =~ (\S+) \]\]/g)].map((m) => m[1]);
    assert.equal(found.length, 1, `${where}: one stack-name test`);
    return found[0];
}

describe("CI scripts: one stack-name rule, the check's", () => {
    it("the rule's wording is the check's", () => {
        assert.throws(
            () => checkStackName("..", "--stack"),
            (e: Error) => e.message === `--stack: ".." is not a valid stack name; ${stackNameRule}`,
        );
    });

    for (const [file, script] of [
        [
            "ci/github-actions.yml",
            () => String(githubJobs.stacks.steps.find((s) => s.id === "list")?.run),
        ],
        ["ci/gitlab-ci.yml", () => scriptOf(record(gitlab["contour:stacks"], "contour:stacks"))],
        [".ci/run", () => fs.readFileSync(path.join(projectDir, ".ci", "run"), "utf8")],
    ] as const) {
        it(`${file} tests stack names with the check's pattern`, () => {
            assert.equal(stackNameTest(script(), file), stackNamePattern.source);
        });
    }
});

// ---------------------------------------------------------------------------------------------
// GitHub Actions

interface GithubStep {
    readonly name?: string;
    readonly id?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly if?: string;
    readonly with?: Readonly<Record<string, unknown>>;
    readonly env?: Readonly<Record<string, string>>;
}

interface GithubJob {
    readonly needs?: string | readonly string[];
    readonly if?: string;
    readonly environment?: string;
    readonly outputs?: Readonly<Record<string, string>>;
    readonly strategy?: { readonly matrix: Readonly<Record<string, unknown>> };
    readonly env?: Readonly<Record<string, string>>;
    readonly steps: readonly GithubStep[];
}

const github = readYaml("ci/github-actions.yml");
const githubJobs = record(github.jobs, "jobs") as unknown as Readonly<Record<string, GithubJob>>;
const matrixOfStacks = "${{ fromJSON(needs.stacks.outputs.stacks) }}";

/**
 * A `${{ }}` expression the way GitHub evaluates it for one matrix entry: `matrix.stack`, secrets
 * (a stand-in value naming the secret) and variables (unset: empty). Any other expression fails
 * the test, so a new one is looked at.
 */
function evaluate(value: string, stack: string): string {
    return value.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr: string) => {
        if (expr === "matrix.stack") {
            return stack;
        }
        const secret = /^secrets\.([A-Z_]+)$/.exec(expr);
        if (secret !== null) {
            return `stand-in for secret ${secret[1]}`;
        }
        if (/^vars\.[A-Z_]+$/.test(expr)) {
            return "";
        }
        throw new Error(`unexpected expression \${{ ${expr} }} in "${value}"`);
    });
}

function evaluateAll(
    env: Readonly<Record<string, string>> | undefined,
    stack: string,
): Record<string, string> {
    return Object.fromEntries(
        Object.entries(env ?? {}).map(([k, v]) => [k, evaluate(String(v), stack)]),
    );
}

/** `KEY=value` lines of a `$GITHUB_ENV` or `$GITHUB_OUTPUT` file. */
function readKeyValues(file: string): Record<string, string> {
    if (!fs.existsSync(file)) {
        return {};
    }
    return Object.fromEntries(
        fs
            .readFileSync(file, "utf8")
            .split("\n")
            .filter((line) => line.includes("="))
            .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
}

interface JobRun {
    /** The exit code of the last step run (0 when every step passed). */
    readonly code: number | null;
    readonly stderr: string;
    readonly calls: Recorded[];
    /** `$GITHUB_OUTPUT` as the steps left it. */
    readonly outputs: Record<string, string>;
    readonly runnerTemp: string;
}

/** Runs a job's `run:` steps for one matrix entry, in order, as the runner does; stops at a failure. */
function runGithubJob(job: GithubJob, stack: string, cwd: string): JobRun {
    const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), "runner-temp-"));
    const githubEnv = path.join(runnerTemp, "github-env");
    const githubOutput = path.join(runnerTemp, "github-output");
    const calls: Recorded[] = [];
    for (const step of job.steps) {
        if (step.run === undefined) {
            continue;
        }
        const run = runScript(step.run, cwd, {
            ...evaluateAll(job.env, stack),
            ...evaluateAll(step.env, stack),
            ...readKeyValues(githubEnv),
            RUNNER_TEMP: runnerTemp,
            GITHUB_ENV: githubEnv,
            GITHUB_OUTPUT: githubOutput,
        });
        calls.push(...run.calls);
        if (run.code !== 0) {
            return {
                code: run.code,
                stderr: run.stderr,
                calls,
                outputs: readKeyValues(githubOutput),
                runnerTemp,
            };
        }
    }
    return { code: 0, stderr: "", calls, outputs: readKeyValues(githubOutput), runnerTemp };
}

function usesOf(job: GithubJob): string[] {
    return job.steps.flatMap((s) => (s.uses !== undefined ? [s.uses] : []));
}

describe("ci/github-actions.yml", () => {
    const stacks = committedStacks();

    it("runs on every pull request and every push to main, reading the repository only", () => {
        assert.deepEqual(github.on, { pull_request: null, push: { branches: ["main"] } });
        assert.deepEqual(github.permissions, { contents: "read" });
        assert.deepEqual(Object.keys(githubJobs), ["stacks", "preview", "up"]);
    });

    it("lists every stack file of the repository as the matrix of the preview and up jobs", () => {
        const run = runGithubJob(githubJobs.stacks, "", repositoryMirror());
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(run.outputs, { stacks: JSON.stringify(stacks) });
        assert.deepEqual(githubJobs.stacks.outputs, {
            stacks: "${{ steps.list.outputs.stacks }}",
        });
        assert.ok(githubJobs.stacks.steps.some((s) => s.id === "list" && s.run !== undefined));
        for (const name of ["preview", "up"]) {
            assert.deepEqual(githubJobs[name].strategy?.matrix, { stack: matrixOfStacks }, name);
            assert.ok([githubJobs[name].needs ?? []].flat().includes("stacks"), name);
        }
    });

    it("lists a new environment as soon as its stack file and pack configs exist", () => {
        const dir = scratchRepository(
            ["Pulumi.dev.yaml", "Pulumi.staging.yaml"],
            ["a"],
            [
                ["dev", "a"],
                ["staging", "a"],
            ],
        );
        const run = runGithubJob(githubJobs.stacks, "", dir);
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(run.outputs, { stacks: '["dev","staging"]' });
    });

    it("fails on a stack file whose name is not a stack name (Pulumi....yaml is stack ..)", () => {
        const dir = scratchRepository(["Pulumi.dev.yaml", "Pulumi....yaml"], ["a"], [["dev", "a"]]);
        const run = runGithubJob(githubJobs.stacks, "", dir);
        assert.equal(run.code, 1);
        assert.equal(run.stderr, badNameError);
        assert.deepEqual(run.outputs, {}, "no matrix");
    });

    it("fails on a stack without its policy-pack config, naming the file to create", () => {
        const dir = scratchRepository(
            ["Pulumi.dev.yaml", "Pulumi.qa.yaml"],
            ["a", "b"],
            [
                ["dev", "a"],
                ["dev", "b"],
                ["qa", "a"],
            ],
        );
        const run = runGithubJob(githubJobs.stacks, "", dir);
        assert.equal(run.code, 1);
        assert.equal(run.stderr, missingConfigError);
        assert.deepEqual(run.outputs, {});
    });

    it("never expands an expression inside a script (a stack name reaches scripts as $STACK)", () => {
        for (const [name, job] of Object.entries(githubJobs)) {
            for (const step of job.steps) {
                assert.ok(!(step.run ?? "").includes("${{"), `${name}/${step.name ?? step.uses}`);
            }
        }
        assert.equal(githubJobs.preview.env?.STACK, "${{ matrix.stack }}");
        assert.equal(githubJobs.up.env?.STACK, "${{ matrix.stack }}");
    });

    it("installs Node.js 22 and the Pulumi CLI of the pinned SDK", () => {
        for (const name of ["preview", "up"]) {
            const steps = githubJobs[name].steps;
            assert.deepEqual(usesOf(githubJobs[name]).slice(0, 2), [
                "actions/checkout@v4",
                "actions/setup-node@v4",
            ]);
            assert.equal(
                steps.find((s) => s.uses === "actions/setup-node@v4")?.with?.["node-version"],
                22,
            );
            assert.equal(
                String(steps.find((s) => s.uses === "pulumi/actions@v6")?.with?.["pulumi-version"]),
                pulumiVersion,
                `${name}: pulumi-version`,
            );
        }
    });

    for (const stack of stacks) {
        it(`${stack}: npm ci, the pack-config check, the offline check, then pulumi preview with every pack and its config`, () => {
            const job = githubJobs.preview;
            assert.equal(job.environment, "${{ matrix.stack }}-preview");
            assert.equal(job.if, undefined, "on every event");
            const run = runGithubJob(job, stack, repositoryMirror());
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(argvOf(run.calls), [
                install,
                packConfigs(stack),
                check(stack),
                preview(stack),
            ]);
            // The preview reaches the stack's cluster with the environment's KUBECONFIG secret.
            const kubeconfig = run.calls[3].env.KUBECONFIG;
            assert.equal(kubeconfig, path.join(run.runnerTemp, "kubeconfig"));
            assert.equal(fs.readFileSync(kubeconfig, "utf8"), "stand-in for secret KUBECONFIG\n");
            assert.equal(fs.statSync(kubeconfig).mode & 0o777, 0o600);
        });

        it(`${stack}: pulumi up only on a push to main, after every preview, with the same packs and configs`, () => {
            const job = githubJobs.up;
            assert.equal(job.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
            assert.deepEqual(job.needs, ["stacks", "preview"]);
            assert.equal(job.environment, "${{ matrix.stack }}");
            const run = runGithubJob(job, stack, repositoryMirror());
            assert.equal(run.code, 0, run.stderr);
            assert.deepEqual(argvOf(run.calls), [install, packConfigs(stack), up(stack)]);
            // Non-interactive: without this the CLI refuses to update.
            assert.equal(run.calls[2].env.PULUMI_SKIP_CONFIRMATIONS, "true");
            assert.equal(run.calls[2].env.KUBECONFIG, path.join(run.runnerTemp, "kubeconfig"));
        });
    }

    it("stops before pulumi when the environment has no KUBECONFIG secret", () => {
        const job: GithubJob = {
            ...githubJobs.preview,
            steps: githubJobs.preview.steps.map((s) =>
                s.env?.KUBECONFIG_CONTENT !== undefined
                    ? { ...s, env: { KUBECONFIG_CONTENT: "${{ vars.KUBECONFIG }}" } }
                    : s,
            ),
        };
        const run = runGithubJob(job, "prod", repositoryMirror());
        assert.equal(run.code, 1);
        assert.equal(run.stderr, "error: environment prod-preview has no secret KUBECONFIG\n");
        assert.deepEqual(pulumiCalls(run.calls), []);
    });
});

// ---------------------------------------------------------------------------------------------
// GitLab CI/CD

const gitlab = readYaml("ci/gitlab-ci.yml");

function scriptOf(job: Loose, key = "script"): string {
    const lines = job[key];
    assert.ok(Array.isArray(lines), `${key} is a list`);
    return lines.map(String).join("\n");
}

interface Generated {
    readonly code: number | null;
    readonly stderr: string;
    /** The child pipeline, parsed; undefined when none was written. */
    readonly child?: Loose;
    readonly dir: string;
}

/** Runs contour:stacks, the job that writes the child pipeline, in `dir` with `env`. */
function generate(dir: string, env: Readonly<Record<string, string>>): Generated {
    const job = record(gitlab["contour:stacks"], "contour:stacks");
    const run = runScript(scriptOf(job), dir, env);
    const file = path.join(dir, "contour-stacks.yml");
    return {
        code: run.code,
        stderr: run.stderr,
        dir,
        ...(fs.existsSync(file)
            ? { child: record(YAML.parse(fs.readFileSync(file, "utf8")), "child pipeline") }
            : {}),
    };
}

const onMain = { CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main" };
const onMergeRequest = { CI_PIPELINE_SOURCE: "merge_request_event" };

function merge(base: Loose, over: Loose): Loose {
    const out: Loose = { ...base };
    for (const [key, value] of Object.entries(over)) {
        const current = out[key];
        out[key] = isRecord(current) && isRecord(value) ? merge(current, value) : value;
    }
    return out;
}

/** A job with its `extends` applied as GitLab applies them (hashes merged deeply, the rest replaced). */
function resolveJob(doc: Loose, name: string): Loose {
    const job = record(doc[name], name);
    const parents = job.extends === undefined ? [] : [job.extends].flat().map(String);
    let resolved: Loose = {};
    for (const parent of parents) {
        resolved = merge(resolved, resolveJob(doc, parent));
    }
    const own = Object.fromEntries(Object.entries(job).filter(([key]) => key !== "extends"));
    return merge(resolved, own);
}

/** Runs a generated job's `script` (not its `before_script`, which installs the CLI) with its variables. */
function runGitlabJob(job: Loose, dir: string): ReturnType<typeof runScript> {
    const variables = Object.fromEntries(
        Object.entries(record(job.variables, "variables")).map(([k, v]) => [k, String(v)]),
    );
    return runScript(scriptOf(job), dir, { ...onMain, ...variables });
}

function jobNames(child: Loose): string[] {
    return Object.keys(child).filter((k) => k !== "stages" && !k.startsWith("."));
}

describe("ci/gitlab-ci.yml", () => {
    const stacks = committedStacks();

    it("runs on merge requests and main: writes the child pipeline, then runs it and fails with it", () => {
        const rules = [
            { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
            { if: '$CI_COMMIT_BRANCH == "main"' },
        ];
        const stacksJob = record(gitlab["contour:stacks"], "contour:stacks");
        const pipeline = record(gitlab["contour:pipeline"], "contour:pipeline");
        assert.deepEqual(stacksJob.rules, rules);
        assert.deepEqual(pipeline.rules, rules);
        assert.deepEqual(stacksJob.artifacts, { paths: ["contour-stacks.yml"] });
        assert.deepEqual(pipeline.needs, ["contour:stacks"]);
        assert.deepEqual(pipeline.trigger, {
            include: [{ artifact: "contour-stacks.yml", job: "contour:stacks" }],
            strategy: "depend",
        });
    });

    it("on main: a preview and an up job for every stack file of the repository", () => {
        const { code, stderr, child } = generate(repositoryMirror(), onMain);
        assert.equal(code, 0, stderr);
        assert.ok(child);
        assert.deepEqual(
            jobNames(child),
            stacks.flatMap((s) => [`preview:${s}`, `up:${s}`]),
        );
    });

    it("on a merge request: a preview job for every stack file, no up job", () => {
        const { code, stderr, child } = generate(repositoryMirror(), onMergeRequest);
        assert.equal(code, 0, stderr);
        assert.ok(child);
        assert.deepEqual(
            jobNames(child),
            stacks.map((s) => `preview:${s}`),
        );
    });

    it("lists a new environment as soon as its stack file and pack configs exist", () => {
        const dir = scratchRepository(
            ["Pulumi.dev.yaml", "Pulumi.staging.yaml"],
            ["a"],
            [
                ["dev", "a"],
                ["staging", "a"],
            ],
        );
        const { code, stderr, child } = generate(dir, onMergeRequest);
        assert.equal(code, 0, stderr);
        assert.ok(child);
        assert.deepEqual(jobNames(child), ["preview:dev", "preview:staging"]);
    });

    it("fails on a stack file whose name is not a stack name, writing no child pipeline", () => {
        const dir = scratchRepository(["Pulumi.dev.yaml", "Pulumi....yaml"], ["a"], [["dev", "a"]]);
        const run = generate(dir, onMain);
        assert.equal(run.code, 1);
        assert.equal(run.stderr, badNameError);
        assert.equal(run.child, undefined);
    });

    it("fails on a stack without its policy-pack config, naming the file to create", () => {
        const dir = scratchRepository(
            ["Pulumi.dev.yaml", "Pulumi.qa.yaml"],
            ["a", "b"],
            [
                ["dev", "a"],
                ["dev", "b"],
                ["qa", "a"],
            ],
        );
        const run = generate(dir, onMain);
        assert.equal(run.code, 1);
        assert.equal(run.stderr, missingConfigError);
        assert.equal(run.child, undefined);
    });

    describe("the child pipeline", () => {
        const { child, dir } = generate(repositoryMirror(), onMain);

        it("installs the Pulumi CLI of the pinned SDK on Node.js 22", () => {
            assert.ok(child);
            const base = resolveJob(child, ".contour");
            assert.equal(base.image, "node:22-bookworm");
            assert.equal(record(base.variables, "variables").PULUMI_VERSION, pulumiVersion);
            assert.deepEqual(base.before_script, [
                'curl -fsSL https://get.pulumi.com | sh -s -- --version "$PULUMI_VERSION"',
                'export PATH="$HOME/.pulumi/bin:$PATH"',
            ]);
        });

        for (const stack of stacks) {
            it(`${stack}: npm ci, the pack-config check, the offline check, then pulumi preview with every pack and its config`, () => {
                assert.ok(child);
                const job = resolveJob(child, `preview:${stack}`);
                assert.equal(job.stage, "preview");
                assert.equal(job.rules, undefined, "in every pipeline");
                assert.deepEqual(job.environment, { name: `${stack}-preview`, action: "prepare" });
                const run = runGitlabJob(job, dir);
                assert.equal(run.code, 0, run.stderr);
                assert.deepEqual(argvOf(run.calls), [
                    install,
                    packConfigs(stack),
                    check(stack),
                    preview(stack),
                ]);
            });

            it(`${stack}: pulumi up only on main, after every preview, with the same packs and configs`, () => {
                assert.ok(child);
                const job = resolveJob(child, `up:${stack}`);
                assert.equal(job.stage, "up");
                assert.deepEqual(child.stages, ["preview", "up"]);
                assert.equal(job.rules, undefined, "written for main only (see above)");
                assert.equal(job.needs, undefined, "waits for the whole preview stage");
                assert.deepEqual(job.environment, { name: stack });
                const run = runGitlabJob(job, dir);
                assert.equal(run.code, 0, run.stderr);
                assert.deepEqual(argvOf(run.calls), [install, packConfigs(stack), up(stack)]);
                assert.equal(run.calls[2].env.PULUMI_SKIP_CONFIRMATIONS, "true");
            });
        }
    });
});

// ---------------------------------------------------------------------------------------------
// README.md

/** The commands of the first `sh` block after a heading, continuation lines joined. */
function commandsUnder(file: string, heading: string): Call[] {
    const text = `\n${fs.readFileSync(path.join(projectDir, file), "utf8")}`;
    const at = text.indexOf(`\n${heading}\n`);
    assert.ok(at >= 0, `${file} has a section "${heading}"`);
    const block = /```sh\n([\s\S]*?)```/.exec(text.slice(at));
    assert.ok(block, `${file}: "${heading}" has a sh block`);
    // Plain words only, so splitting on blanks is how a shell splits them.
    assert.doesNotMatch(block[1], /["'$`#;&|]/, `${file}: plain commands`);
    return block[1]
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "")
        .map((line) => line.split(/\s+/));
}

describe("README.md: the real-use commands are CI's", () => {
    const readme = commandsUnder("README.md", "## Real use");

    it("npm ci, the pack-config check, the offline check, pulumi preview and pulumi up of prod, each with every pack's config", () => {
        assert.deepEqual(readme, [
            install,
            packConfigs("prod"),
            check("prod"),
            preview("prod"),
            up("prod"),
        ]);
    });

    it("equal what ci/github-actions.yml runs for prod", () => {
        const previewRun = runGithubJob(githubJobs.preview, "prod", repositoryMirror());
        const upRun = runGithubJob(githubJobs.up, "prod", repositoryMirror());
        assert.deepEqual(readme, [...argvOf(previewRun.calls), ...pulumiCalls(upRun.calls)]);
    });

    it("equal what ci/gitlab-ci.yml runs for prod", () => {
        const { child, dir } = generate(repositoryMirror(), onMain);
        assert.ok(child);
        const previewRun = runGitlabJob(resolveJob(child, "preview:prod"), dir);
        const upRun = runGitlabJob(resolveJob(child, "up:prod"), dir);
        assert.deepEqual(readme, [...argvOf(previewRun.calls), ...pulumiCalls(upRun.calls)]);
    });

    it("stacks/policy-config/README.md shows the same preview", () => {
        assert.deepEqual(
            commandsUnder("stacks/policy-config/README.md", "# Per-stack policy-pack config"),
            [preview("prod")],
        );
    });
});
