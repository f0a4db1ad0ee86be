/**
 * The admission simulation (tools/check/admission/), one engine step at a time, on small clusters
 * built from the platform's own rule shapes (test/fixtures/admission/simulation.ts).
 */
import * as assert from "assert";
import { readCluster } from "../../tools/check/admission/cluster";
import { kyvernoMutate, KyvernoRequest } from "../../tools/check/admission/kyverno";
import { jmespath } from "../../tools/check/admission/kyverno-expressions";
import { strategicMerge } from "../../tools/check/admission/kyverno-patch";
import { Obj, SimObject } from "../../tools/check/admission/types";
import {
    bareContainer,
    constraint,
    constraintTemplates,
    deployment,
    digest,
    gatekeeperChart,
    image,
    kyvernoChart,
    linkerdChart,
    namespace,
    pod,
    podSecurityPolicy,
    policyException,
    restrictedNamespace,
    secureDefaults,
    simulate,
    verifyImagesPolicy,
} from "../fixtures/admission/simulation";

const asSim = (objects: Obj[]): SimObject[] =>
    objects.map((object) => ({
        resource: { type: String(object.kind), name: String(object.metadata?.name) },
        object,
    }));

/** Kyverno's mutating webhook on one object of a cluster, as the simulation runs it. */
function mutate(
    objects: Obj[],
    object: Obj,
    charts = [kyvernoChart()],
): ReturnType<typeof kyvernoMutate> {
    const cluster = readCluster(asSim(objects), charts);
    const ns = String(object.metadata.namespace);
    const request: KyvernoRequest = {
        apiVersion: String(object.apiVersion),
        kind: String(object.kind),
        name: String(object.metadata.name),
        namespace: ns,
        namespaceLabels: cluster.namespaces.get(ns)?.labels ?? {
            "kubernetes.io/metadata.name": ns,
        },
        object,
    };
    return kyvernoMutate(cluster.kyverno!, request);
}

/** The findings of one engine on the first workload. */
function findingsOf(result: ReturnType<typeof simulate>, engine: string): Obj[] {
    const w = result.section.workloads[0] as Obj;
    return (w.engines[engine]?.findings ?? []) as Obj[];
}

