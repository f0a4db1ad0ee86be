// @ts-check
// A ts-node transpiler (tsconfig.json "ts-node".transpiler) that is TypeScript's own
// transpileModule with an on-disk cache. Every process the check starts (the check itself and one
// per policy pack) used to transpile the same files again, about 3 s each; the output for a file
// depends only on its text, its name, the compiler options and the TypeScript version, so those
// are the cache key. Files with syntax errors are never cached, so their diagnostics are reported
// on every run. Written in JavaScript because ts-node loads it before it can load TypeScript.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** Where transpiled files are kept: inside node_modules, so a fresh install starts empty. */
const defaultCacheDir = path.join(
    __dirname,
    "..",
    "node_modules",
    ".cache",
    "sovereign-contour-ts",
);

/**
 * @param {{
 *   service: { config: { options: import("typescript").CompilerOptions } },
 *   cacheDir?: string,
 * }} options ts-node's, plus `cacheDir` (tests)
 */
function create(options) {
    const cacheDir = options.cacheDir ?? defaultCacheDir;
    /** @type {typeof import("typescript")} */
    const ts = require("typescript");
    const compilerOptions = options.service.config.options;
    const salt = `${ts.version}\0${JSON.stringify(compilerOptions)}`;
    return {
        /**
         * @param {string} input
         * @param {{ fileName: string }} file
         */
        transpile(input, { fileName }) {
            const key = crypto
                .createHash("sha256")
                .update(salt)
                .update("\0")
                .update(fileName)
                .update("\0")
                .update(input)
                .digest("hex");
            const cached = path.join(cacheDir, `${key}.json`);
            try {
                return JSON.parse(fs.readFileSync(cached, "utf8"));
            } catch {
                // not cached yet (or unreadable): transpile
            }
            const out = ts.transpileModule(input, {
                fileName,
                compilerOptions,
                reportDiagnostics: true,
            });
            const result = { outputText: out.outputText, sourceMapText: out.sourceMapText };
            if ((out.diagnostics ?? []).length === 0) {
                try {
                    fs.mkdirSync(cacheDir, { recursive: true });
                    const temp = `${cached}.${process.pid}.tmp`;
                    fs.writeFileSync(temp, JSON.stringify(result));
                    fs.renameSync(temp, cached); // atomic: concurrent processes never read half a file
                } catch {
                    // a read-only install still works, uncached
                }
            }
            return { ...result, diagnostics: out.diagnostics };
        },
    };
}

module.exports = { create, defaultCacheDir };
