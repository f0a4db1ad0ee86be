/**
 * Every place of a pod-bearing object where a credential can be written as a literal, read with
 * the patterns of ./credentials: what the API server stores there is readable by anyone who can
 * read the object (and sits in the program, its state and its logs).
 *
 * - each container of the three lists: `env[].value` (the value, and a command line held in it such
 *   as `JAVA_TOOL_OPTIONS`), `command` and `args`, the `exec.command` and `httpGet.httpHeaders` of its
 *   liveness, readiness and startup probes and of its postStart and preStop hooks;
 * - each inline volume's free-form settings: `csi.volumeAttributes`, `flexVolume.options`;
 * - the annotations of the object and of its pod template. An annotation whose key has a prefix
 *   (`checksum/secret`, `vault.hashicorp.com/agent-inject-secret-db`) is a tool's interface whose
 *   documented values name or hash a credential rather than hold it, so only credential formats
 *   are looked for there; an unprefixed key (`db-password`) is judged by its name as well.
 *   `kubectl.kubernetes.io/last-applied-configuration` repeats the object and is skipped.
 *
 * `env[].valueFrom`, `envFrom` and Secret volumes are references and never judged here (a ConfigMap
 * that `envFrom` loads is judged by secrets-no-credentials-in-configmaps).
 */
import {
    containersOf,
    isObject,
    KubeObject,
    metadataPathOf,
    PodTemplate,
} from "../../lib/workloads";
import {
    commandLineCredentials,
    credentialEvidence,
    credentialFormatOf,
    isCredentialKey,
    isLiteral,
    keyPath,
} from "./credentials";

const probes = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
const hooks = ["postStart", "preStop"] as const;

/** Header names that carry a credential whatever their value looks like. */
const credentialHeaders = ["authorization", "proxy-authorization", "cookie"];

/** The annotation that repeats the whole object as kubectl last applied it. */
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * The literal credentials of a pod-bearing object, each as `<field path> [(<name>)] <evidence>`,
 * in spec order: containers (env, command, args, probes, hooks), volumes, then annotations.
 */
export function podCredentials(
    props: KubeObject,
    template: PodTemplate,
    ignoredNames: readonly string[],
): string[] {
    const findings: string[] = [];
    const commandLine = (list: unknown, path: string): void => {
        if (!Array.isArray(list)) {
            return;
        }
        for (const f of commandLineCredentials(list, ignoredNames)) {
            findings.push(`${path}[${f.index}] ${f.evidence}`);
        }
    };
    const handler = (value: unknown, path: string): void => {
        if (!isObject(value)) {
            return;
        }
        if (isObject(value.exec)) {
            commandLine(value.exec.command, `${path}.exec.command`);
        }
        const headers: unknown = isObject(value.httpGet) ? value.httpGet.httpHeaders : undefined;
        if (Array.isArray(headers)) {
            headers.forEach((header: unknown, index: number) => {
                if (!isObject(header) || typeof header.name !== "string") {
                    return;
                }
                const evidence = headerEvidence(header.name, header.value);
                if (evidence !== undefined && !ignoredNames.includes(header.name)) {
                    findings.push(
                        `${path}.httpGet.httpHeaders[${index}] (${header.name}) ${evidence}`,
                    );
                }
            });
        }
    };

    for (const ref of containersOf(template)) {
        const env: unknown = ref.container.env;
        if (Array.isArray(env)) {
            env.forEach((variable: unknown, index: number) => {
                if (
                    !isObject(variable) ||
                    typeof variable.name !== "string" ||
                    typeof variable.value !== "string" ||
                    ignoredNames.includes(variable.name)
                ) {
                    return;
                }
                const at = `${ref.path}.env[${index}] (${variable.name})`;
                const evidence = credentialEvidence(variable.name, variable.value);
                if (evidence !== undefined) {
                    findings.push(`${at} ${evidence}`);
                    return;
                }
                for (const f of commandLineCredentials([variable.value], ignoredNames)) {
                    findings.push(`${at} ${f.evidence}`);
                }
            });
        }
        commandLine(ref.container.command, `${ref.path}.command`);
        commandLine(ref.container.args, `${ref.path}.args`);
        for (const probe of probes) {
            handler(ref.container[probe], `${ref.path}.${probe}`);
        }
        const lifecycle: unknown = ref.container.lifecycle;
        if (isObject(lifecycle)) {
            for (const hook of hooks) {
                handler(lifecycle[hook], `${ref.path}.lifecycle.${hook}`);
            }
        }
    }

    const volumes: unknown = template.spec.volumes;
    if (Array.isArray(volumes)) {
        volumes.forEach((volume: unknown, index: number) => {
            if (!isObject(volume)) {
                return;
            }
            const path = `${template.path}.volumes[${index}]`;
            const settings: [unknown, string][] = [
                [
                    isObject(volume.csi) ? volume.csi.volumeAttributes : undefined,
                    "csi.volumeAttributes",
                ],
                [
                    isObject(volume.flexVolume) ? volume.flexVolume.options : undefined,
                    "flexVolume.options",
                ],
            ];
            for (const [map, field] of settings) {
                if (!isObject(map)) {
                    continue;
                }
                for (const [key, value] of Object.entries(map)) {
                    if (typeof value !== "string" || ignoredNames.includes(key)) {
                        continue;
                    }
                    const evidence = credentialEvidence(key, value);
                    if (evidence !== undefined) {
                        findings.push(`${keyPath(`${path}.${field}`, key)} ${evidence}`);
                    }
                }
            }
        });
    }

    const metadata: unknown = props.metadata;
    const annotationSets: [unknown, string][] = [
        [isObject(metadata) ? metadata.annotations : undefined, "metadata"],
    ];
    if (template.path !== "spec") {
        annotationSets.push([template.metadata.annotations, metadataPathOf(template)]);
    }
    for (const [annotations, base] of annotationSets) {
        if (!isObject(annotations)) {
            continue;
        }
        for (const key of Object.keys(annotations).sort()) {
            const value: unknown = annotations[key];
            if (typeof value !== "string" || key === lastApplied || ignoredNames.includes(key)) {
                continue;
            }
            const evidence = key.includes("/")
                ? formatEvidence(value)
                : credentialEvidence(key, value);
            if (evidence !== undefined) {
                findings.push(`${base}.annotations[${JSON.stringify(key)}] ${evidence}`);
            }
        }
    }
    return findings;
}

function formatEvidence(value: string): string | undefined {
    const format = credentialFormatOf(value);
    return format === undefined ? undefined : `holds ${format}`;
}

/** The evidence that a probe or hook header carries a credential, or undefined. */
function headerEvidence(name: string, value: unknown): string | undefined {
    if (typeof value !== "string") {
        return undefined;
    }
    const format = formatEvidence(value);
    if (format !== undefined) {
        return format;
    }
    // The kubelet sends header values as written: no $(VAR) expansion, no way to reference a Secret.
    const credential = credentialHeaders.includes(name.toLowerCase()) || isCredentialKey(name);
    return credential && isLiteral(value)
        ? "is a credential header with a literal value"
        : undefined;
}
