import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import * as vm from "vm";
import { Diagnostic, PackHost, PolicyPackPlugin, Remediation, StackIdentity } from "./analyzer";
import { UsageError } from "./errors";
import {
    ChartAnalysis,
    chartChildren,
    chartSource,
    childUrn,
    decideChart,
    findHelm,
    hasUnknown,
    helmVersion,
    KubeObject,
    noHelmReason,
    readChartFiles,
    redactSecrets,
    renderChart,
    secretStrings,
} from "./helm";
import { simulateAdmission } from "./admission/simulate";
import { duplicateIdentities } from "./identities";
import { manifestFiles, readManifests } from "./manifests";
import { CheckRun, inputMarkdown, OutputFile, OutputFolder } from "./outputs";
import {
    imageSourcesOf,
    mirrorChart,
    MirrorExport,
    uniqueImages,
    UnpinnedImageValue,
} from "./mirror";
import { AnalysisPipeline, backlogLimit, ConfiguredPacks } from "./pipeline";
import { Judged, judgedResource, JudgedStream, kubernetesObject } from "./stream";
import { SimObject } from "./admission/types";
import {
    PackConfig,
    readPackConfigFile,
    reconcilePackConfig,
    unknownPolicyNames,
} from "./policy-config";
import { InputFile } from "./input-files";
import { platformType } from "../../contract/layers";
import { closestKey } from "../../contract/suggest";
import { runProgram } from "./program";
import {
    disabledComponentsField,
    renderMarkdown,
    Report,
    ReportViolation,
    toViolation,
} from "./report";
import { controlStatuses } from "../../compliance/status";
import { parseImage } from "../../policypacks/lib/images";
import { chartType } from "../../policypacks/platform-guardrails/lib/charts";
import { pulumiTypeOf } from "../../policypacks/lib/workloads";
import { readStackConfig } from "./stack-config";
import { requirePackConfigFiles } from "./pack-config-dir";
import { markStandInArtifacts, StandInValues } from "./standins";
import { isRecord, maskedSecret, plainValue } from "./values";
import {
    chartValuesInfo,
    chartValuesPack,
    chartValuesPolicy,
    findingMessage,
    unknownValueKeys,
} from "./values-guard";
import { WireObject } from "./protocol";

/** Options of one check run (parsed from the command line). */
export interface CheckOptions {
    readonly projectDir: string;
    readonly outDir: string;
    readonly stack?: string;
    /** A stack file outside the project (generated stacks); the stack name comes from `stack`. */
    readonly stackFile?: string;
    readonly manifests?: readonly string[];
    readonly policyConfig?: string;
    /** A folder of `<pack>.json` configs; default `stacks/policy-config/<stack>/` for a stack. */
    readonly policyConfigDir?: string;
    readonly podSecurityLevel?: "baseline" | "restricted";
    /** Which host serves the packs. @default "check" */
    readonly packHost?: PackHost;
    /** The helm binary for chart contents (`--helm`); else `HELM_BINARY`, else `helm` on PATH. */
    readonly helm?: string;
}

const projectName = "sovereign-contour";

/** The policy packs of the project: every folder under policypacks/ with a PulumiPolicy.yaml. */
export function packDirectories(projectDir: string): string[] {
    const root = path.join(projectDir, "policypacks");
    return fs
        .readdirSync(root)
        .map((d) => path.join(root, d))
        .filter((d) => fs.existsSync(path.join(d, "PulumiPolicy.yaml")))
        .sort();
}

/**
 * Opens the run's output folder (`<out>/<stack or manifests>/`, see tools/check/outputs.ts) and
 * replaces it with an `incomplete` report, so that a run that never finishes leaves no stale
 * verdict. Throws a UsageError, writing nothing, when the folder cannot be the run's.
 */
export function openRun(opts: CheckOptions): CheckRun {
    const run = new CheckRun(
        OutputFolder.open(opts.outDir, opts.stack ?? "manifests"),
        opts.stack !== undefined ? "stack" : "manifests",
        opts.stack,
    );
    run.begin();
    return run;
}

/**
 * Runs the check and writes its outputs into the run's folder, replacing the `incomplete` report
 * only when everything is written; returns the process exit code (0 or 1). On an error the
 * folder keeps the `incomplete` report: the caller replaces it with the error (`CheckRun.fail`).
 */
