import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import type { TenantNamespaceArgs } from "../../components/tenant-namespace";
import { resolveTenantSpec, tenantNamespaceArgs } from "../../components/tenant-namespace";
import {
    accessRules,
    renderTenant,
    TenantAccess,
    TenantSpec,
    tenantSpecProblems,
} from "../../components/tenant-namespace/render";
import { tenantNamespaceAfterEnforcement } from "../../policypacks/platform-guardrails/policies/tenant-namespace-after-enforcement";
import { tenantNamespaceGuardrails } from "../../policypacks/platform-guardrails/policies/tenant-namespace-guardrails";
import { loadSettings } from "../../stacks";
import { assertGolden } from "../util/golden";
import { installMocks, named, ofType, recorded, resetRecorded, settled } from "../util/mocks";
import { runStackPolicy, toPolicyResources } from "../util/recorded-stack";
import { prng } from "../util/prng";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

/** A stand-in custom resource (an admission webhook, a gate) for ordering tests. */
class Stub extends pulumi.CustomResource {
    constructor(type: string, name: string, opts?: pulumi.CustomResourceOptions) {
        super(type, name, {}, opts);
    }
}

/** A plain copy of rendered objects (Inputs are plain values here), for reading fields in tests. */
const plain = (value: unknown): Loose => JSON.parse(JSON.stringify(value)) as Loose;

const minimalArgs: TenantNamespaceArgs = {
    namespace: "inference",
    owner: "team-inference",
    kubernetesVersion: "1.33",
};

const fullArgs: TenantNamespaceArgs = {
    namespace: "ml-research",
    owner: "team-ml-research",
    kubernetesVersion: "1.33",
    groups: {
        admins: ["oidc:ml-admins"],
        developers: ["oidc:ml-developers"],
        viewers: ["oidc:ml-viewers", "oidc:auditors"],
    },
    allowSameNamespace: true,
    meshed: true,
    egress: [
        { cidr: "10.40.12.0/24", ports: [{ port: 443 }] },
        {
            cidr: "10.40.0.0/16",
            except: ["10.40.99.0/24"],
            ports: [
                { port: 9000, endPort: 9001, protocol: "TCP" },
                { port: 8125, protocol: "UDP" },
            ],
        },
    ],
    ingressFromNamespaces: ["ingress-gateway", "monitoring"],
    quota: { gpus: 4, storage: "500Gi" },
};

const allVerbs = (rules: Loose[]): string[] => rules.flatMap((r: Loose) => r.verbs as string[]);
const allResources = (rules: Loose[]): string[] =>
    rules.flatMap((r: Loose) => r.resources as string[]);
const grants = (rules: Loose[], resource: string, verb: string): boolean =>
    rules.some((r: Loose) => r.resources.includes(resource) && r.verbs.includes(verb));

