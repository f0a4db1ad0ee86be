import * as assert from "node:assert/strict";
import { chartsImagesAllowedRegistries as policy } from "../../../policypacks/platform-guardrails/policies/charts-images-allowed-registries";
import { chartSource, release, T } from "../../fixtures/platform/guardrails";
import { runResourcePolicy } from "../../util/policy-harness";

const MIRROR = "harbor.sovereign.example/mirror";
const config = { allowedRegistries: [`${MIRROR}/`] };
const OBJ = 'Chart "agent-chart" (ChartSource "agent-chart-source")';
const AGENT_URN = "urn:pulumi:dev::sovereign-contour::kubernetes:helm.sh/v4:Chart::agent-chart";
const ALLOWED = `Allowed registries: ${MIRROR}/.`;
const FIX =
    "Mirror each image and set the stack's images.mirror (a chart of your own names the mirror " +
    "in its values), or add the registry to charts-images-allowed-registries.allowedRegistries.";

/** The ChartSource of a Chart v4 `agent-chart` from the chart mirror with the given values. */
function agent(values: Record<string, unknown>): Record<string, unknown> {
    return {
        chartName: "agent",
        chartUrn: AGENT_URN,
        origin: "mirror",
        location: "oci://harbor.sovereign.example/charts",
        chart: "oci://harbor.sovereign.example/charts/agent",
        version: "1.0.0",
        namespace: "agents",
        values,
    };
}

async function run(
    props: Record<string, unknown>,
    given: Record<string, unknown> = config,
    type: string = T.chartSource,
): Promise<string[]> {
    const name = type === T.chartSource ? "agent-chart-source" : "agent";
    return runResourcePolicy(policy, { type, name, props, config: given });
}

/** The one message for the listed offenders under the default config. */
function offending(...found: string[]): string {
    return (
        `${OBJ} names images outside the allowed registries in its values: ` +
        `${found.join("; ")}. ${ALLOWED} ${FIX}`
    );
}

