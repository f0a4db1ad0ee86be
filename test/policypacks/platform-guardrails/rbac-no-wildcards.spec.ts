import * as assert from "node:assert/strict";
import { rbacNoWildcards } from "../../../policypacks/platform-guardrails/policies/rbac-no-wildcards";
import { clusterRole, role, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

const FIX =
    "List the exact verbs, resources, API groups and non-resource URLs the role needs (and " +
    "aggregate only roles selected by a label of your own), or add the role to " +
    "rbac-no-wildcards.allowedRoles if it is a platform role that must have them.";
const CLUSTER_ADMIN =
    'the built-in ClusterRole "cluster-admin" (verbs "*", apiGroups "*", resources "*", ' +
    'nonResourceURLs "*")';

describe("policy rbac-no-wildcards", () => {
    it("passes a Role and a ClusterRole with exact rules", async () => {
        assert.deepEqual(
            await runResourcePolicy(rbacNoWildcards, { type: T.role, props: role() }),
            [],
        );
        assert.deepEqual(
            await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props: clusterRole() }),
            [],
        );
    });

    it("ignores objects that are not roles", async () => {
        const props = clusterRole();
        props.rules[0].verbs = ["*"];
        assert.deepEqual(await runResourcePolicy(rbacNoWildcards, { type: T.service, props }), []);
    });

    it('reports "*" in verbs of a ClusterRole', async () => {
        const props = clusterRole();
        props.rules[0].verbs = ["get", "*"];
        assert.deepEqual(await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props }), [
            `ClusterRole "namespace-viewer" uses wildcards: rules[0].verbs contains "*". ${FIX}`,
        ]);
    });

    it('reports "*" in apiGroups of a Role', async () => {
        const props = role();
        props.rules[1].apiGroups = ["*"];
        assert.deepEqual(await runResourcePolicy(rbacNoWildcards, { type: T.role, props }), [
            `Role "tenant-a/developer" uses wildcards: rules[1].apiGroups contains "*". ${FIX}`,
        ]);
    });

    it('reports "*" and "*/scale" in resources', async () => {
        const props = role();
        props.rules[0].resources = ["*/scale"];
        props.rules[1].resources = ["*"];
        assert.deepEqual(await runResourcePolicy(rbacNoWildcards, { type: T.role, props }), [
            `Role "tenant-a/developer" uses wildcards: rules[0].resources contains "*/scale", ` +
                `rules[1].resources contains "*". ${FIX}`,
        ]);
    });

    it("lists every wildcard of the role in one violation", async () => {
        const props = clusterRole();
        props.rules = [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }];
        assert.deepEqual(await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props }), [
            `ClusterRole "namespace-viewer" uses wildcards: rules[0].verbs contains "*", ` +
                `rules[0].apiGroups contains "*", rules[0].resources contains "*". ${FIX}`,
        ]);
    });

    it("judges older RBAC API versions the same way", async () => {
        const props = clusterRole();
        props.rules[0].verbs = ["*"];
        assert.equal(
            (
                await runResourcePolicy(rbacNoWildcards, {
                    type: "kubernetes:rbac.authorization.k8s.io/v1beta1:ClusterRole",
                    props,
                })
            ).length,
            1,
        );
    });

    it("exempts a ClusterRole listed by name and a Role listed as namespace/name", async () => {
        const cr = clusterRole();
        cr.rules[0].verbs = ["*"];
        const r = role();
        r.rules[0].verbs = ["*"];
        const config = { allowedRoles: ["namespace-viewer", "tenant-a/developer"] };
        assert.deepEqual(
            await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props: cr, config }),
            [],
        );
        assert.deepEqual(
            await runResourcePolicy(rbacNoWildcards, { type: T.role, props: r, config }),
            [],
        );
    });

    it("does not exempt a Role whose bare name is listed (Roles are namespace/name)", async () => {
        const props = role();
        props.rules[0].verbs = ["*"];
        const messages = await runResourcePolicy(rbacNoWildcards, {
            type: T.role,
            props,
            config: { allowedRoles: ["developer"] },
        });
        assert.equal(messages.length, 1);
    });
    it('reports every non-resource URL: "*", "/*" and "/**"', async () => {
        const props = clusterRole();
        props.rules.push({
            nonResourceURLs: ["/healthz", "*", "/*", "/**", "/metrics/*"],
            verbs: ["get"],
        });
        assert.deepEqual(await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props }), [
            `ClusterRole "namespace-viewer" uses wildcards: rules[1].nonResourceURLs contains "*", ` +
                `rules[1].nonResourceURLs contains "/*", rules[1].nonResourceURLs contains "/**". ${FIX}`,
        ]);
    });

    it('passes what the authorizer does not treat as a wildcard: "pods/*", resourceNames ["*"], a URL prefix', async () => {
        const props = role();
        props.rules.push(
            { apiGroups: [""], resources: ["pods/*"], verbs: ["get"] },
            { apiGroups: [""], resources: ["configmaps"], resourceNames: ["*"], verbs: ["get"] },
        );
        assert.deepEqual(await runResourcePolicy(rbacNoWildcards, { type: T.role, props }), []);
        const urls = clusterRole();
        urls.rules.push({ nonResourceURLs: ["/healthz/*", "/livez"], verbs: ["get"] });
        assert.deepEqual(
            await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props: urls }),
            [],
        );
    });

    describe("aggregated ClusterRoles (rules filled in from the roles their selectors match)", () => {
        it("reports an empty selector, which aggregates every ClusterRole, cluster-admin included", async () => {
            const props = clusterRole();
            props.rules = [];
            props.aggregationRule = { clusterRoleSelectors: [{}] };
            assert.deepEqual(
                await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props }),
                [
                    `ClusterRole "namespace-viewer" uses wildcards: aggregationRule.clusterRoleSelectors[0] ` +
                        `aggregates ${CLUSTER_ADMIN}. ${FIX}`,
                ],
            );
        });

        it("reports a selector on the label every built-in ClusterRole carries", async () => {
            const props = clusterRole();
            props.aggregationRule = {
                clusterRoleSelectors: [
                    { matchLabels: { "rbac.example.com/aggregate-to-viewer": "true" } },
                    {
                        matchExpressions: [
                            {
                                key: "kubernetes.io/bootstrapping",
                                operator: "In",
                                values: ["rbac-defaults"],
                            },
                        ],
                    },
                ],
            };
            assert.deepEqual(
                await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props }),
                [
                    `ClusterRole "namespace-viewer" uses wildcards: aggregationRule.clusterRoleSelectors[1] ` +
                        `aggregates ${CLUSTER_ADMIN}. ${FIX}`,
                ],
            );
        });

        it("reports a selector made only of negative requirements (it matches cluster-admin too)", async () => {
            const props = clusterRole();
            props.aggregationRule = {
                clusterRoleSelectors: [
                    { matchExpressions: [{ key: "team", operator: "DoesNotExist" }] },
                ],
            };
            assert.equal(
                (await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props })).length,
                1,
            );
        });

        it("passes aggregation by a label of one's own (the RBAC documentation's monitoring example)", async () => {
            const props = clusterRole();
            props.rules = [];
            props.aggregationRule = {
                clusterRoleSelectors: [
                    { matchLabels: { "rbac.example.com/aggregate-to-monitoring": "true" } },
                    {
                        matchExpressions: [
                            { key: "rbac.example.com/aggregate-to-monitoring", operator: "Exists" },
                        ],
                    },
                ],
            };
            assert.deepEqual(
                await runResourcePolicy(rbacNoWildcards, { type: T.clusterRole, props }),
                [],
            );
        });
    });
});
