/**
 * The output folder (tools/check/outputs.ts) and the stack file's values (tools/check/stack-config.ts)
 * in-process: names that are paths are refused, a folder is replaced whole or not at all, and a
 * scalar setting reaches the program as the text written, as the Pulumi CLI passes it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../../tools/check/errors";
import { CheckRun, OutputFolder } from "../../tools/check/outputs";
import { readStackConfig } from "../../tools/check/stack-config";

function scratch(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "outputs-"));
}

function listTree(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, encoding: "utf8" })
        .map((f) => f.split(path.sep).join("/"))
        .sort();
}

describe("check output folder", function () {
    let dir: string;
    beforeEach(() => {
        dir = scratch();
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const name of [".", "..", "../x", "a/b", ".hidden", ""]) {
        it(`refuses "${name}" as an output folder name and creates nothing`, function () {
            const out = path.join(dir, "out");
            assert.throws(
                () => OutputFolder.open(out, name),
                (e: Error) =>
                    e instanceof UsageError &&
                    e.message ===
                        `"${name}" cannot name an output folder; expected a stack name (letters, ` +
                            `digits, '-', '_' or '.', not starting with '.')`,
            );
            assert.deepStrictEqual(fs.readdirSync(dir), []);
        });
    }

    it("replaces the folder whole, and keeps the previous one when a write fails", function () {
        const folder = OutputFolder.open(path.join(dir, "out"), "dev");
        folder.replace([
            { path: "report.json", content: '{"passed": true}\n' },
            { path: "nodes/kubelet.yaml", content: "kind: KubeletConfiguration\n" },
        ]);
        assert.deepStrictEqual(listTree(path.join(dir, "out")), [
            "dev",
            "dev/nodes",
            "dev/nodes/kubelet.yaml",
            "dev/report.json",
        ]);
        assert.throws(
            () =>
                folder.replace([
                    { path: "report.json", content: '{"passed": false}\n' },
                    { path: "../escape.txt", content: "x" },
                ]),
            /output file path "\.\.\/escape\.txt" escapes the output folder/,
        );
        // Nothing of the failed write is visible: the previous folder, no temporary one.
        assert.deepStrictEqual(listTree(path.join(dir, "out")), [
            "dev",
            "dev/nodes",
            "dev/nodes/kubelet.yaml",
            "dev/report.json",
        ]);
        assert.strictEqual(
            fs.readFileSync(path.join(dir, "out", "dev", "report.json"), "utf8"),
            '{"passed": true}\n',
        );
        folder.replace([{ path: "report.json", content: "{}\n" }]);
        assert.deepStrictEqual(listTree(path.join(dir, "out")), ["dev", "dev/report.json"]);
    });

    it("marks a run incomplete at its start and records its inputs in the error report", function () {
        const run = new CheckRun(OutputFolder.open(path.join(dir, "out"), "qa"), "stack", "qa");
        run.begin();
        const started = JSON.parse(
            fs.readFileSync(path.join(dir, "out", "qa", "report.json"), "utf8"),
        ) as Record<string, unknown>;
        assert.strictEqual(started.status, "incomplete");
        assert.strictEqual(started.passed, false);
        assert.strictEqual(started.exitCode, null);
        run.inputs.push({
            role: "stack",
            path: "Pulumi.qa.yaml",
            sha256: "ab".repeat(32),
            bytes: 3,
        });
        run.fail(2, "Pulumi.qa.yaml: the stack file is empty");
        const failed = JSON.parse(
            fs.readFileSync(path.join(dir, "out", "qa", "report.json"), "utf8"),
        ) as Record<string, unknown>;
        assert.deepStrictEqual(
            { ...failed, startedAt: "", generatedAt: "" },
            {
                tool: "sovereign-contour offline check",
                mode: "stack",
                stack: "qa",
                status: "error",
                exitCode: 2,
                passed: false,
                startedAt: "",
                generatedAt: "",
                error: "Pulumi.qa.yaml: the stack file is empty",
                input: {
                    sha256: "37625a83e05176db77f6883d87fa60467f44d5bc33fb539ab85913a4bf3f681e",
                    files: [
                        {
                            role: "stack",
                            path: "Pulumi.qa.yaml",
                            sha256: "ab".repeat(32),
                            bytes: 3,
                        },
                    ],
                },
            },
        );
    });
});

describe("check output folder: files written as the run goes", function () {
    let dir: string;
    beforeEach(() => {
        dir = scratch();
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("keeps a staged file out of sight until the run completes, then puts it in place with the rest", function () {
        const out = path.join(dir, "out");
        const run = new CheckRun(OutputFolder.open(out, "qa"), "stack", "qa");
        run.begin();
        const staged = run.staging();
        assert.strictEqual(run.staging(), staged, "one staging folder per run");
        fs.writeFileSync(path.join(staged, "manifests.yaml"), "kind: Namespace\n");
        // Readers still see the incomplete report only.
        assert.deepStrictEqual(listTree(path.join(out, "qa")), ["report.json", "report.md"]);
        run.complete([{ path: "report.json", content: "{}\n" }]);
        assert.deepStrictEqual(listTree(out), ["qa", "qa/manifests.yaml", "qa/report.json"]);
        assert.strictEqual(
            fs.readFileSync(path.join(out, "qa", "manifests.yaml"), "utf8"),
            "kind: Namespace\n",
        );
    });

    it("removes what a failed run staged and leaves only its error report", function () {
        const out = path.join(dir, "out");
        const run = new CheckRun(OutputFolder.open(out, "qa"), "stack", "qa");
        run.begin();
        fs.writeFileSync(path.join(run.staging(), "manifests.yaml"), "half\n");
        run.fail(3, "boom");
        assert.deepStrictEqual(listTree(out), ["qa", "qa/report.json", "qa/report.md"]);
    });

    it("refuses a staging folder that is not the run's own", function () {
        const out = path.join(dir, "out");
        const folder = OutputFolder.open(out, "qa");
        const other = path.join(dir, "elsewhere");
        fs.mkdirSync(other);
        assert.throws(
            () => folder.replace([{ path: "report.json", content: "{}" }], other),
            /is not a staging folder of run "qa"/,
        );
        assert.deepStrictEqual(fs.readdirSync(out), []);
    });
});

describe("stack file values as the Pulumi CLI passes them", function () {
    let dir: string;
    beforeEach(() => {
        dir = scratch();
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("passes a scalar as the text written (1.30 stays 1.30), a null as empty, objects as JSON", function () {
        const file = path.join(dir, "Pulumi.qa.yaml");
        fs.writeFileSync(
            file,
            [
                "config:",
                "  sovereign-contour:kubernetesVersion: 1.30",
                "  sovereign-contour:a: 0x10",
                "  sovereign-contour:b: yes",
                "  sovereign-contour:c:",
                '  sovereign-contour:d: "quoted"',
                "  sovereign-contour:e: { n: 1.50, on: true }",
                "",
            ].join("\n"),
        );
        const cfg = readStackConfig(dir, "qa", file);
        assert.deepStrictEqual(cfg.values, {
            "sovereign-contour:kubernetesVersion": "1.30",
            "sovereign-contour:a": "0x10",
            "sovereign-contour:b": "yes",
            "sovereign-contour:c": "",
            "sovereign-contour:d": "quoted",
            "sovereign-contour:e": '{"n":1.5,"on":true}',
        });
        assert.strictEqual(cfg.input.role, "stack");
        assert.strictEqual(cfg.input.bytes, fs.statSync(file).size);
    });
});
