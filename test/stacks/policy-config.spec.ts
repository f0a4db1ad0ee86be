/**
 * The per-stack policy-pack config (`stacks/policy-config/<stack>/<pack>.json`, the format of
 * `pulumi preview --policy-pack-config`) agrees with the stack's own settings: each file is what
 * `npm run policy-config` generates from `Pulumi.<stack>.yaml`, the packs enforce what the stack
 * file declares, and the files are valid config for the packs' policies. The pairs of
 * stacks/policy-config/README.md's table are checked here independently of the generator, on the
 * committed files of every stack and on what the generator derives for settings no committed
 * stack has (no mirrors, chart overrides, another Pod Security level, more exempt roles).
 */
import { requiredNamespaceLabels } from "../../contract/labels";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { Policies, PolicyConfigSchema } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { chartValueImages } from "../../policypacks/lib/chart-images";
import { isAllowedImage, parseImage } from "../../policypacks/lib/images";
import { policies as guardrailPolicies } from "../../policypacks/platform-guardrails/policies";
import { policies as workloadPolicies } from "../../policypacks/workload-security/policies";
import { loadSettings } from "../../stacks/load";
import { PlatformSettings } from "../../components/platform/settings";
import { standInFor } from "../../tools/check/standins";
import { installMocks, ofType, resetRecorded, settled } from "../util/mocks";
import { configWithDefaults } from "../util/policy-harness";
import { committedStacks, packConfigPath, policyPacks } from "../util/stacks";
import { packConfigOf } from "../../tools/policy-config/derive";
import {
    command,
    fileDifference,
    generateFiles,
    projectTargets,
    strayConfigs,
} from "../../tools/policy-config/generate";

const root = path.resolve(__dirname, "../..");
// Every stack file of the project: a new environment is held to the same guards as soon as its
// Pulumi.<stack>.yaml exists.
const stacks = committedStacks();
const packs: Readonly<Record<string, Policies>> = {
    "workload-security": workloadPolicies,
    "platform-guardrails": guardrailPolicies,
};
const levels = ["advisory", "mandatory", "remediate", "disabled"];

/**
 * Every image the platform's charts name in their values for a stack's settings: the platform built
 * under the recording mocks (random and tls answered by the check's stand-ins), each Chart's values
 * walked the way charts-images-allowed-registries walks them.
 */
async function chartImagesOf(settings: PlatformSettings): Promise<string[]> {
    installMocks();
    const monitor = pulumi.runtime.getMonitor() as unknown as { mocks: pulumi.runtime.Mocks };
    const echo = monitor.mocks.newResource.bind(monitor.mocks);
    monitor.mocks.newResource = (args) =>
        args.type.startsWith("random:") || args.type.startsWith("tls:")
            ? {
                  id: `${args.name}-id`,
                  state: standInFor(args.type, args.inputs as Record<string, unknown>).state,
              }
            : echo(args);
    const { Platform } = await import("../../components/platform");
    resetRecorded();
    new Platform("platform", { settings });
    await settled();
    return ofType("kubernetes:helm.sh/v4:Chart").flatMap((chart) =>
        chartValueImages(chart.inputs.values).map((found) => found.image),
    );
}

/** A pack config file: per policy, an enforcement level alone or an object of level and config. */
type PackConfig = Record<string, Record<string, unknown>>;

/** The stack file's config as the Pulumi CLI hands it to the program: objects as JSON, scalars as strings. */
function rawConfig(stack: string): Record<string, string> {
    const doc = YAML.parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as {
        config?: Record<string, unknown>;
    } | null;
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(doc?.config ?? {})) {
        raw[key] =
            typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    }
    return raw;
}

function settingsOf(stack: string): PlatformSettings {
    return loadSettings(rawConfig(stack)).settings;
}

/** What to do about a stack without its pack config (the folder is required, not optional). */
function missingConfig(stack: string, files: readonly string[]): string {
    return (
        `stack ${stack} has no ${files.join(", ")}: every stack needs one config file per pack. ` +
        `Generate them from Pulumi.${stack}.yaml with \`${command} -- --stack ${stack}\` ` +
        `(see stacks/policy-config/README.md)`
    );
}

