/**
 * The check catches a chart whose values lost the image mirror (issue 9). The platform computes
 * every chart's values from the stack's settings, so the leak is planted the way a platform team
 * would add a chart: a project whose program is the real one plus one extension chart from the
 * chart mirror, whose values name its image at the mirror, and then at its upstream registry.
 *
 * The project is a temporary directory that links the repository's policy packs, stacks (with the
 * pack configs), components, node_modules and tools, holds a copy of `Pulumi.airgap.yaml` and its
 * own `index.ts`. The check takes its project directory from where `tools/check/cli.ts` lies, so
 * Node is started with `--preserve-symlinks-main`: the CLI then sees the linked path and checks
 * the temporary project, while every module it loads resolves to the repository's own files.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCheckProcess } from "../util/check-process";

const root = path.resolve(__dirname, "..", "..");
const imageMirror = "harbor.sovereign.example/mirror";
const chartMirror = "oci://harbor.sovereign.example/charts";
const linked = ["policypacks", "stacks", "components", "node_modules", "tools", "tsconfig.json"];

interface CheckRun {
    readonly code: number | null;
    readonly output: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly report: any;
}

/**
 * The program: the platform's own, plus one extension chart whose image is `image`, declared as
 * the platform declares its charts (chartRelease: the Chart and the ChartSource the packs judge).
 */
function program(image: { repository: string; tag: string }): string {
    return [
        `import { chartRelease } from ${JSON.stringify(path.join(root, "components/shared/chart-release"))};`,
        `import platformProgram = require(${JSON.stringify(path.join(root, "index"))});`,
        `export = async () => {`,
        `const outputs = await platformProgram();`,
        `chartRelease(`,
        `    "agent",`,
        `    {`,
        `        name: "agent",`,
        `        version: "1.0.0",`,
        `        origin: "mirror",`,
        `        location: ${JSON.stringify(chartMirror)},`,
        `        args: { chart: ${JSON.stringify(`${chartMirror}/agent`)}, version: "1.0.0" },`,
        `    },`,
        `    { namespace: "agents", values: { image: ${JSON.stringify(image)}, replicaCount: 1 } },`,
        `    {},`,
        `);`,
        `return outputs;`,
        `};`,
        ``,
    ].join("\n");
}

/** A temporary project around the given program, checked for the airgap stack. */
function checkProject(source: string): CheckRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chart-image-leak-"));
    try {
        for (const entry of linked) {
            fs.symlinkSync(path.join(root, entry), path.join(dir, entry));
        }
        fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        fs.copyFileSync(
            path.join(root, "Pulumi.airgap.yaml"),
            path.join(dir, "Pulumi.airgap.yaml"),
        );
        fs.writeFileSync(path.join(dir, "index.ts"), source);
        const run = runCheckProcess(["--stack", "airgap"], {
            name: "airgap",
            cli: path.join(dir, "tools", "check", "cli.ts"),
            nodeArgs: ["--preserve-symlinks-main"],
            cwd: dir,
            timeoutMs: 180_000,
        });
        return { code: run.code, output: run.stderr + run.stdout, report: run.report };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("stacks: the check catches a chart whose values lost the image mirror", function () {
    this.timeout(300_000);

    it("passes the extension chart while its values name the mirror", () => {
        const run = checkProject(
            program({ repository: `${imageMirror}/example/agent`, tag: "1.0.0" }),
        );
        assert.strictEqual(run.code, 0, run.output);
        assert.strictEqual(run.report.stack, "airgap");
        assert.deepStrictEqual(run.report.violations, []);
        // The check judged the temporary project: the platform's eight charts and the extension.
        const charts = run.report.charts.map((c: { chart: string }) => c.chart);
        assert.strictEqual(charts.length, 9, charts.join(", "));
        assert.ok(charts.includes(`${chartMirror}/agent`), charts.join(", "));
    });

    it("fails with one violation naming the chart and the image once the mirror is removed", () => {
        const run = checkProject(program({ repository: "quay.io/example/agent", tag: "1.0.0" }));
        assert.strictEqual(run.code, 1, run.output);
        assert.strictEqual(run.report.passed, false);
        assert.deepStrictEqual(run.report.summary, { mandatory: 1, advisory: 0, schemaErrors: 0 });
        assert.deepStrictEqual(run.report.violations, [
            {
                pack: "platform-guardrails",
                policy: "charts-images-allowed-registries",
                enforcementLevel: "mandatory",
                resource: { type: "sovereign:charts:ChartSource", name: "agent-source" },
                message:
                    "Images named in Helm chart values must come from an allowed registry (an " +
                    "empty list admits none).\n" +
                    'Chart "agent" (ChartSource "agent-source") names images outside the allowed registries in its values: ' +
                    'values.image.repository "quay.io/example/agent". Allowed registries: ' +
                    `${imageMirror}/. Mirror each image and set the stack's images.mirror (a ` +
                    "chart of your own names the mirror in its values), or add the registry to " +
                    "charts-images-allowed-registries.allowedRegistries.",
            },
        ]);
    });
});
