/**
 * The platform's images pinned by digest (issue 16): `images.digests` keyed by the upstream
 * reference each component pins, applied after the mirror (a chart's digest key, or `tag@sha256:`
 * in its tag field); with `workloads.requireImageDigests` every image of an enabled component needs
 * one, or the program refuses the stack (exit 2) listing every missing reference; the prod stack
 * pulls from the site registry its policies allow, and the mirroring export carries the digests.
 */
import * as assert from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import {
    knownPlatformImages,
    platformImageSources,
    platformImagesOf,
} from "../../components/platform/images";
import { imageCopy, pinImage, pinRegistryImage } from "../../components/shared/chart-source";
import { isAllowedImage, parseImage } from "../../policypacks/lib/images";
import { loadSettings } from "../../stacks";
import { missingImageDigests } from "../../components/platform/settings";
import { readStackConfig } from "../../tools/check/stack-config";
import { runCheckProcess } from "../util/check-process";
import { issuesOf } from "../util/settings";

const root = path.resolve(__dirname, "..", "..");
const digest = (c: string): string => `sha256:${c.repeat(64)}`;
const images = (value: unknown): Record<string, string> => ({
    "sovereign-contour:images": JSON.stringify(value),
});

describe("images: pinned references (components/shared/chart-source.ts)", () => {
    it("keeps an upstream reference as it is without mirror or digest", () => {
        assert.deepStrictEqual(pinImage("quay.io/jetstack/cert-manager-webhook:v1.21.1", {}), {
            source: "quay.io/jetstack/cert-manager-webhook:v1.21.1",
            repository: "quay.io/jetstack/cert-manager-webhook",
            tag: "v1.21.1",
            pinnedTag: "v1.21.1",
            reference: "quay.io/jetstack/cert-manager-webhook:v1.21.1",
        });
    });

    it("mirrors first, then pins by the digest recorded for the upstream reference", () => {
        const settings = {
            mirror: "harbor.example/mirror",
            digests: { "cr.l5d.io/linkerd/proxy:edge-26.8.3": digest("a") },
        };
        assert.deepStrictEqual(pinImage("cr.l5d.io/linkerd/proxy:edge-26.8.3", settings), {
            source: "cr.l5d.io/linkerd/proxy:edge-26.8.3",
            repository: "harbor.example/mirror/linkerd/proxy",
            tag: "edge-26.8.3",
            digest: digest("a"),
            pinnedTag: `edge-26.8.3@${digest("a")}`,
            reference: `harbor.example/mirror/linkerd/proxy:edge-26.8.3@${digest("a")}`,
        });
        assert.deepStrictEqual(imageCopy("cr.l5d.io/linkerd/proxy:edge-26.8.3", settings), {
            source: "cr.l5d.io/linkerd/proxy:edge-26.8.3",
            target: "harbor.example/mirror/linkerd/proxy:edge-26.8.3",
            digest: digest("a"),
        });
        // A registry with a port, and a Docker Hub official image named without a host.
        assert.strictEqual(
            pinImage("localhost:5000/a/b:1", { mirror: "m.example" }).reference,
            "m.example/a/b:1",
        );
        assert.strictEqual(
            pinImage("nginx:1.27", { mirror: "m.example" }).reference,
            "m.example/library/nginx:1.27",
        );
    });

    it("splits a pinned image the way Kyverno's and Falco's charts compose it", () => {
        const upstream = {
            registry: "docker.io",
            repository: "falcosecurity/falco",
            tag: "0.44.1",
        };
        assert.deepStrictEqual(pinRegistryImage(upstream, {}), upstream);
        assert.deepStrictEqual(
            pinRegistryImage(upstream, {
                mirror: "registry.sovereign.example/mirror",
                digests: { "docker.io/falcosecurity/falco:0.44.1": digest("b") },
            }),
            {
                registry: "registry.sovereign.example/mirror",
                repository: "falcosecurity/falco",
                tag: `0.44.1@${digest("b")}`,
            },
        );
    });

    it("refuses a reference without a tag or with a digest (a programming error)", () => {
        assert.throws(
            () => pinImage("quay.io/jetstack/cert-manager-webhook", {}),
            /not an upstream reference/,
        );
        assert.throws(
            () => pinImage(`quay.io/x/y:1@${digest("c")}`, {}),
            /not an upstream reference/,
        );
    });
});

