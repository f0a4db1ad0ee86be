import * as assert from "node:assert/strict";
import { rbacNoAnonymousBindings as policy } from "../../../policypacks/platform-guardrails/policies/rbac-no-anonymous-bindings";
import { clusterRoleBinding, roleBinding, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

const FIX = "Bind the role to the groups or service accounts that need it instead.";

describe("policy rbac-no-anonymous-bindings", () => {
    it("passes a RoleBinding and a ClusterRoleBinding to named groups and service accounts", async () => {
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

    for (const name of ["system:anonymous", "system:unauthenticated", "system:authenticated"]) {
        it(`reports a Group subject ${name}`, async () => {
            const props = clusterRoleBinding();
            props.subjects[0].name = name;
            assert.deepEqual(
                await runResourcePolicy(policy, { type: T.clusterRoleBinding, props }),
                [
                    `ClusterRoleBinding "namespace-viewers" binds ClusterRole "namespace-viewer" ` +
                        `to everyone: subjects[0] is Group "${name}". ${FIX}`,
                ],
            );
        });
    }

    it("reports a User subject system:anonymous in a RoleBinding", async () => {
        const props = roleBinding();
        props.subjects.push({ kind: "User", name: "system:anonymous" });
        assert.deepEqual(await runResourcePolicy(policy, { type: T.roleBinding, props }), [
            `RoleBinding "tenant-a/developers" binds Role "developer" to everyone: ` +
                `subjects[1] is User "system:anonymous". ${FIX}`,
        ]);
    });

    it("reports cluster-admin bound to everyone, listing all such subjects", async () => {
        const props = clusterRoleBinding();
        props.roleRef.name = "cluster-admin";
        props.subjects = [
            { kind: "Group", name: "system:unauthenticated" },
            { kind: "Group", name: "oidc:admins" },
            { kind: "User", name: "system:anonymous" },
        ];
        assert.deepEqual(await runResourcePolicy(policy, { type: T.clusterRoleBinding, props }), [
            `ClusterRoleBinding "namespace-viewers" binds ClusterRole "cluster-admin" to ` +
                `everyone: subjects[0] is Group "system:unauthenticated", ` +
                `subjects[2] is User "system:anonymous". ${FIX}`,
        ]);
    });

    it("does not confuse a ServiceAccount named like a system group", async () => {
        const props = roleBinding();
        props.subjects = [{ kind: "ServiceAccount", name: "system:anonymous", namespace: "x" }];
        assert.deepEqual(await runResourcePolicy(policy, { type: T.roleBinding, props }), []);
    });

    it("exempts a listed binding", async () => {
        const props = roleBinding();
        props.subjects[0].name = "system:authenticated";
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.roleBinding,
                props,
                config: { allowedBindings: ["tenant-a/developers"] },
            }),
            [],
        );
    });
    it("reports the Group system:serviceaccounts (every service account of every namespace)", async () => {
        const props = clusterRoleBinding();
        props.subjects.push({
            kind: "Group",
            apiGroup: "rbac.authorization.k8s.io",
            name: "system:serviceaccounts",
        });
        assert.deepEqual(await runResourcePolicy(policy, { type: T.clusterRoleBinding, props }), [
            `ClusterRoleBinding "namespace-viewers" binds ClusterRole "namespace-viewer" to ` +
                `everyone: subjects[2] is Group "system:serviceaccounts" (every service account ` +
                `of every namespace). ${FIX}`,
        ]);
    });

    it("passes one namespace's service accounts and names that are other identities", async () => {
        const props = roleBinding();
        props.subjects = [
            {
                kind: "Group",
                apiGroup: "rbac.authorization.k8s.io",
                name: "system:serviceaccounts:tenant-a",
            },
            // Names are case-sensitive: these are other (unused) identities, which grant nothing to anyone.
            { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "System:Authenticated" },
            { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "system:serviceaccounts" },
        ];
        assert.deepEqual(await runResourcePolicy(policy, { type: T.roleBinding, props }), []);
    });
});