describe("components/tenant-namespace", () => {
    describe("render (golden files and security fields)", () => {
        it("renders a tenant with every option as in the golden file", () => {
            const manifests = renderTenant(resolveTenantSpec(fullArgs));
            assertGolden(
                "tenant-namespace-full.golden.json",
                JSON.stringify(manifests, null, 2) + "\n",
            );
        });

        it("renders a tenant with only defaults as in the golden file", () => {
            const manifests = renderTenant(resolveTenantSpec(minimalArgs));
            assertGolden(
                "tenant-namespace-minimal.golden.json",
                JSON.stringify(manifests, null, 2) + "\n",
            );
        });

        it("labels the namespace: restricted enforced at the pinned version, audit and warn at latest", () => {
            const ns = plain(renderTenant(resolveTenantSpec(minimalArgs)).namespace);
            assert.deepStrictEqual(ns.metadata, {
                name: "inference",
                labels: {
                    "app.kubernetes.io/managed-by": "pulumi",
                    "app.kubernetes.io/part-of": "sovereign-contour",
                    "app.kubernetes.io/component": "tenant-namespace",
                    "tenancy.sovereign-contour.io/tenant": "inference",
                    "tenancy.sovereign-contour.io/owner": "team-inference",
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "v1.33",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/audit-version": "latest",
                    "pod-security.kubernetes.io/warn": "restricted",
                    "pod-security.kubernetes.io/warn-version": "latest",
                },
            });
        });

        it("records the reason of a baseline tenant and the mesh injection as annotations", () => {
            const ns = plain(
                renderTenant(
                    resolveTenantSpec({
                        ...minimalArgs,
                        podSecurity: "baseline",
                        podSecurityReason: "vendor inference server needs a writable root",
                        meshed: true,
                    }),
                ).namespace,
            );
            assert.strictEqual(
                ns.metadata.labels["pod-security.kubernetes.io/enforce"],
                "baseline",
            );
            assert.deepStrictEqual(ns.metadata.annotations, {
                "linkerd.io/inject": "enabled",
                "security.sovereign-contour.io/pod-security-reason":
                    "vendor inference server needs a writable root",
            });
        });

        it("turns off token automount on the default ServiceAccount", () => {
            assert.deepStrictEqual(
                plain(renderTenant(resolveTenantSpec(minimalArgs)).defaultServiceAccount),
                {
                    apiVersion: "v1",
                    kind: "ServiceAccount",
                    metadata: { name: "default", namespace: "inference" },
                    automountServiceAccountToken: false,
                },
            );
        });

        it("denies ingress and egress by default and allows DNS to the cluster DNS pods on UDP and TCP 53", () => {
            const policies = plain(renderTenant(resolveTenantSpec(minimalArgs)).networkPolicies);
            assert.deepStrictEqual(
                policies.map((p: Loose) => [p.role, p.object.metadata.name, p.object.spec]),
                [
                    [
                        "deny-ingress",
                        "default-deny-ingress",
                        { podSelector: {}, policyTypes: ["Ingress"] },
                    ],
                    [
                        "deny-egress",
                        "default-deny-egress",
                        { podSelector: {}, policyTypes: ["Egress"] },
                    ],
                    [
                        "allow-dns",
                        "allow-dns",
                        {
                            podSelector: {},
                            policyTypes: ["Egress"],
                            egress: [
                                {
                                    to: [
                                        {
                                            namespaceSelector: {
                                                matchLabels: {
                                                    "kubernetes.io/metadata.name": "kube-system",
                                                },
                                            },
                                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                                        },
                                    ],
                                    ports: [
                                        { protocol: "UDP", port: 53 },
                                        { protocol: "TCP", port: 53 },
                                    ],
                                },
                            ],
                        },
                    ],
                ],
            );
        });

        it("opens only what a tenant declares: same namespace, Linkerd control plane, CIDRs and ports, named namespaces", () => {
            const policies = plain(renderTenant(resolveTenantSpec(fullArgs)).networkPolicies);
            const byRole = Object.fromEntries(policies.map((p: Loose) => [p.role, p.object.spec]));
            assert.deepStrictEqual(Object.keys(byRole), [
                "deny-ingress",
                "deny-egress",
                "allow-dns",
                "allow-same-namespace",
                "allow-linkerd",
                "allow-egress",
                "allow-ingress",
            ]);
            assert.deepStrictEqual(byRole["allow-linkerd"].egress, [
                {
                    to: [
                        {
                            namespaceSelector: {
                                matchLabels: { "kubernetes.io/metadata.name": "linkerd" },
                            },
                        },
                    ],
                    ports: [
                        { protocol: "TCP", port: 8080 },
                        { protocol: "TCP", port: 8086 },
                        { protocol: "TCP", port: 8090 },
                    ],
                },
            ]);
            assert.deepStrictEqual(byRole["allow-egress"].egress, [
                {
                    to: [{ ipBlock: { cidr: "10.40.12.0/24" } }],
                    ports: [{ protocol: "TCP", port: 443 }],
                },
                {
                    to: [{ ipBlock: { cidr: "10.40.0.0/16", except: ["10.40.99.0/24"] } }],
                    ports: [
                        { protocol: "TCP", port: 9000, endPort: 9001 },
                        { protocol: "UDP", port: 8125 },
                    ],
                },
            ]);
            assert.deepStrictEqual(byRole["allow-ingress"], {
                podSelector: {},
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [
                            {
                                namespaceSelector: {
                                    matchLabels: {
                                        "kubernetes.io/metadata.name": "ingress-gateway",
                                    },
                                },
                            },
                            {
                                namespaceSelector: {
                                    matchLabels: { "kubernetes.io/metadata.name": "monitoring" },
                                },
                            },
                        ],
                    },
                ],
            });
        });

        it("bounds the quota, with no NodePort or LoadBalancer Service and no GPU unless granted", () => {
            const hard = (args: TenantNamespaceArgs): Loose =>
                plain(renderTenant(resolveTenantSpec(args)).resourceQuota).spec.hard;
            assert.deepStrictEqual(hard(minimalArgs), {
                "requests.cpu": "8",
                "limits.cpu": "16",
                "requests.memory": "16Gi",
                "limits.memory": "32Gi",
                pods: "50",
                persistentvolumeclaims: "10",
                "requests.storage": "100Gi",
                "services.nodeports": "0",
                "services.loadbalancers": "0",
                "requests.nvidia.com/gpu": "0",
            });
            assert.strictEqual(hard(fullArgs)["requests.nvidia.com/gpu"], "4");
            assert.strictEqual(hard(fullArgs)["requests.storage"], "500Gi");
        });

        it("gives every container default requests and limits under a maximum", () => {
            assert.deepStrictEqual(
                plain(renderTenant(resolveTenantSpec(minimalArgs)).limitRange).spec,
                {
                    limits: [
                        {
                            type: "Container",
                            default: { cpu: "500m", memory: "512Mi" },
                            defaultRequest: { cpu: "100m", memory: "128Mi" },
                            max: { cpu: "4", memory: "8Gi" },
                        },
                    ],
                },
            );
        });

        describe("RBAC", () => {
            const rulesFor = (access: TenantAccess, over: Partial<TenantSpec> = {}): Loose[] =>
                plain(accessRules({ ...resolveTenantSpec(minimalArgs), ...over }, access));

            for (const access of ["admin", "developer", "viewer"] as const) {
                it(`${access}: no wildcard, no bind/escalate/impersonate, no token creation, no RBAC or policy writes`, () => {
                    const rules = rulesFor(access, {
                        allowDeveloperExec: true,
                        allowDeveloperSecretRead: true,
                    });
                    const everything = [
                        ...allVerbs(rules),
                        ...allResources(rules),
                        ...rules.flatMap((r: Loose) => r.apiGroups as string[]),
                    ];
                    assert.ok(!everything.includes("*"));
                    for (const verb of ["bind", "escalate", "impersonate", "deletecollection"]) {
                        assert.ok(!allVerbs(rules).includes(verb), verb);
                    }
                    assert.ok(!allResources(rules).includes("serviceaccounts/token"));
                    for (const resource of [
                        "roles",
                        "rolebindings",
                        "networkpolicies",
                        "resourcequotas",
                        "limitranges",
                    ]) {
                        assert.ok(!grants(rules, resource, "create"), resource);
                        assert.ok(!grants(rules, resource, "update"), resource);
                        assert.ok(!grants(rules, resource, "delete"), resource);
                    }
                });
            }

            it("developer without the stack's permission: no pods/exec, attach, port-forward, debug, no Secrets", () => {
                const rules = rulesFor("developer");
                for (const r of [
                    "pods/exec",
                    "pods/attach",
                    "pods/portforward",
                    "pods/ephemeralcontainers",
                    "secrets",
                ]) {
                    assert.ok(!allResources(rules).includes(r), r);
                }
                assert.ok(grants(rules, "deployments", "create"));
                assert.ok(grants(rules, "pods/log", "get"));
            });

            it("developer with allowDeveloperExec and allowDeveloperSecretRead gets exec and Secrets", () => {
                const rules = rulesFor("developer", {
                    allowDeveloperExec: true,
                    allowDeveloperSecretRead: true,
                });
                assert.ok(grants(rules, "pods/exec", "create"));
                assert.ok(grants(rules, "secrets", "get"));
            });

            it("developer with only allowDeveloperExec gets exec but still no Secret", () => {
                const rules = rulesFor("developer", { allowDeveloperExec: true });
                assert.ok(grants(rules, "pods/exec", "create"));
                assert.ok(!allResources(rules).includes("secrets"));
            });

            it("admin keeps Secrets and exec; viewer only reads and never Secrets", () => {
                const admin = rulesFor("admin");
                assert.ok(grants(admin, "secrets", "list"));
                assert.ok(grants(admin, "pods/exec", "create"));
                assert.ok(grants(admin, "rolebindings", "get"));
                const viewer = rulesFor("viewer", {
                    allowDeveloperExec: true,
                    allowDeveloperSecretRead: true,
                });
                assert.ok(!allResources(viewer).includes("secrets"));
                assert.ok(!allResources(viewer).includes("pods/exec"));
                assert.deepStrictEqual([...new Set(allVerbs(viewer))].sort(), [
                    "get",
                    "list",
                    "watch",
                ]);
            });

            it("binds each Role to its identity-provider groups and skips levels without groups", () => {
                const access = plain(
                    renderTenant(
                        resolveTenantSpec({
                            ...minimalArgs,
                            groups: { viewers: ["oidc:a", "oidc:b"] },
                        }),
                    ).access,
                );
                assert.deepStrictEqual(
                    access.map((a: Loose) => [a.access, a.role.metadata.name, a.binding?.subjects]),
                    [
                        ["admin", "tenant-admin", undefined],
                        ["developer", "tenant-developer", undefined],
                        [
                            "viewer",
                            "tenant-viewer",
                            [
                                {
                                    apiGroup: "rbac.authorization.k8s.io",
                                    kind: "Group",
                                    name: "oidc:a",
                                },
                                {
                                    apiGroup: "rbac.authorization.k8s.io",
                                    kind: "Group",
                                    name: "oidc:b",
                                },
                            ],
                        ],
                    ],
                );
                assert.deepStrictEqual(access[2].binding.roleRef, {
                    apiGroup: "rbac.authorization.k8s.io",
                    kind: "Role",
                    name: "tenant-viewer",
                });
            });
        });

        describe("tenantSpecProblems", () => {
            const problems = (
                args: Partial<TenantNamespaceArgs>,
                reserved: string[] = [],
            ): string[] =>
                tenantSpecProblems(resolveTenantSpec({ ...minimalArgs, ...args }), reserved);

            it("accepts the defaults and the full example", () => {
                assert.deepStrictEqual(problems({}), []);
                assert.deepStrictEqual(tenantSpecProblems(resolveTenantSpec(fullArgs), []), []);
            });

            it("names the tenant for an invalid or reserved namespace", () => {
                assert.deepStrictEqual(problems({ namespace: "ML_Research" }), [
                    `tenant "ML_Research": namespace must be a DNS-1123 label (at most 63 lower-case letters, digits and '-')`,
                ]);
                for (const ns of ["kube-system", "default", "kube-anything", "gatekeeper-system"]) {
                    assert.deepStrictEqual(problems({ namespace: ns }, ["gatekeeper-system"]), [
                        `tenant "${ns}": namespace collides with a system namespace; choose another name`,
                    ]);
                }
            });

            it("refuses groups without the identity prefix, when the platform gives one", () => {
                const spec = resolveTenantSpec({
                    ...minimalArgs,
                    groups: { admins: ["oidc:team-admins"], viewers: ["team-viewers"] },
                });
                assert.deepStrictEqual(tenantSpecProblems(spec, []), []);
                assert.deepStrictEqual(tenantSpecProblems(spec, [], "oidc:"), [
                    'tenant "inference": groups.viewers holds "team-viewers", which does not carry the identity prefix "oidc:": the API server names identity-provider groups "oidc:<group>", so the binding would match no person',
                ]);
            });

            it("refuses baseline without a reason, system groups and egress to everything", () => {
                assert.deepStrictEqual(
                    problems({
                        podSecurity: "baseline",
                        groups: { developers: ["system:authenticated"] },
                        egress: [
                            { cidr: "0.0.0.0/0", ports: [{ port: 443 }] },
                            { cidr: "10.0.0.0/8", ports: [] },
                        ],
                    }),
                    [
                        'tenant "inference": podSecurity "baseline" needs podSecurityReason (any level below restricted needs a reason on record)',
                        'tenant "inference": groups.developers holds the Kubernetes system group "system:authenticated"; bind identity-provider groups only',
                        'tenant "inference": egress to 0.0.0.0/0 opens every destination; list the networks needed',
                        'tenant "inference": egress to 10.0.0.0/8 lists no port; list the ports needed',
                    ],
                );
            });

            it("refuses limit defaults the API server would reject and quantities it cannot read", () => {
                assert.deepStrictEqual(
                    problems({
                        limits: {
                            defaultCpuRequest: "1",
                            defaultCpu: "500m",
                            defaultMemory: "16Gi",
                        },
                    }),
                    [
                        'tenant "inference": limits.defaultCpuRequest (1) exceeds limits.defaultCpu (500m); a default request must not exceed the default limit',
                        'tenant "inference": limits.defaultMemory (16Gi) exceeds limits.maxMemory (8Gi); the default limit must fit under the maximum',
                    ],
                );
                assert.deepStrictEqual(problems({ quota: { cpuRequests: "8 cores" } }), [
                    'tenant "inference": quota.cpuRequests "8 cores" is not a Kubernetes quantity such as 500m, 4 or 16Gi',
                ]);
            });
        });
    });

    describe("TenantNamespace component (mocks)", () => {
        let TenantNamespace: typeof import("../../components/tenant-namespace").TenantNamespace;
        let PlatformLayer: typeof import("../../components/platform/layers").PlatformLayer;
        before(async () => {
            installMocks();
            ({ TenantNamespace } = await import("../../components/tenant-namespace"));
            ({ PlatformLayer } = await import("../../components/platform/layers"));
        });
        beforeEach(resetRecorded);

        const children = (component: string): string[] => {
            const parent = named(component).urn;
            return recorded
                .filter((r) => r.parent === parent)
                .map((r) => `${r.type} ${r.name}`)
                .sort();
        };

        it("creates exactly the children of a full tenant", async () => {
            new TenantNamespace("t", fullArgs);
            await settled();
            assert.deepStrictEqual(children("t"), [
                "kubernetes:core/v1:LimitRange t-limits",
                "kubernetes:core/v1:Namespace t-namespace",
                "kubernetes:core/v1:ResourceQuota t-quota",
                "kubernetes:core/v1:ServiceAccountPatch t-default-sa",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-allow-dns",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-allow-egress",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-allow-ingress",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-allow-linkerd",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-allow-same-namespace",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-deny-egress",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-deny-ingress",
                "kubernetes:rbac.authorization.k8s.io/v1:Role t-role-admin",
                "kubernetes:rbac.authorization.k8s.io/v1:Role t-role-developer",
                "kubernetes:rbac.authorization.k8s.io/v1:Role t-role-viewer",
                "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding t-binding-admin",
                "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding t-binding-developer",
                "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding t-binding-viewer",
            ]);
            assert.strictEqual(named("t").type, "sovereign:baseline:TenantNamespace");
        });

        it("creates no optional policy and no binding for a tenant with only defaults", async () => {
            new TenantNamespace("t", minimalArgs);
            await settled();
            assert.deepStrictEqual(children("t"), [
                "kubernetes:core/v1:LimitRange t-limits",
                "kubernetes:core/v1:Namespace t-namespace",
                "kubernetes:core/v1:ResourceQuota t-quota",
                "kubernetes:core/v1:ServiceAccountPatch t-default-sa",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-allow-dns",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-deny-egress",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy t-deny-ingress",
                "kubernetes:rbac.authorization.k8s.io/v1:Role t-role-admin",
                "kubernetes:rbac.authorization.k8s.io/v1:Role t-role-developer",
                "kubernetes:rbac.authorization.k8s.io/v1:Role t-role-viewer",
            ]);
        });

        it("passes the rendered objects as inputs", async () => {
            new TenantNamespace("t", fullArgs);
            await settled();
            const manifests = plain(renderTenant(resolveTenantSpec(fullArgs)));
            assert.deepStrictEqual(named("t-namespace").inputs, manifests.namespace);
            assert.deepStrictEqual(named("t-default-sa").inputs, manifests.defaultServiceAccount);
            assert.deepStrictEqual(named("t-quota").inputs, manifests.resourceQuota);
            assert.deepStrictEqual(named("t-limits").inputs, manifests.limitRange);
            assert.deepStrictEqual(
                named("t-allow-dns").inputs,
                manifests.networkPolicies[2].object,
            );
            assert.deepStrictEqual(named("t-role-developer").inputs, manifests.access[1].role);
            assert.deepStrictEqual(named("t-binding-viewer").inputs, manifests.access[2].binding);
        });

        it("protects every child by default and none when protect is false", async () => {
            new TenantNamespace("t", fullArgs);
            new TenantNamespace("u", { ...minimalArgs, namespace: "other", protect: false });
            await settled();
            const custom = recorded.filter((r) => r.custom);
            const of = (prefix: string) => custom.filter((r) => r.name.startsWith(prefix));
            assert.strictEqual(of("t-").length, 17);
            assert.ok(
                of("t-").every((r) => r.protect),
                "every child of t is protected",
            );
            assert.strictEqual(of("u-").length, 10);
            assert.ok(
                of("u-").every((r) => !r.protect),
                "no child of u is protected",
            );
        });

        it("orders the Namespace after the component's dependsOn and every object after the Namespace", async () => {
            const gate = new Stub("test:index:Gate", "gate");
            new TenantNamespace("t", fullArgs, { dependsOn: [gate] });
            await settled();
            const gateUrn = named("gate").urn;
            const nsUrn = named("t-namespace").urn;
            assert.deepStrictEqual(named("t-namespace").dependencies, [gateUrn]);
            const custom = recorded.filter((r) => r.custom && r.name.startsWith("t-"));
            assert.strictEqual(custom.length, 17);
            for (const child of custom) {
                if (child.name !== "t-namespace") {
                    // Through the Namespace, which waits for the gate: one edge, not every gate.
                    assert.ok(
                        child.dependencies.includes(nsUrn),
                        `${child.name} depends on the namespace`,
                    );
                    assert.ok(!child.dependencies.includes(gateUrn), `${child.name}: direct gate`);
                }
            }
            assert.ok(named("t-binding-admin").dependencies.includes(named("t-role-admin").urn));
        });

        it("refuses an invalid tenant with every problem, naming it", () => {
            assert.throws(
                () =>
                    new TenantNamespace("t", {
                        ...minimalArgs,
                        namespace: "kube-system",
                        podSecurity: "baseline",
                    }),
                (e: unknown) =>
                    e instanceof pulumi.ResourceError &&
                    e.message ===
                        'tenant "kube-system": namespace collides with a system namespace; choose another name; ' +
                            'tenant "kube-system": podSecurity "baseline" needs podSecurityReason (any level below restricted needs a reason on record)',
            );
        });

        it("refuses a group without the identity prefix the platform passes", () => {
            assert.throws(
                () =>
                    new TenantNamespace("t", {
                        ...minimalArgs,
                        groups: { developers: ["inference-developers"] },
                        identityGroupPrefix: "oidc:",
                    }),
                (e: unknown) =>
                    e instanceof pulumi.ResourceError &&
                    e.message ===
                        'tenant "inference": groups.developers holds "inference-developers", which does not carry the identity prefix "oidc:": the API server names identity-provider groups "oidc:<group>", so the binding would match no person',
            );
        });

        it("refuses a tenant named like a reserved platform namespace", () => {
            assert.throws(
                () =>
                    new TenantNamespace("t", {
                        ...minimalArgs,
                        namespace: "falco",
                        reservedNamespaces: ["falco"],
                    }),
                (e: unknown) =>
                    e instanceof pulumi.ResourceError &&
                    e.message ===
                        'tenant "falco": namespace collides with a system namespace; choose another name',
            );
        });

        it("maps stack settings to arguments", () => {
            const { settings } = loadSettings({
                "sovereign-contour:tenants": JSON.stringify([
                    {
                        name: "ml-research",
                        owner: "team-ml",
                        groups: { admins: ["oidc:ml-admins"] },
                        network: {
                            meshed: true,
                            egress: [{ cidr: "10.1.0.0/16", ports: [{ port: 443 }] }],
                        },
                        quota: { gpus: 2 },
                    },
                ]),
                "sovereign-contour:tenancy": JSON.stringify({
                    protect: false,
                    allowDeveloperExec: true,
                }),
            });
            assert.deepStrictEqual(
                tenantNamespaceArgs(settings.tenants[0], settings.tenancy, "1.33", ["falco"]),
                {
                    namespace: "ml-research",
                    owner: "team-ml",
                    kubernetesVersion: "1.33",
                    podSecurity: "restricted",
                    podSecurityReason: undefined,
                    groups: { admins: ["oidc:ml-admins"], developers: [], viewers: [] },
                    allowDeveloperExec: true,
                    allowDeveloperSecretRead: false,
                    allowSameNamespace: false,
                    meshed: true,
                    egress: [
                        {
                            cidr: "10.1.0.0/16",
                            except: [],
                            ports: [{ port: 443, protocol: "TCP" }],
                        },
                    ],
                    ingressFromNamespaces: [],
                    quota: { gpus: 2 },
                    limits: {},
                    reservedNamespaces: ["falco"],
                    protect: false,
                },
            );
        });

        it("passes both tenant stack policies when placed after an enforcement layer", async () => {
            const bootstrap = new PlatformLayer("platform-bootstrap", { layer: "bootstrap" });
            const enforcement = new PlatformLayer(
                "platform-enforcement",
                { layer: "enforcement" },
                { dependsOn: [bootstrap] },
            );
            new Stub("test:index:AdmissionWebhook", "webhook", { parent: enforcement });
            new TenantNamespace("t", fullArgs, { dependsOn: [bootstrap, enforcement] });
            await settled();
            const resources = toPolicyResources(recorded);
            assert.deepStrictEqual(await runStackPolicy(tenantNamespaceGuardrails, resources), []);
            assert.deepStrictEqual(
                await runStackPolicy(tenantNamespaceAfterEnforcement, resources),
                [],
            );
        });
    });

    describe("property: random tenant lists satisfy every invariant", () => {
        let TenantNamespace: typeof import("../../components/tenant-namespace").TenantNamespace;
        let PlatformLayer: typeof import("../../components/platform/layers").PlatformLayer;
        before(async () => {
            installMocks();
            ({ TenantNamespace } = await import("../../components/tenant-namespace"));
            ({ PlatformLayer } = await import("../../components/platform/layers"));
        });
        beforeEach(resetRecorded);

        it("renders 300 random tenants whose objects meet the invariants", () => {
            const random = prng(0x5eed);
            for (let run = 0; run < 300; run++) {
                const args = randomTenant(random, `t${run}`);
                const spec = resolveTenantSpec(args);
                assert.deepStrictEqual(tenantSpecProblems(spec, []), [], `run ${run}`);
                assertInvariants(plain(renderTenant(spec)), args, `run ${run}`);
            }
        });

        it("creates 25 random tenant lists under mocks that pass both tenant stack policies", async () => {
            const random = prng(0xc0ffee);
            for (let run = 0; run < 25; run++) {
                resetRecorded();
                const bootstrap = new PlatformLayer(`r${run}-bootstrap`, { layer: "bootstrap" });
                const enforcement = new PlatformLayer(
                    `r${run}-enforcement`,
                    { layer: "enforcement" },
                    { dependsOn: [bootstrap] },
                );
                new Stub("test:index:AdmissionWebhook", `r${run}-webhook`, { parent: enforcement });
                const count = 1 + Math.floor(random() * 4);
                const tenants = Array.from({ length: count }, (_, i) =>
                    randomTenant(random, `r${run}t${i}`),
                );
                for (const args of tenants) {
                    new TenantNamespace(`r${run}-${args.namespace}`, args, {
                        dependsOn: [bootstrap, enforcement],
                    });
                }
                await settled();
                const resources = toPolicyResources(recorded);
                assert.deepStrictEqual(
                    await runStackPolicy(tenantNamespaceGuardrails, resources),
                    [],
                    `run ${run}`,
                );
                assert.deepStrictEqual(
                    await runStackPolicy(tenantNamespaceAfterEnforcement, resources),
                    [],
                    `run ${run}`,
                );
                assert.strictEqual(ofType("kubernetes:core/v1:Namespace").length, count);
                for (const args of tenants) {
                    const inputs = (suffix: string) =>
                        named(`r${run}-${args.namespace}-${suffix}`).inputs;
                    assert.strictEqual(inputs("default-sa").automountServiceAccountToken, false);
                    assert.strictEqual(
                        named(`r${run}-${args.namespace}-namespace`).protect,
                        args.protect ?? true,
                    );
                    assert.strictEqual(inputs("quota").spec.hard["services.nodeports"], "0");
                }
            }
        });
    });
});

