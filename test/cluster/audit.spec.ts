/**
 * Group 3, audit: kube-apiserver runs with the dev stack's audit policy and every `--audit-log-*`
 * flag of its kubeadm document (only the log path is the test's). A scripted sequence of requests
 * gets exactly the audit levels the policy promises, read from the JSON log lines by each
 * request's `Audit-Id` answer header:
 * - reading a Secret: Metadata (no request or response body);
 * - creating a Pod: RequestResponse (both bodies);
 * - a request of a break-glass user (client certificate with the stack's break-glass group):
 *   RequestResponse;
 * - health probes (`/healthz`, `/livez`, `/readyz`) and `/version`: no event at all;
 * and only the ResponseComplete stage (RequestReceived is omitted), managed fields left out.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { ControlPlane, startControlPlane } from "./control-plane";
import { KubeObject, KubeResponse, waitFor } from "./kube";
import { apiServerArgs, stackApiServer } from "./stack";
import { projectDir } from "./tools";

/** The break-glass group of the dev stack file (`breakGlass.group`). */
function breakGlassGroup(): string {
    const stackFile = parse(
        fs.readFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "utf8"),
    ) as KubeObject;
    const group = stackFile.config?.["sovereign-contour:breakGlass"]?.group as string | undefined;
    assert.ok(group !== undefined, "Pulumi.dev.yaml sets sovereign-contour:breakGlass.group");
    return group;
}

describe("API-server tier, group 3: audit with the dev stack's policy and log flags", function () {
    let cp: ControlPlane;
    const namespace = "audit-test";

    before(async function () {
        cp = await startControlPlane({
            name: "audit",
            ...stackApiServer("dev", { audit: true }),
            users: [
                {
                    name: "break-glass",
                    commonName: "oidc:responder",
                    organizations: [breakGlassGroup()],
                },
            ],
        });
        const admin = cp.client();
        await admin.json("POST", "/api/v1/namespaces", {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: { name: namespace },
        });
        await admin.json("POST", `/api/v1/namespaces/${namespace}/serviceaccounts`, {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: { name: "default" },
        });
        await admin.json("POST", `/api/v1/namespaces/${namespace}/secrets`, {
            apiVersion: "v1",
            kind: "Secret",
            metadata: { name: "db" },
            stringData: { password: "s3cr3t-value-in-audit-test" },
        });
        // What the BreakGlass component binds while access is open: the group to cluster-admin.
        await admin.json("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "break-glass" },
            roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: "cluster-admin",
            },
            subjects: [
                { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: breakGlassGroup() },
            ],
        });
    });
    after(async () => {
        await cp?.stop();
    });

    it("runs with the stack's audit flags: JSON lines", () => {
        const args = apiServerArgs("dev");
        assert.equal(args["audit-log-format"], "json", "the dev stack logs JSON");
        assert.ok(cp.auditLogPath !== undefined);
    });

    it("logs exactly the levels the policy promises", async () => {
        const admin = cp.client();
        const breakGlass = cp.client("break-glass");
        const requests: { what: string; res: KubeResponse; level: string | undefined }[] = [];
        const record = (what: string, res: KubeResponse, level: string | undefined): void => {
            assert.ok(
                res.auditId !== undefined,
                `${what}: the API server answers with an Audit-Id`,
            );
            requests.push({ what, res, level });
        };
        const readSecret = await admin.request("GET", `/api/v1/namespaces/${namespace}/secrets/db`);
        assert.equal(readSecret.status, 200, readSecret.body);
        record("read a Secret", readSecret, "Metadata");
        const pod = await admin.request(
            "POST",
            `/api/v1/namespaces/${namespace}/pods`,
            JSON.stringify({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "app" },
                spec: {
                    containers: [{ name: "app", image: "registry.sovereign.example/app:1.0" }],
                },
            }),
        );
        assert.equal(pod.status, 201, pod.body);
        record("create a Pod", pod, "RequestResponse");
        const glass = await breakGlass.request("GET", `/api/v1/namespaces/${namespace}/pods`);
        assert.equal(glass.status, 200, glass.body);
        record("a break-glass user's request", glass, "RequestResponse");
        for (const probe of ["/healthz", "/livez", "/readyz", "/version"]) {
            const res = await admin.request("GET", probe);
            assert.equal(res.status, 200, `${probe}: ${res.body}`);
            record(`GET ${probe}`, res, undefined);
        }

        const byId = new Map<string, KubeObject[]>();
        const readLog = (): void => {
            byId.clear();
            for (const line of fs.readFileSync(cp.auditLogPath!, "utf8").split("\n")) {
                if (line.trim() === "") {
                    continue;
                }
                const event = JSON.parse(line) as KubeObject; // every line is one JSON event
                byId.set(event.auditID, [...(byId.get(event.auditID) ?? []), event]);
            }
        };
        // Wait for the last logged request's event (the log backend writes as requests complete).
        await waitFor("the audit events of the scripted requests", async () => {
            readLog();
            return requests.every((r) => r.level === undefined || byId.has(r.res.auditId!))
                ? true
                : undefined;
        });

        for (const { what, res, level } of requests) {
            const events = byId.get(res.auditId!) ?? [];
            if (level === undefined) {
                assert.deepEqual(events, [], `${what}: no audit event`);
                continue;
            }
            assert.deepEqual(
                events.map((e) => `${e.stage} ${e.level}`),
                [`ResponseComplete ${level}`],
                `${what}: one event at ${level}, stage ResponseComplete only`,
            );
            const [event] = events;
            if (level === "Metadata") {
                assert.equal(event.requestObject, undefined, `${what}: no request body`);
                assert.equal(event.responseObject, undefined, `${what}: no response body`);
                assert.ok(
                    !JSON.stringify(event).includes("s3cr3t"),
                    `${what}: the secret value is not in the log`,
                );
            } else {
                assert.ok(
                    event.responseObject !== undefined,
                    `${what}: the response body is logged`,
                );
                assert.equal(
                    event.responseObject.metadata?.managedFields,
                    undefined,
                    `${what}: managed fields omitted`,
                );
            }
        }
        const pods = byId.get(requests.find((r) => r.what === "create a Pod")!.res.auditId!)!;
        assert.equal(
            pods[0].requestObject?.metadata?.name,
            "app",
            "create a Pod: the request body is logged",
        );
        const glassEvent = byId.get(
            requests.find((r) => r.what.startsWith("a break-glass"))!.res.auditId!,
        )![0];
        assert.deepEqual(
            [glassEvent.user.username, glassEvent.user.groups.includes(breakGlassGroup())],
            ["oidc:responder", true],
            "the break-glass event names the user and the group",
        );
    });
});
