/**
 * `npm run policy-config` (tools/policy-config/): every pack's config derived from the stack file,
 * a decision recorded for every configurable policy, exact values for settings no committed stack
 * has, and `--check` failing on a hand edit, a missing file or a stale folder, naming each file and
 * policy. That the committed files are current and agree with the README's table is
 * test/stacks/policy-config.spec.ts.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadSettings, PlatformSettings } from "../../stacks";
import { readStackConfig } from "../../tools/check/stack-config";
import {
    derivedPacks,
    derivedPolicies,
    leftAtPackDefault,
    packConfigOf,
    packPolicies,
} from "../../tools/policy-config/derive";
import { exitCodes, parseArgs, run } from "../../tools/policy-config/generate";
import { committedStacks, policyPacks, projectDir } from "../util/stacks";

/** A stack's settings with whole sections replaced (`undefined` removes one). */
function settingsLike(stack: string, sections: Record<string, unknown>): PlatformSettings {
    const raw = { ...readStackConfig(projectDir, stack).values };
    for (const [section, value] of Object.entries(sections)) {
        const key = `sovereign-contour:${section}`;
        if (value === undefined) {
            delete raw[key];
        } else {
            raw[key] = JSON.stringify(value);
        }
    }
    return loadSettings(raw).settings;
}

/**
 * A scratch project holding what the generator reads: the stack files, the packs' folders (their
 * PulumiPolicy.yaml), the committed configs and the Prettier settings.
 */
function scratchProject(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
    for (const file of fs.readdirSync(projectDir)) {
        if (/^Pulumi\..*\.yaml$/.test(file) || file === ".prettierrc.json") {
            fs.copyFileSync(path.join(projectDir, file), path.join(dir, file));
        }
    }
    for (const pack of policyPacks()) {
        fs.mkdirSync(path.join(dir, "policypacks", pack), { recursive: true });
        fs.copyFileSync(
            path.join(projectDir, "policypacks", pack, "PulumiPolicy.yaml"),
            path.join(dir, "policypacks", pack, "PulumiPolicy.yaml"),
        );
    }
    fs.cpSync(
        path.join(projectDir, "stacks", "policy-config"),
        path.join(dir, "stacks", "policy-config"),
        { recursive: true },
    );
    return dir;
}

/** One in-process run of the command: its exit code and what it printed. */
async function generate(
    dir: string,
    args: { check?: boolean; stacks?: string[] } = {},
): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(
        { projectDir: dir, stacks: args.stacks ?? [], check: args.check ?? false },
        (line) => out.push(line),
        (line) => err.push(line),
    );
    return { code, out: out.join("\n"), err: err.join("\n") };
}

function read(dir: string, file: string): string {
    return fs.readFileSync(path.join(dir, file), "utf8");
}

/** How many pack configs the project's stacks have. */
function allFiles(): number {
    return committedStacks().length * policyPacks().length;
}

const intro =
    "policy-pack config is not what the stack files give (run `npm run policy-config` to " +
    "regenerate it; the values come from Pulumi.<stack>.yaml, see stacks/policy-config/README.md):";

describe("policy-config generator: a decision for every configurable policy", () => {
    it("derives a config for every pack of policypacks/", () => {
        assert.deepEqual(derivedPacks(), policyPacks());
        assert.deepEqual(Object.keys(packPolicies).sort(), policyPacks());
        assert.deepEqual(Object.keys(leftAtPackDefault).sort(), policyPacks());
    });

    for (const pack of policyPacks()) {
        it(`${pack}: each policy with config is derived or left at the pack's default, not both`, () => {
            const names = packPolicies[pack].map((p) => p.name);
            const derived = derivedPolicies(pack);
            const left = Object.keys(leftAtPackDefault[pack]);
            for (const name of [...derived, ...left]) {
                assert.ok(names.includes(name), `${name} is a policy of ${pack}`);
            }
            assert.deepEqual(
                derived.filter((name) => left.includes(name)),
                [],
                "derived and left at the default",
            );
            const configurable = packPolicies[pack]
                .filter((p) => Object.keys(p.configSchema?.properties ?? {}).length > 0)
                .map((p) => p.name);
            assert.deepEqual(
                configurable.filter((name) => !derived.includes(name) && !left.includes(name)),
                [],
                `configurable policies of ${pack} with no decision in tools/policy-config/derive.ts`,
            );
        });
    }
});

