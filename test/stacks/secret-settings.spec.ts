import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSettings, SettingsError, SettingsIssue } from "../../stacks";
import { readStackConfig, secretStandIn } from "../../tools/check/stack-config";

/** A setting documented as a Pulumi secret is refused in plaintext (components/shared/settings.ts). */
describe("settings that must be Pulumi secrets", () => {
    const key = "sovereign-contour:charts";
    const plaintext = "hunter2-mirror-password";
    const charts = (password: string): string =>
        JSON.stringify({
            mirror: {
                url: "oci://harbor.sovereign.example/charts",
                credentials: { username: "robot$charts", password },
            },
        });
    const expected: SettingsIssue = {
        key: "sovereign-contour:charts.mirror.credentials.password",
        message:
            "a plaintext value is not accepted: this setting must be a Pulumi secret; set it with " +
            "`pulumi config set --secret --path charts.mirror.credentials.password <value>` (the " +
            "stack file then holds a secure: value, which is never printed and never decrypted " +
            "by the offline check)",
    };

    function issues(raw: Record<string, string>, secretKeys: string[] = []): SettingsIssue[] {
        try {
            loadSettings(raw, secretKeys);
        } catch (e) {
            if (e instanceof SettingsError) {
                assert.ok(!e.message.includes(plaintext), "the password must never be echoed");
                return [...e.issues];
            }
            throw e;
        }
        return [];
    }

    it("refuses the chart mirror password in plaintext, naming the key, never the value", () => {
        assert.deepStrictEqual(issues({ [key]: charts(plaintext) }), [expected]);
    });

    it("reports it with every other problem at once", () => {
        assert.deepStrictEqual(
            issues({ [key]: charts(plaintext), "sovereign-contour:tenants": "[{}]" }).map(
                (i) => i.key,
            ),
            [
                expected.key,
                "sovereign-contour:tenants[0].name",
                "sovereign-contour:tenants[0].owner",
            ],
        );
    });

    it("accepts the password when the charts key is a Pulumi secret", () => {
        assert.deepStrictEqual(issues({ [key]: charts(plaintext) }, [key]), []);
        const loaded = loadSettings({ [key]: charts(plaintext) }, [key]);
        assert.deepStrictEqual([...loaded.secretKeys], ["charts"]);
        // No credentials, nothing to keep secret.
        assert.deepStrictEqual(
            issues({ [key]: JSON.stringify({ mirror: { url: "oci://harbor.example/charts" } }) }),
            [],
        );
    });

    it("refuses a password inside a chart source URL, never echoing it", () => {
        const message =
            "expected a URL without a password: put the user name and password in " +
            "charts.mirror.credentials, the password set with `pulumi config set --secret` " +
            "(got [secret])";
        assert.deepStrictEqual(
            issues({
                [key]: JSON.stringify({
                    mirror: { url: `oci://robot:${plaintext}@harbor.sovereign.example/charts` },
                    overrides: {
                        kyverno: { repository: `https://robot:${plaintext}@charts.example/` },
                        falco: { repository: "https://robot@charts.example/" },
                    },
                }),
            }),
            [
                { key: "sovereign-contour:charts.mirror.url", message },
                { key: "sovereign-contour:charts.overrides.kyverno.repository", message },
            ],
        );
    });

    describe("from a stack file, as the offline check reads it", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "secret-settings-"));
        });
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        const stackFile = (name: string, password: string): string => {
            const file = path.join(dir, `Pulumi.${name}.yaml`);
            fs.writeFileSync(
                file,
                [
                    "config:",
                    "  sovereign-contour:charts:",
                    "    mirror:",
                    "      url: oci://harbor.sovereign.example/charts",
                    "      credentials:",
                    "        username: robot",
                    `        password: ${password}`,
                    "",
                ].join("\n"),
            );
            return file;
        };

        it("accepts a secure: value (never decrypted) and refuses a plaintext one", () => {
            const secure = readStackConfig(
                dir,
                "secure",
                stackFile("secure", "{ secure: v1:ZmFrZQ==:Y2lwaGVydGV4dA== }"),
            );
            assert.ok(secure.values[key].includes(secretStandIn));
            assert.deepStrictEqual(issues(secure.values, secure.secretKeys), []);

            const plain = readStackConfig(dir, "plain", stackFile("plain", plaintext));
            assert.deepStrictEqual(issues(plain.values, plain.secretKeys), [expected]);
        });
    });
});
