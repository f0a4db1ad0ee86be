import * as assert from "assert";
import * as path from "path";
import { readStackConfig, secretStandIn } from "../../tools/check/stack-config";
import { parsePackConfig, reconcilePackConfig } from "../../tools/check/policy-config";
import { CheckProcess, runCheckProcess } from "../util/check-process";

const root = path.resolve(__dirname, "..", "..");
const fixtures = path.join(root, "test", "fixtures");

/** Runs the offline check as CI does (a separate process), with its own output directory. */
function check(...args: string[]): CheckProcess {
    const name = args.includes("--manifests")
        ? "manifests"
        : (args[args.indexOf("--stack") + 1] ?? "dev");
    return runCheckProcess(args, { name, timeoutMs: 180_000 });
}

describe("offline check (npm run check)", function () {
    this.timeout(240_000);

    it("passes the dev stack and writes the report with counts by Pulumi type", function () {
        const run = check("--stack", "dev");
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        assert.strictEqual(run.report.stack, "dev");
        assert.strictEqual(run.report.resourcesByType["pulumi:pulumi:Stack"], 1);
        assert.strictEqual(run.report.resourcesByType["sovereign:platform:Platform"], 1);
        assert.strictEqual(run.report.resourcesByType["sovereign:platform:Layer"], 5);
        const counted = Object.values(run.report.resourcesByType as Record<string, number>).reduce(
            (a, b) => a + b,
            0,
        );
        assert.strictEqual(run.report.resources, counted);
        assert.deepStrictEqual(
            run.report.violations.filter(
                (v: { enforcementLevel: string }) => v.enforcementLevel === "mandatory",
            ),
            [],
        );
        // What the report carries besides violations (DESIGN.md, issue 2).
        assert.strictEqual(run.report.breakGlass, null);
        for (const phase of ["program", "policies", "schema", "total"]) {
            assert.strictEqual(typeof run.report.timings[phase], "number", phase);
        }
        assert.ok(run.report.peakRssMb > 0);
        assert.ok(run.report.nodeArtifacts.includes("control-plane/encryption-config.yaml"));
        assert.ok(run.report.nodeArtifacts.includes("nodes/kubelet-config.yaml"));
        assert.deepStrictEqual(
            run.report.exemptions.map((e: { namespace: string }) => e.namespace).sort(),
            ["falco", "linkerd-cni"],
        );
        assert.ok(
            run.report.standIns.some(
                (s: { type: string }) => s.type === "random:index/randomBytes:RandomBytes",
            ),
        );
        // Every catalogued control has a status for the stack, none violated.
        assert.ok(run.report.controls.length > 0);
        for (const c of run.report.controls as { id: string; status: string }[]) {
            assert.ok(
                ["enforced", "not-verified", "exempted", "manual", "not-deployed"].includes(
                    c.status,
                ),
                `${c.id}: ${c.status}`,
            );
        }
        const packs = run.report.packs.map((p: { name: string }) => p.name);
        assert.deepStrictEqual(packs, ["platform-guardrails", "workload-security"]);
    });

    it("fails a privileged Pod from --manifests, naming the policy, the object and the file", function () {
        const file = path.join("test", "fixtures", "manifests", "privileged-pod.yaml");
        const run = check("--manifests", file);
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const v = run.report.violations.find(
            (x: { policy: string }) => x.policy === "pod-security-privileged",
        );
        assert.ok(v, JSON.stringify(run.report.violations, null, 2));
        assert.strictEqual(v.pack, "workload-security");
        assert.strictEqual(v.enforcementLevel, "mandatory");
        assert.deepStrictEqual(v.resource, {
            type: "kubernetes:core/v1:Pod",
            name: "ml-research/gpu-debug",
            file,
        });
        assert.match(
            v.message,
            /Pod "ml-research\/gpu-debug" runs privileged containers \(shell\)/,
        );
    });

    it("gives the same verdict when the SDK's own policy-pack host serves the packs", function () {
        const file = path.join("test", "fixtures", "manifests", "privileged-pod.yaml");
        const fast = check("--manifests", file);
        const sdk = check("--manifests", file, "--pack-host", "pulumi");
        assert.strictEqual(sdk.code, 1, sdk.stderr + sdk.stdout);
        assert.deepStrictEqual(sdk.report.violations, fast.report.violations);
        assert.ok(sdk.report.violations.length > 0);
    });

    it("gives the same verdicts as the SDK's own host on the whole Pod Security corpus", function () {
        // The check's host decodes requests itself (tools/check/protocol/); every violation,
        // message and order must be what the SDK's host, decoding with google-protobuf, gives.
        const corpus =
            process.env.POD_SECURITY_CORPUS ??
            path.resolve(root, "..", "shared", "conformance", "pod-security");
        const fast = check("--manifests", corpus);
        const sdk = check("--manifests", corpus, "--pack-host", "pulumi");
        assert.strictEqual(fast.code, sdk.code, sdk.stderr + sdk.stdout);
        assert.deepStrictEqual(fast.report.violations, sdk.report.violations);
        assert.ok(fast.report.resources > 100, `${fast.report.resources} objects`);
        assert.ok(
            fast.report.violations.length > 100,
            `${fast.report.violations.length} violations`,
        );
    });

    it("passes a restricted-compliant Deployment from --manifests", function () {
        // The dev stack's pack config supplies the registry allow list (empty by default: fail closed).
        const run = check(
            "--manifests",
            path.join("test", "fixtures", "manifests", "restricted-deployment.yaml"),
            "--policy-config",
            path.join(root, "stacks", "policy-config", "dev", "workload-security.json"),
        );
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        assert.strictEqual(run.report.resources, 1);
        assert.strictEqual(run.report.schema.validated, 1);
    });

    it("reports Kubernetes schema errors like violations and exits 1", function () {
        const run = check(
            "--manifests",
            path.join("test", "fixtures", "manifests", "invalid-schema.yaml"),
            "--policy-config",
            path.join(fixtures, "policy-config-advisory.json"),
        );
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const v = run.report.violations.find(
            (x: { policy: string }) => x.policy === "openapi-schema",
        );
        assert.ok(v);
        assert.strictEqual(v.pack, "kubernetes-schema");
        assert.match(v.message, /spec: must have required property selector/);
        assert.match(v.message, /spec\.replicas: must be integer/);
        assert.strictEqual(run.report.summary.schemaErrors, 1);
    });

    it("does not fail on advisory violations (pack config sets every policy advisory over the analyzer protocol)", function () {
        const run = check(
            "--manifests",
            path.join("test", "fixtures", "manifests", "privileged-pod.yaml"),
            "--policy-config",
            path.join(fixtures, "policy-config-advisory.json"),
        );
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        const v = run.report.violations.find(
            (x: { policy: string }) => x.policy === "pod-security-privileged",
        );
        assert.strictEqual(v.enforcementLevel, "advisory");
        assert.strictEqual(run.report.summary.mandatory, 0);
    });

    it("refuses an invalid pack config the way the CLI does (schema from GetAnalyzerInfo), exit 2", function () {
        const run = check(
            "--manifests",
            path.join("test", "fixtures", "manifests", "privileged-pod.yaml"),
            "--policy-config",
            path.join(fixtures, "policy-config-invalid.json"),
        );
        assert.strictEqual(run.code, 2, run.stderr + run.stdout);
        assert.match(
            run.stderr,
            /pod-security-privileged: level: level must be one of the following: "baseline", "restricted"/,
        );
        assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    });

    it("exits 2 on an unknown setting, naming the key and the closest known key, without a stack trace", function () {
        const run = check("--stack-file", path.join(fixtures, "stacks", "Pulumi.typo.yaml"));
        assert.strictEqual(run.code, 2, run.stderr + run.stdout);
        assert.match(
            run.stderr,
            /sovereign-contour:workload: unknown setting "workload"; did you mean "sovereign-contour:workloads"\?/,
        );
        assert.match(
            run.stderr,
            /sovereign-contour:workloads: unknown setting "requireImageDigest" \(did you mean "requireImageDigests"\?\)/,
        );
        assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
    });

    it("exits 2 on a bad flag value, naming the flag", function () {
        const run = check("--manifests", "x.yaml", "--pod-security-level", "strict");
        assert.strictEqual(run.code, 2);
        assert.match(
            run.stderr,
            /--pod-security-level: "strict" is not a level; expected baseline or restricted/,
        );
    });
});

