// The check's policy-pack host: loads a pack's real entry point (`index.ts`, which constructs
// `new PolicyPack` and so starts the analyzer gRPC server and prints its port) the way the Pulumi
// SDK's `run-policy-pack` host does, with two differences that only affect speed: TypeScript is
// transpiled without type checking (CI type-checks the packs with `npm run typecheck`), and stack
// traces are formatted without source maps (policies throw an error for every "not applicable"
// answer, and mapping each stack back to TypeScript dominated the pack's time on large stacks).
// `--pack-host pulumi` uses the SDK's own host instead.
//
// usage: node pack-host.js <engine-address> <pack-directory>
import * as path from "path";

const packDir = process.argv[3];
if (packDir === undefined) {
    console.error("usage: pack-host <engine-address> <pack-directory>");
    process.exit(1);
}
process.chdir(path.resolve(packDir));
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("ts-node").register({
    transpileOnly: true,
    compilerOptions: { module: "commonjs", target: "ES2022", sourceMap: false },
});
delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(process.cwd());
