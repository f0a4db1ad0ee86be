/**
 * The CEL of every Gatekeeper ConstraintTemplate the platform authors, evaluated offline on passing
 * and failing fixtures: the exact expressions of the rendered templates, under the rendered
 * Constraints, with the variables Gatekeeper binds (see test/fixtures/admission/gatekeeper-cel.ts).
 * Where a CrossGuard policy covers the same rule, the same fixtures get the same verdict from both.
 */
import * as assert from "assert";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { prodLikeParameters } from "../fixtures/admission/constraints";
import { gatekeeperLabels, renderConstraint } from "../../components/gatekeeper/render";
import {
    renderConstraintTemplate,
    templateDefinitions,
    templateIds,
} from "../../components/gatekeeper/templates";
import { ownerLabel } from "../../contract/labels";
import { pulumiTypeOf } from "../../policypacks/lib/workloads";
import { namespacesRequiredLabels } from "../../policypacks/platform-guardrails/policies/namespaces-required-labels";
import { rbacNoWildcards } from "../../policypacks/platform-guardrails/policies/rbac-no-wildcards";
import { servicesNoExternalIps } from "../../policypacks/platform-guardrails/policies/services-no-external-ips";
import { servicesRestrictExposure } from "../../policypacks/platform-guardrails/policies/services-restrict-exposure";
import { imagesAllowedRegistries } from "../../policypacks/workload-security/policies/images-allowed-registries";
import { imagesNoLatestTag } from "../../policypacks/workload-security/policies/images-no-latest-tag";
import { imagesRequireDigest } from "../../policypacks/workload-security/policies/images-require-digest";
import { podSecurityHostNamespaces } from "../../policypacks/workload-security/policies/pod-security-host-namespaces";
import { podSecurityHostPathVolumes } from "../../policypacks/workload-security/policies/pod-security-host-path-volumes";
import { podSecurityPrivileged } from "../../policypacks/workload-security/policies/pod-security-privileged";
import { resourcesRequestsLimits } from "../../policypacks/workload-security/policies/resources-requests-limits";
import { AdmissionInput, evaluateTemplate } from "../fixtures/admission/gatekeeper-cel";
import {
    clusterRole,
    cronJob,
    deployment,
    digest,
    goodContainer,
    goodImage,
    namespace,
    Obj,
    pod,
    role,
    service,
    withContainer,
    withSpec,
} from "../fixtures/admission/objects";
import { runResourcePolicy } from "../util/policy-harness";

type TemplateId = (typeof templateIds)[number];

/** Prod-like parameters, as the stack's settings give them. */
const parameters = prodLikeParameters;

/** The rendered Constraint of a template, with some parameters overridden. */
function constraintFor(id: TemplateId, over: Obj = {}): Obj {
    return renderConstraint(templateDefinitions[id], {
        enforcementAction: "deny",
        exemptNamespaces: ["kube-system"],
        exemptions: [],
        parameters: { ...parameters[id], ...over },
    });
}

/** The messages of one template for one object (empty: admitted). */
function judge(
    id: TemplateId,
    object: Obj | null,
    over: Obj = {},
    input: Partial<AdmissionInput> = {},
): string[] {
    const template = renderConstraintTemplate(templateDefinitions[id], gatekeeperLabels);
    return evaluateTemplate(template, constraintFor(id, over), { object, ...input }).messages;
}

const podSpec = (containers: Obj[]): Obj => withSpec((s) => (s.containers = containers));

