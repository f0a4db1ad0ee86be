import * as assert from "node:assert/strict";
import { imagesNoLatestTag as policy } from "../../../policypacks/workload-security/policies/images-no-latest-tag";
import { podBearingTypes } from "../../../policypacks/lib/workloads";
import { compliantDeployment, compliantWorkload, DIGEST } from "../../fixtures/workloads/compliant";
import { runResourcePolicy } from "../../util/policy-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const C = "spec.template.spec.containers[0]";
const FIX = "Reference each image by a version tag (and a digest where the stack requires one).";

async function run(image: string): Promise<string[]> {
    const props = compliantDeployment();
    props.spec.template.spec.containers[0].image = image;
    return runResourcePolicy(policy, { type: DEPLOYMENT, props });
}

describe("policy images-no-latest-tag", () => {
    for (const type of podBearingTypes) {
        it(`passes a compliant ${type.split(":").slice(1).join(":")}`, async () => {
            assert.deepEqual(
                await runResourcePolicy(policy, { type, props: compliantWorkload(type) }),
                [],
            );
        });
    }

    it("reports the latest tag", async () => {
        const image = "registry.sovereign.example/web:latest";
        assert.deepEqual(await run(image), [
            `Deployment "tenant-a/web" uses unpinned image tags: "app" image "${image}" at ` +
                `${C}.image uses the tag latest. ${FIX}`,
        ]);
    });

    it("reports a missing tag", async () => {
        const image = "registry.sovereign.example/web";
        assert.deepEqual(await run(image), [
            `Deployment "tenant-a/web" uses unpinned image tags: "app" image "${image}" at ` +
                `${C}.image has no tag (Kubernetes pulls latest). ${FIX}`,
        ]);
    });

    it("does not mistake a registry port for a tag", async () => {
        const image = "localhost:5000/web";
        assert.deepEqual(await run(image), [
            `Deployment "tenant-a/web" uses unpinned image tags: "app" image "${image}" at ` +
                `${C}.image has no tag (Kubernetes pulls latest). ${FIX}`,
        ]);
        assert.deepEqual(await run("localhost:5000/web:2.0"), []);
    });

    it("passes an image pinned only by digest", async () => {
        assert.deepEqual(await run(`registry.sovereign.example/web@${DIGEST}`), []);
    });

    it("reports latest even with a digest", async () => {
        assert.equal((await run(`registry.sovereign.example/web:latest@${DIGEST}`)).length, 1);
    });
    it("reports an image volume of a CronJob pulled without a tag", async () => {
        const type = "kubernetes:batch/v1:CronJob";
        const props = compliantWorkload(type);
        const reference = "registry.sovereign.example/tenant-a/eval-dataset";
        props.spec.jobTemplate.spec.template.spec.volumes = [
            { name: "dataset", image: { reference } },
        ];
        assert.deepEqual(await runResourcePolicy(policy, { type, props }), [
            `CronJob "tenant-a/web" uses unpinned image tags: volume "dataset" image ` +
                `"${reference}" at spec.jobTemplate.spec.template.spec.volumes[0].image.reference ` +
                `has no tag (Kubernetes pulls latest). ${FIX}`,
        ]);
    });

    it("reports an image volume with the latest tag and passes one pinned by digest", async () => {
        const props = compliantDeployment();
        const latest = "registry.sovereign.example/models/llm:latest";
        props.spec.template.spec.volumes = [
            { name: "a", image: { reference: latest } },
            { name: "b", image: { reference: `registry.sovereign.example/models/llm@${DIGEST}` } },
        ];
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
            `Deployment "tenant-a/web" uses unpinned image tags: volume "a" image "${latest}" at ` +
                `spec.template.spec.volumes[0].image.reference uses the tag latest. ${FIX}`,
        ]);
    });
});
