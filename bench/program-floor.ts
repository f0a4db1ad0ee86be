// The platform's own program under the check's in-process engine, with nothing else: no policy
// packs, no schema, no files. The check cannot finish before its program has run, so this is the
// floor of the whole check for a stack. Prints one JSON line.
//
// usage: program-floor.ts <stack-file>
import * as path from "path";
import { runProgram } from "../tools/check/program";
import { readStackConfig } from "../tools/check/stack-config";

async function main(): Promise<void> {
    const stackFile = process.argv[2];
    if (stackFile === undefined) {
        throw new Error("usage: program-floor <stack-file>");
    }
    const root = path.resolve(__dirname, "..");
    const stack = path.basename(stackFile).replace(/^Pulumi\.(.*)\.yaml$/, "$1");
    const config = readStackConfig(root, stack, stackFile);
    const started = performance.now();
    const run = await runProgram(root, "sovereign-contour", stack, config);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage();
    console.log(
        JSON.stringify({
            stack,
            resources: run.resources.length,
            seconds: Math.round(seconds * 1000) / 1000,
            cpuSeconds: Math.round((cpu.user + cpu.system) / 1000) / 1000,
            msPerResource: Math.round((seconds * 1e6) / run.resources.length) / 1000,
        }),
    );
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
