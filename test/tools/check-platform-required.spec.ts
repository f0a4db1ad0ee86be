/**
 * The check of a stack refuses a program that does not build the Platform. The packs' stack
 * policies (encryption at rest, audit policy, control plane...) apply only to stacks built from the
 * contour's components, so before this guard a program that registered nothing (an index.ts
 * whose exported function was not run, or a half-edited one) passed with exit 0: fail open.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCheckProcess } from "../util/check-process";

const root = path.resolve(__dirname, "..", "..");
const linked = [
    "contract",
    "policypacks",
    "stacks",
    "components",
    "node_modules",
    "tools",
    "tsconfig.json",
];

/** Checks the airgap stack of a temporary project whose index.ts is `source`. */
function checkProgram(source: string): ReturnType<typeof runCheckProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-required-"));
    try {
        for (const entry of linked) {
            fs.symlinkSync(path.join(root, entry), path.join(dir, entry));
        }
        for (const file of ["Pulumi.yaml", "Pulumi.airgap.yaml"]) {
            fs.copyFileSync(path.join(root, file), path.join(dir, file));
        }
        fs.writeFileSync(path.join(dir, "index.ts"), source);
        return runCheckProcess(["--stack", "airgap"], {
            name: "airgap",
            cli: path.join(dir, "tools", "check", "cli.ts"),
            nodeArgs: ["--preserve-symlinks-main"],
            cwd: dir,
            timeoutMs: 180_000,
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const refusal =
    'the program of stack "airgap" registered no sovereign:platform:Platform (1 resources ' +
    "registered): the check judges the platform program, and a program that does not build " +
    "the Platform is refused, not passed; expected index.ts to construct the Platform (see " +
    "docs/extending.md)";

describe("check: a stack's program must build the Platform", function () {
    this.timeout(300_000);

    for (const [what, source] of [
        ["a program function that builds nothing", "export = async () => ({});\n"],
        ["a program with no export at all", "export {};\n"],
    ] as const) {
        it(`refuses ${what} with exit 3 and an error report, not a pass`, () => {
            const run = checkProgram(source);
            assert.equal(run.code, 3, run.stderr + run.stdout);
            assert.equal(run.report.status, "error");
            assert.equal(run.report.passed, false);
            assert.equal(
                run.report.error,
                `internal error (a bug in the check or the program, not in the input): ${refusal}`,
            );
            assert.ok(run.stderr.includes(refusal), run.stderr);
        });
    }
});
