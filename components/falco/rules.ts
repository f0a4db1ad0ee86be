/**
 * The platform's own Falco rules for an AI platform, loaded after the upstream default rules
 * (`/etc/falco/falco_rules.yaml` in the Falco image). They are self-contained: every list and macro
 * they use is defined here with a `sovereign_` prefix, so an upstream rename never silently
 * disables one. Each rule carries two recorded events beside it: one it must catch and one it
 * must let pass; the tests evaluate both (see `condition.ts`).
 *
 * Written for this project from the recommendations in the security-controls reference (§7.2).
 */
import * as YAML from "yaml";
import { FalcoEvent, RulesFileEntry } from "./condition";

/** Inputs of the rules: the namespaces and processes they are scoped by (from the settings). */
export interface SovereignRulesInput {
    /** Namespaces that serve models. */
    readonly servingNamespaces: readonly string[];
    /** Namespaces that train models. */
    readonly trainingNamespaces: readonly string[];
    /** Namespaces whose pods may open GPU devices (the GPU operator's own included). */
    readonly gpuNamespaces: readonly string[];
    /** Processes allowed to read model weights. */
    readonly modelReaders: readonly string[];
    /** Networks serving pods may connect to. */
    readonly allowedEgressCidrs: readonly string[];
}

/** A recorded event (the fields Falco extracts) and what it stands for. */
export interface RuleExample {
    /** What happened, in words. */
    readonly description: string;
    readonly event: FalcoEvent;
}

/** One of the platform's rules, with the events that document it. */
export interface SovereignRule {
    readonly rule: string;
    readonly desc: string;
    readonly condition: string;
    readonly output: string;
    readonly priority: "CRITICAL" | "ERROR" | "WARNING" | "NOTICE";
    readonly tags: readonly string[];
    /** An event the rule must catch. */
    readonly catches: RuleExample;
    /** A similar event the rule must let pass. */
    readonly ignores: RuleExample;
}

/** Tag every rule of the platform carries, so alerts can be routed and counted by origin. */
export const sovereignTag = "sovereign_ai";

/**
 * Stand-ins for an empty list: Falco lists are never left empty (an empty `in ()` is not accepted
 * by every Falco version), so an empty namespace list holds a name no namespace can have, and an
 * empty network list a block no outbound connection reaches.
 */
export const emptyNames = "__none__";
export const emptyNetworks = "255.255.255.255/32";

const orNone = (items: readonly string[], none: string): string[] =>
    items.length > 0 ? [...new Set(items)].sort() : [none];

/** The lists of the rules file, in definition order (pure). */
export function sovereignLists(input: SovereignRulesInput): Record<string, (string | number)[]> {
    return {
        sovereign_shell_binaries: [
            "ash",
            "bash",
            "busybox",
            "csh",
            "dash",
            "fish",
            "ksh",
            "sh",
            "tcsh",
            "zsh",
        ],
        sovereign_package_managers: [
            "apk",
            "apt",
            "apt-get",
            "aptitude",
            "conda",
            "dnf",
            "dpkg",
            "gem",
            "mamba",
            "micromamba",
            "microdnf",
            "npm",
            "pip",
            "pip3",
            "rpm",
            "uv",
            "yum",
            "zypper",
        ],
        sovereign_serving_namespaces: orNone(input.servingNamespaces, emptyNames),
        sovereign_training_namespaces: orNone(input.trainingNamespaces, emptyNames),
        sovereign_ai_namespaces: ["sovereign_serving_namespaces", "sovereign_training_namespaces"],
        sovereign_gpu_namespaces: orNone(input.gpuNamespaces, emptyNames),
        sovereign_model_readers: orNone(input.modelReaders, emptyNames),
        sovereign_model_dirs: ["/data/models", "/mnt/models", "/models"],
        sovereign_sa_token_dirs: [
            "/run/secrets/kubernetes.io/serviceaccount",
            "/var/run/secrets/kubernetes.io/serviceaccount",
        ],
        // The mesh proxy reads its own projected identity token, never the service-account one;
        // it is listed so the pattern for extending the list is on record.
        sovereign_credential_readers: ["linkerd-proxy"],
        sovereign_miner_binaries: [
            "bminer",
            "ccminer",
            "cpuminer",
            "ethminer",
            "gminer",
            "lolMiner",
            "minerd",
            "nanominer",
            "nbminer",
            "phoenixminer",
            "t-rex",
            "teamredminer",
            "xmr-stak",
            "xmrig",
        ],
        sovereign_miner_ports: [3333, 5555, 7777, 14433, 14444, 45560, 45700],
        sovereign_allowed_egress_networks: orNone(input.allowedEgressCidrs, emptyNetworks),
    };
}

