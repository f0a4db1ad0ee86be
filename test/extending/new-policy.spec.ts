/**
 * docs/extending.md, "A new policy": the example the page shows
 * (test/extending/examples/ingresses-require-tls.ts) taken through the page's steps on a copy of
 * the project. The policy itself: a compliant Ingress passes, a host without TLS yields the exact
 * message. Step 1, the file alone: the conventions test fails, naming it as not registered; step 2,
 * registered with the page's two lines: the conventions test passes and the check runs it in its
 * pack; step 5, without a control the catalogue test fails naming it, and referenced from a control
 * and with `npm run compliance`, the catalogue and generated-documents tests pass.
 */
import * as assert from "node:assert/strict";
import { runResourcePolicy } from "../util/policy-harness";
import { codeBlocks, projectCopy, policySource, ProjectCopy } from "./util";

const pack = "platform-guardrails";
const file = `policypacks/${pack}/policies/ingresses-require-tls.ts`;
const registry = `policypacks/${pack}/policies/index.ts`;
const catalogue = "compliance/catalogue.ts";
const generated = ["docs/compliance.md", "docs/compliance.json"];
const importLine = 'import { ingressesRequireTls } from "./ingresses-require-tls";';
const entryLine = "    ingressesRequireTls,";
const controlLine = '            pg("ingresses-require-tls"),';
const mocha = "npx mocha --no-config -r ./tools/ts-register.js --extension ts";

/** An Ingress serving `hosts`, with TLS for `tls`. */
function ingress(hosts: string[], tls: string[]): Record<string, unknown> {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "scoring", namespace: "fraud-scoring" },
        spec: {
            ingressClassName: "gateway",
            ...(tls.length > 0 ? { tls: [{ hosts: tls, secretName: "scoring-tls" }] } : {}),
            rules: hosts.map((host) => ({ host, http: { paths: [] } })),
        },
    };
}

describe("docs/extending.md: a new policy, step by step on a copy", function () {
    this.timeout(600_000);
    let copy: ProjectCopy;

    before(() => {
        copy = projectCopy();
    });

    after(() => {
        for (const f of [file, registry, catalogue, ...generated]) {
            copy.restore(f);
        }
    });

    it("shows the registration and the control lines the steps add", () => {
        const code = codeBlocks("A new policy").map((b) => b.code);
        assert.ok(code.includes(`${importLine}\n// ...\n${entryLine}\n`), code.join("\n---\n"));
        assert.ok(code.includes(`${controlLine.trim()}\n`), code.join("\n---\n"));
    });

    it("the policy: every host over TLS passes; a host without it yields the exact message", async () => {
        const { ingressesRequireTls } = await import("./examples/ingresses-require-tls");
        const type = "kubernetes:networking.k8s.io/v1:Ingress";
        const hosts = ["scoring.sovereign.example", "admin.sovereign.example"];
        assert.deepEqual(
            await runResourcePolicy(ingressesRequireTls, { type, props: ingress(hosts, hosts) }),
            [],
        );
        assert.deepEqual(
            await runResourcePolicy(ingressesRequireTls, {
                type,
                props: ingress(hosts, ["scoring.sovereign.example"]),
            }),
            [
                'Ingress "fraud-scoring/scoring" serves admin.sovereign.example without TLS ' +
                    "(spec.rules[].host not in spec.tls[].hosts). Add a spec.tls entry with those " +
                    "hosts and the Secret of their certificate.",
            ],
        );
    });

    it("1. the file alone: the conventions test fails, naming it as not registered", () => {
        copy.write(file, policySource("ingresses-require-tls"));
        const run = copy.run(`${mocha} test/policypacks/conventions.spec.ts`);
        assert.notEqual(run.status, 0, run.output);
        assert.ok(
            run.output.includes(
                "ingresses-require-tls.ts: ingresses-require-tls is registered 0 times",
            ),
            run.output,
        );
    });

    it("2. registered with the page's two lines: the conventions test passes", () => {
        const text = copy.read(registry);
        const head = "export const policies: Policies = [";
        const start = text.indexOf(head);
        const end = text.indexOf("\n];", start);
        assert.ok(start >= 0 && end > start, `${registry} has ${head} ... ];`);
        copy.write(
            registry,
            `${importLine}\n${text.slice(0, end)}\n${entryLine}${text.slice(end)}`,
        );
        const run = copy.run(`${mocha} test/policypacks/conventions.spec.ts`);
        assert.equal(run.status, 0, run.output);
    });

    it("the check serves it in its pack and the platform passes", async () => {
        const { policies } = await import("../../policypacks/platform-guardrails/policies");
        const run = copy.check(["--stack", "prod"], "prod");
        assert.equal(run.status, 0, run.output);
        const report = run.report as unknown as { packs: { name: string; policies: number }[] };
        assert.equal(report.packs.find((p) => p.name === pack)?.policies, policies.length + 1);
    });

    it("5. without a control the catalogue test fails naming it; with one and npm run compliance, it passes", () => {
        const without = copy.run(`${mocha} test/compliance/catalogue.spec.ts`);
        assert.notEqual(without.status, 0, without.output);
        assert.ok(without.output.includes("ingresses-require-tls"), without.output);

        const text = copy.read(catalogue);
        const anchor = '            pg("services-no-external-ips"),\n';
        assert.equal(
            text.split(anchor).length,
            2,
            `${catalogue} references services-no-external-ips once`,
        );
        copy.write(catalogue, text.replace(anchor, `${anchor}${controlLine}\n`));
        const compliance = copy.run("npm run -s compliance");
        assert.equal(compliance.status, 0, compliance.output);
        const withControl = copy.run(
            `${mocha} test/compliance/catalogue.spec.ts test/compliance/generate.spec.ts`,
        );
        assert.equal(withControl.status, 0, withControl.output);
        assert.match(copy.read("docs/compliance.md"), /ingresses-require-tls/);
    });
});
