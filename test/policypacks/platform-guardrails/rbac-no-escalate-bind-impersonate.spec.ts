import * as assert from "node:assert/strict";
import { rbacNoEscalateBindImpersonate as policy } from "../../../policypacks/platform-guardrails/policies/rbac-no-escalate-bind-impersonate";
import { clusterRole, role, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

const FIX =
    'Remove escalate, bind and impersonate (and "*") from the role and from what it aggregates, or add it to ' +
    "rbac-no-escalate-bind-impersonate.allowedRoles if it is a platform role that must have them.";

describe("policy rbac-no-escalate-bind-impersonate", () => {
    it("passes a Role and a ClusterRole without escalation verbs", async () => {
        assert.deepEqual(await runResourcePolicy(policy, { type: T.role, props: role() }), []);
        assert.deepEqual(
            await runResourcePolicy(policy, { type: T.clusterRole, props: clusterRole() }),
            [],
        );
    });

    for (const verb of ["escalate", "bind", "impersonate"]) {
        it(`reports the ${verb} verb`, async () => {
            const props = clusterRole();
            props.rules[0].verbs = ["get", verb];
            assert.deepEqual(await runResourcePolicy(policy, { type: T.clusterRole, props }), [
                `ClusterRole "namespace-viewer" grants privilege escalation: ` +
                    `rules[0].verbs grants "${verb}". ${FIX}`,
            ]);
        });
    }

    it('reports the "*" verb, which includes all three', async () => {
        const props = role();
        props.rules[1].verbs = ["*"];
        assert.deepEqual(await runResourcePolicy(policy, { type: T.role, props }), [
            `Role "tenant-a/developer" grants privilege escalation: rules[1].verbs grants "*". ${FIX}`,
        ]);
    });

    it("lists every offending rule in one violation", async () => {
        const props = clusterRole();
        props.rules = [
            {
                apiGroups: ["rbac.authorization.k8s.io"],
                resources: ["clusterroles"],
                verbs: ["bind", "escalate"],
            },
            { apiGroups: [""], resources: ["users", "groups"], verbs: ["impersonate"] },
        ];
        assert.deepEqual(await runResourcePolicy(policy, { type: T.clusterRole, props }), [
            `ClusterRole "namespace-viewer" grants privilege escalation: ` +
                `rules[0].verbs grants "bind", "escalate"; rules[1].verbs grants "impersonate". ${FIX}`,
        ]);
    });

    it("exempts listed platform roles", async () => {
        const props = clusterRole();
        props.rules[0].verbs = ["impersonate"];
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.clusterRole,
                props,
                config: { allowedRoles: ["namespace-viewer"] },
            }),
            [],
        );
    });
    it("compares verbs as the authorizer does: Escalate and BIND match no request and pass", async () => {
        const props = role();
        props.rules[1].verbs = ["get", "Escalate", "BIND", "Impersonate", " bind"];
        assert.deepEqual(await runResourcePolicy(policy, { type: T.role, props }), []);
    });

    describe("aggregated ClusterRoles", () => {
        it("reports selectors that aggregate built-in roles granting * or impersonate", async () => {
            const props = clusterRole();
            props.rules = [];
            props.aggregationRule = {
                clusterRoleSelectors: [
                    { matchLabels: { "kubernetes.io/bootstrapping": "rbac-defaults" } },
                    {
                        matchExpressions: [
                            {
                                key: "rbac.authorization.k8s.io/aggregate-to-edit",
                                operator: "Exists",
                            },
                        ],
                    },
                ],
            };
            assert.deepEqual(await runResourcePolicy(policy, { type: T.clusterRole, props }), [
                `ClusterRole "namespace-viewer" grants privilege escalation: ` +
                    `aggregationRule.clusterRoleSelectors[0] aggregates the built-in ClusterRole ` +
                    `"cluster-admin", which grants "*"; aggregationRule.clusterRoleSelectors[0] ` +
                    `aggregates the built-in ClusterRole "edit", which grants "impersonate"; ` +
                    `aggregationRule.clusterRoleSelectors[0] aggregates the built-in ClusterRole ` +
                    `"system:aggregate-to-edit", which grants "impersonate"; ` +
                    `aggregationRule.clusterRoleSelectors[1] aggregates the built-in ClusterRole ` +
                    `"system:aggregate-to-edit", which grants "impersonate". ${FIX}`,
            ]);
        });

        it("reports a selector of the sources of admin (edit, with impersonate on serviceaccounts)", async () => {
            const props = clusterRole();
            props.aggregationRule = {
                clusterRoleSelectors: [
                    { matchLabels: { "rbac.authorization.k8s.io/aggregate-to-admin": "true" } },
                ],
            };
            assert.deepEqual(await runResourcePolicy(policy, { type: T.clusterRole, props }), [
                `ClusterRole "namespace-viewer" grants privilege escalation: ` +
                    `aggregationRule.clusterRoleSelectors[0] aggregates the built-in ClusterRole ` +
                    `"edit", which grants "impersonate". ${FIX}`,
            ]);
        });

        it("passes aggregation by a label of one's own", async () => {
            const props = clusterRole();
            props.aggregationRule = {
                clusterRoleSelectors: [
                    { matchLabels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } },
                    { matchLabels: { "rbac.example.com/aggregate-to-monitoring": "true" } },
                ],
            };
            assert.deepEqual(await runResourcePolicy(policy, { type: T.clusterRole, props }), []);
        });
    });
});
