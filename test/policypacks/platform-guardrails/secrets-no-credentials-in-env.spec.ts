import * as assert from "node:assert/strict";
import { secretsNoCredentialsInEnv as policy } from "../../../policypacks/platform-guardrails/policies/secrets-no-credentials-in-env";
import { podBearingTypes } from "../../../policypacks/lib/workloads";
import { compliantDeployment, compliantWorkload } from "../../fixtures/workloads/compliant";
import { runResourcePolicy } from "../../util/policy-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const FIX =
    "Put them in a Secret created from Pulumi secrets and use env[].valueFrom.secretKeyRef, " +
    "or mount the Secret as a file.";
const C = "spec.template.spec.containers[0]";
const githubToken = "ghp_" + "A1b2C3d4E5".repeat(4);

describe("policy secrets-no-credentials-in-env", () => {
    for (const type of podBearingTypes) {
        it(`passes a compliant ${type.split(":").slice(1).join(":")}`, async () => {
            assert.deepEqual(
                await runResourcePolicy(policy, { type, props: compliantWorkload(type) }),
                [],
            );
        });
    }

    it("reports a literal value of a password-named variable", async () => {
        const props = compliantDeployment();
        props.spec.template.spec.containers[0].env[3] = { name: "DB_PASSWORD", value: "hunter2" };
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
            `Deployment "tenant-a/web" has credentials in literal env values: ${C}.env[3] ` +
                `(DB_PASSWORD) is a credential-like key with a literal value. ${FIX}`,
        ]);
    });

    it("reports a token format under an innocent name, in an init container", async () => {
        const props = compliantDeployment();
        props.spec.template.spec.initContainers[0].env.push({
            name: "GIT_AUTH",
            value: githubToken,
        });
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
            `Deployment "tenant-a/web" has credentials in literal env values: ` +
                `spec.template.spec.initContainers[0].env[4] (GIT_AUTH) holds a GitHub token. ${FIX}`,
        ]);
    });

    it("reports an ephemeral container of a Pod", async () => {
        const type = "kubernetes:core/v1:Pod";
        const props = compliantWorkload(type);
        props.spec.ephemeralContainers = [
            { name: "debug", image: "x", env: [{ name: "API_KEY", value: "abc" }] },
        ];
        assert.deepEqual(await runResourcePolicy(policy, { type, props }), [
            `Pod "tenant-a/web" has credentials in literal env values: ` +
                `spec.ephemeralContainers[0].env[0] (API_KEY) is a credential-like key with a ` +
                `literal value. ${FIX}`,
        ]);
    });

    it("passes references and flags: $(VAR) expansion, empty values, booleans", async () => {
        const props = compliantDeployment();
        props.spec.template.spec.containers[0].env.push(
            { name: "DB_PASSWORD_COPY_PASSWORD", value: "$(DB_PASSWORD)" },
            { name: "REDIS_PASSWORD", value: "" },
            { name: "REQUIRE_TOKEN", value: "true" },
        );
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), []);
    });

    it("skips names listed in ignoredNames", async () => {
        const props = compliantDeployment();
        props.spec.template.spec.containers[0].env.push({ name: "PUBLIC_TOKEN", value: "pk_1" });
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: DEPLOYMENT,
                props,
                config: { ignoredNames: ["PUBLIC_TOKEN"] },
            }),
            [],
        );
    });
});