function randomTenant(random: () => number, name: string): TenantNamespaceArgs {
    const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
    const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
    const flag = (): boolean => random() < 0.5;
    const groups = (prefix: string): string[] =>
        Array.from({ length: int(0, 2) }, (_, i) => `oidc:${name}-${prefix}-${i}`);
    const cpuMilli = [int(10, 500), int(500, 2000), int(2000, 16000)].sort((a, b) => a - b);
    const memMi = [int(64, 512), int(512, 4096), int(4096, 65536)].sort((a, b) => a - b);
    const baseline = random() < 0.2;
    return {
        namespace: name,
        owner: `team-${name}`,
        kubernetesVersion: "1.33",
        ...(baseline
            ? { podSecurity: "baseline" as const, podSecurityReason: "legacy image" }
            : {}),
        groups: {
            admins: groups("admins"),
            developers: groups("developers"),
            viewers: groups("viewers"),
        },
        allowDeveloperExec: flag(),
        allowDeveloperSecretRead: flag(),
        allowSameNamespace: flag(),
        meshed: flag(),
        egress: Array.from({ length: int(0, 3) }, () => ({
            cidr: `10.${int(0, 255)}.${int(0, 255)}.0/${int(16, 32)}`,
            ports: Array.from({ length: int(1, 3) }, () => ({
                port: int(1, 65535),
                protocol: pick(["TCP", "UDP", "SCTP"] as const),
            })),
        })),
        ingressFromNamespaces: Array.from({ length: int(0, 2) }, (_, i) => `peer-${i}`),
        quota: { gpus: int(0, 8), pods: int(1, 500), cpuRequests: String(int(1, 64)) },
        limits: {
            defaultCpuRequest: `${cpuMilli[0]}m`,
            defaultCpu: `${cpuMilli[1]}m`,
            maxCpu: `${cpuMilli[2]}m`,
            defaultMemoryRequest: `${memMi[0]}Mi`,
            defaultMemory: `${memMi[1]}Mi`,
            maxMemory: `${memMi[2]}Mi`,
        },
        protect: flag(),
    };
}

