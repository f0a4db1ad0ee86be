/**
 * The check judges each resource as it is registered, as the engine does: Remediate in pack
 * order (each pack seeing the previous one's result), then Analyze in every pack with the
 * remediated inputs; results come out pack by pack in registration order whatever order the
 * answers arrive in; a failure surfaces from finish(); no more than the limit is in flight; each
 * judged resource is handed on in registration order and no longer held.
 */
import * as assert from "assert";
import type {
    AnalyzedResource,
    Diagnostic,
    PolicyPackPlugin,
    Remediation,
} from "../../tools/check/analyzer";
import { AnalysisPipeline, ConfiguredPacks, inFlightLimit } from "../../tools/check/pipeline";

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function resource(i: number): AnalyzedResource {
    return {
        urn: `urn:${i}`,
        type: "kubernetes:core/v1:Secret",
        name: `r${i}`,
        properties: { step: "program" },
    };
}

/** A fake pack that logs calls, answers after a delay, and optionally rewrites inputs. */
function fakePack(
    name: string,
    log: string[],
    opts: { remediateTo?: string; delay?: (i: number) => number; fail?: boolean } = {},
): PolicyPackPlugin & { peak: number } {
    let inFlight = 0;
    const pack = {
        peak: 0,
        async remediate(_pack: string, r: AnalyzedResource) {
            const seen = String(r.properties.step);
            log.push(`${name}.remediate ${r.name} saw ${seen}`);
            await tick(1);
            const remediations: Remediation[] = [
                { pack: name, policy: "p", urn: r.urn, changed: true, diagnostic: "" },
            ];
            return {
                properties: { step: opts.remediateTo ?? seen },
                remediations,
            };
        },
        async analyze(_pack: string, r: AnalyzedResource): Promise<Diagnostic[]> {
            inFlight++;
            pack.peak = Math.max(pack.peak, inFlight);
            const i = Number(r.name.slice(1));
            await tick(opts.delay?.(i) ?? 1);
            inFlight--;
            if (opts.fail === true && i === 3) {
                throw new Error(`${name} broke on ${r.name}`);
            }
            const seen = String(r.properties.step);
            log.push(`${name}.analyze ${r.name} saw ${seen}`);
            return [
                {
                    pack: name,
                    policy: "q",
                    enforcementLevel: "advisory",
                    message: seen,
                    urn: r.urn,
                },
            ];
        },
    };
    return pack as unknown as PolicyPackPlugin & { peak: number };
}

function configured(plugins: PolicyPackPlugin[], remediating: boolean[]): ConfiguredPacks {
    return { plugins, names: plugins.map((_, i) => `pack${i}`), remediating };
}

