import * as assert from "node:assert/strict";
import {
    serviceAccountTokenOptIn as policy,
    tokenReasonAnnotation,
} from "../../../policypacks/workload-security/policies/service-account-token-opt-in";
import { podBearingTypes } from "../../../policypacks/lib/workloads";
import { compliantDeployment, compliantWorkload } from "../../fixtures/workloads/compliant";
import { runResourcePolicy } from "../../util/policy-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const FIELD = "spec.template.spec.automountServiceAccountToken";
const ANNOTATION = `spec.template.metadata.annotations["${tokenReasonAnnotation}"]`;
const OBJ = 'Deployment "tenant-a/web"';

function deployment(automount: unknown, reason?: string): Record<string, unknown> {
    const props = compliantDeployment();
    if (automount === undefined) {
        delete props.spec.template.spec.automountServiceAccountToken;
    } else {
        props.spec.template.spec.automountServiceAccountToken = automount;
    }
    if (reason !== undefined) {
        props.spec.template.metadata.annotations = { [tokenReasonAnnotation]: reason };
    }
    return props;
}

describe("policy service-account-token-opt-in", () => {
    for (const type of podBearingTypes) {
        it(`passes a compliant ${type.split(":").slice(1).join(":")} (automount false)`, async () => {
            assert.deepEqual(
                await runResourcePolicy(policy, { type, props: compliantWorkload(type) }),
                [],
            );
        });
    }

    it("reports an unset automountServiceAccountToken", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: DEPLOYMENT, props: deployment(undefined) }),
            [
                `${OBJ} does not disable the service-account token: ${FIELD} is not set, so the ` +
                    `ServiceAccount's default (mount) applies. Set it to false, or set it to true ` +
                    `and give the reason in ${ANNOTATION}.`,
            ],
        );
    });

    it("reports automountServiceAccountToken: true without an opt-in", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: DEPLOYMENT, props: deployment(true) }),
            [
                `${OBJ} mounts a service-account token (${FIELD} is true) without opting in: set ` +
                    `${FIELD} to false, or give the reason the workload calls the Kubernetes API in ` +
                    `${ANNOTATION}.`,
            ],
        );
    });

    it("passes true with a reason annotation on the pod template", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: DEPLOYMENT,
                props: deployment(true, "reads ConfigMaps of its namespace via the API"),
            }),
            [],
        );
    });

    it("does not accept an empty reason", async () => {
        assert.equal(
            (await runResourcePolicy(policy, { type: DEPLOYMENT, props: deployment(true, " ") }))
                .length,
            1,
        );
    });

    it("still reports an unset field when opted in: the workload must say true", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: DEPLOYMENT,
                props: deployment(undefined, "operator"),
            }),
            [
                `${OBJ} does not disable the service-account token: ${FIELD} is not set, so the ` +
                    `ServiceAccount's default (mount) applies. Set it to false or, as the ` +
                    `workload opted in, to true.`,
            ],
        );
    });

    it("passes true for a workload listed in allowedWorkloads", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: DEPLOYMENT,
                props: deployment(true),
                config: { allowedWorkloads: ["tenant-a/web"] },
            }),
            [],
        );
    });

    it("skips only a workload an exemption record lists in exemptWorkloads, even with the field unset", async () => {
        const unset = deployment(undefined);
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: DEPLOYMENT,
                props: unset,
                config: { exemptWorkloads: ["tenant-a/web"] },
            }),
            [],
        );
        // allowedWorkloads opts a workload in; it does not excuse an unset field.
        assert.equal(
            (
                await runResourcePolicy(policy, {
                    type: DEPLOYMENT,
                    props: unset,
                    config: { allowedWorkloads: ["tenant-a/web"] },
                })
            ).length,
            1,
        );
        assert.equal(
            (
                await runResourcePolicy(policy, {
                    type: DEPLOYMENT,
                    props: unset,
                    config: { exemptWorkloads: ["tenant-a/other"] },
                })
            ).length,
            1,
        );
    });

    it("reads a Pod's own metadata for the annotation", async () => {
        const type = "kubernetes:core/v1:Pod";
        const props = compliantWorkload(type);
        props.spec.automountServiceAccountToken = true;
        assert.deepEqual(await runResourcePolicy(policy, { type, props }), [
            `Pod "tenant-a/web" mounts a service-account token (spec.automountServiceAccountToken ` +
                `is true) without opting in: set spec.automountServiceAccountToken to false, or ` +
                `give the reason the workload calls the Kubernetes API in ` +
                `metadata.annotations["${tokenReasonAnnotation}"].`,
        ]);
        props.metadata.annotations = { [tokenReasonAnnotation]: "controller" };
        assert.deepEqual(await runResourcePolicy(policy, { type, props }), []);
    });

    it("reports a non-boolean value", async () => {
        const messages = await runResourcePolicy(policy, {
            type: DEPLOYMENT,
            props: deployment("false"),
        });
        assert.equal(messages.length, 1);
        assert.match(messages[0], /automountServiceAccountToken is "false", so/);
    });
});
