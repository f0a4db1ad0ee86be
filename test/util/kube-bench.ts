/**
 * kube-bench's verdicts on a rendered control plane, without kube-bench: its test semantics
 * (aquasecurity/kube-bench@a73ce378, `check/test.go` and `check/check.go`) re-implemented for the
 * command-line tests, and the control-plane checks of the benchmark profile the catalogue pins
 * (cis-1.12, the profile kube-bench maps Kubernetes 1.32-1.34 to in `cfg/config.yaml`) transcribed
 * from `cfg/cis-1.12/master.yaml`, `etcd.yaml` and `controlplane.yaml`: each check's id, whether it
 * is scored, its `bin_op` and its test items (`flag`, `set`, `compare.op`, `compare.value`).
 *
 * What is re-implemented, exactly as kube-bench does it:
 * - the audit output is the `ps -ef` line of the process; a flag is found when the line contains
 *   its text anywhere (`strings.Contains`), and its value is read with the pattern
 *   `(<flag>)(=|: *)*([^\s]*) *` (a flag without a value reads "true");
 * - `set` defaults to true: with `compare`, the compare decides when the flag is found (and a
 *   missing flag fails); without it, presence passes; `set: false` passes when the flag is absent;
 * - `eq`/`noteq` compare booleans case-insensitively, `gte` numerically, `has`/`nothave` by
 *   substring, `valid_elements` splits both lists on "," and requires every element to be allowed;
 * - `bin_op` defaults to `and`; a passing test is PASS, a failing one FAIL when scored, else WARN;
 *   `type: manual` is always WARN.
 * The file checks of section 1.1 (modes and owners of files on the host) read no command line and
 * are not transcribed.
 */

/** A kube-bench `compare` operation. */
export interface Compare {
    readonly op: "eq" | "noteq" | "gte" | "has" | "nothave" | "valid_elements";
    readonly value: string;
}

/** One `test_items` entry. */
export interface TestItem {
    readonly flag: string;
    /** @default true (kube-bench's UnmarshalYAML default) */
    readonly set?: boolean;
    readonly compare?: Compare;
}

/** The binaries kube-bench's control-plane audits grep for. */
export type Binary = "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "etcd";

/** One kube-bench check. */
export interface BenchCheck {
    readonly id: string;
    readonly text: string;
    readonly binary: Binary;
    readonly scored: boolean;
    /** `manual`: kube-bench has no test and reports WARN. */
    readonly type?: "manual";
    /** @default "and" */
    readonly binOp?: "and" | "or";
    readonly items: readonly TestItem[];
}

export type BenchState = "PASS" | "FAIL" | "WARN";

const present = (flag: string): TestItem => ({ flag });
const absent = (flag: string): TestItem => ({ flag, set: false });
const cmp = (flag: string, op: Compare["op"], value: string): TestItem => ({
    flag,
    compare: { op, value },
});

const api = "kube-apiserver" as const;
const cm = "kube-controller-manager" as const;
const sched = "kube-scheduler" as const;

/** cis-1.12 API-server cipher list of 1.2.29 (`valid_elements`). */
const apiServerCiphers =
    "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256," +
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384," +
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256," +
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384," +
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256";