/** The macros of the rules file, in definition order (pure). */
export const sovereignMacros: Readonly<Record<string, string>> = {
    sovereign_spawned_process: "evt.type in (execve, execveat) and evt.dir = <",
    sovereign_container: "container.id != host",
    sovereign_open_read:
        "evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.typechar = f and fd.num >= 0",
    sovereign_outbound:
        "evt.type = connect and evt.dir = < and (fd.typechar = 4 or fd.typechar = 6) and " +
        "fd.sip != 0.0.0.0 and not fd.snet in (127.0.0.0/8) and (evt.rawres >= 0 or evt.res = EINPROGRESS)",
    sovereign_in_ai_namespace: "k8s.ns.name in (sovereign_ai_namespaces)",
    sovereign_model_file:
        "(fd.name pmatch (sovereign_model_dirs) or fd.name endswith .safetensors or fd.name endswith .gguf " +
        "or fd.name endswith .onnx or fd.name endswith .pt or fd.name endswith .pth or fd.name endswith .ckpt)",
    sovereign_credential_file:
        "((fd.filename = token and fd.name pmatch (sovereign_sa_token_dirs)) or " +
        "fd.name endswith /huggingface/token or fd.name endswith /.aws/credentials or " +
        "fd.name endswith /.git-credentials or fd.name endswith /.netrc)",
};

const workload =
    "ns=%k8s.ns.name pod=%k8s.pod.name container=%container.name image=%container.image.repository";

