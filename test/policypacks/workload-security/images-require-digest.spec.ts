import * as assert from "node:assert/strict";
import { imagesRequireDigest as policy } from "../../../policypacks/workload-security/policies/images-require-digest";
import { podBearingTypes } from "../../../policypacks/lib/workloads";
import { compliantDeployment, compliantWorkload } from "../../fixtures/workloads/compliant";
import { runResourcePolicy } from "../../util/policy-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const FIX =
    "Pin each image as <image>:<tag>@sha256:<64 hex digits>, resolved from the allowed registry.";

async function run(image: string, config?: Record<string, unknown>): Promise<string[]> {
    const props = compliantDeployment();
    props.spec.template.spec.initContainers[0].image = image;
    return runResourcePolicy(policy, { type: DEPLOYMENT, props, config });
}

describe("policy images-require-digest", () => {
    for (const type of podBearingTypes) {
        it(`passes a compliant ${type.split(":").slice(1).join(":")}`, async () => {
            assert.deepEqual(
                await runResourcePolicy(policy, { type, props: compliantWorkload(type) }),
                [],
            );
        });
    }

    it("requires digests by default and reports an image without one", async () => {
        const image = "registry.sovereign.example/web-migrate:1.4.2";
        assert.deepEqual(await run(image), [
            `Deployment "tenant-a/web" uses images not pinned by digest: "migrate" image ` +
                `"${image}" at spec.template.spec.initContainers[0].image has no digest. ${FIX}`,
        ]);
    });

    it("reports a malformed digest", async () => {
        const image = "registry.sovereign.example/web-migrate:1.4.2@sha256:abc";
        assert.deepEqual(await run(image), [
            `Deployment "tenant-a/web" uses images not pinned by digest: "migrate" image ` +
                `"${image}" at spec.template.spec.initContainers[0].image has a malformed digest. ${FIX}`,
        ]);
    });

    it("passes everything when the stack does not require digests (requireDigest: false)", async () => {
        assert.deepEqual(
            await run("registry.sovereign.example/web-migrate:1.4.2", { requireDigest: false }),
            [],
        );
    });
    it("reports an image volume of a PodTemplate without a digest", async () => {
        const type = "kubernetes:core/v1:PodTemplate";
        const props = compliantWorkload(type);
        const reference = "registry.sovereign.example/models/llm:7b";
        props.template.spec.volumes = [{ name: "model", image: { reference } }];
        assert.deepEqual(await runResourcePolicy(policy, { type, props }), [
            `PodTemplate "tenant-a/web" uses images not pinned by digest: volume "model" image ` +
                `"${reference}" at template.spec.volumes[0].image.reference has no digest. ${FIX}`,
        ]);
    });
});