describe("policy-config generator: values for settings no committed stack has", () => {
    it("without mirrors: every installed chart's upstream repository and image path", () => {
        const config = packConfigOf(
            "platform-guardrails",
            settingsLike("dev", { images: undefined, charts: undefined }),
        );
        assert.deepEqual(config["charts-allowed-sources"], {
            allowedSources: [
                "https://open-policy-agent.github.io/gatekeeper/charts",
                "https://kyverno.github.io/kyverno",
                "https://falcosecurity.github.io/charts",
                "https://charts.jetstack.io",
                "https://helm.linkerd.io/edge",
            ],
            allowLocalCharts: false,
        });
        assert.deepEqual(config["charts-images-allowed-registries"], {
            allowedRegistries: [
                "cr.l5d.io/linkerd/",
                "docker.io/falcosecurity/",
                "docker.io/openpolicyagent/",
                "ghcr.io/kyverno/",
                "quay.io/jetstack/",
                "reg.kyverno.io/kyverno/",
            ],
        });
    });

    it("a component switched off takes its chart sources and image paths with it", () => {
        const config = packConfigOf(
            "platform-guardrails",
            settingsLike("dev", {
                images: undefined,
                falco: { enabled: false },
                linkerd: { enabled: false },
            }),
        );
        assert.deepEqual(config["charts-allowed-sources"]?.allowedSources, [
            "https://open-policy-agent.github.io/gatekeeper/charts",
            "https://kyverno.github.io/kyverno",
            "https://charts.jetstack.io",
        ]);
        assert.deepEqual(config["charts-images-allowed-registries"]?.allowedRegistries, [
            "docker.io/openpolicyagent/",
            "ghcr.io/kyverno/",
            "quay.io/jetstack/",
            "reg.kyverno.io/kyverno/",
        ]);
    });

    it("chart overrides, a local chart, another level and more exempt roles", () => {
        const airgap = settingsLike("airgap", {});
        const settings = settingsLike("airgap", {
            charts: {
                mirror: { url: "oci://harbor.sovereign.example/charts/" },
                overrides: {
                    kyverno: { repository: "https://charts.example.eu/kyverno/" },
                    falco: { localPath: "vendor/falco-9.1.0.tgz" },
                },
            },
            workloads: { ...airgap.workloads, podSecurityLevel: "baseline" },
            gatekeeper: {
                ...airgap.gatekeeper,
                rbacWildcardExemptRoles: ["cluster-admin", "system:*", "view", "site-operator"],
            },
        });
        const guardrails = packConfigOf("platform-guardrails", settings);
        assert.deepEqual(guardrails["charts-allowed-sources"], {
            allowedSources: [
                "oci://harbor.sovereign.example/charts",
                "https://charts.example.eu/kyverno",
            ],
            allowLocalCharts: true,
        });
        // Built-in roles and prefixes have no counterpart at preview.
        assert.deepEqual(guardrails["rbac-no-wildcards"], { allowedRoles: ["site-operator"] });
        const workloads = packConfigOf("workload-security", settings);
        assert.deepEqual(workloads["pod-security-privileged"], {
            level: "baseline",
            exemptNamespaces: ["falco", "linkerd-cni"],
        });
        assert.deepEqual(workloads["pod-security-seccomp"], workloads["pod-security-privileged"]);
    });

    it("key material declared external only for a stack that brings every key", () => {
        const sovereign = settingsLike("sovereign", {});
        assert.deepEqual(
            packConfigOf("platform-guardrails", sovereign)["secrets-no-key-material-in-state"],
            { externalKeyMaterial: true },
        );
        // One generated key (a secretbox key) and the stack no longer brings every key.
        const withSecretbox = settingsLike("sovereign", {
            encryptionAtRest: {
                keys: [
                    ...sovereign.encryptionAtRest.keys,
                    { name: "key-2", provider: "secretbox", state: "staged" },
                ],
            },
        });
        assert.equal(
            packConfigOf("platform-guardrails", withSecretbox)["secrets-no-key-material-in-state"],
            undefined,
        );
    });

    it("refuses a pack it has no derivation for, naming the file to extend", () => {
        assert.throws(
            () => packConfigOf("cost-controls", settingsLike("dev", {})),
            new Error(
                "policypacks/cost-controls: no derivation of its config from the stack settings; " +
                    "add the pack to derivations() in tools/policy-config/derive.ts (known: " +
                    "platform-guardrails, workload-security)",
            ),
        );
    });
});