export async function runCheck(
    opts: CheckOptions,
    run: CheckRun = openRun(opts),
): Promise<{ code: number; report: Report }> {
    const packDirs = packDirectories(opts.projectDir);
    checkPolicyConfigDir(opts, packDirs);
    // Start the packs first: each loads its TypeScript while the program runs.
    const starting = packDirs.map((d) => PolicyPackPlugin.start(opts.projectDir, d, opts.packHost));
    const settled = Promise.allSettled(starting);
    try {
        return await judge(opts, run, async () => {
            const results = await settled;
            const failed = results.find((r) => r.status === "rejected");
            if (failed !== undefined) {
                throw (failed as PromiseRejectedResult).reason;
            }
            return results.map((r) => (r as PromiseFulfilledResult<PolicyPackPlugin>).value);
        });
    } finally {
        for (const r of await settled) {
            if (r.status === "fulfilled") {
                r.value.close();
            }
        }
    }
}

async function judge(
    opts: CheckOptions,
    run: CheckRun,
    packs: () => Promise<PolicyPackPlugin[]>,
): Promise<{ code: number; report: Report }> {
    const notes: string[] = [];
    const name = opts.stack ?? "manifests";
    const identity: StackIdentity = {
        project: projectName,
        stack: name,
        organization: "organization",
        dryRun: true,
    };
    // The packs are configured while the program runs, and judge each resource as it arrives.
    const configured = configurePacks(opts, packs, identity, run.inputs);
    // Each judged resource is taken by the stream, in registration order, and dropped
    // (tools/check/stream.ts); manifests.yaml is written into the run's new folder as it goes.
    const stream = new JudgedStream(path.join(run.staging(), "manifests.yaml"));
    try {
        return await judgeStreamed(opts, run, configured, stream, notes, identity);
    } finally {
        stream.abandon();
    }
}

