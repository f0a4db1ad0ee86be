/**
 * Golden files for rendered documents: `test/fixtures/golden/<name>`. A test compares the rendered
 * text with the committed file exactly. After a deliberate change, regenerate with
 * `UPDATE_GOLDEN=1 npx mocha <spec>`, review the diff, and commit it; without the variable a
 * missing or different golden file fails the test.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

/** Directory of the golden files. */
export const goldenDir = path.join(__dirname, "..", "fixtures", "golden");

/** Asserts that `actual` equals the golden file `name` (or rewrites it under UPDATE_GOLDEN=1). */
export function assertGolden(name: string, actual: string): void {
    const file = path.join(goldenDir, name);
    if (process.env.UPDATE_GOLDEN === "1") {
        fs.mkdirSync(goldenDir, { recursive: true });
        fs.writeFileSync(file, actual);
        return;
    }
    assert.ok(
        fs.existsSync(file),
        `golden file ${name} is missing: run UPDATE_GOLDEN=1 npx mocha <spec> and review it`,
    );
    assert.strictEqual(actual, fs.readFileSync(file, "utf8"), `rendered text differs from ${name}`);
}

/** Compares a rendered value with a JSON golden file (rewritten under UPDATE_GOLDEN=1). */
export function assertGoldenJson(name: string, actual: unknown): void {
    const file = path.join(goldenDir, name);
    if (process.env.UPDATE_GOLDEN === "1") {
        fs.mkdirSync(goldenDir, { recursive: true });
        fs.writeFileSync(file, JSON.stringify(actual, null, 2) + "\n");
    }
    assert.ok(fs.existsSync(file), `golden file ${name} is missing (UPDATE_GOLDEN=1 writes it)`);
    assert.deepStrictEqual(actual, JSON.parse(fs.readFileSync(file, "utf8")));
}
