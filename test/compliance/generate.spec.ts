import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { controls } from "../../compliance/catalogue";
import {
    complianceDocument,
    componentFolder,
    generatedFiles,
    outputFiles,
    renderComplianceMarkdown,
} from "../../compliance/generate";

const root = path.resolve(__dirname, "../..");

describe("compliance generator", () => {
    it("the committed docs equal what `npm run compliance` writes now", async () => {
        const files = await generatedFiles(root);
        assert.deepEqual(Object.keys(files).sort(), [outputFiles.json, outputFiles.markdown]);
        for (const [rel, text] of Object.entries(files)) {
            const committed = fs.readFileSync(path.join(root, rel), "utf8");
            assert.ok(
                committed === text,
                `${rel} is stale: run \`npm run compliance\` and commit it`,
            );
        }
    });

    it("marks the Markdown as generated and lists every control and mechanism", () => {
        const md = renderComplianceMarkdown();
        assert.match(md, /^<!-- GENERATED FILE: do not edit\./);
        for (const c of controls) {
            assert.ok(
                md.includes(`| ${c.id} | ${c.title}`),
                `${c.id} missing from the mapping table`,
            );
        }
        const mechanismRows = md
            .split("\n")
            .filter((l) =>
                /^\| SC-[A-Z]{3}-\d{2} \| (CrossGuard|Component|Gatekeeper|Kyverno|Falco|Manual)/.test(
                    l,
                ),
            );
        assert.equal(
            mechanismRows.length,
            controls.reduce((n, c) => n + c.implementedBy.length, 0),
        );
        assert.ok(
            md.includes(
                "| SC-ENC-01 | CrossGuard policy | platform-guardrails/encryption-write-provider-not-identity | `policypacks/platform-guardrails/policies/encryption-write-provider-not-identity.ts` |",
            ),
        );
    });

    it("exports every control with mappings, the CIS version and locations", () => {
        const doc = complianceDocument() as {
            cisBenchmark: { profile: string };
            controls: {
                id: string;
                automated: boolean;
                mappings: { cis: { benchmark: string } };
                implementedBy: { kind: string; where?: string }[];
            }[];
        };
        assert.equal(doc.cisBenchmark.profile, "cis-1.12");
        assert.deepEqual(
            doc.controls.map((c) => c.id),
            controls.map((c) => c.id),
        );
        for (const c of doc.controls) {
            assert.equal(c.mappings.cis.benchmark, "cis-1.12");
            for (const m of c.implementedBy) {
                assert.equal(m.where === undefined, m.kind === "manual", `${c.id} ${m.kind}`);
                if (m.where !== undefined) {
                    assert.ok(
                        fs.existsSync(path.join(root, m.where)),
                        `${c.id}: ${m.where} does not exist`,
                    );
                }
            }
        }
        assert.equal(doc.controls.find((c) => c.id === "SC-GOV-02")?.automated, false);
        assert.equal(doc.controls.find((c) => c.id === "SC-ENC-01")?.automated, true);
    });

    it("derives component folders from type tokens", () => {
        assert.equal(componentFolder("sovereign:runtime:CertManager"), "cert-manager");
        assert.equal(componentFolder("sovereign:bootstrap:EncryptionAtRest"), "encryption-at-rest");
        assert.equal(componentFolder("sovereign:runtime:Falco"), "falco");
    });
});
