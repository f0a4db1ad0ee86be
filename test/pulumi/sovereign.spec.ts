/**
 * The real Pulumi engine on the sovereign stack (`npm run test:pulumi`): the Pulumi CLI, its Node.js
 * language host and the Kubernetes provider built from Go modules (test/pulumi/harness.ts), a local
 * file backend, the API server of the cluster tier (test/cluster/control-plane.ts) and the chart
 * repositories played on loopback (test/pulumi/chart-repo.ts). The stack file, the program, the
 * packs and their configs are the repository's, in a temporary copy of the project.
 *
 *   1. `pulumi preview` exactly as CI runs it: passes, and its policy verdicts equal the offline
 *      check's, resource by resource;
 *   2. the same with a planted violation: refused with the check's mandatory violations;
 *   3. `pulumi up` as CI runs it: every resource created in the API server, the layers in order,
 *      dependency lists as small as the check reports; `pulumi up` again changes nothing;
 *      `pulumi refresh --preview-only` reports an out-of-band change.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { ControlPlane, startControlPlane } from "../cluster/control-plane";
import { KubeObject } from "../cluster/kube";
import { runCheckProcess } from "../util/check-process";
import { ChartRepo, startChartRepo } from "./chart-repo";
import { ControllerStandIn } from "./controllers";
import {
    copyProject,
    describeRun,
    EngineEvent,
    projectDir,
    pulumiBinaries,
    PulumiBinaries,
    PulumiCli,
    PulumiRun,
    readEventLog,
} from "./harness";

const stack = "sovereign";
const upstream = path.resolve(projectDir, "..", "shared", "upstream");

/** A step's `run` script in ci/github-actions.yml, by the step's name. */
function githubStep(name: string): { run: string; env: Record<string, string> } {
    const doc = YAML.parse(
        fs.readFileSync(path.join(projectDir, "ci/github-actions.yml"), "utf8"),
    ) as {
        jobs: Record<
            string,
            { steps: { name?: string; run?: string; env?: Record<string, string> }[] }
        >;
    };
    const steps = Object.values(doc.jobs).flatMap((job) => job.steps ?? []);
    const found = steps.filter((s) => s.name === name && typeof s.run === "string");
    assert.strictEqual(found.length, 1, `ci/github-actions.yml: one step named "${name}" expected`);
    return { run: found[0].run as string, env: found[0].env ?? {} };
}

/** The lines of a script, each trimmed, without empty lines: how two CI files are compared. */
const lines = (script: string): string[] =>
    script
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "");

/**
 * The `pulumi <command>` script of CI (GitHub's step, which must be line for line GitLab's), with
 * `--event-log "$EVENT_LOG"` added to its one pulumi command.
 */
function ciScript(
    command: "preview" | "up",
    stepName: string,
): { script: string; env: Record<string, string> } {
    const step = githubStep(stepName);
    const gitlab = fs.readFileSync(path.join(projectDir, "ci/gitlab-ci.yml"), "utf8");
    // The last `packs=()` before the command: the script of that job.
    const block = new RegExp(
        `packs=\\(\\)(?:(?!packs=\\(\\))[\\s\\S])*?pulumi ${command} --stack "\\$STACK" "\\$\\{packs\\[@\\]\\}"`,
    ).exec(gitlab);
    assert.ok(block !== null, `ci/gitlab-ci.yml: no pulumi ${command} script`);
    assert.deepStrictEqual(
        lines(block[0]),
        lines(step.run),
        `ci/gitlab-ci.yml and ci/github-actions.yml run different pulumi ${command} scripts`,
    );
    const command_ = `pulumi ${command} --stack "$STACK" "\${packs[@]}"`;
    assert.strictEqual(step.run.split(command_).length, 2, `one "${command_}" in the CI step`);
    return {
        script: step.run.replace(command_, `${command_} --event-log "$EVENT_LOG"`),
        env: step.env,
    };
}

/** One policy verdict, in the form both the check and the engine can give. */
interface Verdict {
    readonly pack: string;
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly type: string;
    readonly name: string;
    /** The policy's description, a newline and the violation's message. */
    readonly message: string;
}

const verdictKey = (v: Verdict): string =>
    `${v.pack} ${v.policy} ${v.enforcementLevel} ${v.type}::${v.name}: ${v.message}`;

/** The type and name of a URN (`urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`). */
function urnParts(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const qualified = parts[2] ?? "";
    return { type: qualified.split("$").pop() ?? "", name: parts.slice(3).join("::") };
}

