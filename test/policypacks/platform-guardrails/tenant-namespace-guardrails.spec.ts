import * as assert from "assert";
import { resolveTenantSpec } from "../../../components/tenant-namespace";
import { renderTenant } from "../../../components/tenant-namespace/render";
import { tenantNamespaceGuardrails } from "../../../policypacks/platform-guardrails/policies/tenant-namespace-guardrails";
import { RecordedResource } from "../../util/mocks";
import { runStackPolicy, toPolicyResources } from "../../util/recorded-stack";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const typeOf: Record<string, string> = {
    Namespace: "kubernetes:core/v1:Namespace",
    ServiceAccount: "kubernetes:core/v1:ServiceAccountPatch",
    NetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    ResourceQuota: "kubernetes:core/v1:ResourceQuota",
    LimitRange: "kubernetes:core/v1:LimitRange",
    Role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    RoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
};

function record(type: string, name: string, inputs: Loose, parent = ""): RecordedResource {
    return {
        urn: `urn:pulumi:test::sovereign-contour::${type}::${name}`,
        type,
        name,
        inputs,
        parent,
        dependencies: [],
        custom: !type.startsWith("sovereign:"),
        protect: true,
        retainOnDelete: false,
    };
}

/**
 * The compliant fixture: a TenantNamespace component and the objects it renders for `namespace`,
 * keyed by Pulumi name so a case can change one object.
 */
function tenantStack(namespace = "ml-research"): Map<string, RecordedResource> {
    const m = JSON.parse(
        JSON.stringify(
            renderTenant(
                resolveTenantSpec({ namespace, owner: "team-ml", kubernetesVersion: "1.33" }),
            ),
        ),
    );
    const component = record("sovereign:baseline:TenantNamespace", `t-${namespace}`, {});
    const objects: [string, Loose][] = [
        ["namespace", m.namespace],
        ["default-sa", m.defaultServiceAccount],
        ...m.networkPolicies.map((p: Loose) => [p.role, p.object]),
        ["quota", m.resourceQuota],
        ["limits", m.limitRange],
        ...m.access.map((a: Loose) => [`role-${a.access}`, a.role]),
    ];
    const stack = new Map<string, RecordedResource>([[component.name, component]]);
    for (const [role, object] of objects) {
        const name = `t-${namespace}-${role}`;
        stack.set(name, record(typeOf[object.kind], name, object, component.urn));
    }
    return stack;
}

/** Runs the policy on a fixture after `change` edits it. */
async function violations(
    change: (stack: Map<string, RecordedResource>) => void = () => undefined,
) {
    const stack = tenantStack();
    change(stack);
    return runStackPolicy(tenantNamespaceGuardrails, toPolicyResources([...stack.values()]));
}

const inputs = (stack: Map<string, RecordedResource>, name: string): Loose => {
    const r = stack.get(name);
    assert.ok(r !== undefined, name);
    return r.inputs;
};
const labels = (stack: Map<string, RecordedResource>): Loose =>
    inputs(stack, "t-ml-research-namespace").metadata.labels;
const prefix = 'Tenant namespace "ml-research": ';

