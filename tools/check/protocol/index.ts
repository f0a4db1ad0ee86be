/**
 * The check's hand-written protocol-buffer code, in one place, and what the rest of the check
 * uses of it (the rest of tools/check imports only this file):
 *
 * - `fields.ts`: the one table of the field numbers and wire types the code below writes or reads;
 * - `struct.ts`: `google.protobuf.Struct` encoded, decoded and round-tripped without
 *   google-protobuf's message objects, exactly as google-protobuf does it;
 * - `requests.ts`: the Analyze and AnalyzeStack requests, encoded once for every pack;
 * - `answers.ts`: the object of the in-process engine's answer to a registration;
 * - `pack-decode.ts` and `pack-host.ts`: the check's pack host, which decodes each resource's
 *   properties once;
 * - `codec.ts`: `CHECK_CODEC`, which replaces all of the above by google-protobuf's generated
 *   code for the comparison in docs/performance.md.
 *
 * docs/performance.md gives what each piece saves on a 1,000-tenant stack.
 */
import * as path from "path";

export { registrationObject } from "./answers";
export type { Codec } from "./codec";
export { codec, codecVariable } from "./codec";
export type { AnalyzedResource } from "./requests";
export {
    analyzeStackEntry,
    AnalyzeStackRequestBuilder,
    encodedAnalyzeRequest,
    encodedAnalyzeStackRequest,
} from "./requests";
export type { WireObject, WireValue } from "./struct";

/**
 * The check's pack host (run with `node -r tools/ts-register.js <this> <engine> <pack-dir>`);
 * never imported, only started.
 */
export const packHostScript = path.join(__dirname, "pack-host.ts");
