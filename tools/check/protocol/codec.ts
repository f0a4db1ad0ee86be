/**
 * Which protocol-buffer code the check uses, for the comparison in docs/performance.md: `check`
 * (default) is the hand-written code of this folder (the Struct encoder and decoder in
 * `struct.ts`, the requests' properties spliced in by `requests.ts`, the engine's direct answer in
 * `answers.ts`, the pack host's decoding in `pack-decode.ts`); `google-protobuf` makes each of
 * those places use the generated classes and google-protobuf, as the Pulumi SDKs do. Chosen with
 * the environment variable `CHECK_CODEC`, which the pack processes inherit; both give the same
 * bytes and values (test/tools/wire.spec.ts, analyzer-encoding.spec.ts, engine.spec.ts,
 * pack-decode.spec.ts), only the cost differs.
 */
export type Codec = "check" | "google-protobuf";

/** The environment variable that chooses the codec. */
export const codecVariable = "CHECK_CODEC";

/** The codec this process uses; an unknown value is an error naming the variable. */
export function codec(env: NodeJS.ProcessEnv = process.env): Codec {
    const value = env[codecVariable];
    if (value === undefined || value === "" || value === "check") {
        return "check";
    }
    if (value === "google-protobuf") {
        return value;
    }
    throw new Error(
        `${codecVariable}="${value}" is not a codec; expected check or google-protobuf`,
    );
}
