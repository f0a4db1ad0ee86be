/**
 * Every Gatekeeper ConstraintTemplate the platform installs, run by Gatekeeper itself: `gator
 * verify` (Gatekeeper v3.23.0, the chart's version, built from its Go module) on a suite generated
 * from the rendered templates, the rendered Constraints (prod-like parameters) and the admission
 * fixtures (test/fixtures/admission/objects.ts). Each template has objects it must admit and
 * objects it must refuse; a refusal must carry exactly the message the check's own CEL evaluator
 * (tools/check/admission/gatekeeper-cel.ts) gives, so the offline check and the engine agree.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { prodLikeParameters } from "../fixtures/admission/constraints";
import { gatekeeperLabels, renderConstraint } from "../../components/gatekeeper/render";
import {
    renderConstraintTemplate,
    templateDefinitions,
    templateIds,
} from "../../components/gatekeeper/templates";
import { evaluateTemplate } from "../../tools/check/admission/gatekeeper-cel";
import {
    clusterRole,
    cronJob,
    deployment,
    digest,
    namespace,
    Obj,
    pod,
    role,
    service,
    withContainer,
    withSpec,
} from "../fixtures/admission/objects";
import { engineBinary, exactly, removeTemps, runEngine, tempDir, writeYaml } from "./engines";

type TemplateId = (typeof templateIds)[number];

/** Prod-like parameters, as the stack's settings give them. */
const parameters = prodLikeParameters;

/** One object and what the template must do with it. */
interface Case {
    readonly name: string;
    readonly object: Obj;
    readonly verdict: "admit" | "refuse";
}

const explicitRule = { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] };

function inNamespace(object: Obj, ns: string): Obj {
    const copy = structuredClone(object);
    copy.metadata.namespace = ns;
    return copy;
}

const otherRegistry = pod(withContainer((c) => (c.image = `docker.io/library/nginx@${digest}`)));
const hostNetwork = deployment(withSpec((s) => (s.hostNetwork = true)));

