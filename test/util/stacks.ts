/**
 * The stacks and policy packs of the project, found the way CI finds them (ci/, .ci/run): every
 * `Pulumi.<stack>.yaml` in the project root and every folder of `policypacks/` with a
 * `PulumiPolicy.yaml`. Tests that hold "every stack" to a rule iterate these instead of a list
 * of names, so a new environment is covered the moment its stack file exists.
 */
import * as fs from "fs";
import * as path from "path";
import { stackNamePattern } from "../../tools/check/stack-config";

/** The project root. */
export const projectDir = path.resolve(__dirname, "..", "..");

/**
 * The stack-name rule, stated as the check states it (tools/check/stack-config.ts): a stack name
 * becomes a path (out/<stack>/, stacks/policy-config/<stack>/), so `.` and `..` are never one.
 */
export { stackNamePattern };
export const stackNameRule =
    "expected 1 to 100 letters, digits, '-', '_' or '.', not starting with '.'";

/**
 * The stacks of `dir` (default: the project), sorted: one per `Pulumi.<stack>.yaml`. Throws,
 * naming the file, when a stack file's name is not a valid stack name, and when there is none.
 */
export function committedStacks(dir: string = projectDir): string[] {
    const stacks: string[] = [];
    for (const file of fs.readdirSync(dir).sort()) {
        const m = /^Pulumi\.(.*)\.yaml$/.exec(file);
        if (m === null) {
            continue;
        }
        if (!stackNamePattern.test(m[1])) {
            throw new Error(`${file}: "${m[1]}" is not a valid stack name; ${stackNameRule}`);
        }
        stacks.push(m[1]);
    }
    if (stacks.length === 0) {
        throw new Error(`${dir}: no Pulumi.<stack>.yaml stack file`);
    }
    return stacks;
}

/** The policy packs of the project, sorted: every folder of `policypacks/` with a `PulumiPolicy.yaml`. */
export function policyPacks(dir: string = projectDir): string[] {
    const root = path.join(dir, "policypacks");
    return fs
        .readdirSync(root)
        .filter((d) => fs.existsSync(path.join(root, d, "PulumiPolicy.yaml")))
        .sort();
}

/** `stacks/policy-config/<stack>/<pack>.json`, relative to the project. */
export function packConfigPath(stack: string, pack: string): string {
    return path.posix.join("stacks", "policy-config", stack, `${pack}.json`);
}
