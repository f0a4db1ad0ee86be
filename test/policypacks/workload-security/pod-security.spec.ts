/**
 * The pod-security policies, one field at a time: a restricted-compliant fixture passes every
 * policy at both levels, and each failing case changes one field of it and asserts the exact
 * message.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { KubeObject, podBearingTypes, podTemplateOf } from "../../../policypacks/lib/workloads";
import {
    PodSecurityLevel,
    podSecurityConfigSchema,
} from "../../../policypacks/workload-security/lib/level";
import {
    checkSeccomp,
    evaluatePodSecurity,
} from "../../../policypacks/workload-security/lib/pod-security";
import { policies } from "../../../policypacks/workload-security/policies";
import {
    restrictedCronJob,
    restrictedDeployment,
    restrictedPod,
} from "../../fixtures/workloads/restricted";
import { configWithDefaults, runResourcePolicy } from "../../util/policy-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const POD = "kubernetes:core/v1:Pod";
const CRONJOB = "kubernetes:batch/v1:CronJob";

const WEB = 'Deployment "tenant-a/web"';
const P = "spec.template.spec";
const C = `${P}.containers[0]`;
const I = `${P}.initContainers[0]`;

const podSecurityPolicies = policies.filter((policy): policy is ResourceValidationPolicy =>
    policy.name.startsWith("pod-security-"),
);

function policy(name: string): ResourceValidationPolicy {
    const found = podSecurityPolicies.find((p) => p.name === name);
    assert.ok(found, `policy ${name} is not registered`);
    return found;
}

/** A restricted Deployment with one change applied to its pod spec (and template metadata). */
function deployment(change: (spec: KubeObject, template: KubeObject) => void): KubeObject {
    const object = restrictedDeployment();
    change(object.spec.template.spec, object.spec.template);
    return object;
}

interface Case {
    readonly name: string;
    readonly props: KubeObject;
    readonly type?: string;
    readonly level?: PodSecurityLevel;
    readonly expected: string[];
}

/** Declares one `it` per case: the policy's messages for the case equal `expected`. */
function cases(policyName: string, list: readonly Case[]): void {
    describe(policyName, () => {
        for (const c of list) {
            const at = c.level === undefined ? "" : ` at ${c.level}`;
            it(`${c.name}${at}`, async () => {
                const messages = await runResourcePolicy(policy(policyName), {
                    type: c.type ?? DEPLOYMENT,
                    props: c.props,
                    config: c.level === undefined ? {} : { level: c.level },
                });
                assert.deepEqual(messages, c.expected);
            });
        }
    });
}