/** The cases of each template: at least one admitted and one refused object. */
const cases: Readonly<Record<TemplateId, readonly Case[]>> = {
    "allowed-registries": [
        { name: "pod-from-the-allowed-registry", object: pod(), verdict: "admit" },
        { name: "deployment-from-the-allowed-registry", object: deployment(), verdict: "admit" },
        { name: "pod-from-another-registry", object: otherRegistry, verdict: "refuse" },
        {
            name: "look-alike-registry-host",
            object: cronJob(
                withContainer(
                    (c) => (c.image = `registry.sovereign.example.evil/ai/x:1@${digest}`),
                ),
            ),
            verdict: "refuse",
        },
        {
            name: "exempt-namespace-kube-system",
            object: inNamespace(otherRegistry, "kube-system"),
            verdict: "admit",
        },
    ],
    "image-tags": [
        { name: "tagged-and-pinned", object: pod(), verdict: "admit" },
        {
            name: "latest-tag",
            object: pod(
                withContainer(
                    (c) => (c.image = "registry.sovereign.example/ai/inference-server:latest"),
                ),
            ),
            verdict: "refuse",
        },
        {
            name: "tag-without-digest",
            object: deployment(
                withContainer(
                    (c) => (c.image = "registry.sovereign.example/ai/inference-server:1.4.2"),
                ),
            ),
            verdict: "refuse",
        },
    ],
    "namespace-labels": [
        {
            name: "labelled-namespace",
            object: namespace({ owner: "team-a", tenant: "a" }),
            verdict: "admit",
        },
        { name: "namespace-without-labels", object: namespace(undefined), verdict: "refuse" },
        {
            name: "namespace-with-an-empty-label",
            object: namespace({ owner: "", tenant: "a" }),
            verdict: "refuse",
        },
    ],
    "service-exposure": [
        { name: "cluster-ip", object: service({}), verdict: "admit" },
        {
            name: "load-balancer-in-the-gateway-namespace",
            object: service({ type: "LoadBalancer" }, "gw", "ingress-gateway"),
            verdict: "admit",
        },
        { name: "node-port", object: service({ type: "NodePort" }), verdict: "refuse" },
    ],
    "external-ips": [
        { name: "no-external-ip", object: service({}), verdict: "admit" },
        {
            name: "allowed-external-ip",
            object: service({ externalIPs: ["192.0.2.10"] }),
            verdict: "admit",
        },
        {
            name: "other-external-ip",
            object: service({ externalIPs: ["192.0.2.10", "203.0.113.7"] }),
            verdict: "refuse",
        },
    ],
    "rbac-wildcards": [
        { name: "explicit-rules", object: clusterRole("reader", [explicitRule]), verdict: "admit" },
        {
            name: "exempt-role",
            object: clusterRole("system:controller:x", [
                { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
            ]),
            verdict: "admit",
        },
        {
            name: "wildcard-verbs",
            object: role("team-role", [explicitRule, { ...explicitRule, verbs: ["*"] }]),
            verdict: "refuse",
        },
        {
            name: "wildcard-subresource",
            object: clusterRole("my-system:x", [{ ...explicitRule, resources: ["*/scale"] }]),
            verdict: "refuse",
        },
    ],
    "pod-hardening": [
        { name: "hardened-pod", object: pod(), verdict: "admit" },
        { name: "host-network", object: hostNetwork, verdict: "refuse" },
        {
            name: "privileged-init-container-and-host-path",
            object: cronJob(
                withSpec((s) => {
                    s.volumes.push({ name: "root", hostPath: { path: "/" } });
                    s.initContainers = [
                        {
                            name: "init",
                            image: s.containers[0].image,
                            securityContext: { privileged: true },
                        },
                    ];
                    s.containers[0].securityContext.capabilities.add = ["NET_ADMIN"];
                }),
            ),
            verdict: "refuse",
        },
    ],
    "resource-limits": [
        { name: "limited", object: cronJob(), verdict: "admit" },
        {
            name: "no-cpu-limit",
            object: pod(withContainer((c) => delete c.resources.limits.cpu)),
            verdict: "refuse",
        },
    ],
};

function constraintFor(id: TemplateId): Obj {
    return renderConstraint(templateDefinitions[id], {
        enforcementAction: "deny",
        exemptNamespaces: ["kube-system"],
        exemptions: [],
        parameters: parameters[id],
    });
}

/** The check's own CEL verdict on a case (the messages of a refusal). */
function checkMessages(id: TemplateId, object: Obj): string[] {
    const template = renderConstraintTemplate(templateDefinitions[id], gatekeeperLabels);
    const ns = object.metadata.namespace as string | undefined;
    if (
        ns !== undefined &&
        (constraintFor(id).spec.match.excludedNamespaces as string[]).includes(ns)
    ) {
        return [];
    }
    return evaluateTemplate(template, constraintFor(id), { object }).messages;
}

/**
 * Writes a gator suite (one test per template, one case per object) into `dir`; `flip` names a
 * case whose expectation is written inverted (to show that gator reports a wrong expectation).
 */
function writeSuite(dir: string, flip?: string): number {
    const tests: Obj[] = [];
    let count = 0;
    for (const id of templateIds) {
        const template = renderConstraintTemplate(templateDefinitions[id], gatekeeperLabels);
        writeYaml(path.join(dir, id, "template.yaml"), [template]);
        writeYaml(path.join(dir, id, "constraint.yaml"), [constraintFor(id)]);
        const suiteCases: Obj[] = [];
        for (const c of cases[id]) {
            writeYaml(path.join(dir, id, `${c.name}.yaml`), [c.object]);
            const refuse = (c.verdict === "refuse") !== (flip === `${id}/${c.name}`);
            const messages = checkMessages(id, c.object);
            suiteCases.push({
                name: c.name,
                object: `${id}/${c.name}.yaml`,
                assertions: refuse
                    ? [
                          { violations: messages.length },
                          ...messages.map((m) => ({ violations: 1, message: exactly(m) })),
                      ]
                    : [{ violations: "no" }],
            });
            count++;
        }
        tests.push({
            name: id,
            template: `${id}/template.yaml`,
            constraint: `${id}/constraint.yaml`,
            cases: suiteCases,
        });
    }
    writeYaml(path.join(dir, "suite.yaml"), [
        {
            kind: "Suite",
            apiVersion: "test.gatekeeper.sh/v1alpha1",
            metadata: { name: "sovereign-gatekeeper-templates" },
            tests,
        },
    ]);
    return count;
}

describe("engines: Gatekeeper templates under gator verify (Gatekeeper v3.23.0)", function () {
    this.timeout(900_000);
    let gator: string;

    before(() => {
        gator = engineBinary("gator");
    });

    after(removeTemps);

    it("every installed template has at least one admitted and one refused object, and the check's CEL evaluator agrees on each", () => {
        for (const id of templateIds) {
            const verdicts = new Set(cases[id].map((c) => c.verdict));
            assert.deepStrictEqual([...verdicts].sort(), ["admit", "refuse"], id);
            for (const c of cases[id]) {
                assert.strictEqual(
                    checkMessages(id, c.object).length > 0,
                    c.verdict === "refuse",
                    `${id}/${c.name}: the check's CEL evaluator gives ${JSON.stringify(checkMessages(id, c.object))}`,
                );
            }
        }
    });

    it("gator verify passes every case: the same verdicts and messages as the check", () => {
        const dir = tempDir("gator-suite-");
        const count = writeSuite(dir);
        const run = runEngine(gator, ["verify", "-v", dir], dir);
        assert.strictEqual(run.code, 0, `gator verify failed:\n${run.stdout}\n${run.stderr}`);
        for (const id of templateIds) {
            for (const c of cases[id]) {
                assert.ok(
                    run.stdout.includes(`--- PASS: ${c.name}\t`),
                    `gator did not report ${id}/${c.name} as passed:\n${run.stdout}`,
                );
            }
        }
        assert.strictEqual(
            (run.stdout.match(/--- PASS: /g) ?? []).length,
            count + templateIds.length,
        );
        console.log(
            `      gator verify: ${count} cases, ${templateIds.length} templates in ${Math.round(run.ms)} ms`,
        );
    });

    it("gator verify fails when an expectation is wrong (a refused object expected to be admitted)", () => {
        const dir = tempDir("gator-suite-flip-");
        writeSuite(dir, "pod-hardening/host-network");
        const run = runEngine(gator, ["verify", "-v", dir], dir);
        assert.notStrictEqual(run.code, 0, run.stdout);
        assert.match(run.stdout, /--- FAIL: host-network\t/);
        assert.match(run.stdout, /got 1 violations but want none/);
        assert.strictEqual((run.stdout.match(/--- FAIL: \S+\t/g) ?? []).length, 2, run.stdout);
        assert.ok(fs.existsSync(path.join(dir, "suite.yaml")));
    });
});
