/**
 * Conformance with the upstream Pod Security Admission corpus: every Pod that PodSecurity admission
 * rejects at a level must get at least one violation from the pod-security policies configured for
 * that level, and every Pod it admits must get none. Restricted includes baseline, so every
 * baseline `fail` Pod must also fail at restricted.
 *
 * A rejection must also come from the right policy: each corpus file is named after the upstream
 * check it exercises (`hostports0.yaml`, `runasnonroot2.yaml`), and that check's policy must be
 * among those that report, so a Pod rejected for an unrelated reason does not count.
 *
 * The corpus is `../shared/conformance/pod-security/{baseline,restricted}/{pass,fail}/*.yaml`
 * (override the folder with `POD_SECURITY_CORPUS`). A missing or empty folder fails the suite.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { parse } from "yaml";
import { podBearingTypes, pulumiTypeOf } from "../../../policypacks/lib/workloads";
import { PodSecurityLevel } from "../../../policypacks/workload-security/lib/level";
import { policies } from "../../../policypacks/workload-security/policies";
import { runResourcePolicy } from "../../util/policy-harness";

const corpus =
    process.env.POD_SECURITY_CORPUS ??
    path.resolve(__dirname, "../../../../shared/conformance/pod-security");

const podSecurityPolicies = policies.filter(
    (policy): policy is ResourceValidationPolicy =>
        policy.name.startsWith("pod-security-") && "validateResource" in policy,
);

/** The policy that implements each upstream check, by the check's lower-cased ID (the file prefix). */
const policyForCheck: Readonly<Record<string, string>> = {
    allowprivilegeescalation: "pod-security-allow-privilege-escalation",
    apparmorprofile: "pod-security-apparmor",
    capabilities_baseline: "pod-security-capabilities",
    capabilities_restricted: "pod-security-capabilities",
    hostnamespaces: "pod-security-host-namespaces",
    hostpathvolumes: "pod-security-host-path-volumes",
    hostports: "pod-security-host-ports",
    hostprobesandhostlifecycle: "pod-security-host-probes",
    privileged: "pod-security-privileged",
    procmount: "pod-security-proc-mount",
    procmount_restricted: "pod-security-proc-mount",
    restrictedvolumes: "pod-security-restricted-volumes",
    runasnonroot: "pod-security-run-as-non-root",
    runasuser: "pod-security-run-as-user",
    seccompprofile_baseline: "pod-security-seccomp",
    seccompprofile_restricted: "pod-security-seccomp",
    selinuxoptions: "pod-security-selinux",
    sysctls: "pod-security-sysctls",
    windowshostprocess: "pod-security-windows-host-process",
};

const levels: readonly PodSecurityLevel[] = ["baseline", "restricted"];
const verdicts = ["pass", "fail"] as const;

/** The YAML files of one corpus folder, sorted; throws (failing the suite) when there are none. */
function corpusFiles(level: PodSecurityLevel, verdict: (typeof verdicts)[number]): string[] {
    const dir = path.join(corpus, level, verdict);
    if (!fs.existsSync(dir)) {
        throw new Error(
            `Pod Security corpus folder ${dir} does not exist (set POD_SECURITY_CORPUS)`,
        );
    }
    const files = fs
        .readdirSync(dir)
        .filter((file) => file.endsWith(".yaml") || file.endsWith(".yml"))
        .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    if (files.length === 0) {
        throw new Error(`Pod Security corpus folder ${dir} holds no YAML files`);
    }
    return files.map((file) => path.join(dir, file));
}

/**
 * The corpus files of a folder; when the folder is missing or empty, registers a failing test that
 * says so instead, so the suite goes red rather than passing with no cases (and the rest of the
 * test run still reports).
 */
function corpusFilesOrFailingTest(
    level: PodSecurityLevel,
    verdict: (typeof verdicts)[number],
): string[] {
    try {
        return corpusFiles(level, verdict);
    } catch (error) {
        it(`has a corpus in ${level}/${verdict}`, () => {
            throw error;
        });
        return [];
    }
}

interface Violation {
    readonly policy: string;
    readonly message: string;
}

/** Every violation the pod-security policies report for a manifest at a level. */
async function violations(file: string, level: PodSecurityLevel): Promise<Violation[]> {
    const manifest: unknown = parse(fs.readFileSync(file, "utf8"));
    assert.ok(
        typeof manifest === "object" && manifest !== null && !Array.isArray(manifest),
        `${file} is not a single Kubernetes object`,
    );
    const props = manifest as Record<string, unknown>;
    const type = pulumiTypeOf(String(props.apiVersion), String(props.kind));
    // A kind the policies do not know would be skipped by every policy and "pass" vacuously.
    assert.ok(podBearingTypes.includes(type), `${file}: ${type} is not a pod-bearing type`);
    const found: Violation[] = [];
    for (const policy of podSecurityPolicies) {
        for (const message of await runResourcePolicy(policy, { type, props, config: { level } })) {
            found.push({ policy: policy.name, message });
        }
    }
    return found;
}

/** Asserts a `fail` file is rejected, and by the policy of the check it is named after. */
function assertRejected(file: string, level: PodSecurityLevel, found: readonly Violation[]): void {
    const check = path.basename(file).replace(/\d*\.ya?ml$/, "");
    const expected = policyForCheck[check];
    assert.ok(expected !== undefined, `${file}: no policy implements upstream check "${check}"`);
    assert.ok(
        found.some((violation) => violation.policy === expected),
        `${file} must be rejected at ${level} by ${expected}; got ${JSON.stringify(found, null, 2)}`,
    );
}

describe("Pod Security Standards conformance with the upstream corpus", () => {
    it("runs the full set of pod-security policies", () => {
        // Every upstream check has its policy registered, and every pod-security policy implements
        // an upstream check (capabilities, seccomp and procMount each cover a baseline and a
        // restricted check): derived from the mapping, so no count to keep in step.
        assert.deepEqual(
            podSecurityPolicies.map((policy) => policy.name).sort(),
            [...new Set(Object.values(policyForCheck))].sort(),
        );
    });

    for (const level of levels) {
        for (const verdict of verdicts) {
            describe(`${level}/${verdict}`, () => {
                for (const file of corpusFilesOrFailingTest(level, verdict)) {
                    it(path.basename(file), async () => {
                        const found = await violations(file, level);
                        if (verdict === "pass") {
                            assert.deepEqual(found, [], `${file} must be admitted at ${level}`);
                        } else {
                            assertRejected(file, level, found);
                        }
                    });
                }
            });
        }
    }

    describe("baseline/fail at restricted (restricted includes baseline)", () => {
        for (const file of corpusFilesOrFailingTest("baseline", "fail")) {
            it(path.basename(file), async () => {
                assertRejected(file, "restricted", await violations(file, "restricted"));
            });
        }
    });
});
