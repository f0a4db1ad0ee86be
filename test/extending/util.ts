/**
 * What the walkthroughs of docs/extending.md share: the page's code blocks, the platform of a stack
 * built under the recording mocks (with or without overrides), and the offline check run on a
 * scratch copy of the project whose index.ts passes the page's overrides to the Platform.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Platform, PlatformOverrides } from "../../components";
import { loadSettings } from "../../stacks";
import type { PlatformSettings } from "../../components/platform/settings";
import { readStackConfig } from "../../tools/check/stack-config";
import { recorded, RecordedResource, resetRecorded, settled } from "../util/mocks";
import { projectDir } from "../util/stacks";

export { projectDir };

/** The page. */
export const extendingDoc = path.join(projectDir, "docs", "extending.md");

/** The examples the page shows, as files the tests import. */
export const examplesDir = path.join(projectDir, "test", "extending", "examples");

/** How the program constructs the Platform (index.ts). */
const platformCall = 'new Platform("platform", { settings })';

/** The same, passing the overrides (the page shows it). */
const platformWithOverrides = 'new Platform("platform", { settings, overrides })';

/** Where the page puts an example in the project: `extensions/<name>.ts`, beside index.ts. */
export function extensionPath(example: string): string {
    return `extensions/${example}.ts`;
}

/**
 * An example file as the page has it in the project (extensions/): the same file, importing the
 * components from the project's root (`../components`) instead of from test/extending/examples/.
 */
export function extensionSource(example: string): string {
    const source = fs.readFileSync(path.join(examplesDir, `${example}.ts`), "utf8");
    const from = 'from "../../../components";';
    assert.equal(source.split(from).length, 2, `${example}.ts imports ${from} once`);
    return source.replace(from, 'from "../components";');
}

/**
 * A policy example as the page has it in its pack (`policypacks/<pack>/policies/`): the same
 * file, importing the pack library from there (`../../lib/`).
 */
export function policySource(example: string): string {
    const source = fs.readFileSync(path.join(examplesDir, `${example}.ts`), "utf8");
    const from = 'from "../../../policypacks/lib/';
    assert.ok(source.includes(from), `${example}.ts imports ${from}...`);
    return source.split(from).join('from "../../lib/');
}

/** What the page adds to index.ts to use an example's overrides: the import and the call. */
export function indexTsLines(example: string): string {
    return (
        `import { overrides } from "./${extensionPath(example).replace(/\.ts$/, "")}";\n` +
        "// ...\n" +
        `const platform = ${platformWithOverrides};\n`
    );
}

/**
 * The code blocks of one `## ` section of the page, with their language; a block indented under a
 * list item is returned without its indentation.
 */
export function codeBlocks(section: string): { lang: string; code: string }[] {
    const doc = fs.readFileSync(extendingDoc, "utf8");
    const at = doc.indexOf(`\n## ${section}\n`);
    assert.ok(at >= 0, `docs/extending.md has a section "${section}"`);
    const next = doc.indexOf("\n## ", at + 1);
    const text = doc.slice(at, next < 0 ? undefined : next);
    return [...text.matchAll(/^( *)```(\w*)\n([\s\S]*?)^\1```$/gm)].map((m) => ({
        lang: m[2],
        code: m[3]
            .split("\n")
            .map((line) => (line.startsWith(m[1]) ? line.slice(m[1].length) : line))
            .join("\n"),
    }));
}

/** The settings of a committed stack, as the program loads them. */
export function stackSettings(stack: string, values?: Record<string, string>): PlatformSettings {
    return loadSettings(values ?? readStackConfig(projectDir, stack).values).settings;
}

/** A platform built under the mocks and everything it registered, in registration order. */
export interface Built {
    readonly platform: Platform;
    readonly resources: readonly RecordedResource[];
}

/**
 * Builds the platform named `platform` (as index.ts does) under the recording mocks, which the
 * caller installed, and waits until every resource (every tenant batch) is registered.
 */
