/**
 * The Pod Security Standards (Kubernetes policy version v1.35) as pure functions over a pod
 * template, so that each `pod-security-*` policy stays a few lines and the same rules can be tested
 * without the policy machinery.
 *
 * Every check mirrors one check of the PodSecurity admission plugin
 * (`k8s.io/pod-security-admission/policy/check_*.go`), including its inheritance rules (a pod-level
 * `runAsNonRoot: true` or seccomp profile covers containers that do not override it), its
 * `hostUsers: false` and `spec.os.name: windows` relaxations, and the restricted checks that replace
 * a baseline check (capabilities, seccomp and procMount each switch to their restricted form). Every
 * container list is visited: `containers`, `initContainers` and `ephemeralContainers`.
 *
 * @link https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
import { containersOf, isObject, KubeObject, PodTemplate } from "../../lib/workloads";
import { PodSecurityLevel } from "./level";

/** The PodSecurity admission check a failure belongs to (the upstream check IDs). */
export type PodSecurityCheckId =
    | "hostNamespaces"
    | "privileged"
    | "capabilities_baseline"
    | "capabilities_restricted"
    | "hostPathVolumes"
    | "restrictedVolumes"
    | "hostPorts"
    | "appArmorProfile"
    | "seLinuxOptions"
    | "procMount"
    | "procMount_restricted"
    | "seccompProfile_baseline"
    | "seccompProfile_restricted"
    | "sysctls"
    | "windowsHostProcess"
    | "hostProbesAndHostLifecycle"
    | "allowPrivilegeEscalation"
    | "runAsNonRoot"
    | "runAsUser";

/** One offending field. */
export interface PodSecurityFinding {
    /** The field path inside the object: `spec.template.spec.containers[0].securityContext.privileged`. */
    readonly path: string;
    /** What is wrong with it, as a predicate that starts with a verb: `is true`, `is not set`. */
    readonly problem: string;
}

/** A failed check: what the pod does, every offending field, and how to fix it. */
export interface PodSecurityFailure {
    readonly check: PodSecurityCheckId;
    /** What the pod does, naming the offenders: `runs privileged containers (app, init)`. */
    readonly summary: string;
    /** Every offending field, in pod-then-container order. Never empty. */
    readonly findings: readonly PodSecurityFinding[];
    /** How to fix it, as a full sentence. */
    readonly fix: string;
}

/**
 * A check of one standard: the failure for a pod template at a level, or undefined when it passes.
 * Checks that are the same at both levels ignore the level; the others judge a missing level as
 * restricted (fail closed).
 */
export type PodSecurityCheck = (
    template: PodTemplate,
    level?: PodSecurityLevel,
) => PodSecurityFailure | undefined;

/** Capabilities a container may add at baseline (`capabilities_allowed_1_0`). */
export const baselineCapabilities: readonly string[] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/** The only capability a container may add at restricted. */
export const restrictedAddableCapability = "NET_BIND_SERVICE";

/**
 * The sysctls baseline treats as safe at policy version v1.35: the 1.0 set plus the 1.27, 1.29 and
 * 1.32 additions. (v1.37 adds `net.ipv4.tcp_slow_start_after_idle` and `net.ipv4.tcp_notsent_lowat`;
 * they are deliberately absent here.)
 */
export const safeSysctls: readonly string[] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

