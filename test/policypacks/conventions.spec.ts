/**
 * The policy conventions of CONTRIBUTING.md and docs/extending.md, enforced on every policy file of
 * every pack (issue 17: they were checked only for a hand-kept list of policies, so a new policy
 * could skip them). Each file of `policypacks/<pack>/policies/` (but `index.ts`) is read and loaded,
 * and a failure names the file and every convention it misses:
 *
 * - one policy per file: the module exports exactly one policy, as `export const <camelName>`;
 * - the policy's `name` is the file name, kebab-case, and not `all` (the CLI reserves it);
 * - an explicit `enforcementLevel` (advisory, mandatory or remediate; the pack's default is not
 *   relied on);
 * - a `description` that is one sentence ending with a period (the CLI prints it with each
 *   violation);
 * - the policy reports its violations (`reportViolation`, or a helper it hands it to);
 * - no `enforcementLevel` in its `configSchema` (the CLI reserves the key), and a description for
 *   every config property (`stacks/policy-config/README.md` documents them from there);
 * - a JSDoc block right above the export with exactly one `@severity` (critical, high, medium or
 *   low), `@frameworks` and `@topics` (comma-separated lists) and `@link` (an https URL);
 * - registered exactly once in the pack's `policies/index.ts`.
 *
 * The exact wording of each message (object, field path, fix) is asserted by the policy's own spec.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Policies, Policy } from "@pulumi/policy";
import { policyPacks, projectDir } from "../util/stacks";

const levels = ["advisory", "mandatory", "remediate"];
const severities = ["critical", "high", "medium", "low"];
const kebab = /^[a-z0-9]+(-[a-z0-9]+)*$/;

function camel(name: string): string {
    return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Whether an exported value is a policy: a named object with a validation or remediation. */
function isPolicy(value: unknown): value is Policy {
    if (typeof value !== "object" || value === null) {
        return false;
    }
    const v = value as Record<string, unknown>;
    return (
        typeof v.name === "string" &&
        ["validateResource", "validateStack", "remediateResource"].some(
            (fn) => typeof v[fn] === "function",
        )
    );
}

