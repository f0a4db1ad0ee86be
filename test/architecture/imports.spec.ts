/**
 * The import directions of the project (issue 23, CONTRIBUTING.md "Import directions"), enforced on
 * every `.ts` file of the repository: each import (`import`, `import type`, `export ... from`,
 * `import x = require(...)`, `require("...")` and `import("...")` with a literal path) is resolved
 * and held to these rules:
 *
 * - `components/` never imports `stacks/`: components own their settings
 *   (`components/<name>/settings.ts`) and `stacks/` only loads a stack file against them;
 * - `contract/` imports nothing outside `contract/` (no npm package, no Node module, no zod): it is
 *   what components, packs and the check share without loading each other;
 * - `policypacks/` imports neither `components/`, `stacks/` nor zod: a pack shares only `contract/`
 *   and `policypacks/lib` with the program, so it never loads a component or the settings schema;
 * - `tools/check/` imports neither `components/` nor `stacks/`: the check reaches the program
 *   (and with it the settings) only by running the project's `index.ts` (`program.ts` requires it by
 *   a computed path), and shares keys and grammars with it through `contract/`.
 *
 * A failure names the file, the import as written and the rule it breaks.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { projectDir } from "../util/stacks";

/** Folders never scanned: dependencies, outputs, caches. */
const skipped = new Set(["node_modules", "out", "build"]);

/** Every `.ts` file under `dir`, relative to the project, with `/` separators, sorted. */
function tsFiles(dir: string = projectDir): string[] {
    const found: string[] = [];
    const walk = (abs: string): void => {
        for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
            if (entry.name.startsWith(".") || skipped.has(entry.name)) {
                continue;
            }
            const child = path.join(abs, entry.name);
            if (entry.isDirectory()) {
                walk(child);
            } else if (entry.isFile() && entry.name.endsWith(".ts")) {
                found.push(path.relative(dir, child).split(path.sep).join("/"));
            }
        }
    };
    walk(dir);
    return found.sort();
}

/** Every module specifier a source imports, in order, as written. */
export function importsOf(source: string): string[] {
    const info = ts.preProcessFile(source, true, true);
    return info.importedFiles.map((f) => f.fileName);
}

/** One import, resolved: a project path (`stacks/schema`) or an npm/Node package (`zod`). */
interface ResolvedImport {
    /** The specifier as written. */
    readonly specifier: string;
    /** The project path it resolves to (no extension), or undefined for a package. */
    readonly target?: string;
    /** The package name (`zod`, `@pulumi/pulumi`, `net`), or undefined for a project path. */
    readonly pkg?: string;
}

function resolveImport(file: string, specifier: string): ResolvedImport {
    if (specifier.startsWith(".")) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
        return { specifier, target };
    }
    const parts = specifier.replace(/^node:/, "").split("/");
    const pkg = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
    return { specifier, pkg };
}

/** True when a project path is `folder` itself or inside it. */
function within(target: string | undefined, folder: string): boolean {
    return target !== undefined && (target === folder || target.startsWith(`${folder}/`));
}

/** One import direction: which files it governs and which of their imports it refuses. */
interface Rule {
    readonly name: string;
    readonly governs: (file: string) => boolean;
    /** The reason an import is refused, or undefined when it is allowed. */
    readonly refuses: (imp: ResolvedImport) => string | undefined;
}

const rules: readonly Rule[] = [
    {
        name: "components/ never imports stacks/",
        governs: (f) => within(f, "components"),
        refuses: (imp) =>
            within(imp.target, "stacks")
                ? "a component imports stacks/ (its settings belong in components/<name>/settings.ts)"
                : undefined,
    },
    {
        name: "contract/ imports nothing outside contract/",
        governs: (f) => within(f, "contract"),
        refuses: (imp) =>
            imp.pkg !== undefined
                ? `contract/ imports the package "${imp.pkg}" (it must stay dependency-free)`
                : within(imp.target, "contract")
                  ? undefined
                  : `contract/ imports ${imp.target} (outside contract/)`,
    },
    {
        name: "policypacks/ imports neither components/, stacks/ nor zod",
        governs: (f) => within(f, "policypacks"),
        refuses: (imp) =>
            within(imp.target, "components") || within(imp.target, "stacks")
                ? `a policy pack imports ${imp.target} (share it through contract/ or policypacks/lib)`
                : imp.pkg === "zod"
                  ? "a policy pack imports zod (a pack never loads the settings schema)"
                  : undefined,
    },
    {
        name: "tools/check/ imports neither components/ nor stacks/",
        governs: (f) => within(f, "tools/check"),
        refuses: (imp) =>
            within(imp.target, "components") || within(imp.target, "stacks")
                ? `the check imports ${imp.target} (it runs the program through index.ts and shares keys through contract/)`
                : undefined,
    },
];