describe("components/gatekeeper templates (CEL, evaluated offline)", () => {
    it("every template is CEL only (K8sNativeValidation), with a message for every validation", () => {
        for (const id of templateIds) {
            const t = renderConstraintTemplate(templateDefinitions[id], gatekeeperLabels) as Obj;
            assert.strictEqual(t.spec.targets.length, 1, id);
            assert.deepStrictEqual(
                t.spec.targets[0].code.map((c: Obj) => c.engine),
                ["K8sNativeValidation"],
                id,
            );
            for (const v of t.spec.targets[0].code[0].source.validations) {
                assert.ok(v.message.length > 0 && v.messageExpression.length > 0, id);
            }
        }
    });

    it("admits a compliant Pod, Deployment and CronJob under every pod template", () => {
        for (const id of [
            "allowed-registries",
            "image-tags",
            "pod-hardening",
            "resource-limits",
        ] as const) {
            for (const object of [pod(), deployment(), cronJob()]) {
                assert.deepStrictEqual(judge(id, object), [], `${id} ${object.kind}`);
            }
        }
    });

    describe("allowed-registries", () => {
        it("denies an init container from another registry, naming it", () => {
            const spec = withSpec(
                (s) =>
                    (s.initContainers = [goodContainer("fetch", "docker.io/library/busybox:1.36")]),
            );
            assert.deepStrictEqual(judge("allowed-registries", deployment(spec)), [
                "container images must come from an allowed registry (registry.sovereign.example/); " +
                    "not allowed: fetch (docker.io/library/busybox:1.36)",
            ]);
        });

        it("denies an ephemeral container from another registry", () => {
            const spec = withSpec(
                (s) => (s.ephemeralContainers = [{ name: "debug", image: "ghcr.io/x/debug:1" }]),
            );
            assert.deepStrictEqual(judge("allowed-registries", pod(spec)), [
                "container images must come from an allowed registry (registry.sovereign.example/); " +
                    "not allowed: debug (ghcr.io/x/debug:1)",
            ]);
        });

        it("matches prefixes on path boundaries, so a look-alike host is denied", () => {
            const spec = podSpec([goodContainer("a", "registry.sovereign.example.evil.io/ai/x:1")]);
            assert.strictEqual(judge("allowed-registries", pod(spec)).length, 1);
            const nested = podSpec([goodContainer("a", "registry.example/ai-other/x:1")]);
            assert.strictEqual(
                judge("allowed-registries", pod(nested), { registries: ["registry.example/ai"] })
                    .length,
                1,
            );
            const inside = podSpec([goodContainer("a", "registry.example/ai/x:1")]);
            assert.deepStrictEqual(
                judge("allowed-registries", pod(inside), { registries: ["registry.example/ai"] }),
                [],
            );
        });

        it("reads a Docker Hub short name as docker.io/library/<name>", () => {
            const spec = podSpec([goodContainer("web", "nginx:1.27")]);
            assert.deepStrictEqual(
                judge("allowed-registries", pod(spec), { registries: ["docker.io/library/"] }),
                [],
            );
        });

        it("admits nothing when the list is empty or the constraint has no parameters (fail closed)", () => {
            assert.deepStrictEqual(judge("allowed-registries", pod(), { registries: [] }), [
                "container images must come from an allowed registry (none is allowed); " +
                    `not allowed: server (${goodImage})`,
            ]);
            const template = renderConstraintTemplate(
                templateDefinitions["allowed-registries"],
                {},
            );
            const bare = { spec: {} };
            assert.strictEqual(evaluateTemplate(template, bare, { object: pod() }).allowed, false);
        });
    });

    describe("image-tags", () => {
        it("denies an untagged image (it means latest)", () => {
            const spec = podSpec([goodContainer("a", "registry.sovereign.example/ai/x")]);
            assert.deepStrictEqual(judge("image-tags", pod(spec), { requireDigests: false }), [
                "images must name a tag or a digest (an untagged image means latest): " +
                    "a (registry.sovereign.example/ai/x)",
            ]);
        });

        it("denies the latest tag, even next to a digest", () => {
            const image = `registry.sovereign.example/ai/x:latest@${digest}`;
            assert.deepStrictEqual(judge("image-tags", pod(podSpec([goodContainer("a", image)]))), [
                `images must not use the tags latest: a (${image})`,
            ]);
        });

        it("does not take a registry port for a tag", () => {
            const image = "registry.sovereign.example:5000/ai/x";
            assert.deepStrictEqual(
                judge("image-tags", pod(podSpec([goodContainer("a", image)])), {
                    requireDigests: false,
                }),
                [
                    `images must name a tag or a digest (an untagged image means latest): a (${image})`,
                ],
            );
        });

        it("requires a well-formed digest when digests are required, and not otherwise", () => {
            const tagged = "registry.sovereign.example/ai/x:1.0";
            const malformed = "registry.sovereign.example/ai/x:1.0@sha256:abc";
            const spec = podSpec([goodContainer("a", tagged), goodContainer("b", malformed)]);
            assert.deepStrictEqual(judge("image-tags", pod(spec)), [
                "images must be pinned by a sha256 or sha512 digest (image@sha256:...): " +
                    `a (${tagged}), b (${malformed})`,
            ]);
            assert.deepStrictEqual(
                judge("image-tags", pod(podSpec([goodContainer("a", tagged)])), {
                    requireDigests: false,
                }),
                [],
            );
        });
    });

    describe("namespace-labels", () => {
        it("admits a namespace with every required label", () => {
            assert.deepStrictEqual(
                judge("namespace-labels", namespace({ owner: "team-a", tenant: "inference" })),
                [],
            );
        });

        it("denies a missing or empty label, and a namespace without labels", () => {
            assert.deepStrictEqual(
                judge("namespace-labels", namespace({ owner: "team-a", tenant: "" })),
                [
                    "namespace inference must carry the labels owner, tenant; missing or empty: tenant",
                ],
            );
            assert.deepStrictEqual(judge("namespace-labels", namespace(undefined, "scratch")), [
                "namespace scratch must carry the labels owner, tenant; missing or empty: owner, tenant",
            ]);
        });
    });

    describe("service-exposure", () => {
        it("admits ClusterIP anywhere and LoadBalancer in an allowed namespace", () => {
            assert.deepStrictEqual(judge("service-exposure", service({})), []);
            assert.deepStrictEqual(
                judge(
                    "service-exposure",
                    service({ type: "LoadBalancer" }, "gw", "ingress-gateway"),
                ),
                [],
            );
        });

        it("denies NodePort and LoadBalancer elsewhere", () => {
            assert.deepStrictEqual(judge("service-exposure", service({ type: "NodePort" })), [
                "Service inference is of type NodePort, which is allowed only in the namespaces " +
                    "ingress-gateway; use a ClusterIP Service behind the ingress gateway",
            ]);
        });

        it("takes the namespace from the request when the object leaves it out", () => {
            const bare = service({ type: "LoadBalancer" }, "gw", null);
            assert.deepStrictEqual(
                judge("service-exposure", bare, {}, { namespace: "ingress-gateway" }),
                [],
            );
            assert.strictEqual(
                judge("service-exposure", bare, {}, { namespace: "inference" }).length,
                1,
            );
        });
    });

    describe("external-ips", () => {
        it("admits a Service without external IPs or with an allowed one", () => {
            assert.deepStrictEqual(judge("external-ips", service({})), []);
            assert.deepStrictEqual(
                judge("external-ips", service({ externalIPs: ["192.0.2.10"] })),
                [],
            );
        });

        it("denies any other external IP", () => {
            assert.deepStrictEqual(
                judge("external-ips", service({ externalIPs: ["192.0.2.10", "203.0.113.7"] })),
                ["Service inference sets spec.externalIPs that are not allowed: 203.0.113.7"],
            );
        });
    });

    describe("rbac-wildcards", () => {
        const explicit = { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] };

        it("admits explicit rules, a role without rules and the exempt roles", () => {
            assert.deepStrictEqual(judge("rbac-wildcards", clusterRole("reader", [explicit])), []);
            assert.deepStrictEqual(judge("rbac-wildcards", role("empty", [])), []);
            const wild = [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }];
            assert.deepStrictEqual(judge("rbac-wildcards", clusterRole("cluster-admin", wild)), []);
            assert.deepStrictEqual(
                judge("rbac-wildcards", clusterRole("system:controller:x", wild)),
                [],
            );
            assert.deepStrictEqual(
                judge("rbac-wildcards", clusterRole("kyverno:admission-controller", wild)),
                [],
            );
        });

        it("denies '*' in verbs, apiGroups or resources, and '*/<subresource>'", () => {
            const cases: Obj[] = [
                { ...explicit, verbs: ["*"] },
                { ...explicit, apiGroups: ["*"] },
                { ...explicit, resources: ["*"] },
                { ...explicit, resources: ["*/scale"] },
            ];
            for (const rule of cases) {
                assert.deepStrictEqual(
                    judge("rbac-wildcards", role("team-role", [explicit, rule])),
                    [
                        "Role team-role uses '*' in verbs, apiGroups or resources in 1 rule(s); " +
                            "list the exact verbs, API groups and resources it needs",
                    ],
                );
            }
        });

        it("does not let a name that merely contains an exempt prefix through", () => {
            const wild = [{ ...explicit, verbs: ["*"] }];
            assert.strictEqual(judge("rbac-wildcards", clusterRole("my-system:x", wild)).length, 1);
        });
    });

    describe("pod-hardening", () => {
        it("denies each of privileged, host namespaces, hostPath and added capabilities", () => {
            const spec = withSpec((s) => {
                s.hostNetwork = true;
                s.hostIPC = true;
                s.volumes.push({ name: "root", hostPath: { path: "/" } });
                s.initContainers = [
                    { ...goodContainer("init"), securityContext: { privileged: true } },
                ];
                s.containers[0].securityContext.capabilities.add = ["NET_ADMIN"];
            });
            assert.deepStrictEqual(judge("pod-hardening", deployment(spec)), [
                "containers must not run privileged (securityContext.privileged): init",
                "pods must not share host namespaces: hostNetwork, hostIPC",
                "pods must not mount hostPath volumes: root",
                "containers must not add capabilities other than []: server",
            ]);
        });

        it("admits explicit false values and an allowed capability", () => {
            const spec = withSpec((s) => {
                s.hostPID = false;
                s.containers[0].securityContext.privileged = false;
                s.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE"];
            });
            assert.deepStrictEqual(
                judge("pod-hardening", pod(spec), { allowedCapabilities: ["NET_BIND_SERVICE"] }),
                [],
            );
        });

        it("judges the old object of a DELETE (Gatekeeper's anyObject)", () => {
            const bad = pod(withSpec((s) => (s.hostPID = true)));
            assert.deepStrictEqual(
                judge("pod-hardening", null, {}, { operation: "DELETE", oldObject: bad }),
                ["pods must not share host namespaces: hostPID"],
            );
        });
    });

    describe("resource-limits", () => {
        it("denies a container or init container without a required limit", () => {
            const spec = withSpec((s) => {
                delete s.containers[0].resources.limits.cpu;
                s.initContainers = [{ name: "fetch", image: goodImage }];
            });
            assert.deepStrictEqual(judge("resource-limits", cronJob(spec)), [
                "containers must set resources.limits for cpu, memory: server, fetch",
            ]);
        });

        it("does not judge ephemeral containers, which cannot declare resources", () => {
            const spec = withSpec(
                (s) => (s.ephemeralContainers = [{ name: "debug", image: goodImage }]),
            );
            assert.deepStrictEqual(judge("resource-limits", pod(spec)), []);
        });
    });
});

