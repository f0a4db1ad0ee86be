import * as path from "path";
import { ResourceError, RunError } from "@pulumi/pulumi";
import { exitCodes, UsageError } from "./errors";
import { findHelm } from "./helm";
import { CheckRun } from "./outputs";
import { CheckOptions, openRun, runCheck } from "./run";
import { checkStackName } from "./stack-config";

export const usage = `usage:
  npm run check -- --stack <name>                 check the program of that stack (default: dev)
  npm run check -- --stack-file <Pulumi.NAME.yaml>  check the program with a stack file kept elsewhere
  npm run check -- --manifests <file|dir>...      check Kubernetes YAML or JSON, read as kubectl reads it
       [--policy-config FILE]                     pack config, same JSON as pulumi's --policy-pack-config
       [--policy-config-dir DIR]                  one <pack>.json per pack (default stacks/policy-config/<stack>/)
       [--pod-security-level baseline|restricted] level for the pod-security policies
       [--pack-host check|pulumi]                 serve packs with the check's fast host (default) or the SDK's
       [--helm PATH]                              helm that renders local charts (default: $HELM_BINARY, then tools/go/build.sh's pinned helm, then PATH)
       [--out DIR]                                where <stack>/ or manifests/ is written (default out/)
  a stack name is 1 to 100 letters, digits, '-', '_' or '.', not starting with '.'
exit codes (report.json "status" says the same):
  0  passed: no mandatory violation and no schema error
  1  failed: a mandatory violation or a schema error (report.json lists each)
  2  invalid input: a flag, stack file, setting, pack config or manifest the message names; nothing judged
  3  internal error: a bug in the check or the program, not in the input (stack trace on stderr)
  any other (e.g. 134 when out of memory): the run did not finish; report.json says "incomplete"`;

/** Thrown by {@link parseArgs} for --help: the usage is printed and the check exits 0. */
export class HelpRequested extends Error {
    constructor() {
        super(usage);
        this.name = "HelpRequested";
    }
}

/** Parses the command line into check options; throws UsageError naming the flag. */
export function parseArgs(argv: readonly string[], projectDir: string): CheckOptions {
    let stack: string | undefined;
    let stackFile: string | undefined;
    let manifests: string[] | undefined;
    let policyConfig: string | undefined;
    let policyConfigDir: string | undefined;
    let packHost: "check" | "pulumi" | undefined;
    let podSecurityLevel: "baseline" | "restricted" | undefined;
    let helm: string | undefined;
    let outDir = path.join(projectDir, "out");
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = (): string => {
            const v = argv[i + 1];
            if (v === undefined || v.startsWith("--")) {
                throw new UsageError(`${arg}: a value is required`);
            }
            i++;
            return v;
        };
        switch (arg) {
            case "--stack":
                if (stack !== undefined) {
                    throw new UsageError(
                        stackFile !== undefined
                            ? "--stack and --stack-file: use one or the other"
                            : "--stack: given twice",
                    );
                }
                stack = value();
                checkStackName(stack, "--stack");
                break;
            case "--stack-file": {
                if (stack !== undefined) {
                    throw new UsageError(
                        stackFile === undefined
                            ? "--stack and --stack-file: use one or the other"
                            : "--stack-file: given twice",
                    );
                }
                stackFile = path.resolve(value());
                const m = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(stackFile));
                if (m === null) {
                    throw new UsageError(
                        `--stack-file: "${stackFile}" must be named Pulumi.<stack>.yaml`,
                    );
                }
                stack = m[1];
                checkStackName(stack, "--stack-file", stackFile);
                break;
            }
            case "--manifests": {
                manifests = [];
                while (argv[i + 1] !== undefined && !argv[i + 1].startsWith("--")) {
                    manifests.push(argv[++i]);
                }
                if (manifests.length === 0) {
                    throw new UsageError("--manifests: at least one file or directory is required");
                }
                break;
            }
            case "--policy-config":
                policyConfig = path.resolve(value());
                break;
            case "--pack-host": {
                const v = value();
                if (v !== "check" && v !== "pulumi") {
                    throw new UsageError(
                        `--pack-host: "${v}" is not a host; expected check or pulumi`,
                    );
                }
                packHost = v;
                break;
            }
            case "--policy-config-dir":
                policyConfigDir = path.resolve(value());
                break;
            case "--pod-security-level": {
                const v = value();
                if (v !== "baseline" && v !== "restricted") {
                    throw new UsageError(
                        `--pod-security-level: "${v}" is not a level; expected baseline or restricted`,
                    );
                }
                podSecurityLevel = v;
                break;
            }
            case "--helm":
                helm = path.resolve(value());
                break;
            case "--out":
                outDir = path.resolve(value());
                break;
            case "--help":
            case "-h":
                throw new HelpRequested();
            default:
                throw new UsageError(`unknown argument "${arg}"\n${usage}`);
        }
    }
    if (stack !== undefined && manifests !== undefined) {
        throw new UsageError("--stack and --manifests: use one or the other");
    }
    if (policyConfig !== undefined && policyConfigDir !== undefined) {
        throw new UsageError("--policy-config and --policy-config-dir: use one or the other");
    }
    if (stack === undefined && manifests === undefined) {
        stack = "dev";
    }
    return {
        projectDir,
        outDir,
        ...(stack !== undefined ? { stack } : {}),
        ...(stackFile !== undefined ? { stackFile } : {}),
        ...(manifests !== undefined ? { manifests } : {}),
        ...(policyConfig !== undefined ? { policyConfig } : {}),
        ...(policyConfigDir !== undefined ? { policyConfigDir } : {}),
        ...(packHost !== undefined ? { packHost } : {}),
        ...(podSecurityLevel !== undefined ? { podSecurityLevel } : {}),
        ...(helm !== undefined ? { helm } : {}),
    };
}