/** Every import of `files` a rule refuses, as `file: "specifier": reason`. */
function violations(rule: Rule, files: readonly string[]): string[] {
    const found: string[] = [];
    for (const file of files.filter(rule.governs)) {
        const source = fs.readFileSync(path.join(projectDir, file), "utf8");
        for (const specifier of importsOf(source)) {
            const reason = rule.refuses(resolveImport(file, specifier));
            if (reason !== undefined) {
                found.push(`${file}: "${specifier}": ${reason}`);
            }
        }
    }
    return found;
}

/** The `.ts` file a project path names (`x` → `x.ts` or `x/index.ts`), or undefined. */
function sourceFile(target: string, files: ReadonlySet<string>): string | undefined {
    return [`${target}.ts`, `${target}/index.ts`].find((f) => files.has(f));
}

/**
 * Every project file `entry` loads, however indirectly, with the chain that reaches it, and every
 * package it imports on the way (`zod` → the chain of the file importing it).
 */
function reachable(
    entry: string,
    files: ReadonlySet<string>,
): { files: Map<string, string[]>; packages: Map<string, string[]> } {
    const seen = new Map<string, string[]>([[entry, [entry]]]);
    const packages = new Map<string, string[]>();
    const queue = [entry];
    while (queue.length > 0) {
        const file = queue.shift() as string;
        const chain = seen.get(file) as string[];
        const source = fs.readFileSync(path.join(projectDir, file), "utf8");
        for (const specifier of importsOf(source)) {
            const imp = resolveImport(file, specifier);
            if (imp.pkg !== undefined) {
                if (!packages.has(imp.pkg)) {
                    packages.set(imp.pkg, chain);
                }
                continue;
            }
            const next = sourceFile(imp.target as string, files);
            if (next !== undefined && !seen.has(next)) {
                seen.set(next, [...chain, next]);
                queue.push(next);
            }
        }
    }
    return { files: seen, packages };
}

describe("import directions (test/architecture)", () => {
    const files = tsFiles();

    it("finds the imports of every form: import, import type, export from, require, import()", () => {
        const source = [
            'import * as a from "./a";',
            'import type { B } from "../b";',
            "import {",
            "    c,",
            '} from "./c";',
            'export { d } from "./d";',
            'export * from "./e";',
            'import f = require("./f");',
            'const g = require("./g");',
            'const h = import("./h");',
            'import "./i";',
        ].join("\n");
        assert.deepEqual(importsOf(source), [
            "./a",
            "../b",
            "./c",
            "./d",
            "./e",
            "./f",
            "./g",
            "./h",
            "./i",
        ]);
    });

    it("resolves an import to the project path or the package it names", () => {
        assert.deepEqual(resolveImport("components/kyverno/index.ts", "../../stacks/schema"), {
            specifier: "../../stacks/schema",
            target: "stacks/schema",
        });
        assert.deepEqual(resolveImport("contract/images.ts", "node:net"), {
            specifier: "node:net",
            pkg: "net",
        });
        assert.deepEqual(resolveImport("policypacks/lib/x.ts", "@pulumi/policy/x"), {
            specifier: "@pulumi/policy/x",
            pkg: "@pulumi/policy",
        });
    });

    it("scans the folders the rules govern", () => {
        for (const folder of ["components", "contract", "policypacks", "tools/check", "stacks"]) {
            assert.ok(
                files.some((f) => within(f, folder)),
                `no .ts file found under ${folder}/: the scan missed it`,
            );
        }
    });

    for (const rule of rules) {
        it(rule.name, () => {
            assert.deepEqual(violations(rule, files), []);
        });
    }

    it("a policy pack's entry point loads no component, no stacks/ file and no zod, however indirectly", () => {
        const all = new Set(files);
        const packs = files.filter((f) => /^policypacks\/[^/]+\/index\.ts$/.test(f));
        assert.ok(packs.length > 0, "no policypacks/<pack>/index.ts found");
        const found: string[] = [];
        for (const pack of packs) {
            const { files: loaded, packages } = reachable(pack, all);
            for (const [file, chain] of loaded) {
                if (within(file, "components") || within(file, "stacks")) {
                    found.push(`${pack} loads ${file} through ${chain.join(" → ")}`);
                }
            }
            const zod = packages.get("zod");
            if (zod !== undefined) {
                found.push(`${pack} loads zod through ${zod.join(" → ")}`);
            }
        }
        assert.deepEqual(found, []);
    });
});