/** The rules, each with the events that document it (pure). */
export function sovereignRules(): SovereignRule[] {
    const pod = {
        "container.id": "3f2a9c1d7e5b",
        "container.name": "server",
        "container.image.repository": "registry.sovereign.example/ai/llm-server",
        "k8s.pod.name": "llm-server-7d9f",
        "user.name": "app",
    };
    const exec = (
        ns: string,
        name: string,
        pname: string,
        cmdline: string,
        vpid = 42,
    ): FalcoEvent => ({
        ...pod,
        "evt.type": "execve",
        "evt.dir": "<",
        "k8s.ns.name": ns,
        "proc.name": name,
        "proc.pname": pname,
        "proc.cmdline": cmdline,
        "proc.vpid": vpid,
    });
    const open = (ns: string, name: string, file: string): FalcoEvent => ({
        ...pod,
        "evt.type": "openat",
        "evt.is_open_read": true,
        "fd.typechar": "f",
        "fd.num": 7,
        "k8s.ns.name": ns,
        "proc.name": name,
        "proc.cmdline": name,
        "fd.name": file,
        "fd.filename": file.slice(file.lastIndexOf("/") + 1),
    });
    const connect = (ns: string, name: string, ip: string, port: number): FalcoEvent => ({
        ...pod,
        "evt.type": "connect",
        "evt.dir": "<",
        "evt.rawres": 0,
        "evt.res": "SUCCESS",
        "fd.typechar": "4",
        "fd.l4proto": "tcp",
        "fd.sip": ip,
        "fd.snet": ip,
        "fd.sport": port,
        "k8s.ns.name": ns,
        "proc.name": name,
        "proc.cmdline": name,
    });
    return [
        {
            rule: "Sovereign shell in AI workload",
            desc:
                "A shell started inside a model-serving or training container, with or without a " +
                "terminal (exec sessions, reverse shells, injected commands). The container's own " +
                "entrypoint (process 1) is not reported.",
            condition:
                "sovereign_spawned_process and sovereign_container and proc.name in (sovereign_shell_binaries) " +
                "and sovereign_in_ai_namespace and not proc.vpid = 1",
            output: `Shell started in AI workload (shell=%proc.name parent=%proc.pname cmdline=%proc.cmdline user=%user.name ${workload})`,
            priority: "WARNING",
            tags: ["container", "shell", "mitre_execution", "T1059", sovereignTag],
            catches: {
                description: "kubectl exec into the inference server opens bash",
                event: exec("inference", "bash", "runc", "bash"),
            },
            ignores: {
                description: "an image whose entrypoint is a shell script starts as process 1",
                event: exec("inference", "bash", "containerd-shim", "bash /app/start.sh", 1),
            },
        },
        {
            rule: "Sovereign package manager in AI workload",
            desc:
                "A package manager ran inside a model-serving or training container: the image is " +
                "being changed at runtime (drift), outside the reviewed build.",
            condition:
                "sovereign_spawned_process and sovereign_container and proc.name in (sovereign_package_managers) " +
                "and sovereign_in_ai_namespace",
            output: `Package manager ran in AI workload (tool=%proc.name cmdline=%proc.cmdline parent=%proc.pname user=%user.name ${workload})`,
            priority: "WARNING",
            tags: ["container", "drift", "mitre_persistence", "T1072", sovereignTag],
            catches: {
                description: "pip installs a package inside a training job",
                event: exec("ml-training", "pip", "python3", "pip install cryptography"),
            },
            ignores: {
                description: "the same command in a namespace that is not an AI workload namespace",
                event: exec("ci-builds", "pip", "python3", "pip install cryptography"),
            },
        },
        {
            rule: "Sovereign model weights read by unexpected process",
            desc:
                "Model weights (safetensors, GGUF, ONNX, PyTorch checkpoints, files under the model " +
                "directories) were opened by a process that is not a model runtime: possible " +
                "exfiltration of the model.",
            condition:
                "sovereign_open_read and sovereign_container and sovereign_model_file " +
                "and not proc.name in (sovereign_model_readers)",
            output: `Model weights read by unexpected process (file=%fd.name process=%proc.name cmdline=%proc.cmdline user=%user.name ${workload})`,
            priority: "WARNING",
            tags: ["container", "filesystem", "mitre_collection", "T1005", sovereignTag],
            catches: {
                description: "tar reads the weights to pack them for copying out",
                event: open("inference", "tar", "/models/llama/model-00001.safetensors"),
            },
            ignores: {
                description: "the serving runtime loads the same weights",
                event: open("inference", "vllm", "/models/llama/model-00001.safetensors"),
            },
        },
        {
            rule: "Sovereign credentials read in AI workload",
            desc:
                "A service-account token, model-hub token or cloud credential file was read inside " +
                "a model-serving or training container. Tenant pods mount no token unless they ask " +
                "for one, so a read is either a workload that needs review or credential theft.",
            condition:
                "sovereign_open_read and sovereign_container and sovereign_credential_file " +
                "and sovereign_in_ai_namespace and not proc.name in (sovereign_credential_readers)",
            output: `Credential file read in AI workload (file=%fd.name process=%proc.name cmdline=%proc.cmdline user=%user.name ${workload})`,
            priority: "WARNING",
            tags: ["container", "credentials", "mitre_credential_access", "T1552", sovereignTag],
            catches: {
                description: "cat reads the pod's service-account token",
                event: open(
                    "ml-training",
                    "cat",
                    "/var/run/secrets/kubernetes.io/serviceaccount/..2026_01_01/token",
                ),
            },
            ignores: {
                description: "the same process reads the CA bundle next to the token",
                event: open(
                    "ml-training",
                    "cat",
                    "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
                ),
            },
        },
        {
            rule: "Sovereign crypto-miner started",
            desc:
                "A known crypto-miner binary started, or a process was given a Stratum mining-pool " +
                "URL. GPU nodes are the most valuable target of a compromised AI workload.",
            condition:
                "sovereign_spawned_process and sovereign_container and (proc.name in (sovereign_miner_binaries) " +
                "or proc.cmdline contains stratum+tcp or proc.cmdline contains stratum+ssl " +
                "or proc.cmdline contains stratum2+tcp)",
            output: `Crypto-miner started (process=%proc.name cmdline=%proc.cmdline parent=%proc.pname user=%user.name ${workload})`,
            priority: "CRITICAL",
            tags: ["container", "cryptomining", "mitre_impact", "T1496", sovereignTag],
            catches: {
                description: "a renamed binary is pointed at a mining pool",
                event: exec(
                    "ml-training",
                    "trainer",
                    "python3",
                    "trainer -o stratum+tcp://pool.example:3333",
                ),
            },
            ignores: {
                description: "a training script starts normally",
                event: exec("ml-training", "python3", "runc", "python3 train.py --epochs 3"),
            },
        },
        {
            rule: "Sovereign connection to mining-pool port",
            desc: "A container connected to a port mining pools commonly listen on.",
            condition:
                "sovereign_outbound and sovereign_container and fd.sport in (sovereign_miner_ports)",
            output: `Connection to a mining-pool port (destination=%fd.sip:%fd.sport process=%proc.name cmdline=%proc.cmdline ${workload})`,
            priority: "WARNING",
            tags: ["container", "network", "cryptomining", "mitre_impact", "T1496", sovereignTag],
            catches: {
                description: "a process connects to port 3333 on an external address",
                event: connect("inference", "kworker", "203.0.113.50", 3333),
            },
            ignores: {
                description: "an HTTPS connection to the model registry mirror",
                event: connect("inference", "python3", "10.40.12.7", 443),
            },
        },
        {
            rule: "Sovereign GPU device opened outside GPU namespaces",
            desc:
                "A container opened an NVIDIA device node in a namespace not granted GPUs: a workload " +
                "escaping its quota, or a miner on a GPU node.",
            condition:
                "evt.type in (open, openat, openat2) and sovereign_container and fd.name startswith /dev/nvidia " +
                "and not k8s.ns.name in (sovereign_gpu_namespaces)",
            output: `GPU device opened outside GPU namespaces (device=%fd.name process=%proc.name cmdline=%proc.cmdline ${workload})`,
            priority: "WARNING",
            tags: ["container", "gpu", "mitre_impact", "T1496", sovereignTag],
            catches: {
                description: "a pod in a namespace without GPU quota opens /dev/nvidia0",
                event: { ...open("data-platform", "python3", "/dev/nvidia0"), "fd.typechar": "c" },
            },
            ignores: {
                description: "the inference server in a GPU namespace opens the same device",
                event: { ...open("inference", "python3", "/dev/nvidia0"), "fd.typechar": "c" },
            },
        },
        {
            rule: "Sovereign unexpected outbound connection from serving pod",
            desc:
                "A model-serving pod connected to a network outside the allow list (cluster networks, " +
                "the in-country model registry, KMS, SIEM): possible exfiltration of prompts, outputs " +
                "or weights, or data leaving the jurisdiction.",
            condition:
                "sovereign_outbound and sovereign_container and k8s.ns.name in (sovereign_serving_namespaces) " +
                "and not fd.snet in (sovereign_allowed_egress_networks)",
            output: `Unexpected outbound connection from serving pod (destination=%fd.sip:%fd.sport process=%proc.name cmdline=%proc.cmdline ${workload})`,
            priority: "WARNING",
            tags: [
                "container",
                "network",
                "data_residency",
                "mitre_exfiltration",
                "T1041",
                sovereignTag,
            ],
            catches: {
                description: "the inference server connects to an address on the internet",
                event: connect("inference", "python3", "198.51.100.23", 443),
            },
            ignores: {
                description:
                    "the inference server fetches weights from the internal registry mirror",
                event: connect("inference", "python3", "10.40.12.7", 443),
            },
        },
    ];
}

/** The rules file entries: lists, then macros, then rules (pure). */
export function sovereignRulesFile(input: SovereignRulesInput): RulesFileEntry[] {
    return [
        ...Object.entries(sovereignLists(input)).map(([list, items]) => ({ list, items })),
        ...Object.entries(sovereignMacros).map(([macro, condition]) => ({ macro, condition })),
        ...sovereignRules().map((r) => ({
            rule: r.rule,
            desc: r.desc,
            condition: r.condition,
            output: r.output,
            priority: r.priority,
            tags: [...r.tags],
            source: "syscall",
            enabled: true,
        })),
    ];
}

/** The rules file as Falco reads it (pure; long lines are never folded). */
export function renderSovereignRulesYaml(input: SovereignRulesInput): string {
    const header =
        "# Sovereign Contour: the platform's Falco rules for AI workloads.\n" +
        "# Rendered by components/falco/rules.ts; loaded after the upstream default rules.\n";
    return header + YAML.stringify(sovereignRulesFile(input), { lineWidth: 0 });
}