/** The JSDoc block right above `export const <name>`, without its comment markers. */
function jsDocAbove(source: string, exported: string): string | undefined {
    const m = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export const ${exported}\\b`).exec(
        source,
    );
    return m?.[1]
        .split("\n")
        .map((line) => line.replace(/^\s*\*\s?/, ""))
        .join("\n");
}

/** The values of one JSDoc tag, one per occurrence. */
function tagValues(doc: string, tag: string): string[] {
    return [...doc.matchAll(new RegExp(`^@${tag}(?:[ \\t]+(.*))?$`, "gm"))].map((m) =>
        (m[1] ?? "").trim(),
    );
}

function listProblems(tag: string, values: string[], item: RegExp): string[] {
    if (values.length !== 1) {
        return [`JSDoc needs exactly one @${tag} (found ${values.length})`];
    }
    const items = values[0].split(",").map((s) => s.trim());
    const bad = items.filter((s) => !item.test(s));
    if (values[0] === "" || bad.length > 0) {
        return [`@${tag} must be a comma-separated list (bad: ${JSON.stringify(values[0])})`];
    }
    return [];
}

/** Every convention `file` (exporting `exports`) misses, each as one line. */
function problemsOf(file: string, source: string, exports: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const base = path.basename(file, ".ts");
    if (!kebab.test(base)) {
        problems.push(`file name "${base}.ts" is not kebab-case`);
    }
    const found = Object.entries(exports).filter(([, value]) => isPolicy(value));
    if (found.length !== 1) {
        return [
            ...problems,
            `exports ${found.length} policies (${found.map(([k]) => k).join(", ") || "none"}); ` +
                `one policy per file`,
        ];
    }
    const [exportName, value] = found[0];
    const policy = value as Policy;
    if (policy.name !== base) {
        problems.push(`policy name "${policy.name}" differs from the file name "${base}"`);
    }
    if (policy.name === "all") {
        problems.push(`the name "all" is reserved by the Pulumi CLI`);
    }
    if (exportName !== camel(base)) {
        problems.push(`exports the policy as ${exportName}; expected ${camel(base)}`);
    }
    if (!new RegExp(`^export const ${exportName}\\b`, "m").test(source)) {
        problems.push(`the policy is not declared as "export const ${exportName}"`);
    }
    if (policy.enforcementLevel === undefined) {
        problems.push(`no explicit enforcementLevel`);
    } else if (!levels.includes(policy.enforcementLevel)) {
        problems.push(
            `enforcementLevel "${policy.enforcementLevel}"; expected one of ${levels.join(", ")}`,
        );
    }
    if (!/^\S.*\.$/s.test(policy.description ?? "")) {
        problems.push(`description must be a sentence ending with a period`);
    }
    // A call of reportViolation, or reportViolation handed to a helper (not merely the parameter).
    if (!/\breportViolation\s*\(|[(,]\s*reportViolation\s*[,)](?!\s*=>)/.test(source)) {
        problems.push(
            `never reports a violation (no call of reportViolation, nor a helper given it)`,
        );
    }
    const properties = policy.configSchema?.properties ?? {};
    if ("enforcementLevel" in properties) {
        problems.push(`configSchema declares enforcementLevel, which the CLI reserves`);
    }
    for (const [key, schema] of Object.entries(properties)) {
        if (typeof schema.description !== "string" || schema.description === "") {
            problems.push(`config property ${key} has no description`);
        }
    }
    const doc = jsDocAbove(source, exportName);
    if (doc === undefined) {
        problems.push(`no JSDoc block right above "export const ${exportName}"`);
        return problems;
    }
    const severity = tagValues(doc, "severity");
    if (severity.length !== 1 || !severities.includes(severity[0])) {
        problems.push(
            `JSDoc needs exactly one @severity of ${severities.join(", ")} ` +
                `(found ${JSON.stringify(severity)})`,
        );
    }
    problems.push(
        ...listProblems("frameworks", tagValues(doc, "frameworks"), /^[a-z0-9][a-z0-9.()-]*$/),
    );
    problems.push(...listProblems("topics", tagValues(doc, "topics"), kebab));
    const link = tagValues(doc, "link");
    if (link.length !== 1 || !/^https:\/\/\S+$/.test(link[0])) {
        problems.push(
            `JSDoc needs exactly one @link with an https URL (found ${JSON.stringify(link)})`,
        );
    }
    return problems;
}

/** `policypacks/<pack>/policies/<file>`, relative to the project. */
function policyFiles(pack: string): string[] {
    const dir = path.join("policypacks", pack, "policies");
    return fs
        .readdirSync(path.join(projectDir, dir))
        .filter((f) => f.endsWith(".ts") && f !== "index.ts")
        .sort()
        .map((f) => path.join(dir, f));
}

async function load(file: string): Promise<Record<string, unknown>> {
    return (await import(path.join(projectDir, file))) as Record<string, unknown>;
}

describe("policy conventions", () => {
    const packs = policyPacks();

    it("finds the packs of policypacks/", () => {
        assert.ok(packs.length > 0, "no folder of policypacks/ has a PulumiPolicy.yaml");
    });

    for (const pack of packs) {
        describe(`pack ${pack}`, () => {
            it("is named like its folder in its index.ts and package.json", () => {
                const index = fs.readFileSync(
                    path.join(projectDir, "policypacks", pack, "index.ts"),
                    "utf8",
                );
                assert.match(index, new RegExp(`new PolicyPack\\("${pack}",`));
                const pkg = JSON.parse(
                    fs.readFileSync(
                        path.join(projectDir, "policypacks", pack, "package.json"),
                        "utf8",
                    ),
                ) as { name?: string };
                assert.equal(pkg.name, pack);
            });

            it("registers every policy file exactly once in policies/index.ts, and nothing else", async () => {
                const { policies } = (await load(
                    path.join("policypacks", pack, "policies", "index.ts"),
                )) as { policies: Policies };
                const registered: unknown[] = [...policies];
                const problems: string[] = [];
                for (const file of policyFiles(pack)) {
                    const own = Object.values(await load(file)).filter(isPolicy);
                    for (const policy of own) {
                        const times = registered.filter((p) => p === policy).length;
                        if (times !== 1) {
                            problems.push(`${file}: ${policy.name} is registered ${times} times`);
                        }
                    }
                }
                const fromFiles = new Set<unknown>();
                for (const file of policyFiles(pack)) {
                    Object.values(await load(file))
                        .filter(isPolicy)
                        .forEach((p) => fromFiles.add(p));
                }
                for (const policy of policies) {
                    if (!fromFiles.has(policy)) {
                        problems.push(
                            `policies/index.ts registers ${policy.name}, which no policy file of ` +
                                `policypacks/${pack}/policies/ exports`,
                        );
                    }
                }
                assert.deepEqual(problems, []);
            });

            for (const file of policyFiles(pack)) {
                it(`${path.basename(file)} follows the policy conventions`, async () => {
                    const source = fs.readFileSync(path.join(projectDir, file), "utf8");
                    const problems = problemsOf(file, source, await load(file));
                    assert.deepEqual(
                        problems.map((p) => `${file}: ${p}`),
                        [],
                        `${file} misses policy conventions (CONTRIBUTING.md, "Policies")`,
                    );
                });
            }
        });
    }
});

describe("policy conventions: the checks fail on a policy that misses them", () => {
    const file = "policypacks/example/policies/images-example.ts";
    const good = [
        "/**",
        " * An example.",
        " *",
        " * @severity high",
        " * @frameworks nist-800-53-cm-7, iso-27001-a.8.19",
        " * @topics images, supply-chain",
        " * @link https://kubernetes.io/docs/concepts/containers/images/",
        " */",
        "export const imagesExample: ResourceValidationPolicy = {",
        "    validateResource: (args, reportViolation) => reportViolation(`x`),",
        "};",
    ].join("\n");
    const policy = (over: Partial<Policy> = {}): Record<string, unknown> => ({
        imagesExample: {
            name: "images-example",
            description: "Images must be examples.",
            enforcementLevel: "mandatory",
            validateResource: () => undefined,
            ...over,
        },
    });

    it("accepts a policy that follows every convention", () => {
        assert.deepEqual(problemsOf(file, good, policy()), []);
    });

    it("names each missing convention", () => {
        const source = good
            .replace(" * @severity high\n", "")
            .replace(" * @link https://kubernetes.io/docs/concepts/containers/images/\n", "")
            .replace("reportViolation(`x`)", "undefined");
        assert.deepEqual(
            problemsOf(
                file,
                source,
                policy({
                    name: "images_example",
                    enforcementLevel: undefined,
                    description: "no period",
                    configSchema: {
                        properties: { enforcementLevel: { type: "string" } },
                    },
                }),
            ),
            [
                `policy name "images_example" differs from the file name "images-example"`,
                `no explicit enforcementLevel`,
                `description must be a sentence ending with a period`,
                `never reports a violation (no call of reportViolation, nor a helper given it)`,
                `configSchema declares enforcementLevel, which the CLI reserves`,
                `config property enforcementLevel has no description`,
                `JSDoc needs exactly one @severity of critical, high, medium, low (found [])`,
                `JSDoc needs exactly one @link with an https URL (found [])`,
            ],
        );
    });

    it("refuses two policies in one file, and a file name that is not kebab-case", () => {
        const two = {
            ...policy(),
            other: { ...(policy().imagesExample as object), name: "other" },
        };
        assert.deepEqual(problemsOf("policypacks/example/policies/ImagesExample.ts", good, two), [
            `file name "ImagesExample.ts" is not kebab-case`,
            `exports 2 policies (imagesExample, other); one policy per file`,
        ]);
    });

    it("refuses a policy without its JSDoc block", () => {
        const source = good.slice(good.indexOf("export const"));
        assert.deepEqual(problemsOf(file, source, policy()), [
            `no JSDoc block right above "export const imagesExample"`,
        ]);
    });
});
