import * as assert from "node:assert/strict";
import { secretsNoCredentialsInEnv as policy } from "../../../policypacks/platform-guardrails/policies/secrets-no-credentials-in-env";
import { podBearingTypes, podTemplateOf } from "../../../policypacks/lib/workloads";
import { compliantDeployment, compliantWorkload } from "../../fixtures/workloads/compliant";
import { runResourcePolicy } from "../../util/policy-harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const FIX =
    "Put them in a Secret created from Pulumi secrets and reference it: " +
    "env[].valueFrom.secretKeyRef (with $(VAR) of that variable in command and args), or mount " +
    "the Secret as a file and pass its path.";
const LEAD = "has literal credentials in its pod spec:";
const C = "spec.template.spec.containers[0]";
// Built at run time so that no credential-shaped literal sits in the repository.
const githubToken = "ghp_" + "A1b2C3d4E5".repeat(4);
const jwt = ["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiJ3ZWIifQ", "c2lnbmF0dXJlLXZhbHVl"].join(".");
const bearer = ["Bearer", "not-a-real-token-0001"].join(" ");

/** The Deployment's violations after `change` edits its props. */
async function run(
    change: (props: Record<string, any>) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
    config?: Record<string, unknown>,
): Promise<string[]> {
    const props = compliantDeployment();
    change(props);
    return runResourcePolicy(policy, { type: DEPLOYMENT, props, config });
}

/** The one violation of the Deployment, listing `findings`. */
function violation(...findings: string[]): string[] {
    return [`Deployment "tenant-a/web" ${LEAD} ${findings.join("; ")}. ${FIX}`];
}