/** SELinux types baseline allows (besides unset/empty), `container_engine_t` from v1.31. */
export const allowedSELinuxTypes: readonly string[] = [
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/** The volume sources restricted allows. */
export const restrictedVolumeSources: readonly string[] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/** The annotation prefix of the (deprecated, still enforced) per-container AppArmor profile. */
export const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";

const validProfileTypes: readonly string[] = ["RuntimeDefault", "Localhost"];
const probeFields = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
const lifecycleHooks = ["postStart", "preStop"] as const;
const handlerActions = ["httpGet", "tcpSocket"] as const;

/** Pod Security Standards, baseline "Host Namespaces": no hostNetwork, hostPID or hostIPC. */
export const checkHostNamespaces: PodSecurityCheck = (template) => {
    const findings: PodSecurityFinding[] = [];
    const used: string[] = [];
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (template.spec[field] === true) {
            used.push(field);
            findings.push({ path: `${template.path}.${field}`, problem: "is true" });
        }
    }
    return failure(
        "hostNamespaces",
        `shares host namespaces (${used.join(", ")})`,
        findings,
        "Remove hostNetwork, hostPID and hostIPC or set them to false.",
    );
};

/** Pod Security Standards, baseline "Privileged Containers": no `securityContext.privileged: true`. */
export const checkPrivileged: PodSecurityCheck = (template) => {
    const bad = new Offenders();
    for (const ref of containersOf(template)) {
        if (securityContextOf(ref.container)?.privileged === true) {
            bad.add(ref.name, `${ref.path}.securityContext.privileged`, "is true");
        }
    }
    return bad.failure(
        "privileged",
        "runs privileged containers",
        "Remove privileged or set it to false.",
    );
};

/**
 * Pod Security Standards "Capabilities". Baseline: containers add only capabilities from
 * {@link baselineCapabilities}. Restricted (replaces the baseline check): every container drops
 * `ALL` and adds nothing but `NET_BIND_SERVICE`; Windows pods are exempt (v1.25+).
 */
export const checkCapabilities: PodSecurityCheck = (template, level) => {
    const bad = new Offenders();
    if (!isRestricted(level)) {
        for (const ref of containersOf(template)) {
            const extra = listOf(capabilitiesOf(ref.container)?.add).filter(
                (cap) => !baselineCapabilities.includes(cap as string),
            );
            if (extra.length > 0) {
                const path = `${ref.path}.securityContext.capabilities.add`;
                bad.add(ref.name, path, `includes ${quoteAll(extra)}`);
            }
        }
        return bad.failure(
            "capabilities_baseline",
            "adds capabilities beyond the baseline set",
            `Add only capabilities from the baseline set (${baselineCapabilities.join(", ")}), or none.`,
        );
    }
    if (isWindowsPod(template)) {
        return undefined;
    }
    for (const ref of containersOf(template)) {
        const capabilities = capabilitiesOf(ref.container);
        const drop = capabilities?.drop;
        if (!listOf(drop).includes("ALL")) {
            const problem = drop == null ? "is not set" : `does not include "ALL"`;
            bad.add(ref.name, `${ref.path}.securityContext.capabilities.drop`, problem);
        }
        const extra = listOf(capabilities?.add).filter(
            (cap) => cap !== restrictedAddableCapability,
        );
        if (extra.length > 0) {
            const path = `${ref.path}.securityContext.capabilities.add`;
            bad.add(ref.name, path, `includes ${quoteAll(extra)}`);
        }
    }
    return bad.failure(
        "capabilities_restricted",
        "does not restrict capabilities",
        `Set securityContext.capabilities.drop to ["ALL"] on every container and add no ` +
            `capability other than ${restrictedAddableCapability}.`,
    );
};

/** Pod Security Standards, baseline "HostPath Volumes": no `hostPath` volume. */
export const checkHostPathVolumes: PodSecurityCheck = (template) => {
    const bad = new Offenders();
    volumesOf(template).forEach(({ volume, name, path }) => {
        if (volume.hostPath != null) {
            bad.add(name, `${path}.hostPath`, "is set");
        }
    });
    return bad.failure(
        "hostPathVolumes",
        "mounts hostPath volumes",
        "Replace each hostPath volume with a persistentVolumeClaim, configMap, secret, " +
            "projected or emptyDir volume.",
    );
};

