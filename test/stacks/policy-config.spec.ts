/**
 * The per-stack policy-pack config (`stacks/policy-config/<stack>/<pack>.json`, the format of
 * `pulumi preview --policy-pack-config`) agrees with the stack's own settings: the packs enforce
 * what `Pulumi.<stack>.yaml` declares, and the files are valid config for the packs' policies.
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
import { PlatformSettings } from "../../stacks/schema";
import { standInFor } from "../../tools/check/standins";
import { installMocks, ofType, resetRecorded, settled } from "../util/mocks";
import { configWithDefaults } from "../util/policy-harness";
import { committedStacks, packConfigPath, policyPacks } from "../util/stacks";

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
        `Create stacks/policy-config/${stack}/ from a copy of stacks/policy-config/prod/ and align ` +
        `it with Pulumi.${stack}.yaml (see stacks/policy-config/README.md)`
    );
}

function packConfig(stack: string, pack: string): PackConfig {
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
});

for (const stack of stacks) {
    describe(`policy-pack config of stack ${stack}`, () => {
        const settings = settingsOf(stack);

        it(`has stacks/policy-config/${stack}/<pack>.json for every pack`, () => {
            const missing = policyPacks()
                .map((pack) => packConfigPath(stack, pack))
                .filter((file) => !fs.existsSync(path.join(root, file)));
            assert.deepEqual(missing, [], missingConfig(stack, missing));
        });

        for (const pack of Object.keys(packs)) {
            it(`${pack}.json configures only policies of the pack, with valid values`, () => {
                for (const [name, entry] of Object.entries(packConfig(stack, pack))) {
                    const policy = packs[pack].find((p) => p.name === name);
                    assert.ok(
                        policy,
                        `${stack}/${pack}.json: "${name}" is not a policy of ${pack}`,
                    );
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
            const config = packConfig(stack, "workload-security");
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
            const config = packConfig(stack, "workload-security");
            assert.deepEqual(
                config["images-allowed-registries"]?.allowedRegistries,
                settings.workloads.allowedRegistries,
            );
        });

        it("admits in chart values exactly the registries the platform's charts use", async function () {
            this.timeout(60_000);
            const allowed = (packConfig(stack, "platform-guardrails")[
                "charts-images-allowed-registries"
            ]?.allowedRegistries ?? []) as string[];
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
            const config = packConfig(stack, "workload-security");
            assert.equal(
                config["images-require-digest"]?.requireDigest,
                settings.workloads.requireImageDigests,
            );
        });

        it("allows privileged only for the system namespaces the settings declare privileged", () => {
            const config = packConfig(stack, "platform-guardrails");
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
            const config = packConfig(stack, "workload-security");
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
                    `${stack}/workload-security.json: ${name}.exemptNamespaces`,
                );
            }
        });

        it("requires at preview the namespace labels the namespace-labels constraint requires", () => {
            const config = packConfig(stack, "platform-guardrails");
            assert.deepEqual(
                config["namespaces-required-labels"]?.requiredLabels ?? [
                    ...requiredNamespaceLabels,
                ],
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
            const config = packConfig(stack, "workload-security");
            assert.deepEqual(
                [
                    ...((config["service-account-token-opt-in"]?.exemptWorkloads as string[]) ??
                        []),
                ].sort(),
                recorded,
            );
        });

        it("allows RBAC wildcards at preview only to roles Gatekeeper's rbac-wildcards rule exempts", () => {
            const config = packConfig(stack, "platform-guardrails");
            const allowed =
                (config["rbac-no-wildcards"]?.allowedRoles as string[] | undefined) ?? [];
            const exempt = settings.gatekeeper.rbacWildcardExemptRoles;
            for (const role of allowed) {
                assert.ok(
                    exempt.some((r) =>
                        r.endsWith("*") ? role.startsWith(r.slice(0, -1)) : r === role,
                    ),
                    `${stack}: rbac-no-wildcards.allowedRoles has ${role}, which gatekeeper.rbacWildcardExemptRoles does not exempt`,
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
                packConfig(stack, "platform-guardrails")["secrets-no-key-material-in-state"]
                    ?.externalKeyMaterial ?? false;
            assert.equal(
                declared,
                bringsEveryKey,
                `${stack}/platform-guardrails.json: secrets-no-key-material-in-state.externalKeyMaterial`,
            );
        });

        it("admits the stack's chart mirror, chart overrides and (only if used) local charts", () => {
            const entry = packConfig(stack, "platform-guardrails")["charts-allowed-sources"] ?? {};
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
            stack === "prod"
                ? "lowers no policy's enforcement level (prod is mandatory)"
                : "disables no policy (dev may only relax a few to advisory)",
            () => {
                for (const pack of Object.keys(packs)) {
                    for (const [name, entry] of Object.entries(packConfig(stack, pack))) {
                        const level = entry.enforcementLevel;
                        if (level === undefined) {
                            continue;
                        }
                        const own = packs[pack].find((p) => p.name === name)?.enforcementLevel;
                        const allowed =
                            stack === "prod" ? [own, "mandatory"] : [own, "mandatory", "advisory"];
                        assert.ok(
                            allowed.includes(level as string),
                            `${pack}/${name}: ${String(level)}`,
                        );
                    }
                }
            },
        );
    });
}
