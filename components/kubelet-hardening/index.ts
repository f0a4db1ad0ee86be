import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { platformLabels } from "../shared/labels";
import { ControlPlaneContribution } from "../shared/node-files";
import { formatIssues } from "../shared/issues";
import { childOptions } from "../shared/options";
import { kubeletNodeArtifacts, planKubeadm, resolveKubeletSpec } from "./assemble";
import { KubeadmClusterSource } from "./kubeadm";
import {
    KubeletConfigurationDocument,
    KubeletSpec,
    kubeletWarnings,
    renderKubeletConfiguration,
    validateKubeletSpec,
} from "./render";

export * from "./kubeadm";
export * from "./render";

/** Arguments of {@link KubeletHardening}; every tunable has a hardened default. */
export interface KubeletHardeningArgs extends Partial<KubeletSpec> {
    /**
     * What the other bootstrap components ask of the control plane (API-server flags, mounts and
     * host files); assembled into the kubeadm ClusterConfiguration and the node file list.
     * @default []
     */
    readonly controlPlane?: readonly ControlPlaneContribution[];
    /**
     * Also server-side-apply the KubeletConfiguration into kubeadm's `kube-system/kubelet-config`
     * ConfigMap, so `kubeadm upgrade node phase kubelet-config` rolls it out to existing nodes and
     * `kubeadm join` hands it to new ones. For kubeadm clusters only. @default false
     */
    readonly manageKubeadmConfigMap?: boolean;
    /**
     * The exact release and image repository of the kubeadm ClusterConfiguration
     * ({@link KubeadmClusterSource}). @default unset: kubeadm's own lookup and registry.k8s.io
     */
    readonly kubeadm?: KubeadmClusterSource;
}

/**
 * Kubelet hardening (bootstrap layer): renders the `KubeletConfiguration` every node runs with
 * (CIS 4.2.x), the kubeadm documents that carry it together with the control-plane flags of the
 * other bootstrap components, and the list of host files. Optionally manages kubeadm's
 * `kubelet-config` ConfigMap. Control-plane nodes keep their NoSchedule taint.
 */
export class KubeletHardening extends pulumi.ComponentResource {
    /** The KubeletConfiguration document. */
    readonly configuration: KubeletConfigurationDocument;
    /** kubeadm's ConfigMap, patched by server-side apply; undefined unless enabled. */
    readonly kubeadmConfigMap: k8s.core.v1.ConfigMapPatch | undefined;
    /** The kubeadm ClusterConfiguration: every control-plane flag and mount (also an input). */
    readonly clusterConfiguration: Readonly<Record<string, unknown>>;
    /** Node artifacts by relative path (`nodes/kubelet-config.yaml`, `kubeadm/cluster-configuration.yaml`, ...). */
    readonly nodeArtifacts: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: KubeletHardeningArgs, opts?: pulumi.ComponentResourceOptions) {
        const spec = resolveKubeletSpec(args);
        const manage = args.manageKubeadmConfigMap ?? false;
        const issues = validateKubeletSpec(spec);
        const contributions = args.controlPlane ?? [];
        // The kubeadm documents are rendered before the component registers, so the
        // ClusterConfiguration (every control-plane flag, whoever contributed it) is one of its
        // inputs: the stack policy control-plane-hardened judges exactly what kubeadm receives.
        const plan = planKubeadm(spec, issues, contributions, args.kubeadm);
        const clusterConfiguration = plan.clusterConfiguration;
        super(
            "sovereign:bootstrap:KubeletHardening",
            name,
            {
                servingCertificates: spec.servingCertificates,
                podPidsLimit: spec.podPidsLimit,
                tlsMinVersion: spec.tlsMinVersion,
                manageKubeadmConfigMap: manage,
                clusterConfiguration: clusterConfiguration ?? {},
            },
            opts,
        );
        if (issues.length > 0) {
            throw new pulumi.ResourceError(
                formatIssues("invalid kubelet settings", issues, spec),
                this,
            );
        }
        if (plan.documents === undefined || clusterConfiguration === undefined) {
            throw new pulumi.ResourceError(
                `invalid control-plane contributions to the kubeadm documents: ${plan.problem ?? "no ClusterConfiguration"}`,
                this,
            );
        }
        for (const warning of kubeletWarnings(spec)) {
            void pulumi.log.info(warning, this);
        }

        const configuration = renderKubeletConfiguration(spec);
        const nodeArtifacts = kubeletNodeArtifacts(configuration, plan.documents, contributions);

        this.kubeadmConfigMap = manage
            ? new k8s.core.v1.ConfigMapPatch(
                  `${name}-kubeadm-kubelet-config`,
                  {
                      metadata: {
                          name: "kubelet-config",
                          namespace: "kube-system",
                          labels: platformLabels("kubelet-hardening"),
                          // kubeadm wrote the ConfigMap; server-side apply takes over the field.
                          annotations: { "pulumi.com/patchForce": "true" },
                      },
                      data: { kubelet: YAML.stringify(configuration, { lineWidth: 0 }) },
                  },
                  childOptions(this, opts),
              )
            : undefined;
        this.configuration = configuration;
        this.nodeArtifacts = nodeArtifacts;
        this.clusterConfiguration = clusterConfiguration;
        this.registerOutputs({
            clusterConfiguration,
            nodeArtifacts: Object.keys(this.nodeArtifacts),
            kubeadmConfigMap: this.kubeadmConfigMap?.metadata.name,
        });
    }
}
