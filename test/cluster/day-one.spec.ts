/**
 * Group 5, day one: kube-apiserver runs with the dev stack's admission plugins and
 * AdmissionConfiguration, kube-controller-manager runs, and one Node object stands in for a node
 * (no kubelet: Pods stay Pending, which is all admission needs). What Pod creation depends on is
 * applied from out/dev/manifests.yaml (Namespaces with their own Pod Security labels,
 * ServiceAccounts, PriorityClasses, ResourceQuotas, LimitRanges, ValidatingAdmissionPolicies and
 * their bindings), then the platform's Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs;
 * kube-controller-manager makes their Pods and none may be refused (no FailedCreate event). The
 * same run with every exempt namespace (enforce level below restricted) labelled as the tenants
 * are must get FailedCreate events from Pod Security: a broken exemption fails the check.
 *
 * Which workloads: the default check renders no chart (no chart code on the machine, no network),
 * so out/dev holds no workload of the platform; then the group runs on two stand-ins shaped like
 * them (the same shapes as test/fixtures/admission/charts.ts): a node agent like Falco's DaemonSet
 * (root, eBPF capabilities, a read-only host path) in `falco`, a restricted controller Deployment in
 * `cert-manager`, and says so in its title. With the charts vendored (docs/air-gap.md, "Vendoring
 * the charts") and `CLUSTER_TIER_OUT` pointing at that check's output, it runs on the charts' own
 * workloads. Not applied: webhook configurations (Gatekeeper, Kyverno, cert-manager, Linkerd), as
 * their backends do not run and a failurePolicy Fail webhook would refuse every Pod; CronJobs (their
 * Jobs wait for the schedule). The project installs no ValidatingAdmissionPolicy today.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { ControlPlane, startControlPlane } from "./control-plane";
import { KubeObject, waitFor } from "./kube";
import { readObjects, stackApiServer, stackOutputs } from "./stack";

const image = `registry.sovereign.example/platform/agent:1.0.0@sha256:${"5a".repeat(32)}`;

/** A DaemonSet shaped like the platform's Falco: root, eBPF capabilities, read-only host paths. */
function nodeAgent(namespace: string): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "node-agent", namespace },
        spec: {
            selector: { matchLabels: { app: "node-agent" } },
            template: {
                metadata: { labels: { app: "node-agent" } },
                spec: {
                    automountServiceAccountToken: false,
                    containers: [
                        {
                            name: "agent",
                            image,
                            securityContext: {
                                runAsUser: 0,
                                privileged: false,
                                capabilities: {
                                    add: ["BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE"],
                                    drop: ["ALL"],
                                },
                            },
                            volumeMounts: [
                                { name: "proc", mountPath: "/host/proc", readOnly: true },
                            ],
                        },
                    ],
                    volumes: [{ name: "proc", hostPath: { path: "/proc" } }],
                },
            },
        },
    };
}

/** A Deployment of a controller that meets restricted. */
function restrictedController(namespace: string): KubeObject {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "controller", namespace },
        spec: {
            replicas: 2,
            selector: { matchLabels: { app: "controller" } },
            template: {
                metadata: { labels: { app: "controller" } },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: 65532,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    containers: [
                        {
                            name: "controller",
                            image,
                            securityContext: {
                                allowPrivilegeEscalation: false,
                                capabilities: { drop: ["ALL"] },
                            },
                        },
                    ],
                },
            },
        },
    };
}

/** Kinds Pod creation depends on, applied before the workloads (in this order). */
const prerequisiteKinds = [
    "Namespace",
    "ServiceAccount",
    "PriorityClass",
    "ResourceQuota",
    "LimitRange",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
];
/** Kinds whose controller in kube-controller-manager makes Pods at once (a CronJob waits for its schedule). */
const workloadKinds = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"];

