/**
 * .ci/run, the project's own CI: `npm ci`, lint, typecheck, `npm test` (as the README says), then
 * the offline check of every stack file of the repository. Before issue 17 it checked dev and prod
 * only, so a new environment (airgap, the first one added) never had a CI run.
 *
 * The script runs from a scratch copy with `npm` replaced by a stand-in that records its calls.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runExecutable } from "../util/shell";
import { committedStacks, projectDir, stackNameRule } from "../util/stacks";

/** A scratch repository with a copy of .ci/run and the given stack files (links or empty files). */
function scratch(stackFiles: readonly string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-run-"));
    fs.mkdirSync(path.join(dir, ".ci"));
    fs.copyFileSync(path.join(projectDir, ".ci", "run"), path.join(dir, ".ci", "run"));
    fs.chmodSync(path.join(dir, ".ci", "run"), 0o755);
    for (const file of stackFiles) {
        const real = path.join(projectDir, file);
        if (fs.existsSync(real)) {
            fs.symlinkSync(real, path.join(dir, file));
        } else {
            fs.writeFileSync(path.join(dir, file), "config: {}\n");
        }
    }
    return dir;
}

function run(dir: string): ReturnType<typeof runExecutable> {
    return runExecutable(path.join(dir, ".ci", "run"));
}

const before = [
    ["npm", "ci", "--no-audit", "--no-fund"],
    ["npm", "run", "lint"],
    ["npm", "run", "typecheck"],
    ["npm", "test"],
];
const check = (stack: string): string[] => ["npm", "run", "check", "--", "--stack", stack];
/** The tiers against the real API server, engines, CLI and peers, after the stack checks. */
const tiers = [
    ["npm", "run", "test:cluster"],
    ["npm", "run", "test:engines"],
    ["npm", "run", "test:pulumi"],
    ["npm", "run", "bench:peers"],
];

describe(".ci/run", () => {
    it("installs, lints, typechecks, runs npm test, checks every stack file of the repository, then runs the tiers", () => {
        const stacks = committedStacks();
        const result = run(scratch(stacks.map((s) => `Pulumi.${s}.yaml`)));
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(
            result.calls.map((c) => c.argv),
            [...before, ...stacks.map(check), ...tiers],
        );
    });

    it("checks a new environment as soon as its stack file exists", () => {
        const result = run(scratch(["Pulumi.dev.yaml", "Pulumi.staging.yaml"]));
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(
            result.calls.map((c) => c.argv),
            [...before, check("dev"), check("staging"), ...tiers],
        );
    });

    it("stops before installing anything on a stack file whose name is not a stack name", () => {
        // Pulumi....yaml is stack "..": its output folder out/.. would be the project itself.
        const result = run(scratch(["Pulumi.dev.yaml", "Pulumi....yaml"]));
        assert.equal(result.code, 1);
        assert.equal(
            result.stderr,
            `error: Pulumi....yaml: ".." is not a valid stack name; ${stackNameRule}\n`,
        );
        assert.deepEqual(result.calls, []);
    });

    it("stops before installing anything when there is no stack file", () => {
        const result = run(scratch([]));
        assert.equal(result.code, 1);
        assert.equal(result.stderr, "error: no stack file (Pulumi.<stack>.yaml)\n");
        assert.deepEqual(result.calls, []);
    });
});
