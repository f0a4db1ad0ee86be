/**
 * Group 5, day one: kube-apiserver runs with the dev stack's admission plugins and
 * AdmissionConfiguration, kube-controller-manager runs, and one Node object stands in for a node
 * (no kubelet: Pods stay Pending, which is all admission needs). The dev stack is rendered with the
 * platform's real charts (test/cluster/charts.ts: Gatekeeper 3.23.0, Kyverno 3.9.0 and
 * cert-manager v1.21.1 from their upstream sources on the Go module proxy, through
 * `charts.overrides.<name>.localPath`). What Pod creation depends on is applied from that render
 * (Namespaces with their own Pod Security labels, ServiceAccounts, PriorityClasses,
 * ResourceQuotas, LimitRanges, ValidatingAdmissionPolicies and their bindings), then the charts'
 * Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs, each named in
 * {@link chartWorkloads}; kube-controller-manager makes their Pods and none may be refused (no
 * FailedCreate event). The same run with every exempt namespace (enforce level below restricted)
 * labelled as the tenants are must get FailedCreate events from Pod Security there: a broken
 * exemption fails the check.
 *
 * Falco's and Linkerd's charts are not served by the Go module proxy, so the exempt namespaces
 * (`falco`, `linkerd-cni`) get no rendered workload: a node agent shaped like Falco's DaemonSet
 * (root, eBPF capabilities, a read-only host path; the shape of test/fixtures/admission/charts.ts)
 * stands in for it in `falco`, and the titles say so. Not applied: webhook configurations
 * (Gatekeeper, Kyverno, cert-manager), as their backends do not run and a failurePolicy Fail
 * webhook would refuse every Pod; CronJobs (their Jobs wait for the schedule). The project installs
 * no ValidatingAdmissionPolicy (the render holds none; Kyverno generates its own only once it runs).
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { ControlPlane, startControlPlane } from "./control-plane";
import { renderWithCharts } from "./charts";
import { KubeObject, waitFor } from "./kube";
import { readObjects, stackApiServer } from "./stack";

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

/**
 * The workloads the dev stack's render of the real charts holds, as `<Kind> <namespace>/<name>`:
 * each must get its Pods. A chart version that adds or drops one changes this list on purpose.
 */
const chartWorkloads = [
    "Deployment cert-manager/cert-manager",
    "Deployment cert-manager/cert-manager-cainjector",
    "Deployment cert-manager/cert-manager-webhook",
    "Deployment gatekeeper-system/gatekeeper-audit",
    "Deployment gatekeeper-system/gatekeeper-controller-manager",
    "Deployment kyverno/kyverno-admission-controller",
    "Deployment kyverno/kyverno-background-controller",
    "Deployment kyverno/kyverno-cleanup-controller",
    "Deployment kyverno/kyverno-reports-controller",
];

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

/** A workload as `<Kind> <namespace>/<name>`. */
function workloadId(w: KubeObject): string {
    return `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`;
}

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

/**
 * Whether an event's object is the workload or the object its controller makes Pods through (a
 * Deployment's ReplicaSets are `<name>-<pod-template-hash>`).
 */
function eventOf(w: KubeObject, involved: string): boolean {
    const name = w.metadata.name as string;
    return (
        involved === name ||
        (w.kind === "Deployment" &&
            involved.startsWith(`${name}-`) &&
            /^[a-z0-9]+$/.test(involved.slice(name.length + 1)))
    );
}

/** What one day-one run got: the FailedCreate messages and the Pods made, by workload. */
interface DayOne {
    readonly failed: string[];
    /** `<Kind> <namespace>/<name>` (namespace without the run's suffix) → Pods made. */
    readonly pods: Map<string, number>;
}

/**
 * The day-one checks of one stack rendered with the real charts; `brokenExemption` adds the run
 * with the exempt namespaces labelled as tenants.
 */
