import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { cisBenchmark, Control, controls, Mechanism } from "../../compliance/catalogue";
import { componentFolder } from "../../compliance/generate";
import { templateDefinitions, templateIds } from "../../components/gatekeeper/templates";
import { renderClusterPolicies } from "../../components/kyverno/render";
import { sovereignRules } from "../../components/falco/rules";
import { policies as guardrailPolicies } from "../../policypacks/platform-guardrails/policies";
import { policies as workloadPolicies } from "../../policypacks/workload-security/policies";
import { policyPacks } from "../util/stacks";

const root = path.resolve(__dirname, "../..");

const packs: Record<string, string[]> = {
    "platform-guardrails": guardrailPolicies.map((p) => p.name),
    "workload-security": workloadPolicies.map((p) => p.name),
};

const gatekeeperTemplates = templateIds.map((id) => templateDefinitions[id].kind.toLowerCase());

// Every optional policy switched on, so every ClusterPolicy name the component can render is seen.
const kyvernoPolicies = renderClusterPolicies({
    validationFailureAction: "Enforce",
    failurePolicy: "Fail",
    webhookTimeoutSeconds: 10,
    exemptNamespaces: [],
    podSecurityLevel: "restricted",
    imageVerification: {
        imageReferences: ["registry.example/*"],
        publicKeys: ["-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----"],
        timeoutSeconds: 30,
    },
    generateDefaultDeny: true,
}).map((p) => (p.metadata as { name: string }).name);

const falcoRules = sovereignRules().map((r) => r.rule);

/** Component type tokens declared by `super("sovereign:...")` in components/<name>/index.ts. */
function declaredComponentTypes(): Map<string, string> {
    const found = new Map<string, string>();
    for (const dir of fs.readdirSync(path.join(root, "components"))) {
        const index = path.join(root, "components", dir, "index.ts");
        if (!fs.existsSync(index)) {
            continue;
        }
        for (const m of fs
            .readFileSync(index, "utf8")
            .matchAll(/"(sovereign:[a-z]+:[A-Za-z]+)"/g)) {
            found.set(m[1], dir);
        }
    }
    return found;
}

function folderSource(dir: string): string {
    const abs = path.join(root, "components", dir);
    return fs
        .readdirSync(abs)
        .filter((f) => f.endsWith(".ts"))
        .map((f) => fs.readFileSync(path.join(abs, f), "utf8"))
        .join("\n");
}

function mechanisms<K extends Mechanism["kind"]>(kind: K): Extract<Mechanism, { kind: K }>[] {
    return controls.flatMap((c) =>
        c.implementedBy.filter((m): m is Extract<Mechanism, { kind: K }> => m.kind === kind),
    );
}

function controlsLinking(pred: (m: Mechanism) => boolean): Control[] {
    return controls.filter((c) => c.implementedBy.some(pred));
}