describe("images: settings (images.digests, workloads.requireImageDigests)", () => {
    it("knows every image of every component, the injected proxy and the hook images included", () => {
        assert.strictEqual(knownPlatformImages.length, 18);
        for (const image of [
            "cr.l5d.io/linkerd/proxy:edge-26.8.3",
            "ghcr.io/kyverno/readiness-checker:v1.19.0",
            "reg.kyverno.io/kyverno/kyvernopre:v1.19.0",
            "quay.io/jetstack/cert-manager-acmesolver:v1.21.1",
            "quay.io/jetstack/cert-manager-startupapicheck:v1.21.1",
        ]) {
            assert.ok(knownPlatformImages.includes(image), image);
        }
        for (const image of knownPlatformImages) {
            const ref = parseImage(image);
            assert.ok(ref.tag !== undefined && ref.digest === undefined, image);
            assert.ok(image.startsWith(`${ref.registry}/`), `${image} names its registry`);
        }
    });

    it("accepts digests of known references, and refuses a malformed digest or an unknown key by name", () => {
        assert.deepStrictEqual(
            issuesOf(
                images({
                    digests: { "quay.io/jetstack/cert-manager-webhook:v1.21.1": digest("d") },
                }),
            ),
            [],
        );
        assert.deepStrictEqual(
            issuesOf(
                images({
                    digests: {
                        "quay.io/jetstack/cert-manager-webhook:v1.21.1": "sha256:ABC",
                        "docker.io/openpolicyagent/gatekeeper:v3.23": digest("e"),
                    },
                }),
            ),
            [
                'sovereign-contour:images.digests["quay.io/jetstack/cert-manager-webhook:v1.21.1"]: ' +
                    "expected a digest sha256:<64 lower-case hex digits>, as `crane digest <image>` " +
                    'prints it (got "sha256:ABC")',
                'sovereign-contour:images.digests["docker.io/openpolicyagent/gatekeeper:v3.23"]: ' +
                    '"docker.io/openpolicyagent/gatekeeper:v3.23" is not an image the platform pins ' +
                    '(did you mean "docker.io/openpolicyagent/gatekeeper:v3.23.0"?); expected the ' +
                    "upstream reference registry/repository:tag exactly as a component pins it " +
                    "(out/<stack>/mirror.json `imageSources[].source`) " +
                    `(got "${digest("e")}")`,
            ],
        );
    });

    it("keeps the defaults valid settings; the program (requireRecordedDigests) lists every missing digest", () => {
        assert.deepStrictEqual(issuesOf({}), []);
        assert.throws(
            () => loadSettings({}, [], { requireRecordedDigests: true }),
            (e: Error) => {
                assert.strictEqual(
                    e.message,
                    "invalid stack settings (1 problem):\n" +
                        "  - sovereign-contour:images.digests: workloads.requireImageDigests is " +
                        `true, but 18 platform images have no digest: ${knownPlatformImages.join(", ")}; ` +
                        'expected an entry "<reference>": sha256:<64 hex digits> for each, recorded ' +
                        "from the mirror with `crane digest <mirror reference>` (docs/air-gap.md), " +
                        "or workloads.requireImageDigests: false",
                );
                return true;
            },
        );
        // Reported together with any other problem of the stack.
        assert.throws(
            () =>
                loadSettings({ "sovereign-contour:kubernetesVersion": "1.20" }, [], {
                    requireRecordedDigests: true,
                }),
            /2 problems[\s\S]*kubernetesVersion[\s\S]*images\.digests: workloads\.requireImageDigests/,
        );
    });

    it("requires digests only for enabled components, and none when the stack does not require digests", () => {
        const { settings } = loadSettings({
            "sovereign-contour:gatekeeper": JSON.stringify({ enabled: false }),
            "sovereign-contour:linkerd": JSON.stringify({ enabled: false }),
            "sovereign-contour:falco": JSON.stringify({ alerts: { mode: "stdout" } }),
        });
        const expected = [
            ...platformImageSources.kyverno,
            ...platformImageSources.certManager,
            ...platformImageSources.falco,
        ].sort();
        assert.deepStrictEqual(platformImagesOf(settings), expected);
        assert.deepStrictEqual(missingImageDigests(settings), expected);
        const recorded = Object.fromEntries(expected.map((i) => [i, digest("f")]));
        assert.deepStrictEqual(
            missingImageDigests({ ...settings, images: { digests: recorded } }),
            [],
        );
        assert.deepStrictEqual(
            missingImageDigests({
                ...settings,
                workloads: { ...settings.workloads, requireImageDigests: false },
            }),
            [],
        );
    });
});