describe("admission simulation: Kyverno mutation (sovereign-secure-defaults)", () => {
    it("fills exactly the unset fields and keeps the explicit ones", () => {
        const explicit = {
            ...bareContainer("sidecar"),
            securityContext: {
                allowPrivilegeEscalation: true,
                capabilities: { add: ["NET_BIND_SERVICE"] },
            },
        };
        const p = pod("web", "team-a", {
            securityContext: { runAsNonRoot: false },
            containers: [bareContainer("app"), explicit],
        });
        const result = mutate([restrictedNamespace("team-a"), secureDefaults()], p);
        assert.deepStrictEqual(result.object.spec, {
            // added: the token opt-out and seccomp; kept: the explicit runAsNonRoot false
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    ...bareContainer("app"),
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        capabilities: { drop: ["ALL"] },
                    },
                },
                {
                    ...bareContainer("sidecar"),
                    // explicit true kept; drop added beside the explicit add
                    securityContext: {
                        allowPrivilegeEscalation: true,
                        capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                    },
                },
            ],
        });
        assert.deepStrictEqual(result.changes, [
            'spec.securityContext.seccompProfile={"type":"RuntimeDefault"}',
            'spec.containers[app].securityContext={"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}',
            'spec.containers[sidecar].securityContext.capabilities.drop=["ALL"]',
            "spec.automountServiceAccountToken=false",
        ]);
    });

    it("runs the init-container rule only when the pod has init containers (its precondition)", () => {
        const without = mutate(
            [restrictedNamespace("team-a"), secureDefaults()],
            pod("a", "team-a", { containers: [bareContainer("app")] }),
        );
        assert.strictEqual(without.object.spec.initContainers, undefined);
        const withInit = mutate(
            [restrictedNamespace("team-a"), secureDefaults()],
            pod("a", "team-a", {
                containers: [bareContainer("app")],
                initContainers: [bareContainer("init")],
            }),
        );
        assert.deepStrictEqual(withInit.object.spec.initContainers[0].securityContext, {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
    });

    it("mutates a Deployment's pod template through the auto-generated rules", () => {
        const d = deployment("web", "team-a", { containers: [bareContainer("app")] });
        const result = mutate([restrictedNamespace("team-a"), secureDefaults()], d);
        assert.deepStrictEqual(result.object.spec.template.spec.securityContext, {
            runAsNonRoot: true,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepStrictEqual(result.object.spec.selector, { matchLabels: { app: "web" } });
        assert.strictEqual(result.object.spec.securityContext, undefined);
    });

    it("leaves a namespace the rules exclude, and one outside the webhooks, untouched", () => {
        const objects = [restrictedNamespace("kube-system"), secureDefaults()];
        const p = pod("a", "kube-system", { containers: [bareContainer("app")] });
        assert.deepStrictEqual(mutate(objects, p).changes, []);
        const result = simulate([namespace("kube-system"), secureDefaults(), p], [kyvernoChart()]);
        const engine = (result.section.workloads[0].engines as Obj)["kyverno-mutate"];
        assert.strictEqual(engine.verdict, "exempt");
        assert.match(engine.detail, /namespace kube-system is outside Kyverno's webhooks/);
    });

    it("a PolicyException skips the rules it names and no other", () => {
        const objects = [
            restrictedNamespace("agents"),
            secureDefaults(),
            policyException("agents-host", "agents", "sovereign-secure-defaults", ["pod-defaults"]),
        ];
        const d = deployment("agent", "agents", { containers: [bareContainer("app")] });
        const result = mutate(objects, d);
        // pod-defaults skipped (no pod securityContext, no token opt-out) ...
        assert.strictEqual(result.object.spec.template.spec.securityContext, undefined);
        assert.strictEqual(
            result.object.spec.template.spec.automountServiceAccountToken,
            undefined,
        );
        // ... container-defaults still applied
        assert.deepStrictEqual(result.object.spec.template.spec.containers[0].securityContext, {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
        });
        assert.deepStrictEqual(result.exempted, [
            "PolicyException kyverno/agents-host skips ClusterPolicy sovereign-secure-defaults rule autogen-pod-defaults",
        ]);
        // The same exception does not reach another namespace, nor a kind it does not list.
        const other = mutate(
            [...objects, restrictedNamespace("team-a")],
            deployment("b", "team-a", { containers: [bareContainer("app")] }),
        );
        assert.deepStrictEqual(other.exempted, []);
        const podOnly = [
            restrictedNamespace("agents"),
            secureDefaults(),
            policyException(
                "agents-host",
                "agents",
                "sovereign-secure-defaults",
                ["pod-defaults"],
                ["Pod"],
            ),
        ];
        assert.deepStrictEqual(mutate(podOnly, d).exempted, []);
    });

    it("ignores a PolicyException outside the namespace Kyverno takes them from", () => {
        const objects = [
            restrictedNamespace("agents"),
            secureDefaults(),
            policyException(
                "mine",
                "agents",
                "sovereign-secure-defaults",
                ["pod-defaults"],
                undefined,
                "agents",
            ),
        ];
        const result = mutate(objects, pod("a", "agents", { containers: [bareContainer("app")] }));
        assert.deepStrictEqual(result.exempted, []);
        assert.strictEqual(result.object.spec.automountServiceAccountToken, false);
        const cluster = readCluster(asSim(objects), [kyvernoChart()]);
        assert.deepStrictEqual(cluster.notes, [
            "Kyverno: platform-kyverno-chart is not rendered here, so the chart's default " +
                "resourceFilters are unknown; only Kyverno's own namespace is filtered.",
            "Kyverno honours PolicyExceptions in namespace kyverno only; ignored: agents/mine.",
        ]);
    });

    it("reports a rule shape it does not model instead of guessing", () => {
        const policy = secureDefaults();
        policy.spec.rules[0].mutate.patchStrategicMerge.spec["(hostNetwork)"] = false;
        const privileged = namespace("team-a", {
            "pod-security.kubernetes.io/enforce": "privileged",
        });
        const result = simulate(
            [privileged, policy, pod("a", "team-a", { containers: [bareContainer("app")] })],
            [kyvernoChart()],
        );
        assert.strictEqual(result.section.workloads[0].verdict, "not-simulated");
        assert.deepStrictEqual(
            result.violations.map((v) => [v.enforcementLevel, v.message]),
            [
                [
                    "mandatory",
                    'Pod "team-a/a" cannot be simulated for Kyverno (mutation), (rule shape): the ' +
                        'simulation does not model anchor "(hostNetwork)" at .spec in ' +
                        "patchStrategicMerge. Fix: extend tools/check/admission to model this rule " +
                        "shape, or write the rule in a shape it models (docs/architecture.md, section The admission simulation).",
                ],
            ],
        );
    });

    it("evaluates the JMESPath subset the policies use, and nothing beyond it", () => {
        const ctx = {
            request: { object: { spec: { initContainers: [{ name: "a" }, { name: "b" }] } } },
        };
        assert.strictEqual(
            jmespath("request.object.spec.initContainers[] || `[]` | length(@)", ctx),
            2,
        );
        assert.strictEqual(jmespath("request.object.spec.missing[] || `[]` | length(@)", ctx), 0);
        assert.deepStrictEqual(jmespath("request.object.spec.initContainers[].name", ctx), [
            "a",
            "b",
        ]);
        assert.throws(
            () => jmespath("request.object.spec.initContainers[?name=='a']", ctx),
            /JMESPath expression/,
        );
        assert.throws(() => jmespath("to_upper(request.object)", ctx), /JMESPath/);
    });

    it("merges lists of containers by name and replaces other lists", () => {
        const out = strategicMerge(
            { spec: { containers: [{ name: "a", args: ["x"] }], tolerations: [{ key: "k" }] } },
            {
                spec: {
                    containers: [{ name: "a", args: ["y"] }, { name: "b" }],
                    tolerations: [{ key: "z" }],
                },
            },
        );
        assert.deepStrictEqual(out, {
            spec: {
                containers: [{ name: "a", args: ["y"] }, { name: "b" }],
                tolerations: [{ key: "z" }],
            },
        });
    });
});

describe("admission simulation: Pod Security Admission", () => {
    const rootPod = (ns: string): Obj =>
        pod("p", ns, {
            automountServiceAccountToken: false,
            containers: [{ ...bareContainer("app"), securityContext: { runAsUser: 0 } }],
        });

    it("refuses a pod below the namespace's enforce level, naming the check", () => {
        const result = simulate([restrictedNamespace("team-a"), rootPod("team-a")]);
        const findings = findingsOf(result, "pod-security");
        assert.deepStrictEqual(
            findings.map((f) => f.rule),
            [
                "Pod Security Admission enforce=restricted (check capabilities_restricted)",
                "Pod Security Admission enforce=restricted (check allowPrivilegeEscalation)",
                "Pod Security Admission enforce=restricted (check runAsNonRoot)",
                "Pod Security Admission enforce=restricted (check runAsUser)",
                "Pod Security Admission enforce=restricted (check seccompProfile_restricted)",
            ],
        );
        assert.strictEqual(result.section.workloads[0].verdict, "refused");
        assert.strictEqual(
            result.violations.filter((v) => v.enforcementLevel === "mandatory").length,
            5,
        );
    });

    it("admits the same pod at baseline, and at the Kubernetes default (privileged) without a label", () => {
        const baseline = namespace("team-b", { "pod-security.kubernetes.io/enforce": "baseline" });
        assert.strictEqual(
            simulate([baseline, rootPod("team-b")]).section.workloads[0].verdict,
            "admitted",
        );
        const unlabelled = simulate([namespace("team-c"), rootPod("team-c")]);
        const engine = (unlabelled.section.workloads[0].engines as Obj)["pod-security"];
        assert.deepStrictEqual(engine, {
            verdict: "admitted",
            detail: "privileged (no enforce label: Kubernetes' default)",
        });
        assert.deepStrictEqual(unlabelled.section.namespaces[0].podSecurity, {
            level: "privileged",
            from: "kubernetes-default",
        });
        assert.ok(
            unlabelled.section.notes.includes(
                "Namespaces without a pod-security.kubernetes.io/enforce label get Kubernetes' default, privileged: team-c.",
            ),
        );
    });

    it("judges the pod after Kyverno's mutation: the defaults make a bare pod restricted", () => {
        const app = { ...bareContainer("app"), securityContext: { runAsUser: 1000 } };
        const bare = pod("p", "team-a", { containers: [app] });
        assert.strictEqual(
            simulate([restrictedNamespace("team-a"), bare]).section.workloads[0].verdict,
            "refused",
        );
        const mutated = simulate(
            [restrictedNamespace("team-a"), secureDefaults(), bare],
            [kyvernoChart()],
        );
        assert.strictEqual(mutated.section.workloads[0].verdict, "admitted");
        assert.deepStrictEqual(findingsOf(mutated, "pod-security"), []);
    });
});

describe("admission simulation: Gatekeeper constraints", () => {
    const tagged = "registry.sovereign.example/ai/server:1.0";
    const workload = (ns: string): Obj =>
        deployment("web", ns, {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
                {
                    ...bareContainer("app", tagged),
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        capabilities: { drop: ["ALL"] },
                    },
                },
            ],
        });
    const cluster = (action: "deny" | "dryrun", excluded?: string[]): Obj[] => [
        restrictedNamespace("team-a"),
        ...constraintTemplates(),
        constraint(
            "image-tags",
            action,
            { disallowedTags: ["latest"], requireDigests: true },
            excluded,
        ),
    ];

    it("a deny constraint refuses the workload and its pods: a mandatory violation naming both", () => {
        const result = simulate([...cluster("deny"), workload("team-a")], [gatekeeperChart()]);
        assert.strictEqual(result.section.workloads[0].verdict, "refused");
        assert.deepStrictEqual(result.violations, [
            {
                pack: "admission-simulation",
                policy: "admission-simulation",
                enforcementLevel: "mandatory",
                resource: { type: "kubernetes:apps/v1:Deployment", name: "team-a/web" },
                message:
                    'Deployment "team-a/web" and its Pods in namespace team-a would be refused by ' +
                    "Gatekeeper, SovereignImageTags sovereign-image-tags: images must be pinned by a " +
                    `sha256 or sha512 digest (image@sha256:...): app (${tagged}). Fix: pin the image ` +
                    "by digest (image@sha256:...) in the chart's values; if it must run as it is, add " +
                    'an admissionExemptions entry for namespace team-a naming "image-tags" (with its ' +
                    "justification and expiry), which excludes the namespace from this constraint.",
            },
        ]);
    });

    it("a dryrun constraint reports, it does not refuse: an advisory violation", () => {
        const result = simulate([...cluster("dryrun"), workload("team-a")], [gatekeeperChart()]);
        assert.strictEqual(result.section.workloads[0].verdict, "warned");
        assert.deepStrictEqual(
            result.violations.map((v) => [v.enforcementLevel, v.message.split(":")[0]]),
            [
                [
                    "advisory",
                    'Deployment "team-a/web" and its Pods in namespace team-a would be reported ' +
                        "(audit only, not refused) by Gatekeeper, SovereignImageTags sovereign-image-tags",
                ],
            ],
        );
        assert.strictEqual(
            (result.section.workloads[0].engines as Obj).gatekeeper.verdict,
            "warned",
        );
    });

    it("honours excludedNamespaces and the webhook's exempt namespaces", () => {
        const excluded = simulate(
            [...cluster("deny", ["kube-system", "team-a"]), workload("team-a")],
            [gatekeeperChart()],
        );
        assert.strictEqual(excluded.section.workloads[0].verdict, "admitted");
        assert.deepStrictEqual(excluded.violations, []);
        const exempt = simulate(
            [...cluster("deny", []), restrictedNamespace("ops"), workload("ops")],
            [gatekeeperChart(["ops"])],
        );
        assert.deepStrictEqual((exempt.section.workloads[0].engines as Obj).gatekeeper, {
            verdict: "exempt",
            detail:
                "namespace ops is outside Gatekeeper's validating webhook (namespaceSelector, " +
                "values of platform-gatekeeper-chart (chart not rendered here))",
        });
        const ignored = simulate(
            [
                ...cluster("deny", []),
                namespace("ops", { "admission.gatekeeper.sh/ignore": "x" }),
                workload("ops"),
            ],
            [gatekeeperChart([])],
        );
        assert.strictEqual(
            (ignored.section.workloads[0].engines as Obj).gatekeeper.verdict,
            "exempt",
        );
        // ... and only Gatekeeper's --exempt-namespace namespaces may carry that label.
        assert.deepStrictEqual(
            ignored.violations.map((v) => v.message.split(". Fix")[0]),
            [
                'Namespace "ops" would be refused by Gatekeeper, webhook check-ignore-label.gatekeeper.sh: ' +
                    "Only exempt namespace can have the admission.gatekeeper.sh/ignore label (namespace ops " +
                    "is not among Gatekeeper's --exempt-namespace flags)",
            ],
        );
    });

    it("refuses namespaces without the labels the namespace-labels constraint requires", () => {
        const tenant = namespace("inference", {
            "pod-security.kubernetes.io/enforce": "restricted",
            "tenancy.sovereign-contour.io/owner": "team-inference",
            "tenancy.sovereign-contour.io/tenant": "inference",
        });
        const objects = [...constraintTemplates(), tenant];
        const refused = simulate(
            [...objects, constraint("namespace-labels", "deny", { labels: ["owner", "tenant"] })],
            [gatekeeperChart()],
        );
        assert.strictEqual(refused.section.namespaces[0].verdict, "refused");
        assert.deepStrictEqual(
            refused.violations.map((v) => [
                v.enforcementLevel,
                v.resource.name,
                v.message.split(". Fix")[0],
            ]),
            [
                [
                    "mandatory",
                    "inference",
                    'Namespace "inference" would be refused by Gatekeeper, SovereignNamespaceLabels ' +
                        "sovereign-namespace-labels: namespace inference must carry the labels owner, " +
                        "tenant; missing or empty: owner, tenant",
                ],
            ],
        );
        const admitted = simulate(
            [
                ...objects,
                constraint("namespace-labels", "deny", {
                    labels: [
                        "tenancy.sovereign-contour.io/owner",
                        "tenancy.sovereign-contour.io/tenant",
                    ],
                }),
            ],
            [gatekeeperChart()],
        );
        assert.strictEqual(admitted.section.namespaces[0].verdict, "admitted");
    });
});

describe("admission simulation: Kyverno validation and image verification", () => {
    const rooted = (ns: string): Obj =>
        deployment("agent", ns, {
            containers: [{ ...bareContainer("app"), securityContext: { runAsUser: 0 } }],
        });

    it("Enforce refuses, Audit reports, and a PolicyException lifts the rule", () => {
        const ns = namespace("agents", { "pod-security.kubernetes.io/enforce": "privileged" });
        const enforce = simulate(
            [ns, podSecurityPolicy("Enforce"), rooted("agents")],
            [kyvernoChart()],
        );
        const findings = findingsOf(enforce, "kyverno-validate");
        assert.deepStrictEqual(
            findings.map((f) => [f.rule, f.action, f.request]),
            [
                [
                    "ClusterPolicy sovereign-pod-security rule autogen-pod-security-level",
                    "deny",
                    "Deployment",
                ],
                ["ClusterPolicy sovereign-pod-security rule pod-security-level", "deny", "Pod"],
            ],
        );
        assert.match(
            String(findings[1].message),
            /^podSecurity restricted \(version latest\): Pod does not restrict capabilities \(app\)/,
        );
        assert.strictEqual(enforce.violations[0].enforcementLevel, "mandatory");
        assert.match(
            enforce.violations[0].message,
            /naming "pod-security" \(it becomes a Kyverno PolicyException\)\.$/,
        );

        const audit = simulate(
            [ns, podSecurityPolicy("Audit"), rooted("agents")],
            [kyvernoChart()],
        );
        assert.strictEqual(audit.section.workloads[0].verdict, "warned");
        assert.deepStrictEqual(
            audit.violations.map((v) => v.enforcementLevel),
            ["advisory"],
        );

        const excepted = simulate(
            [
                ns,
                podSecurityPolicy("Enforce"),
                policyException("agents", "agents", "sovereign-pod-security", [
                    "pod-security-level",
                ]),
                rooted("agents"),
            ],
            [kyvernoChart()],
        );
        assert.strictEqual(excepted.section.workloads[0].verdict, "admitted");
        assert.match(
            String((excepted.section.workloads[0].engines as Obj)["kyverno-validate"].detail),
            /PolicyException kyverno\/agents skips ClusterPolicy sovereign-pod-security rule autogen-pod-security-level/,
        );
    });

    it("lists each verified image as one to sign, and pins tags by digest under Enforce", () => {
        const tagged = "registry.sovereign.example/ai/server:1.0";
        const objects = [
            restrictedNamespace("team-a"),
            verifyImagesPolicy(["registry.sovereign.example/*"], "Enforce"),
            ...constraintTemplates(),
            constraint("image-tags", "deny", { disallowedTags: ["latest"], requireDigests: true }),
            pod("p", "team-a", {
                automountServiceAccountToken: false,
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                containers: [
                    {
                        ...bareContainer("app", tagged),
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            capabilities: { drop: ["ALL"] },
                        },
                    },
                    {
                        ...bareContainer("other", "quay.io/x/y:1"),
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            capabilities: { drop: ["ALL"] },
                        },
                    },
                ],
            }),
        ];
        const result = simulate(objects, [kyvernoChart(), gatekeeperChart()]);
        assert.deepStrictEqual(result.section.mustBeSigned, [
            {
                image: tagged,
                rule: "ClusterPolicy sovereign-verify-images rule verify-signatures",
                workloads: ['Pod "team-a/p"'],
            },
        ]);
        // The signed image is pinned before Gatekeeper sees it; the other one is not.
        assert.deepStrictEqual(
            findingsOf(result, "gatekeeper").map((f) => f.message),
            [
                "images must be pinned by a sha256 or sha512 digest (image@sha256:...): other (quay.io/x/y:1)",
            ],
        );
        assert.strictEqual(
            result.violations.filter((v) => /verifyImages/.test(v.message)).length,
            0,
            "no signature denial offline",
        );
    });
});