describe("compliance catalogue", () => {
    it("discovers the real policy, template, ClusterPolicy and rule names", () => {
        // Guards the coverage tests below against passing on empty lists: every pack of
        // policypacks/ is listed, with one policy per file of its policies/ folder (derived, so a
        // new policy needs no count edited here, only its control).
        assert.deepEqual(Object.keys(packs).sort(), policyPacks());
        for (const [pack, names] of Object.entries(packs)) {
            const files = fs
                .readdirSync(path.join(root, "policypacks", pack, "policies"))
                .filter((f) => f.endsWith(".ts") && f !== "index.ts")
                .map((f) => path.basename(f, ".ts"));
            assert.ok(files.length > 0, pack);
            assert.deepEqual([...names].sort(), files.sort(), pack);
        }
        // Templates, ClusterPolicies and rules: those of the reviewed golden files (regenerated
        // with UPDATE_GOLDEN=1 when one is added), not a list or count kept here.
        const golden = (file: string): string =>
            fs.readFileSync(path.join(root, "test", "fixtures", "golden", file), "utf8");
        const templates = JSON.parse(golden("gatekeeper-templates.json")) as {
            spec: { crd: { spec: { names: { kind: string } } } };
        }[];
        assert.ok(templates.length > 0);
        assert.deepEqual(
            gatekeeperTemplates,
            templates.map((t) => t.spec.crd.spec.names.kind.toLowerCase()),
        );
        const clusterPolicies = JSON.parse(golden("kyverno-policies.json")) as {
            metadata: { name: string };
        }[];
        assert.ok(clusterPolicies.length > 0);
        assert.deepEqual(
            kyvernoPolicies,
            clusterPolicies.map((p) => p.metadata.name),
        );
        const rules = [...golden("falco-sovereign-rules.golden.yaml").matchAll(/^- rule: (.+)$/gm)];
        assert.ok(rules.length > 0);
        assert.deepEqual(
            falcoRules,
            rules.map((m) => m[1]),
        );
    });

    describe("coverage: everything that enforces maps to a control", () => {
        for (const [pack, names] of Object.entries(packs)) {
            for (const policy of names) {
                it(`CrossGuard ${pack}/${policy}`, () => {
                    const linked = controlsLinking(
                        (m) => m.kind === "crossguard" && m.pack === pack && m.policy === policy,
                    );
                    assert.ok(linked.length > 0, `${pack}/${policy} maps to no control`);
                });
            }
        }
        for (const template of gatekeeperTemplates) {
            it(`Gatekeeper ConstraintTemplate ${template}`, () => {
                const linked = controlsLinking(
                    (m) => m.kind === "gatekeeper" && m.template === template,
                );
                assert.ok(linked.length > 0, `${template} maps to no control`);
            });
        }
        for (const policy of kyvernoPolicies) {
            it(`Kyverno ClusterPolicy ${policy}`, () => {
                const linked = controlsLinking((m) => m.kind === "kyverno" && m.policy === policy);
                assert.ok(linked.length > 0, `${policy} maps to no control`);
            });
        }
        for (const rule of falcoRules) {
            it(`Falco rule "${rule}"`, () => {
                const linked = controlsLinking((m) => m.kind === "falco" && m.rule === rule);
                assert.ok(linked.length > 0, `${rule} maps to no control`);
            });
        }
    });

    describe("no dangling references", () => {
        it("every CrossGuard reference names a policy of its pack", () => {
            const dangling = mechanisms("crossguard").filter(
                (m) => !(packs[m.pack] ?? []).includes(m.policy),
            );
            assert.deepEqual(dangling, []);
        });

        it("every Gatekeeper reference names a ConstraintTemplate", () => {
            const dangling = mechanisms("gatekeeper").filter(
                (m) => !gatekeeperTemplates.includes(m.template),
            );
            assert.deepEqual(dangling, []);
        });

        it("every Kyverno reference names a ClusterPolicy", () => {
            const dangling = mechanisms("kyverno").filter(
                (m) => !kyvernoPolicies.includes(m.policy),
            );
            assert.deepEqual(dangling, []);
        });

        it("every Falco reference names a shipped custom rule", () => {
            const dangling = mechanisms("falco").filter((m) => !falcoRules.includes(m.rule));
            assert.deepEqual(dangling, []);
        });

        it("every component reference names a declared type and a setting of that component", () => {
            const declared = declaredComponentTypes();
            assert.ok(declared.size >= 11, "component type tokens were not found");
            const problems: string[] = [];
            for (const m of mechanisms("component")) {
                const dir = declared.get(m.type);
                if (dir === undefined) {
                    problems.push(`${m.type}: no component declares this type`);
                    continue;
                }
                if (dir !== componentFolder(m.type)) {
                    problems.push(
                        `${m.type}: lives in components/${dir}, not ${componentFolder(m.type)}`,
                    );
                }
                if (!new RegExp(`\\b${m.setting}\\b`).test(folderSource(dir))) {
                    problems.push(`${m.type}: setting ${m.setting} not found in components/${dir}`);
                }
            }
            assert.deepEqual(problems, []);
        });
    });

    describe("shape", () => {
        it("has unique IDs of the form SC-<AREA>-<NN>", () => {
            const ids = controls.map((c) => c.id);
            assert.equal(new Set(ids).size, ids.length);
            for (const id of ids) {
                assert.match(id, /^SC-[A-Z]{3}-\d{2}$/);
            }
        });

        it("every control is automated or says why it is manual", () => {
            for (const c of controls) {
                assert.ok(c.implementedBy.length > 0, `${c.id} has no mechanism`);
                for (const m of c.implementedBy) {
                    if (m.kind === "manual") {
                        assert.ok(
                            m.reason.trim().length >= 20,
                            `${c.id} has a manual entry without a reason`,
                        );
                    }
                }
            }
        });

        it("every control maps to NIST and ISO, and its IDs are well-formed", () => {
            for (const c of controls) {
                assert.ok(c.nist.length > 0, `${c.id} has no NIST mapping`);
                assert.ok(c.iso.length > 0, `${c.id} has no ISO mapping`);
                for (const n of c.nist) {
                    assert.match(n, /^[A-Z]{2}-\d+(\(\d+\))?$/, `${c.id}: ${n}`);
                }
                for (const a of c.iso) {
                    assert.match(a, /^A\.[5-8]\.\d+$/, `${c.id}: ${a}`);
                }
                for (const b of c.bsi) {
                    assert.match(b, /^APP\.4\.4\.A\d+$/, `${c.id}: ${b}`);
                }
                for (const cis of c.cis) {
                    assert.match(cis, /^[1-5](\.\d+){1,2}$/, `${c.id}: ${cis}`);
                }
            }
        });

        it("names the CIS benchmark version", () => {
            assert.equal(cisBenchmark.profile, "cis-1.12");
        });

        it("keeps the cis-1.12 numbering of the 5.2.x pod-security items", () => {
            const byId = new Map(controls.map((c) => [c.id, c]));
            assert.deepEqual(byId.get("SC-POD-04")?.cis, ["5.2.6", "5.2.7", "5.2.8", "5.2.9"]);
            assert.deepEqual(byId.get("SC-POD-05")?.cis, ["5.2.10", "5.2.11", "5.2.12"]);
        });
    });
});
