import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../../tools/check/errors";
import {
    chartChildren,
    chartSource,
    childUrn,
    decideChart,
    findHelm,
    helmVersion,
    HelmBinary,
    KubeObject,
    noHelmReason,
    parseManifest,
    pinnedHelmPath,
    redactSecrets,
    renderChart,
    secretStrings,
    skipAwaitAnnotation,
} from "../../tools/check/helm";
import { maskedSecret, plainValue } from "../../tools/check/values";
import { pinnedHelmVersion, testHelmBinary } from "../util/helm-binary";

const root = path.resolve(__dirname, "..", "..");
const charts = path.join(root, "test", "fixtures", "charts");
const privilegedChart = path.join(charts, "privileged-pod");
const restrictedChart = path.join(charts, "restricted-app");

/** A fresh temporary folder, removed after the suite. */
const temps: string[] = [];
function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helm-spec-"));
    temps.push(dir);
    return dir;
}

function writeExecutable(file: string, text = "#!/bin/sh\nexit 0\n"): string {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o755 });
    return file;
}

/** `kind/namespace/name` of each object (namespace `-` when unset). */
function ids(objects: readonly KubeObject[]): string[] {
    return objects.map((o) => {
        const meta = (o.metadata ?? {}) as Record<string, unknown>;
        return `${String(o.kind)}/${String(meta.namespace ?? "-")}/${String(meta.name)}`;
    });
}

function byKind(objects: readonly KubeObject[], kind: string): KubeObject {
    const found = objects.find((o) => o.kind === kind);
    assert.ok(found, `no ${kind} in ${ids(objects).join(", ")}`);
    return found;
}

