import * as assert from "node:assert/strict";
import { rbacNoEscalateBindImpersonate as policy } from "../../../policypacks/platform-guardrails/policies/rbac-no-escalate-bind-impersonate";
import { clusterRole, role, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

const FIX =
    'Remove escalate, bind and impersonate (and "*") from the role, or add it to ' +
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
});
