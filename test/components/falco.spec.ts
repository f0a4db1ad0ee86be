import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { FalcoArgs } from "../../components/falco";
import {
    checkRulesFile,
    conditionReferences,
    evaluateCondition,
    inCidr,
    parseCondition,
    validPriorities,
} from "../../components/falco/condition";
import {
    FalcoContainerRuntime,
    falcoContainerRuntimes,
    falcoServiceAccountName,
} from "../../components/falco/defaults";
import {
    falcoLabels,
    falcoPodSecurityReason,
    falcosidekickUrl,
    renderContainerPlugin,
    renderFalcoNamespace,
    renderFalcoServiceAccount,
    renderFalcosidekickCertificate,
    renderFalcosidekickValues,
    renderFalcoValues,
    renderRuntimeAlertRules,
} from "../../components/falco/render";
import {
    emptyNames,
    emptyNetworks,
    renderSovereignRulesYaml,
    sovereignLists,
    sovereignMacros,
    sovereignRules,
    sovereignRulesFile,
    SovereignRulesInput,
    sovereignTag,
} from "../../components/falco/rules";
import { exemptionReasonAnnotation } from "../../components/system-namespaces/render";
import { policies as workloadPolicies } from "../../policypacks/workload-security/policies";
import { loadSettings } from "../../stacks";
import { readStackConfig } from "../../tools/check/stack-config";
import { assertGolden } from "../util/golden";
import {
    installMocks,
    installTlsStandIns,
    named,
    recorded,
    resetRecorded,
    settled,
} from "../util/mocks";
import { runResourcePolicy } from "../util/policy-harness";
import { issuesOf } from "../util/settings";
import { committedStacks } from "../util/stacks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const projectDir = `${__dirname}/../..`;

/** The scope of the rules in the prod stack. */
const rulesInput: SovereignRulesInput = {
    servingNamespaces: ["inference"],
    trainingNamespaces: ["ml-training"],
    gpuNamespaces: ["inference", "ml-training", "gpu-operator"],
    modelReaders: [
        "python",
        "python3",
        "tritonserver",
        "vllm",
        "torchserve",
        "text-generation",
        "ollama",
    ],
    allowedEgressCidrs: ["10.96.0.0/12", "10.244.0.0/16", "10.40.12.0/24"],
};

const definitions = (input: SovereignRulesInput) => ({
    lists: sovereignLists(input),
    macros: sovereignMacros,
});

const image = { registry: "docker.io", repository: "falcosecurity/falco", tag: "0.44.1" };
const valuesInput = {
    image,
    minimumPriority: "notice",
    rulesYaml: renderSovereignRulesYaml(rulesInput),
    containerRuntime: "containerd" as FalcoContainerRuntime,
    serviceAccountName: "falco-agent",
    alertMode: "falcosidekick" as const,
    httpUrl: falcosidekickUrl("falco"),
    sidekickCaSecret: "falcosidekick-tls",
    metrics: true,
    serviceMonitor: false,
};
const sidekickInput = {
    image: { registry: "docker.io", repository: "falcosecurity/falcosidekick", tag: "2.32.0" },
    replicas: 2,
    minimumPriority: "warning",
    outputs: {
        alertmanagerUrl: "http://alertmanager-operated.monitoring:9093",
        webhookUrl: "https://siem.sovereign.example/falco",
        syslog: { host: "syslog.sovereign.example", port: 6514, protocol: "tcp" as const },
    },
    serviceMonitor: false,
    tls: { secretName: "falcosidekick-tls", serverName: "falcosidekick.falco.svc" },
};

/** Every string anywhere inside a value, and every `privileged` flag. */
function walk(value: unknown, visit: (key: string, v: unknown) => void, key = ""): void {
    visit(key, value);
    if (Array.isArray(value)) {
        value.forEach((v) => walk(v, visit, key));
    } else if (typeof value === "object" && value !== null) {
        for (const [k, v] of Object.entries(value)) {
            walk(v, visit, k);
        }
    }
}