/** The command-line checks of cis-1.12 sections 1.2, 1.3, 1.4, 2 and 3.2.1, in benchmark order. */
export const cis112ControlPlaneChecks: readonly BenchCheck[] = [
    {
        id: "1.2.1",
        text: "--anonymous-auth is false",
        binary: api,
        scored: false,
        items: [cmp("--anonymous-auth", "eq", "false")],
    },
    {
        id: "1.2.2",
        text: "--token-auth-file is not set",
        binary: api,
        scored: true,
        items: [absent("--token-auth-file")],
    },
    {
        id: "1.2.3",
        text: "DenyServiceExternalIPs is set",
        binary: api,
        scored: false,
        binOp: "or",
        items: [cmp("--enable-admission-plugins", "has", "DenyServiceExternalIPs")],
    },
    {
        id: "1.2.4",
        text: "--kubelet-client-certificate and --kubelet-client-key are set",
        binary: api,
        scored: true,
        binOp: "and",
        items: [present("--kubelet-client-certificate"), present("--kubelet-client-key")],
    },
    {
        id: "1.2.5",
        text: "--kubelet-certificate-authority is set",
        binary: api,
        scored: true,
        items: [present("--kubelet-certificate-authority")],
    },
    {
        id: "1.2.6",
        text: "--authorization-mode is not AlwaysAllow",
        binary: api,
        scored: true,
        items: [cmp("--authorization-mode", "nothave", "AlwaysAllow")],
    },
    {
        id: "1.2.7",
        text: "--authorization-mode includes Node",
        binary: api,
        scored: true,
        items: [cmp("--authorization-mode", "has", "Node")],
    },
    {
        id: "1.2.8",
        text: "--authorization-mode includes RBAC",
        binary: api,
        scored: true,
        items: [cmp("--authorization-mode", "has", "RBAC")],
    },
    {
        id: "1.2.9",
        text: "EventRateLimit is set",
        binary: api,
        scored: false,
        items: [cmp("--enable-admission-plugins", "has", "EventRateLimit")],
    },
    {
        id: "1.2.10",
        text: "AlwaysAdmit is not set",
        binary: api,
        scored: true,
        binOp: "or",
        items: [
            cmp("--enable-admission-plugins", "nothave", "AlwaysAdmit"),
            absent("--enable-admission-plugins"),
        ],
    },
    {
        id: "1.2.11",
        text: "AlwaysPullImages is set",
        binary: api,
        scored: false,
        items: [cmp("--enable-admission-plugins", "has", "AlwaysPullImages")],
    },
    {
        id: "1.2.12",
        text: "ServiceAccount is not disabled",
        binary: api,
        scored: true,
        binOp: "or",
        items: [
            cmp("--disable-admission-plugins", "nothave", "ServiceAccount"),
            absent("--disable-admission-plugins"),
        ],
    },
    {
        id: "1.2.13",
        text: "NamespaceLifecycle is not disabled",
        binary: api,
        scored: true,
        binOp: "or",
        items: [
            cmp("--disable-admission-plugins", "nothave", "NamespaceLifecycle"),
            absent("--disable-admission-plugins"),
        ],
    },
    {
        id: "1.2.14",
        text: "NodeRestriction is set",
        binary: api,
        scored: true,
        items: [cmp("--enable-admission-plugins", "has", "NodeRestriction")],
    },
    {
        id: "1.2.15",
        text: "--profiling is false",
        binary: api,
        scored: true,
        items: [cmp("--profiling", "eq", "false")],
    },
    {
        id: "1.2.16",
        text: "--audit-log-path is set",
        binary: api,
        scored: true,
        items: [present("--audit-log-path")],
    },
    {
        id: "1.2.17",
        text: "--audit-log-maxage >= 30",
        binary: api,
        scored: true,
        items: [cmp("--audit-log-maxage", "gte", "30")],
    },
    {
        id: "1.2.18",
        text: "--audit-log-maxbackup >= 10",
        binary: api,
        scored: true,
        items: [cmp("--audit-log-maxbackup", "gte", "10")],
    },
    {
        id: "1.2.19",
        text: "--audit-log-maxsize >= 100",
        binary: api,
        scored: true,
        items: [cmp("--audit-log-maxsize", "gte", "100")],
    },
    {
        id: "1.2.20",
        text: "--request-timeout is set as appropriate",
        binary: api,
        scored: false,
        type: "manual",
        items: [],
    },
    {
        id: "1.2.21",
        text: "--service-account-lookup is true",
        binary: api,
        scored: true,
        binOp: "or",
        items: [absent("--service-account-lookup"), cmp("--service-account-lookup", "eq", "true")],
    },
    {
        id: "1.2.22",
        text: "--service-account-key-file is set",
        binary: api,
        scored: true,
        items: [present("--service-account-key-file")],
    },
    {
        id: "1.2.23",
        text: "--etcd-certfile and --etcd-keyfile are set",
        binary: api,
        scored: true,
        binOp: "and",
        items: [present("--etcd-certfile"), present("--etcd-keyfile")],
    },
    {
        id: "1.2.24",
        text: "--tls-cert-file and --tls-private-key-file are set",
        binary: api,
        scored: true,
        binOp: "and",
        items: [present("--tls-cert-file"), present("--tls-private-key-file")],
    },
    {
        id: "1.2.25",
        text: "--client-ca-file is set",
        binary: api,
        scored: true,
        items: [present("--client-ca-file")],
    },
    {
        id: "1.2.26",
        text: "--etcd-cafile is set",
        binary: api,
        scored: true,
        items: [present("--etcd-cafile")],
    },
    {
        id: "1.2.27",
        text: "--encryption-provider-config is set",
        binary: api,
        scored: false,
        items: [present("--encryption-provider-config")],
    },
    {
        id: "1.2.29",
        text: "only strong cipher suites",
        binary: api,
        scored: false,
        items: [cmp("--tls-cipher-suites", "valid_elements", apiServerCiphers)],
    },
    {
        id: "1.2.30",
        text: "--service-account-extend-token-expiration is false",
        binary: api,
        scored: true,
        items: [cmp("--service-account-extend-token-expiration", "eq", "false")],
    },
    {
        id: "1.3.1",
        text: "--terminated-pod-gc-threshold is set",
        binary: cm,
        scored: false,
        items: [present("--terminated-pod-gc-threshold")],
    },
    {
        id: "1.3.2",
        text: "--profiling is false",
        binary: cm,
        scored: true,
        items: [cmp("--profiling", "eq", "false")],
    },
    {
        id: "1.3.3",
        text: "--use-service-account-credentials is true",
        binary: cm,
        scored: true,
        items: [cmp("--use-service-account-credentials", "noteq", "false")],
    },
    {
        id: "1.3.4",
        text: "--service-account-private-key-file is set",
        binary: cm,
        scored: true,
        items: [present("--service-account-private-key-file")],
    },
    {
        id: "1.3.5",
        text: "--root-ca-file is set",
        binary: cm,
        scored: true,
        items: [present("--root-ca-file")],
    },
    {
        id: "1.3.6",
        text: "RotateKubeletServerCertificate is not false",
        binary: cm,
        scored: true,
        binOp: "or",
        items: [
            cmp("--feature-gates", "nothave", "RotateKubeletServerCertificate=false"),
            absent("--feature-gates"),
        ],
    },
    {
        id: "1.3.7",
        text: "--bind-address is 127.0.0.1",
        binary: cm,
        scored: true,
        binOp: "or",
        items: [cmp("--bind-address", "eq", "127.0.0.1"), absent("--bind-address")],
    },
    {
        id: "1.4.1",
        text: "--profiling is false",
        binary: sched,
        scored: true,
        items: [cmp("--profiling", "eq", "false")],
    },
    {
        id: "1.4.2",
        text: "--bind-address is 127.0.0.1",
        binary: sched,
        scored: true,
        binOp: "or",
        items: [cmp("--bind-address", "eq", "127.0.0.1"), absent("--bind-address")],
    },
    {
        id: "2.1",
        text: "--cert-file and --key-file are set",
        binary: "etcd",
        scored: true,
        binOp: "and",
        items: [present("--cert-file"), present("--key-file")],
    },
    {
        id: "2.2",
        text: "--client-cert-auth is true",
        binary: "etcd",
        scored: true,
        items: [cmp("--client-cert-auth", "eq", "true")],
    },
    {
        id: "2.3",
        text: "--auto-tls is not true",
        binary: "etcd",
        scored: true,
        binOp: "or",
        items: [absent("--auto-tls"), cmp("--auto-tls", "eq", "false")],
    },
    {
        id: "2.4",
        text: "--peer-cert-file and --peer-key-file are set",
        binary: "etcd",
        scored: true,
        binOp: "and",
        items: [present("--peer-cert-file"), present("--peer-key-file")],
    },
    {
        id: "2.5",
        text: "--peer-client-cert-auth is true",
        binary: "etcd",
        scored: true,
        items: [cmp("--peer-client-cert-auth", "eq", "true")],
    },
    {
        id: "2.6",
        text: "--peer-auto-tls is not true",
        binary: "etcd",
        scored: true,
        binOp: "or",
        items: [absent("--peer-auto-tls"), cmp("--peer-auto-tls", "eq", "false")],
    },
    {
        id: "2.7",
        text: "a unique CA for etcd (--trusted-ca-file is set)",
        binary: "etcd",
        scored: false,
        items: [present("--trusted-ca-file")],
    },
    {
        id: "3.2.1",
        text: "a minimal audit policy (--audit-policy-file is set)",
        binary: api,
        scored: false,
        items: [{ flag: "--audit-policy-file", set: true }],
    },
];