/**
 * Pod Security Standards, restricted "Volume Types": only the sources in
 * {@link restrictedVolumeSources} (so never hostPath; the baseline hostPath check still applies at
 * restricted too). A source this code does not know is forbidden (fail closed); a volume with no
 * source at all is admitted, because the API server defaults it to `emptyDir`.
 */
export const checkRestrictedVolumes: PodSecurityCheck = (template, level) => {
    if (!isRestricted(level)) {
        return undefined;
    }
    const bad = new Offenders();
    volumesOf(template).forEach(({ volume, name, path }) => {
        for (const [source, value] of Object.entries(volume)) {
            const allowed = source === "name" || restrictedVolumeSources.includes(source);
            if (!allowed && value != null) {
                bad.add(name, `${path}.${source}`, "is set");
            }
        }
    });
    return bad.failure(
        "restrictedVolumes",
        "uses volume types outside the restricted set",
        `Use only ${orList(restrictedVolumeSources)} volumes.`,
    );
};

/** Pod Security Standards, baseline "Host Ports": no `hostPort` other than 0. */
export const checkHostPorts: PodSecurityCheck = (template) => {
    const bad = new Offenders();
    for (const ref of containersOf(template)) {
        listOf(ref.container.ports).forEach((port, index) => {
            const hostPort: unknown = isObject(port) ? port.hostPort : undefined;
            if (hostPort != null && hostPort !== 0) {
                bad.add(ref.name, `${ref.path}.ports[${index}].hostPort`, `is ${show(hostPort)}`);
            }
        });
    }
    return bad.failure(
        "hostPorts",
        "binds host ports",
        "Remove hostPort (or set it to 0) and expose the port through a Service.",
    );
};

/**
 * Pod Security Standards, baseline "AppArmor": the `appArmorProfile.type` field (pod and containers)
 * is RuntimeDefault or Localhost when set, and every `container.apparmor.security.beta.kubernetes.io/*`
 * annotation is empty, `runtime/default` or `localhost/<profile>`.
 */
export const checkAppArmor: PodSecurityCheck = (template) => {
    const bad = new Offenders();
    const checkField = (who: string, context: KubeObject | undefined, path: string): void => {
        const profile: unknown = context?.appArmorProfile;
        if (profile == null) {
            return;
        }
        const type: unknown = isObject(profile) ? profile.type : undefined;
        if (!validProfileTypes.includes(type as string)) {
            bad.add(who, `${path}.securityContext.appArmorProfile.type`, `is ${show(type)}`);
        }
    };
    checkField("pod", podSecurityContextOf(template), template.path);
    for (const ref of containersOf(template)) {
        checkField(ref.name, securityContextOf(ref.container), ref.path);
    }
    const annotations = isObject(template.metadata.annotations)
        ? template.metadata.annotations
        : {};
    for (const key of Object.keys(annotations).sort()) {
        const value: unknown = annotations[key];
        if (key.startsWith(appArmorAnnotationPrefix) && !allowedAppArmorAnnotation(value)) {
            const path = `${metadataPathOf(template)}.annotations[${JSON.stringify(key)}]`;
            bad.add(key.slice(appArmorAnnotationPrefix.length), path, `is ${show(value)}`);
        }
    }
    return bad.failure(
        "appArmorProfile",
        "sets forbidden AppArmor profiles",
        "Use the RuntimeDefault or Localhost AppArmor profile type (annotation value " +
            "runtime/default or localhost/<profile>), or leave it unset.",
    );
};

/**
 * Pod Security Standards, baseline "SELinux": `seLinuxOptions.type` (pod and containers) is unset or
 * one of {@link allowedSELinuxTypes}; `seLinuxOptions.user` and `.role` are unset.
 */