async function judgeStreamed(
    opts: CheckOptions,
    run: CheckRun,
    configured: ReturnType<typeof configurePacks>,
    stream: JudgedStream,
    notes: string[],
    identity: StackIdentity,
): Promise<{ code: number; report: Report }> {
    let outputs: Record<string, unknown> = {};
    let standIns: Report["standIns"] = [];
    let standInValues: StandInValues[] = [];
    let kubernetesVersion = "1.33";
    const mode = opts.stack !== undefined ? "stack" : "manifests";
    const name = identity.stack;
    const pipeline = new AnalysisPipeline<Judged>(configured, (j) => stream.take(j));
    // Charts and CRDs, kept whole for chart rendering, the report and mirror.json.
    const charts: Judged[] = [];
    const crds: Record<string, unknown>[] = [];
    // `shown` is the resource as the packs see it (see the program's callback below).
    const add = (j: Judged, shown: Judged = j): void => {
        if (j.type === chartType) {
            charts.push(j);
        } else if (j.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition") {
            crds.push(kubernetesObject(j) ?? {});
        }
        pipeline.add(shown);
    };

    if (opts.stack !== undefined) {
        const config = readStackConfig(opts.projectDir, opts.stack, opts.stackFile);
        run.inputs.push(config.input);
        // Fail closed: the packs' stack policies apply only to stacks built from the contour's
        // components, so a program that built nothing would pass every one of them.
        let platformRegistered = false;
        let registered = 0;
        const program = await runProgram(
            opts.projectDir,
            projectName,
            opts.stack,
            config,
            (r) => {
                registered++;
                if (r.type === platformType) {
                    platformRegistered = true;
                }
                const j = judgedResource(r, () => ({
                    plain: plainValue(r.properties, false) as Record<string, unknown>,
                    masked: plainValue(r.properties, true) as Record<string, unknown>,
                }));
                // A remote component (a Chart v4) reaches the packs as the engine shows it after the
                // provider's Construct: with no inputs. The check keeps the program's inputs for its
                // own use (rendering local charts, the report's chart list, images.txt, mirror.json).
                add(
                    j,
                    r.remote
                        ? judgedResource({ ...r, properties: {} }, () => ({
                              plain: j.plain,
                              masked: j.masked,
                          }))
                        : j,
                );
            },
            () => pipeline.whenBacklogBelow(backlogLimit),
        );
        if (!platformRegistered) {
            throw new Error(
                `the program of stack "${opts.stack}" registered no ${platformType} ` +
                    `(${registered} resources registered): the check judges the platform program, ` +
                    "and a program that does not build the Platform is refused, not passed; " +
                    "expected index.ts to construct the Platform (see docs/extending.md)",
            );
        }
        outputs = program.outputs;
        standIns = program.standIns;
        standInValues = program.standInValues;
        if (typeof outputs.kubernetesVersion === "string") {
            kubernetesVersion = outputs.kubernetesVersion;
        }
        if (program.secretOutputs.length > 0) {
            notes.push(`Secret outputs (values not printed): ${program.secretOutputs.join(", ")}.`);
        }
    } else {
        const files = manifestFiles(opts.manifests ?? []);
        const objects = readManifests(files, run.inputs);
        objects.forEach((m, i) => {
            const apiVersion = String(m.object.apiVersion);
            const kind = String(m.object.kind);
            const type = pulumiTypeOf(apiVersion, kind);
            const meta = (m.object.metadata ?? {}) as Record<string, unknown>;
            const objName =
                typeof meta.name === "string"
                    ? meta.name
                    : `document-${m.index + 1}${m.item !== undefined ? `-item-${m.item}` : ""}`;
            const ns = typeof meta.namespace === "string" ? `${meta.namespace}/` : "";
            const rel = path.relative(process.cwd(), m.file) || m.file;
            add({
                urn: `urn:pulumi:manifests::${projectName}::${type}::${ns}${objName}#${i}`,
                type,
                name: `${ns}${objName}`,
                file: rel,
                properties: m.object as WireObject,
                plain: m.object,
                masked: m.object,
            });
        });
    }

    // Every pack's config file exists (tools/check/pack-config-dir.ts); checked once the stack
    // file and its settings (or the manifests) were read, so their errors come first.
    requirePackConfigFiles(opts, packDirectories(opts.projectDir));

    // Chart contents, rendered as Chart v4 would render them, join the judged resources.
    const chartValueViolations: ReportViolation[] = [];
    const chartAnalyses = await renderLocalCharts(
        opts,
        charts,
        crds,
        add,
        kubernetesVersion,
        notes,
        chartValueViolations,
    );

    const programDone = performance.now();
    // As the engine does: Remediate then Analyze per resource (already under way), then
    // AnalyzeStack over the stack as remediated.
    const { plugins, names: packNames, report: packsReport } = await configured;
    const analyzed = await pipeline.finish();
    stream.closeManifests();
    const diagnostics: Diagnostic[] = [...analyzed.diagnostics];
    const remediations: Remediation[] = analyzed.remediations;
    // One AnalyzeStack request for every pack, built as the resources were judged; its size and
    // the dependency graph it carries are reported (the graph must not grow faster than the
    // stack: see docs/performance.md).
    const graph = {
        dependencyEdges: stream.dependencyEdges,
        largestDependencyList: stream.largestDependencyList,
        analyzeStackRequestBytes: 0,
    };
    const stackLevel = await analyzeStack(plugins, packNames, stream, graph);
    diagnostics.push(...stackLevel.flat());
    const byUrn = stream.byUrn;
    for (const r of remediations) {
        if (r.diagnostic !== "") {
            diagnostics.push({
                pack: r.pack,
                policy: r.policy,
                enforcementLevel: "advisory",
                message: r.diagnostic,
                urn: r.urn,
            });
        } else if (r.changed) {
            const j = byUrn.get(r.urn);
            notes.push(
                `${r.pack}/${r.policy} remediated ${j?.type ?? ""} ${j?.name ?? r.urn}: a real run applies the remediated inputs.`,
            );
        }
    }

    const policiesDone = performance.now();
    // Kubernetes OpenAPI schema.
    const violations: ReportViolation[] = diagnostics.map((d) => {
        const j = byUrn.get(d.urn);
        return toViolation(d, {
            type: j?.type ?? "pulumi:pulumi:Stack",
            name: j?.name ?? name,
            ...(j?.file !== undefined ? { file: j.file } : {}),
        });
    });
    // Values keys the local charts do not know (tools/check/values-guard.ts).
    violations.push(...chartValueViolations);
    // Two objects with one identity, rendered chart objects included (tools/check/identities.ts).
    violations.push(...duplicateIdentities(stream.identities));
    // The admission simulation (tools/check/admission/): the stack's workloads and namespaces
    // admitted under the stack's own admission rules; a refusal is a mandatory violation.
    const admission = simulateStackAdmission(stream.admissionObjects, charts, chartAnalyses);
    violations.push(...admission.violations);
    // Kubernetes OpenAPI schema: each object was validated as it was judged.
    const { validated, notValidated } = stream.schema;
    const invalid = stream.schema.failures.length;
    for (const f of stream.schema.failures) {
        violations.push({
            pack: "kubernetes-schema",
            policy: "openapi-schema",
            enforcementLevel: "mandatory",
            resource: f.resource,
            message: `${f.kind} "${f.resource.name}" does not match the Kubernetes ${kubernetesVersion} schema: ${f.errors.join("; ")}`,
        });
    }

    const schemaDone = performance.now();
    const cpu = process.cpuUsage();
    const checkRssKb = process.resourceUsage().maxRSS;
    const packRssKb = plugins.map((p) => p.peakRssKb());
    const peakRssKb = Math.max(checkRssKb, ...packRssKb);
    const mib = (kb: number): number => Math.round(kb / 1024);
    const resourcesByType = stream.resourcesByType;
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
    const advisory = violations.filter((v) => v.enforcementLevel === "advisory").length;
    // An artifact holding a made-up value says so in its first lines (tools/check/standins.ts).
    const { artifacts: nodeArtifacts, marked: standInArtifacts } = markStandInArtifacts(
        isRecord(outputs.nodeArtifacts) ? outputs.nodeArtifacts : {},
        standInValues,
    );
    const { images, unpinned } = collectImages(stream, outputs);
    if (unpinned.length > 0) {
        notes.push(
            `Chart values name images without a tag or digest that the stack lists nowhere else, ` +
                `so mirror.json cannot name them: ` +
                `${unpinned.map((u) => `${u.resource} ${u.path} "${u.image}"`).join("; ")}.`,
        );
    }
    const report: Report = {
        tool: "sovereign-contour offline check",
        mode,
        ...(opts.stack !== undefined ? { stack: opts.stack } : {}),
        kubernetesVersion,
        generatedAt: new Date().toISOString(),
        passed: mandatory === 0,
        resources: stream.count,
        resourcesByType,
        summary: { mandatory: mandatory - invalid, advisory, schemaErrors: invalid },
        violations,
        packs: packsReport,
        schema: { validated, invalid, notValidated },
        standIns,
        exemptions: stream.exemptions,
        admissionExemptions:
            mode === "stack" && Array.isArray(outputs.admissionExemptions)
                ? (outputs.admissionExemptions as Report["admissionExemptions"])
                : [],
        ...(mode === "stack" ? disabledComponentsField(outputs.disabledComponents) : {}),
        charts: chartsOf(charts, chartAnalyses),
        admission: admission.section,
        images,
        nodeArtifacts: Object.keys(nodeArtifacts).sort(),
        standInArtifacts,
        namespaceIsolation: stream.isolation.result(),
        breakGlass: mode === "stack" ? (outputs.breakGlass ?? null) : null,
        graph,
        timings: {
            // From the process start (performance's time origin): the check's own loading is
            // part of the program phase and of the total, as CI pays for it.
            program: seconds(programDone),
            policies: seconds(policiesDone - programDone),
            schema: seconds(schemaDone - policiesDone),
            total: seconds(performance.now()),
        },
        peakRssMb: mib(peakRssKb),
        memory: {
            checkPeakRssMb: mib(checkRssKb),
            packsPeakRssMb: Object.fromEntries(packRssKb.map((kb, i) => [packNames[i], mib(kb)])),
            totalPeakRssMb: mib(packRssKb.reduce((a, b) => a + b, checkRssKb)),
        },
        cpuSeconds: {
            check: seconds((cpu.user + cpu.system) / 1000),
            packs: Object.fromEntries(plugins.map((p, i) => [packNames[i], p.cpuSeconds()])),
        },
        notes,
        controls: [],
    };
    // Per-control status for the stack: enforced, violated, exempted, manual or not deployed.
    (report as { controls: unknown }).controls = controlStatuses(report);
    const mirror: MirrorExport = {
        charts: charts
            .map((j) => mirrorChart(j.name, j.plain))
            .sort((a, b) => byText(a.resource, b.resource)),
        images,
        imageSources: imageSourcesOf(outputs.imageSources),
        unpinnedImageValues: unpinned,
    };
    writeOutputs(run, report, nodeArtifacts, mirror);
    return { code: report.passed ? 0 : 1, report };
}