describe("policy charts-images-allowed-registries", () => {
    it("passes a Chart whose every image is at the mirror, in each shape charts use", async () => {
        const values = {
            image: { repository: `${MIRROR}/example/agent`, tag: "1.0.0" },
            controller: {
                image: { registry: MIRROR, repository: "example/controller", tag: "1.0.0" },
            },
            proxy: { image: { name: `${MIRROR}/example/proxy`, version: "1.0.0" } },
            helperImage: `${MIRROR}/example/helper:1.0.0`,
            global: { imageRegistry: MIRROR },
            sidecars: [{ name: "log", image: `${MIRROR}/example/log:1.0.0` }],
            extraImages: [`${MIRROR}/example/extra:1.0.0`],
        };
        assert.deepEqual(await run(agent(values)), []);
    });

    it("reports exactly the image whose values lost the mirror, by values path", async () => {
        const values = {
            image: { repository: "quay.io/example/agent", tag: "1.0.0", pullPolicy: "Always" },
            sidecar: { image: { repository: `${MIRROR}/example/sidecar`, tag: "1.0.0" } },
        };
        assert.deepEqual(await run(agent(values)), [
            offending('values.image.repository "quay.io/example/agent"'),
        ]);
    });

    it("reports a split registry/repository image as the combined reference at its object", async () => {
        const values = {
            cleanupController: {
                image: {
                    registry: "reg.kyverno.io",
                    repository: "kyverno/cleanup-controller",
                    tag: "v1.19.0",
                },
            },
            admission: {
                image: {
                    registry: "ghcr.io",
                    repository: "example/admission",
                    digest: `sha256:${"a".repeat(64)}`,
                },
            },
        };
        assert.deepEqual(await run(agent(values)), [
            offending(
                'values.cleanupController.image "reg.kyverno.io/kyverno/cleanup-controller:v1.19.0"',
                `values.admission.image "ghcr.io/example/admission@sha256:${"a".repeat(64)}"`,
            ),
        ]);
    });

    it("reports plain image strings, array items and registry-qualified references anywhere", async () => {
        const values = {
            controllerImage: "cr.l5d.io/linkerd/controller",
            image: "nginx:1.27",
            initContainers: [{ name: "init", image: "busybox:1.36" }],
            extraImages: ["quay.io/example/extra"],
            args: ["--sidecar=x", "ghcr.io/example/tool:2.0.0"],
            global: { imageRegistry: "docker.io" },
            proxy: { image: { name: "cr.l5d.io/linkerd/proxy", version: "edge-26.8.3" } },
        };
        assert.deepEqual(await run(agent(values)), [
            offending(
                'values.controllerImage "cr.l5d.io/linkerd/controller"',
                'values.image "nginx:1.27"',
                'values.initContainers[0].image "busybox:1.36"',
                'values.extraImages[0] "quay.io/example/extra"',
                'values.args[1] "ghcr.io/example/tool:2.0.0"',
                'values.global.imageRegistry "docker.io/"',
                'values.proxy.image.name "cr.l5d.io/linkerd/proxy"',
            ),
        ]);
    });

    it("matches on path boundaries: a sibling path of the mirror is not allowed", async () => {
        const values = { image: { repository: `${MIRROR}-old/example/agent`, tag: "1.0.0" } };
        assert.deepEqual(await run(agent(values)), [
            offending(`values.image.repository "${MIRROR}-old/example/agent"`),
        ]);
    });

    it("admits each upstream registry prefix listed, and only those", async () => {
        const values = {
            image: { repository: "quay.io/jetstack/cert-manager-controller", tag: "v1.21.1" },
            webhook: { image: { repository: "quay.io/other/webhook", tag: "v1.21.1" } },
        };
        assert.deepEqual(await run(agent(values), { allowedRegistries: ["quay.io/jetstack/"] }), [
            `${OBJ} names images outside the allowed registries in its values: ` +
                `values.webhook.image.repository "quay.io/other/webhook". Allowed registries: ` +
                `quay.io/jetstack/. ${FIX}`,
        ]);
    });

    it("fails closed: an empty allow list admits no image", async () => {
        const values = { image: { repository: `${MIRROR}/example/agent`, tag: "1.0.0" } };
        assert.deepEqual(await run(agent(values), {}), [
            `${OBJ} names images outside the allowed registries in its values: ` +
                `values.image.repository "${MIRROR}/example/agent". No registry is allowed: ` +
                `charts-images-allowed-registries.allowedRegistries is empty. ${FIX}`,
        ]);
    });

    it("reports values files, which it cannot read, besides the values it can", async () => {
        const props = {
            ...agent({ image: { repository: "quay.io/example/agent", tag: "1.0.0" } }),
            valueYamlFiles: [{ path: "values-site.yaml" }],
        };
        assert.deepEqual(await run(props), [
            `${OBJ} takes values from valueYamlFiles (1 file), which policies cannot read, so the ` +
                `images they name cannot be checked against the allowed registries: give those ` +
                `values inline in values instead.`,
            offending('values.image.repository "quay.io/example/agent"'),
        ]);
    });

    it("passes a Chart without values or with values that name no image", async () => {
        assert.deepEqual(await run(chartSource()), []);
        assert.deepEqual(await run(agent({ replicas: 2, resources: { limits: {} } })), []);
    });

    it("judges a helm.v3.Release's values the same way", async () => {
        const props = { ...release(), values: { image: { repository: "docker.io/x/y" } } };
        assert.deepEqual(await run(props, config, T.release), [
            `Release "agent" names images outside the allowed registries in its values: ` +
                `values.image.repository "docker.io/x/y". ${ALLOWED} ${FIX}`,
        ]);
    });

    it("does not judge a Chart v4, which the engine shows without inputs (its ChartSource is judged)", async () => {
        const props = agent({ image: { repository: "quay.io/example/agent", tag: "1.0.0" } });
        assert.deepEqual(await run(props, config, T.chart), []);
    });

    it("ignores resources that are not charts", async () => {
        const props = {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "agent", namespace: "agents" },
            data: { image: "quay.io/example/agent:1.0.0" },
        };
        assert.deepEqual(await run(props, {}, T.configMap), []);
    });
});