describe("pod-security policies", () => {
    describe("registration", () => {
        const dir = path.resolve(__dirname, "../../../policypacks/workload-security/policies");
        const files = fs.readdirSync(dir).filter((f) => /^pod-security-.*\.ts$/.test(f));

        it("registers one policy per pod-security-*.ts file, named after the file", () => {
            // How many there are is tied to the upstream checks in pod-security-conformance.spec.ts.
            assert.ok(files.length > 0, "no pod-security-*.ts file");
            const fileNames = files.map((f) => f.replace(/\.ts$/, "")).sort();
            assert.deepEqual(podSecurityPolicies.map((p) => p.name).sort(), fileNames);
        });

        it("lists the pod-security policies first", () => {
            const names = policies.map((p) => p.name);
            const firstOther = names.findIndex((n) => !n.startsWith("pod-security-"));
            const last = names.map((n) => n.startsWith("pod-security-")).lastIndexOf(true);
            assert.ok(firstOther === -1 || firstOther > last, names.join(", "));
        });

        for (const file of files) {
            it(`${file} exports a mandatory policy that takes the level config`, async () => {
                const exported: Record<string, unknown> = await import(path.join(dir, file));
                const constName = file
                    .replace(/\.ts$/, "")
                    .replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
                const p = exported[constName] as ResourceValidationPolicy | undefined;
                assert.ok(p, `${file} does not export ${constName}`);
                assert.equal(p.name, file.replace(/\.ts$/, ""));
                assert.equal(p.enforcementLevel, "mandatory");
                assert.equal(p.configSchema, podSecurityConfigSchema);
                assert.ok(policies.includes(p), `${constName} is not in policies/index.ts`);
                const source = fs.readFileSync(path.join(dir, file), "utf8");
                for (const tag of ["@severity", "@frameworks", "@topics", "@link"]) {
                    assert.ok(source.includes(tag), `${file} has no ${tag}`);
                }
            });
        }
    });

    describe("compliant workloads", () => {
        const fixtures: [string, string, KubeObject][] = [
            ["Deployment", DEPLOYMENT, restrictedDeployment()],
            ["Pod with an ephemeral container", POD, restrictedPod()],
            ["CronJob", CRONJOB, restrictedCronJob()],
        ];
        for (const [kind, type, props] of fixtures) {
            for (const level of ["baseline", "restricted"] as const) {
                it(`a restricted-compliant ${kind} passes every policy at ${level}`, async () => {
                    for (const p of podSecurityPolicies) {
                        const messages = await runResourcePolicy(p, {
                            type,
                            props,
                            config: { level },
                        });
                        assert.deepEqual(messages, [], p.name);
                    }
                });
            }
        }

        it("ignores resources that carry no pod", async () => {
            const configMap = {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: "looks-like-a-pod" },
                spec: {
                    hostNetwork: true,
                    containers: [{ securityContext: { privileged: true } }],
                },
            };
            for (const p of podSecurityPolicies) {
                const messages = await runResourcePolicy(p, {
                    type: "kubernetes:core/v1:ConfigMap",
                    props: configMap,
                });
                assert.deepEqual(messages, [], p.name);
            }
        });
    });

    cases("pod-security-privileged", [
        {
            name: "rejects a privileged container",
            props: deployment((spec) => (spec.containers[0].securityContext.privileged = true)),
            expected: [
                `${WEB} runs privileged containers (app): ${C}.securityContext.privileged is true. ` +
                    `Remove privileged or set it to false.`,
            ],
        },
        {
            name: "reports every privileged container, init containers included, in one violation",
            props: deployment((spec) => {
                spec.containers[0].securityContext.privileged = true;
                spec.initContainers[0].securityContext.privileged = true;
            }),
            expected: [
                `${WEB} runs privileged containers (app, migrate): ` +
                    `${C}.securityContext.privileged, ${I}.securityContext.privileged are true. ` +
                    `Remove privileged or set it to false.`,
            ],
        },
        {
            name: "rejects a privileged ephemeral container of a Pod",
            type: POD,
            props: (() => {
                const pod = restrictedPod();
                pod.spec.ephemeralContainers[0].securityContext.privileged = true;
                return pod;
            })(),
            expected: [
                `Pod "tenant-a/debug" runs privileged containers (debugger): ` +
                    `spec.ephemeralContainers[0].securityContext.privileged is true. ` +
                    `Remove privileged or set it to false.`,
            ],
        },
        {
            name: "accepts privileged: false",
            props: deployment((spec) => (spec.containers[0].securityContext.privileged = false)),
            expected: [],
        },
    ]);

    const hostNamespacesFix = "Remove hostNetwork, hostPID and hostIPC or set them to false.";
    cases("pod-security-host-namespaces", [
        {
            name: "rejects hostNetwork",
            level: "baseline",
            props: deployment((spec) => (spec.hostNetwork = true)),
            expected: [
                `${WEB} shares host namespaces (hostNetwork): ${P}.hostNetwork is true. ${hostNamespacesFix}`,
            ],
        },
        {
            name: "rejects hostPID and hostIPC together",
            props: deployment((spec) => {
                spec.hostPID = true;
                spec.hostIPC = true;
            }),
            expected: [
                `${WEB} shares host namespaces (hostPID, hostIPC): ${P}.hostPID, ${P}.hostIPC are ` +
                    `true. ${hostNamespacesFix}`,
            ],
        },
        {
            name: "rejects hostNetwork in a CronJob",
            type: CRONJOB,
            props: (() => {
                const cronJob = restrictedCronJob();
                cronJob.spec.jobTemplate.spec.template.spec.hostNetwork = true;
                return cronJob;
            })(),
            expected: [
                `CronJob "tenant-a/report" shares host namespaces (hostNetwork): ` +
                    `spec.jobTemplate.spec.template.spec.hostNetwork is true. ${hostNamespacesFix}`,
            ],
        },
        {
            name: "accepts hostNetwork: false",
            props: deployment((spec) => (spec.hostNetwork = false)),
            expected: [],
        },
    ]);

    const hostPortsFix = "Remove hostPort (or set it to 0) and expose the port through a Service.";
    cases("pod-security-host-ports", [
        {
            name: "rejects a hostPort",
            level: "baseline",
            props: deployment((spec) => (spec.containers[0].ports[0].hostPort = 8080)),
            expected: [
                `${WEB} binds host ports (app): ${C}.ports[0].hostPort is 8080. ${hostPortsFix}`,
            ],
        },
        {
            name: "rejects a hostPort on an init container",
            props: deployment((spec) => (spec.initContainers[0].ports = [{ hostPort: 9000 }])),
            expected: [
                `${WEB} binds host ports (migrate): ${I}.ports[0].hostPort is 9000. ${hostPortsFix}`,
            ],
        },
        {
            name: "accepts hostPort: 0",
            props: deployment((spec) => (spec.containers[0].ports[0].hostPort = 0)),
            expected: [],
        },
    ]);

    const withHostPath = deployment((spec) =>
        spec.volumes.push({ name: "node-logs", hostPath: { path: "/var/log" } }),
    );
    const hostPathMessage =
        `${WEB} mounts hostPath volumes (node-logs): ${P}.volumes[3].hostPath is set. Replace ` +
        `each hostPath volume with a persistentVolumeClaim, configMap, secret, projected or ` +
        `emptyDir volume.`;
    cases("pod-security-host-path-volumes", [
        {
            name: "rejects a hostPath volume",
            level: "baseline",
            props: withHostPath,
            expected: [hostPathMessage],
        },
        {
            name: "rejects a hostPath volume",
            level: "restricted",
            props: withHostPath,
            expected: [hostPathMessage],
        },
    ]);

    const volumesFix =
        "Use only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, " +
        "projected or secret volumes.";
    const withNfs = deployment((spec) =>
        spec.volumes.push({ name: "shared", nfs: { server: "nfs.example.internal", path: "/" } }),
    );
    cases("pod-security-restricted-volumes", [
        {
            name: "rejects an nfs volume",
            level: "restricted",
            props: withNfs,
            expected: [
                `${WEB} uses volume types outside the restricted set (shared): ` +
                    `${P}.volumes[3].nfs is set. ${volumesFix}`,
            ],
        },
        { name: "accepts an nfs volume", level: "baseline", props: withNfs, expected: [] },
        {
            name: "rejects a hostPath volume as well",
            level: "restricted",
            props: withHostPath,
            expected: [
                `${WEB} uses volume types outside the restricted set (node-logs): ` +
                    `${P}.volumes[3].hostPath is set. ${volumesFix}`,
            ],
        },
        {
            name: "rejects a volume source it does not know (fail closed)",
            props: deployment((spec) => spec.volumes.push({ name: "odd", futureSource: {} })),
            expected: [
                `${WEB} uses volume types outside the restricted set (odd): ` +
                    `${P}.volumes[3].futureSource is set. ${volumesFix}`,
            ],
        },
        {
            name: "accepts every allowed source, and a volume with no source (defaulted to emptyDir)",
            level: "restricted",
            props: deployment((spec) =>
                spec.volumes.push(
                    { name: "data", persistentVolumeClaim: { claimName: "data" } },
                    { name: "creds", secret: { secretName: "creds" } },
                    { name: "labels", downwardAPI: { items: [] } },
                    { name: "scratch", ephemeral: { volumeClaimTemplate: { spec: {} } } },
                    { name: "driver", csi: { driver: "secrets-store.csi.k8s.io" } },
                    { name: "model", image: { reference: "registry.example.internal/m:1" } },
                    { name: "defaulted" },
                ),
            ),
            expected: [],
        },
    ]);

    const baselineCapsFix =
        "Add only capabilities from the baseline set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, " +
        "FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT), or none.";
    const restrictedCapsFix =
        'Set securityContext.capabilities.drop to ["ALL"] on every container and add no ' +
        "capability other than NET_BIND_SERVICE.";
    const windows = (change: (spec: KubeObject) => void): KubeObject =>
        deployment((spec) => {
            spec.os = { name: "windows" };
            change(spec);
        });
    cases("pod-security-capabilities", [
        {
            name: "rejects NET_RAW and SYS_ADMIN",
            level: "baseline",
            props: deployment(
                (spec) =>
                    (spec.containers[0].securityContext.capabilities.add = [
                        "NET_RAW",
                        "SYS_ADMIN",
                    ]),
            ),
            expected: [
                `${WEB} adds capabilities beyond the baseline set (app): ` +
                    `${C}.securityContext.capabilities.add includes "NET_RAW", "SYS_ADMIN". ${baselineCapsFix}`,
            ],
        },
        {
            name: "accepts CHOWN without dropping ALL",
            level: "baseline",
            props: deployment(
                (spec) => (spec.containers[0].securityContext.capabilities = { add: ["CHOWN"] }),
            ),
            expected: [],
        },
        {
            name: "rejects CHOWN",
            level: "restricted",
            props: deployment(
                (spec) => (spec.containers[0].securityContext.capabilities.add = ["CHOWN"]),
            ),
            expected: [
                `${WEB} does not restrict capabilities (app): ` +
                    `${C}.securityContext.capabilities.add includes "CHOWN". ${restrictedCapsFix}`,
            ],
        },
        {
            name: "rejects an init container without capabilities",
            level: "restricted",
            props: deployment((spec) => delete spec.initContainers[0].securityContext.capabilities),
            expected: [
                `${WEB} does not restrict capabilities (migrate): ` +
                    `${I}.securityContext.capabilities.drop is not set. ${restrictedCapsFix}`,
            ],
        },
        {
            name: "rejects dropping a list without ALL",
            level: "restricted",
            props: deployment(
                (spec) => (spec.containers[0].securityContext.capabilities.drop = ["NET_RAW"]),
            ),
            expected: [
                `${WEB} does not restrict capabilities (app): ` +
                    `${C}.securityContext.capabilities.drop does not include "ALL". ${restrictedCapsFix}`,
            ],
        },
        {
            name: "accepts adding NET_BIND_SERVICE",
            level: "restricted",
            props: deployment(
                (spec) =>
                    (spec.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"]),
            ),
            expected: [],
        },
        {
            name: "exempts a Windows pod",
            level: "restricted",
            props: windows((spec) => delete spec.containers[0].securityContext.capabilities),
            expected: [],
        },
        {
            name: "does not exempt a Windows pod",
            level: "baseline",
            props: windows(
                (spec) => (spec.containers[0].securityContext.capabilities.add = ["NET_RAW"]),
            ),
            expected: [
                `${WEB} adds capabilities beyond the baseline set (app): ` +
                    `${C}.securityContext.capabilities.add includes "NET_RAW". ${baselineCapsFix}`,
            ],
        },
    ]);

    const escalationFix =
        "Set securityContext.allowPrivilegeEscalation to false on every container.";
    cases("pod-security-allow-privilege-escalation", [
        {
            name: "rejects an unset allowPrivilegeEscalation",
            level: "restricted",
            props: deployment(
                (spec) => delete spec.containers[0].securityContext.allowPrivilegeEscalation,
            ),
            expected: [
                `${WEB} allows privilege escalation (app): ` +
                    `${C}.securityContext.allowPrivilegeEscalation is not set. ${escalationFix}`,
            ],
        },
        {
            name: "rejects allowPrivilegeEscalation: true on an init container",
            level: "restricted",
            props: deployment(
                (spec) => (spec.initContainers[0].securityContext.allowPrivilegeEscalation = true),
            ),
            expected: [
                `${WEB} allows privilege escalation (migrate): ` +
                    `${I}.securityContext.allowPrivilegeEscalation is true. ${escalationFix}`,
            ],
        },
        {
            name: "rejects an ephemeral container without a security context",
            level: "restricted",
            type: POD,
            props: (() => {
                const pod = restrictedPod();
                delete pod.spec.ephemeralContainers[0].securityContext;
                return pod;
            })(),
            expected: [
                `Pod "tenant-a/debug" allows privilege escalation (debugger): ` +
                    `spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation is not set. ` +
                    escalationFix,
            ],
        },
        {
            name: "accepts an unset allowPrivilegeEscalation",
            level: "baseline",
            props: deployment(
                (spec) => delete spec.containers[0].securityContext.allowPrivilegeEscalation,
            ),
            expected: [],
        },
        {
            name: "exempts a Windows pod",
            level: "restricted",
            props: windows(
                (spec) => delete spec.containers[0].securityContext.allowPrivilegeEscalation,
            ),
            expected: [],
        },
    ]);

    const nonRootFix = `Set ${P}.securityContext.runAsNonRoot to true and do not set runAsNonRoot to false on any container.`;
    cases("pod-security-run-as-non-root", [
        {
            name: "rejects a pod that does not set runAsNonRoot anywhere",
            level: "restricted",
            props: deployment((spec) => delete spec.securityContext.runAsNonRoot),
            expected: [
                `${WEB} may run as root (app, migrate): ${P}.securityContext.runAsNonRoot, ` +
                    `${C}.securityContext.runAsNonRoot, ${I}.securityContext.runAsNonRoot are not set. ` +
                    nonRootFix,
            ],
        },
        {
            name: "rejects a container that sets false under a pod-level true",
            level: "restricted",
            props: deployment((spec) => (spec.containers[0].securityContext.runAsNonRoot = false)),
            expected: [
                `${WEB} may run as root (app): ${C}.securityContext.runAsNonRoot is false. ${nonRootFix}`,
            ],
        },
        {
            name: "rejects a pod-level false even when every container sets true",
            level: "restricted",
            props: deployment((spec) => {
                spec.securityContext.runAsNonRoot = false;
                spec.containers[0].securityContext.runAsNonRoot = true;
                spec.initContainers[0].securityContext.runAsNonRoot = true;
            }),
            expected: [
                `${WEB} may run as root (pod): ${P}.securityContext.runAsNonRoot is false. ${nonRootFix}`,
            ],
        },
        {
            name: "accepts every container setting true without a pod-level value",
            level: "restricted",
            props: deployment((spec) => {
                delete spec.securityContext.runAsNonRoot;
                spec.containers[0].securityContext.runAsNonRoot = true;
                spec.initContainers[0].securityContext.runAsNonRoot = true;
            }),
            expected: [],
        },
        {
            name: "accepts a pod in a user namespace (hostUsers: false)",
            level: "restricted",
            props: deployment((spec) => {
                spec.hostUsers = false;
                spec.securityContext.runAsNonRoot = false;
            }),
            expected: [],
        },
        {
            name: "accepts a pod that does not set runAsNonRoot",
            level: "baseline",
            props: deployment((spec) => delete spec.securityContext.runAsNonRoot),
            expected: [],
        },
        {
            name: "applies restricted when no level is configured",
            props: deployment(
                (spec) => (spec.initContainers[0].securityContext.runAsNonRoot = false),
            ),
            expected: [
                `${WEB} may run as root (migrate): ${I}.securityContext.runAsNonRoot is false. ${nonRootFix}`,
            ],
        },
    ]);

    const runAsUserFix =
        "Set runAsUser to a non-zero UID or remove it (runAsNonRoot: true keeps UID 0 out).";
    cases("pod-security-run-as-user", [
        {
            name: "rejects a pod-level runAsUser: 0",
            level: "restricted",
            props: deployment((spec) => (spec.securityContext.runAsUser = 0)),
            expected: [
                `${WEB} runs as root (pod): ${P}.securityContext.runAsUser is 0. ${runAsUserFix}`,
            ],
        },
        {
            name: "rejects runAsUser: 0 on an init container",
            level: "restricted",
            props: deployment((spec) => (spec.initContainers[0].securityContext.runAsUser = 0)),
            expected: [
                `${WEB} runs as root (migrate): ${I}.securityContext.runAsUser is 0. ${runAsUserFix}`,
            ],
        },
        {
            name: "accepts runAsUser: 0 in a user namespace (hostUsers: false)",
            level: "restricted",
            props: deployment((spec) => {
                spec.hostUsers = false;
                spec.securityContext.runAsUser = 0;
            }),
            expected: [],
        },
        {
            name: "accepts runAsUser: 0",
            level: "baseline",
            props: deployment((spec) => (spec.securityContext.runAsUser = 0)),
            expected: [],
        },
    ]);

    const seccompRestrictedFix =
        `Set ${P}.securityContext.seccompProfile.type to RuntimeDefault (or Localhost), and do not ` +
        `override it with any other type on a container.`;
    const seccompBaselineFix =
        "Set seccompProfile.type to RuntimeDefault or Localhost, or leave it unset.";
    cases("pod-security-seccomp", [
        {
            name: "rejects a pod without any seccomp profile",
            level: "restricted",
            props: deployment((spec) => delete spec.securityContext.seccompProfile),
            expected: [
                `${WEB} does not confine every container with seccomp (app, migrate): ` +
                    `${P}.securityContext.seccompProfile.type, ${C}.securityContext.seccompProfile.type, ` +
                    `${I}.securityContext.seccompProfile.type are not set. ${seccompRestrictedFix}`,
            ],
        },
        {
            name: "rejects a container that overrides the pod profile with Unconfined",
            level: "restricted",
            props: deployment(
                (spec) =>
                    (spec.containers[0].securityContext.seccompProfile = { type: "Unconfined" }),
            ),
            expected: [
                `${WEB} does not confine every container with seccomp (app): ` +
                    `${C}.securityContext.seccompProfile.type is "Unconfined". ${seccompRestrictedFix}`,
            ],
        },
        {
            name: "rejects a CronJob without a seccomp profile",
            level: "restricted",
            type: CRONJOB,
            props: (() => {
                const cronJob = restrictedCronJob();
                delete cronJob.spec.jobTemplate.spec.template.spec.securityContext.seccompProfile;
                cronJob.spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.seccompProfile =
                    { type: "RuntimeDefault" };
                return cronJob;
            })(),
            expected: [
                `CronJob "tenant-a/report" does not confine every container with seccomp (app): ` +
                    `spec.jobTemplate.spec.template.spec.securityContext.seccompProfile.type, ` +
                    `spec.jobTemplate.spec.template.spec.containers[0].securityContext.seccompProfile.type ` +
                    `are not set. Set spec.jobTemplate.spec.template.spec.securityContext.seccompProfile.type ` +
                    `to RuntimeDefault (or Localhost), and do not override it with any other type on a container.`,
            ],
        },
        {
            name: "accepts every container setting its own profile",
            level: "restricted",
            props: deployment((spec) => {
                delete spec.securityContext.seccompProfile;
                spec.containers[0].securityContext.seccompProfile = { type: "RuntimeDefault" };
                spec.initContainers[0].securityContext.seccompProfile = {
                    type: "Localhost",
                    localhostProfile: "profiles/migrate.json",
                };
            }),
            expected: [],
        },
        {
            name: "exempts a Windows pod",
            level: "restricted",
            props: windows((spec) => delete spec.securityContext.seccompProfile),
            expected: [],
        },
        {
            name: "rejects a pod-level Unconfined profile",
            level: "baseline",
            props: deployment(
                (spec) => (spec.securityContext.seccompProfile = { type: "Unconfined" }),
            ),
            expected: [
                `${WEB} sets a forbidden seccomp profile (pod): ` +
                    `${P}.securityContext.seccompProfile.type is "Unconfined". ${seccompBaselineFix}`,
            ],
        },
        {
            name: "accepts a pod without any seccomp profile",
            level: "baseline",
            props: deployment((spec) => delete spec.securityContext.seccompProfile),
            expected: [],
        },
    ]);

    const appArmorFix =
        "Use the RuntimeDefault or Localhost AppArmor profile type (annotation value " +
        "runtime/default or localhost/<profile>), or leave it unset.";
    const annotation = "container.apparmor.security.beta.kubernetes.io";
    cases("pod-security-apparmor", [
        {
            name: "rejects an unconfined annotation",
            level: "baseline",
            props: deployment(
                (_, template) =>
                    (template.metadata.annotations = { [`${annotation}/app`]: "unconfined" }),
            ),
            expected: [
                `${WEB} sets forbidden AppArmor profiles (app): ` +
                    `spec.template.metadata.annotations["${annotation}/app"] is "unconfined". ${appArmorFix}`,
            ],
        },
        {
            name: "rejects an Unconfined appArmorProfile on an init container",
            props: deployment(
                (spec) =>
                    (spec.initContainers[0].securityContext.appArmorProfile = {
                        type: "Unconfined",
                    }),
            ),
            expected: [
                `${WEB} sets forbidden AppArmor profiles (migrate): ` +
                    `${I}.securityContext.appArmorProfile.type is "Unconfined". ${appArmorFix}`,
            ],
        },
        {
            name: "rejects a pod-level Unconfined appArmorProfile",
            props: deployment(
                (spec) => (spec.securityContext.appArmorProfile = { type: "Unconfined" }),
            ),
            expected: [
                `${WEB} sets forbidden AppArmor profiles (pod): ` +
                    `${P}.securityContext.appArmorProfile.type is "Unconfined". ${appArmorFix}`,
            ],
        },
        {
            name: "names the annotation of a Pod under metadata",
            type: POD,
            props: (() => {
                const pod = restrictedPod();
                pod.metadata.annotations = { [`${annotation}/debugger`]: "unconfined" };
                return pod;
            })(),
            expected: [
                `Pod "tenant-a/debug" sets forbidden AppArmor profiles (debugger): ` +
                    `metadata.annotations["${annotation}/debugger"] is "unconfined". ${appArmorFix}`,
            ],
        },
        {
            name: "accepts localhost and runtime/default annotations and a Localhost field",
            props: deployment((spec, template) => {
                template.metadata.annotations = {
                    [`${annotation}/app`]: "localhost/web",
                    [`${annotation}/migrate`]: "runtime/default",
                };
                spec.containers[0].securityContext.appArmorProfile = {
                    type: "Localhost",
                    localhostProfile: "web",
                };
            }),
            expected: [],
        },
    ]);

    const seLinuxFix =
        "Leave seLinuxOptions.user and seLinuxOptions.role unset, and set seLinuxOptions.type only " +
        "to container_t, container_init_t, container_kvm_t or container_engine_t.";
    cases("pod-security-selinux", [
        {
            name: "rejects a pod-level spc_t type",
            level: "baseline",
            props: deployment((spec) => (spec.securityContext.seLinuxOptions = { type: "spc_t" })),
            expected: [
                `${WEB} sets forbidden SELinux options (pod): ` +
                    `${P}.securityContext.seLinuxOptions.type is "spc_t". ${seLinuxFix}`,
            ],
        },
        {
            name: "rejects a container-level user and role",
            props: deployment(
                (spec) =>
                    (spec.containers[0].securityContext.seLinuxOptions = {
                        user: "system_u",
                        role: "system_r",
                    }),
            ),
            expected: [
                `${WEB} sets forbidden SELinux options (app): ` +
                    `${C}.securityContext.seLinuxOptions.user is "system_u"; ` +
                    `${C}.securityContext.seLinuxOptions.role is "system_r". ${seLinuxFix}`,
            ],
        },
        {
            name: "accepts container_engine_t and a level",
            props: deployment(
                (spec) =>
                    (spec.containers[0].securityContext.seLinuxOptions = {
                        type: "container_engine_t",
                        level: "s0:c1,c2",
                    }),
            ),
            expected: [],
        },
    ]);

    const unmasked = deployment(
        (spec) => (spec.containers[0].securityContext.procMount = "Unmasked"),
    );
    const unmaskedInUserNamespace = deployment((spec) => {
        spec.hostUsers = false;
        spec.containers[0].securityContext.procMount = "Unmasked";
    });
    cases("pod-security-proc-mount", [
        {
            name: "rejects an Unmasked /proc",
            level: "baseline",
            props: unmasked,
            expected: [
                `${WEB} unmasks /proc (app): ${C}.securityContext.procMount is "Unmasked". Remove ` +
                    `procMount or set it to Default (any value is allowed only with spec.hostUsers: false).`,
            ],
        },
        {
            name: "accepts an Unmasked /proc in a user namespace (hostUsers: false)",
            level: "baseline",
            props: unmaskedInUserNamespace,
            expected: [],
        },
        {
            name: "rejects an Unmasked /proc even in a user namespace",
            level: "restricted",
            props: unmaskedInUserNamespace,
            expected: [
                `${WEB} unmasks /proc (app): ${C}.securityContext.procMount is "Unmasked". ` +
                    `Remove procMount or set it to Default.`,
            ],
        },
        {
            name: "accepts procMount: Default",
            props: deployment((spec) => (spec.containers[0].securityContext.procMount = "Default")),
            expected: [],
        },
    ]);

    const sysctlsFix =
        "Remove them; only these sysctls are allowed: kernel.shm_rmid_forced, " +
        "net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, " +
        "net.ipv4.ip_unprivileged_port_start, net.ipv4.ip_local_reserved_ports, " +
        "net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, " +
        "net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_rmem, net.ipv4.tcp_wmem.";
    const sysctl = (name: string): KubeObject =>
        deployment((spec) => spec.securityContext.sysctls.push({ name, value: "1" }));
    cases("pod-security-sysctls", [
        {
            name: "rejects kernel.msgmax",
            level: "baseline",
            props: sysctl("kernel.msgmax"),
            expected: [
                `${WEB} sets unsafe sysctls (kernel.msgmax): ` +
                    `${P}.securityContext.sysctls[1].name is "kernel.msgmax". ${sysctlsFix}`,
            ],
        },
        {
            name: "rejects a sysctl first allowed in v1.37",
            props: sysctl("net.ipv4.tcp_slow_start_after_idle"),
            expected: [
                `${WEB} sets unsafe sysctls (net.ipv4.tcp_slow_start_after_idle): ` +
                    `${P}.securityContext.sysctls[1].name is "net.ipv4.tcp_slow_start_after_idle". ${sysctlsFix}`,
            ],
        },
        {
            name: "accepts net.ipv4.tcp_rmem (v1.32)",
            props: sysctl("net.ipv4.tcp_rmem"),
            expected: [],
        },
    ]);

    const hostProcessFix = "Remove windowsOptions.hostProcess or set it to false.";
    cases("pod-security-windows-host-process", [
        {
            name: "rejects a pod-level hostProcess",
            level: "baseline",
            props: windows((spec) => (spec.securityContext.windowsOptions = { hostProcess: true })),
            expected: [
                `${WEB} runs Windows HostProcess containers (pod): ` +
                    `${P}.securityContext.windowsOptions.hostProcess is true. ${hostProcessFix}`,
            ],
        },
        {
            name: "rejects a container-level hostProcess",
            props: windows(
                (spec) =>
                    (spec.containers[0].securityContext.windowsOptions = { hostProcess: true }),
            ),
            expected: [
                `${WEB} runs Windows HostProcess containers (app): ` +
                    `${C}.securityContext.windowsOptions.hostProcess is true. ${hostProcessFix}`,
            ],
        },
        {
            name: "accepts hostProcess: false",
            props: windows(
                (spec) => (spec.securityContext.windowsOptions = { hostProcess: false }),
            ),
            expected: [],
        },
    ]);

    const hostProbeFix =
        "Remove host so the kubelet targets the pod's own IP; to send a Host header, use " +
        "httpGet.httpHeaders.";
    cases("pod-security-host-probes", [
        {
            name: "rejects a liveness probe aimed at another host",
            level: "baseline",
            props: deployment(
                (spec) => (spec.containers[0].livenessProbe.httpGet.host = "169.254.169.254"),
            ),
            expected: [
                `${WEB} points probes or lifecycle hooks at a host (app): ` +
                    `${C}.livenessProbe.httpGet.host is "169.254.169.254". ${hostProbeFix}`,
            ],
        },
        {
            name: "rejects a readiness probe and a preStop hook of the same container",
            props: deployment((spec) => {
                spec.containers[0].readinessProbe.tcpSocket.host = "10.0.0.1";
                spec.containers[0].lifecycle.preStop.httpGet.host = "drain.example.internal";
            }),
            expected: [
                `${WEB} points probes or lifecycle hooks at a host (app): ` +
                    `${C}.readinessProbe.tcpSocket.host is "10.0.0.1"; ` +
                    `${C}.lifecycle.preStop.httpGet.host is "drain.example.internal". ${hostProbeFix}`,
            ],
        },
        {
            name: "accepts an empty host",
            props: deployment((spec) => (spec.containers[0].livenessProbe.httpGet.host = "")),
            expected: [],
        },
    ]);

    describe("pod-bearing kinds", () => {
        /** Where each kind keeps its pod spec, written out here rather than read from the code. */
        const podSpecPath: Record<string, string> = {
            Pod: "spec",
            PodTemplate: "template.spec",
            CronJob: "spec.jobTemplate.spec.template.spec",
        };
        for (const type of podBearingTypes) {
            const kind = type.split(":").pop() as string;
            const specPath = podSpecPath[kind] ?? "spec.template.spec";
            it(`${type}: finds a privileged container at ${specPath}`, async () => {
                const props: KubeObject = { metadata: { name: "x", namespace: "tenant-a" } };
                let node = props;
                for (const key of specPath.split(".")) {
                    node = node[key] = {};
                }
                node.containers = [{ name: "c", securityContext: { privileged: true } }];
                const messages = await runResourcePolicy(policy("pod-security-privileged"), {
                    type,
                    props,
                });
                assert.deepEqual(messages, [
                    `${kind} "tenant-a/x" runs privileged containers (c): ` +
                        `${specPath}.containers[0].securityContext.privileged is true. ` +
                        `Remove privileged or set it to false.`,
                ]);
            });
        }

        it("names an object without metadata by its Pulumi resource name", async () => {
            const props = restrictedDeployment();
            delete props.metadata;
            props.spec.template.spec.hostIPC = true;
            const messages = await runResourcePolicy(policy("pod-security-host-namespaces"), {
                type: DEPLOYMENT,
                props,
                name: "web-deployment",
            });
            assert.deepEqual(messages, [
                `Deployment "web-deployment" shares host namespaces (hostIPC): ${P}.hostIPC is true. ` +
                    hostNamespacesFix,
            ]);
        });
    });

    describe("level config", () => {
        it("defaults to restricted", () => {
            assert.deepEqual(configWithDefaults("p", podSecurityConfigSchema), {
                level: "restricted",
            });
        });

        it("refuses a level the schema does not allow", async () => {
            await assert.rejects(
                runResourcePolicy(policy("pod-security-seccomp"), {
                    type: DEPLOYMENT,
                    props: restrictedDeployment(),
                    config: { level: "privileged" },
                }),
                /config "level" must be one of \["baseline","restricted"\], got "privileged"/,
            );
        });
    });

    describe("evaluatePodSecurity", () => {
        const templateOf = (props: KubeObject) => {
            const template = podTemplateOf(DEPLOYMENT, props);
            assert.ok(template);
            return template;
        };

        it("finds nothing wrong with the restricted fixture at either level", () => {
            assert.deepEqual(
                evaluatePodSecurity(templateOf(restrictedDeployment()), "restricted"),
                [],
            );
            assert.deepEqual(
                evaluatePodSecurity(templateOf(restrictedDeployment()), "baseline"),
                [],
            );
        });

        it("judges a check called without a level as restricted (fail closed)", () => {
            const template = templateOf(
                deployment((spec) => delete spec.securityContext.seccompProfile),
            );
            assert.equal(checkSeccomp(template)?.check, "seccompProfile_restricted");
            assert.equal(checkSeccomp(template, "baseline"), undefined);
        });

        it("fails a bare pod only on the restricted checks", () => {
            const bare = deployment((spec) => {
                delete spec.securityContext;
                for (const container of [...spec.containers, ...spec.initContainers]) {
                    delete container.securityContext;
                }
            });
            assert.deepEqual(evaluatePodSecurity(templateOf(bare), "baseline"), []);
            assert.deepEqual(
                evaluatePodSecurity(templateOf(bare), "restricted").map((failure) => failure.check),
                [
                    "capabilities_restricted",
                    "allowPrivilegeEscalation",
                    "runAsNonRoot",
                    "seccompProfile_restricted",
                ],
            );
        });
    });
});