/** A committed pack config file of a stack. */
function committedConfig(stack: string, pack: string): PackConfig {
    const file = path.join(root, packConfigPath(stack, pack));
    if (!fs.existsSync(file)) {
        throw new Error(missingConfig(stack, [packConfigPath(stack, pack)]));
    }
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    // `"policy": "advisory"` is shorthand for `"policy": { "enforcementLevel": "advisory" }`.
    return Object.fromEntries(
        Object.entries(doc).map(([name, entry]) => [
            name,
            typeof entry === "string"
                ? { enforcementLevel: entry }
                : (entry as Record<string, unknown>),
        ]),
    );
}

function schemaOf(pack: string, policy: string): PolicyConfigSchema | undefined {
    return packs[pack].find((p) => p.name === policy)?.configSchema;
}

const typeChecks: Readonly<Record<string, (v: unknown) => boolean>> = {
    array: Array.isArray,
    boolean: (v) => typeof v === "boolean",
    string: (v) => typeof v === "string",
};

describe("policy-pack config of every stack", () => {
    it("covers every pack of policypacks/", () => {
        assert.deepEqual(Object.keys(packs).sort(), policyPacks());
    });

    it("holds no folder without a stack file and no file that is no pack's", () => {
        // Nothing reads them, and a stack file added later under the same name would find them.
        assert.deepEqual(strayConfigs(root, stacks), []);
    });
});

/**
 * Registers the checks of stacks/policy-config/README.md's table for one set of settings and its
 * pack configs (`subject` names them in messages). `prod` holds every policy at its own level.
 */
