/**
 * The sovereign stack (`Pulumi.sovereign.yaml`): prod's settings with every key in the site's
 * hands (KMS v2 for encryption at rest, the site's ClusterIssuer for the internal CA, the site's
 * Secret for the Linkerd trust anchor). The offline check runs as CI runs it (a separate process)
 * and must pass with no tls or random resource in the stack, and the pack config's
 * externalKeyMaterial must make the check refuse a generated key once one appears.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { secretsNoKeyMaterialInState } from "../../policypacks/platform-guardrails/policies/secrets-no-key-material-in-state";
import { loadSettings } from "../../stacks/load";
import { readStackConfig } from "../../tools/check/stack-config";
import { runCheckProcess } from "../util/check-process";

const root = path.resolve(__dirname, "..", "..");
const policyConfigDir = path.join(root, "stacks", "policy-config", "sovereign");
const policy = "secrets-no-key-material-in-state";

/** The report's resource types of the tls and random providers. */
function generatorTypes(resourcesByType: Record<string, number>): string[] {
    return Object.keys(resourcesByType).filter(
        (t) => /^(tls|random):/.test(t) || /^pulumi:providers:(tls|random)$/.test(t),
    );
}

describe("stacks: sovereign", function () {
    this.timeout(300_000);

    it("brings every key: the site's ClusterIssuer, the site's trust anchor Secret, KMS v2 only", () => {
        const { settings } = loadSettings(readStackConfig(root, "sovereign").values);
        assert.deepStrictEqual(settings.certManager.externalCa, {
            issuer: { name: "sovereign-pki" },
        });
        assert.strictEqual(settings.certManager.ca, undefined);
        const anchor = settings.linkerd.externalTrustAnchor;
        assert.deepStrictEqual(anchor?.secret, { name: "site-linkerd-trust-anchor" });
        assert.strictEqual(anchor?.issuer, undefined);
        assert.match(anchor?.certificates ?? "", /^-----BEGIN CERTIFICATE-----\n/);
        assert.ok(settings.encryptionAtRest.keys.length > 0);
        for (const key of settings.encryptionAtRest.keys) {
            assert.strictEqual(key.provider, "kms", key.name);
        }
        // Prod-like: images by digest, admission denies and fails closed.
        assert.strictEqual(settings.workloads.requireImageDigests, true);
        assert.strictEqual(settings.gatekeeper.enforcementAction, "deny");
        const config = JSON.parse(
            fs.readFileSync(path.join(policyConfigDir, "platform-guardrails.json"), "utf8"),
        ) as Record<string, Record<string, unknown>>;
        assert.deepStrictEqual(config[policy], { externalKeyMaterial: true });
    });

    it("passes the check with no tls or random resource, the key guard on", () => {
        const run = runCheckProcess(["--stack", "sovereign"], {
            name: "sovereign",
            timeoutMs: 180_000,
        });
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        assert.strictEqual(run.report.status, "passed");
        assert.strictEqual(run.report.summary.mandatory, 0);
        assert.deepStrictEqual(generatorTypes(run.report.resourcesByType), []);
        assert.ok(run.report.resources > 100, String(run.report.resources));
        const guardrails = run.report.packs.find(
            (p: { name: string }) => p.name === "platform-guardrails",
        );
        assert.deepStrictEqual(guardrails.config[policy], {
            enforcementLevel: "mandatory",
            properties: { externalKeyMaterial: true },
        });
        // The platform's certificates name the site's issuer; no CA Secret is written.
        const manifests = run.read("manifests.yaml") ?? "";
        assert.ok(!/PRIVATE KEY/.test(manifests), "no key material in the rendered objects");
        const docs = YAML.parseAllDocuments(manifests).map(
            (d) => d.toJS() as { kind?: string; spec?: Record<string, unknown> },
        );
        const issuers = docs
            .filter((d) => d.kind === "Certificate")
            .map((d) => JSON.stringify((d.spec as { issuerRef: unknown }).issuerRef));
        assert.ok(issuers.length >= 5, issuers.join("\n"));
        assert.deepStrictEqual(
            [...new Set(issuers)].sort(),
            [
                '{"group":"cert-manager.io","kind":"ClusterIssuer","name":"sovereign-pki"}',
                '{"group":"cert-manager.io","kind":"Issuer","name":"linkerd-trust-anchor"}',
            ].sort(),
        );
        assert.deepStrictEqual(
            docs.filter((d) => d.kind === "ClusterIssuer"),
            [],
            "the program creates no ClusterIssuer",
        );
        assert.deepStrictEqual(
            docs.filter((d) => d.kind === "Secret"),
            [],
            "and no Secret",
        );
    });

    it("fails the check when a key is generated again: each tls resource and the key's Secret refused", () => {
        // The sovereign stack without its own trust anchor: the program generates one.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sovereign-generated-"));
        try {
            const doc = YAML.parseDocument(
                fs.readFileSync(path.join(root, "Pulumi.sovereign.yaml"), "utf8"),
            );
            assert.ok(doc.hasIn(["config", "sovereign-contour:linkerd", "externalTrustAnchor"]));
            doc.deleteIn(["config", "sovereign-contour:linkerd", "externalTrustAnchor"]);
            const file = path.join(dir, "Pulumi.sovereign-generated.yaml");
            fs.writeFileSync(file, doc.toString());
            const run = runCheckProcess(
                ["--stack-file", file, "--policy-config-dir", policyConfigDir],
                { name: "sovereign-generated", timeoutMs: 180_000 },
            );
            assert.strictEqual(run.code, 1, run.stderr + run.stdout);
            assert.strictEqual(run.report.status, "failed");
            const refused = (
                run.report.violations as {
                    policy: string;
                    enforcementLevel: string;
                    resource: { type: string; name: string };
                    message: string;
                }[]
            ).filter((v) => v.policy === policy);
            assert.deepStrictEqual(
                refused.map((v) => `${v.enforcementLevel} ${v.resource.type} ${v.resource.name}`),
                [
                    "mandatory tls:index/privateKey:PrivateKey platform-linkerd-trust-anchor-root-1-key",
                    "mandatory tls:index/selfSignedCert:SelfSignedCert platform-linkerd-trust-anchor-root-1",
                    "mandatory kubernetes:core/v1:Secret platform-linkerd-trust-anchor-secret",
                ],
            );
            // As the CLI prints it: the policy's description, then the violation.
            assert.strictEqual(
                refused[2].message,
                `${secretsNoKeyMaterialInState.description}\n` +
                    'Secret "linkerd/linkerd-trust-anchor" holds a private key in ' +
                    'stringData["tls.key"], which Pulumi keeps in the stack\'s state, but this ' +
                    "stack declares its key material external (externalKeyMaterial). Create the " +
                    "Secret outside Pulumi (the site's PKI or secret store, or kubectl) and " +
                    "reference it by name (certManager.externalCa.secret, " +
                    "linkerd.externalTrustAnchor.secret).",
            );
            // Nothing else fails: the policy alone stands between the stack and a generated key.
            assert.strictEqual(run.report.summary.mandatory, refused.length);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
