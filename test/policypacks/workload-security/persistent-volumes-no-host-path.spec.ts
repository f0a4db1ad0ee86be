import * as assert from "node:assert/strict";
import { persistentVolumesNoHostPath as policy } from "../../../policypacks/workload-security/policies/persistent-volumes-no-host-path";
import { KubeObject } from "../../../policypacks/lib/workloads";
import { runResourcePolicy } from "../../util/policy-harness";

const PV = "kubernetes:core/v1:PersistentVolume";

/** A PersistentVolume `scratch` with the given source (a CSI volume by default). */
function persistentVolume(
    source: KubeObject = { csi: { driver: "nfs.csi.k8s.io", volumeHandle: "x" } },
): KubeObject {
    return {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: "scratch" },
        spec: {
            capacity: { storage: "10Gi" },
            accessModes: ["ReadWriteOnce"],
            storageClassName: "manual",
            ...source,
        },
    };
}

function fix(name: string): string {
    return (
        `Every pod whose claim binds it mounts that host path, which the pod-security policies ` +
        `cannot see through the claim. Use network or CSI storage, or add "${name}" to ` +
        `persistent-volumes-no-host-path.allowedVolumes if it is a reviewed volume.`
    );
}

describe("policy persistent-volumes-no-host-path", () => {
    it("passes network and CSI PersistentVolumes", async () => {
        assert.deepEqual(
            await runResourcePolicy(policy, { type: PV, props: persistentVolume() }),
            [],
        );
        const nfs = persistentVolume({ nfs: { server: "fileserver.internal", path: "/exports" } });
        assert.deepEqual(await runResourcePolicy(policy, { type: PV, props: nfs }), []);
    });

    it("reports a hostPath PersistentVolume, which a pod reaches through its claim", async () => {
        const props = persistentVolume({ hostPath: { path: "/", type: "Directory" } });
        assert.deepEqual(await runResourcePolicy(policy, { type: PV, props }), [
            `PersistentVolume "scratch" exposes a directory of the node: spec.hostPath.path is "/". ${fix("scratch")}`,
        ]);
    });

    it("reports a local PersistentVolume", async () => {
        const props = persistentVolume({ local: { path: "/var/lib/kubelet" } });
        assert.deepEqual(await runResourcePolicy(policy, { type: PV, props }), [
            `PersistentVolume "scratch" exposes a directory of the node: spec.local.path is ` +
                `"/var/lib/kubelet". ${fix("scratch")}`,
        ]);
    });

    it("reports a host source without a path (fail closed)", async () => {
        const props = persistentVolume({ hostPath: {} });
        assert.deepEqual(await runResourcePolicy(policy, { type: PV, props }), [
            `PersistentVolume "scratch" exposes a directory of the node: spec.hostPath.path is not set. ${fix("scratch")}`,
        ]);
    });

    it("judges the volume whatever claim it is pre-bound to", async () => {
        const props = persistentVolume({ hostPath: { path: "/srv/models" } });
        props.spec.claimRef = { namespace: "kube-system", name: "models" };
        assert.equal((await runResourcePolicy(policy, { type: PV, props })).length, 1);
    });

    it("passes a volume listed in allowedVolumes, and only that one", async () => {
        const props = persistentVolume({ local: { path: "/mnt/disks/nvme0" } });
        const config = { allowedVolumes: ["scratch"] };
        assert.deepEqual(await runResourcePolicy(policy, { type: PV, props, config }), []);
        props.metadata.name = "scratch-2";
        assert.deepEqual(await runResourcePolicy(policy, { type: PV, props, config }), [
            `PersistentVolume "scratch-2" exposes a directory of the node: spec.local.path is ` +
                `"/mnt/disks/nvme0". ${fix("scratch-2")}`,
        ]);
    });

    it("does not judge other kinds (a pod's own hostPath volume is pod-security-host-path-volumes')", async () => {
        const pod = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "p", namespace: "tenant-a" },
            spec: { volumes: [{ name: "h", hostPath: { path: "/" } }], containers: [] },
        };
        assert.deepEqual(
            await runResourcePolicy(policy, { type: "kubernetes:core/v1:Pod", props: pod }),
            [],
        );
    });
});
