import { kubernetesReleasePattern } from "../../contract/kubernetes";
import {
    ApiServerArg,
    ControlPlaneContribution,
    HostPathMount,
    NodeFile,
} from "../shared/node-files";
import { kubeadmPki } from "../control-plane/defaults";
import { KubeletConfigurationDocument } from "./render";

/**
 * Pure functions that assemble the kubeadm documents (kubeadm.k8s.io/v1beta4) from what the
 * bootstrap components contribute: the flags of the API server, controller manager, scheduler and
 * etcd, the API server's mounts, the KubeletConfiguration, and the control-plane taint.
 * `kubeadm init --config cluster-configuration.yaml` consumes the file unchanged; nodes that join
 * later receive the same KubeletConfiguration from kubeadm's `kubelet-config` ConfigMap. Upstream: https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/
 */

/** Relative paths of the delivery documents under `out/<stack>/`. */
export const deliveryArtifacts = {
    kubeadm: "kubeadm/cluster-configuration.yaml",
    nodeFiles: "delivery/node-files.yaml",
} as const;

/** The taint that keeps workloads off control-plane nodes. */
export const controlPlaneTaint = {
    key: "node-role.kubernetes.io/control-plane",
    effect: "NoSchedule",
} as const;

/** The control-plane components a contribution can give flags to, as ClusterConfiguration names them. */
export type ControlPlaneComponentName = "apiServer" | "controllerManager" | "scheduler" | "etcd";

/** How messages name each component's flags. */
const componentLabel: Readonly<Record<ControlPlaneComponentName, string>> = {
    apiServer: "API-server",
    controllerManager: "controller-manager",
    scheduler: "scheduler",
    etcd: "etcd",
};

/** The flags of every component, merged from all contributions. */
export interface MergedContributions {
    apiServerArgs: ApiServerArg[];
    apiServerVolumes: HostPathMount[];
    files: NodeFile[];
    controllerManagerArgs: ApiServerArg[];
    schedulerArgs: ApiServerArg[];
    etcdArgs: ApiServerArg[];
}

/** Merges contributions; a flag or volume claimed twice with different values is an error. */
export function mergeContributions(
    contributions: readonly ControlPlaneContribution[],
): MergedContributions {
    const args: Record<ControlPlaneComponentName, Map<string, ApiServerArg>> = {
        apiServer: new Map(),
        controllerManager: new Map(),
        scheduler: new Map(),
        etcd: new Map(),
    };
    const volumes = new Map<string, HostPathMount>();
    const files = new Map<string, NodeFile>();
    const add = (component: ControlPlaneComponentName, list: readonly ApiServerArg[]): void => {
        for (const arg of list) {
            const seen = args[component].get(arg.name);
            if (seen !== undefined && seen.value !== arg.value) {
                throw new Error(
                    `${componentLabel[component]} flag --${arg.name} is set twice ("${seen.value}" and "${arg.value}")`,
                );
            }
            args[component].set(arg.name, arg);
        }
    };
    for (const c of contributions) {
        add("apiServer", c.apiServerArgs);
        add("controllerManager", c.controllerManagerArgs ?? []);
        add("scheduler", c.schedulerArgs ?? []);
        add("etcd", c.etcdArgs ?? []);
        for (const volume of c.apiServerVolumes) {
            const seen = volumes.get(volume.name);
            if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(volume)) {
                throw new Error(
                    `API-server volume "${volume.name}" is declared twice, differently`,
                );
            }
            volumes.set(volume.name, volume);
        }
        for (const file of c.files) {
            if (files.has(file.hostPath)) {
                throw new Error(`host file ${file.hostPath} is delivered twice`);
            }
            files.set(file.hostPath, file);
        }
    }
    return {
        apiServerArgs: [...args.apiServer.values()],
        apiServerVolumes: [...volumes.values()],
        files: [...files.values()],
        controllerManagerArgs: [...args.controllerManager.values()],
        schedulerArgs: [...args.scheduler.values()],
        etcdArgs: [...args.etcd.values()],
    };
}

/**
 * Host paths kubeadm mounts into each static pod by itself (kubeadm's `controlplane/volumes.go`
 * and `etcd/local.go`): a flag may name a file inside one of them without an extraVolume.
 */
export const kubeadmDefaultMounts: Readonly<Record<ControlPlaneComponentName, readonly string[]>> =
    {
        apiServer: [kubeadmPki.dir, "/etc/ssl/certs"],
        controllerManager: [
            kubeadmPki.dir,
            "/etc/ssl/certs",
            "/etc/kubernetes/controller-manager.conf",
        ],
        scheduler: ["/etc/kubernetes/scheduler.conf"],
        etcd: ["/var/lib/etcd", kubeadmPki.etcdDir],
    };

/**
 * Flags that name a host path (their value is an absolute path) outside every directory the
 * component's static pod mounts: the component would not start, or would not find the file.
 */