/**
 * AnalyzeStack in every pack with the request the stream built; the request is referenced only
 * here, so it is released as soon as every pack has received it.
 */
async function analyzeStack(
    plugins: readonly PolicyPackPlugin[],
    names: readonly string[],
    stream: JudgedStream,
    graph: { analyzeStackRequestBytes: number },
): Promise<Diagnostic[][]> {
    // Sent from a function of its own, so that nothing here keeps the request once it is written.
    const answers = sendStackRequest(plugins, names, stream, graph);
    answers.catch(() => undefined); // awaited below, after the collection
    await returnProgramMemory();
    return answers;
}

/** Sends the stream's AnalyzeStack request to every pack; the answers. */
function sendStackRequest(
    plugins: readonly PolicyPackPlugin[],
    names: readonly string[],
    stream: JudgedStream,
    graph: { analyzeStackRequestBytes: number },
): Promise<Diagnostic[][]> {
    const request = stream.takeStackRequest();
    graph.analyzeStackRequestBytes = request.length;
    return Promise.all(plugins.map((plugin, p) => plugin.analyzeStackEncoded(names[p], request)));
}

/** Heap size from which the program's memory is returned during AnalyzeStack. */
const returnMemoryFromBytes = 2 ** 31;

/**
 * Once the program has ended, most of the check's heap is the program's garbage, which V8 keeps
 * (and its pages resident) until it needs the room; the packs need the most memory now, in
 * AnalyzeStack, while the check only waits for them. So on a large stack the check collects its
 * garbage a few times, apart, while the packs work (V8 returns freed pages over a few
 * collections): at 10,000 tenants this is what keeps the check and its packs within 8 GB
 * together (docs/performance.md). A smaller heap is left alone.
 */
