import * as assert from "assert";
import type * as pulumiType from "@pulumi/pulumi";
import type { PinnedChart } from "../../components/shared/chart-source";
import type * as helmModule from "../../components/shared/helm-component";
import { installMocks, marker, named, recorded, resetRecorded, settled } from "../util/mocks";

const pinned: PinnedChart = {
    name: "probe",
    version: "1.2.3",
    repository: "https://charts.example/probe",
};
const second: PinnedChart = {
    name: "probe-extra",
    version: "0.4.0",
    repository: "oci://registry.example/charts",
};

describe("components/shared/helm-component", () => {
    let pulumi: typeof pulumiType;
    let helm: typeof helmModule;
    let Probe: new (
        name: string,
        opts?: pulumiType.ComponentResourceOptions,
    ) => pulumiType.ComponentResource;

    before(async () => {
        installMocks();
        pulumi = await import("@pulumi/pulumi");
        helm = await import("../../components/shared/helm-component");
        Probe = class extends pulumi.ComponentResource {
            constructor(name: string, opts?: pulumiType.ComponentResourceOptions) {
                super("test:index:Probe", name, {}, opts);
            }
        };
    });
    beforeEach(() => resetRecorded());

    /** An installer for a fresh component `name` with only the Kubernetes version as arguments. */
    const bare = (name: string): helmModule.HelmInstaller =>
        new helm.HelmInstaller(new Probe(name), name, { kubernetesVersion: "1.33" }, undefined);

    describe("helmArgsFromSettings", () => {
        it("gives the Kubernetes version and the charts and images settings, nothing else", () => {
            const charts = { overrides: {}, mirror: { url: "oci://harbor.example/charts" } };
            const images = { mirror: "harbor.example/mirror" };
            assert.deepStrictEqual(
                helm.helmArgsFromSettings({ kubernetesVersion: "1.33", charts, images } as Loose),
                { kubernetesVersion: "1.33", charts, images },
            );
        });
    });

    describe("HelmInstaller (under mocks)", () => {
        it("resolves charts against the charts settings and lists them in order", () => {
            const c = new Probe("p");
            const installer = new helm.HelmInstaller(
                c,
                "p",
                {
                    kubernetesVersion: "1.33",
                    charts: {
                        overrides: { "probe-extra": { localPath: "./vendor/extra.tgz" } },
                        mirror: { url: "https://harbor.example/charts", plainHttp: false },
                    } as Loose,
                },
                undefined,
            );
            const first = installer.chart(pinned);
            const extra = installer.chart(second);
            assert.deepStrictEqual(
                [first.origin, first.location, extra.origin, extra.location],
                ["mirror", "https://harbor.example/charts", "local", "./vendor/extra.tgz"],
            );
            assert.deepStrictEqual(installer.charts, [first, extra]);
            assert.deepStrictEqual(installer.chartListOutputs("probe-system"), {
                charts: ["probe@1.2.3", "probe-extra@0.4.0"],
                images: [],
                namespace: "probe-system",
            });
        });

        it("takes upstream charts and images when no sources are given", () => {
            const installer = bare("p");
            const resolved = installer.chart(pinned);
            assert.strictEqual(resolved.origin, "upstream");
            assert.deepStrictEqual(resolved.args, {
                chart: "probe",
                version: "1.2.3",
                repositoryOpts: { repo: "https://charts.example/probe" },
            });
            const images = installer.mirror(
                { main: "docker.io/probe/probe:v1" },
                (image, settings) => ({ image, mirror: settings.mirror }),
                (image) => image.image,
            );
            assert.deepStrictEqual(images, {
                main: { image: "docker.io/probe/probe:v1", mirror: undefined },
            });
            assert.deepStrictEqual(installer.images, ["docker.io/probe/probe:v1"]);
        });

        it("pins every image through the images settings and lists the references in key order", () => {
            const installer = new helm.HelmInstaller(
                new Probe("p"),
                "p",
                {
                    kubernetesVersion: "1.33",
                    images: {
                        mirror: "harbor.example/mirror",
                        digests: { "quay.io/probe/b:v2": `sha256:${"ab".repeat(32)}` },
                    },
                },
                undefined,
            );
            const seen: unknown[] = [];
            const pinnedImages = installer.mirror(
                { b: "quay.io/probe/b:v2", a: "quay.io/probe/a:v1" },
                (image, settings) => {
                    seen.push(settings);
                    return { ref: `${settings.mirror}/${image.split("/").slice(1).join("/")}` };
                },
                (image) => `${image.ref}!`,
            );
            assert.deepStrictEqual(pinnedImages, {
                b: { ref: "harbor.example/mirror/probe/b:v2" },
                a: { ref: "harbor.example/mirror/probe/a:v1" },
            });
            assert.deepStrictEqual(installer.images, [
                "harbor.example/mirror/probe/b:v2!",
                "harbor.example/mirror/probe/a:v1!",
            ]);
            assert.strictEqual(seen.length, 2);
            assert.deepStrictEqual(seen[0], {
                mirror: "harbor.example/mirror",
                digests: { "quay.io/probe/b:v2": `sha256:${"ab".repeat(32)}` },
            });
        });

        it("installs namespace then chart, the chart after the namespace, its gate and the component's dependencies", async () => {
            const layer = marker(pulumi, "layer-marker");
            const gate = marker(pulumi, "gate-marker");
            const c = new Probe("p", { dependsOn: [layer] });
            const installer = new helm.HelmInstaller(
                c,
                "p",
                { kubernetesVersion: "1.33", networkPolicies: Promise.resolve(gate) },
                { dependsOn: [layer] },
            );
            const resolved = installer.chart(pinned);
            const installed = installer.install(
                resolved,
                { metadata: { name: "probe-system" } },
                { name: "probe", namespace: "probe-system", values: { replicas: 2 } },
            );
            await settled();
            assert.deepStrictEqual(recorded.map((r) => `${r.type} ${r.name}`).sort(), [
                "kubernetes:core/v1:Namespace p-namespace",
                "kubernetes:helm.sh/v4:Chart p-chart",
                "sovereign:charts:ChartSource p-chart-source",
                "test:index:Marker gate-marker",
                "test:index:Marker layer-marker",
                "test:index:Probe p",
            ]);
            const urn = (name: string): string => named(name).urn;
            for (const child of ["p-namespace", "p-chart", "p-chart-source"]) {
                assert.strictEqual(named(child).parent, urn("p"), child);
            }
            assert.deepStrictEqual(named("p-namespace").dependencies, [urn("layer-marker")]);
            assert.deepStrictEqual(named("p-chart").dependencies, [
                urn("layer-marker"),
                urn("p-namespace"),
                urn("gate-marker"),
            ]);
            const chart = named("p-chart").inputs;
            assert.deepStrictEqual(
                [chart.chart, chart.version, chart.name, chart.namespace, chart.values],
                ["probe", "1.2.3", "probe", "probe-system", { replicas: 2 }],
            );
            assert.deepStrictEqual(named("p-namespace").inputs.metadata, { name: "probe-system" });
            assert.ok(installed.namespace instanceof pulumi.CustomResource);
        });

        it("has an empty gate without NetworkPolicies, and installs a chart after exactly what it is given", async () => {
            const installer = bare("q");
            assert.deepStrictEqual(installer.gate, []);
            const before = marker(pulumi, "before-marker");
            installer.release("crds", installer.chart(pinned), { name: "crds" }, [before]);
            await settled();
            assert.deepStrictEqual(named("q-crds").dependencies, [named("before-marker").urn]);
            assert.strictEqual(named("q-crds-source").inputs.releaseName, "crds");
        });

        it("reuses a declared system namespace instead of creating one", async () => {
            const existing = new (await import("@pulumi/kubernetes")).core.v1.Namespace("sys-ns", {
                metadata: { name: "probe" },
            });
            const installer = bare("r");
            const ns = installer.namespace(
                { metadata: { name: "probe" } },
                { namespace: existing, podSecurity: "privileged" },
            );
            const own = installer.namespace(
                { metadata: { name: "probe-cni" } },
                undefined,
                "cni-ns",
            );
            await settled();
            assert.strictEqual(ns, existing);
            assert.deepStrictEqual(recorded.map((x) => x.name).sort(), ["r", "r-cni-ns", "sys-ns"]);
            assert.notStrictEqual(own, existing);
        });

        it("registers a one-chart component's outputs from its first chart", () => {
            const installer = bare("s");
            assert.throws(
                () => installer.chartOutputs("probe-system"),
                /s: chartOutputs before any chart was resolved/,
            );
            installer.chart(pinned);
            installer.mirror(
                { main: "docker.io/probe/probe:v1" },
                (i) => i,
                (i) => i,
            );
            assert.deepStrictEqual(installer.chartOutputs("probe-system"), {
                chart: "probe",
                version: "1.2.3",
                images: ["docker.io/probe/probe:v1"],
                namespace: "probe-system",
            });
        });
    });

    describe("shared validation", () => {
        it("refuses replica counts that are not whole numbers of at least 1", () => {
            const c = new Probe("v");
            for (const bad of [0, -1, 1.5, NaN]) {
                assert.throws(
                    () => helm.requireReplicas(c, "probe.replicas", bad),
                    (e: Error) =>
                        e.message ===
                        `probe.replicas is ${bad}; expected a whole number of at least 1`,
                );
            }
            assert.doesNotThrow(() => helm.requireReplicas(c, "probe.replicas", 1));
            assert.doesNotThrow(() => helm.requireReplicas(c, "probe.replicas", 10));
        });

        it("refuses more replicas than the settings allow (one bound for both)", () => {
            const c = new Probe("v");
            for (const bad of [11, 100]) {
                assert.throws(
                    () => helm.requireReplicas(c, "probe.replicas", bad),
                    (e: Error) =>
                        e.message === `probe.replicas is ${bad}; expected at most 10 replicas`,
                );
            }
        });

        it("refuses webhook timeouts outside 1 to 30 whole seconds", () => {
            const c = new Probe("v");
            for (const bad of [0, 31, 2.5]) {
                assert.throws(
                    () => helm.requireWebhookTimeout(c, "probe.timeout", bad),
                    (e: Error) => e.message === `probe.timeout is ${bad}; expected 1 to 30 seconds`,
                );
            }
            assert.doesNotThrow(() => helm.requireWebhookTimeout(c, "probe.timeout", 1));
            assert.doesNotThrow(() => helm.requireWebhookTimeout(c, "probe.timeout", 30));
        });

        it("refuses expired exemptions, naming each, and accepts one on its last day", () => {
            const c = new Probe("v");
            const today = new Date("2030-06-30T23:00:00Z");
            assert.throws(
                () =>
                    helm.requireUnexpired(
                        c,
                        [
                            { name: "a", expires: "2030-06-29" },
                            { name: "b", expires: "2030-06-30" },
                            { name: "c", expires: "2029-01-01" },
                        ],
                        today,
                    ),
                (e: Error) =>
                    e.message ===
                    'admissionExemptions: "a" expired on 2030-06-29, "c" expired on 2029-01-01; ' +
                        "expected only exemptions that are still valid: renew each with a reviewed " +
                        "justification and a new date, or remove it",
            );
            assert.doesNotThrow(() =>
                helm.requireUnexpired(c, [{ name: "b", expires: "2030-06-30" }], today),
            );
        });

        it("refuses a declared system namespace that is not privileged, naming setting and reason", async () => {
            const c = new Probe("v");
            const k8s = await import("@pulumi/kubernetes");
            const ns = new k8s.core.v1.Namespace("sys-probe", { metadata: { name: "probe" } });
            assert.throws(
                () =>
                    helm.requirePrivileged(
                        c,
                        { namespace: ns, podSecurity: "baseline" },
                        "probe",
                        "probe.namespace",
                        "it mounts host paths",
                    ),
                (e: Error) =>
                    e.message ===
                    'systemNamespaces entry "probe" (probe.namespace) enforces Pod Security ' +
                        '"baseline"; expected "privileged" with a reason: it mounts host paths',
            );
            assert.doesNotThrow(() =>
                helm.requirePrivileged(
                    c,
                    { namespace: ns, podSecurity: "privileged" },
                    "probe",
                    "probe.namespace",
                    "x",
                ),
            );
            assert.doesNotThrow(() =>
                helm.requirePrivileged(c, undefined, "probe", "probe.namespace", "x"),
            );
        });

        it("exempts the component's namespace and the given ones, sorted, once each", () => {
            assert.deepStrictEqual(
                helm.exemptNamespacesWith("kyverno", ["kube-system", "kyverno"]),
                ["kube-system", "kyverno"],
            );
            assert.deepStrictEqual(helm.exemptNamespacesWith("gatekeeper-system"), [
                "gatekeeper-system",
            ]);
        });
    });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
