/**
 * The public API of components/index.ts (issue 23): every component class of every component
 * folder is exported from it with its arguments, and every component the Platform creates has an
 * override entry (PlatformOverrides, componentRules), so a new component cannot be added without
 * the supported ways to extend, wrap, replace or (when optional) disable it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { projectDir } from "./util";

const componentsDir = path.join(projectDir, "components");
/** Folders that hold no component of their own: shared helpers, and the platform itself. */
const notComponents = new Set(["shared", "platform"]);

/** Every ComponentResource class exported by a component folder's index.ts, by class name. */
async function componentClasses(): Promise<Map<string, { folder: string; value: unknown }>> {
    const found = new Map<string, { folder: string; value: unknown }>();
    const folders = fs
        .readdirSync(componentsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !notComponents.has(d.name))
        .map((d) => d.name)
        .sort();
    for (const folder of folders) {
        const module = (await import(path.join(componentsDir, folder, "index.ts"))) as Record<
            string,
            unknown
        >;
        for (const [name, value] of Object.entries(module)) {
            if (
                typeof value === "function" &&
                value.prototype instanceof pulumi.ComponentResource
            ) {
                found.set(name, { folder, value });
            }
        }
    }
    return found;
}

describe("components/index.ts: the public API", () => {
    it("exports every component class, the same class, with its Args type", async () => {
        const api = (await import("../../components")) as Record<string, unknown>;
        const source = fs.readFileSync(path.join(componentsDir, "index.ts"), "utf8");
        const classes = await componentClasses();
        assert.ok(classes.size >= 13, [...classes.keys()].join(", "));
        for (const [name, { folder, value }] of classes) {
            assert.equal(api[name], value, `components/index.ts exports ${name} (${folder}/)`);
            const own = fs.readFileSync(path.join(componentsDir, folder, "index.ts"), "utf8");
            assert.match(own, new RegExp(`export interface ${name}Args\\b`), `${folder}/index.ts`);
            assert.match(
                source,
                new RegExp(`export type \\{[^}]*\\b${name}Args\\b[^}]*\\} from "\\./${folder}"`),
                `components/index.ts exports the type ${name}Args`,
            );
        }
        assert.equal(typeof api.Platform, "function");
    });

    it("has an override entry for every component class, and none for anything else", async () => {
        const { overridableComponents } = await import("../../components");
        const lowerCamel = (name: string): string => name[0].toLowerCase() + name.slice(1);
        assert.deepEqual(
            [...overridableComponents].sort(),
            [...(await componentClasses()).keys()].map(lowerCamel).sort(),
        );
    });
});
