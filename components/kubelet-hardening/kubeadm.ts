import {
    ApiServerArg,
    ControlPlaneContribution,
    HostPathMount,
    NodeFile,
} from "../shared/node-files";
import { KubeletConfigurationDocument } from "./render";

/**
 * Pure functions that assemble the kubeadm documents (kubeadm.k8s.io/v1beta4) from what the
 * bootstrap components contribute: API-server flags and mounts, the KubeletConfiguration, and the
 * control-plane taint. `kubeadm init --config cluster-configuration.yaml` consumes the file unchanged;
 * nodes that join later receive the same KubeletConfiguration from kubeadm's `kubelet-config`
 * ConfigMap. Upstream: https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/
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

/** Merges contributions; a flag or volume claimed twice with different values is an error. */
export function mergeContributions(contributions: readonly ControlPlaneContribution[]): {
    apiServerArgs: ApiServerArg[];
    apiServerVolumes: HostPathMount[];
    files: NodeFile[];
} {
    const args = new Map<string, ApiServerArg>();
    const volumes = new Map<string, HostPathMount>();
    const files = new Map<string, NodeFile>();
    for (const c of contributions) {
        for (const arg of c.apiServerArgs) {
            const seen = args.get(arg.name);
            if (seen !== undefined && seen.value !== arg.value) {
                throw new Error(
                    `API-server flag --${arg.name} is set twice ("${seen.value}" and "${arg.value}")`,
                );
            }
            args.set(arg.name, arg);
        }
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
        apiServerArgs: [...args.values()],
        apiServerVolumes: [...volumes.values()],
        files: [...files.values()],
    };
}

/** InitConfiguration, ClusterConfiguration and KubeletConfiguration, in that order. */
export function renderKubeadmDocuments(
    contributions: readonly ControlPlaneContribution[],
    kubelet: KubeletConfigurationDocument,
): Record<string, unknown>[] {
    const merged = mergeContributions(contributions);
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
            apiServer: {
                extraArgs: merged.apiServerArgs.map((a) => ({ name: a.name, value: a.value })),
                extraVolumes: merged.apiServerVolumes.map((v) => ({ ...v })),
            },
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