/** A rule judged by both engines on the same fixtures. */
interface ParityCase {
    readonly title: string;
    readonly template: TemplateId;
    /** Overrides of the constraint's parameters. */
    readonly parameters?: Obj;
    /** The Gatekeeper message that is this rule's verdict (other validations of the template are ignored). */
    readonly messagePrefix: string;
    readonly policy: ResourceValidationPolicy;
    readonly config?: Record<string, unknown>;
    readonly fixtures: readonly Obj[];
}

const image = (i: string): Obj => pod(podSpec([goodContainer("app", i)]));

const parityCases: readonly ParityCase[] = [
    {
        title: "privileged containers (pod-security-privileged)",
        template: "pod-hardening",
        messagePrefix: "containers must not run privileged",
        policy: podSecurityPrivileged,
        fixtures: [
            pod(),
            pod(withContainer((c) => (c.securityContext.privileged = true))),
            pod(withContainer((c) => (c.securityContext.privileged = false))),
            deployment(
                withSpec(
                    (s) =>
                        (s.initContainers = [
                            { ...goodContainer("i"), securityContext: { privileged: true } },
                        ]),
                ),
            ),
            pod(
                withSpec(
                    (s) =>
                        (s.ephemeralContainers = [
                            { name: "d", image: goodImage, securityContext: { privileged: true } },
                        ]),
                ),
            ),
        ],
    },
    {
        title: "host namespaces (pod-security-host-namespaces)",
        template: "pod-hardening",
        messagePrefix: "pods must not share host namespaces",
        policy: podSecurityHostNamespaces,
        fixtures: [
            pod(),
            pod(withSpec((s) => (s.hostNetwork = true))),
            cronJob(withSpec((s) => (s.hostPID = true))),
            deployment(withSpec((s) => (s.hostIPC = true))),
            pod(withSpec((s) => (s.hostPID = false))),
        ],
    },
    {
        title: "hostPath volumes (pod-security-host-path-volumes)",
        template: "pod-hardening",
        messagePrefix: "pods must not mount hostPath volumes",
        policy: podSecurityHostPathVolumes,
        fixtures: [
            pod(),
            pod(withSpec((s) => s.volumes.push({ name: "h", hostPath: { path: "/var/run" } }))),
            deployment(withSpec((s) => s.volumes.push({ name: "c", configMap: { name: "x" } }))),
        ],
    },
    {
        title: "allowed registries (images-allowed-registries)",
        template: "allowed-registries",
        parameters: { registries: ["registry.sovereign.example/ai", "docker.io/library/"] },
        messagePrefix: "container images must come from an allowed registry",
        policy: imagesAllowedRegistries,
        config: { allowedRegistries: ["registry.sovereign.example/ai", "docker.io/library/"] },
        fixtures: [
            image(goodImage),
            image("registry.sovereign.example/ai"),
            image("registry.sovereign.example/ai-other/x:1"),
            image("registry.sovereign.example.evil.io/ai/x:1"),
            image("nginx:1.27"),
            image("docker.io/library/busybox:1.36"),
            image("bitnami/redis:7"),
            image("localhost:5000/ai/x:1"),
        ],
    },
    {
        title: "untagged and latest images (images-no-latest-tag)",
        template: "image-tags",
        parameters: { requireDigests: false },
        messagePrefix: "images must ",
        policy: imagesNoLatestTag,
        fixtures: [
            image("registry.sovereign.example/ai/x:1.0"),
            image("registry.sovereign.example/ai/x"),
            image("registry.sovereign.example/ai/x:latest"),
            image(`registry.sovereign.example/ai/x@${digest}`),
            image(`registry.sovereign.example/ai/x:latest@${digest}`),
            image("registry.sovereign.example:5000/ai/x"),
        ],
    },
    {
        title: "digests (images-require-digest)",
        template: "image-tags",
        messagePrefix: "images must be pinned",
        policy: imagesRequireDigest,
        config: { requireDigest: true },
        fixtures: [
            image(goodImage),
            image("registry.sovereign.example/ai/x:1.0"),
            image("registry.sovereign.example/ai/x@sha256:abc"),
            image(`registry.sovereign.example/ai/x@sha512:${"ab".repeat(64)}`),
            image(`registry.sovereign.example/ai/x@sha256:${"AB".repeat(32)}`),
        ],
    },
    {
        title: "resource limits (resources-requests-limits, limits only)",
        template: "resource-limits",
        messagePrefix: "containers must set resources.limits",
        policy: resourcesRequestsLimits,
        config: { requiredRequests: [], requiredLimits: ["cpu", "memory"] },
        fixtures: [
            pod(),
            pod(withContainer((c) => delete c.resources.limits.memory)),
            pod(withContainer((c) => delete c.resources)),
            deployment(withSpec((s) => (s.initContainers = [{ name: "i", image: goodImage }]))),
            pod(withSpec((s) => (s.ephemeralContainers = [{ name: "d", image: goodImage }]))),
        ],
    },
    {
        title: "external IPs (services-no-external-ips)",
        template: "external-ips",
        parameters: { allowedIPs: [] },
        messagePrefix: "Service ",
        policy: servicesNoExternalIps,
        fixtures: [
            service({}),
            service({ externalIPs: ["203.0.113.7"] }),
            service({ externalIPs: [] }),
        ],
    },
    {
        title: "exposed Services (services-restrict-exposure, empty allow lists)",
        template: "service-exposure",
        parameters: { allowedNamespaces: [] },
        messagePrefix: "Service ",
        policy: servicesRestrictExposure,
        fixtures: [
            service({}),
            service({ type: "ClusterIP" }),
            service({ type: "NodePort" }),
            service({ type: "LoadBalancer" }),
        ],
    },
    {
        title: "namespace labels (namespaces-required-labels, the contract's keys)",
        template: "namespace-labels",
        parameters: { labels: [ownerLabel] },
        messagePrefix: "namespace ",
        policy: namespacesRequiredLabels,
        fixtures: [
            namespace({ [ownerLabel]: "team-a" }),
            namespace({ [ownerLabel]: "" }),
            namespace({ owner: "team-a", tenant: "inference" }),
            namespace(undefined, "scratch"),
        ],
    },
    {
        title: "RBAC wildcards (rbac-no-wildcards, empty allow lists)",
        template: "rbac-wildcards",
        parameters: { exemptRoles: [] },
        messagePrefix: "",
        policy: rbacNoWildcards,
        fixtures: [
            clusterRole("reader", [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]),
            clusterRole("a", [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }]),
            role("b", [{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }]),
            role("c", [{ apiGroups: ["apps"], resources: ["*/scale"], verbs: ["get"] }]),
            role("d", [{ apiGroups: ["apps"], resources: ["deployments/*"], verbs: ["get"] }]),
        ],
    },
];

describe("components/gatekeeper templates agree with the CrossGuard policies", () => {
    for (const c of parityCases) {
        it(`gives the same verdicts for ${c.title}`, async () => {
            const verdicts: string[] = [];
            for (const object of c.fixtures) {
                const gatekeeper = judge(c.template, object, c.parameters ?? {}).some((m) =>
                    m.startsWith(c.messagePrefix),
                );
                const messages = await runResourcePolicy(c.policy, {
                    type: pulumiTypeOf(object.apiVersion as string, object.kind as string),
                    props: object,
                    config: c.config,
                });
                const crossguard = messages.length > 0;
                const label = String(
                    JSON.stringify(object.spec ?? object.rules ?? object.metadata),
                ).slice(0, 120);
                assert.strictEqual(gatekeeper, crossguard, `${c.title}: ${label}`);
                verdicts.push(gatekeeper ? "deny" : "admit");
            }
            // Each set holds at least one fixture of each verdict, so agreement is never vacuous.
            assert.ok(verdicts.includes("deny") && verdicts.includes("admit"), verdicts.join(","));
        });
    }
});