describe("check: resources judged as they are registered", () => {
    it("remediates in pack order, then analyzes the remediated inputs in every pack", async () => {
        const log: string[] = [];
        const a = fakePack("a", log, { remediateTo: "by-a" });
        const b = fakePack("b", log, { remediateTo: "by-b" });
        const c = fakePack("c", log);
        const handed: AnalyzedResource[] = [];
        const pipeline = new AnalysisPipeline(
            Promise.resolve(configured([a, b, c], [true, true, false])),
            (r) => handed.push(r),
        );
        pipeline.add(resource(0));
        const result = await pipeline.finish();
        assert.deepStrictEqual(log.slice(0, 2), [
            "a.remediate r0 saw program",
            "b.remediate r0 saw by-a",
        ]);
        assert.deepStrictEqual(log.slice(2).sort(), [
            "a.analyze r0 saw by-b",
            "b.analyze r0 saw by-b",
            "c.analyze r0 saw by-b",
        ]);
        assert.deepStrictEqual(
            handed.map((r) => r.properties),
            [{ step: "by-b" }],
        );
        assert.strictEqual(result.count, 1);
        assert.deepStrictEqual(
            result.remediations.map((r) => r.pack),
            ["a", "b"],
        );
    });

    it("reports pack by pack in registration order, whatever order the answers come in", async () => {
        const log: string[] = [];
        // Later resources answer first.
        const a = fakePack("a", log, { delay: (i) => 20 - 2 * i });
        const b = fakePack("b", log, { delay: (i) => 1 + i });
        const pipeline = new AnalysisPipeline(Promise.resolve(configured([a, b], [false, false])));
        for (let i = 0; i < 8; i++) {
            pipeline.add(resource(i));
        }
        const result = await pipeline.finish();
        assert.deepStrictEqual(
            result.diagnostics.map((d) => `${d.pack}:${d.urn}`),
            [
                ...Array.from({ length: 8 }, (_, i) => `a:urn:${i}`),
                ...Array.from({ length: 8 }, (_, i) => `b:urn:${i}`),
            ],
        );
        assert.deepStrictEqual(result.remediations, []);
    });

    it("hands each judged resource on in registration order, then holds it no longer", async () => {
        // Later resources answer first, so they wait for the earlier ones.
        const a = fakePack("a", [], { delay: (i) => 20 - 2 * i });
        const handed: string[] = [];
        const backlogs: number[] = [];
        const pipeline: AnalysisPipeline<AnalyzedResource> = new AnalysisPipeline(
            Promise.resolve(configured([a], [false])),
            (r) => {
                handed.push(r.name);
                backlogs.push(pipeline.backlog);
            },
        );
        for (let i = 0; i < 8; i++) {
            pipeline.add(resource(i));
        }
        assert.strictEqual(pipeline.backlog, 8);
        const result = await pipeline.finish();
        assert.deepStrictEqual(
            handed,
            Array.from({ length: 8 }, (_, i) => `r${i}`),
        );
        // r0 answers last: every other resource is held until then, and each is released as it
        // is handed on.
        assert.deepStrictEqual(backlogs, [7, 6, 5, 4, 3, 2, 1, 0]);
        assert.strictEqual(pipeline.backlog, 0);
        assert.strictEqual(result.count, 8);
    });

    it("surfaces an error of the receiver from finish()", async () => {
        const pipeline = new AnalysisPipeline(
            Promise.resolve(configured([fakePack("a", [])], [false])),
            (r) => {
                if (r.name === "r1") {
                    throw new Error("disk full");
                }
            },
        );
        for (let i = 0; i < 3; i++) {
            pipeline.add(resource(i));
        }
        await assert.rejects(pipeline.finish(), /disk full/);
    });

    it("queues resources added before the packs are ready", async () => {
        const log: string[] = [];
        let ready: (p: ConfiguredPacks) => void = () => undefined;
        const pipeline = new AnalysisPipeline(new Promise<ConfiguredPacks>((r) => (ready = r)));
        pipeline.add(resource(0));
        pipeline.add(resource(1));
        await tick(5);
        assert.deepStrictEqual(log, []);
        ready(configured([fakePack("a", log)], [false]));
        const result = await pipeline.finish();
        assert.strictEqual(result.diagnostics.length, 2);
    });

    it("keeps at most the limit of resources in flight", async () => {
        const a = fakePack("a", [], { delay: () => 3 });
        const pipeline = new AnalysisPipeline(Promise.resolve(configured([a], [false])));
        for (let i = 0; i < inFlightLimit * 3; i++) {
            pipeline.add(resource(i));
        }
        const result = await pipeline.finish();
        assert.strictEqual(result.diagnostics.length, inFlightLimit * 3);
        assert.strictEqual(a.peak, inFlightLimit);
    });

    it("surfaces a pack failure, and a failure to configure the packs, from finish()", async () => {
        const broken = new AnalysisPipeline(
            Promise.resolve(configured([fakePack("a", [], { fail: true })], [false])),
        );
        for (let i = 0; i < 5; i++) {
            broken.add(resource(i));
        }
        await assert.rejects(broken.finish(), /a broke on r3/);
        const unconfigured = new AnalysisPipeline<AnalyzedResource>(
            Promise.reject(new Error("invalid policy pack config")),
        );
        unconfigured.add(resource(0));
        await assert.rejects(unconfigured.finish(), /invalid policy pack config/);
        assert.throws(() => unconfigured.add(resource(1)), /after finish/);
    });
});