describe("images: the committed stacks", () => {
    it("prod pulls every platform image from the site registry its allow lists admit", () => {
        const { settings } = loadSettings(readStackConfig(root, "prod").values, [], {
            requireRecordedDigests: true,
        });
        assert.strictEqual(settings.images.mirror, "registry.sovereign.example/mirror");
        const guardrails = JSON.parse(
            fs.readFileSync(
                path.join(root, "stacks/policy-config/prod/platform-guardrails.json"),
                "utf8",
            ),
        ) as Record<string, { allowedRegistries?: string[] }>;
        const workloads = JSON.parse(
            fs.readFileSync(
                path.join(root, "stacks/policy-config/prod/workload-security.json"),
                "utf8",
            ),
        ) as Record<string, { allowedRegistries?: string[] }>;
        for (const source of platformImagesOf(settings)) {
            const pulled = parseImage(pinImage(source, settings.images).reference);
            assert.ok(isAllowedImage(pulled, settings.workloads.allowedRegistries), source);
            assert.ok(
                isAllowedImage(
                    pulled,
                    workloads["images-allowed-registries"].allowedRegistries ?? [],
                ),
                source,
            );
            assert.ok(
                isAllowedImage(
                    pulled,
                    guardrails["charts-images-allowed-registries"].allowedRegistries ?? [],
                ),
                source,
            );
            assert.ok(pulled.digest !== undefined, `${source} is pinned`);
        }
    });

    it("prod's example digests are each the sha256 of the reference text, as its comment says", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8")) as {
            config: Record<string, { digests?: Record<string, string> }>;
        };
        const digests = doc.config["sovereign-contour:images"].digests ?? {};
        assert.deepStrictEqual(Object.keys(digests).sort(), [...knownPlatformImages]);
        for (const [reference, value] of Object.entries(digests)) {
            const text = createHash("sha256").update(reference).digest("hex");
            assert.strictEqual(value, `sha256:${text}`, reference);
        }
    });

    it("dev pulls from its own site registry and requires no digest", () => {
        const { settings } = loadSettings(readStackConfig(root, "dev").values, [], {
            requireRecordedDigests: true,
        });
        assert.strictEqual(settings.images.mirror, "registry.dev.sovereign.example/mirror");
        assert.strictEqual(settings.workloads.requireImageDigests, false);
        for (const source of platformImagesOf(settings)) {
            const pulled = parseImage(pinImage(source, settings.images).reference);
            assert.ok(isAllowedImage(pulled, settings.workloads.allowedRegistries), source);
        }
    });
});

describe("images: the offline check", function () {
    this.timeout(300_000);

    it("exits 2 on a prod stack missing digests, listing every missing reference", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "digests-"));
        try {
            const text = fs
                .readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8")
                .split("\n")
                .filter(
                    (l) =>
                        !/"(cr\.l5d\.io\/linkerd\/proxy|ghcr\.io\/kyverno\/readiness-checker):/.test(
                            l,
                        ),
                )
                .join("\n");
            const file = path.join(dir, "Pulumi.prod.yaml");
            fs.writeFileSync(file, text);
            const run = runCheckProcess(
                [
                    "--stack-file",
                    file,
                    "--policy-config-dir",
                    path.join(root, "stacks/policy-config/prod"),
                ],
                { name: "prod", timeoutMs: 180_000 },
            );
            assert.strictEqual(run.code, 2, run.stderr + run.stdout);
            assert.match(
                run.stderr,
                /sovereign-contour:images\.digests: workloads\.requireImageDigests is true, but 2 platform images have no digest: cr\.l5d\.io\/linkerd\/proxy:edge-26\.8\.3, ghcr\.io\/kyverno\/readiness-checker:v1\.19\.0;/,
            );
            assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("exports prod's images with their digests: images.txt pinned, mirror.json source → target + digest", () => {
        const run = runCheckProcess(["--stack", "prod"], { name: "prod", timeoutMs: 180_000 });
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        const mirror = JSON.parse(run.read("mirror.json") ?? "{}") as {
            imageSources: { source: string; target: string; digest?: string }[];
        };
        const { settings } = loadSettings(readStackConfig(root, "prod").values);
        assert.deepStrictEqual(
            mirror.imageSources,
            platformImagesOf(settings).map((s) => imageCopy(s, settings.images)),
        );
        assert.strictEqual(mirror.imageSources.length, 18);
        const listed = (run.read("images.txt") ?? "").split("\n").filter((l) => l !== "");
        for (const image of mirror.imageSources) {
            assert.ok(
                image.digest !== undefined &&
                    image.target.startsWith("registry.sovereign.example/mirror/"),
            );
            assert.ok(listed.includes(`${image.target}@${image.digest}`), image.target);
        }
        assert.ok(
            listed.every((l) => l.startsWith("registry.sovereign.example/mirror/")),
            listed.join("\n"),
        );
    });
});
