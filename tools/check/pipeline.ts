/**
 * Judging resources as they are registered, as the engine does during `pulumi preview`: each
 * resource goes to Remediate (packs with remediate-level policies, in pack order, each seeing the
 * previous pack's result) and then to Analyze (every pack side by side) as soon as the program
 * registers it and the packs are configured, while the program goes on. The packs are separate
 * processes, so their work overlaps the program's instead of waiting for it to end.
 *
 * The pipeline holds a resource only until it is judged: each judged resource is handed, in
 * registration order, to the caller's `onJudged` and then dropped, so that a stack of any size is
 * never held whole (docs/performance.md).
 */
import { AnalyzedResource, Diagnostic, PolicyPackPlugin, Remediation } from "./analyzer";

/** The packs of a run, configured for the stack. */
export interface ConfiguredPacks {
    readonly plugins: readonly PolicyPackPlugin[];
    /** Each pack's name as GetAnalyzerInfo gave it. */
    readonly names: readonly string[];
    /** Whether each pack has a policy at level `remediate` (only those answer Remediate). */
    readonly remediating: readonly boolean[];
}

/** What the pipeline produced, in the order the engine would report it. */
export interface PipelineResult {
    /** How many resources were judged (each was handed to `onJudged`, in registration order). */
    readonly count: number;
    /** Analyze diagnostics, pack by pack, each pack's in registration order. */
    readonly diagnostics: Diagnostic[];
    /** Remediate results, pack by pack, each pack's in registration order. */
    readonly remediations: Remediation[];
}

/**
 * Resources in flight at once: enough to hide the round trips, few enough that the packs'
 * queues stay short.
 */
export const inFlightLimit = 64;

/**
 * Resources the program may run ahead of the packs: past it, the check answers no registration
 * until the packs catch up (runProgram's `holdBack`), so resources waiting to be judged stay a
 * bounded number on a stack of any size (about 250 tenants; docs/performance.md).
 */
export const backlogLimit = 4096;

export class AnalysisPipeline<R extends AnalyzedResource> {
    /** Resources added and not yet handed on (queued, in flight, or judged out of order). */
    private readonly pending = new Map<number, R>();
    /** Indexes judged but not handed on yet (an earlier resource is still in flight). */
    private readonly judged = new Set<number>();
    private added = 0;
    private handedOn = 0;
    private readonly tasks: Promise<void>[] = [];
    /** Per pack, the non-empty answers by resource index. */
    private readonly analyzed: Map<number, Diagnostic[]>[] = [];
    private readonly remediated: Map<number, Remediation[]>[] = [];
    private inFlight = 0;
    private readonly waiting: (() => void)[] = [];
    private finished = false;
    private failure: { error: unknown } | undefined;
    /** Callers of whenBacklogBelow waiting for the backlog to fall below their limit. */
    private backlogWaiters: { limit: number; resolve: () => void }[] = [];

    /**
     * @param packs the packs, once configured (resources added before wait for them)
     * @param onJudged receives each resource once every pack judged it, in registration order,
     *   with the properties the last remediating pack returned; its errors surface from finish()
     */
    constructor(
        private readonly packs: Promise<ConfiguredPacks>,
        private readonly onJudged: (resource: R) => void = () => undefined,
    ) {
        // A failure to start or configure the packs surfaces from finish(); until then it must
        // not escape as an unhandled rejection.
        packs.catch((e: unknown) => this.fail(e));
    }

    /** Queues one resource; it is judged as soon as the packs are ready and a slot is free. */
    add(resource: R): void {
        if (this.finished) {
            throw new Error("AnalysisPipeline.add after finish");
        }
        const index = this.added++;
        this.pending.set(index, resource);
        const task = this.judge(index);
        task.catch(() => undefined);
        this.tasks.push(task);
    }

    /** How many resources are held: added and not yet handed to `onJudged`. */
    get backlog(): number {
        return this.pending.size;
    }

