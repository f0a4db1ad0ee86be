/**
 * The evasion corpus (test/fixtures/evasions/manifests/) through the real pipeline: `npm run check
 * -- --manifests`, both packs served over the analyzer protocol. Each file under `refused/` hides a
 * defect where the packs did not look before (image volumes, host paths behind a claim, credentials
 * outside env values, aggregated and non-resource RBAC rules, allow-all NetworkPolicies) and must be
 * refused by exactly the policies listed here, with the messages of the golden file; each file under
 * `admitted/` writes a documented configuration syntax that holds no such defect and must pass
 * every policy (a false refusal is a defect too).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { runCheckProcess } from "../util/check-process";
import { assertGoldenJson } from "../util/golden";

const corpus = path.join("test", "fixtures", "evasions");
const manifests = path.join(corpus, "manifests");

/** The policies that refuse each file of `refused/`, in report order. */
const refusedBy: Readonly<Record<string, readonly string[]>> = {
    "credentials-annotations.yaml": ["platform-guardrails/secrets-no-credentials-in-env"],
    "credentials-args-and-command.yaml": ["platform-guardrails/secrets-no-credentials-in-env"],
    "credentials-envfrom-configmap.yaml": [
        "platform-guardrails/secrets-no-credentials-in-configmaps",
    ],
    "credentials-probes-hooks-annotations.yaml": [
        "platform-guardrails/secrets-no-credentials-in-env",
    ],
    "host-persistent-volume-host-path.yaml": ["workload-security/persistent-volumes-no-host-path"],
    "host-persistent-volume-local.yaml": ["workload-security/persistent-volumes-no-host-path"],
    "images-volume-foreign-registry.yaml": ["workload-security/images-allowed-registries"],
    "images-volume-unpinned.yaml": [
        "workload-security/images-no-latest-tag",
        "workload-security/images-require-digest",
    ],
    "network-allow-all-ingress.yaml": ["platform-guardrails/network-no-allow-all"],
    "network-egress-world.yaml": ["platform-guardrails/network-no-allow-all"],
    "network-every-namespace.yaml": ["platform-guardrails/network-no-allow-all"],
    "rbac-aggregate-bootstrap-roles.yaml": [
        "platform-guardrails/rbac-no-wildcards",
        "platform-guardrails/rbac-no-escalate-bind-impersonate",
        "platform-guardrails/rbac-no-escalate-bind-impersonate",
    ],
    // The empty selector also aggregates the corpus's own ClusterRoles (one stack): see the golden file.
    "rbac-aggregate-everything.yaml": [
        "platform-guardrails/rbac-no-wildcards",
        "platform-guardrails/rbac-no-escalate-bind-impersonate",
        "platform-guardrails/rbac-aggregated-roles",
    ],
    "rbac-aggregate-platform-role.yaml": ["platform-guardrails/rbac-aggregated-roles"],
    "rbac-all-service-accounts.yaml": ["platform-guardrails/rbac-no-anonymous-bindings"],
    "rbac-non-resource-wildcard.yaml": ["platform-guardrails/rbac-no-wildcards"],
};

interface Violation {
    readonly pack: string;
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly resource: { readonly type: string; readonly name: string; readonly file?: string };
    readonly message: string;
}

describe("evasion corpus through the check (--manifests)", function () {
    this.timeout(240_000);
    let run: ReturnType<typeof runCheckProcess>;
    const byFile = new Map<string, Violation[]>();

    before(function () {
        run = runCheckProcess(
            ["--manifests", manifests, "--policy-config", path.join(corpus, "policy-config.json")],
            { name: "manifests" },
        );
        for (const v of (run.report?.violations ?? []) as Violation[]) {
            const file = path.relative(manifests, v.resource.file ?? "");
            byFile.set(file, [...(byFile.get(file) ?? []), v]);
        }
    });

    it("exits 1 with every object schema-valid, so each verdict is the packs'", () => {
        assert.equal(run.code, 1, run.stderr + run.stdout);
        assert.equal(run.report.schema.invalid, 0);
        assert.equal(run.report.schema.validated, run.report.resources);
    });

    it("lists every file of the corpus in this spec", () => {
        assert.deepEqual(
            fs.readdirSync(path.join(manifests, "refused")).sort(),
            Object.keys(refusedBy).sort(),
        );
    });

    for (const [file, policies] of Object.entries(refusedBy)) {
        it(`refuses refused/${file} by ${[...new Set(policies)].join(", ")}`, () => {
            const found = byFile.get(path.join("refused", file)) ?? [];
            assert.deepEqual(
                found.map((v) => `${v.pack}/${v.policy}`),
                policies,
            );
            assert.ok(found.every((v) => v.enforcementLevel === "mandatory"));
        });
    }

    it("admits every documented syntax under admitted/ (no violation at all)", () => {
        const files = fs.readdirSync(path.join(manifests, "admitted")).sort();
        assert.ok(files.length >= 5, files.join(", "));
        for (const file of files) {
            assert.deepEqual(byFile.get(path.join("admitted", file)) ?? [], [], file);
        }
    });

    it("reports the exact messages of the golden file", () => {
        const verdicts = [...byFile.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([file, list]) => ({
                file,
                violations: list.map((v) => ({
                    policy: `${v.pack}/${v.policy}`,
                    resource: `${v.resource.type} ${v.resource.name}`,
                    message: v.message,
                })),
            }));
        assertGoldenJson("evasions-verdicts.json", verdicts);
    });
});
