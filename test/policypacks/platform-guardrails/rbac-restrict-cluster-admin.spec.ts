import * as assert from "node:assert/strict";
import { rbacRestrictClusterAdmin as policy } from "../../../policypacks/platform-guardrails/policies/rbac-restrict-cluster-admin";
import { clusterRoleBinding, roleBinding, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

describe("policy rbac-restrict-cluster-admin", () => {
    it("passes bindings of other roles", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: T.roleBinding, props: roleBinding() }),
            [],
        );
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.clusterRoleBinding,
                props: clusterRoleBinding(),
            }),
            [],
        );
    });

    it("reports a ClusterRoleBinding of cluster-admin that is not listed", async () => {
        const props = clusterRoleBinding();
        props.roleRef.name = "cluster-admin";
        assert.deepEqual(await runResourcePolicy(policy, { type: T.clusterRoleBinding, props }), [
            `ClusterRoleBinding "namespace-viewers" grants cluster-admin (roleRef.name is ` +
                `"cluster-admin") and is not a listed binding. Bind a role with only the ` +
                `permissions needed, or add "namespace-viewers" to ` +
                `rbac-restrict-cluster-admin.allowedBindings if it is a sanctioned binding.`,
        ]);
    });

    it("reports a RoleBinding that references the cluster-admin ClusterRole", async () => {
        const props = roleBinding();
        props.roleRef = {
            apiGroup: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: "cluster-admin",
        };
        assert.deepEqual(await runResourcePolicy(policy, { type: T.roleBinding, props }), [
            `RoleBinding "tenant-a/developers" grants cluster-admin (roleRef.name is ` +
                `"cluster-admin") and is not a listed binding. Bind a role with only the ` +
                `permissions needed, or add "tenant-a/developers" to ` +
                `rbac-restrict-cluster-admin.allowedBindings if it is a sanctioned binding.`,
        ]);
    });

    it("passes a namespace Role that happens to be named cluster-admin", async () => {
        const props = roleBinding();
        props.roleRef.name = "cluster-admin";
        assert.deepEqual(await runResourcePolicy(policy, { type: T.roleBinding, props }), []);
    });

    it("passes a listed binding (the break-glass binding)", async () => {
        const props = clusterRoleBinding();
        props.roleRef.name = "cluster-admin";
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.clusterRoleBinding,
                props,
                config: { allowedBindings: ["namespace-viewers"] },
            }),
            [],
        );
    });
});