/** The engine's policy verdicts, from an event log. */
function engineVerdicts(events: readonly EngineEvent[]): Verdict[] {
    return events
        .filter((e) => e.policyEvent !== undefined)
        .map((e) => {
            const p = e.policyEvent!;
            const r = p.resourceUrn ? urnParts(p.resourceUrn) : { type: "", name: "" };
            return {
                pack: p.policyPackName,
                policy: p.policyName,
                enforcementLevel: p.enforcementLevel,
                ...r,
                // The engine ends the message with a newline; the check does not.
                message: p.message.replace(/\n$/, ""),
            };
        })
        .sort((a, b) => verdictKey(a).localeCompare(verdictKey(b)));
}

/** The offline check's verdicts of the CrossGuard packs (not its own schema and admission checks). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function checkVerdicts(report: any, packs: readonly string[]): Verdict[] {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (report.violations as any[])
        .filter((v) => packs.includes(v.pack))
        .map((v) => ({
            pack: v.pack,
            policy: v.policy,
            enforcementLevel: v.enforcementLevel,
            type: v.resource?.type ?? "",
            name: v.resource?.name ?? "",
            message: v.message,
        }))
        .sort((a, b) => verdictKey(a).localeCompare(verdictKey(b)));
}

const packNames = fs
    .readdirSync(path.join(projectDir, "policypacks"))
    .filter((d) => fs.existsSync(path.join(projectDir, "policypacks", d, "PulumiPolicy.yaml")))
    .sort();

/** A resource of an exported state (`pulumi stack export`). */
interface StateResource {
    readonly urn: string;
    readonly type: string;
    readonly custom?: boolean;
    readonly id?: string;
    readonly parent?: string;
    readonly dependencies?: string[];
    readonly outputs?: KubeObject;
}

/** The resources of a stack's state. */
async function exportState(cli: PulumiCli): Promise<StateResource[]> {
    const run = await cli.run(["stack", "export", "--stack", stack]);
    assert.strictEqual(run.status, 0, describeRun(run));
    return (
        (JSON.parse(run.stdout) as { deployment: { resources?: StateResource[] } }).deployment
            .resources ?? []
    );
}

/** The apiVersion and kind of a Kubernetes resource type (`kubernetes:core/v1:Namespace`, `...:ConfigMapPatch`). */
function kindOf(type: string): { apiVersion: string; kind: string } {
    const [, groupVersion, kind] = type.split(":");
    return {
        apiVersion: groupVersion.startsWith("core/")
            ? groupVersion.slice("core/".length)
            : groupVersion,
        kind: kind.replace(/Patch$/, ""),
    };
}

/** The layer of a resource: the `sovereign:platform:Layer` component above it, if any. */
function layerOf(resources: ReadonlyMap<string, StateResource>, urn: string): string | undefined {
    for (
        let r = resources.get(urn);
        r !== undefined;
        r = r.parent ? resources.get(r.parent) : undefined
    ) {
        if (r.type === "sovereign:platform:Layer") {
            return String(r.outputs?.layer ?? urnParts(r.urn).name.replace(/^platform-/, ""));
        }
    }
    return undefined;
}

