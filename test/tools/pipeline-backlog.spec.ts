/**
 * The check holds the program back while the packs are behind (issue 19): the pipeline tells
 * when fewer than a limit of resources wait to be judged, and the program's engine answers no
 * registration until then, so resources waiting for the packs stay a bounded number.
 */
import * as assert from "assert";
import type { AnalyzedResource, PolicyPackPlugin } from "../../tools/check/analyzer";
import { AnalysisPipeline, ConfiguredPacks } from "../../tools/check/pipeline";

function resource(i: number): AnalyzedResource {
    return { urn: `urn:${i}`, type: "kubernetes:core/v1:Secret", name: `r${i}`, properties: {} };
}

/** A pack whose Analyze of resource `ri` answers only once `release(i)` is called. */
function gatedPack(fail = false): {
    pack: ConfiguredPacks;
    release: (i: number) => void;
} {
    const gates = new Map<number, () => void>();
    const opened = new Set<number>();
    const plugin = {
        async analyze(_pack: string, r: AnalyzedResource) {
            const i = Number(r.name.slice(1));
            if (!opened.has(i)) {
                await new Promise<void>((resolve) => gates.set(i, resolve));
            }
            if (fail) {
                throw new Error(`pack broke on ${r.name}`);
            }
            return [];
        },
    } as unknown as PolicyPackPlugin;
    return {
        pack: { plugins: [plugin], names: ["pack0"], remediating: [false] },
        release: (i) => {
            opened.add(i);
            gates.get(i)?.();
        },
    };
}

const turns = async (n = 5): Promise<void> => {
    for (let i = 0; i < n; i++) {
        await new Promise((r) => setImmediate(r));
    }
};

describe("check: the program is held back while the packs are behind", () => {
    it("resolves once fewer than the limit of resources wait, not before", async () => {
        const { pack, release } = gatedPack();
        const handed: string[] = [];
        const pipeline = new AnalysisPipeline(Promise.resolve(pack), (r) => handed.push(r.name));
        assert.strictEqual(pipeline.whenBacklogBelow(5), undefined, "nothing held yet");
        for (let i = 0; i < 10; i++) {
            pipeline.add(resource(i));
        }
        assert.strictEqual(pipeline.backlog, 10);
        const waiting = pipeline.whenBacklogBelow(5);
        assert.ok(waiting !== undefined, "10 held, limit 5: the caller must wait");
        let resolved = false;
        void waiting.then(() => (resolved = true));
        // Judged out of order, nothing is handed on: still 10 held.
        for (const i of [9, 8, 7, 6, 5]) {
            release(i);
        }
        await turns();
        assert.strictEqual(pipeline.backlog, 10);
        assert.strictEqual(resolved, false);
        for (const i of [0, 1, 2, 3]) {
            release(i);
        }
        await turns();
        assert.deepStrictEqual(handed, ["r0", "r1", "r2", "r3"]);
        assert.strictEqual(pipeline.backlog, 6);
        assert.strictEqual(resolved, false, "6 held is not fewer than 5");
        release(4);
        await turns();
        assert.strictEqual(pipeline.backlog, 0);
        assert.strictEqual(resolved, true);
        assert.strictEqual(pipeline.whenBacklogBelow(5), undefined);
        await pipeline.finish();
    });

    it("lets the program go on after a failure, which finish() then reports", async () => {
        const { pack, release } = gatedPack(true);
        const pipeline = new AnalysisPipeline(Promise.resolve(pack));
        for (let i = 0; i < 4; i++) {
            pipeline.add(resource(i));
        }
        const waiting = pipeline.whenBacklogBelow(2);
        assert.ok(waiting !== undefined);
        release(2);
        await waiting;
        assert.strictEqual(pipeline.whenBacklogBelow(2), undefined);
        [0, 1, 3].forEach(release);
        await assert.rejects(pipeline.finish(), /^Error: pack broke on r\d$/);
    });
});