/**
 * An error the user can fix, reported as its message (exit 2): a bad flag, file, setting or pack
 * config, or an invalid combination of settings a component refuses with `pulumi.ResourceError`
 * (CONTRIBUTING.md; `pulumi up` shows it without a stack trace too) or `pulumi.RunError`.
 */
function isUserError(e: unknown): e is Error {
    return (
        e instanceof UsageError ||
        (e as Error | undefined)?.name === "SettingsError" ||
        ResourceError.isInstance(e) ||
        RunError.isInstance(e)
    );
}

/** The run under way, once its output folder is open: an error ends it with an error report. */
let current: CheckRun | undefined;

async function main(): Promise<number> {
    const projectDir = path.resolve(__dirname, "..", "..");
    let opts: CheckOptions;
    try {
        opts = parseArgs(process.argv.slice(2), projectDir);
        // Writes nothing when the output folder cannot be the run's (exit 2).
        current = openRun(opts);
    } catch (e) {
        if (e instanceof HelpRequested) {
            console.log(usage);
            return exitCodes.passed;
        }
        return endWithError(e);
    }
    try {
        // A bad --helm or HELM_BINARY is reported before the program runs (the run asks again).
        findHelm(opts.helm);
        const { code, report } = await runCheck(opts, current);
        const where = path.join(
            path.relative(process.cwd(), opts.outDir) || ".",
            opts.stack ?? "manifests",
        );
        const s = report.summary;
        console.log(
            `${report.passed ? "PASSED" : "FAILED"}: ${report.resources} resources, ` +
                `${s.mandatory} mandatory, ${s.advisory} advisory, ${s.schemaErrors} schema errors ` +
                `(report: ${where}/report.md)`,
        );
        for (const v of report.violations) {
            const file = v.resource.file !== undefined ? ` [${v.resource.file}]` : "";
            console.log(
                `  ${v.enforcementLevel} ${v.pack}/${v.policy}: ${v.resource.type} ${v.resource.name}${file}: ${v.message}`,
            );
        }
        return code;
    } catch (e) {
        return endWithError(e);
    }
}

/**
 * Prints an error and returns the exit code: 2 and the message only for an error the user can fix,
 * 3 and the stack for anything else. A run whose output folder is open gets an error report there
 * (status "error", the exit code and the message), replacing its "incomplete" one.
 */
function endWithError(e: unknown): number {
    const user = isUserError(e);
    const code = user ? exitCodes.invalidInput : exitCodes.internalError;
    const message = e instanceof Error ? e.message : String(e);
    console.error(user ? message : e instanceof Error ? (e.stack ?? message) : message);
    const run = current;
    current = undefined;
    if (run !== undefined) {
        try {
            run.fail(
                code,
                user
                    ? message
                    : `internal error (a bug in the check or the program, not in the input): ${message}`,
            );
        } catch (writeError) {
            console.error(
                `the error report could not be written to ${run.folder.dir}: ${(writeError as Error).message}`,
            );
        }
    }
    return code;
}

/**
 * An error that escapes as an unhandled rejection (the Pulumi runtime rejects several promises for
 * one program error) ends the check the same way as one `main` catches.
 */
function exitOnEscapedError(e: unknown): void {
    process.exit(endWithError(e));
}

if (require.main === module) {
    // ts-node installs source-map-support, which maps every captured stack trace back to the
    // TypeScript source. The Pulumi SDK captures a stack for each promise and resource it creates,
    // so with thousands of resources that mapping dominated the program phase. The check's own
    // messages never show stacks to users, so V8's plain formatter is used instead.
    delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    process.on("unhandledRejection", exitOnEscapedError);
    process.on("uncaughtException", exitOnEscapedError);
    main().then((code) => process.exit(code), exitOnEscapedError);
}