describe("components/falco", () => {
    describe("the platform's rules", () => {
        const text = renderSovereignRulesYaml(rulesInput);
        const doc = YAML.parse(text) as Record<string, unknown>[];

        it("renders the rules file as in the golden file", () => {
            assertGolden("falco-sovereign-rules.golden.yaml", text);
        });

        it("parses as a YAML list of lists, then macros, then rules", () => {
            assert.ok(Array.isArray(doc));
            const kinds = doc.map((e) => ("list" in e ? "list" : "macro" in e ? "macro" : "rule"));
            const firstMacro = kinds.indexOf("macro");
            const firstRule = kinds.indexOf("rule");
            assert.ok(
                kinds.lastIndexOf("list") < firstMacro && kinds.lastIndexOf("macro") < firstRule,
            );
            assert.strictEqual(kinds.filter((k) => k === "rule").length, sovereignRules().length);
        });

        it("passes every offline check: required fields, priorities, known fields, definitions before use", () => {
            assert.deepStrictEqual(checkRulesFile(doc), []);
        });

        it("gives each rule the required fields, a valid priority and the platform's tag", () => {
            const rules = doc.filter((e) => "rule" in e) as Loose[];
            for (const r of rules) {
                for (const field of ["rule", "desc", "condition", "output", "priority", "tags"]) {
                    assert.ok(r[field] !== undefined && r[field] !== "", `${r.rule}: ${field}`);
                }
                assert.ok(validPriorities.includes(r.priority), `${r.rule}: ${r.priority}`);
                assert.ok(r.tags.includes(sovereignTag), `${r.rule}: tag`);
                assert.ok(
                    r.tags.some((t: string) => /^T\d{4}$/.test(t)),
                    `${r.rule}: MITRE technique`,
                );
                assert.strictEqual(r.source, "syscall");
                assert.strictEqual(r.enabled, true);
                assert.match(r.rule, /^Sovereign /, "prefixed so it never collides with upstream");
            }
            assert.strictEqual(new Set(rules.map((r) => r.rule)).size, rules.length);
        });

        it("defines every macro and list a rule uses, in the file itself", () => {
            const lists = new Set(doc.filter((e) => "list" in e).map((e) => e.list as string));
            const macros = new Set(doc.filter((e) => "macro" in e).map((e) => e.macro as string));
            for (const entry of doc.filter((e) => "condition" in e)) {
                const refs = conditionReferences(parseCondition(entry.condition as string));
                for (const m of refs.macros) {
                    assert.ok(macros.has(m), `${String(entry.rule ?? entry.macro)}: macro ${m}`);
                }
                for (const item of refs.listItems.filter((i) => i.startsWith("sovereign_"))) {
                    assert.ok(
                        lists.has(item),
                        `${String(entry.rule ?? entry.macro)}: list ${item}`,
                    );
                }
            }
        });

        for (const rule of sovereignRules()) {
            it(`"${rule.rule}" catches ${rule.catches.description} and ignores ${rule.ignores.description}`, () => {
                const defs = definitions(rulesInput);
                assert.strictEqual(
                    evaluateCondition(rule.condition, rule.catches.event, defs),
                    true,
                );
                assert.strictEqual(
                    evaluateCondition(rule.condition, rule.ignores.event, defs),
                    false,
                );
            });
        }

        it("never leaves a list empty: empty scopes get a value nothing matches", () => {
            const lists = sovereignLists({
                servingNamespaces: [],
                trainingNamespaces: [],
                gpuNamespaces: [],
                modelReaders: ["python3"],
                allowedEgressCidrs: [],
            });
            assert.deepStrictEqual(lists.sovereign_serving_namespaces, [emptyNames]);
            assert.deepStrictEqual(lists.sovereign_allowed_egress_networks, [emptyNetworks]);
            const empty = sovereignRulesFile({
                servingNamespaces: [],
                trainingNamespaces: [],
                gpuNamespaces: [],
                modelReaders: ["python3"],
                allowedEgressCidrs: [],
            });
            assert.deepStrictEqual(checkRulesFile(empty), []);
            // With nothing allowed, every outbound connection from a serving pod alerts.
            const outbound = sovereignRules().find((r) => r.rule.includes("outbound connection"));
            assert.ok(outbound);
            const defs = {
                lists: sovereignLists({ ...rulesInput, allowedEgressCidrs: [] }),
                macros: sovereignMacros,
            };
            assert.strictEqual(
                evaluateCondition(outbound.condition, outbound.ignores.event, defs),
                true,
            );
        });
    });

    describe("condition checker and evaluator", () => {
        it("reports a syntax error with its position", () => {
            assert.throws(
                () => parseCondition("proc.name in (bash, sh"),
                /at character 23: expected ',' or '\)' in a list, found the end/,
            );
            assert.throws(
                () => parseCondition("proc.name = sh bash"),
                /at character 16: expected 'and', 'or' or the end of the condition, found "bash"/,
            );
            assert.throws(
                () => parseCondition("proc.name bash"),
                /expected an operator after the field proc\.name/,
            );
            assert.throws(() => parseCondition("(proc.name = sh"), /expected '\)'/);
        });

        it("finds unknown fields, undefined macros and lists, bad priorities and missing fields", () => {
            assert.deepStrictEqual(
                checkRulesFile([
                    { macro: "uses_later", condition: "later_macro and proc.nam = x" },
                    { macro: "later_macro", condition: "proc.name in (sovereign_missing)" },
                    {
                        rule: "Bad",
                        desc: "",
                        condition: "later_macro",
                        output: "x %proc.nme",
                        priority: "SEVERE",
                        tags: [],
                    },
                    { something: 1 },
                    { list: "sovereign_unused", items: ["x"] },
                ]),
                [
                    "macro uses_later: unknown field proc.nam",
                    "macro uses_later: macro later_macro is not defined before it is used",
                    "macro later_macro: list sovereign_missing is not defined before it is used",
                    'rule "Bad": desc is missing',
                    'rule "Bad": priority "SEVERE" is not one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, INFO, DEBUG',
                    'rule "Bad": tags must be a non-empty list of strings',
                    'rule "Bad": output uses unknown field proc.nme',
                    "entry 4: neither a list, a macro nor a rule",
                    "list sovereign_unused is never used",
                    "macro uses_later is never used",
                ],
            );
        });

        it("evaluates prefixes, CIDR blocks, nested lists and negation as Falco does", () => {
            const defs = {
                lists: { inner: ["a", "b"], outer: ["inner", "c"] },
                macros: { is_a: "proc.name = a" },
            };
            const ev = (c: string, e: Record<string, string | number>): boolean =>
                evaluateCondition(c, e, defs);
            assert.strictEqual(ev("proc.name in (outer)", { "proc.name": "b" }), true);
            assert.strictEqual(ev("proc.name in (outer)", { "proc.name": "d" }), false);
            assert.strictEqual(
                ev("fd.name pmatch (/models)", { "fd.name": "/models/x.bin" }),
                true,
            );
            assert.strictEqual(ev("fd.name pmatch (/models)", { "fd.name": "/models2/x" }), false);
            assert.strictEqual(ev("fd.snet in (10.40.12.0/24)", { "fd.snet": "10.40.12.9" }), true);
            assert.strictEqual(
                ev("fd.snet in (10.40.12.0/24)", { "fd.snet": "10.40.13.9" }),
                false,
            );
            assert.strictEqual(
                ev("not is_a and proc.vpid > 1", { "proc.name": "b", "proc.vpid": 7 }),
                true,
            );
            assert.strictEqual(ev("proc.name = a", {}), false, "a missing field fails the check");
            assert.strictEqual(inCidr("10.100.0.1", "10.96.0.0/12"), true);
            assert.strictEqual(inCidr("10.112.0.1", "10.96.0.0/12"), false);
        });
    });

    describe("render (golden files and security fields)", () => {
        it("renders Falco's values as in the golden file", () => {
            assertGolden(
                "falco-values.golden.json",
                JSON.stringify(renderFalcoValues(valuesInput), null, 2) + "\n",
            );
        });

        it("renders falcosidekick's values as in the golden file", () => {
            assertGolden(
                "falco-sidekick-values.golden.json",
                JSON.stringify(renderFalcosidekickValues(sidekickInput), null, 2) + "\n",
            );
        });

        it("uses the modern eBPF driver with capabilities, no driver loader and no privileged container", () => {
            const v: Loose = renderFalcoValues(valuesInput);
            assert.deepStrictEqual(v.driver, {
                enabled: true,
                kind: "modern_ebpf",
                modernEbpf: { leastPrivileged: true, sysfsMount: false },
                loader: { enabled: false },
            });
            walk(v, (key, value) => {
                assert.ok(
                    !(key === "privileged" && value === true),
                    "no privileged: true anywhere",
                );
            });
            assert.strictEqual(
                v.containerSecurityContext,
                undefined,
                "the chart's least-privilege context",
            );
        });

        it("downloads nothing at runtime: falcoctl install and follow off, no index, no refs", () => {
            const v: Loose = renderFalcoValues(valuesInput);
            assert.strictEqual(v.falcoctl.artifact.install.enabled, false);
            assert.strictEqual(v.falcoctl.artifact.follow.enabled, false);
            assert.deepStrictEqual(v.falcoctl.config.indexes, []);
            assert.deepStrictEqual(v.falcoctl.config.artifact.install.refs, []);
            assert.deepStrictEqual(v.falcoctl.config.artifact.follow.refs, []);
            assert.strictEqual(v.collectors.kubernetes.enabled, false);
            assert.strictEqual(v.falcosidekick.enabled, false);
        });

        it("loads the upstream default rules, then the platform's rules from customRules", () => {
            const v: Loose = renderFalcoValues(valuesInput);
            assert.deepStrictEqual(v.falco.rules_files, [
                "/etc/falco/falco_rules.yaml",
                "/etc/falco/falco_rules.local.yaml",
                "/etc/falco/rules.d",
            ]);
            assert.deepStrictEqual(Object.keys(v.customRules), ["sovereign-ai-rules.yaml"]);
            assert.strictEqual(v.customRules["sovereign-ai-rules.yaml"], valuesInput.rulesYaml);
            assert.strictEqual(v.falco.priority, "notice");
            assert.strictEqual(v.falco.json_output, true);
        });

        it("routes alerts by mode: falcosidekick, an HTTP receiver, or stdout only", () => {
            const sidekick: Loose = renderFalcoValues(valuesInput);
            assert.deepStrictEqual(sidekick.falco.http_output, {
                enabled: true,
                url: "https://falcosidekick.falco.svc:2801/",
                insecure: false,
                ca_cert: "/etc/falco/falcosidekick-ca/ca.crt",
            });
            const http: Loose = renderFalcoValues({
                ...valuesInput,
                alertMode: "http",
                httpUrl: "https://soar.example/falco",
                sidekickCaSecret: undefined,
            });
            assert.deepStrictEqual(http.falco.http_output, {
                enabled: true,
                url: "https://soar.example/falco",
                insecure: false,
            });
            // No falcosidekick, no CA of its own to mount.
            assert.deepStrictEqual(
                http.mounts.volumes.map((v: Loose) => v.name),
                ["container-runtime-socket"],
            );
            const stdout: Loose = renderFalcoValues({
                ...valuesInput,
                alertMode: "stdout",
                httpUrl: undefined,
            });
            assert.deepStrictEqual(stdout.falco.http_output, { enabled: false });
            assert.deepStrictEqual(stdout.falco.stdout_output, { enabled: true });
            // Chart 9.x refuses any gRPC key (Falco 0.40 removed the gRPC server).
            assert.ok(!("grpc" in stdout.falco) && !("grpc_output" in stdout.falco));
        });

        for (const [runtime, expected] of [
            ["containerd", { engine: "cri", socket: "/run/containerd/containerd.sock" }],
            ["crio", { engine: "cri", socket: "/run/crio/crio.sock" }],
            ["docker", { engine: "docker", socket: "/var/run/docker.sock" }],
        ] as const) {
            it(`${runtime}: mounts exactly one host socket, ${expected.socket}, read-only, and no other host path of its own`, () => {
                const v: Loose = renderFalcoValues({ ...valuesInput, containerRuntime: runtime });
                assert.deepStrictEqual(falcoContainerRuntimes[runtime], expected);
                // The chart's own socket mounts (six, read-write) are off, and so is /sys/kernel.
                assert.deepStrictEqual(v.collectors, {
                    enabled: false,
                    containerEngine: { enabled: false },
                    kubernetes: { enabled: false },
                });
                assert.strictEqual(v.driver.modernEbpf.sysfsMount, false);
                assert.deepStrictEqual(v.mounts, {
                    volumes: [
                        {
                            name: "container-runtime-socket",
                            hostPath: { path: expected.socket, type: "Socket" },
                        },
                        {
                            name: "falcosidekick-ca",
                            secret: {
                                secretName: "falcosidekick-tls",
                                items: [{ key: "ca.crt", path: "ca.crt" }],
                            },
                        },
                    ],
                    volumeMounts: [
                        {
                            name: "container-runtime-socket",
                            mountPath: `/host${expected.socket}`,
                            readOnly: true,
                        },
                        {
                            name: "falcosidekick-ca",
                            mountPath: "/etc/falco/falcosidekick-ca",
                            readOnly: true,
                        },
                    ],
                });
                // The container plugin talks to that socket alone: every other engine is off.
                assert.deepStrictEqual(v.falco.load_plugins, ["container"]);
                assert.deepStrictEqual(v.falco.plugins, [renderContainerPlugin(runtime)]);
                const engines = v.falco.plugins[0].init_config.engines;
                assert.deepStrictEqual(
                    Object.entries(engines).filter(([, e]) => (e as Loose).enabled),
                    [[expected.engine, { enabled: true, sockets: [expected.socket] }]],
                );
                assert.deepStrictEqual(Object.keys(engines), [
                    "docker",
                    "podman",
                    "containerd",
                    "cri",
                    "lxc",
                    "libvirt_lxc",
                    "bpm",
                ]);
            });
        }

        it("mounts no service-account token in either pod", () => {
            const falco: Loose = renderFalcoValues(valuesInput);
            assert.deepStrictEqual(falco.serviceAccount, { create: false, name: "falco-agent" });
            assert.deepStrictEqual(falco.rbac, { create: false });
            assert.deepStrictEqual(renderFalcoServiceAccount(falcoServiceAccountName, "falco"), {
                metadata: { name: "falco-agent", namespace: "falco", labels: falcoLabels },
                automountServiceAccountToken: false,
            });
            const sidekick: Loose = renderFalcosidekickValues(sidekickInput);
            assert.deepStrictEqual(sidekick.extraVolumes, [
                { name: "no-api-token", emptyDir: { sizeLimit: "1Mi" } },
            ]);
            assert.deepStrictEqual(sidekick.extraVolumeMounts, [
                {
                    name: "no-api-token",
                    mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
                    readOnly: true,
                },
            ]);
        });

        it("serves falcosidekick over TLS with cert-manager's Secret, plain HTTP for /ping only", () => {
            const v: Loose = renderFalcosidekickValues(sidekickInput);
            assert.deepStrictEqual(v.config.tlsserver, {
                deploy: true,
                existingSecret: "falcosidekick-tls",
                certfile: "/etc/certs/server/tls.crt",
                keyfile: "/etc/certs/server/tls.key",
                mutualtls: false,
                notlsport: 2810,
                notlspaths: "/ping",
            });
            assert.deepStrictEqual(v.serviceMonitor, { enabled: false });
            const monitored: Loose = renderFalcosidekickValues({
                ...sidekickInput,
                serviceMonitor: true,
            });
            assert.deepStrictEqual(monitored.serviceMonitor, {
                enabled: true,
                additionalProperties: {
                    scheme: "https",
                    tlsConfig: {
                        ca: { secret: { name: "falcosidekick-tls", key: "ca.crt" } },
                        serverName: "falcosidekick.falco.svc",
                    },
                },
            });
        });

        it("issues falcosidekick's certificate from the internal CA for its Service name", () => {
            assert.deepStrictEqual(
                renderFalcosidekickCertificate("falco", "sovereign-internal-ca"),
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    metadata: {
                        name: "falcosidekick-tls",
                        namespace: "falco",
                        labels: falcoLabels,
                        annotations: { "pulumi.com/waitFor": "condition=Ready" },
                    },
                    spec: {
                        secretName: "falcosidekick-tls",
                        secretTemplate: { labels: falcoLabels },
                        commonName: "falcosidekick.falco.svc",
                        dnsNames: ["falcosidekick.falco.svc"],
                        isCA: false,
                        duration: "2160h0m0s",
                        renewBefore: "720h0m0s",
                        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
                        usages: ["digital signature", "server auth"],
                        issuerRef: {
                            group: "cert-manager.io",
                            kind: "ClusterIssuer",
                            name: "sovereign-internal-ca",
                        },
                    },
                },
            );
        });

        it("refuses falcosidekick routing without the CA to verify it (render)", () => {
            assert.throws(
                () => renderFalcoValues({ ...valuesInput, sidekickCaSecret: undefined }),
                /alert mode "falcosidekick" needs the Secret of the CA that verifies it/,
            );
        });

        it("runs falcosidekick restricted, without its UI, with the configured outputs", () => {
            const v: Loose = renderFalcosidekickValues(sidekickInput);
            assert.deepStrictEqual(v.podSecurityContext, {
                runAsNonRoot: true,
                runAsUser: 1234,
                fsGroup: 1234,
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepStrictEqual(v.securityContext, {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                readOnlyRootFilesystem: true,
            });
            assert.deepStrictEqual(v.webui, { enabled: false });
            assert.deepStrictEqual(Object.keys(v.config).sort(), [
                "alertmanager",
                "syslog",
                "tlsserver",
                "webhook",
            ]);
            assert.strictEqual(v.config.alertmanager.minimumpriority, "warning");
            assert.deepStrictEqual(
                Object.keys(
                    (renderFalcosidekickValues({ ...sidekickInput, outputs: {} }) as Loose).config,
                ),
                ["tlsserver"],
            );
        });

        it("labels its own namespace privileged with the reason on record", () => {
            const ns = renderFalcoNamespace("falco", "1.33").metadata;
            assert.strictEqual(ns.labels["pod-security.kubernetes.io/enforce"], "privileged");
            assert.strictEqual(ns.annotations[exemptionReasonAnnotation], falcoPodSecurityReason);
            assert.strictEqual(
                falcoPodSecurityReason,
                "Falco instruments the kernel with the modern eBPF probe: its DaemonSet needs the " +
                    "BPF, PERFMON, SYS_RESOURCE and SYS_PTRACE capabilities and host paths, which " +
                    "no level below privileged admits: /proc and /etc read-only (the host's " +
                    "processes and user names) and the configured container runtime's socket, " +
                    "mounted read-only (container and pod metadata; the mount does not narrow the " +
                    "runtime's API), plus /boot and /usr read-only and /lib/modules read-write, " +
                    "which chart 9.1.0 always mounts for its driver loader (off). No container runs " +
                    "privileged and no pod mounts an API token.",
            );
            assert.strictEqual(
                ns.labels["app.kubernetes.io/component"],
                falcoLabels["app.kubernetes.io/component"],
            );
        });

        it("alerts on Falco, Gatekeeper, Kyverno and certificate expiry", () => {
            const rule: Loose = renderRuntimeAlertRules("falco");
            assert.strictEqual(rule.kind, "PrometheusRule");
            assert.deepStrictEqual(
                rule.spec.groups.map((g: Loose) => [g.name, g.rules.map((r: Loose) => r.alert)]),
                [
                    ["sovereign-falco", ["FalcoCriticalEvent", "FalcoWarningEventsHigh"]],
                    ["sovereign-admission", ["GatekeeperDenyViolations", "KyvernoPolicyFailures"]],
                    [
                        "sovereign-certificates",
                        [
                            "CertificateRenewalOverdue",
                            "CertificateExpiresSoon",
                            "CertificateNotReady",
                        ],
                    ],
                ],
            );
        });
    });

    describe("the declared Pod Security exemption", () => {
        /** A DaemonSet shaped like Falco's: capabilities and host paths, not privileged. */
        const agent = (namespace: string): Record<string, unknown> => ({
            metadata: { name: "falco", namespace },
            spec: {
                selector: { matchLabels: { app: "falco" } },
                template: {
                    metadata: { labels: { app: "falco" } },
                    spec: {
                        containers: [
                            {
                                name: "falco",
                                image: "docker.io/falcosecurity/falco:0.44.1",
                                securityContext: {
                                    capabilities: {
                                        add: ["BPF", "SYS_RESOURCE", "PERFMON", "SYS_PTRACE"],
                                    },
                                },
                                volumeMounts: [{ name: "proc", mountPath: "/host/proc" }],
                            },
                        ],
                        volumes: [{ name: "proc", hostPath: { path: "/proc" } }],
                    },
                },
            },
        });
        const podSecurity = workloadPolicies.filter((p) =>
            p.name.startsWith("pod-security-"),
        ) as ResourceValidationPolicy[];
        const run = (policyName: string, namespace: string, exempt?: string[]) =>
            runResourcePolicy(podSecurity.find((p) => p.name === policyName)!, {
                type: "kubernetes:apps/v1:DaemonSet",
                props: agent(namespace),
                config: exempt === undefined ? {} : { exemptNamespaces: exempt },
            });

        it("Falco's pods fail Pod Security outside an exempt namespace", async () => {
            assert.strictEqual((await run("pod-security-host-path-volumes", "falco")).length, 1);
            assert.strictEqual((await run("pod-security-capabilities", "falco")).length, 1);
        });

        it("every pod-security policy skips exactly the namespaces in its exemptNamespaces", async () => {
            for (const policy of podSecurity) {
                assert.deepStrictEqual(await run(policy.name, "falco", ["falco"]), [], policy.name);
            }
            assert.strictEqual(
                (await run("pod-security-host-path-volumes", "tenant-a", ["falco"])).length,
                1,
                "another namespace is still judged",
            );
        });

        for (const stack of committedStacks()) {
            it(`stack ${stack}: the pack configs exempt the namespaces the settings declare privileged, no more`, () => {
                const { settings } = loadSettings(readStackConfig(projectDir, stack).values);
                const privileged = settings.systemNamespaces
                    .filter((n) => n.podSecurity === "privileged")
                    .map((n) => n.name)
                    .sort();
                assert.deepStrictEqual(privileged, ["falco", "linkerd-cni"]);
                const config = JSON.parse(
                    fs.readFileSync(
                        path.join(
                            projectDir,
                            "stacks",
                            "policy-config",
                            stack,
                            "workload-security.json",
                        ),
                        "utf8",
                    ),
                ) as Record<string, { exemptNamespaces?: string[] }>;
                for (const policy of podSecurity) {
                    assert.deepStrictEqual(
                        [...(config[policy.name]?.exemptNamespaces ?? [])].sort(),
                        privileged,
                        `${stack}/${policy.name}`,
                    );
                }
            });
        }
    });

    describe("settings (falco)", () => {
        it("defaults to enabled, falcosidekick routing, metrics on and no rule scope", () => {
            const { settings } = loadSettings({});
            assert.strictEqual(settings.falco.enabled, true);
            assert.strictEqual(settings.falco.namespace, "falco");
            assert.strictEqual(settings.falco.alerts.mode, "falcosidekick");
            assert.strictEqual(settings.falco.containerRuntime, "containerd");
            assert.strictEqual(settings.falco.alerts.sidekickReplicas, 2);
            assert.strictEqual(settings.falco.metrics, true);
            assert.strictEqual(settings.falco.prometheusOperator, false);
            assert.deepStrictEqual(settings.falco.rules.servingNamespaces, []);
        });

        it("reads the AI namespaces and alert outputs of the dev and prod stacks", () => {
            for (const stack of ["dev", "prod"]) {
                const { settings } = loadSettings(readStackConfig(projectDir, stack).values);
                assert.deepStrictEqual(settings.falco.rules.servingNamespaces, ["inference"]);
                assert.deepStrictEqual(settings.falco.rules.trainingNamespaces, ["ml-training"]);
                assert.ok(settings.falco.alerts.outputs.alertmanagerUrl !== undefined, stack);
                const falco = settings.systemNamespaces.find((n) => n.name === "falco");
                assert.strictEqual(falco?.podSecurity, "privileged", stack);
                assert.strictEqual(
                    falco?.reason,
                    "Falco's DaemonSet instruments the kernel with the modern eBPF probe (BPF, " +
                        "PERFMON, SYS_RESOURCE, SYS_PTRACE capabilities; no container is " +
                        "privileged) and mounts host paths: /proc and /etc read-only, and the " +
                        "containerd socket (falco.containerRuntime) read-only for container and pod " +
                        "metadata; chart 9.1.0 also mounts /boot and /usr read-only and " +
                        "/lib/modules read-write for its driver loader, which is off. Neither Falco " +
                        "nor falcosidekick mounts an API token.",
                    stack,
                );
                assert.strictEqual(settings.falco.containerRuntime, "containerd", stack);
            }
        });

        it("refuses an unknown container runtime, naming the key and the runtimes", () => {
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:falco": JSON.stringify({ containerRuntime: "cri-o" }),
                }),
                [
                    `sovereign-contour:falco.containerRuntime: expected "containerd", "crio" or "docker": the nodes' container runtime, whose socket alone Falco mounts (got "cri-o")`,
                ],
            );
        });

        it("refuses falcosidekick routing with cert-manager disabled, naming both keys", () => {
            /** The issues about Falco or cert-manager (other sections are judged elsewhere). */
            const runtimeIssues = (raw: Record<string, string>): string[] =>
                issuesOf(raw).filter((i) => /^sovereign-contour:(falco|certManager)[.:]/.test(i));
            assert.deepStrictEqual(
                runtimeIssues({
                    "sovereign-contour:certManager": JSON.stringify({ enabled: false }),
                }),
                [
                    `sovereign-contour:certManager.enabled: falco.alerts.mode is "falcosidekick" but certManager.enabled is false: cert-manager issues falcosidekick's serving certificate, so that Falco posts alerts over TLS; set certManager.enabled to true, or falco.alerts.mode to "http" or "stdout" (got false)`,
                ],
            );
            for (const falco of [{ alerts: { mode: "stdout" } }, { enabled: false }]) {
                assert.deepStrictEqual(
                    runtimeIssues({
                        "sovereign-contour:certManager": JSON.stringify({ enabled: false }),
                        "sovereign-contour:falco": JSON.stringify(falco),
                    }),
                    [],
                    JSON.stringify(falco),
                );
            }
        });

        it("refuses http routing without a URL and a malformed CIDR, naming the keys", () => {
            assert.deepStrictEqual(
                issuesOf({
                    "sovereign-contour:falco": JSON.stringify({
                        alerts: { mode: "http" },
                        rules: { allowedEgressCidrs: ["10.0.0.0/33"] },
                    }),
                }),
                [
                    'sovereign-contour:falco.rules.allowedEgressCidrs[0]: expected a CIDR block such as 10.20.0.0/16 (got "10.0.0.0/33")',
                    'sovereign-contour:falco.alerts.httpUrl: alerts.mode is "http": set alerts.httpUrl to the receiver (got missing)',
                ],
            );
        });
    });

    describe("component (under mocks)", () => {
        let cmMod: typeof import("../../components/cert-manager");
        let mod: typeof import("../../components/falco");
        let k8s: typeof import("@pulumi/kubernetes");
        const base: FalcoArgs = {
            kubernetesVersion: "1.33",
            rules: rulesInput,
            alerts: { outputs: { webhookUrl: "https://siem.sovereign.example/falco" } },
        };

        before(async () => {
            installMocks();
            installTlsStandIns();
            cmMod = await import("../../components/cert-manager");
            mod = await import("../../components/falco");
            k8s = await import("@pulumi/kubernetes");
        });
        beforeEach(() => resetRecorded());

        /** Falco with the platform's cert-manager (as the platform builds it). */
        const build = (over: Partial<FalcoArgs> = {}): InstanceType<typeof mod.Falco> => {
            const certManager = new cmMod.CertManager("cm", { kubernetesVersion: "1.33" });
            return new mod.Falco("fa", { ...base, certManager, ...over });
        };
        /** The component's own children, as `type name`. */
        const ownChildren = (): string[] => {
            const component = named("fa");
            return recorded
                .filter((r) => r.parent === component.urn)
                .map((r) => `${r.type} ${r.name}`)
                .sort();
        };

        it("creates its namespace, ServiceAccount, falcosidekick's certificate and chart, and Falco, in that order", async () => {
            const falco = build();
            await settled();
            assert.deepStrictEqual(ownChildren(), [
                "kubernetes:cert-manager.io/v1:Certificate fa-sidekick-certificate",
                "kubernetes:core/v1:Namespace fa-namespace",
                "kubernetes:core/v1:ServiceAccount fa-service-account",
                "kubernetes:helm.sh/v4:Chart fa-chart",
                "kubernetes:helm.sh/v4:Chart fa-sidekick-chart",
                "sovereign:charts:ChartSource fa-chart-source",
                "sovereign:charts:ChartSource fa-sidekick-chart-source",
            ]);
            const urn = (name: string): string => named(name).urn;
            const deps = (name: string): string[] => [...named(name).dependencies].sort();
            // The certificate waits for cert-manager (chart and ClusterIssuer) and the namespace.
            for (const dep of ["cm-chart", "cm-cluster-issuer", "fa-namespace"]) {
                assert.ok(deps("fa-sidekick-certificate").includes(urn(dep)), dep);
            }
            assert.deepStrictEqual(
                deps("fa-sidekick-chart"),
                [urn("fa-namespace"), urn("fa-sidekick-certificate")].sort(),
            );
            assert.deepStrictEqual(
                deps("fa-chart"),
                [
                    urn("fa-namespace"),
                    urn("fa-service-account"),
                    urn("fa-sidekick-certificate"),
                    urn("fa-sidekick-chart"),
                ].sort(),
            );
            const chart = named("fa-chart").inputs;
            assert.deepStrictEqual(
                [chart.chart, chart.version, chart.namespace, chart.repositoryOpts.repo],
                ["falco", "9.1.0", "falco", "https://falcosecurity.github.io/charts"],
            );
            assert.strictEqual(
                chart.values.customRules["sovereign-ai-rules.yaml"],
                falco.rulesYaml,
            );
            const sidekick = named("fa-sidekick-chart").inputs;
            assert.deepStrictEqual([sidekick.chart, sidekick.version], ["falcosidekick", "0.14.0"]);
            assert.deepStrictEqual(falco.images, [
                "docker.io/falcosecurity/falco:0.44.1",
                "docker.io/falcosecurity/falcosidekick:2.32.0",
            ]);
            assert.deepStrictEqual(
                falco.charts.map((c) => `${c.name}@${c.version}`),
                ["falco@9.1.0", "falcosidekick@0.14.0"],
            );
        });

        it("posts to falcosidekick over HTTPS, verified with the CA of the certificate it issues", async () => {
            build();
            await settled();
            const certificate = named("fa-sidekick-certificate").inputs;
            assert.strictEqual(certificate.kind, "Certificate");
            assert.strictEqual(certificate.metadata.namespace, "falco");
            assert.deepStrictEqual(certificate.spec.dnsNames, ["falcosidekick.falco.svc"]);
            assert.strictEqual(certificate.spec.secretName, "falcosidekick-tls");
            assert.deepStrictEqual(certificate.spec.issuerRef, {
                group: "cert-manager.io",
                kind: "ClusterIssuer",
                name: named("cm-cluster-issuer").inputs.metadata.name,
            });
            const falco = named("fa-chart").inputs.values;
            assert.deepStrictEqual(falco.falco.http_output, {
                enabled: true,
                url: "https://falcosidekick.falco.svc:2801/",
                insecure: false,
                ca_cert: "/etc/falco/falcosidekick-ca/ca.crt",
            });
            assert.deepStrictEqual(
                falco.mounts.volumes.find((v: Loose) => v.name === "falcosidekick-ca").secret,
                { secretName: "falcosidekick-tls", items: [{ key: "ca.crt", path: "ca.crt" }] },
            );
            const sidekick = named("fa-sidekick-chart").inputs.values;
            assert.strictEqual(sidekick.config.tlsserver.deploy, true);
            assert.strictEqual(sidekick.config.tlsserver.existingSecret, "falcosidekick-tls");
        });

        it("runs Falco as its own ServiceAccount, which mounts no token, with the configured runtime's socket", async () => {
            build({ containerRuntime: "crio" });
            await settled();
            const account = named("fa-service-account").inputs;
            assert.strictEqual(account.metadata.name, "falco-agent");
            assert.strictEqual(account.metadata.namespace, "falco");
            assert.strictEqual(account.automountServiceAccountToken, false);
            assert.deepStrictEqual(named("fa-service-account").dependencies, [
                named("fa-namespace").urn,
            ]);
            const values = named("fa-chart").inputs.values;
            assert.deepStrictEqual(values.serviceAccount, { create: false, name: "falco-agent" });
            assert.deepStrictEqual(values.mounts.volumes[0], {
                name: "container-runtime-socket",
                hostPath: { path: "/run/crio/crio.sock", type: "Socket" },
            });
        });

        it("posts straight to the receiver in http mode (no falcosidekick, no cert-manager needed) and adds the alert rules with the Prometheus Operator", async () => {
            const falco = new mod.Falco("fa", {
                ...base,
                alerts: { mode: "http", httpUrl: "https://soar.example/falco" },
                prometheusOperator: true,
                images: { mirror: "harbor.example/mirror" },
            });
            await settled();
            assert.deepStrictEqual(recorded.map((r) => `${r.type} ${r.name}`).sort(), [
                "kubernetes:core/v1:Namespace fa-namespace",
                "kubernetes:core/v1:ServiceAccount fa-service-account",
                "kubernetes:helm.sh/v4:Chart fa-chart",
                "kubernetes:monitoring.coreos.com/v1:PrometheusRule fa-alert-rules",
                "sovereign:charts:ChartSource fa-chart-source",
                "sovereign:runtime:Falco fa",
            ]);
            const values = named("fa-chart").inputs.values;
            assert.strictEqual(values.falco.http_output.url, "https://soar.example/falco");
            assert.strictEqual(values.serviceMonitor.create, true);
            assert.deepStrictEqual(values.image, {
                registry: "harbor.example/mirror",
                repository: "falcosecurity/falco",
                tag: "0.44.1",
                pullPolicy: "IfNotPresent",
            });
            assert.deepStrictEqual(falco.images, [
                "harbor.example/mirror/falcosecurity/falco:0.44.1",
            ]);
        });

        it("runs in a declared privileged system namespace instead of creating one", async () => {
            const existing = new k8s.core.v1.Namespace("sys-falco", {
                metadata: { name: "falco" },
            });
            build({ systemNamespace: { namespace: existing, podSecurity: "privileged" } });
            await settled();
            assert.ok(!recorded.some((r) => r.name === "fa-namespace"));
            assert.ok(named("fa-sidekick-chart").dependencies.includes(named("sys-falco").urn));
            assert.ok(
                named("fa-sidekick-certificate").dependencies.includes(named("sys-falco").urn),
            );
        });

        it("refuses a non-privileged system namespace, http routing without a URL, falcosidekick without cert-manager and an unknown runtime", () => {
            const existing = new k8s.core.v1.Namespace("sys-falco-restricted", {
                metadata: { name: "falco" },
            });
            assert.throws(
                () =>
                    new mod.Falco("bad", {
                        ...base,
                        systemNamespace: { namespace: existing, podSecurity: "baseline" },
                    }),
                /systemNamespaces entry "falco" \(falco\.namespace\) enforces Pod Security "baseline"; expected "privileged"/,
            );
            assert.throws(
                () => new mod.Falco("bad2", { ...base, alerts: { mode: "http" } }),
                /falco\.alerts\.mode is "http" but falco\.alerts\.httpUrl is not set/,
            );
            assert.throws(
                () => new mod.Falco("bad3", base),
                (e: Error) =>
                    e.message.includes(
                        'falco.alerts.mode is "falcosidekick" but certManager.enabled is false; ' +
                            "expected certManager.enabled: true (cert-manager issues " +
                            "falcosidekick's serving certificate, so Falco posts alerts over TLS) " +
                            'or falco.alerts.mode "http" or "stdout"',
                    ),
            );
            assert.throws(
                () =>
                    new mod.Falco("bad4", {
                        ...base,
                        alerts: { mode: "stdout" },
                        containerRuntime: "cri-o" as FalcoContainerRuntime,
                    }),
                (e: Error) =>
                    e.message.includes(
                        'falco.containerRuntime is "cri-o"; expected "containerd", "crio" or ' +
                            '"docker" (the nodes\' container runtime, whose socket alone Falco mounts)',
                    ),
            );
        });
    });
});