after(() => {
    for (const dir of temps) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

describe("check helm: finding the helm binary (--helm, HELM_BINARY, pinned, PATH)", () => {
    let dir: string;
    let flagHelm: string;
    let envHelm: string;
    let pathDir: string;
    let pinnedCache: string;
    let noCache: string;

    before(() => {
        dir = tempDir();
        flagHelm = writeExecutable(path.join(dir, "flag", "helm"));
        envHelm = writeExecutable(path.join(dir, "env", "helm"));
        pathDir = path.join(dir, "bin");
        writeExecutable(path.join(pathDir, "helm"));
        pinnedCache = path.join(dir, "tool-cache");
        writeExecutable(path.join(pinnedCache, "bin", "helm"));
        noCache = path.join(dir, "no-tool-cache");
    });

    it("takes the --helm flag first, then HELM_BINARY, then the pinned helm, then helm on PATH", () => {
        const env = { HELM_BINARY: envHelm, PATH: pathDir, SOVEREIGN_TOOL_CACHE: pinnedCache };
        assert.deepStrictEqual(findHelm(flagHelm, env), { path: flagHelm, from: "--helm" });
        assert.deepStrictEqual(findHelm(undefined, env), { path: envHelm, from: "HELM_BINARY" });
        assert.deepStrictEqual(
            findHelm(undefined, { PATH: pathDir, SOVEREIGN_TOOL_CACHE: pinnedCache }),
            { path: path.join(pinnedCache, "bin", "helm"), from: "tools/go/build.sh helm" },
        );
        assert.deepStrictEqual(
            findHelm(undefined, { PATH: pathDir, SOVEREIGN_TOOL_CACHE: noCache }),
            {
                path: path.join(pathDir, "helm"),
                from: "PATH",
            },
        );
    });

    it("looks for the pinned helm where tools/go/build.sh puts it", () => {
        assert.strictEqual(
            pinnedHelmPath({ SOVEREIGN_TOOL_CACHE: pinnedCache }),
            path.join(pinnedCache, "bin", "helm"),
        );
        const projectCache = path.join(root, ".cache", "tools", "bin", "helm");
        assert.strictEqual(pinnedHelmPath({}), projectCache);
        assert.strictEqual(pinnedHelmPath({ SOVEREIGN_TOOL_CACHE: "" }), projectCache);
        const built = testHelmBinary();
        assert.strictEqual(fs.realpathSync(pinnedHelmPath(process.env)), fs.realpathSync(built));
    });

    it("treats an empty HELM_BINARY as unset and skips a PATH entry whose helm is not executable", () => {
        const noExec = path.join(dir, "noexec");
        fs.mkdirSync(noExec, { recursive: true });
        fs.writeFileSync(path.join(noExec, "helm"), "", { mode: 0o644 });
        const env = {
            HELM_BINARY: "",
            PATH: [noExec, pathDir].join(path.delimiter),
            SOVEREIGN_TOOL_CACHE: noCache,
        };
        assert.deepStrictEqual(findHelm(undefined, env), {
            path: path.join(pathDir, "helm"),
            from: "PATH",
        });
    });

    it("returns undefined when no helm is found", () => {
        assert.strictEqual(
            findHelm(undefined, {
                PATH: path.join(dir, "flag-none"),
                SOVEREIGN_TOOL_CACHE: noCache,
            }),
            undefined,
        );
        assert.strictEqual(findHelm(undefined, { SOVEREIGN_TOOL_CACHE: noCache }), undefined);
    });

    it("refuses a --helm that does not exist, naming the flag, the value and what is expected", () => {
        const missing = path.join(dir, "missing", "helm");
        assert.throws(
            () => findHelm(missing, { PATH: pathDir }),
            (e: Error) =>
                e instanceof UsageError &&
                e.message ===
                    `--helm: "${missing}" does not exist; expected the path of an executable ` +
                        `helm binary (Helm 3 or 4)`,
        );
    });

    it("refuses a HELM_BINARY that is not executable, even when helm is on PATH", () => {
        const plain = path.join(dir, "plain-file");
        fs.writeFileSync(plain, "", { mode: 0o644 });
        assert.throws(
            () => findHelm(undefined, { HELM_BINARY: plain, PATH: pathDir }),
            (e: Error) =>
                e instanceof UsageError &&
                e.message ===
                    `HELM_BINARY: "${plain}" is not an executable file; expected the path of an ` +
                        `executable helm binary (Helm 3 or 4)`,
        );
        assert.throws(
            () => findHelm(undefined, { HELM_BINARY: dir, PATH: pathDir }),
            /HELM_BINARY: ".*" is not an executable file/,
        );
    });
});

describe("check helm: which charts are on this machine", () => {
    it("resolves a relative path against the project folder and takes an absolute one as is", () => {
        assert.deepStrictEqual(
            chartSource({ chart: "./test/fixtures/charts/privileged-pod" }, root),
            { local: true, path: privilegedChart },
        );
        assert.deepStrictEqual(chartSource({ chart: privilegedChart }, "/nonexistent"), {
            local: true,
            path: privilegedChart,
        });
    });

    it("reads a file:// URL as the path it names", () => {
        assert.deepStrictEqual(chartSource({ chart: `file://${restrictedChart}` }, "/"), {
            local: true,
            path: restrictedChart,
        });
        assert.deepStrictEqual(chartSource({ chart: "file:///nonexistent/chart.tgz" }, root), {
            local: false,
            reason: "local chart /nonexistent/chart.tgz not found on this machine",
        });
    });

    it("never fetches a remote chart and says why", () => {
        assert.deepStrictEqual(
            chartSource({ chart: "oci://harbor.example/charts/kyverno", version: "3.9.0" }, root),
            {
                local: false,
                reason: "remote source oci://harbor.example/charts/kyverno: not fetched offline",
            },
        );
        assert.deepStrictEqual(
            chartSource(
                { chart: "gatekeeper", repositoryOpts: { repo: "https://charts.example/gk" } },
                root,
            ),
            {
                local: false,
                reason: "remote source https://charts.example/gk (chart gatekeeper): not fetched offline",
            },
        );
        assert.deepStrictEqual(chartSource({ chart: "https://charts.example/x-1.0.0.tgz" }, root), {
            local: false,
            reason: "remote source https://charts.example/x-1.0.0.tgz: not fetched offline",
        });
        assert.deepStrictEqual(chartSource({ chart: "example/mariadb" }, root), {
            local: false,
            reason: 'chart "example/mariadb" names a repository of the local Helm configuration: not resolved offline',
        });
    });

    it("finds a local path on disk first, as Helm does, even when a repository is set", () => {
        assert.deepStrictEqual(
            chartSource(
                {
                    chart: "test/fixtures/charts/restricted-app",
                    repositoryOpts: { repo: "https://charts.example" },
                },
                root,
            ),
            { local: true, path: restrictedChart },
        );
    });

    it("names a local path that is missing here", () => {
        assert.deepStrictEqual(chartSource({ chart: "./vendor/falco-9.1.0.tgz" }, "/srv/site"), {
            local: false,
            reason: "local chart /srv/site/vendor/falco-9.1.0.tgz not found on this machine",
        });
        assert.deepStrictEqual(chartSource({ chart: 42 }, root), {
            local: false,
            reason: "the chart input is not a known string",
        });
    });

    it("does not render without helm, with unknown inputs or with inputs it cannot reproduce", () => {
        const helm: HelmBinary = { path: "/usr/bin/helm", from: "PATH" };
        const local = { chart: privilegedChart };
        assert.deepStrictEqual(decideChart(local, local, root, undefined), {
            reason: noHelmReason,
        });
        assert.strictEqual(
            noHelmReason,
            "no helm binary (set --helm or HELM_BINARY, build the pinned one with " +
                "tools/go/build.sh helm, or put helm on PATH)",
        );
        assert.deepStrictEqual(decideChart(local, local, root, helm), { path: privilegedChart });
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        assert.deepStrictEqual(
            decideChart({ ...local, values: { a: unknown } }, local, root, helm),
            { reason: "inputs have values unknown during preview" },
        );
        assert.deepStrictEqual(
            decideChart({ chart: unknown }, { chart: "[unknown]" }, root, helm),
            {
                reason: "the chart input is unknown during preview",
            },
        );
        assert.deepStrictEqual(decideChart({ ...local, valueYamlFiles: [{}] }, local, root, helm), {
            reason: "valueYamlFiles are not read by the offline check",
        });
        assert.deepStrictEqual(
            decideChart({ ...local, postRenderer: { command: "x" } }, local, root, helm),
            { reason: "a postRenderer is not run by the offline check" },
        );
        assert.deepStrictEqual(
            decideChart({ ...local, dependencyUpdate: true }, local, root, helm),
            {
                reason: "dependencyUpdate needs the chart repositories (network)",
            },
        );
        // A remote source is named even when helm is missing.
        assert.deepStrictEqual(
            decideChart(
                { chart: "oci://r.example/c" },
                { chart: "oci://r.example/c" },
                root,
                undefined,
            ),
            { reason: "remote source oci://r.example/c: not fetched offline" },
        );
    });
});

describe("check helm: rendering a local chart as Chart v4 does", function () {
    this.timeout(120_000);
    let helm: HelmBinary;

    before(() => {
        helm = { path: testHelmBinary(), from: "--helm" };
    });

    it("uses the pinned helm built from the helm Go module (the version tools/go/helm/go.mod pins)", async () => {
        assert.strictEqual(pinnedHelmVersion(), "v3.20.2");
        assert.strictEqual(await helmVersion(helm), pinnedHelmVersion());
        assert.strictEqual(fs.statSync(helm.path).mode & 0o111, 0o111);
    });

    it("drops hook objects (test hooks too), includes crds/, passes values and the namespace", async () => {
        const objects = await renderChart({
            helm,
            resourceName: "platform-debug-chart",
            chartPath: privilegedChart,
            inputs: {
                chart: privilegedChart,
                name: "debug",
                namespace: "tenant-a",
                values: { image: { repository: "registry.example/tools/shell", release: "2.0" } },
            },
            kubeVersion: "1.33",
        });
        assert.deepStrictEqual(ids(objects), [
            "CustomResourceDefinition/-/widgets.debug.sovereign.example",
            "ConfigMap/tenant-a/debug-debug-settings",
            "ClusterRole/-/debug-debug-reader",
            "Deployment/-/debug-debug",
            "Widget/-/debug-debug-widget",
        ]);
        const deployment = byKind(objects, "Deployment") as {
            spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
        };
        assert.strictEqual(
            deployment.spec.template.spec.containers[0].image,
            "registry.example/tools/shell:2.0",
        );
        assert.strictEqual(deployment.spec.replicas, 1, "chart default kept where not overridden");
        assert.deepStrictEqual(byKind(objects, "ConfigMap").data, {
            releaseNamespace: "tenant-a",
            kubeVersion: "v1.33",
        });
    });

    it("leaves the CRDs out with skipCrds, and names the release after the Chart resource by default", async () => {
        const objects = await renderChart({
            helm,
            resourceName: "debug-chart",
            chartPath: privilegedChart,
            inputs: { chart: privilegedChart, skipCrds: true },
            kubeVersion: "1.32",
        });
        assert.deepStrictEqual(ids(objects), [
            "ConfigMap/default/debug-chart-debug-settings",
            "ClusterRole/-/debug-chart-debug-reader",
            "Deployment/-/debug-chart-debug",
            "Widget/-/debug-chart-debug-widget",
        ]);
        assert.deepStrictEqual(byKind(objects, "ConfigMap").data, {
            releaseNamespace: "default",
            kubeVersion: "v1.32",
        });
    });

    it("renders a packaged chart (.tgz)", async () => {
        const dir = tempDir();
        execFileSync(helm.path, ["package", restrictedChart, "--destination", dir], {
            env: { PATH: "/usr/bin:/bin", HELM_CACHE_HOME: dir, HELM_CONFIG_HOME: dir },
        });
        const tgz = path.join(dir, "restricted-app-0.1.0.tgz");
        assert.deepStrictEqual(chartSource({ chart: tgz }, root), { local: true, path: tgz });
        const objects = await renderChart({
            helm,
            resourceName: "app",
            chartPath: tgz,
            inputs: { chart: tgz, namespace: "inference", values: { server: { replicas: 3 } } },
            kubeVersion: "1.33",
        });
        assert.deepStrictEqual(ids(objects), [
            "NetworkPolicy/inference/app-server-default-deny",
            "NetworkPolicy/inference/app-server-allow-http",
            "Deployment/inference/app-server",
        ]);
        assert.strictEqual(
            (byKind(objects, "Deployment").spec as { replicas: number }).replicas,
            3,
        );
    });

    it("runs helm without a shell, with isolated Helm homes, a 0600 values file it deletes, and the Chart v4 flags", async () => {
        const dir = tempDir();
        const log = path.join(dir, "log");
        // A stand-in helm that records what it was given and prints one object.
        const fake = writeExecutable(
            path.join(dir, "fake-helm"),
            [
                "#!/bin/sh",
                `log=${JSON.stringify(log)}`,
                'for a in "$@"; do echo "arg $a" >> "$log"; done',
                'prev=""; for a in "$@"; do if [ "$prev" = "--values" ]; then',
                '  echo "mode $(stat -c %a "$a")" >> "$log"; echo "values $(cat "$a")" >> "$log"; fi; prev="$a"; done',
                'echo "cache $HELM_CACHE_HOME" >> "$log"',
                'echo "config $HELM_CONFIG_HOME" >> "$log"',
                'echo "data $HELM_DATA_HOME" >> "$log"',
                'echo "kubeconfig $KUBECONFIG" >> "$log"',
                'echo "repo-config ${HELM_REPOSITORY_CONFIG:-unset}" >> "$log"',
                "echo 'apiVersion: v1'",
                "echo 'kind: ConfigMap'",
                "echo 'metadata: {name: x}'",
            ].join("\n") + "\n",
        );
        const saved = { ...process.env };
        process.env.HELM_REPOSITORY_CONFIG = "/home/user/.config/helm/repositories.yaml";
        process.env.KUBECONFIG = "/home/user/.kube/config";
        const tmp = path.join(dir, "tmp");
        fs.mkdirSync(tmp);
        process.env.TMPDIR = tmp;
        let objects: KubeObject[];
        try {
            objects = await renderChart({
                helm: { path: fake, from: "--helm" },
                resourceName: "res",
                chartPath: "/charts/x",
                inputs: {
                    name: "rel; rm -rf /",
                    namespace: "ns1",
                    version: "1.2.3",
                    values: { password: "s3cret" },
                },
                kubeVersion: "1.33",
            });
        } finally {
            process.env = saved;
        }
        assert.deepStrictEqual(ids(objects), ["ConfigMap/-/x"]);
        const lines = fs.readFileSync(log, "utf8").trimEnd().split("\n");
        const valuesFile = lines[9].slice("arg ".length);
        const home = path.dirname(valuesFile);
        assert.strictEqual(path.dirname(home), tmp);
        assert.deepStrictEqual(lines, [
            "arg template",
            "arg rel; rm -rf /",
            "arg /charts/x",
            "arg --namespace",
            "arg ns1",
            "arg --kube-version",
            "arg 1.33",
            "arg --no-hooks",
            "arg --values",
            `arg ${valuesFile}`,
            "arg --include-crds",
            "arg --version",
            "arg 1.2.3",
            "mode 600",
            'values {"password":"s3cret"}',
            `cache ${home}/cache`,
            `config ${home}/config`,
            `data ${home}/data`,
            `kubeconfig ${home}/no-kubeconfig`,
            "repo-config unset",
        ]);
        assert.strictEqual(path.basename(valuesFile), "values.json");
        assert.deepStrictEqual(fs.readdirSync(tmp), [], "the temporary folder is removed");
    });

    it("fails a chart that does not render with a usage error that names the chart and never prints a secret", async () => {
        const dir = tempDir();
        const chart = path.join(dir, "broken");
        fs.mkdirSync(path.join(chart, "templates"), { recursive: true });
        fs.writeFileSync(
            path.join(chart, "Chart.yaml"),
            "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
        );
        fs.writeFileSync(
            path.join(chart, "templates", "secret.yaml"),
            '{{ fail (printf "the token %s is refused" .Values.token) }}\n',
        );
        const plain = { chart, values: { token: "tok-very-secret" } };
        const masked = { chart, values: { token: maskedSecret } };
        await assert.rejects(
            renderChart({
                helm,
                resourceName: "platform-broken-chart",
                chartPath: chart,
                inputs: plain,
                kubeVersion: "1.33",
                secrets: secretStrings(plain, masked, maskedSecret),
            }),
            (e: Error) => {
                assert.ok(e instanceof UsageError, String(e));
                assert.ok(
                    e.message.startsWith(
                        `chart platform-broken-chart (${chart}): helm template failed: Error: `,
                    ),
                    e.message,
                );
                assert.match(e.message, /the token \[secret\] is refused/);
                assert.doesNotMatch(e.message, /tok-very-secret/);
                assert.match(e.message, /pulumi preview fails on it the same way\.$/);
                return true;
            },
        );
    });

    it("refuses a binary that does not answer helm's version command, naming where it came from", async () => {
        const dir = tempDir();
        const fake = writeExecutable(path.join(dir, "not-helm"), "#!/bin/sh\nexit 3\n");
        await assert.rejects(
            helmVersion({ path: fake, from: "HELM_BINARY" }),
            (e: Error) =>
                e instanceof UsageError &&
                e.message ===
                    `HELM_BINARY: "${fake}" did not answer "version" (exit code 3); expected a helm binary`,
        );
    });

    it("stops a helm that hangs after the timeout", async () => {
        const dir = tempDir();
        const fake = writeExecutable(path.join(dir, "slow-helm"), "#!/bin/sh\nexec sleep 30\n");
        await assert.rejects(
            renderChart({
                helm: { path: fake, from: "HELM_BINARY" },
                resourceName: "c",
                chartPath: "/charts/c",
                inputs: {},
                kubeVersion: "1.33",
                timeoutMs: 1000,
            }),
            (e: Error) =>
                e instanceof UsageError &&
                e.message.startsWith(
                    "chart c (/charts/c): helm template failed: timed out after 1s",
                ),
        );
    });
});

describe("check helm: parsing and naming rendered objects", () => {
    it("drops empty documents and hooks, and expands List kinds", () => {
        const text = [
            "---",
            "# Source: x/templates/empty.yaml",
            "---",
            "apiVersion: v1",
            "kind: ConfigMapList",
            "items:",
            "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}",
            "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: b, annotations: {helm.sh/hook: post-install}}}",
            "---",
            "apiVersion: batch/v1",
            "kind: Job",
            "metadata: {name: j, annotations: {helm.sh/hook: test}}",
            "---",
            "apiVersion: v1",
            "kind: Service",
            "metadata: {name: s}",
        ].join("\n");
        assert.deepStrictEqual(ids(parseManifest(text, "chart c")), [
            "ConfigMap/-/a",
            "Service/-/s",
        ]);
    });

    it("refuses an object without a name, naming the document", () => {
        assert.throws(
            () =>
                parseManifest(
                    "a: 1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
                    "chart c",
                ),
            (e: Error) =>
                e instanceof UsageError &&
                e.message === "chart c: rendered document 1 has no apiVersion or kind",
        );
        assert.throws(
            () => parseManifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "chart c"),
            (e: Error) =>
                e instanceof UsageError &&
                e.message ===
                    "chart c: rendered document 1 (ConfigMap) has no metadata.name; Chart v4 requires one",
        );
    });

    const objects: KubeObject[] = [
        {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "widgets.example.com" },
            spec: { group: "example.com", scope: "Namespaced", names: { kind: "Widget" } },
        },
        { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } },
        { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g" } },
        { apiVersion: "other.example/v1", kind: "Cluster", metadata: { name: "k" } },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: "r" },
        },
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "elsewhere" } },
        { apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, stringData: { token: "t0k" } },
    ];
    const otherCrds: KubeObject[] = [
        {
            apiVersion: "apiextensions.k8s.io/v1",
            kind: "CustomResourceDefinition",
            metadata: { name: "clusters.other.example" },
            spec: { group: "other.example", scope: "Cluster", names: { kind: "Cluster" } },
        },
    ];

    it("names children <chart>:<namespace>/<name>, defaulting the namespace of namespaced kinds", () => {
        const { children, unknownScope } = chartChildren(
            "platform-x-chart",
            { namespace: "x-system" },
            objects,
            otherCrds,
        );
        assert.deepStrictEqual(
            children.map((c) => c.name),
            [
                "platform-x-chart:widgets.example.com",
                "platform-x-chart:x-system/w",
                "platform-x-chart:g",
                "platform-x-chart:k",
                "platform-x-chart:r",
                "platform-x-chart:x-system/d",
                "platform-x-chart:elsewhere/c",
                "platform-x-chart:x-system/s",
            ],
        );
        assert.deepStrictEqual(unknownScope, ["example.com/v1/Gadget"]);
        // The rendered objects themselves are not changed.
        assert.deepStrictEqual(objects[5].metadata, { name: "d" });
    });

    it("uses the default namespace, resourcePrefix (empty: none) and skipAwait as Chart v4 does", () => {
        const d = [objects[5]];
        assert.deepStrictEqual(
            chartChildren("c", {}, d).children.map((c) => c.name),
            ["c:default/d"],
        );
        assert.deepStrictEqual(
            chartChildren("c", { resourcePrefix: "" }, d).children.map((c) => c.name),
            ["default/d"],
        );
        const [child] = chartChildren("c", { resourcePrefix: "p", skipAwait: true }, d).children;
        assert.strictEqual(child.name, "p:default/d");
        assert.deepStrictEqual(child.object.metadata, {
            name: "d",
            namespace: "default",
            annotations: { [skipAwaitAnnotation]: "true" },
        });
    });

    it("makes a Secret's data secret: unwrapped for the schema, masked for files", () => {
        const [child] = chartChildren("c", {}, [objects[7]]).children;
        assert.deepStrictEqual(plainValue(child.object, false), {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "s", namespace: "default" },
            stringData: { token: "t0k" },
        });
        assert.deepStrictEqual(
            (plainValue(child.object, true) as KubeObject).stringData,
            maskedSecret,
        );
    });

    it("builds a child URN under the chart the way the check's engine builds URNs", () => {
        assert.strictEqual(
            childUrn(
                "urn:pulumi:dev::sovereign-contour::sovereign:enforcement:Gatekeeper$kubernetes:helm.sh/v4:Chart::platform-gatekeeper-chart",
                "kubernetes:apps/v1:Deployment",
                "platform-gatekeeper-chart:gatekeeper-system/d",
            ),
            "urn:pulumi:dev::sovereign-contour::kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment::platform-gatekeeper-chart:gatekeeper-system/d",
        );
    });

    it("redacts secret values a template copied into any field of an object written to disk", () => {
        assert.deepStrictEqual(
            redactSecrets(
                {
                    kind: "ConfigMap",
                    data: { url: "https://svc:pa55word@db", list: ["pa55word", 3, "abc"] },
                },
                ["pa55word", "abc"],
            ),
            {
                kind: "ConfigMap",
                data: { url: "https://svc:[secret]@db", list: ["[secret]", 3, "abc"] },
            },
        );
    });

    it("collects the secret strings among the inputs", () => {
        assert.deepStrictEqual(
            secretStrings(
                { a: "open", b: { c: "hidden", d: ["x", "y"] }, e: 7 },
                { a: "open", b: { c: maskedSecret, d: maskedSecret }, e: maskedSecret },
                maskedSecret,
            ),
            ["hidden", "x", "y", "7"],
        );
    });
});
