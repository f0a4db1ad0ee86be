/**
 * Group 1, acceptance: every object the check renders for dev and prod (`out/<stack>/manifests.yaml`)
 * is applied to a real kube-apiserver with server-side apply and `fieldValidation=Strict`, and none
 * is rejected.
 *
 * What is applied, in this order:
 * - the CRDs of the charts the objects need (Gatekeeper, Kyverno, cert-manager, copied unchanged
 *   from the pinned releases into `../shared/upstream/`, override with `UPSTREAM_DATA`), each
 *   waited for until Established;
 * - the Namespaces, then every other object of manifests.yaml.
 *
 * What is not applied, and why:
 * - Gatekeeper constraints (`constraints.gatekeeper.sh`): their CRDs are made by Gatekeeper's
 *   controller from each ConstraintTemplate at run time; no chart ships them. The test asserts each
 *   constraint's kind is one a ConstraintTemplate of the same stack declares.
 * - Chart workloads: the default check does not render charts (no chart code on the machine), so
 *   manifests.yaml holds only the program's own objects.
 *
 * The two Secrets are masked in manifests.yaml (`stringData: "[secret]"`, the program's TLS key
 * pairs); the test asserts exactly that form and applies them with a test key pair under the same
 * keys (`tls.crt`, `tls.key`), so the object the API server judges has the program's shape.
 *
 * No webhook configuration is applied (manifests.yaml holds none), so nothing refers to a backend
 * that does not run.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ControlPlane, startControlPlane } from "./control-plane";
import { KubeError, KubeObject, waitFor } from "./kube";
import { readObjects, stackApiServer, stackOutputs } from "./stack";
import { projectDir } from "./tools";

const upstream = process.env.UPSTREAM_DATA ?? path.resolve(projectDir, "../shared/upstream");
/** The chart CRD folders the program's custom resources need. */
const crdFolders = ["gatekeeper-3.23.0/crds", "kyverno-3.9.0/crds", "cert-manager-v1.21.1/crds"];

/** Every CRD of the pinned charts, sorted by file name within each folder. */
function chartCrds(): KubeObject[] {
    const crds: KubeObject[] = [];
    for (const folder of crdFolders) {
        const dir = path.join(upstream, folder);
        if (!fs.existsSync(dir)) {
            throw new Error(`${dir} does not exist: the pinned charts' CRDs (set UPSTREAM_DATA)`);
        }
        for (const file of fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".yaml"))
            .sort()) {
            crds.push(
                ...readObjects(path.join(dir, file)).filter(
                    (o) => o.kind === "CustomResourceDefinition",
                ),
            );
        }
    }
    return crds;
}

function describeObject(obj: KubeObject): string {
    const ns = obj.metadata?.namespace !== undefined ? `${obj.metadata.namespace}/` : "";
    return `${obj.apiVersion} ${obj.kind} ${ns}${obj.metadata?.name}`;
}

