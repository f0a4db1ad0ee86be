/**
 * docs/extending.md shows the examples the walkthrough tests use, byte for byte, so the page
 * cannot drift from what is tested: each file of test/extending/examples/ is a code block of its
 * section (a TypeScript example as it sits in the project's extensions/, importing
 * `../components`; a policy as it sits in its pack, importing `../../lib/`), and the lines that pass overrides to the Platform in index.ts are those the
 * tests write into the copy of the project.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { codeBlocks, examplesDir, extensionSource, indexTsLines, policySource } from "./util";

/** The section that shows each example. */
const sections: Readonly<Record<string, string>> = {
    "new-tenant.yaml": "A new tenant",
    "tenant-claim-limits.ts": "A wrapped component",
    "team-falco.ts": "A replaced or reconfigured component",
    "gatekeeper-tags.ts": "A replaced or reconfigured component",
    "without-falco.ts": "A replaced or reconfigured component",
    "ingresses-require-tls.ts": "A new policy",
};

describe("docs/extending.md shows the examples the tests use", () => {
    it("has a section for every example file, and a file for every example", () => {
        assert.deepEqual(fs.readdirSync(examplesDir).sort(), Object.keys(sections).sort());
    });

    for (const [file, section] of Object.entries(sections)) {
        it(`shows ${file} in "${section}"`, () => {
            const ts = file.endsWith(".ts");
            const name = path.basename(file, path.extname(file));
            const expected = !ts
                ? fs.readFileSync(path.join(examplesDir, file), "utf8")
                : section === "A new policy"
                  ? policySource(name)
                  : extensionSource(name);
            const blocks = codeBlocks(section).filter((b) => b.lang === (ts ? "ts" : "yaml"));
            assert.ok(
                blocks.some((b) => b.code === expected),
                `no ${ts ? "ts" : "yaml"} block of "${section}" is ${file}:\n${expected}`,
            );
        });
    }

    it("shows the index.ts lines the tests write to use an example's overrides", () => {
        const blocks = codeBlocks("A wrapped component").map((b) => b.code);
        assert.ok(blocks.includes(indexTsLines("tenant-claim-limits")), blocks.join("\n---\n"));
    });
});
