/**
 * The air-gapped stack (`Pulumi.airgap.yaml`): every chart from the site's chart mirror, every image
 * from its registry mirror, registry and chart allow lists naming the mirrors only. The offline
 * check runs as CI runs it (a separate process) and must pass, and the image list it writes for
 * mirroring must name only mirror references.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { loadSettings } from "../../stacks/load";
import { readStackConfig } from "../../tools/check/stack-config";
import { CheckProcess, runCheckProcess } from "../util/check-process";

const root = path.resolve(__dirname, "..", "..");
const imageMirror = "harbor.sovereign.example/mirror";
const chartMirror = "oci://harbor.sovereign.example/charts";
const policyConfigDir = path.join(root, "stacks", "policy-config", "airgap");

interface CheckRun extends CheckProcess {
    readonly images: string[];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly mirror: any;
}

/** Runs `npm run check` as a separate process, with its own output directory. */
function check(stack: string, ...args: string[]): CheckRun {
    const run = runCheckProcess(args, { name: stack, timeoutMs: 180_000 });
    const images = run.read("images.txt");
    const mirror = run.read("mirror.json");
    return {
        ...run,
        images: images !== undefined ? images.split("\n").filter((l) => l !== "") : [],
        mirror: mirror !== undefined ? (JSON.parse(mirror) as unknown) : undefined,
    };
}

function packConfig(pack: string): Record<string, Record<string, unknown>> {
    return JSON.parse(
        fs.readFileSync(path.join(policyConfigDir, `${pack}.json`), "utf8"),
    ) as Record<string, Record<string, unknown>>;
}

describe("stacks: airgap", function () {
    this.timeout(300_000);

    it("sets both mirrors, and the allow lists admit the mirrors only", () => {
        const { settings } = loadSettings(readStackConfig(root, "airgap").values);
        assert.strictEqual(settings.images.mirror, imageMirror);
        assert.strictEqual(settings.charts.mirror?.url, chartMirror);
        assert.deepStrictEqual(settings.charts.overrides, {});
        assert.deepStrictEqual(settings.workloads.allowedRegistries, [`${imageMirror}/`]);
        assert.deepStrictEqual(
            packConfig("workload-security")["images-allowed-registries"].allowedRegistries,
            [`${imageMirror}/`],
        );
        assert.deepStrictEqual(packConfig("platform-guardrails")["charts-allowed-sources"], {
            allowedSources: [chartMirror],
            allowLocalCharts: false,
        });
        assert.deepStrictEqual(
            packConfig("platform-guardrails")["charts-images-allowed-registries"],
            { allowedRegistries: [`${imageMirror}/`] },
        );
    });

    it("passes the check, with every chart from the chart mirror and only mirror images listed", () => {
        const run = check("airgap", "--stack", "airgap");
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        assert.strictEqual(run.report.stack, "airgap");
        assert.strictEqual(run.report.summary.mandatory, 0);
        // The images and charts a site copies into its mirrors before `pulumi up`.
        assert.ok(run.images.length >= 16, run.images.join("\n"));
        for (const image of run.images) {
            assert.ok(image.startsWith(`${imageMirror}/`), `images.txt lists ${image}`);
        }
        assert.strictEqual(run.report.charts.length, 8);
        for (const chart of run.report.charts) {
            assert.ok(String(chart.chart).startsWith(`${chartMirror}/`), JSON.stringify(chart));
            assert.match(String(chart.version), /^v?\d+\.\d+\.\d+$/);
        }
        // The mirroring export: the same eight charts, each at the chart mirror with its exact
        // version, the images of images.txt, and no values image left unaccounted for.
        assert.deepStrictEqual(
            run.mirror.charts.map((c: Record<string, string>) => [
                c.resource,
                c.source,
                c.location,
                `${c.name}@${c.version}`,
            ]),
            [...run.report.charts]
                .sort((a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1))
                .map((c: { name: string; chart: string; version: string }) => [
                    c.name,
                    "oci",
                    chartMirror,
                    `${c.chart.slice(chartMirror.length + 1)}@${c.version}`,
                ]),
        );
        assert.deepStrictEqual(run.mirror.images, run.images);
        assert.deepStrictEqual(run.mirror.unpinnedImageValues, []);
    });

    it("fails the check when one chart is taken from upstream instead of the mirror", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.airgap.yaml"), "utf8")) as {
            config: Record<string, unknown>;
        };
        doc.config["sovereign-contour:charts"] = {
            mirror: { url: chartMirror },
            overrides: { falco: { repository: "https://falcosecurity.github.io/charts" } },
        };
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-airgap-"));
        const file = path.join(dir, "Pulumi.airgap-leak.yaml");
        fs.writeFileSync(file, YAML.stringify(doc));
        const run = check(
            "airgap-leak",
            "--stack-file",
            file,
            "--policy-config-dir",
            policyConfigDir,
        );
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        const leaks = run.report.violations.filter(
            (v: { policy: string }) => v.policy === "charts-allowed-sources",
        );
        // Judged on the chart's facts, the ChartSource beside the Chart (the engine shows policies
        // a Chart v4 without its inputs); the message names the Chart.
        assert.deepStrictEqual(
            leaks.map((v: { resource: { type: string; name: string } }) => [
                v.resource.type,
                v.resource.name,
            ]),
            [["sovereign:charts:ChartSource", "platform-falco-chart-source"]],
        );
        assert.match(leaks[0].message, /Chart "platform-falco-chart" \(ChartSource/);
        assert.match(leaks[0].message, /https:\/\/falcosecurity\.github\.io\/charts/);
    });
});
