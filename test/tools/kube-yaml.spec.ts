/**
 * `--manifests` reads YAML exactly as kubectl reads it (tools/check/kube-yaml.ts).
 *
 * The corpus in test/fixtures/kubectl-yaml/reading/ holds the YAML 1.1 features go-yaml v2 applies
 * (booleans, octal and binary integers, merge keys, key conversion, aliases and their limit,
 * separators, encodings); reading/kubectl.json records what kubectl 1.33 made of each file
 * (`kubectl annotate --local -f <file> -o json`, no cluster needed). The check must read every
 * file into the same objects, or refuse the files kubectl refuses, with its own exact message.
 * `UPDATE_KUBECTL=1` re-records kubectl.json with the kubectl on PATH (or `$KUBECTL`); when a
 * kubectl is there, the recording is also compared with a live run.
 *
 * The verdict corpus (kubectl-yaml/verdicts/) then checks that the packs judge what the API server
 * stores: `privileged: on` is a privileged container, `runAsNonRoot: yes` a compliant one.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../../tools/check/errors";
import { goFloat32Key, readKubeYaml, splitDocuments } from "../../tools/check/kube-yaml";
import { manifestFiles, readManifests } from "../../tools/check/manifests";
import { runCheckProcess } from "../util/check-process";

const root = path.resolve(__dirname, "..", "..");
const reading = path.join(root, "test", "fixtures", "kubectl-yaml", "reading");
const verdicts = path.join(root, "test", "fixtures", "kubectl-yaml", "verdicts");
const recordFile = path.join(reading, "kubectl.json");

/** What kubectl made of one file: the objects it would send, or its error. */
type Recorded = { readonly objects: unknown[] } | { readonly refused: string };

/** The kubectl to compare with: `$KUBECTL`, else `kubectl` on PATH, else undefined. */
function findKubectl(): string | undefined {
    const candidate = process.env.KUBECTL ?? "kubectl";
    const probe = spawnSync(candidate, ["version", "--client"], { encoding: "utf8" });
    return probe.status === 0 ? candidate : undefined;
}

/** Runs kubectl on each corpus file, offline (`annotate --local`), and returns what it read. */
function recordWithKubectl(kubectl: string): Record<string, Recorded> {
    const out: Record<string, Recorded> = {};
    for (const file of corpusFiles()) {
        const res = spawnSync(
            kubectl,
            ["annotate", "--local", "-f", file, "recorded-by=kubectl", "-o", "json"],
            { cwd: reading, encoding: "utf8" },
        );
        if (res.status !== 0) {
            out[file] = { refused: res.stderr.trim().split("\n")[0] };
            continue;
        }
        // One JSON object per Kubernetes object, printed one after the other.
        const objects = (
            JSON.parse(`[${res.stdout.replace(/\n}\n{/g, "\n},\n{")}]`) as Record<string, unknown>[]
        ).map((o) => {
            const meta = o.metadata as { annotations: Record<string, string> };
            delete meta.annotations["recorded-by"];
            if (Object.keys(meta.annotations).length === 0) {
                delete (meta as { annotations?: unknown }).annotations;
            }
            return o;
        });
        out[file] = { objects };
    }
    return out;
}

function corpusFiles(): string[] {
    return fs
        .readdirSync(reading)
        .filter((f) => f.endsWith(".yaml"))
        .sort();
}

/**
 * Files kubectl reads that the check refuses on purpose (tools/check/kube-yaml.ts): a key written
 * twice, or two keys that become one JSON key, where kubectl silently keeps one value.
 */
const refusedOnPurpose = new Set([
    "refused-duplicate-key.yaml",
    "refused-duplicate-bool-key.yaml",
    "refused-colliding-keys.yaml",
]);

