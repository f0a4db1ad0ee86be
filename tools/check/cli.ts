import * as path from "path";
import { UsageError } from "./errors";
import { findHelm } from "./helm";
import { CheckOptions, runCheck } from "./run";

const usage = `usage:
  npm run check -- --stack <name>                 check the program of that stack (default: dev)
  npm run check -- --stack-file <Pulumi.NAME.yaml>  check the program with a stack file kept elsewhere
  npm run check -- --manifests <file|dir>...      check plain Kubernetes YAML with the same packs
       [--policy-config FILE]                     pack config, same JSON as pulumi's --policy-pack-config
       [--policy-config-dir DIR]                  one <pack>.json per pack (default stacks/policy-config/<stack>/)
       [--pod-security-level baseline|restricted] level for the pod-security policies
       [--pack-host check|pulumi]                 serve packs with the check's fast host (default) or the SDK's
       [--helm PATH]                              helm binary that renders local charts (default: $HELM_BINARY, then helm on PATH)
exit codes: 0 no mandatory violation or schema error; 1 violations; 2 invalid settings or usage`;

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
                stack = value();
                break;
            case "--stack-file": {
                stackFile = path.resolve(value());
                const m = /^Pulumi\.(.+)\.yaml$/.exec(path.basename(stackFile));
                if (m === null) {
                    throw new UsageError(
                        `--stack-file: "${stackFile}" must be named Pulumi.<stack>.yaml`,
                    );
                }
                stack = m[1];
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
                throw new UsageError(usage);
            default:
                throw new UsageError(`unknown argument "${arg}"\n${usage}`);
        }
    }
    if (stack !== undefined && manifests !== undefined) {
        throw new UsageError("--stack and --manifests: use one or the other");
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

/** An error the user can fix (bad flag, settings or pack config): reported as its message, exit 2. */
function isUserError(e: unknown): e is Error {
    return e instanceof UsageError || (e as Error | undefined)?.name === "SettingsError";
}

async function main(): Promise<number> {
    const projectDir = path.resolve(__dirname, "..", "..");
    try {
        const opts = parseArgs(process.argv.slice(2), projectDir);
        // A bad --helm or HELM_BINARY is reported before the program runs (the run asks again).
        findHelm(opts.helm);
        const { code, report } = await runCheck(opts);
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
        return reportError(e);
    }
}

/**
 * Prints an error and returns the exit code: 2 and the message only for an error the user can fix,
 * 3 and the stack for anything else.
 */
function reportError(e: unknown): number {
    if (isUserError(e)) {
        console.error(e.message);
        return 2;
    }
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    return 3;
}

/**
 * An error that escapes as an unhandled rejection (the Pulumi runtime rejects several promises for
 * one program error) ends the check the same way as one `main` catches.
 */
function exitOnEscapedError(e: unknown): void {
    process.exit(reportError(e));
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
