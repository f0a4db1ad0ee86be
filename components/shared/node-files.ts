/**
 * What a bootstrap component contributes to the control plane and the nodes: files to install on
 * hosts, API-server flags and the host paths the API server's static pod must mount. The kubeadm
 * documents and the node file list are assembled from these (see `components/kubelet-hardening`).
 */

/** One API-server flag as kubeadm v1beta4 takes it (`extraArgs: [{name, value}]`). */
export interface ApiServerArg {
    /** Flag name without the leading dashes: `audit-log-maxage`. */
    readonly name: string;
    readonly value: string;
}

/** A host directory mounted into the API server's static pod (kubeadm `extraVolumes`). */
export interface HostPathMount {
    readonly name: string;
    readonly hostPath: string;
    readonly mountPath: string;
    readonly readOnly: boolean;
    readonly pathType: "Directory" | "DirectoryOrCreate" | "File" | "FileOrCreate";
}

/** A file a node bootstrap (kubeadm, Ansible, cloud-init) installs on hosts. */
export interface NodeFile {
    /** The node artifact that holds the content: a relative path under `out/<stack>/`. */
    readonly artifact: string;
    /** Absolute path on the host. */
    readonly hostPath: string;
    /** Octal file mode: `0600`. */
    readonly mode: string;
    /** `user:group`. */
    readonly owner: string;
    /** Which hosts get the file. */
    readonly hosts: "control-plane" | "all-nodes";
    /** True when the content holds key material. */
    readonly secret: boolean;
}

/** Everything one component asks of the control plane's hosts. */
export interface ControlPlaneContribution {
    readonly apiServerArgs: readonly ApiServerArg[];
    readonly apiServerVolumes: readonly HostPathMount[];
    readonly files: readonly NodeFile[];
    /** kube-controller-manager flags (same shape as the API server's). @default [] */
    readonly controllerManagerArgs?: readonly ApiServerArg[];
    /** kube-scheduler flags. @default [] */
    readonly schedulerArgs?: readonly ApiServerArg[];
    /** Flags of kubeadm's local (stacked) etcd. @default [] */
    readonly etcdArgs?: readonly ApiServerArg[];
}

/** The directory part of an absolute path: `/var/log/kubernetes/audit/audit.log` → `.../audit`. */
export function dirnameOf(path: string): string {
    const cut = path.lastIndexOf("/");
    return cut <= 0 ? "/" : path.slice(0, cut);
}
