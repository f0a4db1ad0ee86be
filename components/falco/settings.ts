/**
 * The `falco` settings: Falco, the platform's rules for AI workloads and alert routing, and the
 * cross-section check that alerts to falcosidekick need cert-manager.
 */
import { isIP } from "net";
import { z } from "zod";
import { dns1123Label, replicas } from "../shared/settings";
import { falcoDefaults } from "./defaults";

/** A CIDR block, IPv4 or IPv6. */
const cidr = z.string().refine(
    (value) => {
        const [address, prefix, extra] = value.split("/");
        const family = isIP(address ?? "");
        const bits = Number(prefix);
        return (
            family !== 0 &&
            extra === undefined &&
            /^\d+$/.test(prefix ?? "") &&
            bits <= (family === 4 ? 32 : 128)
        );
    },
    { message: "expected a CIDR block such as 10.20.0.0/16" },
);

/** A process name as Falco reports it in `proc.name` (at most 15 characters, the kernel's comm). */
const processName = z.string().regex(/^[A-Za-z0-9._+-]{1,15}$/, {
    message: "expected a process name (proc.name): up to 15 letters, digits, '.', '_', '+' or '-'",
});

/** Falco priorities, most severe first. */
export const falcoPriorities = [
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "informational",
    "debug",
] as const;

const falcoPriority = z.enum(falcoPriorities, {
    errorMap: () => ({ message: `expected a Falco priority: ${falcoPriorities.join(", ")}` }),
});

/** falcosidekick's outputs: where alerts go. */
const sidekickOutputs = z
    .object({
        /** A webhook receiving every alert as JSON (a SIEM or SOAR endpoint). */
        webhookUrl: z
            .string()
            .url({ message: "expected the webhook URL (https://...)" })
            .optional(),
        /** Alertmanager to push alerts to: `http://alertmanager-operated.monitoring:9093`. */
        alertmanagerUrl: z
            .string()
            .url({ message: "expected the Alertmanager URL (http://host:9093)" })
            .optional(),
        /** A syslog collector. */
        syslog: z
            .object({
                host: z.string().trim().min(1),
                port: z.number().int().min(1).max(65535).default(514),
                protocol: z.enum(["tcp", "udp"]).default("tcp"),
            })
            .strict()
            .optional(),
    })
    .strict()
    .default({});

/**
 * `falco`: Falco with the `modern_ebpf` driver (capabilities, not a privileged container), the
 * upstream default rules plus the platform's own rules for AI workloads, shipped by this program
 * (no rule downloads at runtime), and alert routing.
 */
export const falcoSection = z
    .object({
        /** Install Falco. @default true */
        enabled: z.boolean().default(true),
        /**
         * Namespace Falco runs in: Pod Security `privileged` (kernel instrumentation, host paths),
         * recorded as an exemption with its reason. @default "falco"
         */
        namespace: dns1123Label.default(falcoDefaults.namespace),
        /**
         * The nodes' container runtime. Falco mounts its socket alone, read-only, for container
         * and pod metadata: `containerd` (/run/containerd/containerd.sock), `crio`
         * (/run/crio/crio.sock) or `docker` (/var/run/docker.sock, cri-dockerd nodes).
         * @default "containerd"
         */
        containerRuntime: z
            .enum(["containerd", "crio", "docker"], {
                errorMap: () => ({
                    message:
                        'expected "containerd", "crio" or "docker": the nodes\' container runtime, whose socket alone Falco mounts',
                }),
            })
            .default(falcoDefaults.containerRuntime),
        /** Rules below this priority are not loaded. @default "notice" */
        minimumPriority: falcoPriority.default(falcoDefaults.minimumPriority),
        /** The platform's own rules for AI workloads. */
        rules: z
            .object({
                /** Namespaces that serve models (inference). @default [] */
                servingNamespaces: z.array(dns1123Label).default([]),
                /** Namespaces that train models. @default [] */
                trainingNamespaces: z.array(dns1123Label).default([]),
                /** Namespaces whose pods may open GPU devices. @default [] */
                gpuNamespaces: z.array(dns1123Label).default([]),
                /**
                 * Processes allowed to read model weights (the serving and training runtimes).
                 * @default python, python3, tritonserver, vllm, torchserve, text-generation, ollama
                 */
                modelReaders: z
                    .array(processName)
                    .min(1)
                    .default([...falcoDefaults.modelReaders]),
                /**
                 * Networks serving pods may connect to (cluster networks, the model registry, KMS,
                 * SIEM); any other outbound connection from a serving pod alerts. @default []
                 */
                allowedEgressCidrs: z.array(cidr).default([]),
            })
            .strict()
            .default({}),
        /** Where alerts go. */
        alerts: z
            .object({
                /**
                 * `falcosidekick`: Falco posts to falcosidekick, which fans out to the outputs below
                 * and exposes Prometheus metrics; `http`: Falco posts straight to `httpUrl`;
                 * `stdout`: alerts stay in Falco's log. @default "falcosidekick"
                 */
                mode: z
                    .enum(["falcosidekick", "http", "stdout"], {
                        errorMap: () => ({
                            message: 'expected "falcosidekick", "http" or "stdout"',
                        }),
                    })
                    .default(falcoDefaults.alertMode),
                /** Alerts below this priority are not forwarded. @default "warning" */
                minimumPriority: falcoPriority.default(falcoDefaults.alertMinimumPriority),
                /** Falco's HTTP output target (mode `http`). */
                httpUrl: z.string().url({ message: "expected an http(s) URL" }).optional(),
                /** falcosidekick replicas. @default 2 */
                sidekickReplicas: replicas.default(falcoDefaults.sidekickReplicas),
                outputs: sidekickOutputs,
            })
            .strict()
            .default({})
            .superRefine((a, ctx) => {
                if (a.mode === "http" && a.httpUrl === undefined) {
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: ["httpUrl"],
                        message: 'alerts.mode is "http": set alerts.httpUrl to the receiver',
                    });
                }
            }),
        /** Serve Prometheus metrics from Falco's webserver. @default true */
        metrics: z.boolean().default(falcoDefaults.metrics),
        /**
         * Create a ServiceMonitor for Falco and falcosidekick and a PrometheusRule with the
         * platform's runtime alerts (Falco, Gatekeeper, Kyverno, certificate expiry); needs the
         * Prometheus Operator CRDs. @default false
         */
        prometheusOperator: z.boolean().default(falcoDefaults.prometheusOperator),
    })
    .strict()
    .default({});

/** Typed `falco` settings. */
export type FalcoSettings = z.infer<typeof falcoSection>;

/**
 * Cross-section check, run on the whole settings object: Falco posts to falcosidekick over TLS
 * only, with a serving certificate cert-manager issues, so alert mode `falcosidekick` needs
 * `certManager.enabled`.
 */
export function checkFalcoCertManager(
    settings: {
        readonly certManager: { readonly enabled: boolean };
        readonly falco: { readonly enabled: boolean; readonly alerts: { readonly mode: string } };
    },
    ctx: z.RefinementCtx,
): void {
    if (
        settings.falco.enabled &&
        settings.falco.alerts.mode === "falcosidekick" &&
        !settings.certManager.enabled
    ) {
        ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ["certManager", "enabled"],
            message:
                'falco.alerts.mode is "falcosidekick" but certManager.enabled is false: ' +
                "cert-manager issues falcosidekick's serving certificate, so that Falco posts " +
                'alerts over TLS; set certManager.enabled to true, or falco.alerts.mode to "http" ' +
                'or "stdout"',
        });
    }
}