/** The check's exact message for each file it refuses. */
const refusals: Record<string, string> = {
    "refused-alias-bomb.yaml":
        "document 1, line 8: document contains excessive aliasing: 4951 of the first 5001 nodes come from aliases (an alias bomb?); kubectl refuses it too",
    "refused-alias-self.yaml": "document 1, line 6: anchor &x contains an alias to itself",
    "refused-alias-unknown.yaml": "document 1, line 6: alias *nope refers to no anchor before it",
    "refused-aliases-over-limit.yaml":
        "document 1, line 208: document contains excessive aliasing: 80983 of the first 81801 nodes come from aliases (an alias bomb?); kubectl refuses it too",
    "refused-binary-invalid.yaml":
        "document 1, line 6: !!binary value contains invalid base64 data",
    "refused-collection-key.yaml":
        "document 1, line 6: a mapping or sequence cannot be a key; kubectl refuses the document",
    "refused-colliding-keys.yaml":
        'document 1, line 7: two keys of one mapping both become "true" in JSON (the first at line 6); kubectl keeps one of them at random',
    "refused-control-character.yaml":
        "document 1, line 5: control character U+0007 is not allowed in YAML (kubectl refuses it too); is this a binary file?",
    "refused-directive.yaml":
        'document 1, line 1: a %YAML or %TAG directive: kubectl cuts the file at the "---" after it, which leaves the directive without a document, and refuses it',
    "refused-duplicate-bool-key.yaml":
        'document 1, line 7: key "true" appears twice in one mapping (first at line 6); YAML forbids it and kubectl silently keeps the last one',
    "refused-duplicate-key.yaml":
        'document 1, line 7: key "a" appears twice in one mapping (first at line 6); YAML forbids it and kubectl silently keeps the last one',
    "refused-empty-key.yaml":
        "document 1, line 6: a null key cannot become a JSON key; kubectl refuses the document",
    "refused-infinity.yaml":
        "document 1, line 6: .inf cannot be sent to the API server (JSON has no infinity or NaN); kubectl refuses the document",
    "refused-merge-scalar.yaml":
        "document 1, line 6: << (merge) needs a mapping or a sequence of mappings as its value; kubectl refuses the document",
    "refused-nan.yaml":
        "document 1, line 6: .NaN cannot be sent to the API server (JSON has no infinity or NaN); kubectl refuses the document",
    "refused-null-key.yaml":
        "document 1, line 6: a null key cannot become a JSON key; kubectl refuses the document",
    "refused-separator-content.yaml":
        'document 2, line 6: "---" followed by content; kubectl accepts only a comment after a document separator',
    "refused-tab-indent.yaml": "document 1, line 6: Tabs are not allowed as indentation",
    "refused-tag-bool-int.yaml": "document 1, line 6: a !!int value cannot be decoded as !!bool",
    "refused-tag-mismatch.yaml": "document 1, line 6: a !!str value cannot be decoded as !!int",
    "refused-uint64-key.yaml":
        "document 1, line 6: an integer key beyond int64 cannot become a JSON key; kubectl refuses the document",
};

/** The objects the check reads from a corpus file, or its UsageError's message (file stripped). */
function readWithCheck(file: string): { objects: unknown[] } | { refused: string } {
    const full = path.join(reading, file);
    try {
        return { objects: readManifests([full]).map((m) => m.object) };
    } catch (e) {
        assert.ok(e instanceof UsageError, `${file}: ${(e as Error).stack ?? String(e)}`);
        const prefix = `${full}: `;
        assert.ok(e.message.startsWith(prefix), e.message);
        return { refused: e.message.slice(prefix.length) };
    }
}

describe("manifests read as kubectl reads them (go-yaml v2, sigs.k8s.io/yaml)", function () {
    this.timeout(120_000);
    const kubectl = findKubectl();

    if (process.env.UPDATE_KUBECTL === "1") {
        if (kubectl === undefined) {
            throw new Error("UPDATE_KUBECTL=1 needs kubectl on PATH or $KUBECTL");
        }
        fs.writeFileSync(recordFile, JSON.stringify(recordWithKubectl(kubectl), null, 2) + "\n");
    }

    const recorded = JSON.parse(fs.readFileSync(recordFile, "utf8")) as Record<string, Recorded>;

    it("has a kubectl recording for every corpus file, and a message for every refusal", function () {
        assert.deepStrictEqual(Object.keys(recorded).sort(), corpusFiles());
        const refused = corpusFiles().filter(
            (f) => "refused" in recorded[f] || refusedOnPurpose.has(f),
        );
        assert.deepStrictEqual(refused, Object.keys(refusals).sort());
    });

    for (const file of corpusFiles()) {
        it(`${file}: ${refusals[file] !== undefined ? "refused" : "the objects kubectl sends"}`, function () {
            const rec = recorded[file];
            const got = readWithCheck(file);
            if (refusals[file] !== undefined) {
                assert.ok(
                    "refused" in rec || refusedOnPurpose.has(file),
                    `${file}: kubectl reads it, the check must too`,
                );
                assert.deepStrictEqual(got, { refused: refusals[file] });
            } else {
                assert.ok("objects" in rec, `${file}: kubectl refuses it: ${JSON.stringify(rec)}`);
                assert.deepStrictEqual(got, { objects: rec.objects });
            }
        });
    }

    it("the recording is what the kubectl on this machine reads (skipped without kubectl)", function () {
        if (kubectl === undefined) {
            this.skip();
        }
        const live = recordWithKubectl(kubectl);
        for (const file of corpusFiles()) {
            const rec = recorded[file];
            if ("refused" in rec) {
                assert.ok("refused" in live[file], `${file}: ${JSON.stringify(live[file])}`);
            } else if (file === "refused-colliding-keys.yaml") {
                // kubectl keeps one of the two colliding keys at random (Go's map order), so only
                // that it reads the file is stable; the check refuses it on purpose.
                assert.ok(!("refused" in live[file]), `${file}: ${JSON.stringify(live[file])}`);
            } else {
                assert.deepStrictEqual(live[file], rec, file);
            }
        }
    });

    it("reads each YAML 1.1 boolean spelling as a boolean, and only those", function () {
        const doc = readKubeYaml(
            "t: [y, Y, yes, Yes, YES, on, On, ON, true, True, TRUE]\n" +
                "f: [n, N, no, No, NO, off, Off, OFF, false, False, FALSE]\n" +
                "s: [yEs, oN, tRUE, \"yes\", 'on', !!str y]\n",
        );
        assert.deepStrictEqual(doc[0].value, {
            t: Array(11).fill(true),
            f: Array(11).fill(false),
            s: ["yEs", "oN", "tRUE", "yes", "on", "y"],
        });
    });

    it("formats float keys as Go's %g of a float32, as sigs.k8s.io/yaml does", function () {
        assert.deepStrictEqual(
            [1.5, 1e6, 123456, 0.0001, 0.00001, Math.PI, -0, 1e21].map(goFloat32Key),
            ["1.5", "1e+06", "123456", "0.0001", "1e-05", "3.1415927", "-0", "1e+21"],
        );
    });

    it("splits documents at lines starting with --- (a comment may follow), CRLF as LF", function () {
        assert.deepStrictEqual(splitDocuments("a: 1\r\n--- # x\r\n\r\n---\r\nb: 2\r\n"), [
            { text: "a: 1\n", line: 1 },
            { text: "\n", line: 3 },
            { text: "b: 2\n", line: 5 },
        ]);
    });
});