export const checkSELinux: PodSecurityCheck = (template) => {
    const bad = new Offenders();
    const checkOptions = (who: string, context: KubeObject | undefined, path: string): void => {
        const options: unknown = context?.seLinuxOptions;
        if (!isObject(options)) {
            return;
        }
        const base = `${path}.securityContext.seLinuxOptions`;
        if (options.type != null && options.type !== "") {
            if (!allowedSELinuxTypes.includes(options.type)) {
                bad.add(who, `${base}.type`, `is ${show(options.type)}`);
            }
        }
        for (const field of ["user", "role"]) {
            if (options[field] != null && options[field] !== "") {
                bad.add(who, `${base}.${field}`, `is ${show(options[field])}`);
            }
        }
    };
    checkOptions("pod", podSecurityContextOf(template), template.path);
    for (const ref of containersOf(template)) {
        checkOptions(ref.name, securityContextOf(ref.container), ref.path);
    }
    return bad.failure(
        "seLinuxOptions",
        "sets forbidden SELinux options",
        "Leave seLinuxOptions.user and seLinuxOptions.role unset, and set seLinuxOptions.type " +
            `only to ${orList(allowedSELinuxTypes)}.`,
    );
};

/**
 * Pod Security Standards "/proc Mount Type": `procMount` is unset or `Default`. Baseline (v1.35)
 * admits any value for a pod in a user namespace (`spec.hostUsers: false`); restricted never does.
 */
export const checkProcMount: PodSecurityCheck = (template, level) => {
    const restricted = isRestricted(level);
    if (!restricted && usesUserNamespace(template)) {
        return undefined;
    }
    const bad = new Offenders();
    for (const ref of containersOf(template)) {
        const procMount: unknown = securityContextOf(ref.container)?.procMount;
        if (procMount != null && procMount !== "Default") {
            bad.add(ref.name, `${ref.path}.securityContext.procMount`, `is ${show(procMount)}`);
        }
    }
    const fix = restricted
        ? "Remove procMount or set it to Default."
        : "Remove procMount or set it to Default (any value is allowed only with spec.hostUsers: false).";
    return bad.failure(restricted ? "procMount_restricted" : "procMount", "unmasks /proc", fix);
};

/**
 * Pod Security Standards "Seccomp". Baseline: a seccomp profile that is set (pod or container) is
 * RuntimeDefault or Localhost. Restricted (replaces the baseline check): additionally every
 * container has one, its own or the pod's; Windows pods are exempt (v1.25+).
 */
export const checkSeccomp: PodSecurityCheck = (template, level) => {
    const restricted = isRestricted(level);
    if (restricted && isWindowsPod(template)) {
        return undefined;
    }
    const bad = new Offenders();
    const profileOf = (context: KubeObject | undefined): { set: boolean; type: unknown } => {
        const profile: unknown = context?.seccompProfile;
        return { set: profile != null, type: isObject(profile) ? profile.type : undefined };
    };
    const podPath = `${template.path}.securityContext.seccompProfile.type`;
    const pod = profileOf(podSecurityContextOf(template));
    const podValid = pod.set && validProfileTypes.includes(pod.type as string);
    if (pod.set && !podValid) {
        bad.add("pod", podPath, `is ${show(pod.type)}`);
    }
    const unconfined: string[] = [];
    for (const ref of containersOf(template)) {
        const own = profileOf(securityContextOf(ref.container));
        const path = `${ref.path}.securityContext.seccompProfile.type`;
        if (own.set && !validProfileTypes.includes(own.type as string)) {
            bad.add(ref.name, path, `is ${show(own.type)}`);
        } else if (restricted && !own.set && !podValid) {
            unconfined.push(path);
            bad.add(ref.name);
        }
    }
    if (unconfined.length > 0) {
        // Name the pod-level field first: setting it once is the usual fix.
        if (!pod.set) {
            bad.finding(podPath, "is not set");
        }
        unconfined.forEach((path) => bad.finding(path, "is not set"));
    }
    if (!restricted) {
        return bad.failure(
            "seccompProfile_baseline",
            "sets a forbidden seccomp profile",
            "Set seccompProfile.type to RuntimeDefault or Localhost, or leave it unset.",
        );
    }
    return bad.failure(
        "seccompProfile_restricted",
        "does not confine every container with seccomp",
        `Set ${template.path}.securityContext.seccompProfile.type to RuntimeDefault (or ` +
            `Localhost), and do not override it with any other type on a container.`,
    );
};

