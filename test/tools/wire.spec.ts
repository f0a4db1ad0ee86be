/**
 * tools/check/protocol/struct.ts encodes and decodes google.protobuf.Struct without
 * google-protobuf's message objects. Whatever it returns must be exactly what google-protobuf
 * returns: the same bytes, the same values with keys in the same order, the same numbers (to the
 * sign of zero), and the same errors. These tests compare both on generated values (seeded, so a
 * failure reproduces), on hand-picked edge cases, on non-canonical encodings, and on real
 * Kubernetes objects (the upstream Pod Security corpus and the project's own test charts).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { parseAllDocuments } from "yaml";
import {
    decodeStruct,
    delegated,
    encodeStruct,
    structRoundTrip,
} from "../../tools/check/protocol/struct";
import { prng } from "../util/prng";

/** Deep equality that also compares key order and tells -0 from 0. */
function assertSameValue(actual: unknown, expected: unknown, where = "$"): void {
    if (typeof expected === "number") {
        assert.ok(
            typeof actual === "number" && Object.is(actual, expected),
            `${where}: ${String(actual)} !== ${String(expected)}`,
        );
        return;
    }
    if (Array.isArray(expected)) {
        assert.ok(Array.isArray(actual), `${where}: not an array`);
        assert.strictEqual(actual.length, expected.length, `${where}: length`);
        expected.forEach((e, i) => assertSameValue(actual[i], e, `${where}[${i}]`));
        return;
    }
    if (typeof expected === "object" && expected !== null) {
        assert.ok(
            typeof actual === "object" && actual !== null && !Array.isArray(actual),
            `${where}: not an object`,
        );
        assert.strictEqual(
            Object.getPrototypeOf(actual),
            Object.getPrototypeOf(expected),
            `${where}: prototype`,
        );
        assert.deepStrictEqual(Object.keys(actual), Object.keys(expected), `${where}: keys`);
        for (const k of Object.keys(expected)) {
            assertSameValue(
                (actual as Record<string, unknown>)[k],
                (expected as Record<string, unknown>)[k],
                `${where}.${k}`,
            );
        }
        return;
    }
    assert.strictEqual(actual, expected, where);
}

/** Runs `f`, returning its value or the message of what it threw. */
function outcome<T>(f: () => T): { value: T } | { error: string } {
    try {
        return { value: f() };
    } catch (e) {
        return { error: (e as Error).message };
    }
}

/** Asserts every struct.ts function agrees with google-protobuf on `input`. */
function assertAgrees(input: object, label: string): void {
    const expectedBytes = outcome(() => Struct.fromJavaScript(input as never).serializeBinary());
    const actualBytes = outcome(() => encodeStruct(input));
    if ("error" in expectedBytes) {
        assert.deepStrictEqual(actualBytes, expectedBytes, `${label}: encode error`);
        assert.deepStrictEqual(
            outcome(() => structRoundTrip(input)),
            expectedBytes,
            `${label}: round-trip error`,
        );
        return;
    }
    assert.ok("value" in actualBytes, `${label}: encode threw ${JSON.stringify(actualBytes)}`);
    assert.ok(
        Buffer.from(actualBytes.value).equals(Buffer.from(expectedBytes.value)),
        `${label}: encoded bytes differ`,
    );
    assertSameValue(
        decodeStruct(expectedBytes.value),
        Struct.deserializeBinary(expectedBytes.value).toJavaScript(),
        `${label} (decode)`,
    );
    assertSameValue(
        structRoundTrip(input),
        Struct.fromJavaScript(input as never).toJavaScript(),
        `${label} (round trip)`,
    );
}

const keyPool = [
    "",
    "a",
    "b",
    "B",
    "apiVersion",
    "metadata",
    "10",
    "2",
    "01",
    "-1",
    "é",
    "日本",
    "😀",
    "a.b/c",
    "__proto__x",
    "__proto__",
    "4dabf18193072939515e22adb298388d",
];
const stringPool = [
    "",
    "x",
    "nginx:1.27@sha256:" + "ab".repeat(32),
    "ünïcödé",
    "emoji 😀 pair",
    "lone \uD800 high",
    "lone \uDC00 low",
    "nul \u0000 byte",
    "a".repeat(127),
    "b".repeat(128),
    "c".repeat(16384),
    "__proto__",
    "1b47061264138c4ac30d75fd1eb44270",
];
const numberPool = [
    0,
    -0,
    1,
    -1,
    127,
    2 ** 31,
    2 ** 53 + 2,
    1.5,
    -2.25,
    1e300,
    5e-324,
    Number.MAX_VALUE,
    NaN,
    Infinity,
    -Infinity,
];

function randomValue(next: () => number, depth: number): unknown {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
    const r = next();
    if (depth > 4 || r < 0.45) {
        const s = next();
        if (s < 0.4) {
            return pick(stringPool);
        }
        if (s < 0.7) {
            return pick(numberPool);
        }
        if (s < 0.85) {
            return next() < 0.5;
        }
        return null;
    }
    if (r < 0.7) {
        return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth + 1));
    }
    return randomObject(next, depth + 1);
}

function randomObject(next: () => number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const n = Math.floor(next() * 7);
    for (let i = 0; i < n; i++) {
        out[keyPool[Math.floor(next() * keyPool.length)]] = randomValue(next, depth);
    }
    return out;
}