export async function buildPlatform(
    settings: PlatformSettings,
    overrides?: PlatformOverrides,
): Promise<Built> {
    const { Platform: PlatformClass } = await import("../../components");
    resetRecorded();
    const platform = new PlatformClass("platform", {
        settings,
        ...(overrides !== undefined ? { overrides } : {}),
    });
    await platform.tenantsRegistered;
    await settled();
    return { platform, resources: [...recorded] };
}

/** A resource's identity independent of the URN scheme: its type and name (unique together). */
export function keyOf(r: Pick<RecordedResource, "type" | "name">): string {
    return `${r.type} ${r.name}`;
}

/** Every leaf path where two JSON values differ, as `path: before -> after`. */
function valueDifferences(before: unknown, after: unknown, at: string): string[] {
    const isObject = (v: unknown): v is Record<string, unknown> =>
        typeof v === "object" && v !== null;
    if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
        return keys.flatMap((k) => valueDifferences(before[k], after[k], `${at}.${k}`));
    }
    return JSON.stringify(before) === JSON.stringify(after)
        ? []
        : [`${at}: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`];
}

/**
 * How `after` differs from `before`, resource by resource (matched by type and name, so a
 * component moved under a new parent is the same resource): `+ type name (parent type name)` for
 * an added resource, `- type name` for a removed one, and `~ type name <what>` for a changed
 * parent, dependency set, protect flag or input (one line per differing input leaf). Sorted; an
 * empty list means the two platforms are the same.
 */
export function differences(
    before: readonly RecordedResource[],
    after: readonly RecordedResource[],
): string[] {
    const index = (list: readonly RecordedResource[]) => {
        const byKey = new Map<string, RecordedResource>();
        const keyByUrn = new Map<string, string>();
        for (const r of list) {
            assert.ok(!byKey.has(keyOf(r)), `registered twice: ${keyOf(r)}`);
            byKey.set(keyOf(r), r);
            keyByUrn.set(r.urn, keyOf(r));
        }
        const key = (urn: string): string => keyByUrn.get(urn) ?? urn;
        return { byKey, key };
    };
    const b = index(before);
    const a = index(after);
    const lines: string[] = [];
    for (const [key, r] of a.byKey) {
        const old = b.byKey.get(key);
        if (old === undefined) {
            lines.push(`+ ${key} (parent ${a.key(r.parent)})`);
            continue;
        }
        if (b.key(old.parent) !== a.key(r.parent)) {
            lines.push(`~ ${key} parent: ${b.key(old.parent)} -> ${a.key(r.parent)}`);
        }
        const oldDeps = old.dependencies.map(b.key).sort();
        const newDeps = r.dependencies.map(a.key).sort();
        for (const d of oldDeps.filter((x) => !newDeps.includes(x))) {
            lines.push(`~ ${key} dependency - ${d}`);
        }
        for (const d of newDeps.filter((x) => !oldDeps.includes(x))) {
            lines.push(`~ ${key} dependency + ${d}`);
        }
        if (old.protect !== r.protect) {
            lines.push(`~ ${key} protect: ${old.protect} -> ${r.protect}`);
        }
        lines.push(...valueDifferences(old.inputs, r.inputs, "inputs").map((d) => `~ ${key} ${d}`));
    }
    for (const key of b.byKey.keys()) {
        if (!a.byKey.has(key)) {
            lines.push(`- ${key}`);
        }
    }
    return lines.sort();
}

/** The report the check writes (the fields the walkthroughs read). */
export interface CheckReport {
    readonly passed: boolean;
    readonly status: string;
    readonly summary: { mandatory: number; advisory: number; schemaErrors: number };
    readonly violations: readonly { policy: string; message: string }[];
    readonly resourcesByType: Readonly<Record<string, number>>;
    readonly disabledComponents?: readonly { component: string; reason: string }[];
}

/** One run of the offline check. */
export interface CheckRun {
    readonly status: number | null;
    readonly output: string;
    readonly report: CheckReport;
    readonly markdown: string;
    /** mirror.json: the charts and images to mirror (`imageSources` holds each upstream image). */
    readonly mirror: { readonly imageSources: readonly { readonly source: string }[] };
}

