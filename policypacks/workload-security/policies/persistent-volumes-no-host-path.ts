import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";

/** Config of {@link persistentVolumesNoHostPath}. */
export interface NoHostPathVolumesConfig {
    /** PersistentVolumes allowed to expose a node directory, by name. @default [] */
    readonly allowedVolumes: string[];
}

/** Type tokens of PersistentVolume (v1 is the only version the API serves). */
const persistentVolumeTypes = ["kubernetes:core/v1:PersistentVolume"];

/** The PersistentVolume sources that are a directory or device of the node itself. */
const hostSources = ["hostPath", "local"] as const;

/**
 * No PersistentVolume is a directory of the node: no `spec.hostPath` and no `spec.local` volume,
 * except listed ones. A pod names only its claim (`persistentVolumeClaim.claimName`, or the claim
 * template of an `ephemeral` volume, whose `volumeName` can bind an existing volume), so the Pod
 * Security checks, which judge the pod spec, cannot see that the claim binds a host path: the
 * host's `/`, the kubelet's directory with every pod's tokens, or a container runtime socket reach
 * the pod all the same. The volume is judged itself rather than through the pods that claim it:
 * a volume without `claimRef` can be bound by a claim in any namespace, now or later, and the
 * claims and pods may live in another stack or be created at run time. `local` volumes (node disks
 * for caches and scratch space) are host paths too; a reviewed one is listed by name in
 * `allowedVolumes`, which nothing in another namespace can widen.
 *
 * @severity critical
 * @frameworks cis-kubernetes-5.2.11, nist-800-53-ac-6, nist-800-53-sc-39, iso-27001-a.8.2
 * @topics pod-security, storage
 * @link https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
 */
export const persistentVolumesNoHostPath: ResourceValidationPolicy = {
    name: "persistent-volumes-no-host-path",
    description:
        "PersistentVolumes must not expose a node directory (hostPath or local), except listed ones.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedVolumes: {
                type: "array",
                items: { type: "string", minLength: 1 },
                uniqueItems: true,
                default: [],
                description:
                    "PersistentVolumes allowed to expose a node directory (hostPath or local), by name.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        if (!persistentVolumeTypes.includes(args.type)) {
            return;
        }
        const key = objectKey(args.props, args.name);
        const { allowedVolumes } = args.getConfig<NoHostPathVolumesConfig>();
        if (allowedVolumes.includes(key)) {
            return;
        }
        const spec: unknown = args.props.spec;
        if (!isObject(spec)) {
            return;
        }
        const findings: string[] = [];
        for (const source of hostSources) {
            const volume: unknown = spec[source];
            if (volume == null) {
                continue;
            }
            const path: unknown = isObject(volume) ? volume.path : undefined;
            findings.push(
                `spec.${source}.path is ${typeof path === "string" ? JSON.stringify(path) : "not set"}`,
            );
        }
        if (findings.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} exposes a directory of the ` +
                    `node: ${findings.join("; ")}. Every pod whose claim binds it mounts that host ` +
                    `path, which the pod-security policies cannot see through the claim. Use ` +
                    `network or CSI storage, or add "${key}" to ` +
                    `persistent-volumes-no-host-path.allowedVolumes if it is a reviewed volume.`,
            );
        }
    },
};
