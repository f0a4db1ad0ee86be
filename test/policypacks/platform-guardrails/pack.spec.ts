/**
 * Registration and metadata of the platform-guardrails pack (and of the non-pod-security policies
 * of workload-security): every policy file is registered, and every policy follows the rules the
 * Pulumi CLI and this project's conventions impose.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Policies, Policy } from "@pulumi/policy";
import { policies as guardrails } from "../../../policypacks/platform-guardrails/policies";
import { policies as workloads } from "../../../policypacks/workload-security/policies";

const policiesDir = path.resolve(__dirname, "../../../policypacks/platform-guardrails/policies");
const workloadPolicyNames = [
    "images-allowed-registries",
    "images-no-latest-tag",
    "images-require-digest",
    "persistent-volumes-no-host-path",
    "workloads-no-pod-spec-patches",
    "resources-requests-limits",
    "probes-readiness-liveness",
    "service-account-token-opt-in",
];

function camel(kebab: string): string {
    return kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function checkPolicy(policy: Policy, file: string): void {
    assert.match(policy.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, "kebab-case name");
    assert.notEqual(policy.name, "all", "the CLI reserves the name all");
    assert.equal(policy.name, path.basename(file, ".ts"), "named like its file");
    assert.ok(policy.enforcementLevel !== undefined, "explicit enforcementLevel");
    assert.ok(policy.description.length > 0, "description");
    const properties = policy.configSchema?.properties ?? {};
    assert.ok(!("enforcementLevel" in properties), "no enforcementLevel in configSchema");
    for (const [key, schema] of Object.entries(properties)) {
        assert.ok(schema.default !== undefined, `config ${key} has a default`);
    }
    const source = fs.readFileSync(file, "utf8");
    assert.match(source, new RegExp(`export const ${camel(policy.name)}\\b`), "exported const");
    for (const tag of ["@severity", "@frameworks", "@topics", "@link"]) {
        assert.ok(source.includes(tag), `JSDoc ${tag}`);
    }
}

function byName(list: Policies, name: string): Policy {
    const found = list.find((p) => p.name === name);
    assert.ok(found, `${name} is registered`);
    return found;
}

describe("pack platform-guardrails", () => {
    const files = fs
        .readdirSync(policiesDir)
        .filter((f) => f.endsWith(".ts") && f !== "index.ts")
        .sort();

    it("registers every policy file exactly once, under unique names", () => {
        const names = guardrails.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        assert.deepEqual([...names].sort(), files.map((f) => path.basename(f, ".ts")).sort());
    });

    const mine = [
        "rbac-no-wildcards",
        "rbac-no-escalate-bind-impersonate",
        "rbac-no-anonymous-bindings",
        "rbac-restrict-cluster-admin",
        "rbac-aggregated-roles",
        "services-restrict-exposure",
        "services-no-external-ips",
        "namespaces-pod-security-enforce",
        "secrets-no-credentials-in-configmaps",
        "secrets-no-credentials-in-env",
        "secrets-from-pulumi-secrets",
        "charts-exact-version",
        "charts-allowed-sources",
        "charts-declared-sources",
        "charts-images-allowed-registries",
        "charts-no-helm-release",
        "network-default-deny",
        "network-no-allow-all",
        "pki-ca-keys-protected",
    ];
    for (const name of mine) {
        it(`${name} follows the policy conventions`, () => {
            checkPolicy(byName(guardrails, name), path.join(policiesDir, `${name}.ts`));
        });
    }
});

describe("pack workload-security (images, resources, probes, tokens)", () => {
    const dir = path.resolve(__dirname, "../../../policypacks/workload-security/policies");
    for (const name of workloadPolicyNames) {
        it(`${name} is registered and follows the policy conventions`, () => {
            checkPolicy(byName(workloads, name), path.join(dir, `${name}.ts`));
        });
    }

    it("registers them after the pod-security policies", () => {
        const names = workloads.map((p) => p.name);
        const lastPodSecurity = Math.max(
            ...names.map((n, i) => (n.startsWith("pod-security-") ? i : -1)),
        );
        for (const name of workloadPolicyNames) {
            assert.ok(names.indexOf(name) > lastPodSecurity, name);
        }
    });
});
