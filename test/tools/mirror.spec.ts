/**
 * The mirroring export: charts with their exact source and version, images from chart values
 * completed with their tags, registry-only values skipped, unpinned values named, duplicates
 * spelled two ways counted once.
 */
import * as assert from "assert";
import { chartImages, imageSourcesOf, mirrorChart, uniqueImages } from "../../tools/check/mirror";

describe("check: mirroring export", () => {
    it("tells where each chart is fetched from", () => {
        assert.deepStrictEqual(
            mirrorChart("platform-gatekeeper-chart", {
                chart: "oci://harbor.sovereign.example/charts/gatekeeper",
                version: "3.23.0",
            }),
            {
                resource: "platform-gatekeeper-chart",
                name: "gatekeeper",
                version: "3.23.0",
                source: "oci",
                location: "oci://harbor.sovereign.example/charts",
            },
        );
        assert.deepStrictEqual(
            mirrorChart("platform-cert-manager-chart", {
                chart: "cert-manager",
                version: "v1.21.1",
                repositoryOpts: { repo: "https://charts.jetstack.io" },
            }),
            {
                resource: "platform-cert-manager-chart",
                name: "cert-manager",
                version: "v1.21.1",
                source: "repository",
                location: "https://charts.jetstack.io",
            },
        );
        assert.deepStrictEqual(
            mirrorChart("direct", {
                chart: "https://charts.example/falco-9.1.0.tgz",
                version: "9.1.0",
            }),
            {
                resource: "direct",
                name: "falco-9.1.0.tgz",
                version: "9.1.0",
                source: "url",
                location: "https://charts.example/falco-9.1.0.tgz",
            },
        );
        assert.deepStrictEqual(mirrorChart("alias", { chart: "jetstack/cert-manager" }), {
            resource: "alias",
            name: "jetstack/cert-manager",
            version: "",
            source: "unresolved",
            location: "",
        });
        assert.deepStrictEqual(mirrorChart("vendored", { chart: "./charts/falco-9.1.0.tgz" }), {
            resource: "vendored",
            name: "./charts/falco-9.1.0.tgz",
            version: "",
            source: "local",
            location: "./charts/falco-9.1.0.tgz",
        });
    });

    it("lists chart value images with their tags, and names the unpinned ones", () => {
        const values = {
            image: {
                repository: "harbor.example/mirror/openpolicyagent/gatekeeper",
                tag: "v3.23.0",
            },
            admissionController: {
                container: {
                    image: {
                        registry: "harbor.example/mirror",
                        repository: "kyverno/kyverno",
                        tag: "v1.16.0",
                    },
                },
            },
            global: { imageRegistry: "harbor.example/mirror" },
            sidecars: [{ image: "harbor.example/mirror/agent@sha256:" + "a".repeat(64) }],
            untagged: { image: { repository: "harbor.example/mirror/tool" } },
        };
        assert.deepStrictEqual(chartImages("chart", values), {
            images: [
                "harbor.example/mirror/openpolicyagent/gatekeeper:v3.23.0",
                "harbor.example/mirror/kyverno/kyverno:v1.16.0",
                "harbor.example/mirror/agent@sha256:" + "a".repeat(64),
            ],
            unpinned: [
                {
                    resource: "chart",
                    path: "untagged.image.repository",
                    image: "harbor.example/mirror/tool",
                },
            ],
        });
    });

    it("takes the tag from a chart's own key for it (Gatekeeper release, Linkerd version)", () => {
        const values = {
            image: {
                repository: "harbor.example/mirror/openpolicyagent/gatekeeper",
                release: "v3.23.0",
            },
            proxy: {
                image: { name: "harbor.example/mirror/linkerd/proxy", version: "edge-26.8.3" },
            },
        };
        assert.deepStrictEqual(chartImages("chart", values), {
            images: [
                "harbor.example/mirror/openpolicyagent/gatekeeper:v3.23.0",
                "harbor.example/mirror/linkerd/proxy:edge-26.8.3",
            ],
            unpinned: [],
        });
    });

    it("keeps the digest a chart's tag field or digest key pins (tag@sha256, cert-manager digest)", () => {
        const digest = `sha256:${"a".repeat(64)}`;
        const values = {
            image: {
                repository: "harbor.example/mirror/openpolicyagent/gatekeeper",
                release: `v3.23.0@${digest}`,
            },
            webhook: {
                image: {
                    repository: "harbor.example/mirror/jetstack/cert-manager-webhook",
                    tag: "v1.21.1",
                    digest,
                },
            },
        };
        assert.deepStrictEqual(chartImages("chart", values), {
            images: [
                `harbor.example/mirror/openpolicyagent/gatekeeper:v3.23.0@${digest}`,
                `harbor.example/mirror/jetstack/cert-manager-webhook:v1.21.1@${digest}`,
            ],
            unpinned: [],
        });
    });

    it("lists the program's image sources sorted by source, dropping malformed entries", () => {
        const digest = `sha256:${"b".repeat(64)}`;
        assert.deepStrictEqual(
            imageSourcesOf([
                {
                    source: "quay.io/jetstack/cert-manager-webhook:v1.21.1",
                    target: "harbor.example/mirror/jetstack/cert-manager-webhook:v1.21.1",
                    digest,
                },
                {
                    source: "cr.l5d.io/linkerd/proxy:edge-26.8.3",
                    target: "harbor.example/mirror/linkerd/proxy:edge-26.8.3",
                },
                { source: "no-target:1" },
                "docker.io/library/nginx:1",
            ]),
            [
                {
                    source: "cr.l5d.io/linkerd/proxy:edge-26.8.3",
                    target: "harbor.example/mirror/linkerd/proxy:edge-26.8.3",
                },
                {
                    source: "quay.io/jetstack/cert-manager-webhook:v1.21.1",
                    target: "harbor.example/mirror/jetstack/cert-manager-webhook:v1.21.1",
                    digest,
                },
            ],
        );
        assert.deepStrictEqual(imageSourcesOf(undefined), []);
    });

    it("counts one image spelled two ways once, keeping the first spelling", () => {
        assert.deepStrictEqual(
            uniqueImages([
                "openpolicyagent/gatekeeper:v3.23.0",
                "docker.io/openpolicyagent/gatekeeper:v3.23.0",
                "nginx:1.27",
                "docker.io/library/nginx:1.27",
                "quay.io/jetstack/cert-manager-controller:v1.21.1",
            ]),
            [
                "nginx:1.27",
                "openpolicyagent/gatekeeper:v3.23.0",
                "quay.io/jetstack/cert-manager-controller:v1.21.1",
            ],
        );
    });
});
