/**
 * A stack's pack config is required (issue 17): before, a missing `stacks/policy-config/<stack>/`
 * or a missing `<pack>.json` in it (or in `--policy-config-dir`) was ignored and the pack ran with
 * its defaults, so the check judged something other than what `pulumi preview` with each
 * `--policy-pack-config` judges.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "../../tools/check/errors";
import { requirePackConfigFiles } from "../../tools/check/pack-config-dir";
import { runCheckProcess } from "../util/check-process";
import { projectDir } from "../util/stacks";

const packDirs = ["/p/policypacks/platform-guardrails", "/p/policypacks/workload-security"];

function scratch(files: readonly string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pack-config-dir-"));
    for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), "{}\n");
    }
    return dir;
}

function refusal(run: () => void): string {
    try {
        run();
    } catch (e) {
        assert.ok(e instanceof UsageError, String(e));
        return e.message;
    }
    assert.fail("not refused");
}

const create = (stack: string): string =>
    `generate it from Pulumi.${stack}.yaml with \`npm run policy-config -- --stack ${stack}\` ` +
    `(one <pack>.json per pack: platform-guardrails.json, workload-security.json; see ` +
    `stacks/policy-config/README.md), or give the folder with --policy-config-dir`;

describe("check: every pack's config file is required", () => {
    it("accepts a stack whose folder holds a file per pack", () => {
        const dir = scratch([
            "stacks/policy-config/qa/platform-guardrails.json",
            "stacks/policy-config/qa/workload-security.json",
        ]);
        requirePackConfigFiles({ projectDir: dir, stack: "qa" }, packDirs);
    });

    it("refuses a stack without stacks/policy-config/<stack>/, saying what to create", () => {
        const dir = scratch([]);
        assert.equal(
            refusal(() => requirePackConfigFiles({ projectDir: dir, stack: "qa" }, packDirs)),
            `--stack: no policy-pack config for stack "qa": stacks/policy-config/qa/ does not ` +
                `exist; ${create("qa")}`,
        );
    });

    it("refuses a stack whose folder lacks a pack's file, naming it", () => {
        const dir = scratch(["stacks/policy-config/qa/workload-security.json"]);
        assert.equal(
            refusal(() => requirePackConfigFiles({ projectDir: dir, stack: "qa" }, packDirs)),
            `--stack: no policy-pack config for stack "qa": stacks/policy-config/qa/ has no ` +
                `platform-guardrails.json; ${create("qa")}`,
        );
    });

    it("refuses a --policy-config-dir that lacks a pack's file, naming it", () => {
        const dir = scratch(["platform-guardrails.json"]);
        assert.equal(
            refusal(() =>
                requirePackConfigFiles(
                    { projectDir: "/p", stack: "qa", policyConfigDir: dir },
                    packDirs,
                ),
            ),
            `--policy-config-dir: "${dir}" has no workload-security.json; every pack needs its ` +
                `config (the file pulumi is given as --policy-pack-config)`,
        );
    });

    it("refuses a --policy-config-dir that is not a folder", () => {
        const file = path.join(scratch(["x.json"]), "x.json");
        assert.equal(
            refusal(() =>
                requirePackConfigFiles({ projectDir: "/p", policyConfigDir: file }, packDirs),
            ),
            `--policy-config-dir: "${file}" is not a folder; expected a folder with one ` +
                `<pack>.json per pack (platform-guardrails.json, workload-security.json)`,
        );
    });

    it("reads no folder for --policy-config (one file for every pack) or plain --manifests", () => {
        requirePackConfigFiles(
            { projectDir: "/p", stack: "qa", policyConfig: "/x.json" },
            packDirs,
        );
        requirePackConfigFiles({ projectDir: "/p" }, packDirs);
    });

    it("the check exits 2 with the message for a stack file without its pack config", function () {
        this.timeout(240_000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pack-config-dir-stack-"));
        const stackFile = path.join(dir, "Pulumi.elsewhere.yaml");
        fs.copyFileSync(path.join(projectDir, "Pulumi.prod.yaml"), stackFile);
        const run = runCheckProcess(["--stack-file", stackFile], { name: "elsewhere" });
        assert.equal(run.code, 2, run.stdout + run.stderr);
        assert.equal(
            run.stderr,
            `--stack: no policy-pack config for stack "elsewhere": stacks/policy-config/elsewhere/ ` +
                `does not exist; generate it from ${stackFile} with \`npm run policy-config -- ` +
                `--stack-file ${stackFile}\` (one <pack>.json per pack: platform-guardrails.json, ` +
                `workload-security.json; see stacks/policy-config/README.md), or give the folder ` +
                `with --policy-config-dir\n`,
        );
        assert.notEqual(run.report?.passed, true, "no passing report");
    });
});