describe("policy tenant-namespace-guardrails", () => {
    it("is a mandatory stack policy", () => {
        assert.strictEqual(tenantNamespaceGuardrails.enforcementLevel, "mandatory");
    });

    it("passes the rendered tenant", async () => {
        assert.deepStrictEqual(await violations(), []);
    });

    it("ignores namespaces that are neither labelled nor created by a TenantNamespace", async () => {
        const other = record("kubernetes:core/v1:Namespace", "ns-tools", {
            metadata: { name: "tools" },
        });
        assert.deepStrictEqual(await violations((s) => s.set(other.name, other)), []);
    });

    it("refuses a privileged enforce level", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                labels(s)["pod-security.kubernetes.io/enforce"] = "privileged";
            }),
            [
                prefix +
                    'metadata.labels["pod-security.kubernetes.io/enforce"] is "privileged": set it to "restricted" (or "baseline" with a recorded reason).',
            ],
        );
    });

    it("refuses an unpinned enforce version", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                labels(s)["pod-security.kubernetes.io/enforce-version"] = "latest";
            }),
            [
                prefix +
                    `metadata.labels["pod-security.kubernetes.io/enforce-version"] is "latest": pin it to the cluster's minor version, e.g. "v1.33".`,
            ],
        );
    });

    it("refuses missing audit and warn labels", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                delete labels(s)["pod-security.kubernetes.io/warn"];
                labels(s)["pod-security.kubernetes.io/audit-version"] = "v1.33";
            }),
            [
                prefix +
                    'metadata.labels["pod-security.kubernetes.io/audit-version"] is "v1.33": set it to "latest" so new checks show before they are enforced.',
                prefix +
                    'metadata.labels["pod-security.kubernetes.io/warn"] is missing: set it to the enforced level.',
            ],
        );
    });

    it("checks the tenant and owner labels of a namespace created by the component even without them", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                delete labels(s)["tenancy.sovereign-contour.io/tenant"];
                delete labels(s)["tenancy.sovereign-contour.io/owner"];
            }),
            [
                prefix +
                    'metadata.labels["tenancy.sovereign-contour.io/tenant"] is undefined: set it to "ml-research".',
                prefix +
                    'metadata.labels["tenancy.sovereign-contour.io/owner"] is missing: set it to the owning team.',
            ],
        );
    });

    it("refuses a missing default-deny egress policy", async () => {
        assert.deepStrictEqual(await violations((s) => s.delete("t-ml-research-deny-egress")), [
            prefix +
                "no default-deny egress NetworkPolicy: add one with podSelector: {}, policyTypes [Egress] and no egress rules.",
        ]);
    });

    it("refuses a default-deny ingress policy that selects only some pods", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                inputs(s, "t-ml-research-deny-ingress").spec.podSelector = {
                    matchLabels: { app: "web" },
                };
            }),
            [
                prefix +
                    "no default-deny ingress NetworkPolicy: add one with podSelector: {}, policyTypes [Ingress] and no ingress rules.",
            ],
        );
    });

    it("accepts one policy denying both directions", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                s.delete("t-ml-research-deny-egress");
                inputs(s, "t-ml-research-deny-ingress").spec.policyTypes = ["Ingress", "Egress"];
            }),
            [],
        );
    });

    const dnsMessage =
        prefix +
        "no NetworkPolicy allows DNS: allow egress from all pods to pods labelled k8s-app=kube-dns in the namespace selected by kubernetes.io/metadata.name=kube-system, on UDP and TCP 53.";

    it("refuses DNS allowed on UDP only", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                inputs(s, "t-ml-research-allow-dns").spec.egress[0].ports = [
                    { protocol: "UDP", port: 53 },
                ];
            }),
            [dnsMessage],
        );
    });

    it("refuses DNS selected by a forgeable `name` label instead of kubernetes.io/metadata.name", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                inputs(s, "t-ml-research-allow-dns").spec.egress[0].to[0].namespaceSelector = {
                    matchLabels: { name: "kube-system" },
                };
            }),
            [dnsMessage],
        );
    });

    it("does not count a DNS policy of another namespace", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                inputs(s, "t-ml-research-allow-dns").metadata.namespace = "other";
            }),
            [dnsMessage],
        );
    });

    it("refuses a missing quota", async () => {
        assert.deepStrictEqual(await violations((s) => s.delete("t-ml-research-quota")), [
            prefix +
                'no ResourceQuota: add one bounding requests.cpu, limits.cpu, requests.memory, limits.memory, pods, persistentvolumeclaims, requests.storage with services.nodeports and services.loadbalancers at "0".',
        ]);
    });

    it("refuses a quota that allows NodePorts or leaves storage unbounded", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                const hard = inputs(s, "t-ml-research-quota").spec.hard;
                hard["services.nodeports"] = "2";
                delete hard["requests.storage"];
            }),
            [
                prefix + "ResourceQuota spec.hard does not bound requests.storage: set them.",
                prefix +
                    `ResourceQuota spec.hard["services.nodeports"] is "2": set it to "0" (expose through the platform's ingress).`,
            ],
        );
    });

    it("refuses a LimitRange without default requests", async () => {
        assert.deepStrictEqual(
            await violations((s) => {
                delete inputs(s, "t-ml-research-limits").spec.limits[0].defaultRequest;
            }),
            [
                prefix +
                    "no LimitRange gives containers default requests and limits: add a LimitRange with a Container entry setting default and defaultRequest for cpu and memory.",
            ],
        );
    });

    it("refuses a default ServiceAccount that mounts its token, or none managed", async () => {
        const message =
            prefix +
            'the default ServiceAccount does not set automountServiceAccountToken: false: manage it (a ServiceAccountPatch named "default") with that field.';
        assert.deepStrictEqual(
            await violations((s) => {
                inputs(s, "t-ml-research-default-sa").automountServiceAccountToken = true;
            }),
            [message],
        );
        assert.deepStrictEqual(await violations((s) => s.delete("t-ml-research-default-sa")), [
            message,
        ]);
    });

    it("checks a namespace labelled as a tenant's outside the component, finding everything missing", async () => {
        const stray = record("kubernetes:core/v1:Namespace", "stray", {
            metadata: { name: "stray", labels: { "tenancy.sovereign-contour.io/tenant": "stray" } },
        });
        const found = await violations((s) => s.set(stray.name, stray));
        assert.strictEqual(found.length, 13);
        assert.ok(found.every((m) => m.startsWith('Tenant namespace "stray": ')));
    });
});
