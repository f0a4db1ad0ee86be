/**
 * The steps of the KubeletHardening constructor that need no resource: the spec resolved from the
 * arguments, the kubeadm documents planned before the component registers, and the node artifacts.
 */
import * as pulumi from "@pulumi/pulumi";
import { ControlPlaneContribution } from "../shared/node-files";
import { SpecIssue } from "../shared/issues";
import {
    deliveryArtifacts,
    KubeadmClusterSource,
    mergeContributions,
    renderKubeadmDocuments,
    renderNodeFiles,
} from "./kubeadm";
import {
    defaults,
    documentYaml,
    KubeletConfigurationDocument,
    kernelTunablesConf,
    kernelTunablesNodeFile,
    kubeletNodeFile,
    KubeletSpec,
    renderKubeletConfiguration,
} from "./render";

/** The kubelet spec: the given tunables over the hardened {@link defaults}. */
export function resolveKubeletSpec(args: Partial<KubeletSpec>): KubeletSpec {
    return {
        clientCAFile: args.clientCAFile ?? defaults.clientCAFile,
        servingCertificates: args.servingCertificates ?? defaults.servingCertificates,
        ...(args.tlsCertFile !== undefined ? { tlsCertFile: args.tlsCertFile } : {}),
        ...(args.tlsPrivateKeyFile !== undefined
            ? { tlsPrivateKeyFile: args.tlsPrivateKeyFile }
            : {}),
        podPidsLimit: args.podPidsLimit ?? defaults.podPidsLimit,
        eventRecordQPS: args.eventRecordQPS ?? defaults.eventRecordQPS,
        eventBurst: args.eventBurst ?? defaults.eventBurst,
        streamingConnectionIdleTimeout:
            args.streamingConnectionIdleTimeout ?? defaults.streamingConnectionIdleTimeout,
        containerLogMaxSize: args.containerLogMaxSize ?? defaults.containerLogMaxSize,
        containerLogMaxFiles: args.containerLogMaxFiles ?? defaults.containerLogMaxFiles,
        tlsMinVersion: args.tlsMinVersion ?? defaults.tlsMinVersion,
        tlsCipherSuites: [...(args.tlsCipherSuites ?? defaults.tlsCipherSuites)],
        clusterDNS: [...(args.clusterDNS ?? defaults.clusterDNS)],
        clusterDomain: args.clusterDomain ?? defaults.clusterDomain,
        cgroupDriver: args.cgroupDriver ?? defaults.cgroupDriver,
        ...(args.resolvConf !== undefined ? { resolvConf: args.resolvConf } : {}),
    };
}

/** The kubeadm documents planned for a spec, or why there are none. */
export interface KubeadmPlan {
    /** The kubeadm documents; undefined when the spec has issues or a contribution is invalid. */
    readonly documents: Record<string, unknown>[] | undefined;
    /** The ClusterConfiguration among {@link documents}, if any. */
    readonly clusterConfiguration: Record<string, unknown> | undefined;
    /** The message of the error the contributions raised, if they did. */
    readonly problem: string | undefined;
}

/**
 * Renders the kubeadm documents when the spec has no issues; an invalid contribution is reported
 * in {@link KubeadmPlan.problem} instead of thrown, so the component registers before it fails.
 */
export function planKubeadm(
    spec: KubeletSpec,
    issues: readonly SpecIssue[],
    contributions: readonly ControlPlaneContribution[],
    source: KubeadmClusterSource | undefined,
): KubeadmPlan {
    let documents: Record<string, unknown>[] | undefined;
    let problem: string | undefined;
    if (issues.length === 0) {
        try {
            documents = renderKubeadmDocuments(
                contributions,
                renderKubeletConfiguration(spec),
                source,
            );
        } catch (e) {
            problem = e instanceof Error ? e.message : String(e);
        }
    }
    const clusterConfiguration = documents?.find((d) => d.kind === "ClusterConfiguration");
    return { documents, clusterConfiguration, problem };
}

/** The node artifacts by relative path: kubelet config, kernel tunables, kubeadm config, file list. */
export function kubeletNodeArtifacts(
    configuration: KubeletConfigurationDocument,
    kubeadmDocuments: readonly Record<string, unknown>[],
    contributions: readonly ControlPlaneContribution[],
): Record<string, pulumi.Output<string>> {
    const kubeletYaml = documentYaml("the kubelet's configuration on every node.", configuration);
    const kubeadmYaml = documentYaml(
        "kubeadm init --config <this file> on the first control-plane node.",
        ...kubeadmDocuments,
    );
    const files = [
        ...mergeContributions(contributions).files,
        kubeletNodeFile(),
        kernelTunablesNodeFile(),
    ];
    const nodeFilesYaml = documentYaml(
        "where each node artifact is installed, for a node bootstrap (Ansible, cloud-init).",
        renderNodeFiles(files),
    );
    return {
        [defaults.artifact]: pulumi.output(kubeletYaml),
        [defaults.sysctlArtifact]: pulumi.output(kernelTunablesConf()),
        [deliveryArtifacts.kubeadm]: pulumi.output(kubeadmYaml),
        [deliveryArtifacts.nodeFiles]: pulumi.output(nodeFilesYaml),
    };
}
