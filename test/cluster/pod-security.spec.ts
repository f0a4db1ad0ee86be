/**
 * Group 4, Pod Security with real verdicts: kube-apiserver runs with the dev stack's admission
 * plugins and AdmissionConfiguration; a namespace gets exactly the `pod-security.kubernetes.io/*`
 * labels the program gives a tenant namespace (from out/dev/manifests.yaml). Every file of the
 * upstream Pod Security corpus (`../shared/conformance/pod-security`, override with
 * `POD_SECURITY_CORPUS`) and every pod-bearing object of the project's own manifest fixtures
 * (`test/fixtures/manifests/`, `test/fixtures/evasions/manifests/`) is sent to the API server as the
 * Pod it is or that its controller would create (`dryRun=All`: admission runs, nothing is stored),
 * and the API server's admit/deny must equal the workload-security pack's verdict: any violation of
 * a `pod-security-*` policy, configured as `stacks/policy-config/dev/workload-security.json`
 * configures it. A disagreement fails that file's test, named after the file.
 *
 * Each Pod is judged twice: in a namespace with the tenant labels exactly, and in one whose
 * `enforce-version` is `latest` (the API server's own release). At `latest` the verdicts must be
 * equal with no exception. Under the tenants' pinned `enforce-version` (v1.33), a Pod Security check
 * that upstream added in a later release does not run, so there the pack's verdict leaves out the
 * policies of {@link checkSince} newer than the pin, and must otherwise be equal.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { podTemplateOf, pulumiTypeOf } from "../../policypacks/lib/workloads";
import { policies } from "../../policypacks/workload-security/policies";
import { runResourcePolicy } from "../util/policy-harness";
import { ControlPlane, startControlPlane } from "./control-plane";
import { KubeError, KubeObject } from "./kube";
import { readObjects, stackApiServer, stackOutputs } from "./stack";
import { projectDir } from "./tools";

const corpus =
    process.env.POD_SECURITY_CORPUS ??
    path.resolve(projectDir, "../shared/conformance/pod-security");
const fixtureFolders = ["test/fixtures/manifests", "test/fixtures/evasions/manifests"];
const namespace = "tenant-like";
const latestNamespace = "tenant-latest";

/**
 * Pack policies whose upstream Pod Security check is newer than v1.33, with the release that added
 * it (kubernetes/pod-security-admission, policy/check_*.go: hostProbesAndHostLifecycle, 1.34).
 */
const checkSince: Readonly<Record<string, string>> = { "pod-security-host-probes": "v1.34" };

/** Orders `v1.N` versions; `latest` is newest. */
function versionAtMost(version: string, pin: string): boolean {
    if (pin === "latest") {
        return true;
    }
    const minor = (v: string): number => Number(/^v1\.(\d+)$/.exec(v)?.[1] ?? NaN);
    assert.ok(
        !Number.isNaN(minor(version)) && !Number.isNaN(minor(pin)),
        `versions ${version}, ${pin}`,
    );
    return minor(version) <= minor(pin);
}

const podSecurityPolicies = policies.filter(
    (policy): policy is ResourceValidationPolicy =>
        policy.name.startsWith("pod-security-") && "validateResource" in policy,
);

/** Every YAML file under a folder, sorted. */
function yamlFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) {
        throw new Error(`${dir} does not exist`);
    }
    return fs
        .readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((f) => /\.ya?ml$/.test(f))
        .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
        .map((f) => path.join(dir, f));
}

/** One pod-bearing object to judge, and the Pod the API server judges for it. */
interface Case {
    readonly label: string;
    readonly type: string;
    readonly object: KubeObject;
    readonly pod: KubeObject;
}

function casesOf(file: string, label: string): Case[] {
    const out: Case[] = [];
    readObjects(file).forEach((object, index) => {
        const type = pulumiTypeOf(String(object.apiVersion), String(object.kind));
        const template = podTemplateOf(type, object);
        if (template === undefined) {
            return;
        }
        const pod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: {
                name: `case-${out.length}-${index}`,
                namespace,
                labels: template.metadata.labels,
                annotations: template.metadata.annotations,
            },
            spec: template.spec,
        };
        out.push({
            label: readObjects(file).length > 1 ? `${label} #${index + 1} ${object.kind}` : label,
            type,
            object,
            pod,
        });
    });
    return out;
}

/** The pack's verdict: the messages of every pod-security policy at the dev stack's config. */
async function packViolations(
    c: Case,
    config: Readonly<Record<string, Record<string, unknown>>>,
): Promise<string[]> {
    const props = structuredClone(c.object);
    props.metadata = { ...(props.metadata ?? {}), namespace };
    const found: string[] = [];
    for (const policy of podSecurityPolicies) {
        for (const message of await runResourcePolicy(policy, {
            type: c.type,
            props,
            config: config[policy.name],
        })) {
            found.push(`${policy.name}: ${message}`);
        }
    }
    return found;
}

