/**
 * The check's engine answers registrations itself (`answerRegistration` in tools/check/engine.ts)
 * instead of through the SDK's `MockMonitor.registerResource`, to skip two google-protobuf
 * conversions. What the mocks receive, what the monitor keeps and what the program reads back
 * must be exactly what the SDK's mock monitor gives.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import {
    answerRegistration,
    installMonitor,
    MockMonitor,
    MockMonitorLike,
    RegisterRequest,
} from "../../tools/check/engine";
import { WireObject } from "../../tools/check/protocol";

const secretSig = "4dabf18193072939515e22adb298388d";
const secretValue = "1b47061264138c4ac30d75fd1eb44270";

/** What a registration's answer looks like to the program, and what the monitor kept. */
interface Answer {
    error?: string;
    urn?: string;
    id?: string;
    object?: unknown;
    kept?: unknown;
    mockSaw?: unknown;
}

/** A monitor whose mocks echo the inputs the way the check's stand-ins do, recording them. */
function monitorWith(
    state: (inputs: Record<string, unknown>) => Record<string, unknown>,
): MockMonitorLike & { saw: unknown[] } {
    const saw: unknown[] = [];
    const monitor = new MockMonitor({
        newResource: (args) => {
            saw.push(args.inputs);
            return { id: `${args.name}-id`, state: state(args.inputs as Record<string, unknown>) };
        },
        call: (args) => args.inputs as Record<string, unknown>,
    });
    return Object.assign(monitor, { saw });
}

async function answer(
    via: "sdk" | "check",
    req: resproto.RegisterResourceRequest,
    state: (inputs: Record<string, unknown>) => Record<string, unknown>,
): Promise<Answer> {
    const monitor = monitorWith(state);
    installMonitor(monitor, "engine-test", "test");
    const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
    const res = await new Promise<{ err: unknown; res: unknown }>((resolve) => {
        const callback = (err: unknown, r: unknown): void => resolve({ err, res: r });
        if (via === "sdk") {
            void monitor.registerResource(req as unknown as RegisterRequest, callback);
        } else {
            const inputs = (req.getObject()?.toJavaScript() ?? {}) as WireObject;
            void answerRegistration(
                monitor,
                req as unknown as RegisterRequest,
                urn,
                inputs,
                callback,
            );
        }
    });
    if (res.err !== null && res.err !== undefined) {
        return { error: (res.err as Error).message };
    }
    const r = res.res as resproto.RegisterResourceResponse;
    return {
        urn: r.getUrn(),
        id: r.getId(),
        object: r.getObject()?.toJavaScript(),
        kept: monitor.resources.get(urn),
        mockSaw: monitor.saw,
    };
}

function request(type: string, name: string, object: Record<string, unknown>) {
    const req = new resproto.RegisterResourceRequest();
    req.setType(type);
    req.setName(name);
    req.setParent("");
    req.setCustom(true);
    req.setObject(Struct.fromJavaScript(object as never));
    return req;
}

/** Equal, with keys in the same order at every level. */
function assertSameAnswer(actual: Answer, expected: Answer): void {
    assert.deepStrictEqual(actual, expected);
    assert.strictEqual(JSON.stringify(actual), JSON.stringify(expected), "key order");
}

describe("check: the in-process engine answers registrations as the SDK's mock monitor does", () => {
    const inputs = {
        metadata: { name: "web", namespace: "tenant-a", labels: { z: "1", a: "2", "10": "n" } },
        spec: { replicas: 2, selector: {}, list: [1, "two", true, null, { b: 1, a: 2 }] },
        data: { [secretSig]: secretValue, value: { password: "s3cret" } },
        kind: "Deployment",
        apiVersion: "apps/v1",
    };
    const cases: [string, (i: Record<string, unknown>) => Record<string, unknown>][] = [
        ["state echoes the inputs", (i) => ({ ...i })],
        ["state adds outputs", (i) => ({ ...i, status: { ready: true }, hex: "ab", n: 1.5 })],
        ["state drops a property", ({ spec: _spec, ...rest }) => rest],
        ["state holds an Output and a secret", (i) => ({ ...i, later: pulumi.secret("x") })],
    ];
    for (const [label, state] of cases) {
        it(label, async () => {
            const req = request("kubernetes:apps/v1:Deployment", "web", inputs);
            const sdk = await answer("sdk", req, state);
            const ours = await answer("check", req, state);
            assert.ok(sdk.error === undefined, sdk.error);
            assertSameAnswer(ours, sdk);
        });
    }

    it("reports a failing mock the same way", async () => {
        const req = request("kubernetes:core/v1:ConfigMap", "bad", { a: 1 });
        const failing = (): Record<string, unknown> => {
            throw new Error("stand-in refused");
        };
        const sdk = await answer("sdk", req, failing);
        const ours = await answer("check", req, failing);
        assert.strictEqual(sdk.error, "stand-in refused");
        assert.deepStrictEqual(ours, sdk);
    });

    it("numbers google-protobuf treats specially (NaN, -0) and exotic values read the same", async () => {
        // serializeProperties turns symbols, functions, bigints, Maps and Dates into {} or
        // drops them; NaN and -0 reach the Struct, and struct.ts leaves them to google-protobuf.
        const req = request("kubernetes:core/v1:ConfigMap", "odd", { a: 1 });
        const odd = (i: Record<string, unknown>): Record<string, unknown> => ({
            ...i,
            nan: NaN,
            negativeZero: -0,
            symbol: Symbol("s"),
            date: new Date(0),
            big: BigInt(1),
        });
        const sdk = await answer("sdk", req, odd);
        const ours = await answer("check", req, odd);
        assert.deepStrictEqual(ours, sdk);
        const object = ours.object as Record<string, unknown>;
        assert.ok(Number.isNaN(object.nan));
        assert.strictEqual(
            Object.is(object.negativeZero, -0),
            Object.is((sdk.object as Record<string, unknown>).negativeZero, -0),
        );
    });
});