describe("stack config as the CLI supplies it", function () {
    it("passes a secure: value as an opaque secret, never the ciphertext", function () {
        const cfg = readStackConfig(
            root,
            "secure",
            path.join(fixtures, "stacks", "Pulumi.secure.yaml"),
        );
        assert.deepStrictEqual(cfg.secretKeys, ["sovereign-contour:workloads"]);
        const value = cfg.values["sovereign-contour:workloads"];
        assert.ok(!value.includes("v1:ZmFrZWNpcGhlcnRleHQ"), "ciphertext must not be passed");
        assert.deepStrictEqual(JSON.parse(value), { allowedRegistries: [secretStandIn] });
    });
});

describe("policy pack config reconciliation (CLI semantics)", function () {
    const policies = [
        {
            name: "p",
            description: "",
            enforcementLevel: "mandatory",
            configSchema: {
                properties: {
                    level: {
                        type: "string",
                        enum: ["baseline", "restricted"],
                        default: "restricted",
                    },
                },
                required: [],
            },
        },
    ];

    it("fills schema defaults, then applies all, then the policy's own entry", function () {
        const given = parsePackConfig('{"all":"advisory","p":{"level":"baseline"}}', "x.json");
        const { config, errors } = reconcilePackConfig(policies, {}, given);
        assert.deepStrictEqual(errors, []);
        assert.deepStrictEqual(config.p, {
            enforcementLevel: "advisory",
            properties: { level: "baseline" },
        });
    });

    it("rejects an unknown enforcement level with the CLI's wording", function () {
        assert.throws(
            () => parsePackConfig('{"p":"blocking"}', "x.json"),
            /parsing enforcement level for "p": "blocking" is not a valid enforcement level/,
        );
    });
});