function dayOneSuite(stack: string, brokenExemption: boolean): void {
    describe(`API-server tier, group 5: day one of ${stack}, kube-controller-manager makes the platform's Pods`, function () {
        let cp: ControlPlane;
        let objects: KubeObject[];
        let rendered: KubeObject[];
        let workloads: KubeObject[];
        let exempt: Set<string>;
        let tenantLabels: [string, string][];

        before(async function () {
            rendered = readObjects(path.join(renderWithCharts(stack).outputs, "manifests.yaml"));
            const chartWorkloadObjects = rendered.filter((o) => workloadKinds.includes(o.kind));
            // Falco's chart is not served by the Go module proxy: a node agent shaped like its
            // DaemonSet stands in for it in its exempt namespace.
            workloads = [...chartWorkloadObjects, nodeAgent("falco")];
            objects = [
                ...prerequisiteKinds.flatMap((kind) => rendered.filter((o) => o.kind === kind)),
                ...workloads,
            ];
            const namespaces = rendered.filter((o) => o.kind === "Namespace");
            exempt = new Set(
                namespaces
                    .filter(
                        (ns) =>
                            ns.metadata.labels?.["pod-security.kubernetes.io/enforce"] !==
                            "restricted",
                    )
                    .map((ns) => ns.metadata.name as string),
            );
            const tenant = namespaces.find(
                (o) => o.metadata?.labels?.["app.kubernetes.io/component"] === "tenant-namespace",
            );
            assert.ok(tenant !== undefined, `the ${stack} render holds a tenant namespace`);
            tenantLabels = Object.entries(tenant.metadata.labels as Record<string, string>).filter(
                ([k]) => k.startsWith("pod-security.kubernetes.io/"),
            );
            cp = await startControlPlane({
                name: `day-one-${stack}`,
                ...stackApiServer(stack, { admission: true }),
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
         * returns the FailedCreate messages and the Pods made by each workload.
         */
        async function dayOne(suffix: string, relabel: (ns: KubeObject) => void): Promise<DayOne> {
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
            const pods = new Map<string, number>();
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
                            (e) => e.reason === "FailedCreate" && eventOf(w, e.involvedObject.name),
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
                pods.set(
                    `${w.kind} ${ns.slice(0, ns.length - suffix.length)}/${w.metadata.name}`,
                    outcome.pods,
                );
            }
            return { failed, pods };
        }

        /** Each workload with the number of Pods its controller makes at once. */
        function expectedPods(only: (w: KubeObject) => boolean = () => true): Map<string, number> {
            return new Map(workloads.filter(only).map((w) => [workloadId(w), podsExpected(w)]));
        }

        it(
            "creates every Pod of the real Gatekeeper, Kyverno and cert-manager charts and of a " +
                "Falco-shaped stand-in (Falco's chart is not on the Go module proxy) in the " +
                `${stack} namespaces as labelled: no FailedCreate`,
            async function () {
                assert.deepEqual(
                    rendered
                        .filter((o) => workloadKinds.includes(o.kind))
                        .map(workloadId)
                        .sort(),
                    chartWorkloads,
                    `the workloads the real charts render for ${stack}`,
                );
                const { failed, pods } = await dayOne("", () => undefined);
                assert.deepEqual(failed, [], "Pods refused on day one");
                assert.deepEqual(pods, expectedPods(), "every Pod the controllers make at once");
            },
        );

        if (brokenExemption) {
            it("a broken exemption (exempt namespaces labelled as tenants) is caught: FailedCreate from Pod Security, in those namespaces only", async () => {
                assert.deepEqual(
                    [...exempt].sort(),
                    ["falco", "linkerd-cni"],
                    `${stack}'s exempt namespaces`,
                );
                const { failed, pods } = await dayOne("-broken", (ns) => {
                    if (exempt.has(ns.metadata.name.replace(/-broken$/, ""))) {
                        for (const [k, v] of tenantLabels) {
                            ns.metadata.labels[k] = v;
                        }
                    }
                });
                assert.ok(
                    failed.length > 0,
                    "the broken exemption must make the day-one check fail",
                );
                for (const message of failed) {
                    assert.equal(
                        message.slice(0, message.indexOf(":")),
                        "falco-broken",
                        `refused outside the broken namespaces: ${message}`,
                    );
                    assert.match(message, /violates PodSecurity "restricted:/);
                }
                assert.deepEqual(
                    pods,
                    new Map([
                        ...expectedPods((w) => !exempt.has(w.metadata.namespace)),
                        ["DaemonSet falco/node-agent", 0],
                    ]),
                    "the charts' Pods in restricted namespaces are still made; the agent's are refused",
                );
            });
        }
    });
}

dayOneSuite("dev", true);
dayOneSuite("prod", false);
dayOneSuite("sovereign", false);
