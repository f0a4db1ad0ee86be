/**
 * Judging resources as they are registered, as the engine does during `pulumi preview`: each
 * resource goes to Remediate (packs with remediate-level policies, in pack order, each seeing the
 * previous pack's result) and then to Analyze (every pack side by side) as soon as the program
 * registers it and the packs are configured, while the program goes on. The packs are separate
 * processes, so their work overlaps the program's instead of waiting for it to end.
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
export interface PipelineResult<R extends AnalyzedResource> {
    /** The resources in registration order, with remediated properties where a pack changed them. */
    readonly resources: R[];
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

export class AnalysisPipeline<R extends AnalyzedResource> {
    private readonly resources: R[] = [];
    private readonly tasks: Promise<void>[] = [];
    private readonly analyzed: Diagnostic[][][] = [];
    private readonly remediated: Remediation[][][] = [];
    private inFlight = 0;
    private readonly waiting: (() => void)[] = [];
    private finished = false;

    constructor(private readonly packs: Promise<ConfiguredPacks>) {
        // A failure to start or configure the packs surfaces from finish(); until then it must
        // not escape as an unhandled rejection.
        packs.catch(() => undefined);
    }

    /** Queues one resource; it is judged as soon as the packs are ready and a slot is free. */
    add(resource: R): void {
        if (this.finished) {
            throw new Error("AnalysisPipeline.add after finish");
        }
        const index = this.resources.push(resource) - 1;
        const task = this.judge(index);
        task.catch(() => undefined);
        this.tasks.push(task);
    }

    /** Waits for every queued resource; rethrows the first failure. */
    async finish(): Promise<PipelineResult<R>> {
        this.finished = true;
        const { plugins } = await this.packs;
        await Promise.all(this.tasks);
        const diagnostics: Diagnostic[] = [];
        const remediations: Remediation[] = [];
        for (let p = 0; p < plugins.length; p++) {
            for (let i = 0; i < this.resources.length; i++) {
                remediations.push(...(this.remediated[p]?.[i] ?? []));
            }
        }
        for (let p = 0; p < plugins.length; p++) {
            for (let i = 0; i < this.resources.length; i++) {
                diagnostics.push(...(this.analyzed[p]?.[i] ?? []));
            }
        }
        return { resources: this.resources, diagnostics, remediations };
    }

    private async judge(index: number): Promise<void> {
        const { plugins, names, remediating } = await this.packs;
        await this.acquire();
        try {
            for (let p = 0; p < plugins.length; p++) {
                // A pack without a remediate-level policy answers every Remediate with nothing;
                // skipping the call changes no outcome.
                if (!remediating[p]) {
                    continue;
                }
                const res = await plugins[p].remediate(names[p], this.resources[index]);
                (this.remediated[p] ??= [])[index] = res.remediations;
                if (res.properties !== undefined) {
                    this.resources[index] = {
                        ...this.resources[index],
                        properties: res.properties,
                    };
                }
            }
            const resource = this.resources[index];
            await Promise.all(
                plugins.map(async (plugin, p) => {
                    (this.analyzed[p] ??= [])[index] = await plugin.analyze(names[p], resource);
                }),
            );
        } finally {
            this.release();
        }
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