function holdsToTheTable(
    subject: string,
    settings: PlatformSettings,
    packConfig: (pack: string) => PackConfig,
    prod: boolean,
): void {
    for (const pack of Object.keys(packs)) {
        it(`${pack}.json configures only policies of the pack, with valid values`, () => {
            for (const [name, entry] of Object.entries(packConfig(pack))) {
                const policy = packs[pack].find((p) => p.name === name);
                assert.ok(policy, `${subject}/${pack}.json: "${name}" is not a policy of ${pack}`);
                const { enforcementLevel, ...values } = entry;
                if (enforcementLevel !== undefined) {
                    assert.ok(levels.includes(enforcementLevel as string), `${name}: level`);
                }
                configWithDefaults(name, policy.configSchema, values);
                for (const [key, value] of Object.entries(values)) {
                    const type = policy.configSchema?.properties[key]?.type;
                    const check = typeof type === "string" ? typeChecks[type] : undefined;
                    assert.ok(check === undefined || check(value), `${name}.${key}: ${type}`);
                }
            }
        });
    }

    it("sets every pod-security policy to the stack's workloads.podSecurityLevel", () => {
        const config = packConfig("workload-security");
        const leveled = workloadPolicies.filter(
            (p) => schemaOf("workload-security", p.name)?.properties.level !== undefined,
        );
        assert.ok(leveled.length > 0);
        for (const policy of leveled) {
            assert.equal(
                config[policy.name]?.level,
                settings.workloads.podSecurityLevel,
                `${policy.name}.level`,
            );
        }
    });

    it("allows exactly the stack's workloads.allowedRegistries", () => {
        const config = packConfig("workload-security");
        assert.deepEqual(
            config["images-allowed-registries"]?.allowedRegistries,
            settings.workloads.allowedRegistries,
        );
    });

    it("admits in chart values exactly the registries the platform's charts use", async function () {
        this.timeout(60_000);
        const allowed = (packConfig("platform-guardrails")["charts-images-allowed-registries"]
            ?.allowedRegistries ?? []) as string[];
        const mirror = settings.images.mirror;
        if (mirror !== undefined) {
            assert.deepEqual(allowed, [`${mirror}/`], "the image mirror only");
        }
        const images = await chartImagesOf(settings);
        assert.ok(images.length >= 16, images.join("\n"));
        for (const image of images) {
            assert.ok(isAllowedImage(parseImage(image), allowed), `${image} is admitted`);
        }
        // No entry wider or staler than needed: each admits an image the charts use, and
        // names a repository path under its registry (never a whole registry host).
        for (const entry of allowed) {
            assert.match(entry, /^[^/]+\/[^/]+(\/[^/]+)*\/$/, `${entry} is a path prefix`);
            assert.ok(
                images.some((image) => isAllowedImage(parseImage(image), [entry])),
                `${entry} admits an image of the platform's charts`,
            );
        }
    });

    it("requires digests exactly when workloads.requireImageDigests says so", () => {
        const config = packConfig("workload-security");
        assert.equal(
            config["images-require-digest"]?.requireDigest,
            settings.workloads.requireImageDigests,
        );
    });

    it("allows privileged only for the system namespaces the settings declare privileged", () => {
        const config = packConfig("platform-guardrails");
        const privileged = settings.systemNamespaces
            .filter((ns) => ns.podSecurity === "privileged")
            .map((ns) => ns.name)
            .sort();
        const listed = [
            ...((config["namespaces-pod-security-enforce"]?.privilegedNamespaces as
                | string[]
                | undefined) ?? []),
        ].sort();
        assert.deepEqual(listed, privileged);
    });

    it("exempts from the pod-security-* policies exactly the namespaces of the exemption records", () => {
        // The one exemption model: a record that lowers a namespace's Pod Security level or lifts
        // Kyverno's pod-security rule there is the only way a namespace leaves the restricted
        // checks, at admission and at preview alike.
        const exempt = [
            ...new Set(
                settings.admissionExemptions
                    .filter(
                        (e) =>
                            e.podSecurity !== undefined ||
                            (e.policies as readonly string[]).includes("pod-security"),
                    )
                    .map((e) => e.namespace),
            ),
        ].sort();
        const config = packConfig("workload-security");
        const podSecurity = packs["workload-security"]
            .map((p) => p.name)
            .filter((n) => n.startsWith("pod-security-"));
        // Derived, not counted: the pod-security-* policies are exactly the policies that take
        // the exemption list, so a new one is checked here with no number to edit.
        assert.ok(podSecurity.length > 0);
        assert.deepEqual(
            podSecurity,
            packs["workload-security"]
                .filter((p) => p.configSchema?.properties.exemptNamespaces !== undefined)
                .map((p) => p.name),
        );
        for (const name of podSecurity) {
            assert.deepEqual(
                [...((config[name]?.exemptNamespaces as string[] | undefined) ?? [])].sort(),
                exempt,
                `${subject}/workload-security.json: ${name}.exemptNamespaces`,
            );
        }
    });

    it("requires at preview the namespace labels the namespace-labels constraint requires", () => {
        const config = packConfig("platform-guardrails");
        assert.deepEqual(
            config["namespaces-required-labels"]?.requiredLabels ?? [...requiredNamespaceLabels],
            settings.gatekeeper.requiredNamespaceLabels,
        );
        // The twin skips exactly the namespaces the constraint excludes for every rule.
        assert.deepEqual(
            config["namespaces-required-labels"]?.exemptNamespaces,
            settings.gatekeeper.exemptNamespaces,
        );
    });

    it("lets only the workloads of the exemption records mount a token without opting in", () => {
        const recorded = settings.admissionExemptions
            .filter((e) =>
                (e.policies as readonly string[]).includes("service-account-token-opt-in"),
            )
            .flatMap((e) => e.workloads.map((w) => `${e.namespace}/${w}`))
            .sort();
        const config = packConfig("workload-security");
        assert.deepEqual(
            [
                ...((config["service-account-token-opt-in"]?.exemptWorkloads as string[]) ?? []),
            ].sort(),
            recorded,
        );
    });

    it("allows RBAC wildcards at preview only to roles Gatekeeper's rbac-wildcards rule exempts", () => {
        const config = packConfig("platform-guardrails");
        const allowed = (config["rbac-no-wildcards"]?.allowedRoles as string[] | undefined) ?? [];
        const exempt = settings.gatekeeper.rbacWildcardExemptRoles;
        for (const role of allowed) {
            assert.ok(
                exempt.some((r) =>
                    r.endsWith("*") ? role.startsWith(r.slice(0, -1)) : r === role,
                ),
                `${subject}: rbac-no-wildcards.allowedRoles has ${role}, which gatekeeper.rbacWildcardExemptRoles does not exempt`,
            );
        }
    });

    it("declares key material external exactly when the settings bring every key", () => {
        // secrets-no-key-material-in-state guards a stack that brings its own CA, trust anchor
        // and encryption keys; a stack that does must say so, and one that does not cannot.
        const bringsEveryKey =
            (!settings.certManager.enabled || settings.certManager.externalCa !== undefined) &&
            (!settings.linkerd.enabled || settings.linkerd.externalTrustAnchor !== undefined) &&
            settings.encryptionAtRest.keys.every(
                (k) => k.provider === "kms" || k.provider === "identity",
            );
        const declared =
            packConfig("platform-guardrails")["secrets-no-key-material-in-state"]
                ?.externalKeyMaterial ?? false;
        assert.equal(
            declared,
            bringsEveryKey,
            `${subject}/platform-guardrails.json: secrets-no-key-material-in-state.externalKeyMaterial`,
        );
    });

    it("admits the stack's chart mirror, chart overrides and (only if used) local charts", () => {
        const entry = packConfig("platform-guardrails")["charts-allowed-sources"] ?? {};
        const sources = (entry.allowedSources as string[] | undefined) ?? [];
        const normalise = (url: string): string => url.replace(/\/+$/, "");
        const expected = [
            ...(settings.charts.mirror !== undefined ? [settings.charts.mirror.url] : []),
            ...Object.values(settings.charts.overrides).flatMap((o) =>
                o.repository !== undefined ? [o.repository] : [],
            ),
        ];
        for (const url of expected) {
            assert.ok(sources.map(normalise).includes(normalise(url)), `${url} is allowed`);
        }
        const local = Object.values(settings.charts.overrides).some(
            (o) => o.localPath !== undefined,
        );
        assert.equal(entry.allowLocalCharts === true, local, "allowLocalCharts");
    });

    it(
        prod
            ? "lowers no policy's enforcement level (prod is mandatory)"
            : "disables no policy (dev may only relax a few to advisory)",
        () => {
            for (const pack of Object.keys(packs)) {
                for (const [name, entry] of Object.entries(packConfig(pack))) {
                    const level = entry.enforcementLevel;
                    if (level === undefined) {
                        continue;
                    }
                    const own = packs[pack].find((p) => p.name === name)?.enforcementLevel;
                    const allowed = prod ? [own, "mandatory"] : [own, "mandatory", "advisory"];
                    assert.ok(
                        allowed.includes(level as string),
                        `${pack}/${name}: ${String(level)}`,
                    );
                }
            }
        },
    );
}

