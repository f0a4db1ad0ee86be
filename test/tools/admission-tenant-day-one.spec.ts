/**
 * Day one for a tenant (issue 16): on every committed stack, a tenant workload that obeys the
 * workload policies is admitted by the platform's own admission, as the stack registers it:
 * Kyverno's mutation, Linkerd's proxy injection in a meshed namespace, the namespace's Pod Security
 * level, every Gatekeeper constraint and Kyverno's validation. Before the fix, every meshed pod was
 * refused by the resource-limits constraint, because the injected proxy had no limits.
 */
import * as assert from "assert";
import * as path from "path";
import { loadSettings } from "../../stacks";
import { simulateAdmission } from "../../tools/check/admission/simulate";
import { readStackConfig } from "../../tools/check/stack-config";
import { compliantPodSpec } from "../fixtures/workloads/compliant";
import {
    installMocks,
    installProviderStandIns,
    recorded,
    resetRecorded,
    settled,
} from "../util/mocks";
import { committedStacks } from "../util/stacks";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const projectDir = path.join(__dirname, "..", "..");
const chartType = "kubernetes:helm.sh/v4:Chart";

/** The recorded Kubernetes objects of the platform, as the check hands them to the simulation. */
function platformObjects(): Parameters<typeof simulateAdmission>[0] {
    return recorded.flatMap((r) => {
        const m = /^kubernetes:([^:]+):([^:]+)$/.exec(r.type);
        if (m === null || m[1].startsWith("helm.sh/") || m[1].startsWith("yaml/")) {
            return [];
        }
        const apiVersion = m[1].startsWith("core/") ? m[1].slice(5) : m[1];
        return [
            {
                resource: { type: r.type, name: r.name },
                object: { apiVersion, kind: m[2], ...(r.inputs as Record<string, unknown>) },
            },
        ];
    });
}

function platformCharts(): Parameters<typeof simulateAdmission>[1] {
    return recorded
        .filter((r) => r.type === chartType)
        .map((r) => {
            const inputs = r.inputs as Loose;
            return {
                resource: { type: r.type, name: r.name },
                chart: String(inputs.chart ?? ""),
                namespace: typeof inputs.namespace === "string" ? inputs.namespace : "default",
                values: (inputs.values ?? {}) as Record<string, unknown>,
                rendered: false,
            };
        });
}

/** A compliant tenant Deployment whose images come from the stack's first allowed registry. */
function tenantDeployment(namespace: string, registry: string): Record<string, unknown> {
    const spec = compliantPodSpec() as Loose;
    // A restricted pod states its user, so the kubelet need not look into the image.
    spec.securityContext = {
        ...spec.securityContext,
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: "RuntimeDefault" },
    };
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        c.image = c.image.replace("registry.sovereign.example/", registry);
    }
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "model-server", namespace },
        spec: {
            replicas: 1,
            selector: { matchLabels: { app: "model-server" } },
            template: { metadata: { labels: { app: "model-server" } }, spec },
        },
    };
}

describe("admission simulation: a compliant tenant workload is admitted on day one", function () {
    this.timeout(60_000);

    before(() => {
        installMocks();
        installProviderStandIns();
    });

    for (const stack of committedStacks()) {
        it(`${stack}: admitted in a meshed and an unmeshed tenant namespace, proxy injected`, async () => {
            const mod = await import("../../components/platform");
            resetRecorded();
            const { settings } = loadSettings(readStackConfig(projectDir, stack).values);
            new mod.Platform("platform", { settings });
            await settled();
            const meshed = settings.tenants.find((t) => t.network.meshed === true);
            const unmeshed = settings.tenants.find((t) => t.network.meshed !== true);
            assert.ok(meshed && unmeshed, "the stack has a meshed and an unmeshed tenant");
            const registry = settings.workloads.allowedRegistries[0];
            const workloads = [meshed.name, unmeshed.name].map((ns) => ({
                resource: { type: "kubernetes:apps/v1:Deployment", name: `${ns}/model-server` },
                object: tenantDeployment(ns, registry),
            }));
            const { section, violations } = simulateAdmission(
                [...platformObjects(), ...workloads],
                platformCharts(),
            );
            const tenant = violations.filter((v) => v.resource.name.endsWith("/model-server"));
            assert.deepStrictEqual(
                tenant.map((v) => `${v.enforcementLevel}: ${v.message}`),
                [],
            );
            const verdicts = (section.workloads as Loose[]).filter((w) =>
                String(w.resource.name).endsWith("/model-server"),
            );
            assert.deepStrictEqual(
                verdicts.map((w) => [w.namespace, w.verdict]),
                [
                    [meshed.name, "admitted"],
                    [unmeshed.name, "admitted"],
                ],
            );
            assert.strictEqual(verdicts[0].engines["linkerd-inject"].verdict, "injected");
            assert.notStrictEqual(verdicts[1].engines["linkerd-inject"].verdict, "injected");
        });
    }
});