/** Pod Security Standards, baseline "Sysctls": only the names in {@link safeSysctls}. */
export const checkSysctls: PodSecurityCheck = (template) => {
    const bad = new Offenders();
    listOf(podSecurityContextOf(template)?.sysctls).forEach((sysctl, index) => {
        const name: unknown = isObject(sysctl) ? sysctl.name : undefined;
        if (!safeSysctls.includes(name as string)) {
            const path = `${template.path}.securityContext.sysctls[${index}].name`;
            bad.add(typeof name === "string" ? name : `#${index}`, path, `is ${show(name)}`);
        }
    });
    return bad.failure(
        "sysctls",
        "sets unsafe sysctls",
        `Remove them; only these sysctls are allowed: ${safeSysctls.join(", ")}.`,
    );
};

/** Pod Security Standards, baseline "HostProcess": no `windowsOptions.hostProcess: true`. */
export const checkWindowsHostProcess: PodSecurityCheck = (template) => {
    const bad = new Offenders();
    const check = (who: string, context: KubeObject | undefined, path: string): void => {
        const options: unknown = context?.windowsOptions;
        if (isObject(options) && options.hostProcess === true) {
            bad.add(who, `${path}.securityContext.windowsOptions.hostProcess`, "is true");
        }
    };
    check("pod", podSecurityContextOf(template), template.path);
    for (const ref of containersOf(template)) {
        check(ref.name, securityContextOf(ref.container), ref.path);
    }
    return bad.failure(
        "windowsHostProcess",
        "runs Windows HostProcess containers",
        "Remove windowsOptions.hostProcess or set it to false.",
    );
};

/**
 * Pod Security Standards, baseline "Host Probes / Lifecycle Hooks" (v1.34+): no `host` in the
 * httpGet or tcpSocket action of a liveness, readiness or startup probe or of a postStart or
 * preStop hook.
 */
export const checkHostProbes: PodSecurityCheck = (template) => {
    const bad = new Offenders();
    for (const ref of containersOf(template)) {
        const handlers: [KubeObject | undefined, string][] = probeFields.map((probe) => [
            objectOrUndefined(ref.container[probe]),
            `${ref.path}.${probe}`,
        ]);
        const lifecycle = objectOrUndefined(ref.container.lifecycle);
        for (const hook of lifecycleHooks) {
            handlers.push([objectOrUndefined(lifecycle?.[hook]), `${ref.path}.lifecycle.${hook}`]);
        }
        for (const [handler, path] of handlers) {
            for (const action of handlerActions) {
                const host: unknown = objectOrUndefined(handler?.[action])?.host;
                if (host != null && host !== "") {
                    bad.add(ref.name, `${path}.${action}.host`, `is ${show(host)}`);
                }
            }
        }
    }
    return bad.failure(
        "hostProbesAndHostLifecycle",
        "points probes or lifecycle hooks at a host",
        "Remove host so the kubelet targets the pod's own IP; to send a Host header, use " +
            "httpGet.httpHeaders.",
    );
};

/**
 * Pod Security Standards, restricted "Privilege Escalation": every container sets
 * `allowPrivilegeEscalation: false` (unset fails); Windows pods are exempt (v1.25+).
 */
export const checkAllowPrivilegeEscalation: PodSecurityCheck = (template, level) => {
    if (!isRestricted(level) || isWindowsPod(template)) {
        return undefined;
    }
    const bad = new Offenders();
    for (const ref of containersOf(template)) {
        const value: unknown = securityContextOf(ref.container)?.allowPrivilegeEscalation;
        if (value !== false) {
            const path = `${ref.path}.securityContext.allowPrivilegeEscalation`;
            bad.add(ref.name, path, `is ${show(value)}`);
        }
    }
    return bad.failure(
        "allowPrivilegeEscalation",
        "allows privilege escalation",
        "Set securityContext.allowPrivilegeEscalation to false on every container.",
    );
};