    /**
     * Resolves once fewer than `limit` resources are held (at once if so already, and at once
     * after a failure, which finish() rethrows). The program's engine waits on it before answering
     * a registration, so the program never runs more than about `limit` resources ahead of the
     * packs (docs/performance.md).
     */
    whenBacklogBelow(limit: number): Promise<void> | undefined {
        if (this.pending.size < limit || this.failure !== undefined) {
            return undefined;
        }
        return new Promise<void>((resolve) => this.backlogWaiters.push({ limit, resolve }));
    }

    /** Waits for every queued resource; rethrows the first failure. */
    async finish(): Promise<PipelineResult> {
        this.finished = true;
        const { plugins } = await this.packs;
        await Promise.all(this.tasks);
        if (this.failure !== undefined) {
            throw this.failure.error;
        }
        const collect = <T>(perPack: Map<number, T[]>[]): T[] => {
            const out: T[] = [];
            for (let p = 0; p < plugins.length; p++) {
                const answers = perPack[p];
                if (answers === undefined) {
                    continue;
                }
                for (const index of [...answers.keys()].sort((a, b) => a - b)) {
                    out.push(...(answers.get(index) ?? []));
                }
            }
            return out;
        };
        return {
            count: this.handedOn,
            diagnostics: collect(this.analyzed),
            remediations: collect(this.remediated),
        };
    }

    private async judge(index: number): Promise<void> {
        const { plugins, names, remediating } = await this.packs;
        await this.acquire();
        try {
            let resource = this.held(index);
            for (let p = 0; p < plugins.length; p++) {
                // A pack without a remediate-level policy answers every Remediate with nothing;
                // skipping the call changes no outcome.
                if (!remediating[p]) {
                    continue;
                }
                const res = await plugins[p].remediate(names[p], resource);
                if (res.remediations.length > 0) {
                    (this.remediated[p] ??= new Map()).set(index, res.remediations);
                }
                if (res.properties !== undefined) {
                    resource = { ...resource, properties: res.properties };
                    this.pending.set(index, resource);
                }
            }
            const judged = resource;
            await Promise.all(
                plugins.map(async (plugin, p) => {
                    const found = await plugin.analyze(names[p], judged);
                    if (found.length > 0) {
                        (this.analyzed[p] ??= new Map()).set(index, found);
                    }
                }),
            );
        } catch (e) {
            this.fail(e);
            throw e;
        } finally {
            this.release();
        }
        this.judged.add(index);
        this.handOn();
    }

    private held(index: number): R {
        const resource = this.pending.get(index);
        if (resource === undefined) {
            throw new Error(`AnalysisPipeline: resource ${index} is not held`);
        }
        return resource;
    }

    /** Hands every judged resource whose predecessors were all handed on to `onJudged`. */
    private handOn(): void {
        while (this.failure === undefined && this.judged.has(this.handedOn)) {
            const index = this.handedOn;
            const resource = this.held(index);
            this.judged.delete(index);
            this.pending.delete(index);
            this.handedOn++;
            try {
                this.onJudged(resource);
            } catch (e) {
                this.fail(e);
            }
        }
        this.releaseBacklogWaiters();
    }

    private fail(e: unknown): void {
        this.failure ??= { error: e };
        this.releaseBacklogWaiters();
    }

    private releaseBacklogWaiters(): void {
        if (this.backlogWaiters.length === 0) {
            return;
        }
        const still: { limit: number; resolve: () => void }[] = [];
        for (const waiter of this.backlogWaiters) {
            if (this.pending.size < waiter.limit || this.failure !== undefined) {
                waiter.resolve();
            } else {
                still.push(waiter);
            }
        }
        this.backlogWaiters = still;
    }

    private async acquire(): Promise<void> {
        if (this.inFlight < inFlightLimit) {
            this.inFlight++;
            return;
        }
        await new Promise<void>((resolve) => this.waiting.push(resolve));
    }

    private release(): void {
        const next = this.waiting.shift();
        if (next !== undefined) {
            next(); // the slot passes straight to the next resource
        } else {
            this.inFlight--;
        }
    }
}