describe("policy-config generator: --check and writing, on a scratch copy", function () {
    this.timeout(120_000);
    let dir = "";

    beforeEach(() => {
        dir = scratchProject();
    });

    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("finds the committed configs current, and rewrites none of them", async () => {
        const before = read(dir, "stacks/policy-config/dev/workload-security.json");
        const check = await generate(dir, { check: true });
        assert.deepEqual(check, {
            code: exitCodes.ok,
            out: `${allFiles()} pack configs of ${committedStacks().join(", ")}: current`,
            err: "",
        });
        const write = await generate(dir);
        assert.equal(write.code, exitCodes.ok);
        assert.equal(
            write.out,
            `${allFiles()} pack configs of ${committedStacks().join(", ")}: 0 written, ${allFiles()} unchanged`,
        );
        assert.equal(read(dir, "stacks/policy-config/dev/workload-security.json"), before);
    });

    it("fails on a hand-edited value naming the file and the policy; writing restores it", async () => {
        const file = "stacks/policy-config/dev/workload-security.json";
        const committed = read(dir, file);
        const edited = committed.replace('"requireDigest": false', '"requireDigest": true');
        assert.notEqual(edited, committed);
        fs.writeFileSync(path.join(dir, file), edited);

        const check = await generate(dir, { check: true });
        assert.equal(check.code, exitCodes.differs);
        assert.equal(
            check.err,
            `${intro}\n  ${file}: images-require-digest: {"requireDigest":true} here, ` +
                `{"requireDigest":false} from Pulumi.dev.yaml`,
        );
        assert.equal(read(dir, file), edited, "--check writes nothing");

        const write = await generate(dir);
        assert.equal(write.code, exitCodes.ok);
        assert.match(write.out, new RegExp(`^wrote ${file}\n`));
        assert.equal(read(dir, file), committed);
        assert.equal((await generate(dir, { check: true })).code, exitCodes.ok);
    });

    it("fails on an entry added or removed by hand, and on order or formatting", async () => {
        const file = "stacks/policy-config/prod/platform-guardrails.json";
        const doc = JSON.parse(read(dir, file)) as Record<string, unknown>;
        delete doc["charts-no-helm-release"];
        doc["network-no-allow-all"] = { allowedPolicies: ["tenant-a/allow-all"] };
        fs.writeFileSync(path.join(dir, file), JSON.stringify(doc));
        const check = await generate(dir, { check: true });
        assert.equal(check.code, exitCodes.differs);
        assert.equal(
            check.err,
            `${intro}\n` +
                `  ${file}: charts-no-helm-release: absent here, {"allowedReleases":[]} from Pulumi.prod.yaml\n` +
                `  ${file}: network-no-allow-all: {"allowedPolicies":["tenant-a/allow-all"]} here, absent from Pulumi.prod.yaml`,
        );

        const reordered = JSON.parse(
            read(projectDir, "stacks/policy-config/prod/platform-guardrails.json"),
        ) as Record<string, unknown>;
        const entries = Object.entries(reordered).reverse();
        fs.writeFileSync(
            path.join(dir, file),
            JSON.stringify(Object.fromEntries(entries), null, 4) + "\n",
        );
        assert.deepEqual(await generate(dir, { check: true, stacks: ["prod"] }), {
            code: exitCodes.differs,
            out: "",
            err:
                "policy-pack config is not what the stack files give (run `npm run " +
                "policy-config -- --stack prod` to regenerate it; the values come from " +
                "Pulumi.<stack>.yaml, see stacks/policy-config/README.md):\n" +
                `  ${file}: same entries, but not in the generated order or formatting`,
        });
    });

    it("a new stack file: --check names its missing files, --stack generates them", async () => {
        fs.copyFileSync(path.join(dir, "Pulumi.prod.yaml"), path.join(dir, "Pulumi.staging.yaml"));
        const check = await generate(dir, { check: true });
        assert.equal(check.code, exitCodes.differs);
        assert.equal(
            check.err,
            `${intro}\n` +
                policyPacks()
                    .map((pack) => `  stacks/policy-config/staging/${pack}.json: missing`)
                    .join("\n"),
        );
        const write = await generate(dir, { stacks: ["staging"] });
        assert.equal(write.code, exitCodes.ok);
        assert.equal(
            write.out,
            [
                ...policyPacks().map((pack) => `wrote stacks/policy-config/staging/${pack}.json`),
                "2 pack configs of staging: 2 written, 0 unchanged",
            ].join("\n"),
        );
        // The same settings as prod: the same files, byte for byte.
        for (const pack of policyPacks()) {
            assert.equal(
                read(dir, `stacks/policy-config/staging/${pack}.json`),
                read(dir, `stacks/policy-config/prod/${pack}.json`),
            );
        }
        assert.equal((await generate(dir, { check: true })).code, exitCodes.ok);
    });

    it("--check names a folder with no stack file and a file that is no pack's", async () => {
        fs.mkdirSync(path.join(dir, "stacks", "policy-config", "old"));
        fs.writeFileSync(path.join(dir, "stacks", "policy-config", "old", "x.json"), "{}\n");
        fs.writeFileSync(path.join(dir, "stacks", "policy-config", "dev", "legacy.json"), "{}\n");
        const check = await generate(dir, { check: true });
        assert.equal(check.code, exitCodes.differs);
        assert.equal(
            check.err,
            `${intro}\n` +
                "  stacks/policy-config/dev/legacy.json: no pack policypacks/legacy\n" +
                "  stacks/policy-config/old/: no stack file Pulumi.old.yaml; delete the folder",
        );
    });

    it("invalid settings: refused naming the stack file and the key, nothing written", async () => {
        fs.writeFileSync(
            path.join(dir, "Pulumi.bad.yaml"),
            "config:\n  sovereign-contour:workloads:\n    podSecurityLevel: strict\n",
        );
        await assert.rejects(
            generate(dir),
            (e: Error) =>
                e.name === "UsageError" &&
                e.message.startsWith("Pulumi.bad.yaml: invalid stack settings (1 problem):\n") &&
                e.message.includes("  - sovereign-contour:workloads.podSecurityLevel: "),
        );
        assert.equal(fs.existsSync(path.join(dir, "stacks", "policy-config", "bad")), false);
    });

    it("a stack file kept elsewhere: --stack-file, into --out, checked the same way", async () => {
        const site = path.join(dir, "site");
        fs.mkdirSync(site);
        const stackFile = path.join(site, "Pulumi.edge.yaml");
        fs.copyFileSync(path.join(dir, "Pulumi.prod.yaml"), stackFile);
        const outDir = path.join(site, "policy-config");
        const opts = { projectDir: dir, stacks: [], stackFile, outDir };
        const lines: string[] = [];
        const write = await run({ ...opts, check: false }, (l) => lines.push(l), assert.fail);
        assert.equal(write, exitCodes.ok);
        assert.deepEqual(lines, [
            ...policyPacks().map((pack) => `wrote site/policy-config/${pack}.json`),
            "2 pack configs of edge: 2 written, 0 unchanged",
        ]);
        for (const pack of policyPacks()) {
            assert.equal(
                read(site, `policy-config/${pack}.json`),
                read(dir, `stacks/policy-config/prod/${pack}.json`),
            );
        }
        const file = path.join(outDir, "platform-guardrails.json");
        fs.writeFileSync(
            file,
            read(outDir, "platform-guardrails.json").replace(
                '"allowedRoles": ["gatekeeper-manager-role"]',
                '"allowedRoles": ["gatekeeper-manager-role", "kyverno:admin"]',
            ),
        );
        const errors: string[] = [];
        const check = await run({ ...opts, check: true }, assert.fail, (l) => errors.push(l));
        assert.equal(check, exitCodes.differs);
        assert.deepEqual(errors, [
            "policy-pack config is not what the stack files give (run `npm run policy-config -- " +
                `--stack-file ${stackFile} --out ${outDir}\` to regenerate it; the values come ` +
                "from Pulumi.<stack>.yaml, see stacks/policy-config/README.md):",
            "  site/policy-config/platform-guardrails.json: rbac-no-wildcards: " +
                '{"allowedRoles":["gatekeeper-manager-role","kyverno:admin"]} here, ' +
                '{"allowedRoles":["gatekeeper-manager-role"]} from site/Pulumi.edge.yaml',
        ]);
        assert.equal(fs.existsSync(path.join(dir, "stacks", "policy-config", "edge")), false);
    });

    it("refuses flags that do not go together, naming them", () => {
        const refused = (argv: string[]): string => {
            try {
                parseArgs(argv, dir);
            } catch (e) {
                assert.equal((e as Error).name, "UsageError");
                return (e as Error).message;
            }
            return assert.fail("not refused");
        };
        assert.equal(
            refused(["--stack", "dev", "--stack-file", "x/Pulumi.y.yaml"]),
            "--stack and --stack-file: use one or the other",
        );
        assert.equal(
            refused(["--stack", "dev", "--stack", "prod", "--out", "x"]),
            "--out: give exactly one --stack or a --stack-file",
        );
        assert.equal(refused(["--out", "x"]), "--out: give exactly one --stack or a --stack-file");
        assert.equal(refused(["--stack"]), "--stack: a value is required");
        assert.equal(refused(["--stack", "--check"]), "--stack: a value is required");
    });

    it("an unknown --stack: refused naming the known stacks", async () => {
        await assert.rejects(
            generate(dir, { stacks: ["nope"] }),
            (e: Error) =>
                e.name === "UsageError" &&
                e.message ===
                    `--stack: no stack file Pulumi.nope.yaml for stack "nope"; known stacks: ` +
                        committedStacks().join(", "),
        );
    });
});

describe("policy-config generator: the command as npm runs it", function () {
    this.timeout(120_000);

    function npmRun(args: string[]): { status: number | null; stdout: string; stderr: string } {
        const run = spawnSync("npm", ["run", "--silent", "policy-config", "--", ...args], {
            cwd: projectDir,
            encoding: "utf8",
            env: { ...process.env, npm_config_update_notifier: "false" },
        });
        return { status: run.status, stdout: run.stdout, stderr: run.stderr };
    }

    it("--check on the project: exit 0, every stack current", () => {
        const run = npmRun(["--check"]);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(
            run.stdout,
            `${allFiles()} pack configs of ${committedStacks().join(", ")}: current\n`,
        );
    });

    it("an unknown flag: exit 2 with the usage, no stack trace", () => {
        const run = npmRun(["--chek"]);
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^unknown argument "--chek"\nUsage: npm run policy-config /);
        assert.doesNotMatch(run.stderr, /\n\s+at /);
    });
});