/**
 * Pod Security Standards, restricted "Running as Non-root": `runAsNonRoot: true` at pod level
 * (containers may leave it unset) or on every container; `false` anywhere fails. Skipped for a pod
 * in a user namespace (`spec.hostUsers: false`, v1.35).
 */
export const checkRunAsNonRoot: PodSecurityCheck = (template, level) => {
    if (!isRestricted(level) || usesUserNamespace(template)) {
        return undefined;
    }
    const bad = new Offenders();
    const podPath = `${template.path}.securityContext.runAsNonRoot`;
    const podValue: unknown = podSecurityContextOf(template)?.runAsNonRoot;
    if (podValue != null && podValue !== true) {
        bad.add("pod", podPath, `is ${show(podValue)}`);
    }
    const unset: string[] = [];
    for (const ref of containersOf(template)) {
        const value: unknown = securityContextOf(ref.container)?.runAsNonRoot;
        const path = `${ref.path}.securityContext.runAsNonRoot`;
        if (value != null && value !== true) {
            bad.add(ref.name, path, `is ${show(value)}`);
        } else if (value == null && podValue !== true) {
            unset.push(path);
            bad.add(ref.name);
        }
    }
    if (unset.length > 0) {
        if (podValue == null) {
            bad.finding(podPath, "is not set");
        }
        unset.forEach((path) => bad.finding(path, "is not set"));
    }
    return bad.failure(
        "runAsNonRoot",
        "may run as root",
        `Set ${podPath} to true and do not set runAsNonRoot to false on any container.`,
    );
};

/**
 * Pod Security Standards, restricted "Running as Non-root user": `runAsUser` is not 0 (pod or
 * container; unset is fine). Skipped for a pod in a user namespace (`spec.hostUsers: false`, v1.35).
 */
export const checkRunAsUser: PodSecurityCheck = (template, level) => {
    if (!isRestricted(level) || usesUserNamespace(template)) {
        return undefined;
    }
    const bad = new Offenders();
    if (podSecurityContextOf(template)?.runAsUser === 0) {
        bad.add("pod", `${template.path}.securityContext.runAsUser`, "is 0");
    }
    for (const ref of containersOf(template)) {
        if (securityContextOf(ref.container)?.runAsUser === 0) {
            bad.add(ref.name, `${ref.path}.securityContext.runAsUser`, "is 0");
        }
    }
    return bad.failure(
        "runAsUser",
        "runs as root",
        "Set runAsUser to a non-zero UID or remove it (runAsNonRoot: true keeps UID 0 out).",
    );
};

/** Every check, in the order the policies are registered. */
export const podSecurityChecks: readonly PodSecurityCheck[] = [
    checkPrivileged,
    checkHostNamespaces,
    checkHostPorts,
    checkHostPathVolumes,
    checkRestrictedVolumes,
    checkCapabilities,
    checkAllowPrivilegeEscalation,
    checkRunAsNonRoot,
    checkRunAsUser,
    checkSeccomp,
    checkAppArmor,
    checkSELinux,
    checkProcMount,
    checkSysctls,
    checkWindowsHostProcess,
    checkHostProbes,
];

/** Every failed check of a pod template at a level (empty when the pod meets the level). */
export function evaluatePodSecurity(
    template: PodTemplate,
    level: PodSecurityLevel,
): PodSecurityFailure[] {
    return podSecurityChecks
        .map((check) => check(template, level))
        .filter((result): result is PodSecurityFailure => result !== undefined);
}

/**
 * The violation message for a failure: `<object> <summary>: <fields>. <fix>`. Fields with the same
 * problem are grouped: `a.privileged, b.privileged are true`.
 */
