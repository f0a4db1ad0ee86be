import * as assert from "node:assert/strict";
import { namespacesPodSecurityEnforce as policy } from "../../../policypacks/platform-guardrails/policies/namespaces-pod-security-enforce";
import { namespace, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

const LABEL = "pod-security.kubernetes.io/enforce";

describe("policy namespaces-pod-security-enforce", () => {
    it("passes a Namespace enforcing restricted", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: T.namespace, props: namespace() }),
            [],
        );
    });

    it("passes a Namespace enforcing baseline", async () => {
        const props = namespace();
        props.metadata.labels[LABEL] = "baseline";
        assert.deepEqual(await runResourcePolicy(policy, { type: T.namespace, props }), []);
    });

    it("reports a Namespace without the enforce label", async () => {
        const props = namespace();
        delete props.metadata.labels[LABEL];
        assert.deepEqual(await runResourcePolicy(policy, { type: T.namespace, props }), [
            `Namespace "tenant-a" has no Pod Security enforce label: set ` +
                `metadata.labels["${LABEL}"] to "restricted" (or "baseline").`,
        ]);
    });

    it("reports a Namespace without any labels", async () => {
        const props = namespace();
        delete props.metadata.labels;
        assert.equal((await runResourcePolicy(policy, { type: T.namespace, props })).length, 1);
    });

    it("reports an invalid level", async () => {
        const props = namespace();
        props.metadata.labels[LABEL] = "Restricted";
        assert.deepEqual(await runResourcePolicy(policy, { type: T.namespace, props }), [
            `Namespace "tenant-a" has an invalid Pod Security level: ` +
                `metadata.labels["${LABEL}"] is "Restricted"; set it to "restricted" or "baseline".`,
        ]);
    });

    it("reports privileged for a namespace that is not listed", async () => {
        const props = namespace();
        props.metadata.labels[LABEL] = "privileged";
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.namespace,
                props,
                config: { privilegedNamespaces: ["falco"] },
            }),
            [
                `Namespace "tenant-a" enforces Pod Security "privileged" ` +
                    `(metadata.labels["${LABEL}"]) but is not a listed system namespace. Set the ` +
                    `label to "restricted" or "baseline", or declare the namespace in the stack's ` +
                    `systemNamespaces with a reason and list it in ` +
                    `namespaces-pod-security-enforce.privilegedNamespaces.`,
            ],
        );
    });

    it("passes privileged for a listed system namespace", async () => {
        const props = namespace();
        props.metadata.name = "falco";
        props.metadata.labels[LABEL] = "privileged";
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.namespace,
                props,
                config: { privilegedNamespaces: ["falco"] },
            }),
            [],
        );
    });

    it("uses the Pulumi resource name when metadata.name is left to auto-naming", async () => {
        const props = namespace();
        delete props.metadata.name;
        props.metadata.labels[LABEL] = "privileged";
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: T.namespace,
                name: "falco",
                props,
                config: { privilegedNamespaces: ["falco"] },
            }),
            [],
        );
    });
});