function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** kube-bench's `flagTestItem.findValue`. */
export function findValue(line: string, flag: string): { match: boolean; value: string } {
    if (line === "" || !line.includes(flag)) {
        return { match: false, value: "" };
    }
    const m = new RegExp(`(${escapeRegExp(flag)})(=|: *)*([^\\s]*) *`).exec(line);
    if (m === null) {
        return { match: true, value: "" };
    }
    return { match: true, value: m[3] !== "" ? m[3] : flag.startsWith("--") ? "true" : m[1] };
}

function splitList(text: string): string[] {
    const clean = text.trim().replace(/,+$/, "");
    return clean === "" ? [] : clean.split(",").map((s) => s.trim());
}

/** kube-bench's `compareOp`. */
export function compareOp(op: Compare["op"], flagValue: string, compareValue: string): boolean {
    switch (op) {
        case "eq":
        case "noteq": {
            const lower = flagValue.toLowerCase();
            const equal =
                lower === "false" || lower === "true"
                    ? lower === compareValue
                    : flagValue === compareValue;
            return op === "eq" ? equal : !equal;
        }
        case "gte": {
            const a = /^\s*[-+]?\d+\s*$/.test(flagValue) ? Number(flagValue) : NaN;
            const b = Number(compareValue);
            return !Number.isNaN(a) && a >= b;
        }
        case "has":
            return flagValue.includes(compareValue);
        case "nothave":
            return !flagValue.includes(compareValue);
        case "valid_elements": {
            const source = splitList(flagValue);
            const target = splitList(compareValue);
            if (source.length === 0 && target.length === 0) {
                return true;
            }
            if (source.length === 0 || target.length === 0) {
                return false;
            }
            return source.every((s) => target.includes(s));
        }
    }
}