describe("manifest files as kubectl apply -f finds them", function () {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "manifest-files-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads .yaml, .yml and .json in name order, each file once, links inside the tree followed", function () {
        for (const f of ["b.json", "a.yaml", "notes.txt", "sub/c.yml", "sub/d.yaml"]) {
            fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
            fs.writeFileSync(path.join(dir, f), "{}\n");
        }
        fs.symlinkSync("sub/d.yaml", path.join(dir, "again.yaml"));
        fs.symlinkSync("sub", path.join(dir, "z-link"));
        assert.deepStrictEqual(
            manifestFiles([dir, path.join(dir, "a.yaml")]).map((f) => path.relative(dir, f)),
            ["a.yaml", "again.yaml", "b.json", "sub/c.yml"],
        );
    });
});

/** The check's violations for the verdict corpus, once for all its tests. */
describe("pack verdicts on YAML 1.1 manifests match what the API server stores", function () {
    this.timeout(240_000);
    let byFile: Map<string, string[]>;
    let code: number | null;

    before(function () {
        const run = runCheckProcess(
            [
                "--manifests",
                path.relative(root, verdicts),
                "--policy-config",
                path.join(root, "stacks", "policy-config", "dev", "workload-security.json"),
            ],
            { name: "manifests", timeoutMs: 180_000 },
        );
        code = run.code;
        assert.ok(run.report !== undefined, run.stderr + run.stdout);
        byFile = new Map();
        for (const file of fs.readdirSync(verdicts)) {
            byFile.set(file, []);
        }
        for (const v of run.report.violations as {
            enforcementLevel: string;
            policy: string;
            resource: { file: string };
        }[]) {
            if (v.enforcementLevel !== "mandatory") {
                continue;
            }
            const file = path.basename(v.resource.file);
            byFile.get(file)?.push(v.policy);
        }
    });

    const expected: Record<string, string[]> = {
        // The cluster stores true/false for these spellings: a compliant pod, nothing to refuse.
        "compliant-yaml11-booleans.yaml": [],
        "privileged-on.yaml": ["pod-security-privileged"],
        "run-as-non-root-no.yaml": ["pod-security-run-as-non-root"],
        "host-network-yes.yaml": ["pod-security-host-namespaces"],
        "allow-privilege-escalation-y.yaml": ["pod-security-allow-privilege-escalation"],
        // go-yaml v2 lets the merged value overwrite the key written before the <<.
        "merge-overrides-earlier-key.yaml": ["pod-security-privileged"],
        // 0b0 and 0_0 are the integer 0 (root) for go-yaml v2, strings in YAML 1.2.
        // (runAsUser 0 with runAsNonRoot: true: the kubelet would refuse to start it as well.)
        "run-as-user-binary-zero.yaml": ["admission-simulation", "pod-security-run-as-user"],
        "run-as-user-underscore-zero.yaml": ["admission-simulation", "pod-security-run-as-user"],
        "list-item-host-pid-on.yaml": ["pod-security-host-namespaces"],
    };

    it("judges every file of the corpus", function () {
        assert.deepStrictEqual([...byFile.keys()].sort(), Object.keys(expected).sort());
        assert.strictEqual(code, 1);
    });

    for (const [file, policies] of Object.entries(expected)) {
        it(`${file}: ${policies.length === 0 ? "no violation" : policies.join(", ")}`, function () {
            assert.deepStrictEqual([...new Set(byFile.get(file))].sort(), policies);
        });
    }
});