for (const stack of ["dev", "prod"]) {
    describe(`API-server tier, group 1: ${stack} objects accepted by a real API server`, function () {
        let cp: ControlPlane;
        let objects: KubeObject[];

        before(async function () {
            objects = readObjects(path.join(stackOutputs(stack), "manifests.yaml"));
            cp = await startControlPlane({
                name: `accept-${stack}`,
                ...stackApiServer(stack, { admission: true }),
            });
        });
        after(async () => {
            await cp?.stop();
        });

        it("installs the charts' CRDs, each Established", async () => {
            const client = cp.client();
            const crds = chartCrds();
            assert.equal(crds.length, 17 + 22 + 6, "CRDs in the pinned chart data");
            for (const crd of crds) {
                await client.apply(crd, "chart-crds");
            }
            for (const crd of crds) {
                await waitFor(`CRD ${crd.metadata.name} Established`, async () => {
                    const got = await client.get(
                        "apiextensions.k8s.io/v1",
                        "CustomResourceDefinition",
                        undefined,
                        crd.metadata.name,
                    );
                    const established = (got?.status?.conditions ?? []).some(
                        (c: KubeObject) => c.type === "Established" && c.status === "True",
                    );
                    return established ? true : undefined;
                });
            }
            client.forgetDiscovery();
        });

        it("refuses an unknown field under fieldValidation=Strict (the apply below can fail)", async () => {
            const ns = objects.find((o) => o.kind === "Namespace");
            assert.ok(ns !== undefined, `out/${stack}/manifests.yaml holds a Namespace`);
            const broken = { ...structuredClone(ns), spec: { finalizerz: ["kubernetes"] } };
            await assert.rejects(
                cp.client().apply(broken),
                /\.spec\.finalizerz: field not declared in schema/,
            );
        });

        it("lists the Gatekeeper constraints it cannot apply, each of a kind a ConstraintTemplate declares", function () {
            const templates = objects
                .filter((o) => o.kind === "ConstraintTemplate")
                .map((o) => o.spec.crd.spec.names.kind as string)
                .sort();
            const constraints = objects.filter((o) =>
                String(o.apiVersion).startsWith("constraints.gatekeeper.sh/"),
            );
            assert.ok(constraints.length > 0, "the stack renders Gatekeeper constraints");
            // Not applied: Gatekeeper's controller makes each constraint CRD from its template.
            this.test!.title += ` (not applied: ${constraints.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")})`;
            assert.deepEqual(
                [...new Set(constraints.map((o) => o.kind as string))].sort(),
                templates,
                "every ConstraintTemplate has its constraint and every constraint its template",
            );
        });

        it("applies every other object with server-side apply and fieldValidation=Strict: 0 rejected", async function () {
            const client = cp.client();
            const toApply = objects.filter(
                (o) => !String(o.apiVersion).startsWith("constraints.gatekeeper.sh/"),
            );
            const ordered = [
                ...toApply.filter((o) => o.kind === "Namespace"),
                ...toApply.filter((o) => o.kind !== "Namespace"),
            ];
            const testPair = {
                "tls.crt": fs.readFileSync(cp.caFile, "utf8"),
                "tls.key": fs.readFileSync(path.join(cp.dir, "pki/ca.key"), "utf8"),
            };
            const rejected: string[] = [];
            const warnings: string[] = [];
            for (const original of ordered) {
                const obj = structuredClone(original);
                if (obj.kind === "Secret") {
                    assert.equal(
                        obj.stringData,
                        "[secret]",
                        `${describeObject(obj)}: masked as the check masks secrets`,
                    );
                    assert.equal(
                        obj.type,
                        "kubernetes.io/tls",
                        `${describeObject(obj)}: a TLS key pair`,
                    );
                    obj.stringData = testPair;
                }
                try {
                    const urlPath = await client.objectPath(obj);
                    const res = await client.request(
                        "PATCH",
                        `${urlPath}?fieldManager=sovereign-contour&fieldValidation=Strict&force=true`,
                        JSON.stringify(obj),
                        "application/apply-patch+yaml",
                    );
                    if (res.status < 200 || res.status > 299) {
                        rejected.push(
                            `${describeObject(obj)}: HTTP ${res.status}: ${KubeError.reason(res.body)}`,
                        );
                    }
                    warnings.push(...res.warnings.map((w) => `${describeObject(obj)}: ${w}`));
                } catch (error) {
                    rejected.push(`${describeObject(obj)}: ${(error as Error).message}`);
                }
            }
            assert.deepEqual(
                rejected,
                [],
                `objects of out/${stack}/manifests.yaml the API server rejected`,
            );
            assert.deepEqual(
                warnings,
                [],
                `warnings the API server gave for out/${stack}/manifests.yaml`,
            );
            // Everything applied is there, read back through the API.
            for (const obj of ordered) {
                const got = await client.get(
                    obj.apiVersion,
                    obj.kind,
                    obj.metadata.namespace,
                    obj.metadata.name,
                );
                assert.ok(got !== undefined, `${describeObject(obj)} reads back`);
            }
            this.test!.title += ` (${ordered.length} objects)`;
        });
    });
}
