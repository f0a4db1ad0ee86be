import * as assert from "node:assert/strict";
import { rbacAggregatedRoles as policy } from "../../../policypacks/platform-guardrails/policies/rbac-aggregated-roles";
import { KubeObject } from "../../../policypacks/lib/workloads";
import { T } from "../../fixtures/platform/guardrails";
import { runStackPolicy, StackResourceInput, urnOf } from "../../util/policy-rpc-harness";

function fix(name: string): string {
    return (
        `Select only roles with exact verbs, resources and API groups and no escalate, bind or ` +
        `impersonate (by a label of your own), or add "${name}" to ` +
        `rbac-aggregated-roles.allowedRoles if it is a platform role that must have them.`
    );
}

/** A ClusterRole with labels, rules and (optionally) an aggregation rule. */
function clusterRole(
    name: string,
    labels: Record<string, string>,
    rules: KubeObject[],
    selectors?: KubeObject[],
): StackResourceInput {
    return {
        type: T.clusterRole,
        name,
        props: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name, labels },
            rules,
            ...(selectors !== undefined
                ? { aggregationRule: { clusterRoleSelectors: selectors } }
                : {}),
        },
    };
}

const monitoringLabel = { "rbac.example.com/aggregate-to-monitoring": "true" };
const reads = [
    { apiGroups: [""], resources: ["pods", "services"], verbs: ["get", "list", "watch"] },
];

/** A platform role with wildcards (exempt from rbac-no-wildcards by its own listing). */
const manager = clusterRole("gatekeeper-manager-role", { "app.kubernetes.io/name": "gatekeeper" }, [
    { apiGroups: ["*"], resources: ["*"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] },
]);

describe("policy rbac-aggregated-roles", () => {
    it("passes aggregation of roles within the guardrails (the documentation's monitoring example)", async () => {
        assert.deepEqual(
            await runStackPolicy(policy, [
                clusterRole("monitoring", {}, [], [{ matchLabels: monitoringLabel }]),
                clusterRole("monitoring-endpoints", monitoringLabel, reads),
                manager,
            ]),
            [],
        );
    });

    it("reports a role that copies a platform role's wildcards and impersonate through its labels", async () => {
        const copier = clusterRole(
            "tenant-a-helper",
            {},
            [],
            [
                { matchLabels: monitoringLabel },
                {
                    matchExpressions: [
                        { key: "app.kubernetes.io/name", operator: "In", values: ["gatekeeper"] },
                    ],
                },
            ],
        );
        assert.deepEqual(
            await runStackPolicy(policy, [
                copier,
                clusterRole("monitoring-endpoints", monitoringLabel, reads),
                manager,
            ]),
            [
                {
                    message:
                        `ClusterRole "tenant-a-helper" aggregates rules beyond the RBAC guardrails: ` +
                        `ClusterRole "gatekeeper-manager-role" (selected by ` +
                        `aggregationRule.clusterRoleSelectors[1]) has rules[0].apiGroups "*", ` +
                        `rules[0].resources "*", rules[1].verbs "impersonate". ${fix("tenant-a-helper")}`,
                    urn: urnOf(T.clusterRole, "tenant-a-helper"),
                },
            ],
        );
    });

    it("follows aggregation through aggregated roles, and stops at cycles", async () => {
        const outer = clusterRole(
            "outer",
            { tier: "outer" },
            [],
            [{ matchLabels: { tier: "middle" } }],
        );
        const middle = clusterRole(
            "middle",
            { tier: "middle" },
            [],
            [{ matchLabels: { tier: "inner" } }, { matchLabels: { tier: "outer" } }],
        );
        const inner = clusterRole("inner", { tier: "inner" }, [
            {
                apiGroups: ["rbac.authorization.k8s.io"],
                resources: ["clusterroles"],
                verbs: ["bind", "escalate"],
            },
        ]);
        const reported = await runStackPolicy(policy, [outer, middle, inner]);
        assert.deepEqual(
            reported.map((r) => r.message),
            [
                `ClusterRole "outer" aggregates rules beyond the RBAC guardrails: ClusterRole "inner" ` +
                    `(through ClusterRole "middle") has rules[0].verbs "bind", rules[0].verbs "escalate". ${fix("outer")}`,
                `ClusterRole "middle" aggregates rules beyond the RBAC guardrails: ClusterRole "inner" ` +
                    `(selected by aggregationRule.clusterRoleSelectors[0]) has rules[0].verbs "bind", ` +
                    `rules[0].verbs "escalate". ${fix("middle")}`,
            ],
        );
    });

    it("passes an aggregating role listed in allowedRoles", async () => {
        const copier = clusterRole(
            "platform-reader",
            {},
            [],
            [{ matchLabels: { "app.kubernetes.io/name": "gatekeeper" } }],
        );
        assert.deepEqual(
            await runStackPolicy(policy, [copier, manager], { allowedRoles: ["platform-reader"] }),
            [],
        );
    });

    it("ignores Roles (namespaced roles cannot aggregate) and roles without an aggregation rule", async () => {
        assert.deepEqual(
            await runStackPolicy(policy, [
                manager,
                {
                    type: T.role,
                    name: "r",
                    props: {
                        metadata: { name: "r", namespace: "tenant-a" },
                        rules: manager.props.rules,
                    },
                },
            ]),
            [],
        );
    });
});
