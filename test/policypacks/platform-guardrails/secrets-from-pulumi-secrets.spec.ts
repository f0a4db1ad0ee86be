/**
 * secrets-from-pulumi-secrets runs through the SDK's own deserializer and proxies (see
 * test/util/policy-rpc-harness.ts): secrets arrive as the engine sends them, and the policy must
 * tell them apart in the Remediate pass and report in the Analyze pass.
 */
import * as assert from "node:assert/strict";
import { secretsFromPulumiSecrets as policy } from "../../../policypacks/platform-guardrails/policies/secrets-from-pulumi-secrets";
import { T } from "../../fixtures/platform/guardrails";
import { runThroughAnalyzer, secret, unknownString } from "../../util/policy-rpc-harness";
import { runResourcePolicy } from "../../util/policy-harness";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;

/** A Secret `tenant-a/web-db` with the given data (values as sent on the wire). */
function secretObject(data: Props, stringData?: Props): Props {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "web-db", namespace: "tenant-a" },
        type: "Opaque",
        data,
        ...(stringData !== undefined ? { stringData } : {}),
    };
}

const FIX =
    "Pass them as Pulumi secrets: pulumi.secret(...), a secret config value " +
    "(pulumi config set --secret), or a @pulumi/random or @pulumi/tls output.";

describe("policy secrets-from-pulumi-secrets", () => {
    it("runs at enforcement level remediate, the only level at which it can see secrets", () => {
        assert.equal(policy.enforcementLevel, "remediate");
    });

    it("passes a Secret whose every value is a Pulumi secret", async () => {
        const props = secretObject(
            { password: secret("aHVudGVyMg=="), username: secret("YXBw") },
            { token: secret("t0ken") },
        );
        const result = await runThroughAnalyzer(policy, { type: T.secret, props });
        assert.deepEqual(result.messages, []);
        assert.equal(result.remediated, undefined, "the remediation pass must change nothing");
    });

    it("passes a Secret whose whole data map is one Pulumi secret", async () => {
        const props = secretObject(secret({ password: "aHVudGVyMg==" }));
        assert.deepEqual(
            (await runThroughAnalyzer(policy, { type: T.secret, props })).messages,
            [],
        );
    });

    it("passes a secret value that is not known yet during preview", async () => {
        const props = secretObject({ password: secret(unknownString) });
        assert.deepEqual(
            (await runThroughAnalyzer(policy, { type: T.secret, props })).messages,
            [],
        );
    });

    it("passes a Secret without data", async () => {
        const props = secretObject({});
        assert.deepEqual(
            (await runThroughAnalyzer(policy, { type: T.secret, props, remediate: false }))
                .messages,
            [],
        );
    });

    it("reports a plain value in data", async () => {
        const props = secretObject({ password: "aHVudGVyMg==", username: secret("YXBw") });
        assert.deepEqual((await runThroughAnalyzer(policy, { type: T.secret, props })).messages, [
            `Secret "tenant-a/web-db" has plain (non-secret) values in data["password"]. ${FIX}`,
        ]);
    });

    it("reports a plain value in stringData", async () => {
        const props = secretObject({ username: secret("YXBw") }, { token: "t0ken" });
        assert.deepEqual((await runThroughAnalyzer(policy, { type: T.secret, props })).messages, [
            `Secret "tenant-a/web-db" has plain (non-secret) values in stringData["token"]. ${FIX}`,
        ]);
    });

    it("reports a plain unknown data map (an output that is not secret)", async () => {
        const props = secretObject({});
        props.data = unknownString;
        assert.deepEqual((await runThroughAnalyzer(policy, { type: T.secret, props })).messages, [
            `Secret "tenant-a/web-db" has plain (non-secret) values in data. ${FIX}`,
        ]);
    });

    it("lists every plain value in one violation", async () => {
        const props = secretObject({ a: "YQ==", b: secret("Yg=="), c: "Yw==" }, { d: "d" });
        assert.deepEqual((await runThroughAnalyzer(policy, { type: T.secret, props })).messages, [
            `Secret "tenant-a/web-db" has plain (non-secret) values in data["a"], data["c"], ` +
                `stringData["d"]. ${FIX}`,
        ]);
    });

    it("fails closed when no remediation pass ran (level lowered, or Analyze alone)", async () => {
        const props = secretObject({ password: secret("aHVudGVyMg==") });
        assert.deepEqual(
            (await runThroughAnalyzer(policy, { type: T.secret, props, remediate: false }))
                .messages,
            [
                `Secret "tenant-a/web-db": cannot verify that data come from Pulumi secrets, ` +
                    `because the remediation pass of secrets-from-pulumi-secrets did not run for ` +
                    `it. Keep the policy at enforcementLevel "remediate" (its default) so the ` +
                    `engine shows it which values are secret.`,
            ],
        );
    });

    it("fails closed through the plain validation harness too (it has no Remediate pass)", async () => {
        const messages = await runResourcePolicy(policy, {
            type: T.secret,
            props: secretObject({ password: "x" }, { token: "y" }),
        });
        assert.equal(messages.length, 1);
        assert.match(
            messages[0],
            /cannot verify that data and stringData come from Pulumi secrets/,
        );
    });

    it("does not carry an observation over to a later analysis of the same resource", async () => {
        const props = secretObject({ password: "plain" });
        await runThroughAnalyzer(policy, { type: T.secret, props });
        const again = await runThroughAnalyzer(policy, { type: T.secret, props, remediate: false });
        assert.match(again.messages[0], /cannot verify/);
    });

    it("ignores other kinds", async () => {
        const props = secretObject({ password: "plain" });
        assert.deepEqual(
            (await runThroughAnalyzer(policy, { type: T.configMap, props })).messages,
            [],
        );
    });
});
