/**
 * The platform's real charts for the API-server tier: their upstream sources, downloaded from the
 * Go module proxy by `tools/charts/fetch.sh` (pinned and hash-verified by tools/go/charts/go.mod
 * and go.sum, cached in `.cache/charts/`), and a stack rendered with them: the stack file with
 * `charts.overrides.<name>.localPath` pointing at each downloaded chart, its pack configs with
 * `charts-allowed-sources.allowLocalCharts` (the only change), checked with `npm run check`'s own
 * entry point and the pinned helm into a temporary folder.
 *
 * Served by the proxy: Gatekeeper, Kyverno and cert-manager. Not served: Linkerd's and Falco's
 * charts (neither repository is a Go module the proxy serves), which stay on their repositories
 * and are reported as not analyzed by the check.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { runCheck } from "./stack";
import { goTool, projectDir } from "./tools";

/** The charts `tools/charts/fetch.sh` provides, by the chart name `charts.overrides` takes. */
export type FetchedChart = "gatekeeper" | "kyverno" | "cert-manager";

const fetchedCharts: readonly FetchedChart[] = ["gatekeeper", "kyverno", "cert-manager"];

let fetched: Readonly<Record<FetchedChart, string>> | undefined;

/**
 * The chart folders of `tools/charts/fetch.sh` (downloaded on the first call of a machine, then
 * read from `.cache/charts/`). A failed download throws with the script's message: the tier fails,
 * it never skips.
 */
export function chartSources(): Readonly<Record<FetchedChart, string>> {
    if (fetched !== undefined) {
        return fetched;
    }
    const script = path.join(projectDir, "tools/charts/fetch.sh");
    const run = spawnSync("bash", [script], {
        cwd: projectDir,
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
    });
    if (run.error !== undefined) {
        throw new Error(`tools/charts/fetch.sh: could not run bash: ${run.error.message}`);
    }
    if (run.status !== 0) {
        throw new Error(
            `tools/charts/fetch.sh failed (exit ${run.status ?? run.signal}): the chart sources the ` +
                `day-one group renders could not be downloaded.\n${run.stderr.trim()}`,
        );
    }
    const folders = new Map<string, string>();
    for (const line of run.stdout.split("\n").filter((l) => l !== "")) {
        const [name, dir, extra] = line.split("\t");
        if (dir === undefined || extra !== undefined || !path.isAbsolute(dir)) {
            throw new Error(
                `tools/charts/fetch.sh printed ${JSON.stringify(line)}; expected "<chart>\\t<absolute folder>"`,
            );
        }
        folders.set(name, dir);
    }
    const result = {} as Record<FetchedChart, string>;
    for (const name of fetchedCharts) {
        const dir = folders.get(name);
        if (dir === undefined || !fs.existsSync(path.join(dir, "Chart.yaml"))) {
            throw new Error(
                `tools/charts/fetch.sh printed no chart folder with a Chart.yaml for ${name} ` +
                    `(it printed: ${JSON.stringify(run.stdout.trim())})`,
            );
        }
        result[name] = dir;
    }
    fetched = result;
    return result;
}

/** A stack rendered with the real charts: the check's output folder and the temporary inputs. */
export interface RenderedWithCharts {
    /** `<out>/<stack>/` of the check (manifests.yaml, report.json, ...). */
    readonly outputs: string;
    /** The stack file the check read (the project's with the `localPath` overrides). */
    readonly stackFile: string;
    /** The chart folders the overrides point at. */
    readonly charts: Readonly<Record<FetchedChart, string>>;
}

const rendered = new Map<string, RenderedWithCharts>();

/**
 * Runs the offline check of `Pulumi.<stack>.yaml` with every fetched chart as a local chart
 * (once per stack and process), into a temporary folder removed when the process exits. Throws with the check's output when it does not exit 0 (a real chart the project's
 * packs refuse is a finding, not something to skip).
 */
export function renderWithCharts(stack: string): RenderedWithCharts {
    const known = rendered.get(stack);
    if (known !== undefined) {
        return known;
    }
    const charts = chartSources();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `sovereign-charts-${stack}-`));
    process.on("exit", () => fs.rmSync(root, { recursive: true, force: true }));

    const stackDoc = YAML.parse(
        fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8"),
    ) as { config?: Record<string, unknown> };
    const config = (stackDoc.config ??= {});
    const key = "sovereign-contour:charts";
    const chartSettings = (config[key] ?? {}) as { overrides?: Record<string, unknown> };
    const overrides: Record<string, unknown> = { ...(chartSettings.overrides ?? {}) };
    for (const name of fetchedCharts) {
        overrides[name] = { localPath: charts[name] };
    }
    config[key] = { ...chartSettings, overrides };
    fs.mkdirSync(path.join(root, "stack"));
    const stackFile = path.join(root, "stack", `Pulumi.${stack}.yaml`);
    fs.writeFileSync(stackFile, YAML.stringify(stackDoc));

    const packs = path.join(root, "policy-config");
    fs.mkdirSync(packs);
    const projectPacks = path.join(projectDir, "stacks/policy-config", stack);
    for (const file of fs.readdirSync(projectPacks)) {
        fs.copyFileSync(path.join(projectPacks, file), path.join(packs, file));
    }
    const guardrails = path.join(packs, "platform-guardrails.json");
    const packConfig = JSON.parse(fs.readFileSync(guardrails, "utf8")) as Record<
        string,
        Record<string, unknown>
    >;
    packConfig["charts-allowed-sources"] = {
        ...packConfig["charts-allowed-sources"],
        allowLocalCharts: true,
    };
    fs.writeFileSync(guardrails, JSON.stringify(packConfig, null, 4));

    const out = path.join(root, "out");
    runCheck(
        [
            "--stack-file",
            stackFile,
            "--policy-config-dir",
            packs,
            "--helm",
            goTool("helm"),
            "--out",
            out,
        ],
        (exit) =>
            `npm run check -- --stack-file ${stackFile} (the ${stack} stack with the real charts of ` +
            `tools/charts/fetch.sh) exited ${exit}:`,
    );
    const outputs = path.join(out, stack);
    // Every fetched chart must have been rendered: a chart the check did not analyze would leave
    // its workloads out of the test without a word.
    const report = JSON.parse(fs.readFileSync(path.join(outputs, "report.json"), "utf8")) as {
        charts?: { chart: string; analyzed: boolean; reason?: string }[];
    };
    for (const name of fetchedCharts) {
        const entry = (report.charts ?? []).find((c) => c.chart === charts[name]);
        if (entry?.analyzed !== true) {
            throw new Error(
                `${path.join(outputs, "report.json")}: the ${name} chart (${charts[name]}) was not ` +
                    `rendered: ${entry === undefined ? "no charts entry" : (entry.reason ?? "not analyzed")}`,
            );
        }
    }
    const result = { outputs, stackFile, charts };
    rendered.set(stack, result);
    return result;
}