describe("policy secrets-no-credentials-in-env", () => {
    for (const type of podBearingTypes) {
        it(`passes a compliant ${type.split(":").slice(1).join(":")}`, async () => {
            assert.deepEqual(
                await runResourcePolicy(policy, { type, props: compliantWorkload(type) }),
                [],
            );
        });
    }

    it("reports a literal value of a password-named variable", async () => {
        const props = compliantDeployment();
        props.spec.template.spec.containers[0].env[3] = { name: "DB_PASSWORD", value: "hunter2" };
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
            `Deployment "tenant-a/web" ${LEAD} ${C}.env[3] ` +
                `(DB_PASSWORD) is a credential-like key with a literal value. ${FIX}`,
        ]);
    });

    it("reports a token format under an innocent name, in an init container", async () => {
        const props = compliantDeployment();
        props.spec.template.spec.initContainers[0].env.push({
            name: "GIT_AUTH",
            value: githubToken,
        });
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), [
            `Deployment "tenant-a/web" ${LEAD} ` +
                `spec.template.spec.initContainers[0].env[4] (GIT_AUTH) holds a GitHub token. ${FIX}`,
        ]);
    });

    it("reports an ephemeral container of a Pod", async () => {
        const type = "kubernetes:core/v1:Pod";
        const props = compliantWorkload(type);
        props.spec.ephemeralContainers = [
            { name: "debug", image: "x", env: [{ name: "API_KEY", value: "abc" }] },
        ];
        assert.deepEqual(await runResourcePolicy(policy, { type, props }), [
            `Pod "tenant-a/web" ${LEAD} ` +
                `spec.ephemeralContainers[0].env[0] (API_KEY) is a credential-like key with a ` +
                `literal value. ${FIX}`,
        ]);
    });

    it("passes references and flags: $(VAR) expansion, empty values, booleans", async () => {
        const props = compliantDeployment();
        props.spec.template.spec.containers[0].env.push(
            { name: "DB_PASSWORD_COPY_PASSWORD", value: "$(DB_PASSWORD)" },
            { name: "REDIS_PASSWORD", value: "" },
            { name: "REQUIRE_TOKEN", value: "true" },
        );
        assert.deepEqual(await runResourcePolicy(policy, { type: DEPLOYMENT, props }), []);
    });

    it("reports a $-prefixed env value: only a shell expands $VAR, and the kubelet passes it as written", async () => {
        assert.deepEqual(
            await run((p) => {
                p.spec.template.spec.containers[0].env.push({
                    name: "DB_PASSWORD_2",
                    value: "$Secret123",
                });
            }),
            violation(`${C}.env[4] (DB_PASSWORD_2) is a credential-like key with a literal value`),
        );
    });

    it("skips names listed in ignoredNames", async () => {
        const props = compliantDeployment();
        props.spec.template.spec.containers[0].env.push({ name: "PUBLIC_TOKEN", value: "pk_1" });
        assert.deepEqual(
            await runResourcePolicy(policy, {
                type: DEPLOYMENT,
                props,
                config: { ignoredNames: ["PUBLIC_TOKEN"] },
            }),
            [],
        );
    });
    describe("command lines: command, args, and command lines held in env values", () => {
        it("reports --flag=value and --flag value pairs of credential-like flags in args", async () => {
            assert.deepEqual(
                await run((p) => {
                    p.spec.template.spec.containers[0].args = [
                        "--db-password=Winter2025!",
                        "--api-token",
                        "tok-4f1c9a7e2b",
                        "--listen=:8080",
                    ];
                }),
                violation(
                    `${C}.args[0] passes "--db-password" a literal value`,
                    `${C}.args[1] passes "--api-token" a literal value`,
                ),
            );
        });

        it("reports a password flag and an environment assignment inside a shell script", async () => {
            assert.deepEqual(
                await run((p) => {
                    p.spec.template.spec.containers[0].command = [
                        "/bin/sh",
                        "-c",
                        "PGPASSWORD=hunter2 pg_dump -h db app > /backup/app.sql && " +
                            "mysqldump --user=report --password='hunter 2' reports",
                    ];
                }),
                violation(
                    `${C}.command[2] sets "PGPASSWORD" to a literal value`,
                    `${C}.command[2] passes "--password" a literal value`,
                ),
            );
        });

        it("reports an Authorization header in a curl command of an init container", async () => {
            assert.deepEqual(
                await run((p) => {
                    p.spec.template.spec.initContainers[0].command = [
                        "sh",
                        "-c",
                        `curl -fsS -H 'Authorization: ${bearer}' https://reports.internal/latest`,
                    ];
                }),
                violation(
                    `spec.template.spec.initContainers[0].command[2] holds an Authorization ` +
                        `header with a literal credential`,
                ),
            );
        });

        it("reports a Java system property in an env value that is a command line", async () => {
            assert.deepEqual(
                await run((p) => {
                    p.spec.template.spec.containers[0].env.push({
                        name: "JAVA_TOOL_OPTIONS",
                        value: "-Xmx512m -Djavax.net.ssl.keyStorePassword=changeit",
                    });
                }),
                violation(
                    `${C}.env[4] (JAVA_TOOL_OPTIONS) passes ` +
                        `"-Djavax.net.ssl.keyStorePassword" a literal value`,
                ),
            );
        });

        it("reports a token format in args under an innocent flag", async () => {
            assert.deepEqual(
                await run((p) => {
                    p.spec.template.spec.containers[0].args = [`--git-auth=${githubToken}`];
                }),
                violation(`${C}.args[0] holds a GitHub token`),
            );
        });

        it("reports args in every pod-bearing kind, in ephemeral containers too", async () => {
            for (const type of podBearingTypes) {
                const props = compliantWorkload(type);
                const template = podTemplateOf(type, props);
                assert.ok(template !== undefined);
                template.spec.ephemeralContainers = [
                    { name: "debug", image: "x", args: ["--token", "dbg-1234"] },
                ];
                const kind = type.split(":").pop();
                assert.deepEqual(await runResourcePolicy(policy, { type, props }), [
                    `${kind} "tenant-a/web" ${LEAD} ${template.path}.ephemeralContainers[0].args[0] ` +
                        `passes "--token" a literal value. ${FIX}`,
                ]);
            }
        });
    });

    describe("probes and lifecycle hooks", () => {
        it("reports credential headers of httpGet probes and a credential flag of an exec probe", async () => {
            assert.deepEqual(
                await run((p) => {
                    const c = p.spec.template.spec.containers[0];
                    c.readinessProbe.httpGet.httpHeaders = [
                        { name: "Host", value: "web.tenant-a.svc" },
                        { name: "Authorization", value: "Basic YWRtaW46aHVudGVyMg==" },
                    ];
                    c.livenessProbe = {
                        exec: { command: ["mysqladmin", "ping", "--password=hunter2"] },
                    };
                    c.startupProbe = {
                        httpGet: {
                            path: "/",
                            port: 8080,
                            httpHeaders: [{ name: "X-Api-Key", value: "0d1e2f3a4b5c" }],
                        },
                    };
                }),
                violation(
                    `${C}.livenessProbe.exec.command[2] passes "--password" a literal value`,
                    `${C}.readinessProbe.httpGet.httpHeaders[1] (Authorization) is a credential ` +
                        `header with a literal value`,
                    `${C}.startupProbe.httpGet.httpHeaders[0] (X-Api-Key) is a credential header ` +
                        `with a literal value`,
                ),
            );
        });

        it("reports postStart and preStop hooks", async () => {
            assert.deepEqual(
                await run((p) => {
                    p.spec.template.spec.containers[0].lifecycle = {
                        postStart: {
                            httpGet: {
                                path: "/warm",
                                port: 8080,
                                httpHeaders: [{ name: "Authorization", value: bearer }],
                            },
                        },
                        preStop: { exec: { command: ["/app/drain", "--admin-token=drain-7c1d"] } },
                    };
                }),
                violation(
                    `${C}.lifecycle.postStart.httpGet.httpHeaders[0] (Authorization) is a ` +
                        `credential header with a literal value`,
                    `${C}.lifecycle.preStop.exec.command[1] passes "--admin-token" a literal value`,
                ),
            );
        });
    });

    describe("annotations and inline volume settings", () => {
        it("reports an unprefixed credential annotation of the pod template and a token format in a prefixed one", async () => {
            assert.deepEqual(
                await run((p) => {
                    p.metadata.annotations = { "deploy.example.com/session": jwt };
                    p.spec.template.metadata.annotations = { "smtp-password": "Herbst2025" };
                }),
                violation(
                    `metadata.annotations["deploy.example.com/session"] holds a JSON Web Token`,
                    `spec.template.metadata.annotations["smtp-password"] is a credential-like key ` +
                        `with a literal value`,
                ),
            );
        });

        it("reports credential settings of inline CSI and flex volumes", async () => {
            assert.deepEqual(
                await run((p) => {
                    p.spec.template.spec.volumes = [
                        {
                            name: "share",
                            csi: {
                                driver: "smb.csi.k8s.io",
                                volumeAttributes: { source: "//fileserver/share", password: "x1" },
                            },
                        },
                        {
                            name: "legacy",
                            flexVolume: { driver: "example/cifs", options: { "auth-token": "t1" } },
                        },
                    ];
                }),
                violation(
                    "spec.template.spec.volumes[0].csi.volumeAttributes.password is a " +
                        "credential-like key with a literal value",
                    `spec.template.spec.volumes[1].flexVolume.options["auth-token"] is a ` +
                        "credential-like key with a literal value",
                ),
            );
        });
    });

    describe("documented syntaxes that hold no credential pass", () => {
        it("passes file flags, $(VAR), shell variables, command substitution and flags about credentials", async () => {
            assert.deepEqual(
                await run((p) => {
                    const c = p.spec.template.spec.containers[0];
                    c.args = [
                        "--db-password-file=/var/run/secrets/db/password",
                        "--api-token=$(API_TOKEN)",
                        "--token-ttl=3600",
                        "--client-secret-name=web-oidc",
                        "--require-password",
                        "--listen=:8080",
                        "--private-key=/etc/ssh/id_ed25519",
                        "--secret",
                        "id=npm,src=/run/secrets/npm",
                        "--enable-token-auth=true",
                    ];
                    c.command = [
                        "/bin/sh",
                        "-c",
                        'exec /app/web --password="$DB_PASSWORD" --token "$(cat /run/secrets/t)" ' +
                            "--secret ${SECRET_NAME} --password-stdin=false",
                    ];
                    c.env.push(
                        {
                            name: "JAVA_TOOL_OPTIONS",
                            value: "-Xmx512m -Dapp.password=$(DB_PASSWORD)",
                        },
                        { name: "CURL_ARGS", value: "-H 'Authorization: Bearer $(API_TOKEN)'" },
                    );
                    c.readinessProbe.httpGet.httpHeaders = [
                        { name: "Host", value: "web.tenant-a.svc" },
                        { name: "X-Probe", value: "readiness" },
                    ];
                    c.livenessProbe = {
                        exec: { command: ["sh", "-c", '/app/ping --token "$(cat /run/t)"'] },
                    };
                }),
                [],
            );
        });

        it("passes checksum, Vault agent and reloader annotations", async () => {
            assert.deepEqual(
                await run((p) => {
                    p.metadata.annotations = { "secret.reloader.stakater.com/reload": "web-db" };
                    p.spec.template.metadata.annotations = {
                        "checksum/secret":
                            "3f9a2b1c0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
                        "vault.hashicorp.com/agent-inject": "true",
                        "vault.hashicorp.com/agent-inject-secret-db-password": "database/creds/web",
                        "vault.hashicorp.com/agent-inject-token": "false",
                        "kubectl.kubernetes.io/last-applied-configuration": `{"token":"${githubToken}"}`,
                    };
                }),
                [],
            );
        });

        it("skips flags, headers and annotation keys listed in ignoredNames", async () => {
            assert.deepEqual(
                await run(
                    (p) => {
                        const c = p.spec.template.spec.containers[0];
                        c.args = ["--public-token=pk_1"];
                        c.readinessProbe.httpGet.httpHeaders = [
                            { name: "X-Demo-Token", value: "demo" },
                        ];
                        p.spec.template.metadata.annotations = { "demo-password": "demo" };
                    },
                    { ignoredNames: ["public-token", "X-Demo-Token", "demo-password"] },
                ),
                [],
            );
        });
    });
});