async function returnProgramMemory(): Promise<void> {
    if (process.memoryUsage().heapTotal < returnMemoryFromBytes) {
        return;
    }
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    for (let i = 0; i < 6; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
}

function seconds(ms: number): number {
    return Math.round(ms) / 1000;
}

/**
 * The folder `--policy-config-dir` names must exist and be a folder, and each `.json` file in it
 * (or in the stack's `stacks/policy-config/<stack>/`) the config of a pack: a misspelt file name
 * would otherwise go unread. Checked before the packs start; that every pack has its file is
 * checked by requirePackConfigFiles (tools/check/pack-config-dir.ts).
 */
function checkPolicyConfigDir(opts: CheckOptions, packDirs: readonly string[]): void {
    if (opts.policyConfig !== undefined && opts.policyConfigDir !== undefined) {
        throw new UsageError("--policy-config and --policy-config-dir: use one or the other");
    }
    if (
        opts.policyConfig !== undefined ||
        (opts.stack === undefined && opts.policyConfigDir === undefined)
    ) {
        return;
    }
    const explicit = opts.policyConfigDir !== undefined;
    const dir =
        opts.policyConfigDir ??
        path.join(opts.projectDir, "stacks", "policy-config", opts.stack ?? "");
    let stat: fs.Stats;
    try {
        stat = fs.statSync(dir);
    } catch {
        if (explicit) {
            throw new UsageError(`--policy-config-dir: "${dir}" does not exist`);
        }
        // A stack without its folder: refused by requirePackConfigFiles once the stack file was
        // read, so that the stack file's own errors come first.
        return;
    }
    const packs = packDirs.map((d) => `${path.basename(d)}.json`);
    if (!stat.isDirectory()) {
        // Worded as tools/check/pack-config-dir.ts words it.
        throw new UsageError(
            `--policy-config-dir: "${dir}" is not a folder; expected a folder with one ` +
                `<pack>.json per pack (${packs.join(", ")})`,
        );
    }
    for (const entry of fs.readdirSync(dir).sort()) {
        if (entry.endsWith(".json") && !packs.includes(entry)) {
            const hint = closestKey(entry, packs);
            throw new UsageError(
                `${path.join(dir, entry)}: not the config of any policy pack` +
                    (hint !== undefined ? ` (did you mean ${hint}?)` : "") +
                    `; expected one of ${packs.join(", ")}`,
            );
        }
    }
}

/**
 * The config given to one pack: `--policy-config` (the same file for every pack), else its
 * `<pack>.json` in `--policy-config-dir` or the stack's folder, else none. Every file read is
 * recorded in `inputs`; a policy name the config uses that is not a policy (of this pack, or of
 * any pack for `--policy-config`) is a UsageError naming the file and the closest policy.
 */
function packConfigFor(
    opts: CheckOptions,
    packDir: string,
    packName: string,
    policyNames: readonly string[],
    allPolicies: ReadonlyMap<string, readonly string[]>,
    read: (file: string, label: string) => PackConfig,
): PackConfig {
    let given: PackConfig = {};
    const pack = path.basename(packDir);
    if (opts.policyConfig !== undefined) {
        given = structuredClone(read(opts.policyConfig, "--policy-config"));
        const every = [...new Set([...allPolicies.values()].flat())];
        const unknown = unknownPolicyNames(
            given,
            opts.policyConfig,
            every,
            `any policy pack (${[...allPolicies.keys()].join(", ")})`,
        );
        if (unknown.length > 0) {
            throw new UsageError(unknown.join("\n"));
        }
    } else if (opts.stack !== undefined || opts.policyConfigDir !== undefined) {
        const dir =
            opts.policyConfigDir ??
            path.join(opts.projectDir, "stacks", "policy-config", opts.stack ?? "");
        const file = path.join(dir, `${pack}.json`);
        if (fs.existsSync(file)) {
            given = structuredClone(
                read(file, opts.policyConfigDir !== undefined ? "--policy-config-dir" : "--stack"),
            );
            const unknown = unknownPolicyNames(given, file, policyNames, `pack "${packName}"`);
            if (unknown.length > 0) {
                throw new UsageError(unknown.join("\n"));
            }
        }
    }
    if (opts.podSecurityLevel !== undefined) {
        for (const policy of policyNames.filter((p) => p.startsWith("pod-security-"))) {
            const entry = given[policy] ?? {};
            given[policy] = {
                ...entry,
                properties: { ...(entry.properties ?? {}), level: opts.podSecurityLevel },
            };
        }
    }
    return given;
}

/**
 * Starts talking to the packs as the CLI does: GetAnalyzerInfo, the pack config reconciled with
 * the policies' schemas (refused with the CLI's wording when invalid), ConfigureStack, Configure.
 */
async function configurePacks(
    opts: CheckOptions,
    packs: () => Promise<PolicyPackPlugin[]>,
    identity: StackIdentity,
    inputs: InputFile[],
): Promise<ConfiguredPacks & { report: Report["packs"] }> {
    const plugins = await packs();
    const names: string[] = [];
    const remediating: boolean[] = [];
    const report: Report["packs"] = [];
    const infos: Awaited<ReturnType<PolicyPackPlugin["info"]>>[] = [];
    for (const plugin of plugins) {
        infos.push(await plugin.info());
    }
    const allPolicies = new Map(infos.map((i) => [i.name, i.policies.map((p) => p.name)]));
    // Each config file is read once (--policy-config serves every pack) and recorded as an input.
    const read = new Map<string, PackConfig>();
    const readOnce = (file: string, label: string): PackConfig => {
        let config = read.get(file);
        if (config === undefined) {
            const loaded = readPackConfigFile(file, label);
            inputs.push(loaded.input);
            config = loaded.config;
            read.set(file, config);
        }
        return config;
    };
    for (const [p, plugin] of plugins.entries()) {
        const info = infos[p];
        const given = packConfigFor(
            opts,
            plugin.directory,
            info.name,
            info.policies.map((x) => x.name),
            allPolicies,
            readOnce,
        );
        const { config, errors } = reconcilePackConfig(info.policies, info.initialConfig, given);
        if (errors.length > 0) {
            throw new UsageError(
                `policy pack "${info.name}": invalid policy pack config:\n` +
                    errors.map((e) => `  - ${e}`).join("\n"),
            );
        }
        await plugin.configureStack(identity);
        await plugin.configure(config);
        report.push({
            name: info.name,
            version: info.version,
            policies: info.policies.length,
            config,
        });
        names.push(info.name);
        remediating.push(Object.values(config).some((c) => c.enforcementLevel === "remediate"));
    }
    return { plugins, names, remediating, report };
}

/** Code-point order, the same on every machine (unlike localeCompare). */
function byText(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Every image the stack needs: those of every pod judged (the program's workloads and rendered
 * chart objects), the components' declared lists, and the images chart values name (a values
 * image without tag or digest is returned apart, as unpinned). One image spelled two ways counts
 * once.
 */
function collectImages(
    stream: JudgedStream,
    outputs: Record<string, unknown>,
): { images: string[]; unpinned: UnpinnedImageValue[] } {
    const all = [...stream.images];
    const unpinned = stream.unpinned;
    if (Array.isArray(outputs.images)) {
        all.push(...outputs.images.filter((i): i is string => typeof i === "string"));
    }
    const images = uniqueImages(all);
    // A values image without a tag is pinned elsewhere when the stack lists the same repository.
    const listed = new Set(images.map((i) => parseImage(i).name));
    return {
        images,
        unpinned: unpinned.filter((u) => !listed.has(parseImage(u.image).name)),
    };
}

/**
 * The admission simulation's inputs: the Kubernetes objects it reads (tools/check/stream.ts keeps
 * them), and every Chart with its values and whether its objects were rendered here.
 */
function simulateStackAdmission(
    objects: readonly SimObject[],
    judgedCharts: readonly Judged[],
    analyses: ReadonlyMap<string, ChartAnalysis>,
): ReturnType<typeof simulateAdmission> {
    const charts = judgedCharts.map((j) => ({
        resource: { type: j.type, name: j.name },
        chart: String(j.plain.chart ?? ""),
        namespace: typeof j.plain.namespace === "string" ? j.plain.namespace : "default",
        values: isRecord(j.plain.values) ? j.plain.values : {},
        rendered: analyses.get(j.urn)?.analyzed === true,
    }));
    return simulateAdmission(objects, charts);
}

function chartsOf(
    charts: readonly Judged[],
    analyses: ReadonlyMap<string, ChartAnalysis>,
): Report["charts"] {
    return charts
        .map((j): Report["charts"][number] => {
            const opts = isRecord(j.plain.repositoryOpts) ? j.plain.repositoryOpts : {};
            return {
                name: j.name,
                chart: String(j.plain.chart ?? ""),
                version: String(j.plain.version ?? ""),
                repository: typeof opts.repo === "string" ? opts.repo : String(j.plain.chart ?? ""),
                ...(analyses.get(j.urn) ?? { analyzed: false, reason: "not a stack run" }),
            };
        })
        .sort((a, b) => byText(a.name, b.name));
}

/**
 * Offline chart analysis: every `kubernetes:helm.sh/v4:Chart` whose chart is on this machine is
 * rendered with `helm template` as Chart v4 renders it (tools/check/helm.ts), and each rendered
 * object joins `judged` as a child of the chart, so it meets Remediate, Analyze, AnalyzeStack,
 * the schema, images.txt and manifests.yaml like any resource the program declares. Remote charts
 * are never fetched. Returns, per chart URN, what was analyzed or why not.
 *
 * Before rendering, the values guard checks every local chart's values against the chart's own
 * values.yaml and values.schema.json (with or without helm); each key the chart does not know is
 * added to `valueViolations`. A chart that then fails to render is reported as not analyzed (the
 * violations say why) instead of stopping the check.
 */
async function renderLocalCharts(
    opts: CheckOptions,
    charts: readonly Judged[],
    programCrds: readonly Record<string, unknown>[],
    add: (j: Judged) => void,
    kubernetesVersion: string,
    notes: string[],
    valueViolations: ReportViolation[],
): Promise<Map<string, ChartAnalysis>> {
    const analyses = new Map<string, ChartAnalysis>();
    const helm = findHelm(opts.helm);
    let version: string | undefined;
    const guarded: string[] = [];
    // The program's own charts and CRDs (those rendered here join the lists as they are added).
    const programCharts = [...charts];
    const crdsBefore = [...programCrds];
    for (const chart of programCharts) {
        const raw = chart.properties;
        const guard = guardChartValues(chart, opts.projectDir);
        if (guard !== undefined) {
            guarded.push(guard.checked);
            valueViolations.push(...guard.violations);
        }
        const decision = decideChart(raw, chart.plain, opts.projectDir, helm);
        if ("reason" in decision || helm === undefined) {
            const reason = "reason" in decision ? decision.reason : noHelmReason;
            analyses.set(chart.urn, { analyzed: false, reason });
            continue;
        }
        version ??= await helmVersion(helm);
        const secrets = secretStrings(chart.plain, chart.masked, maskedSecret);
        let objects: KubeObject[];
        try {
            objects = await renderChart({
                helm,
                resourceName: chart.name,
                chartPath: decision.path,
                inputs: chart.plain,
                kubeVersion: kubernetesVersion,
                secrets,
            });
        } catch (e) {
            if (!(e instanceof UsageError) || (guard?.violations.length ?? 0) === 0) {
                throw e;
            }
            // The values name keys the chart does not know, which the violations report: a
            // schema or a template that refuses them is the likely cause.
            const failure = (
                /helm template failed: ([\s\S]*?)\n {2}Fix the chart/.exec(e.message)?.[1] ??
                e.message
            )
                .replace(/\s*\n\s*/g, " ")
                .trim();
            analyses.set(chart.urn, {
                analyzed: false,
                reason:
                    `helm template failed with values the chart does not know ` +
                    `(see the ${chartValuesPolicy} violations): ${failure}`,
            });
            continue;
        }
        const { children, unknownScope } = chartChildren(
            chart.name,
            chart.plain,
            objects,
            crdsBefore,
        );
        for (const child of children) {
            const type = pulumiTypeOf(String(child.object.apiVersion), String(child.object.kind));
            add({
                urn: childUrn(chart.urn, type, child.name),
                type,
                name: child.name,
                parent: chart.urn,
                properties: child.object as WireObject,
                plain: plainValue(child.object, false) as Record<string, unknown>,
                masked: redactSecrets(plainValue(child.object, true), secrets) as Record<
                    string,
                    unknown
                >,
            });
        }
        if (unknownScope.length > 0) {
            notes.push(
                `Chart ${chart.name}: no CRD here tells the scope of ${unknownScope.join(", ")}; ` +
                    `objects of these kinds keep the namespace the chart gives them.`,
            );
        }
        analyses.set(chart.urn, { analyzed: true, objects: children.length });
    }
    if (version !== undefined && helm !== undefined) {
        notes.push(`Chart contents rendered offline with helm ${version} (from ${helm.from}).`);
    }
    if (guarded.length > 0) {
        notes.push(
            `Chart values checked against each local chart's own values.yaml and ` +
                `values.schema.json (${chartValuesPack}/${chartValuesPolicy}): ${guarded.sort().join(", ")}.`,
        );
    }
    return analyses;
}

/**
 * The values guard (tools/check/values-guard.ts) on one Chart whose chart is on this machine: each
 * key its values set that neither the chart's values.yaml nor its values.schema.json knows is a
 * mandatory violation on the Chart. Undefined when the chart is remote or its chart or values are
 * unknown during preview. A chart that declares no values at all (neither file) is not checked.
 */
function guardChartValues(
    chart: Judged,
    projectDir: string,
): { checked: string; violations: ReportViolation[] } | undefined {
    if (hasUnknown(chart.properties.chart) || hasUnknown(chart.properties.values)) {
        return undefined;
    }
    const source = chartSource(chart.plain, projectDir);
    if (!source.local) {
        return undefined;
    }
    let info: ReturnType<typeof chartValuesInfo>;
    try {
        info = chartValuesInfo(readChartFiles(source.path));
    } catch (e) {
        if (e instanceof UsageError) {
            throw e;
        }
        throw new UsageError(`chart ${chart.name} (${source.path}): ${(e as Error).message}`);
    }
    const label = `${chart.name} (${info.name}${info.version !== "" ? ` ${info.version}` : ""})`;
    if (info.declaresNoValues) {
        return {
            checked: `${label}: no values.yaml or values.schema.json, not checked`,
            violations: [],
        };
    }
    const violations = unknownValueKeys(info.spec, chart.plain.values ?? {}).map(
        (f): ReportViolation => ({
            pack: chartValuesPack,
            policy: chartValuesPolicy,
            enforcementLevel: "mandatory",
            resource: { type: chart.type, name: chart.name },
            message: findingMessage(info.name, info.version, f),
        }),
    );
    return { checked: label, violations };
}

/**
 * Writes every output of a finished run into a new folder and renames it over the run's folder
 * (tools/check/outputs.ts). report.json says `status` (`passed` or `failed`), the exit code, and
 * the digest of every input file, so a report is tied to exactly what it judged.
 */
function writeOutputs(
    run: CheckRun,
    report: Report,
    nodeArtifacts: Record<string, unknown>,
    mirror: MirrorExport,
): void {
    // Every node artifact is checked before anything is written, so a bad one leaves no half
    // report behind.
    const artifacts: OutputFile[] = Object.entries(nodeArtifacts).map(([rel, content]) => {
        const inside = path.resolve("/out", rel);
        if (!inside.startsWith(`${path.sep}out${path.sep}`)) {
            throw new Error(`node artifact path "${rel}" escapes the output directory`);
        }
        if (typeof content !== "string") {
            throw new Error(
                `node artifact "${rel}" is ${content === null ? "null" : typeof content}, expected the file's text`,
            );
        }
        return { path: rel, content, mode: 0o600 };
    });
    const input = run.input();
    const status = report.passed ? "passed" : "failed";
    // The run's status, exit code and inputs first, then the report (keys keep their first place).
    const written = Object.assign(
        {
            tool: report.tool,
            mode: report.mode,
            ...(report.stack !== undefined ? { stack: report.stack } : {}),
            status,
            exitCode: report.passed ? 0 : 1,
        },
        report,
        { startedAt: run.startedAt, input },
    );
    // manifests.yaml is already in the run's new folder (written as resources were judged).
    run.complete([
        { path: "report.json", content: JSON.stringify(written, null, 2) + "\n" },
        {
            path: "report.md",
            content: [renderMarkdown(report).replace(/\n*$/, "\n"), ...inputMarkdown(input)].join(
                "\n",
            ),
        },
        { path: "images.txt", content: report.images.map((i) => `${i}\n`).join("") },
        { path: "mirror.json", content: JSON.stringify(mirror, null, 2) + "\n" },
        ...artifacts,
    ]);
}