export function unmountedFileFlags(merged: MergedContributions): string[] {
    const problems: string[] = [];
    const lists: [ControlPlaneComponentName, readonly ApiServerArg[], readonly string[]][] = [
        [
            "apiServer",
            merged.apiServerArgs,
            [...kubeadmDefaultMounts.apiServer, ...merged.apiServerVolumes.map((v) => v.mountPath)],
        ],
        ["controllerManager", merged.controllerManagerArgs, kubeadmDefaultMounts.controllerManager],
        ["scheduler", merged.schedulerArgs, kubeadmDefaultMounts.scheduler],
        ["etcd", merged.etcdArgs, kubeadmDefaultMounts.etcd],
    ];
    for (const [component, args, mounts] of lists) {
        for (const arg of args) {
            if (!arg.value.startsWith("/")) {
                continue;
            }
            const mounted = mounts.some((m) => arg.value === m || arg.value.startsWith(`${m}/`));
            if (!mounted) {
                problems.push(
                    `${componentLabel[component]} flag --${arg.name} names ${arg.value}, which no volume of the static pod mounts (kubeadm mounts ${kubeadmDefaultMounts[component].join(", ")}${component === "apiServer" ? "; extraVolumes add more" : ""})`,
                );
            }
        }
    }
    return problems;
}

const extraArgs = (list: readonly ApiServerArg[]): { name: string; value: string }[] =>
    list.map((a) => ({ name: a.name, value: a.value }));

/** What kubeadm installs and where it pulls the control-plane images from. */
export interface KubeadmClusterSource {
    /**
     * The exact Kubernetes release (`v1.33.6`), the ClusterConfiguration's `kubernetesVersion`.
     * Without it kubeadm looks up the newest stable release on dl.k8s.io (unreachable from an
     * air-gapped site, and not declarative anywhere). @default unset (kubeadm's lookup)
     */
    readonly kubernetesRelease?: string;
    /**
     * The registry path kubeadm pulls kube-apiserver, kube-controller-manager, kube-scheduler,
     * kube-proxy, etcd, pause and coredns from (`<imageRepository>/<name>:<tag>`; on a custom
     * repository kubeadm pulls CoreDNS as `<imageRepository>/coredns`). @default registry.k8s.io
     */
    readonly imageRepository?: string;
}

/**
 * InitConfiguration, ClusterConfiguration and KubeletConfiguration, in that order. The
 * ClusterConfiguration carries each component's flags as v1beta4 `extraArgs` name/value lists
 * (an entry replaces kubeadm's own flag of the same name); a component without flags is left to
 * kubeadm. Throws when contributions disagree or a flag names an unmounted file.
 */
export function renderKubeadmDocuments(
    contributions: readonly ControlPlaneContribution[],
    kubelet: KubeletConfigurationDocument,
    cluster: KubeadmClusterSource = {},
): Record<string, unknown>[] {
    if (
        cluster.kubernetesRelease !== undefined &&
        !kubernetesReleasePattern.test(cluster.kubernetesRelease)
    ) {
        throw new Error(
            `kubeadm kubernetesRelease "${cluster.kubernetesRelease}": expected an exact release such as v1.33.6`,
        );
    }
    const merged = mergeContributions(contributions);
    const unmounted = unmountedFileFlags(merged);
    if (unmounted.length > 0) {
        throw new Error(unmounted.join("; "));
    }
    return [
        {
            apiVersion: "kubeadm.k8s.io/v1beta4",
            kind: "InitConfiguration",
            nodeRegistration: {
                // Set explicitly: an empty list here would remove the taint and let workloads
                // share hosts with the API server, etcd and the encryption keys.
                taints: [{ ...controlPlaneTaint }],
            },
        },
        {
            apiVersion: "kubeadm.k8s.io/v1beta4",
            kind: "ClusterConfiguration",
            // The exact release: without it kubeadm asks dl.k8s.io for the newest stable one.
            ...(cluster.kubernetesRelease !== undefined
                ? { kubernetesVersion: cluster.kubernetesRelease }
                : {}),
            ...(cluster.imageRepository !== undefined
                ? { imageRepository: cluster.imageRepository }
                : {}),
            // The directory every certificate flag points into (kubeadm's default, stated).
            certificatesDir: kubeadmPki.dir,
            ...(merged.etcdArgs.length > 0
                ? { etcd: { local: { extraArgs: extraArgs(merged.etcdArgs) } } }
                : {}),
            apiServer: {
                extraArgs: extraArgs(merged.apiServerArgs),
                extraVolumes: merged.apiServerVolumes.map((v) => ({ ...v })),
            },
            ...(merged.controllerManagerArgs.length > 0
                ? { controllerManager: { extraArgs: extraArgs(merged.controllerManagerArgs) } }
                : {}),
            ...(merged.schedulerArgs.length > 0
                ? { scheduler: { extraArgs: extraArgs(merged.schedulerArgs) } }
                : {}),
        },
        kubelet,
    ];
}

/** The list of host files for a node bootstrap (Ansible, cloud-init): where each artifact goes. */
export function renderNodeFiles(files: readonly NodeFile[]): Record<string, unknown> {
    return {
        files: files.map((f) => ({
            artifact: f.artifact,
            path: f.hostPath,
            mode: f.mode,
            owner: f.owner,
            hosts: f.hosts,
            secret: f.secret,
        })),
    };
}
