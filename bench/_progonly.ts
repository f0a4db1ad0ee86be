import * as v8 from "v8";
if (process.env.SEMI) v8.setFlagsFromString(`--max-semi-space-size=${process.env.SEMI}`);
import { runProgram } from "../tools/check/program";
import { readStackConfig } from "../tools/check/stack-config";
async function main() {
  const config = readStackConfig("/work/main", "bench", process.argv[2]);
  const t0 = performance.now();
  const run = await runProgram("/work/main", "sovereign-contour", "bench", config, () => undefined);
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ resources: run.resources.length, seconds: (performance.now()-t0)/1000, cpu: (cpu.user+cpu.system)/1e6, rssMb: process.memoryUsage().rss/1e6 }));
}
main();