/** The bytes of a Struct field list written by hand (for non-canonical encodings). */
function entry(key: string, valueBody: Buffer): Buffer {
    const keyBytes = Buffer.from(key, "utf8");
    const body = Buffer.concat([
        Buffer.from([0x0a, keyBytes.length]),
        keyBytes,
        Buffer.from([0x12, valueBody.length]),
        valueBody,
    ]);
    return Buffer.concat([Buffer.from([0x0a, body.length]), body]);
}
const str = (s: string): Buffer =>
    Buffer.concat([Buffer.from([0x1a, Buffer.byteLength(s)]), Buffer.from(s)]);

describe("wire: google.protobuf.Struct without google-protobuf messages", () => {
    it("agrees with google-protobuf on 1,000 generated values", () => {
        for (let seed = 1; seed <= 1000; seed++) {
            assertAgrees(randomObject(prng(seed), 0), `seed ${seed}`);
        }
    });

    it("agrees on edge cases: empty, sign of zero, non-finite numbers, surrogates, long strings", () => {
        const before = { ...delegated };
        assertAgrees({ z: -0 }, "negative zero");
        assert.strictEqual(delegated.encode, before.encode + 1, "-0 is left to google-protobuf");
        const cases: Record<string, unknown>[] = [
            {},
            { "": "" },
            { a: "" },
            { a: false, b: 0, c: null, d: [], e: {} },
            { z: -0 },
            { n: NaN },
            { i: Infinity, j: -Infinity },
            { s: "\uD83D" },
            { "\uDFFF": 1 },
            { long: "x".repeat(300000) },
            { deep: JSON.parse("[".repeat(60) + "1" + "]".repeat(60)) as unknown },
            { "2": 1, "10": 2, "1": 3, b: 4, a: 5 },
            JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>,
            Object.assign(Object.create({ inherited: "yes" }) as object, { own: 1 }),
        ];
        cases.forEach((c, i) => assertAgrees(c, `case ${i}`));
    });

    it("fails the way google-protobuf fails on values a Struct cannot hold", () => {
        const bad: Record<string, unknown>[] = [
            { u: undefined },
            { f: () => 1 },
            { nested: { deeper: [1, undefined] } },
            { big: BigInt(1) },
            { sym: Symbol("s") },
        ];
        for (const b of bad) {
            assert.deepStrictEqual(
                outcome(() => encodeStruct(b)),
                outcome(() => Struct.fromJavaScript(b as never).serializeBinary()),
            );
            assert.deepStrictEqual(
                outcome(() => structRoundTrip(b)),
                outcome(() => Struct.fromJavaScript(b as never).toJavaScript()),
            );
            assert.ok("error" in outcome(() => encodeStruct(b)));
        }
    });

    it("decodes non-canonical encodings as google-protobuf does", () => {
        const nonCanonical: Buffer[] = [
            // keys out of order, and a repeated key (the last one wins)
            Buffer.concat([entry("b", str("1")), entry("a", str("2"))]),
            Buffer.concat([entry("a", str("1")), entry("a", str("2"))]),
            // two members of the Value oneof: the last one wins
            entry("a", Buffer.concat([str("x"), Buffer.from([0x20, 0x01])])),
            // an unknown field in the Struct and in a Value
            Buffer.concat([Buffer.from([0x18, 0x05]), entry("a", str("1"))]),
            entry("a", Buffer.concat([Buffer.from([0x38, 0x01]), str("y")])),
            // invalid UTF-8 in a string
            entry("a", Buffer.from([0x1a, 0x02, 0xc3, 0x28])),
            // a multi-byte varint for a boolean, and a non-zero null enum
            entry("a", Buffer.from([0x20, 0x82, 0x00])),
            entry("a", Buffer.from([0x08, 0x03])),
        ];
        nonCanonical.forEach((bytes, i) => {
            assertSameValue(
                decodeStruct(bytes),
                Struct.deserializeBinary(bytes).toJavaScript(),
                `non-canonical ${i}`,
            );
        });
        // A map entry without a value: google-protobuf's toJavaScript throws, and so does decode.
        const noValue = Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x61]);
        assert.deepStrictEqual(
            outcome(() => decodeStruct(noValue)),
            outcome(() => Struct.deserializeBinary(noValue).toJavaScript()),
        );
        assert.ok("error" in outcome(() => decodeStruct(noValue)));
    });

    it("agrees on real Kubernetes objects: the Pod Security corpus and the test charts", () => {
        const roots = [
            process.env.POD_SECURITY_CORPUS ??
                path.resolve(__dirname, "../../../shared/conformance/pod-security"),
            path.resolve(__dirname, "../fixtures"),
        ];
        let count = 0;
        const walk = (dir: string): void => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) {
                    // Hostile input kept for the reader's own tests (alias bombs, YAML 1.1).
                    if (!["bad-input", "kubectl-yaml"].includes(e.name)) {
                        walk(p);
                    }
                } else if (
                    /\.ya?ml$/.test(e.name) &&
                    !p.includes(`${path.sep}templates${path.sep}`)
                ) {
                    for (const doc of parseAllDocuments(fs.readFileSync(p, "utf8"))) {
                        const value = doc.toJS() as unknown;
                        if (typeof value === "object" && value !== null && !Array.isArray(value)) {
                            assertAgrees(value, p);
                            count++;
                        }
                    }
                }
            }
        };
        const before = { ...delegated };
        roots.filter((r) => fs.existsSync(r)).forEach(walk);
        assert.ok(count > 150, `only ${count} objects compared`);
        // Ordinary Kubernetes objects take the fast paths: nothing was left to google-protobuf.
        assert.deepStrictEqual(delegated, before);
    });
});
