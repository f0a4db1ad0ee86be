import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, patchedPodSpecOf } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";

/** Config of {@link workloadsNoPodSpecPatches}. */
export interface NoPodSpecPatchesConfig {
    /** Patch resources allowed to set a pod spec, as `<namespace>/<name>` of the patched object. */
    readonly allowedPatches: string[];
}

/**
 * No Pulumi patch resource of a pod-bearing kind (`DeploymentPatch`, `DaemonSetPatch`, `PodPatch`,
 * `CronJobPatch`, ...) sets fields of the pod spec, except listed ones. A patch is a server-side
 * apply of a few fields into an object the stack does not declare: the API server stores the
 * merge, but the packs see only the fields of the patch, so a patched image, `privileged`,
 * `hostNetwork` or hostPath volume would reach the cluster unjudged (and no "is not set" check can
 * apply to a partial spec). Patches of other fields (replicas, labels, annotations of the pod
 * template's metadata) pass. A reviewed patch is listed by the patched object's `<namespace>/<name>`.
 *
 * @severity high
 * @frameworks nist-800-53-cm-3, nist-800-53-cm-7, nist-800-53-ac-6, iso-27001-a.8.9, iso-27001-a.8.32
 * @topics pod-security, images, change-control
 * @link https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/managing-resources-with-server-side-apply/
 */
export const workloadsNoPodSpecPatches: ResourceValidationPolicy = {
    name: "workloads-no-pod-spec-patches",
    description:
        "Patch resources of pod-bearing kinds must not set pod spec fields, which the packs cannot judge in a partial object.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedPatches: {
                type: "array",
                items: { type: "string", minLength: 1 },
                uniqueItems: true,
                default: [],
                description:
                    "Patch resources allowed to set a pod spec, as <namespace>/<name> of the patched object.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const patched = patchedPodSpecOf(args.type, args.props);
        if (patched === undefined) {
            return;
        }
        const key = objectKey(args.props, args.name);
        if (args.getConfig<NoPodSpecPatchesConfig>().allowedPatches.includes(key)) {
            return;
        }
        const fields = Object.keys(patched.spec).sort().join(", ");
        reportViolation(
            `${describeObject(args.type, args.props, args.name)} patches the pod spec of an ` +
                `object the stack does not declare (${patched.path} sets ${fields}): the packs ` +
                `judge only pod specs they see whole, so its images, privileges and volumes would ` +
                `go unjudged. Declare the workload in the stack instead, or add "${key}" to ` +
                `workloads-no-pod-spec-patches.allowedPatches if it is a reviewed patch.`,
        );
    },
};