/** How many Pods a workload's controller makes at once on a one-node cluster where no Pod becomes Ready. */
function podsExpected(w: KubeObject): number {
    switch (w.kind) {
        case "DaemonSet":
            return 1;
        case "StatefulSet":
            // OrderedReady makes the next Pod only once the previous one is Ready: never, without a kubelet.
            return w.spec.podManagementPolicy === "Parallel"
                ? (w.spec.replicas ?? 1)
                : Math.min(1, w.spec.replicas ?? 1);
        case "Job":
            return Math.min(w.spec.parallelism ?? 1, w.spec.completions ?? Number.MAX_SAFE_INTEGER);
        default:
            return w.spec.replicas ?? 1;
    }
}

describe("API-server tier, group 5: day one, kube-controller-manager makes the platform's Pods", function () {
    let cp: ControlPlane;
    let objects: KubeObject[];
    let workloads: KubeObject[];
    let exempt: Set<string>;
    let tenantLabels: [string, string][];
    let source = "";

    before(async function () {
        const rendered = readObjects(path.join(stackOutputs("dev"), "manifests.yaml"));
        const platformWorkloads = rendered.filter((o) => workloadKinds.includes(o.kind));
        // Without vendored charts the check renders no workload: the stand-ins take their place.
        workloads =
            platformWorkloads.length > 0
                ? platformWorkloads
                : [nodeAgent("falco"), restrictedController("cert-manager")];
        source =
            platformWorkloads.length > 0
                ? ` (${platformWorkloads.length} rendered workloads)`
                : " (stand-in workloads: out/dev renders none)";
        objects = [
            ...prerequisiteKinds.flatMap((kind) => rendered.filter((o) => o.kind === kind)),
            ...workloads,
        ];
        const namespaces = rendered.filter((o) => o.kind === "Namespace");
        exempt = new Set(
            namespaces
                .filter(
                    (ns) =>
                        ns.metadata.labels?.["pod-security.kubernetes.io/enforce"] !== "restricted",
                )
                .map((ns) => ns.metadata.name as string),
        );
        const tenant = namespaces.find(
            (o) => o.metadata?.labels?.["app.kubernetes.io/component"] === "tenant-namespace",
        );
        assert.ok(tenant !== undefined, "out/dev/manifests.yaml holds a tenant namespace");
        tenantLabels = Object.entries(tenant.metadata.labels as Record<string, string>).filter(
            ([k]) => k.startsWith("pod-security.kubernetes.io/"),
        );
        cp = await startControlPlane({
            name: "day-one",
            ...stackApiServer("dev", { admission: true }),
            controllerManager: true,
        });
        const client = cp.client();
        const node = await client.json("POST", "/api/v1/nodes", {
            apiVersion: "v1",
            kind: "Node",
            metadata: {
                name: "node-1",
                labels: {
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": "node-1",
                },
            },
        });
        // What the kubelet would report: Ready. The TaintNodesByCondition admission plugin tainted the
        // new Node not-ready; the node lifecycle controller (off: no kubelet) would lift it once Ready.
        node.status = {
            conditions: [
                {
                    type: "Ready",
                    status: "True",
                    reason: "KubeletReady",
                    message: "stand-in node (no kubelet)",
                    lastHeartbeatTime: new Date().toISOString(),
                    lastTransitionTime: new Date().toISOString(),
                },
            ],
        };
        const ready = await client.json("PUT", "/api/v1/nodes/node-1/status", node);
        ready.spec.taints = [];
        await client.json("PUT", "/api/v1/nodes/node-1", ready);
    });
    after(async () => {
        await cp?.stop();
    });

    /**
     * Applies the prerequisites and the workloads, every namespace renamed with `suffix` and
     * relabelled by `relabel`, waits until each workload has its Pods or a FailedCreate event, and
     * returns the FailedCreate messages and the number of Pods made.
     */
    async function dayOne(
        suffix: string,
        relabel: (ns: KubeObject) => void,
    ): Promise<{ failed: string[]; pods: number }> {
        const client = cp.client();
        const rename = (original: KubeObject): KubeObject => {
            const obj = structuredClone(original);
            if (obj.kind === "Namespace") {
                obj.metadata.name = `${obj.metadata.name}${suffix}`;
                relabel(obj);
            } else if (obj.metadata.namespace !== undefined) {
                obj.metadata.namespace = `${obj.metadata.namespace}${suffix}`;
            }
            return obj;
        };
        const applied = objects.map(rename);
        const workloadNamespaces = new Set(
            workloads.map((w) => `${w.metadata.namespace}${suffix}`),
        );
        for (const obj of applied) {
            if (workloadKinds.includes(obj.kind)) {
                continue;
            }
            await client.apply(obj);
            if (obj.kind === "Namespace" && workloadNamespaces.has(obj.metadata.name)) {
                await waitFor(`ServiceAccount default in ${obj.metadata.name}`, () =>
                    client.get("v1", "ServiceAccount", obj.metadata.name, "default"),
                );
            }
        }
        const created = applied.filter((o) => workloadKinds.includes(o.kind));
        for (const w of created) {
            await client.apply(w);
        }
        const failed: string[] = [];
        let pods = 0;
        for (const w of created) {
            const ns = w.metadata.namespace as string;
            const want = podsExpected(w);
            const selector = Object.entries(
                (w.spec.selector?.matchLabels ?? {}) as Record<string, string>,
            )
                .map(([k, v]) => `${k}=${v}`)
                .join(",");
            const outcome = await waitFor(
                `${w.kind} ${ns}/${w.metadata.name}: ${want} Pods or a FailedCreate`,
                async () => {
                    const events = (await client.list("v1", "Event", ns)).filter(
                        (e) =>
                            e.reason === "FailedCreate" &&
                            e.involvedObject.name.startsWith(w.metadata.name),
                    );
                    if (events.length > 0) {
                        return {
                            failed: events.map(
                                (e) =>
                                    `${ns}: ${e.involvedObject.kind} ${e.involvedObject.name}: ${e.message}`,
                            ),
                            pods: 0,
                        };
                    }
                    const count = (
                        await client.list(
                            "v1",
                            "Pod",
                            ns,
                            `?labelSelector=${encodeURIComponent(selector)}`,
                        )
                    ).length;
                    return count >= want ? { failed: [], pods: count } : undefined;
                },
                120_000,
                500,
            );
            failed.push(...outcome.failed);
            pods += outcome.pods;
        }
        return { failed, pods };
    }

    it("creates every Pod of the workloads in the dev namespaces as labelled: no FailedCreate", async function () {
        this.test!.title += source;
        const { failed, pods } = await dayOne("", () => undefined);
        assert.deepEqual(failed, [], "Pods refused on day one");
        assert.equal(
            pods,
            workloads.map(podsExpected).reduce((a, b) => a + b, 0),
            "every Pod the controllers make at once",
        );
    });

    it("a broken exemption (exempt namespaces labelled as tenants) is caught: FailedCreate from Pod Security", async () => {
        assert.ok(exempt.size > 0, "dev has namespaces exempt from restricted");
        assert.ok(
            workloads.some((w) => exempt.has(w.metadata.namespace)),
            "a workload runs in an exempt namespace",
        );
        const { failed } = await dayOne("-broken", (ns) => {
            if (exempt.has(ns.metadata.name.replace(/-broken$/, ""))) {
                for (const [k, v] of tenantLabels) {
                    ns.metadata.labels[k] = v;
                }
            }
        });
        assert.ok(failed.length > 0, "the broken exemption must make the day-one check fail");
        for (const message of failed) {
            assert.ok(
                exempt.has(message.slice(0, message.indexOf(":")).replace(/-broken$/, "")),
                `refused outside the broken namespaces: ${message}`,
            );
            assert.match(message, /violates PodSecurity "restricted:/);
        }
    });
});
