/**
 * The grammar of a Kubernetes release, shared by the settings that take one, the kubeadm documents
 * that carry it and the policy that requires it. One definition: the three can never disagree.
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 */

/** `v1.<minor>.<patch>`: an exact Kubernetes release, as kubeadm's `kubernetesVersion` takes it. */
export const kubernetesReleasePattern = /^v1\.(\d+)\.(\d+)$/;

/** The minor version (`1.33`) of an exact release (`v1.33.6`); undefined when it is not one. */
export function minorOfRelease(release: string): string | undefined {
    const match = kubernetesReleasePattern.exec(release);
    return match === null ? undefined : `1.${match[1]}`;
}
