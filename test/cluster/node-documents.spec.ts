/**
 * Group 6, node documents: for dev and prod, `kubeadm config validate` (kubeadm v1.34.4, built from
 * tools/go/cluster) accepts the project's kubeadm documents (`out/<stack>/kubeadm/`), and the
 * kubelet configuration (`out/<stack>/nodes/kubelet-config.yaml`, and the KubeletConfiguration
 * inside the kubeadm documents) passes the kubelet's own loading and validation
 * (tools/go/cluster/cmd/kubelet-config-validate). A broken copy of each is refused, so the checks
 * can fail.
 *
 * kubeadm looks up the newest release on dl.k8s.io when a ClusterConfiguration has no
 * `kubernetesVersion`; the test gives kubeadm a proxy on a closed loopback port, so nothing leaves
 * the machine and kubeadm falls back to its own version.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { readObjects, stackOutputs } from "./stack";
import { goTool } from "./tools";

/** Runs a tool; returns its exit code and output. */
function run(binary: string, args: string[]): { status: number | null; output: string } {
    const closed = "http://127.0.0.1:9";
    const res = spawnSync(binary, args, {
        encoding: "utf8",
        env: {
            ...process.env,
            HTTPS_PROXY: closed,
            HTTP_PROXY: closed,
            https_proxy: closed,
            http_proxy: closed,
            NO_PROXY: "",
        },
        timeout: 120_000,
    });
    return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

function kubeadmValidate(file: string): { status: number | null; output: string } {
    return run(goTool("kubeadm"), ["config", "validate", "--config", file]);
}

function kubeletValidate(file: string): { status: number | null; output: string } {
    return run(goTool("kubelet-config-validate"), [file]);
}

for (const stack of ["dev", "prod"]) {
    describe(`API-server tier, group 6: ${stack} node documents pass kubeadm's and the kubelet's validation`, () => {
        let tmp: string;
        before(() => {
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), `sovereign-node-docs-${stack}-`));
        });
        after(() => {
            fs.rmSync(tmp, { recursive: true, force: true });
        });

        it("kubeadm config validate accepts every kubeadm document", () => {
            const dir = path.join(stackOutputs(stack), "kubeadm");
            const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml"));
            assert.deepEqual(
                files,
                ["cluster-configuration.yaml"],
                `files of out/${stack}/kubeadm`,
            );
            const kinds = readObjects(path.join(dir, files[0])).map((o) => o.kind);
            assert.deepEqual(kinds, [
                "InitConfiguration",
                "ClusterConfiguration",
                "KubeletConfiguration",
            ]);
            const res = kubeadmValidate(path.join(dir, files[0]));
            assert.equal(res.status, 0, `kubeadm config validate ${files[0]}:\n${res.output}`);
            assert.match(res.output, /^ok$/m);
        });

        it("kubeadm config validate refuses a broken copy", () => {
            const file = path.join(stackOutputs(stack), "kubeadm/cluster-configuration.yaml");
            const docs = readObjects(file);
            const cluster = docs.find((o) => o.kind === "ClusterConfiguration")!;
            cluster.networking = { serviceSubnet: "not-a-cidr" };
            const broken = path.join(tmp, "broken-kubeadm.yaml");
            fs.writeFileSync(broken, docs.map((d) => stringify(d)).join("---\n"));
            const res = kubeadmValidate(broken);
            assert.notEqual(res.status, 0, res.output);
            assert.match(res.output, /serviceSubnet/);
        });

        it("the kubelet's own validation accepts the kubelet configuration (node file and kubeadm's)", () => {
            const nodeFile = path.join(stackOutputs(stack), "nodes/kubelet-config.yaml");
            const fromKubeadm = readObjects(
                path.join(stackOutputs(stack), "kubeadm/cluster-configuration.yaml"),
            ).find((o) => o.kind === "KubeletConfiguration");
            assert.ok(fromKubeadm !== undefined);
            const kubeadmCopy = path.join(tmp, "kubeadm-kubelet-config.yaml");
            fs.writeFileSync(kubeadmCopy, stringify(fromKubeadm));
            for (const file of [nodeFile, kubeadmCopy]) {
                const res = kubeletValidate(file);
                assert.equal(res.status, 0, `kubelet-config-validate ${file}:\n${res.output}`);
                assert.equal(res.output.trim(), `${file}: valid`);
            }
        });

        it("the kubelet's validation refuses a broken copy (an invalid value, an unknown field)", () => {
            const [config] = readObjects(
                path.join(stackOutputs(stack), "nodes/kubelet-config.yaml"),
            );
            const invalid = path.join(tmp, "invalid-kubelet-config.yaml");
            fs.writeFileSync(invalid, stringify({ ...config, eventRecordQPS: -1 }));
            const bad = kubeletValidate(invalid);
            assert.equal(bad.status, 1, bad.output);
            assert.match(bad.output, /eventRecordQPS/);
            const unknown = path.join(tmp, "unknown-field-kubelet-config.yaml");
            fs.writeFileSync(unknown, stringify({ ...config, readOnlyPorts: 0 }));
            const typo = kubeletValidate(unknown);
            assert.equal(typo.status, 1, typo.output);
            assert.match(typo.output, /unknown field "readOnlyPorts"/);
        });
    });
}