describe("real Pulumi engine: the sovereign stack against a local API server", function () {
    let tmp: string;
    let bin: PulumiBinaries;
    let cp: ControlPlane;
    let repo: ChartRepo;
    let project: string;
    let cli: PulumiCli;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let report: any;
    const timings: Record<string, number> = {};

    /** A project copy with its own state, logged in and with the stack initialised. */
    async function newProject(name: string): Promise<{ dir: string; cli: PulumiCli }> {
        const dir = copyProject(path.join(tmp, name));
        const c = new PulumiCli(dir, bin, {
            KUBECONFIG: cp.kubeconfigPath,
            HTTPS_PROXY: repo.proxyUrl,
            HTTP_PROXY: repo.proxyUrl,
            SSL_CERT_FILE: repo.caFile,
        });
        const init = await c.run(["stack", "init", stack]);
        assert.strictEqual(init.status, 0, describeRun(init));
        return { dir, cli: c };
    }

    /** Runs a CI script in a project and returns the run and its event log. */
    async function runCi(
        c: PulumiCli,
        ci: { script: string; env: Record<string, string> },
        label: string,
    ): Promise<{ run: PulumiRun; events: EngineEvent[] }> {
        const eventLog = path.join(c.dir, `${label.replace(/ /g, "-")}.events.jsonl`);
        const run = await c.bash(ci.script, { ...ci.env, STACK: stack, EVENT_LOG: eventLog });
        timings[label] = run.seconds;
        return { run, events: fs.existsSync(eventLog) ? readEventLog(eventLog) : [] };
    }

    before(async function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-tier-"));
        bin = pulumiBinaries();
        for (const [name, seconds] of Object.entries(bin.buildSeconds)) {
            timings[`build ${name}`] = seconds;
        }
        // The offline check of the same stack, in the project copy the engine runs.
        project = copyProject(path.join(tmp, "check"));
        const check = runCheckProcess(["--stack", stack], {
            name: stack,
            cli: path.join(project, "tools/check/cli.ts"),
            cwd: project,
            timeoutMs: 600_000,
        });
        assert.strictEqual(
            check.code,
            0,
            `the check of ${stack} must pass first:\n${check.stderr}`,
        );
        report = check.report;
        repo = await startChartRepo(path.join(tmp, "charts"), report.charts, upstream);
        // kube-controller-manager: its ServiceAccount controller creates each namespace's
        // `default` account, which the tenants' ServiceAccountPatch resources patch.
        cp = await startControlPlane({ name: "pulumi-tier", controllerManager: true });
        // What kubeadm leaves in a cluster and the program patches (kubelet.manageKubeadmConfigMap).
        await cp.client().json("POST", "/api/v1/namespaces/kube-system/configmaps", {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: "kubelet-config", namespace: "kube-system" },
            data: {
                kubelet: "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
            },
        });
        ({ dir: project, cli } = await newProject("project"));
    });

    after(async function () {
        await repo?.close();
        await cp?.stop();
        if (tmp !== undefined && process.env.SOVEREIGN_PULUMI_KEEP !== "1") {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
        console.log(`      timings (s): ${JSON.stringify(timings)}`);
        if (repo !== undefined) {
            console.log(
                `      chart repository: served ${repo.served.length}, refused ${JSON.stringify(repo.refused)}`,
            );
        }
    });

    it("1. pulumi preview as CI runs it passes, with the check's policy verdicts resource by resource", async function () {
        const { run, events } = await runCi(
            cli,
            ciScript("preview", "pulumi preview with every policy pack"),
            "preview",
        );
        const engine = engineVerdicts(events);
        const check = checkVerdicts(report, packNames);
        assert.deepStrictEqual(
            engine.map(verdictKey),
            check.map(verdictKey),
            `the policy verdicts of pulumi preview (actual) and of the check (expected) differ\n${describeRun(run)}`,
        );
        assert.strictEqual(run.status, 0, describeRun(run));
        // Every resource the check recorded is in the preview, and the preview has more only under
        // the Chart v4 resources (the objects of the charts, which the check does not fetch).
        const steps = events
            .filter((e) => e.resourcePreEvent !== undefined)
            .map((e) => e.resourcePreEvent!.metadata);
        assert.ok(
            steps.every((s) => s.op === "create"),
            "a first preview creates everything",
        );
        const byType: Record<string, number> = {};
        for (const s of steps) {
            const underChart = s.urn.split("::")[2].includes("kubernetes:helm.sh/v4:Chart$");
            if (!underChart && !s.type.startsWith("pulumi:providers:")) {
                byType[s.type] = (byType[s.type] ?? 0) + 1;
            }
        }
        assert.deepStrictEqual(byType, report.resourcesByType);
        assert.deepStrictEqual(repo.refused, [], "nothing but the chart repositories was reached");
    });

    it("2. a planted privileged tenant pod with an image tag is refused with the check's mandatory violations", async function () {
        const planted = await newProject("planted");
        fs.appendFileSync(
            path.join(planted.dir, "index.ts"),
            [
                "",
                "// Planted by test/pulumi: a privileged tenant pod whose image is a tag, not a digest.",
                'import * as plantedK8s from "@pulumi/kubernetes";',
                'new plantedK8s.core.v1.Pod("planted-privileged", {',
                '    metadata: { name: "planted", namespace: "inference" },',
                "    spec: {",
                "        containers: [",
                "            {",
                '                name: "app",',
                '                image: "registry.sovereign.example/mirror/app:1.0",',
                "                securityContext: { privileged: true },",
                "            },",
                "        ],",
                "    },",
                "});",
                "",
            ].join("\n"),
        );
        const check = runCheckProcess(["--stack", stack], {
            name: stack,
            cli: path.join(planted.dir, "tools/check/cli.ts"),
            cwd: planted.dir,
            timeoutMs: 600_000,
        });
        assert.strictEqual(
            check.code,
            1,
            `the check must refuse the planted pod:\n${check.stderr}`,
        );
        const expected = checkVerdicts(check.report, packNames);
        const mandatory = expected.filter((v) => v.enforcementLevel === "mandatory");
        assert.ok(
            mandatory.some((v) => v.name === "planted-privileged" && /privileged/.test(v.policy)),
            `the check reports the privileged container: ${JSON.stringify(mandatory)}`,
        );
        assert.ok(
            mandatory.some((v) => v.name === "planted-privileged" && /digest/.test(v.policy)),
            `the check reports the image tag: ${JSON.stringify(mandatory)}`,
        );
        const { run, events } = await runCi(
            planted.cli,
            ciScript("preview", "pulumi preview with every policy pack"),
            "preview planted",
        );
        assert.notStrictEqual(run.status, 0, describeRun(run));
        assert.deepStrictEqual(engineVerdicts(events).map(verdictKey), expected.map(verdictKey));
    });

    it("3. pulumi up creates everything in layer order, then changes nothing, and refresh reports drift", async function () {
        const controllers = new ControllerStandIn(cp.client());
        let up: { run: PulumiRun; events: EngineEvent[] };
        try {
            up = await runCi(cli, ciScript("up", "pulumi up with every policy pack"), "up");
        } finally {
            await controllers.stop();
        }
        assert.strictEqual(
            up.run.status,
            0,
            `${describeRun(up.run)}\n--- controller stand-in: ${controllers.writes.length} statuses written, last errors:\n${controllers.errors.join("\n")}`,
        );
        timings["statuses written by the controller stand-in"] = controllers.writes.length;
        const resources = await exportState(cli);
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const client = cp.client();
        client.forgetDiscovery();
        // Every Kubernetes object of the state exists in the API server.
        const objects = resources.filter(
            (r) => r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:"),
        );
        assert.ok(objects.length > 0);
        for (const r of objects) {
            const { apiVersion, kind } = kindOf(r.type);
            const [namespace, name] = (r.id ?? "").includes("/")
                ? (r.id as string).split("/")
                : [undefined, r.id];
            const res = await client.request(
                "GET",
                await client.path(apiVersion, kind, namespace, name),
            );
            assert.strictEqual(
                res.status,
                200,
                `${r.urn} (${r.id}) is not in the API server: ${res.status}`,
            );
        }
        // The layers in order: every resource a later layer waits for is created before anything
        // of that layer starts.
        const started = new Map<string, number>();
        const finished = new Map<string, number>();
        for (const e of up.events) {
            if (e.resourcePreEvent?.metadata.op === "create") {
                started.set(e.resourcePreEvent.metadata.urn, e.sequence);
            }
            if (e.resOutputsEvent?.metadata.op === "create") {
                finished.set(e.resOutputsEvent.metadata.urn, e.sequence);
            }
        }
        for (const r of objects) {
            assert.ok(finished.has(r.urn), `${r.urn} was not created by this up`);
        }
        const order = ["bootstrap", "enforcement", "runtime", "audit", "baseline"];
        const layerOfUrn = new Map(resources.map((r) => [r.urn, layerOf(byUrn, r.urn)]));
        for (const r of objects) {
            const layer = layerOfUrn.get(r.urn);
            for (const dep of r.dependencies ?? []) {
                const depLayer = layerOfUrn.get(dep);
                if (layer !== undefined && depLayer !== undefined) {
                    assert.ok(
                        order.indexOf(depLayer) <= order.indexOf(layer),
                        `${r.urn} (${layer}) depends on ${dep} (${depLayer}), a later layer`,
                    );
                }
            }
        }
        // A NetworkPolicy of a platform namespace waits for its Namespace only, by design
        // (docs/operations.md, "Network policies of the platform namespaces", "Order"): it may be
        // created before the gates of its layer's predecessors, never before its Namespace.
        const underNetwork = (urn: string): boolean =>
            urn.includes("sovereign:network:PlatformNetwork$");
        for (const r of objects.filter((o) => underNetwork(o.urn))) {
            const namespaces = (r.dependencies ?? []).filter((d) =>
                d.includes("kubernetes:core/v1:Namespace::"),
            );
            assert.ok(namespaces.length > 0, `${r.urn} does not wait for its Namespace`);
            for (const ns of namespaces) {
                assert.ok(
                    (finished.get(ns) ?? -1) < (started.get(r.urn) ?? -1),
                    `${r.urn} started before ${ns} existed`,
                );
            }
        }
        // A gate that is a component (a Chart) is ready when every object under it is: depending
        // on a component waits for its children.
        const children = new Map<string, string[]>();
        for (const r of resources) {
            if (r.parent !== undefined) {
                children.set(r.parent, [...(children.get(r.parent) ?? []), r.urn]);
            }
        }
        const readyAt = (urn: string): number => {
            const r = byUrn.get(urn);
            if (r?.custom) {
                return finished.get(urn) ?? Infinity;
            }
            const under = children.get(urn) ?? [];
            return under.length === 0
                ? (started.get(urn) ?? Infinity)
                : Math.max(...under.map(readyAt));
        };
        for (let i = 1; i < order.length; i++) {
            const later = objects.filter(
                (r) => layerOfUrn.get(r.urn) === order[i] && !underNetwork(r.urn),
            );
            const firstStart = Math.min(...later.map((r) => started.get(r.urn) ?? Infinity));
            for (const earlier of order.slice(0, i)) {
                const gates = new Set(
                    later
                        .flatMap((r) => r.dependencies ?? [])
                        .filter((d) => layerOfUrn.get(d) === earlier),
                );
                for (const gate of gates) {
                    assert.ok(
                        readyAt(gate) < firstStart,
                        `${gate} (${earlier}) was created after ${order[i]} started`,
                    );
                }
            }
        }
        // Every layer after bootstrap waits for gates of bootstrap, and tenants for enforcement and runtime.
        const waitsFor = (layer: string, earlier: string): boolean =>
            objects.some(
                (r) =>
                    layerOfUrn.get(r.urn) === layer &&
                    (r.dependencies ?? []).some((d) => layerOfUrn.get(d) === earlier),
            );
        for (const [layer, earlier] of [
            ["enforcement", "bootstrap"],
            ["runtime", "enforcement"],
            ["baseline", "enforcement"],
            ["baseline", "runtime"],
        ]) {
            assert.ok(
                waitsFor(layer, earlier),
                `nothing of ${layer} waits for a gate of ${earlier}`,
            );
        }
        // Dependency lists as small as the check reports.
        const largest = Math.max(...resources.map((r) => (r.dependencies ?? []).length));
        assert.ok(
            largest <= report.graph.largestDependencyList,
            `largest dependency list ${largest} > the check's ${report.graph.largestDependencyList}`,
        );
        // No tls: or random: resource in the state.
        assert.deepStrictEqual(
            resources.filter((r) => /^(tls|random):/.test(r.type)).map((r) => r.urn),
            [],
        );

        // pulumi up again: nothing changes. (The engine may drop a default provider the first up
        // registered and no resource uses any more: a logical delete of state only.)
        const again = await runCi(
            cli,
            ciScript("up", "pulumi up with every policy pack"),
            "up again",
        );
        assert.strictEqual(again.run.status, 0, describeRun(again.run));
        const summary = again.events.find((e) => e.summaryEvent !== undefined)?.summaryEvent;
        assert.deepStrictEqual(summary?.resourceChanges, {
            same: resources.filter((r) => !r.type.startsWith("pulumi:providers:")).length,
        });
        const changed = again.events
            .map((e) => e.resourcePreEvent?.metadata)
            .filter((m) => m !== undefined && m.op !== "same")
            .filter(
                (m) =>
                    !(
                        m!.op === "delete" &&
                        m!.type.startsWith("pulumi:providers:") &&
                        (m as { logical?: boolean }).logical === true
                    ),
            );
        assert.deepStrictEqual(changed, []);

        // An out-of-band change to a managed object, then refresh --preview-only reports it.
        const quota = objects.find((r) => r.type === "kubernetes:core/v1:ResourceQuota");
        assert.ok(quota !== undefined, "a tenant ResourceQuota is managed");
        const [qns, qname] = (quota.id as string).split("/");
        const qpath = await client.path("v1", "ResourceQuota", qns, qname);
        await client.json(
            "PATCH",
            qpath,
            { spec: { hard: { pods: "999" } } },
            "application/merge-patch+json",
        );
        const eventLog = path.join(cli.dir, "refresh.events.jsonl");
        const refresh = await cli.run([
            "refresh",
            "--preview-only",
            "--stack",
            stack,
            "--event-log",
            eventLog,
        ]);
        timings["refresh --preview-only"] = refresh.seconds;
        assert.strictEqual(refresh.status, 0, describeRun(refresh));
        const drift = readEventLog(eventLog)
            .map((e) => e.resOutputsEvent?.metadata)
            .filter((m) => m !== undefined && m.op !== "same");
        assert.deepStrictEqual(
            drift.map((m) => [m!.op, m!.urn, Object.keys(m!.detailedDiff ?? {})]),
            [["update", quota.urn, ["spec.hard.pods"]]],
            "refresh --preview-only reports exactly the out-of-band change",
        );
    });
});