/** kube-bench's `testItem.evaluate` on one audit output. */
export function evaluateItem(item: TestItem, line: string): boolean {
    const { match, value } = findValue(line.replace(/[ \n]+$/, ""), item.flag);
    if (item.set ?? true) {
        return match && item.compare !== undefined
            ? compareOp(item.compare.op, value, item.compare.value)
            : match;
    }
    return !match;
}

/** The state kube-bench gives a check for the process's `ps -ef` line. */
export function runCheck(check: BenchCheck, line: string): BenchState {
    if (check.type === "manual") {
        return "WARN";
    }
    const results = check.items.map((i) => evaluateItem(i, line));
    const passed =
        (check.binOp ?? "and") === "and" ? results.every(Boolean) : results.some(Boolean);
    return passed ? "PASS" : check.scored ? "FAIL" : "WARN";
}

/** One process's `ps -ef` line as kube-bench's audit command sees it. */
export function psLine(binary: Binary, args: readonly { name: string; value: string }[]): string {
    return (
        `root 4242 4200 2 09:00 ? 00:01:02 ${binary} ` +
        args.map((a) => `--${a.name}=${a.value}`).join(" ")
    );
}

/** kube-bench's verdicts on a kubeadm ClusterConfiguration's flags, by check id. */
export function benchClusterConfiguration(
    clusterConfiguration: Record<string, unknown>,
    checks: readonly BenchCheck[] = cis112ControlPlaneChecks,
): Record<string, BenchState> {
    const args = (section: unknown): { name: string; value: string }[] =>
        (section as { extraArgs?: { name: string; value: string }[] } | undefined)?.extraArgs ?? [];
    const etcd = (clusterConfiguration.etcd as { local?: unknown } | undefined)?.local;
    const lines: Record<Binary, string> = {
        "kube-apiserver": psLine("kube-apiserver", args(clusterConfiguration.apiServer)),
        "kube-controller-manager": psLine(
            "kube-controller-manager",
            args(clusterConfiguration.controllerManager),
        ),
        "kube-scheduler": psLine("kube-scheduler", args(clusterConfiguration.scheduler)),
        etcd: psLine("etcd", args(etcd)),
    };
    return Object.fromEntries(checks.map((c) => [c.id, runCheck(c, lines[c.binary])]));
}
