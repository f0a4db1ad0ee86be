/**
 * docs/extending.md's new-environment steps work as written on a clean copy of the project (issue
 * 17: the page called the policy-config folder optional, promised that no test changes were needed
 * while the tests and CI named dev and prod only, and the steps left a stack the packs refuse).
 *
 * The commands of the page's `sh` block are run, with `<env>` replaced, in a scratch copy of the
 * project (node_modules linked): without the pack config the check stops with exit 2 naming the
 * command that generates it and the drift test fails naming each missing file; once generated
 * from the stack file the config is the prod stack's (same settings), the check passes the new
 * stack and the drift test holds it to the same guards.
 */
import * as assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { policyPacks, projectDir } from "../util/stacks";

const env = "staging";

/** The commands of the first `sh` block of the page's new-environment section. */
function newEnvironmentCommands(): string[] {
    const doc = fs.readFileSync(path.join(projectDir, "docs", "extending.md"), "utf8");
    const at = doc.indexOf("\n## A new environment");
    assert.ok(at >= 0, 'docs/extending.md has a section "A new environment"');
    const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(at));
    assert.ok(block, "the section has a sh block");
    return block[1]
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "");
}

/**
 * What a clean clone does not have: `.git` and the git-ignored folders (`.gitignore`): outputs,
 * the tool and chart caches (gigabytes of Go builds) and `node_modules`.
 */
const notInAClone = [".git", "out", "build", ".cache", ".charts", "node_modules"];

/**
 * A copy of the project as a clean clone has it: every file but {@link notInAClone}, and
 * `node_modules` linked, as `npm ci` would have installed it.
 */
function cleanCopy(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "extending-"));
    for (const entry of fs.readdirSync(projectDir)) {
        if (notInAClone.includes(entry)) {
            continue;
        }
        fs.cpSync(path.join(projectDir, entry), path.join(dir, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

/** Runs one command of the page in `dir`, as a user types it in a shell. */
function sh(command: string, dir: string): SpawnSyncReturns<string> {
    return spawnSync("bash", ["--noprofile", "--norc", "-c", command], {
        cwd: dir,
        encoding: "utf8",
        timeout: 240_000,
        env: { ...process.env, npm_config_update_notifier: "false" },
    });
}

describe("docs/extending.md: a new environment, step by step on a clean copy", function () {
    this.timeout(600_000);

    const commands = newEnvironmentCommands().map((c) => c.replaceAll("<env>", env));
    const [copyStackFile, generatePackConfig, check, driftTest] = commands;
    let dir = "";

    before(() => {
        dir = cleanCopy();
    });

    after(() => {
        if (dir !== "") {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("lists the four commands: stack file, pack config, the check, the drift test", () => {
        assert.deepEqual(commands, [
            `cp Pulumi.prod.yaml Pulumi.${env}.yaml`,
            `npm run policy-config -- --stack ${env}`,
            `npm run check -- --stack ${env}`,
            "npx mocha --no-config -r ./tools/ts-register.js --extension ts test/stacks/policy-config.spec.ts",
        ]);
    });

    it("1. creates the stack file", () => {
        const run = sh(copyStackFile, dir);
        assert.equal(run.status, 0, run.stderr);
        assert.ok(fs.existsSync(path.join(dir, `Pulumi.${env}.yaml`)));
    });

    it("without step 2, the check stops with exit 2 naming the folder to create", () => {
        const run = sh(check, dir);
        assert.equal(run.status, 2, run.stdout + run.stderr);
        const files = policyPacks()
            .map((pack) => `${pack}.json`)
            .join(", ");
        assert.ok(
            run.stderr.includes(
                `--stack: no policy-pack config for stack "${env}": stacks/policy-config/${env}/ ` +
                    `does not exist; generate it from Pulumi.${env}.yaml with \`npm run ` +
                    `policy-config -- --stack ${env}\` (one <pack>.json per pack: ${files}; see ` +
                    `stacks/policy-config/README.md), or give the folder with ` +
                    `--policy-config-dir\n`,
            ),
            run.stderr,
        );
        assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    });

    it("without step 2, the drift test fails naming each missing file and what to do", () => {
        const run = sh(driftTest, dir);
        assert.notEqual(run.status, 0, run.stdout);
        const files = policyPacks().map((pack) => `stacks/policy-config/${env}/${pack}.json`);
        assert.ok(
            run.stdout.includes(
                `stack ${env} has no ${files.join(", ")}: every stack needs one config file ` +
                    `per pack. Generate them from Pulumi.${env}.yaml with \`npm run ` +
                    `policy-config -- --stack ${env}\` (see stacks/policy-config/README.md)`,
            ),
            run.stdout,
        );
    });

    it("2. generates the packs' config from the stack file: prod's, as the settings are", () => {
        const run = sh(generatePackConfig, dir);
        assert.equal(run.status, 0, run.stdout + run.stderr);
        for (const pack of policyPacks()) {
            assert.match(
                run.stdout,
                new RegExp(`^wrote stacks/policy-config/${env}/${pack}\\.json$`, "m"),
            );
            assert.equal(
                fs.readFileSync(
                    path.join(dir, "stacks", "policy-config", env, `${pack}.json`),
                    "utf8",
                ),
                fs.readFileSync(
                    path.join(dir, "stacks", "policy-config", "prod", `${pack}.json`),
                    "utf8",
                ),
            );
        }
    });

    it("3. the check passes the new stack (exit 0, no mandatory violation)", () => {
        const run = sh(check, dir);
        assert.equal(run.status, 0, run.stdout + run.stderr);
        const report = JSON.parse(
            fs.readFileSync(path.join(dir, "out", env, "report.json"), "utf8"),
        ) as { stack: string; passed: boolean; summary: { mandatory: number } };
        assert.equal(report.stack, env);
        assert.equal(report.passed, true);
        assert.equal(report.summary.mandatory, 0);
    });

    it("4. the drift test holds the new stack to the same guards, and passes", () => {
        const run = sh(driftTest, dir);
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.match(run.stdout, new RegExp(`policy-pack config of stack ${env}\\n`));
        assert.doesNotMatch(run.stdout, /failing/);
    });
});