/**
 * A scratch copy of the project, as a clone has it (node_modules linked), in which index.ts can
 * pass overrides to the Platform as the page shows, and the offline check runs.
 */
export class ProjectCopy {
    readonly dir: string;
    private readonly index: string;

    constructor() {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "extending-overrides-"));
        const skip = new Set([".git", "out", "node_modules", ".cache"]);
        for (const entry of fs.readdirSync(projectDir)) {
            if (!skip.has(entry)) {
                fs.cpSync(path.join(projectDir, entry), path.join(this.dir, entry), {
                    recursive: true,
                });
            }
        }
        fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(this.dir, "node_modules"));
        this.index = fs.readFileSync(path.join(this.dir, "index.ts"), "utf8");
    }

    /**
     * Does what the page says to use an example's overrides: the file in extensions/, and
     * index.ts importing its `overrides` and passing them to the Platform. Without `example`,
     * index.ts as committed.
     */
    useOverrides(example?: string): void {
        let text = this.index;
        if (example !== undefined) {
            assert.equal(text.split(platformCall).length, 2, `index.ts has ${platformCall} once`);
            const [importLine] = indexTsLines(example).split("\n");
            text = `${importLine}\n${text.replace(platformCall, platformWithOverrides)}`;
            const file = path.join(this.dir, extensionPath(example));
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, extensionSource(example));
        }
        fs.writeFileSync(path.join(this.dir, "index.ts"), text);
    }

    /** Writes a file of the copy (a path relative to the project). */
    write(file: string, text: string): void {
        fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
        fs.writeFileSync(path.join(this.dir, file), text);
    }

    /** Reads a file of the copy. */
    read(file: string): string {
        return fs.readFileSync(path.join(this.dir, file), "utf8");
    }

    /** Puts a file of the copy back as the project has it (deletes it if the project has none). */
    restore(file: string): void {
        const original = path.join(projectDir, file);
        if (fs.existsSync(original)) {
            fs.copyFileSync(original, path.join(this.dir, file));
        } else {
            fs.rmSync(path.join(this.dir, file), { force: true });
        }
    }

    /** Runs a command in the copy as a user types it; its status and output. */
    run(command: string): { status: number | null; output: string } {
        const run = spawnSync("bash", ["--noprofile", "--norc", "-c", command], {
            cwd: this.dir,
            encoding: "utf8",
            timeout: 300_000,
            env: { ...process.env, npm_config_update_notifier: "false" },
        });
        return { status: run.status, output: `${run.stdout}${run.stderr}` };
    }

    /** Runs `npm run check` with `args` in the copy; the report is read from `out/<name>/`. */
    check(args: readonly string[], name: string): CheckRun {
        const out = path.join(this.dir, "out");
        fs.rmSync(path.join(out, name), { recursive: true, force: true });
        const run = spawnSync("npm", ["run", "-s", "check", "--", ...args, "--out", out], {
            cwd: this.dir,
            encoding: "utf8",
            timeout: 300_000,
            env: { ...process.env, npm_config_update_notifier: "false" },
        });
        const output = `${run.stdout}${run.stderr}`;
        const reportFile = path.join(out, name, "report.json");
        assert.ok(fs.existsSync(reportFile), `the check wrote no report: ${output}`);
        return {
            status: run.status,
            output,
            report: JSON.parse(fs.readFileSync(reportFile, "utf8")) as CheckReport,
            markdown: fs.readFileSync(path.join(out, name, "report.md"), "utf8"),
            mirror: JSON.parse(
                fs.readFileSync(path.join(out, name, "mirror.json"), "utf8"),
            ) as CheckRun["mirror"],
        };
    }
}

let shared: ProjectCopy | undefined;

/**
 * The one scratch copy of this test process (its first check transpiles the copy's files; the
 * later ones reuse that), deleted when the process exits.
 */
export function projectCopy(): ProjectCopy {
    if (shared === undefined) {
        const copy = new ProjectCopy();
        process.on("exit", () => fs.rmSync(copy.dir, { recursive: true, force: true }));
        shared = copy;
    }
    return shared;
}
