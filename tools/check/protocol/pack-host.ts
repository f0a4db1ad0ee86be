// The check's policy-pack host: loads a pack's real entry point (`index.ts`, which constructs
// `new PolicyPack` and so starts the analyzer gRPC server and prints its port) the way the Pulumi
// SDK's `run-policy-pack` host does, with differences that only affect speed: TypeScript is
// transpiled without type checking, through the project's cached transpiler (the host is started
// with `-r tools/ts-register.js`; CI type-checks the packs with `npm run typecheck`), stack
// traces are formatted without source maps (policies throw an error for every "not applicable"
// answer, and mapping each stack back to TypeScript dominated the pack's time on large stacks),
// and a resource's properties are decoded once per request, straight to JavaScript, instead of
// once per policy through google-protobuf's message objects (pack-decode.ts).
// `--pack-host pulumi` uses the SDK's own host instead. The check starts it by its path,
// `packHostScript` of this folder's index.
//
// usage: node -r tools/ts-register.js pack-host.ts <engine-address> <pack-directory>
import * as path from "path";

const packDir = process.argv[3];
if (packDir === undefined) {
    console.error("usage: pack-host <engine-address> <pack-directory>");
    process.exit(1);
}
process.chdir(path.resolve(packDir));
// A pack host lives only as long as the check that started it: when the check is killed (out of
// memory, SIGKILL, a CI timeout) nothing else would stop the host, which would keep its port and
// memory forever. The parent is polled, since a killed parent sends nothing.
const parentPid = process.ppid;
setInterval(() => {
    if (process.ppid !== parentPid) {
        process.exit(1);
    }
}, 500).unref();
// For performance work: CHECK_PACK_CPU_PROFILE=<dir> writes a CPU profile of each pack there when
// the check stops it (see docs/performance.md).
const profileDir = process.env.CHECK_PACK_CPU_PROFILE;
if (profileDir !== undefined && profileDir !== "") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const inspector = require("inspector") as typeof import("inspector");
    const session = new inspector.Session();
    session.connect();
    session.post("Profiler.enable", () => session.post("Profiler.start"));
    process.on("SIGTERM", () => {
        session.post("Profiler.stop", (err, result) => {
            if (err === null) {
                const file = path.join(profileDir, `${path.basename(process.cwd())}.cpuprofile`);
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                (require("fs") as typeof import("fs")).writeFileSync(
                    file,
                    JSON.stringify(result.profile),
                );
            }
            process.exit(0);
        });
    });
}
delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
// CHECK_CODEC=google-protobuf leaves every request to the generated code (codec.ts).
// eslint-disable-next-line @typescript-eslint/no-require-imports
if ((require("./codec") as typeof import("./codec")).codec() === "check") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("./pack-decode") as typeof import("./pack-decode")).decodePropertiesOnce(
        process.cwd(),
    );
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(process.cwd());