describe("admission simulation: Linkerd injection and the kubelet", () => {
    it("injects meshed pods, then Kyverno fills the proxy, then the constraints judge it", () => {
        const meshed = restrictedNamespace("inference", { "linkerd.io/inject": "enabled" });
        const objects = [
            meshed,
            secureDefaults(),
            ...constraintTemplates(),
            constraint("resource-limits", "deny", { limits: ["cpu", "memory"] }),
            deployment("server", "inference", {
                containers: [{ ...bareContainer("app"), securityContext: { runAsUser: 1000 } }],
            }),
        ];
        const result = simulate(objects, [kyvernoChart(), gatekeeperChart(), linkerdChart()]);
        const engines = result.section.workloads[0].engines as Obj;
        assert.deepStrictEqual(engines["linkerd-inject"].verdict, "injected");
        assert.deepStrictEqual(
            engines["linkerd-inject"].detail,
            "linkerd.io/inject: enabled (namespace)",
        );
        assert.ok(
            (engines["kyverno-mutate"].changes as string[]).includes(
                'after injection: spec.initContainers[linkerd-proxy].securityContext.capabilities={"drop":["ALL"]}',
            ),
            JSON.stringify(engines["kyverno-mutate"].changes),
        );
        assert.ok(
            (engines["linkerd-inject"].changes as string[]).some((c) =>
                c.startsWith("spec.initContainers[linkerd-network-validator]="),
            ),
            JSON.stringify(engines["kyverno-mutate"].changes),
        );
        // The proxy meets restricted once Kyverno dropped its capabilities ...
        assert.deepStrictEqual(engines["pod-security"].verdict, "admitted");
        // ... but the chart's proxy has no resource limits.
        assert.deepStrictEqual(
            findingsOf(result, "gatekeeper").map((f) => [f.request, f.message]),
            [
                [
                    "Pod",
                    "containers must set resources.limits for cpu, memory: linkerd-network-validator, linkerd-proxy",
                ],
            ],
        );
        assert.match(
            result.violations[0].message,
            /^the Pods of Deployment "inference\/server" in namespace inference would be refused by Gatekeeper/,
        );
        assert.match(
            result.violations[0].message,
            /injector: set proxy\.resources \(and the proxy's other values\) in the linkerd-control-plane chart's values, or the config\.linkerd\.io\/proxy-\* annotations on the namespace\.$/,
        );

        const limited = simulate(objects, [
            kyvernoChart(),
            gatekeeperChart(),
            linkerdChart({ resources: { cpu: { limit: "1" }, memory: { limit: "256Mi" } } }),
        ]);
        assert.strictEqual(limited.section.workloads[0].verdict, "admitted");
    });

    it("does not inject without the annotation, nor into a namespace the injector does not see", () => {
        const plain = simulate(
            [
                restrictedNamespace("team-a"),
                secureDefaults(),
                deployment("s", "team-a", { containers: [bareContainer("app")] }),
            ],
            [kyvernoChart(), linkerdChart()],
        );
        assert.deepStrictEqual((plain.section.workloads[0].engines as Obj)["linkerd-inject"], {
            verdict: "not-injected",
            detail: "no linkerd.io/inject annotation on the pod or its namespace",
        });
        const system = simulate(
            [
                namespace("cert-manager", {}, { "linkerd.io/inject": "enabled" }),
                deployment("s", "cert-manager", { containers: [bareContainer("app")] }),
            ],
            [linkerdChart()],
        );
        assert.deepStrictEqual((system.section.workloads[0].engines as Obj)["linkerd-inject"], {
            verdict: "not-injected",
            detail: "namespace outside the proxy injector's namespaceSelector",
        });
    });

    it("flags a root container that Kyverno's runAsNonRoot default would keep from starting", () => {
        const objects = [
            namespace("agents", { "pod-security.kubernetes.io/enforce": "privileged" }),
            secureDefaults(),
            deployment("agent", "agents", {
                containers: [{ ...bareContainer("app"), securityContext: { runAsUser: 0 } }],
            }),
        ];
        const result = simulate(objects, [kyvernoChart()]);
        assert.deepStrictEqual(
            findingsOf(result, "kubelet").map((f) => f.message),
            [
                "container app has runAsNonRoot: true and runAsUser: 0 after admission; the kubelet " +
                    "refuses to start it (CreateContainerConfigError)",
            ],
        );
        const explicit = structuredClone(objects);
        explicit[2].spec.template.spec.securityContext = { runAsNonRoot: false };
        assert.strictEqual(
            simulate(explicit, [kyvernoChart()]).section.workloads[0].verdict,
            "admitted",
        );
        // Without a user, whether it starts depends on the image: a warning, not a refusal.
        const unnamed = structuredClone(objects);
        delete unnamed[2].spec.template.spec.containers[0].securityContext;
        const warned = simulate(unnamed, [kyvernoChart()]);
        assert.strictEqual(warned.section.workloads[0].verdict, "warned");
        assert.deepStrictEqual(
            warned.violations.map((v) => [v.enforcementLevel, v.message]),
            [
                [
                    "advisory",
                    'the Pods of Deployment "agents/agent" in namespace agents would draw a warning ' +
                        "(not refused) from the kubelet, runAsNonRoot (image user): " +
                        "admission set runAsNonRoot: true for app, which set no runAsUser: the kubelet " +
                        "refuses to start a container whose image runs as root (not known offline)",
                ],
            ],
        );
    });

    it("treats a null field as absent, as the API server does", () => {
        const objects = [
            restrictedNamespace("team-a"),
            ...constraintTemplates(),
            constraint("allowed-registries", "deny", {
                registries: ["registry.sovereign.example/"],
            }),
            deployment("s", "team-a", {
                automountServiceAccountToken: false,
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                initContainers: null,
                containers: [
                    {
                        ...bareContainer("app", `registry.sovereign.example/x@${digest}`),
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            capabilities: { drop: ["ALL"] },
                        },
                    },
                ],
            }),
        ];
        assert.deepStrictEqual(simulate(objects, [gatekeeperChart()]).violations, []);
        void image;
    });
});
