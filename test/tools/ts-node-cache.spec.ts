/**
 * The cached ts-node transpiler gives exactly what TypeScript's transpileModule gives, serves a
 * second request for the same file from its cache, transpiles again when the text, the file name
 * or the compiler options change, and never caches a file with syntax errors.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { create } = require("../../tools/ts-node-cache.js") as {
    create(options: { service: { config: { options: ts.CompilerOptions } }; cacheDir?: string }): {
        transpile(
            input: string,
            file: { fileName: string },
        ): { outputText: string; sourceMapText?: string; diagnostics?: ts.Diagnostic[] };
    };
};

const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    sourceMap: true,
};

describe("tools: cached ts-node transpiler", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ts-cache-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("gives transpileModule's output, and serves it from the cache the second time", () => {
        const source = "export const answer: number = 42;\nexport class A { x!: string; }\n";
        const fileName = "/project/a.ts";
        const transpiler = create({ service: { config: { options } }, cacheDir: dir });
        const expected = ts.transpileModule(source, { fileName, compilerOptions: options });
        const first = transpiler.transpile(source, { fileName });
        assert.strictEqual(first.outputText, expected.outputText);
        assert.strictEqual(first.sourceMapText, expected.sourceMapText);
        assert.strictEqual(fs.readdirSync(dir).length, 1);
        // Poison the cached entry: the second answer must come from it, not from TypeScript.
        const [entry] = fs.readdirSync(dir);
        fs.writeFileSync(path.join(dir, entry), JSON.stringify({ outputText: "cached" }));
        assert.strictEqual(transpiler.transpile(source, { fileName }).outputText, "cached");
    });

    it("keys on the text, the file name and the compiler options", () => {
        const source = "export const a = 1;\n";
        const transpiler = create({ service: { config: { options } }, cacheDir: dir });
        transpiler.transpile(source, { fileName: "/p/a.ts" });
        transpiler.transpile(source + "export const b = 2;\n", { fileName: "/p/a.ts" });
        transpiler.transpile(source, { fileName: "/p/b.ts" });
        const es2015 = create({
            service: { config: { options: { ...options, target: ts.ScriptTarget.ES2015 } } },
            cacheDir: dir,
        });
        es2015.transpile(source, { fileName: "/p/a.ts" });
        assert.strictEqual(fs.readdirSync(dir).length, 4);
    });

    it("reports syntax errors every time and caches nothing for them", () => {
        const transpiler = create({ service: { config: { options } }, cacheDir: dir });
        for (let i = 0; i < 2; i++) {
            const out = transpiler.transpile("export const = ;\n", { fileName: "/p/bad.ts" });
            assert.ok((out.diagnostics ?? []).length > 0);
        }
        assert.deepStrictEqual(fs.readdirSync(dir), []);
    });
});