export function formatPodSecurityFailure(object: string, result: PodSecurityFailure): string {
    const groups = new Map<string, string[]>();
    for (const { path, problem } of result.findings) {
        groups.set(problem, [...(groups.get(problem) ?? []), path]);
    }
    const fields = [...groups].map(([problem, paths]) => {
        const predicate = paths.length > 1 ? problem.replace(/^is /, "are ") : problem;
        return `${paths.join(", ")} ${predicate}`;
    });
    return `${object} ${result.summary}: ${fields.join("; ")}. ${result.fix}`;
}

/** Collects offenders (pod, containers, volumes) and their findings for one check. */
class Offenders {
    private readonly names: string[] = [];
    private readonly findings: PodSecurityFinding[] = [];

    /** Records an offender and, when given, the offending field. */
    add(name: string, path?: string, problem?: string): void {
        if (!this.names.includes(name)) {
            this.names.push(name);
        }
        if (path !== undefined && problem !== undefined) {
            this.finding(path, problem);
        }
    }

    /** Records an offending field without naming a new offender. */
    finding(path: string, problem: string): void {
        this.findings.push({ path, problem });
    }

    /** The failure, or undefined when nothing offended. */
    failure(
        check: PodSecurityCheckId,
        summary: string,
        fix: string,
    ): PodSecurityFailure | undefined {
        return failure(check, `${summary} (${this.names.join(", ")})`, this.findings, fix);
    }
}

function failure(
    check: PodSecurityCheckId,
    summary: string,
    findings: readonly PodSecurityFinding[],
    fix: string,
): PodSecurityFailure | undefined {
    return findings.length > 0 ? { check, summary, findings, fix } : undefined;
}

/** Anything but an explicit "baseline" is judged as restricted: a missing level fails closed. */
function isRestricted(level: PodSecurityLevel | undefined): boolean {
    return level !== "baseline";
}

function isWindowsPod(template: PodTemplate): boolean {
    return objectOrUndefined(template.spec.os)?.name === "windows";
}

function usesUserNamespace(template: PodTemplate): boolean {
    return template.spec.hostUsers === false;
}

function securityContextOf(container: KubeObject): KubeObject | undefined {
    return objectOrUndefined(container.securityContext);
}

function podSecurityContextOf(template: PodTemplate): KubeObject | undefined {
    return objectOrUndefined(template.spec.securityContext);
}

function capabilitiesOf(container: KubeObject): KubeObject | undefined {
    return objectOrUndefined(securityContextOf(container)?.capabilities);
}

function volumesOf(template: PodTemplate): { volume: KubeObject; name: string; path: string }[] {
    return listOf(template.spec.volumes).map((volume, index) => {
        const v = objectOrUndefined(volume) ?? {};
        return {
            volume: v,
            name: typeof v.name === "string" && v.name !== "" ? v.name : `#${index}`,
            path: `${template.path}.volumes[${index}]`,
        };
    });
}

/** Where the pod's metadata sits: `metadata` for a Pod, the template's metadata otherwise. */
function metadataPathOf(template: PodTemplate): string {
    return template.path === "spec" ? "metadata" : template.path.replace(/spec$/, "metadata");
}

function allowedAppArmorAnnotation(value: unknown): boolean {
    return (
        value === "" ||
        value === "runtime/default" ||
        (typeof value === "string" && value.startsWith("localhost/"))
    );
}

function objectOrUndefined(value: unknown): KubeObject | undefined {
    return isObject(value) ? value : undefined;
}

function listOf(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

/** A value as a message shows it: `"Unconfined"`, `0`, `true`, or `not set`. */
function show(value: unknown): string {
    return value == null ? "not set" : JSON.stringify(value);
}

function quoteAll(values: readonly unknown[]): string {
    return values.map((value) => JSON.stringify(value)).join(", ");
}

function orList(values: readonly string[]): string {
    return `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}