describe("API-server tier, group 4: Pod Security verdicts of the real API server equal the pack's", function () {
    let cp: ControlPlane;
    let labels: Record<string, string>;
    const config = JSON.parse(
        fs.readFileSync(
            path.join(projectDir, "stacks/policy-config/dev/workload-security.json"),
            "utf8",
        ),
    ) as Record<string, Record<string, unknown>>;

    before(async function () {
        const tenant = readObjects(path.join(stackOutputs("dev"), "manifests.yaml")).find(
            (o) =>
                o.kind === "Namespace" &&
                o.metadata?.labels?.["app.kubernetes.io/component"] === "tenant-namespace",
        );
        assert.ok(tenant !== undefined, "out/dev/manifests.yaml holds a tenant namespace");
        labels = Object.fromEntries(
            Object.entries(tenant.metadata.labels as Record<string, string>).filter(([k]) =>
                k.startsWith("pod-security.kubernetes.io/"),
            ),
        );
        assert.equal(
            labels["pod-security.kubernetes.io/enforce"],
            "restricted",
            "tenants enforce restricted",
        );
        for (const policy of podSecurityPolicies) {
            assert.equal(config[policy.name]?.level, "restricted", `dev config of ${policy.name}`);
        }
        cp = await startControlPlane({
            name: "pod-security",
            ...stackApiServer("dev", { admission: true }),
        });
        const admin = cp.client();
        const latestLabels = { ...labels, "pod-security.kubernetes.io/enforce-version": "latest" };
        for (const [name, nsLabels] of [
            [namespace, labels],
            [latestNamespace, latestLabels],
        ] as const) {
            await admin.json("POST", "/api/v1/namespaces", {
                apiVersion: "v1",
                kind: "Namespace",
                metadata: { name, labels: nsLabels },
            });
            // The ServiceAccount admission plugin needs the default ServiceAccount (kube-controller-manager
            // would create it; this group runs without it).
            await admin.json("POST", `/api/v1/namespaces/${name}/serviceaccounts`, {
                apiVersion: "v1",
                kind: "ServiceAccount",
                metadata: { name: "default" },
            });
        }
    });
    after(async () => {
        await cp?.stop();
    });

    const groups: { title: string; files: () => { file: string; label: string }[] }[] = [
        ...["baseline", "restricted"].flatMap((level) =>
            ["pass", "fail"].map((verdict) => ({
                title: `corpus ${level}/${verdict}`,
                files: () =>
                    yamlFiles(path.join(corpus, level, verdict)).map((file) => ({
                        file,
                        label: path.relative(corpus, file),
                    })),
            })),
        ),
        ...fixtureFolders.map((folder) => ({
            title: `fixtures ${folder}`,
            files: () =>
                yamlFiles(path.join(projectDir, folder)).map((file) => ({
                    file,
                    label: path.relative(projectDir, file),
                })),
        })),
    ];

    for (const group of groups) {
        describe(group.title, () => {
            let files: { file: string; label: string }[] = [];
            try {
                files = group.files();
            } catch (error) {
                it("has files", () => {
                    throw error;
                });
            }
            it("holds pod-bearing objects", () => {
                assert.ok(
                    files.flatMap((f) => casesOf(f.file, f.label)).length > 0,
                    `${group.title}: no Pod to judge`,
                );
            });
            for (const { file, label } of files) {
                for (const c of casesOf(file, label)) {
                    it(c.label, async () => {
                        const all = await packViolations(c, config);
                        const pin = labels["pod-security.kubernetes.io/enforce-version"];
                        for (const [ns, version] of [
                            [latestNamespace, "latest"],
                            [namespace, pin],
                        ]) {
                            const pod = {
                                ...c.pod,
                                metadata: { ...c.pod.metadata, namespace: ns },
                            };
                            const violations = all.filter((v) =>
                                versionAtMost(
                                    checkSince[v.slice(0, v.indexOf(":"))] ?? "v1.0",
                                    version,
                                ),
                            );
                            await judge(c.label, pod, violations, version);
                        }
                    });
                }
            }
        });
    }

    /** Asserts the API server's verdict on a Pod equals the pack's (its violations). */
    async function judge(
        label: string,
        pod: KubeObject,
        violations: string[],
        version: string,
    ): Promise<void> {
        const res = await cp.client().create(pod, "?dryRun=All");
        let admitted: boolean;
        if (res.status === 201) {
            admitted = true;
        } else if (
            res.status === 403 &&
            KubeError.reason(res.body).includes("violates PodSecurity")
        ) {
            admitted = false;
        } else if (res.status === 422) {
            // Refused by the API's own validation before Pod Security judges it (e.g.
            // procMount Unmasked without hostUsers: false): still a refusal.
            admitted = false;
        } else {
            assert.fail(
                `${label}: neither admitted nor refused by Pod Security: HTTP ${res.status}: ${KubeError.reason(res.body)}`,
            );
        }
        assert.equal(
            violations.length === 0,
            admitted,
            `${label} at enforce-version ${version}: the API server ${admitted ? "admits" : `refuses (${KubeError.reason(res.body)})`}; ` +
                `the pack ${violations.length === 0 ? "admits" : `refuses: ${violations.join("; ")}`}`,
        );
    }
});
