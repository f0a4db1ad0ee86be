import * as assert from "node:assert/strict";
import { imagesAllowedRegistries as policy } from "../../../policypacks/workload-security/policies/images-allowed-registries";
import { podBearingTypes, podTemplateOf } from "../../../policypacks/lib/workloads";
import {
    compliantDeployment,
    compliantWorkload,
    DIGEST,
    REGISTRY,
} from "../../fixtures/workloads/compliant";
import { runResourcePolicy } from "../../util/policy-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const C = "spec.template.spec.containers[0]";
const config = { allowedRegistries: [REGISTRY] };
const FIX = "Mirror each image into an allowed registry and reference it there.";

async function run(
    image: string | undefined,
    given: Record<string, unknown> = config,
): Promise<string[]> {
    const props = compliantDeployment();
    if (image === undefined) {
        delete props.spec.template.spec.containers[0].image;
    } else {
        props.spec.template.spec.containers[0].image = image;
    }
    return runResourcePolicy(policy, { type: DEPLOYMENT, props, config: given });
}

function violation(label: string, allowed = `Allowed registries: ${REGISTRY}.`): string[] {
    return [
        `Deployment "tenant-a/web" uses images outside the allowed registries: ${label}. ${allowed} ${FIX}`,
    ];
}

describe("policy images-allowed-registries", () => {
    for (const type of podBearingTypes) {
        it(`passes a compliant ${type.split(":").slice(1).join(":")}`, async () => {
            assert.deepEqual(
                await runResourcePolicy(policy, { type, props: compliantWorkload(type), config }),
                [],
            );
        });
    }

    it("reports an image from another registry", async () => {
        const image = `ghcr.io/tenant-a/web:1.4.2@${DIGEST}`;
        assert.deepEqual(await run(image), violation(`"app" image "${image}" at ${C}.image`));
    });

    it("reports a Docker Hub short name (docker.io/library/...)", async () => {
        assert.deepEqual(
            await run("nginx:1.27"),
            violation(`"app" image "nginx:1.27" at ${C}.image`),
        );
    });

    it("matches on path boundaries: a look-alike host is not the allowed registry", async () => {
        const image = "registry.sovereign.example.evil.io/web:1";
        assert.deepEqual(await run(image), violation(`"app" image "${image}" at ${C}.image`));
    });

    it("admits a path prefix without a trailing slash only on a path boundary", async () => {
        const given = { allowedRegistries: ["registry.sovereign.example/tenant-a"] };
        assert.deepEqual(await run("registry.sovereign.example/tenant-a/web:1", given), []);
        assert.equal((await run("registry.sovereign.example/tenant-ab/web:1", given)).length, 1);
    });

    it("admits docker.io/library/ when listed, for a short name", async () => {
        const given = { allowedRegistries: [REGISTRY, "docker.io/library/"] };
        assert.deepEqual(await run("nginx:1.27", given), []);
    });

    it("reports a container without an image (fail closed)", async () => {
        assert.deepEqual(await run(undefined), violation(`"app" has no image at ${C}.image`));
    });

    it("fails closed: an empty allow list admits nothing", async () => {
        const props = compliantDeployment();
        const image = props.spec.template.spec.containers[0].image as string;
        const init = props.spec.template.spec.initContainers[0].image as string;
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
            `Deployment "tenant-a/web" uses images outside the allowed registries: ` +
                `"app" image "${image}" at ${C}.image; ` +
                `"migrate" image "${init}" at spec.template.spec.initContainers[0].image. ` +
                `No registry is allowed: images-allowed-registries.allowedRegistries is empty ` +
                `(set the stack's workloads.allowedRegistries and its pack config). ${FIX}`,
        ]);
    });

    it("checks ephemeral containers too", async () => {
        const type = "kubernetes:core/v1:Pod";
        const props = compliantWorkload(type);
        props.spec.ephemeralContainers = [{ name: "debug", image: "busybox:1.36" }];
        assert.deepEqual(await runResourcePolicy(policy, { type, props, config }), [
            `Pod "tenant-a/web" uses images outside the allowed registries: "debug" image ` +
                `"busybox:1.36" at spec.ephemeralContainers[0].image. Allowed registries: ` +
                `${REGISTRY}. ${FIX}`,
        ]);
    });
    describe("image volumes (volumes[].image.reference, Kubernetes 1.33)", () => {
        for (const type of podBearingTypes) {
            const kind = type.split(":").slice(1).join(":");
            it(`reports an image volume from another registry in a ${kind}`, async () => {
                const props = compliantWorkload(type);
                const template = podTemplateOf(type, props);
                assert.ok(template !== undefined);
                const reference = `ghcr.io/someone/llm-weights:7b@${DIGEST}`;
                template.spec.volumes = [
                    { name: "model", image: { reference, pullPolicy: "IfNotPresent" } },
                ];
                const kindName = type.split(":").pop();
                assert.deepEqual(await runResourcePolicy(policy, { type, props, config }), [
                    `${kindName} "tenant-a/web" uses images outside the allowed registries: ` +
                        `volume "model" image "${reference}" at ${template.path}.volumes[0].image.reference. ` +
                        `Allowed registries: ${REGISTRY}. ${FIX}`,
                ]);
            });
        }

        it("passes an image volume from an allowed registry, beside other volume types", async () => {
            const props = compliantDeployment();
            props.spec.template.spec.volumes = [
                { name: "cache", emptyDir: {} },
                { name: "model", image: { reference: `${REGISTRY}models/llm:7b@${DIGEST}` } },
            ];
            assert.deepEqual(
                await runResourcePolicy(policy, { type: DEPLOYMENT, props, config }),
                [],
            );
        });

        it("reports an image volume without a reference (fail closed), after the containers", async () => {
            const props = compliantDeployment();
            props.spec.template.spec.containers[0].image = "nginx:1.27";
            props.spec.template.spec.volumes = [{ image: { pullPolicy: "Always" } }];
            assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props, config }), [
                `Deployment "tenant-a/web" uses images outside the allowed registries: ` +
                    `"app" image "nginx:1.27" at ${C}.image; volume "#0" has no image at ` +
                    `spec.template.spec.volumes[0].image.reference. Allowed registries: ${REGISTRY}. ${FIX}`,
            ]);
        });
    });
});
