import * as assert from "assert";
import * as path from "path";
import { loadSettings, SettingsError, SettingsIssue } from "../../stacks";
import { makeBreakGlassSection } from "../../components/break-glass/settings";
import { readStackConfig } from "../../tools/check/stack-config";

const key = (k: string): string => `sovereign-contour:${k}`;

/** The issues a raw config produces (fails the test when it loads). */
function issuesOf(raw: Record<string, unknown>): SettingsIssue[] {
    const config = Object.fromEntries(
        Object.entries(raw).map(([k, v]) => [
            key(k),
            typeof v === "string" ? v : JSON.stringify(v),
        ]),
    );
    try {
        loadSettings(config);
    } catch (e) {
        if (e instanceof SettingsError) {
            return [...e.issues];
        }
        throw e;
    }
    assert.fail("expected the settings to be refused");
}

function load(raw: Record<string, unknown>) {
    return loadSettings(
        Object.fromEntries(Object.entries(raw).map(([k, v]) => [key(k), JSON.stringify(v)])),
    ).settings;
}

describe("settings of tenants, tenancy and breakGlass (components/tenant-namespace/settings.ts, components/break-glass/settings.ts)", () => {
    describe("tenants", () => {
        it("fills a tenant's secure defaults", () => {
            const settings = load({ tenants: [{ name: "inference", owner: "team-inference" }] });
            assert.deepStrictEqual(settings.tenants, [
                {
                    name: "inference",
                    owner: "team-inference",
                    podSecurity: "restricted",
                    groups: { admins: [], developers: [], viewers: [] },
                    network: {
                        allowSameNamespace: false,
                        meshed: false,
                        egress: [],
                        ingressFromNamespaces: [],
                    },
                    quota: {},
                    limits: {},
                },
            ]);
        });

        it("has no tenant, protected resources and no developer exec or Secret read by default", () => {
            const settings = load({});
            assert.deepStrictEqual(settings.tenants, []);
            assert.deepStrictEqual(settings.tenancy, {
                protect: true,
                allowDeveloperExec: false,
                allowDeveloperSecretRead: false,
            });
            assert.deepStrictEqual(settings.breakGlass, {
                enabled: false,
                clusterRole: "cluster-admin",
            });
        });

        it("refuses invalid, reserved and duplicate names, naming each tenant", () => {
            assert.deepStrictEqual(
                issuesOf({
                    tenants: [
                        { name: "ML_Research", owner: "a" },
                        { name: "kube-system", owner: "b" },
                        { name: "ml", owner: "c" },
                        { name: "ml", owner: "d" },
                        { name: "default", owner: "e" },
                    ],
                }),
                [
                    {
                        key: "sovereign-contour:tenants[0].name",
                        message: `tenant "ML_Research": the name must be a DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit) (got "ML_Research")`,
                    },
                    {
                        key: "sovereign-contour:tenants[1].name",
                        message:
                            'tenant "kube-system": the name is a Kubernetes system namespace (kube-system, kube-public, kube-node-lease, default and the kube- prefix are reserved); choose another name (got "kube-system")',
                    },
                    {
                        key: "sovereign-contour:tenants[4].name",
                        message:
                            'tenant "default": the name is a Kubernetes system namespace (kube-system, kube-public, kube-node-lease, default and the kube- prefix are reserved); choose another name (got "default")',
                    },
                    {
                        key: "sovereign-contour:tenants[3].name",
                        message:
                            'tenant "ml" is declared more than once; tenant names must be unique (got "ml")',
                    },
                ],
            );
        });

        it("refuses the kube- prefix and names longer than 63 characters", () => {
            const long = "a".repeat(64);
            assert.deepStrictEqual(
                issuesOf({
                    tenants: [
                        { name: "kube-ml", owner: "a" },
                        { name: long, owner: "b" },
                    ],
                }).map((i) => [i.key, i.message.split(":")[0]]),
                [
                    ["sovereign-contour:tenants[0].name", 'tenant "kube-ml"'],
                    ["sovereign-contour:tenants[1].name", `tenant "${long}"`],
                ],
            );
        });

        const reservedTail =
            ". A tenant there would share the namespace, its roles and its exemptions with the platform; choose another name";

        it("refuses a tenant named like a namespace of the systemNamespaces setting", () => {
            assert.deepStrictEqual(
                issuesOf({
                    systemNamespaces: [{ name: "monitoring", podSecurity: "restricted" }],
                    tenants: [{ name: "monitoring", owner: "team-x" }],
                }),
                [
                    {
                        key: "sovereign-contour:tenants[0].name",
                        message:
                            `tenant "monitoring" takes a namespace the platform reserves: systemNamespaces (the platform's own components run there)` +
                            `${reservedTail} (got "monitoring")`,
                    },
                ],
            );
        });

        it("refuses every namespace the platform's components create or exempt, naming the settings", () => {
            // Each of these passed before: two Namespace objects of one name, the tenant's roles
            // inside an admission controller's namespace, its workloads exempt from admission.
            const names = [
                "kyverno",
                "gatekeeper-system",
                "cert-manager",
                "linkerd",
                "linkerd-cni",
                "falco",
                "ingress-gateway",
            ];
            assert.deepStrictEqual(
                issuesOf({
                    gatekeeper: { exposedServiceNamespaces: ["ingress-gateway"] },
                    tenants: names.map((name) => ({ name, owner: "team-x" })),
                }).map((i) => [i.key, i.message]),
                [
                    [
                        "kyverno",
                        "kyverno.namespace (Kyverno runs there); gatekeeper.exemptNamespaces (no Gatekeeper constraint applies there); kyverno.exemptNamespaces (no Kyverno policy applies there)",
                    ],
                    [
                        "gatekeeper-system",
                        "gatekeeper.namespace (Gatekeeper runs there); gatekeeper.exemptNamespaces (no Gatekeeper constraint applies there); kyverno.exemptNamespaces (no Kyverno policy applies there)",
                    ],
                    [
                        "cert-manager",
                        "certManager.namespace (cert-manager and the internal CA run there)",
                    ],
                    ["linkerd", "linkerd.namespace (the Linkerd control plane runs there)"],
                    ["linkerd-cni", "linkerd.cniNamespace (the Linkerd CNI plugin runs there)"],
                    ["falco", "falco.namespace (Falco runs there)"],
                    [
                        "ingress-gateway",
                        "gatekeeper.exposedServiceNamespaces (Services there may be NodePort or LoadBalancer)",
                    ],
                ].map(([name, reasons], i) => [
                    `sovereign-contour:tenants[${i}].name`,
                    `tenant "${name}" takes a namespace the platform reserves: ${reasons}${reservedTail} (got "${name}")`,
                ]),
            );
        });

        it("follows the namespace settings: a renamed component namespace is reserved, the old name free", () => {
            const raw = {
                gatekeeper: { namespace: "opa" },
                kyverno: { namespace: "policy-engine", exemptNamespaces: ["kube-system"] },
                falco: { enabled: false, namespace: "runtime-detection" },
            };
            assert.deepStrictEqual(
                issuesOf({
                    ...raw,
                    tenants: [
                        { name: "opa", owner: "a" },
                        { name: "policy-engine", owner: "b" },
                        { name: "runtime-detection", owner: "c" },
                    ],
                }).map((i) => [i.key, i.message]),
                [
                    [
                        "sovereign-contour:tenants[0].name",
                        `tenant "opa" takes a namespace the platform reserves: gatekeeper.namespace (Gatekeeper runs there)${reservedTail} (got "opa")`,
                    ],
                    [
                        "sovereign-contour:tenants[1].name",
                        `tenant "policy-engine" takes a namespace the platform reserves: kyverno.namespace (Kyverno runs there)${reservedTail} (got "policy-engine")`,
                    ],
                    // Reserved although Falco is disabled: enabling it later cannot collide.
                    [
                        "sovereign-contour:tenants[2].name",
                        `tenant "runtime-detection" takes a namespace the platform reserves: falco.namespace (Falco runs there)${reservedTail} (got "runtime-detection")`,
                    ],
                ],
            );
            // "kyverno" is no longer a component's namespace, but gatekeeper's default exempt list
            // still names it; "falco" is free once Falco runs elsewhere.
            assert.deepStrictEqual(
                issuesOf({
                    ...raw,
                    tenants: [
                        { name: "kyverno", owner: "a" },
                        { name: "falco", owner: "b" },
                    ],
                }).map((i) => i.key),
                ["sovereign-contour:tenants[0].name"],
            );
            assert.deepStrictEqual(
                load({
                    ...raw,
                    gatekeeper: { namespace: "opa", exemptNamespaces: ["kube-system"] },
                    tenants: [
                        { name: "kyverno", owner: "a" },
                        { name: "falco", owner: "b" },
                    ],
                }).tenants.map((t) => t.name),
                ["kyverno", "falco"],
            );
        });

        it("refuses unsafe or malformed tenant settings, each at its key", () => {
            assert.deepStrictEqual(
                issuesOf({
                    tenants: [
                        {
                            name: "ml",
                            owner: "team ml",
                            podSecurity: "baseline",
                            groups: { developers: ["system:authenticated"] },
                            network: {
                                egress: [
                                    { cidr: "0.0.0.0/0", ports: [{ port: 443 }] },
                                    { cidr: "10.0.0.300/8", ports: [] },
                                ],
                                ingressFromNamespaces: ["ml"],
                            },
                            quota: { cpuRequests: "8 cores", gpu: 1 },
                        },
                    ],
                }),
                [
                    {
                        key: "sovereign-contour:tenants[0].owner",
                        message: `expected a label value: letters, digits, '-', '_' and '.', starting and ending with a letter or digit (got "team ml")`,
                    },
                    {
                        key: "sovereign-contour:tenants[0].network.egress[1].cidr",
                        message:
                            'expected a CIDR block such as 10.20.0.0/16 or fd00:10::/64 (got "10.0.0.300/8")',
                    },
                    {
                        key: "sovereign-contour:tenants[0].network.egress[1].ports",
                        message:
                            "expected at least one port: list the ports the tenant needs on this network (got [])",
                    },
                    {
                        key: "sovereign-contour:tenants[0].quota.cpuRequests",
                        message:
                            'expected a Kubernetes quantity such as 500m, 4, 512Mi or 16Gi (got "8 cores")',
                    },
                    {
                        key: "sovereign-contour:tenants[0].quota",
                        message:
                            'unknown setting "gpu" (did you mean "gpus"?); known: cpuRequests, cpuLimits, memoryRequests, memoryLimits, pods, persistentVolumeClaims, storage, gpus',
                    },
                    {
                        key: "sovereign-contour:tenants[0].podSecurityReason",
                        message:
                            'tenant "ml" enforces Pod Security "baseline": set podSecurityReason, a reason is required for any level below restricted (got missing)',
                    },
                    {
                        key: "sovereign-contour:tenants[0].groups.developers[0]",
                        message:
                            'tenant "ml": "system:authenticated" is a Kubernetes system group; bind identity-provider groups only (binding system: groups grants access to every authenticated client or node) (got "system:authenticated")',
                    },
                    {
                        key: "sovereign-contour:tenants[0].network.egress[0].cidr",
                        message:
                            'tenant "ml": egress to 0.0.0.0/0 opens every destination; list the networks the tenant needs (got "0.0.0.0/0")',
                    },
                    {
                        key: "sovereign-contour:tenants[0].network.ingressFromNamespaces",
                        message:
                            'tenant "ml": lists its own namespace in ingressFromNamespaces; use network.allowSameNamespace instead (got ["ml"])',
                    },
                ],
            );
        });

        it("refuses a container limit of zero, which admits no container", () => {
            const message =
                "expected a quantity above zero such as 500m, 4 or 512Mi: a container limit of 0 admits no container";
            assert.deepStrictEqual(
                issuesOf({
                    tenants: [
                        {
                            name: "ml",
                            owner: "team-ml",
                            limits: {
                                maxCpu: "0",
                                maxMemory: "0Gi",
                                defaultCpu: "0.0",
                                defaultMemory: "00Mi",
                            },
                        },
                    ],
                }).map((i) => [i.key, i.message]),
                [
                    ["sovereign-contour:tenants[0].limits.defaultCpu", `${message} (got "0.0")`],
                    [
                        "sovereign-contour:tenants[0].limits.defaultMemory",
                        `${message} (got "00Mi")`,
                    ],
                    ["sovereign-contour:tenants[0].limits.maxCpu", `${message} (got "0")`],
                    ["sovereign-contour:tenants[0].limits.maxMemory", `${message} (got "0Gi")`],
                ],
            );
            const limits = { maxCpu: "0.5", maxMemory: "1Gi", defaultCpu: "500m" };
            assert.deepStrictEqual(
                load({ tenants: [{ name: "ml", owner: "team-ml", limits }] }).tenants[0].limits,
                limits,
            );
        });

        it("accepts IPv6 egress blocks and port ranges", () => {
            const settings = load({
                tenants: [
                    {
                        name: "ml",
                        owner: "team-ml",
                        network: {
                            egress: [
                                {
                                    cidr: "fd00:10::/64",
                                    ports: [{ port: 8000, endPort: 8010, protocol: "UDP" }],
                                },
                            ],
                        },
                    },
                ],
            });
            assert.deepStrictEqual(settings.tenants[0].network.egress, [
                {
                    cidr: "fd00:10::/64",
                    except: [],
                    ports: [{ port: 8000, endPort: 8010, protocol: "UDP" }],
                },
            ]);
        });
    });

    describe("breakGlass", () => {
        const now = new Date("2025-03-01T12:00:00Z");
        const section = makeBreakGlassSection(() => now);
        const messages = (value: unknown): string[] => {
            const parsed = section.safeParse(value);
            return parsed.success
                ? []
                : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
        };
        const valid = {
            enabled: true,
            group: "oidc:platform-break-glass",
            expiresAt: "2025-03-01T18:00:00Z",
            reason: "INC-4711: etcd restore",
        };

        it("accepts an enabled entry with group, reason and a near expiry", () => {
            assert.deepStrictEqual(section.parse(valid), {
                ...valid,
                clusterRole: "cluster-admin",
            });
        });

        it("refuses an expired entry, comparing against the injected clock", () => {
            assert.deepStrictEqual(messages({ ...valid, expiresAt: "2025-03-01T11:00:00Z" }), [
                "expiresAt: break-glass expired at 2025-03-01T11:00:00Z (now 2025-03-01T12:00:00.000Z): set enabled to false, or set a new expiresAt and reason if the emergency continues",
            ]);
            assert.deepStrictEqual(messages({ ...valid, expiresAt: "2025-03-01T13:00:00+02:00" }), [
                "expiresAt: break-glass expired at 2025-03-01T13:00:00+02:00 (now 2025-03-01T12:00:00.000Z): set enabled to false, or set a new expiresAt and reason if the emergency continues",
            ]);
        });

        it("refuses a reason-less entry, blank reasons included", () => {
            for (const reason of [undefined, "", "   "]) {
                assert.deepStrictEqual(messages({ ...valid, reason }), [
                    "reason: break-glass is enabled without a reason: set reason to the incident or ticket and why emergency access is needed",
                ]);
            }
        });

        it("refuses an enabled entry without group or expiry, and an expiry beyond 168 hours", () => {
            assert.deepStrictEqual(messages({ enabled: true, reason: "x" }), [
                "group: break-glass is enabled without a group: set group to the identity-provider group for emergency access",
                "expiresAt: break-glass is enabled without an expiry: set expiresAt to an ISO 8601 time such as 2025-03-01T18:00:00Z",
            ]);
            assert.deepStrictEqual(messages({ ...valid, expiresAt: "2025-03-08T12:00:01Z" }), [
                "expiresAt: break-glass expiresAt 2025-03-08T12:00:01Z is more than 168 hours after now (2025-03-01T12:00:00.000Z): emergency access is time-boxed, set an earlier expiry",
            ]);
            assert.deepStrictEqual(messages({ ...valid, expiresAt: "2025-03-08T12:00:00Z" }), []);
        });

        it("refuses a time without a zone and a Kubernetes system group", () => {
            assert.deepStrictEqual(messages({ ...valid, expiresAt: "2025-03-01 18:00" }), [
                "expiresAt: expected an ISO 8601 time with a zone, e.g. 2025-03-01T18:00:00Z",
            ]);
            assert.deepStrictEqual(messages({ enabled: false, group: "system:masters" }), [
                'group: break-glass group "system:masters" is a Kubernetes system group; use an identity-provider group',
            ]);
        });

        it("refuses a reason longer than 500 characters or holding control characters", () => {
            assert.deepStrictEqual(messages({ ...valid, reason: "x".repeat(500) }), []);
            assert.deepStrictEqual(messages({ ...valid, reason: "x".repeat(501) }), [
                "reason: expected at most 500 characters: name the incident or ticket and why, and keep the details in the ticket",
            ]);
            const oneLine =
                "reason: expected one line of text without control characters (line breaks, tabs, escape sequences, bidirectional overrides)";
            for (const reason of [
                "INC-4711\nfake: approved",
                "INC-4711\ttabbed",
                "INC-4711 \u001b[2Jcleared",
                "INC-4711 \u202eevil",
                "INC-4711\u2028next",
                "INC-4711 \u0085",
            ]) {
                assert.deepStrictEqual(messages({ ...valid, reason }), [oneLine], reason);
            }
            // Refused whether or not the entry is enabled: the reason is recorded either way.
            assert.deepStrictEqual(messages({ enabled: false, reason: "a\nb" }), [oneLine]);
        });

        it("ignores the expiry of a disabled entry", () => {
            assert.deepStrictEqual(
                messages({ ...valid, enabled: false, expiresAt: "2020-01-01T00:00:00Z" }),
                [],
            );
        });

        it("is refused at load with the key named (wall clock)", () => {
            assert.deepStrictEqual(
                issuesOf({
                    breakGlass: {
                        enabled: true,
                        group: "oidc:bg",
                        expiresAt: "2000-01-01T00:00:00Z",
                    },
                }).map((i) => [i.key, i.message.split(" (now ")[0]]),
                [
                    [
                        "sovereign-contour:breakGlass.reason",
                        "break-glass is enabled without a reason: set reason to the incident or ticket and why emergency access is needed (got missing)",
                    ],
                    [
                        "sovereign-contour:breakGlass.expiresAt",
                        "break-glass expired at 2000-01-01T00:00:00Z",
                    ],
                ],
            );
        });
    });

    describe("stack files", () => {
        const root = path.join(__dirname, "..", "..");
        const stack = (name: string) => {
            const config = readStackConfig(root, name);
            return loadSettings(config.values, config.secretKeys).settings;
        };

        it("dev and prod declare the same tenants, with GPU quota for the AI teams", () => {
            const dev = stack("dev");
            const prod = stack("prod");
            assert.deepStrictEqual(
                dev.tenants.map((t) => t.name),
                ["inference", "ml-training", "data-platform"],
            );
            assert.deepStrictEqual(
                prod.tenants.map((t) => t.name),
                dev.tenants.map((t) => t.name),
            );
            assert.deepStrictEqual(
                prod.tenants.map((t) => t.quota.gpus ?? 0),
                [8, 16, 0],
            );
            assert.ok(dev.tenants.every((t) => t.podSecurity === "restricted"));
            assert.ok(prod.tenants.every((t) => t.podSecurity === "restricted"));
        });

        it("prod protects tenants and gives developers neither exec nor Secrets; dev loosens only parameters", () => {
            assert.deepStrictEqual(stack("prod").tenancy, {
                protect: true,
                allowDeveloperExec: false,
                allowDeveloperSecretRead: false,
            });
            assert.deepStrictEqual(stack("dev").tenancy, {
                protect: false,
                allowDeveloperExec: true,
                allowDeveloperSecretRead: true,
            });
        });

        it("keeps break-glass off with a named group in both stacks", () => {
            for (const name of ["dev", "prod"]) {
                assert.deepStrictEqual(stack(name).breakGlass, {
                    enabled: false,
                    group: "oidc:platform-break-glass",
                    clusterRole: "cluster-admin",
                });
            }
        });
    });
});
