// The Pulumi SDK's own cost per resource under the check's in-process engine: a program that only
// declares `count` small ConfigMaps (no components, no policies, no schema). Whatever the check
// does, its program phase cannot be cheaper than this. Prints one JSON line.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { disconnect, installMonitor, MockMonitor } from "../tools/check/engine";

async function main(): Promise<void> {
    const count = Number(process.argv[2] ?? "16000");
    if (!Number.isInteger(count) || count <= 0) {
        throw new Error(`resource count "${process.argv[2]}": expected a positive integer`);
    }
    const monitor = new MockMonitor({
        newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
        call: (args) => args.inputs,
    });
    installMonitor(monitor, "sdk-floor", "bench");
    const started = performance.now();
    await pulumi.runtime.runInPulumiStack(async () => {
        for (let i = 0; i < count; i++) {
            new k8s.core.v1.ConfigMap(`cm-${i}`, {
                metadata: { name: `cm-${i}`, namespace: "bench", labels: { app: "bench" } },
                data: { key: "value" },
            });
        }
        return {};
    });
    await disconnect();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage();
    console.log(
        JSON.stringify({
            resources: count,
            seconds: Math.round(seconds * 1000) / 1000,
            cpuSeconds: Math.round((cpu.user + cpu.system) / 1000) / 1000,
            msPerResource: Math.round((seconds * 1e6) / count) / 1000,
        }),
    );
}

main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
});
