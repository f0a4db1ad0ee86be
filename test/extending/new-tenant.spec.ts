/**
 * docs/extending.md, "A new tenant": the entry the page shows (test/extending/examples/
 * new-tenant.yaml) appended to the `sovereign-contour:tenants` list of a copy of Pulumi.prod.yaml.
 * Under the mocks: exactly the tenant's own objects are added (namespace with its labels, network
 * policies, quota, limits, roles and bindings of its groups, the default ServiceAccount's patch),
 * under one TenantNamespace in the baseline layer, behind every enforcement and runtime gate, and
 * nothing else of the platform changes. Through the offline check (`--stack-file`, prod's pack
 * config, as the page says): passed, with the namespace isolated.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, parseDocument, YAMLSeq } from "yaml";
import { tenantNamespaceAfterEnforcement } from "../../policypacks/platform-guardrails/policies/tenant-namespace-after-enforcement";
import { tenantNamespaceGuardrails } from "../../policypacks/platform-guardrails/policies/tenant-namespace-guardrails";
import { readStackConfig } from "../../tools/check/stack-config";
import { installMocks, installTlsStandIns, RecordedResource } from "../util/mocks";
import { runStackPolicy, toPolicyResources } from "../util/recorded-stack";
import {
    buildPlatform,
    Built,
    CheckReport,
    codeBlocks,
    differences,
    examplesDir,
    projectDir,
    stackSettings,
} from "./util";

const stack = "prod";
const tenant = "fraud-scoring";
const component = `platform-tenant-${tenant}`;

describe("docs/extending.md: a new tenant (a stack-file entry)", function () {
    this.timeout(600_000);
    let dir: string;
    let stackFile: string;
    let plain: Built;
    let added: Built;

    before(async () => {
        installMocks();
        installTlsStandIns();
        const entry = fs.readFileSync(path.join(examplesDir, "new-tenant.yaml"), "utf8");
        const items = parse(entry) as unknown[];
        assert.ok(Array.isArray(items) && items.length === 1, "one list item");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "extending-tenant-"));
        stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
        const doc = parseDocument(
            fs.readFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), "utf8"),
        );
        const tenants = doc.getIn(["config", "sovereign-contour:tenants"]);
        assert.ok(tenants instanceof YAMLSeq, "the stack file has a tenants list");
        tenants.add(doc.createNode(items[0]));
        fs.writeFileSync(stackFile, doc.toString());

        plain = await buildPlatform(stackSettings(stack));
        added = await buildPlatform(
            stackSettings(stack, readStackConfig(projectDir, stack, stackFile).values),
        );
    });

    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("adds exactly the tenant's objects, under one TenantNamespace, and changes nothing else", () => {
        const under = (kind: string, name: string, parent = component): string =>
            `+ ${kind} ${name} (parent ${parent === component ? `sovereign:baseline:TenantNamespace ${component}` : parent})`;
        assert.deepEqual(
            differences(plain.resources, added.resources),
            [
                under(
                    "sovereign:baseline:TenantNamespace",
                    component,
                    "sovereign:platform:Layer platform-baseline",
                ),
                under("kubernetes:core/v1:Namespace", `${component}-namespace`),
                under("kubernetes:core/v1:ServiceAccountPatch", `${component}-default-sa`),
                under("kubernetes:core/v1:ResourceQuota", `${component}-quota`),
                under("kubernetes:core/v1:LimitRange", `${component}-limits`),
                under("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${component}-deny-ingress`),
                under("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${component}-deny-egress`),
                under("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${component}-allow-dns`),
                under(
                    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                    `${component}-allow-same-namespace`,
                ),
                under("kubernetes:networking.k8s.io/v1:NetworkPolicy", `${component}-allow-egress`),
                under("kubernetes:rbac.authorization.k8s.io/v1:Role", `${component}-role-admin`),
                under(
                    "kubernetes:rbac.authorization.k8s.io/v1:Role",
                    `${component}-role-developer`,
                ),
                under("kubernetes:rbac.authorization.k8s.io/v1:Role", `${component}-role-viewer`),
                under(
                    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
                    `${component}-binding-admin`,
                ),
                under(
                    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
                    `${component}-binding-developer`,
                ),
            ].sort(),
        );
    });

    it("gives the namespace its labels, quota, limits and group bindings from the entry", () => {
        const named = (name: string): RecordedResource => {
            const found = added.resources.filter((r) => r.name === name);
            assert.equal(found.length, 1, name);
            return found[0];
        };
        const labels = named(`${component}-namespace`).inputs.metadata.labels;
        assert.equal(labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.equal(labels["tenancy.sovereign-contour.io/tenant"], tenant);
        assert.equal(labels["tenancy.sovereign-contour.io/owner"], "team-fraud");
        // The entry's quota, with the secure defaults for what it leaves out (claims, storage,
        // no NodePort or LoadBalancer Service).
        assert.deepEqual(named(`${component}-quota`).inputs.spec.hard, {
            "limits.cpu": "16",
            "limits.memory": "64Gi",
            "requests.cpu": "8",
            "requests.memory": "32Gi",
            "requests.nvidia.com/gpu": "2",
            "requests.storage": "100Gi",
            "services.loadbalancers": "0",
            "services.nodeports": "0",
            persistentvolumeclaims: "10",
            pods: "40",
        });
        assert.deepEqual(named(`${component}-limits`).inputs.spec.limits, [
            {
                type: "Container",
                default: { cpu: "500m", memory: "512Mi" },
                defaultRequest: { cpu: "100m", memory: "128Mi" },
                max: { cpu: "8", memory: "32Gi" },
            },
        ]);
        const group = (name: string) => [
            { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name },
        ];
        assert.deepEqual(
            named(`${component}-binding-admin`).inputs.subjects,
            group("oidc:team-fraud-admins"),
        );
        assert.deepEqual(
            named(`${component}-binding-developer`).inputs.subjects,
            group("oidc:team-fraud-developers"),
        );
        assert.deepEqual(named(`${component}-allow-egress`).inputs.spec, {
            egress: [
                {
                    ports: [{ port: 443, protocol: "TCP" }],
                    to: [{ ipBlock: { cidr: "10.40.12.0/24" } }],
                },
            ],
            podSelector: {},
            policyTypes: ["Egress"],
        });
    });

    it("places the tenant behind every enforcement and runtime gate: the stack policies pass", async () => {
        const resources = toPolicyResources(added.resources);
        assert.deepEqual(await runStackPolicy(tenantNamespaceAfterEnforcement, resources), []);
        assert.deepEqual(await runStackPolicy(tenantNamespaceGuardrails, resources), []);
        assert.deepEqual(Object.keys(added.platform.tenants).at(-1), tenant);
    });

    it("passes the offline check with --stack-file and the stack's pack config, the namespace isolated", () => {
        const block = codeBlocks("A new tenant").find((b) => b.lang === "sh");
        assert.ok(block, "the section has a sh block");
        const command = block.code.trim();
        assert.equal(command, "npm run check -- --stack <env>");
        const out = path.join(dir, "out");
        const run = spawnSync(
            "npm",
            [
                "run",
                "-s",
                "check",
                "--",
                "--stack-file",
                stackFile,
                "--policy-config-dir",
                path.join(projectDir, "stacks", "policy-config", stack),
                "--out",
                out,
            ],
            { cwd: projectDir, encoding: "utf8", timeout: 300_000 },
        );
        assert.equal(run.status, 0, run.stdout + run.stderr);
        const report = JSON.parse(
            fs.readFileSync(path.join(out, stack, "report.json"), "utf8"),
        ) as CheckReport & {
            namespaceIsolation: {
                namespace: string;
                denyIngress: string[];
                denyEgress: string[];
                allowDns: string[];
            }[];
        };
        assert.deepEqual(report.violations, []);
        assert.deepEqual(
            report.namespaceIsolation.find((n) => n.namespace === tenant),
            {
                namespace: tenant,
                denyIngress: ["default-deny-ingress"],
                denyEgress: ["default-deny-egress"],
                allowDns: ["allow-dns"],
            },
        );
    });
});