for (const stack of stacks) {
    describe(`policy-pack config of stack ${stack}`, () => {
        const settings = settingsOf(stack);

        it(`has stacks/policy-config/${stack}/<pack>.json for every pack`, () => {
            const missing = policyPacks()
                .map((pack) => packConfigPath(stack, pack))
                .filter((file) => !fs.existsSync(path.join(root, file)));
            assert.deepEqual(missing, [], missingConfig(stack, missing));
        });

        it(`is what \`${command}\` generates from Pulumi.${stack}.yaml`, async () => {
            // The one source of the values is the stack file: a hand edit of a file, or a stack
            // file changed without regenerating, fails here naming the file and the policy.
            const generated = await generateFiles(root, projectTargets(root, [stack]));
            const differences = generated.flatMap((file) => fileDifference(file) ?? []);
            assert.deepEqual(
                differences,
                [],
                `run \`${command} -- --stack ${stack}\`:\n${differences.join("\n")}`,
            );
        });

        holdsToTheTable(stack, settings, (pack) => committedConfig(stack, pack), stack === "prod");
    });
}

/**
 * A committed stack's settings with whole sections replaced (`undefined` removes one): settings
 * no committed stack has, for what the generator derives from them.
 */
function variantOf(stack: string, sections: Record<string, unknown>): PlatformSettings {
    const raw = rawConfig(stack);
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

const variants: readonly { readonly name: string; readonly settings: () => PlatformSettings }[] = [
    {
        // Every chart and image from upstream: the allow lists name the upstream sources.
        name: "dev without mirrors",
        settings: () => variantOf("dev", { images: undefined, charts: undefined }),
    },
    {
        name: "airgap with chart overrides, baseline Pod Security and more exempt roles",
        settings: () => {
            const base = settingsOf("airgap");
            return variantOf("airgap", {
                charts: {
                    mirror: { url: "oci://harbor.sovereign.example/charts/" },
                    overrides: {
                        kyverno: { repository: "https://charts.example.eu/kyverno/" },
                        falco: { localPath: "vendor/falco-9.1.0.tgz" },
                    },
                },
                workloads: { ...base.workloads, podSecurityLevel: "baseline" },
                gatekeeper: {
                    ...base.gatekeeper,
                    rbacWildcardExemptRoles: [
                        ...base.gatekeeper.rbacWildcardExemptRoles,
                        "view",
                        "site-operator",
                    ],
                },
            });
        },
    },
];

for (const variant of variants) {
    describe(`policy-pack config generated for ${variant.name}`, () => {
        const settings = variant.settings();
        holdsToTheTable(variant.name, settings, (pack) => packConfigOf(pack, settings), false);
    });
}
