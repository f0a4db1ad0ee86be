import * as fs from "fs";
import * as path from "path";

/**
 * The Node flags `npm run check` starts the check with (read from package.json's `check` script:
 * a larger young generation and the heap size, see docs/performance.md), so every other runner of
 * the check (the benchmark, the test tiers, the peer comparison) runs it as CI and users do.
 */
export function checkScriptNodeFlags(
    packageJson: string = path.resolve(__dirname, "..", "..", "package.json"),
): string[] {
    const pkg = JSON.parse(fs.readFileSync(packageJson, "utf8")) as {
        scripts: Record<string, string>;
    };
    const words = pkg.scripts.check.split(/\s+/);
    if (words[0] !== "node") {
        throw new Error(
            `package.json's check script "${pkg.scripts.check}" does not start with node`,
        );
    }
    return words.slice(1).filter((w) => /^--[a-z-]+=\S+$/.test(w));
}