/** The invariants of issue 6 on one rendered tenant. */
function assertInvariants(m: Loose, args: TenantNamespaceArgs, label: string): void {
    const labels = m.namespace.metadata.labels;
    assert.strictEqual(
        labels["pod-security.kubernetes.io/enforce"],
        args.podSecurity ?? "restricted",
        label,
    );
    assert.strictEqual(labels["pod-security.kubernetes.io/enforce-version"], "v1.33", label);
    assert.strictEqual(labels["pod-security.kubernetes.io/audit-version"], "latest", label);
    assert.strictEqual(labels["pod-security.kubernetes.io/warn-version"], "latest", label);
    assert.strictEqual(labels["tenancy.sovereign-contour.io/tenant"], args.namespace, label);
    assert.strictEqual(labels["tenancy.sovereign-contour.io/owner"], args.owner, label);
    assert.strictEqual(m.defaultServiceAccount.automountServiceAccountToken, false, label);
    const specs = m.networkPolicies.map((p: Loose) => p.object.spec);
    assert.deepStrictEqual(specs[0], { podSelector: {}, policyTypes: ["Ingress"] }, label);
    assert.deepStrictEqual(specs[1], { podSelector: {}, policyTypes: ["Egress"] }, label);
    assert.deepStrictEqual(
        specs[2].egress[0].ports,
        [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ],
        label,
    );
    for (const p of m.networkPolicies) {
        assert.strictEqual(p.object.metadata.namespace, args.namespace, label);
        // No allowance ever reaches outside what the tenant declared: no empty `to`/`from`, no /0.
        for (const rule of [...(p.object.spec.egress ?? []), ...(p.object.spec.ingress ?? [])]) {
            const peers = rule.to ?? rule.from;
            assert.ok(
                Array.isArray(peers) && peers.length > 0,
                `${label}: ${p.role} has a rule without peers`,
            );
            assert.ok(!peers.some((peer: Loose) => peer.ipBlock?.cidr?.endsWith("/0")), label);
        }
    }
    const roles = m.networkPolicies.map((p: Loose) => p.role);
    assert.strictEqual(
        roles.includes("allow-same-namespace"),
        args.allowSameNamespace === true,
        label,
    );
    assert.strictEqual(roles.includes("allow-linkerd"), args.meshed === true, label);
    assert.strictEqual(roles.includes("allow-egress"), (args.egress ?? []).length > 0, label);
    assert.strictEqual(
        roles.includes("allow-ingress"),
        (args.ingressFromNamespaces ?? []).length > 0,
        label,
    );
    const hard = m.resourceQuota.spec.hard;
    assert.strictEqual(hard["services.nodeports"], "0", label);
    assert.strictEqual(hard["services.loadbalancers"], "0", label);
    assert.strictEqual(hard["requests.nvidia.com/gpu"], String(args.quota?.gpus ?? 0), label);
    for (const key of [
        "requests.cpu",
        "limits.cpu",
        "requests.memory",
        "limits.memory",
        "pods",
        "persistentvolumeclaims",
        "requests.storage",
    ]) {
        assert.ok(typeof hard[key] === "string", `${label}: quota ${key}`);
    }
    const container = m.limitRange.spec.limits[0];
    assert.strictEqual(container.type, "Container", label);
    assert.ok(
        container.default.cpu &&
            container.default.memory &&
            container.defaultRequest.cpu &&
            container.defaultRequest.memory,
        label,
    );
    for (const a of m.access) {
        const rules = a.role.rules;
        assert.ok(!JSON.stringify(rules).includes('"*"'), `${label}: ${a.access} has a wildcard`);
        for (const verb of ["bind", "escalate", "impersonate"]) {
            assert.ok(!allVerbs(rules).includes(verb), `${label}: ${a.access} ${verb}`);
        }
        const developerExec = a.access === "developer" && args.allowDeveloperExec !== true;
        const developerSecrets = a.access === "developer" && args.allowDeveloperSecretRead !== true;
        if (developerExec || a.access === "viewer") {
            assert.ok(!allResources(rules).includes("pods/exec"), `${label}: ${a.access} exec`);
        }
        if (developerSecrets || a.access === "viewer") {
            assert.ok(!allResources(rules).includes("secrets"), `${label}: ${a.access} secrets`);
        }
        const groups = args.groups?.[`${a.access}s` as "admins" | "developers" | "viewers"] ?? [];
        assert.deepStrictEqual(
            a.binding?.subjects?.map((s: Loose) => s.name) ?? [],
            groups,
            `${label}: ${a.access} binding`,
        );
    }
}
