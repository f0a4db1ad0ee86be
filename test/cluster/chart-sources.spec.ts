/**
 * The chart sources of the day-one group (tools/charts/fetch.sh): what the script assembles from
 * the Go modules pinned in tools/go/charts, and its bad input: a hash that does not match, a
 * module without a hash in go.sum, no Go. Each failure is an exit 1 with a message naming the
 * module or the tool, and leaves no chart folder in the cache.
 */
import * as assert from "node:assert/strict";
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { chartSources } from "./charts";
import { binWithoutGo, goTool, projectDir } from "./tools";

const script = path.join(projectDir, "tools/charts/fetch.sh");
const moduleDir = path.join(projectDir, "tools/go/charts");

const temps: string[] = [];
function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
}

/** Runs fetch.sh with a copy of the module folder whose go.sum `editSum` changed, and an empty cache. */
function fetchWith(
    editSum: (sum: string) => string,
    env: NodeJS.ProcessEnv = process.env,
): { run: SpawnSyncReturns<string>; cache: string } {
    const module = tempDir("chart-module-");
    fs.copyFileSync(path.join(moduleDir, "go.mod"), path.join(module, "go.mod"));
    const sum = fs.readFileSync(path.join(moduleDir, "go.sum"), "utf8");
    fs.writeFileSync(path.join(module, "go.sum"), editSum(sum));
    const cache = tempDir("chart-cache-");
    const run = spawnSync("bash", [script], {
        cwd: projectDir,
        env: { ...env, SOVEREIGN_CHART_MODULE: module, SOVEREIGN_CHART_CACHE: cache },
        encoding: "utf8",
    });
    return { run, cache };
}

/** The chart folders left in a cache (`charts-<key>/` or a half-assembled `.tmp.` one). */
function chartFolders(cache: string): string[] {
    return fs.readdirSync(cache).filter((name) => name.startsWith("charts-"));
}

describe("API-server tier: the real charts' sources (tools/charts/fetch.sh)", function () {
    after(() => {
        for (const dir of temps) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("prints Gatekeeper 3.23.0, Kyverno 3.9.0 (its three remote dependencies present) and cert-manager stamped v1.21.1", () => {
        const charts = chartSources();
        const meta = (dir: string): { name: string; version: string; appVersion?: string } =>
            YAML.parse(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8"));
        assert.deepEqual(
            Object.fromEntries(
                Object.entries(charts).map(([name, dir]) => {
                    const { version, appVersion } = meta(dir);
                    return [name, `${meta(dir).name} ${version} ${appVersion}`];
                }),
            ),
            {
                gatekeeper: "gatekeeper 3.23.0 v3.23.0",
                kyverno: "kyverno 3.9.0 v1.19.0",
                "cert-manager": "cert-manager v1.21.1 v1.21.1",
            },
        );
        const sub = path.join(charts.kyverno, "charts");
        assert.deepEqual(
            fs
                .readdirSync(sub)
                .map((d) => `${d}: ${meta(path.join(sub, d)).version}`)
                .sort(),
            [
                "crds: 3.9.0",
                "grafana: 3.9.0",
                "kyverno-api: v0.0.0",
                "openreports: 0.1.0",
                "reports-server: 0.1.6",
            ],
        );
        assert.ok(
            fs.existsSync(
                path.join(
                    sub,
                    "kyverno-api/templates/crds/policies.kyverno.io_validatingpolicies.yaml",
                ),
            ),
            "kyverno-api carries the policies.kyverno.io CRDs",
        );
    });

    it("a stand-in dependency turned on fails the render with a message naming it; off, the chart renders", () => {
        const charts = chartSources();
        const template = (...set: string[]): SpawnSyncReturns<string> =>
            spawnSync(
                goTool("helm"),
                ["template", "kyverno", charts.kyverno, "--kube-version", "1.33.0", ...set],
                {
                    encoding: "utf8",
                    maxBuffer: 64 * 1024 * 1024,
                    env: {
                        ...process.env,
                        HELM_CACHE_HOME: tempDir("helm-"),
                        HELM_CONFIG_HOME: tempDir("helm-"),
                        HELM_DATA_HOME: tempDir("helm-"),
                    },
                },
            );
        const off = template();
        assert.equal(off.status, 0, off.stderr);
        assert.match(off.stdout, /kind: Deployment\n/);
        const on = template("--set", "openreports.enabled=true,openreports.installCrds=true");
        assert.equal(on.status, 1, on.stdout.slice(0, 300));
        assert.match(
            on.stderr,
            /openreports is a stand-in made by tools\/charts\/fetch\.sh \(the Go module carries no openreports chart\): keep it off in the values/,
        );
    });

    it("refuses a download whose hash differs from go.sum, naming the module", () => {
        const { run, cache } = fetchWith((sum) =>
            sum.replace(
                "github.com/cert-manager/cert-manager v1.21.1 h1:0",
                "github.com/cert-manager/cert-manager v1.21.1 h1:1",
            ),
        );
        assert.equal(run.status, 1, run.stderr);
        assert.match(
            run.stderr,
            /error: tools\/charts\/fetch\.sh: downloading github\.com\/cert-manager\/cert-manager@v1\.21\.1 through the Go module proxy .* failed/,
        );
        assert.match(run.stderr, /checksum mismatch/);
        assert.equal(run.stdout, "");
        assert.deepEqual(chartFolders(cache), []);
    });

    it("refuses a module go.sum has no hash for, instead of trusting what the proxy serves", () => {
        const { run, cache } = fetchWith((sum) =>
            sum
                .split("\n")
                .filter((line) => !line.startsWith("github.com/kyverno/kyverno v1.19.0 h1:"))
                .join("\n"),
        );
        assert.equal(run.status, 1, run.stderr);
        assert.match(
            run.stderr,
            /go\.sum has no hash for github\.com\/kyverno\/kyverno v1\.19\.0; expected the line "github\.com\/kyverno\/kyverno v1\.19\.0 h1:\.\.\."/,
        );
        assert.deepEqual(chartFolders(cache), []);
    });

    it("fails naming Go when go is not on PATH", () => {
        const bin = binWithoutGo(tempDir("bin-without-go-"));
        const { run, cache } = fetchWith((sum) => sum, { ...process.env, PATH: bin });
        assert.equal(run.status, 1, run.stderr);
        assert.match(
            run.stderr,
            /error: tools\/charts\/fetch\.sh: go not found on PATH: the chart sources are downloaded as Go modules; install Go 1\.26 or newer/,
        );
        assert.deepEqual(chartFolders(cache), []);
    });
});
