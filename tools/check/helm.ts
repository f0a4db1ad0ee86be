/**
 * Offline chart analysis: renders a `kubernetes:helm.sh/v4:Chart` whose source is on this machine
 * with `helm template`, the way the Chart v4 resource renders it during `pulumi preview`, so the
 * packs judge every object the chart would deploy. Nothing is fetched: a chart from a repository
 * or registry is reported as not analyzed, with the reason.
 *
 * Chart v4 semantics reproduced (pulumi-kubernetes `provider/pkg/provider/helm/v4/chart.go` and
 * `provider/pkg/provider/yaml/v2/yaml.go`):
 * - the release name is the `name` input, else the Chart resource's name;
 * - hooks are disabled: no object with a `helm.sh/hook` annotation is registered (test hooks
 *   included); CRDs in `crds/` are included unless `skipCrds`;
 * - the manifest is split into objects, empty documents dropped and `*List` kinds expanded;
 * - namespaced objects without `metadata.namespace` get the Chart's `namespace` (the provider's
 *   default namespace, `default`, when the Chart sets none); scope comes from the built-in kinds
 *   or a CRD among the rendered objects (with a cluster, discovery answers the rest);
 * - each object becomes a child of the Chart named `<resourcePrefix>:<namespace>/<name>` (or
 *   `<resourcePrefix>:<name>` for cluster-scoped objects); `resourcePrefix` defaults to the Chart
 *   resource's name, and an empty prefix gives the bare `<namespace>/<name>`;
 * - `skipAwait` sets the `pulumi.com/skipAwait: "true"` annotation on every object; a Secret's
 *   `data` and `stringData` become secrets.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { fileURLToPath } from "url";
import { promisify } from "util";
import * as YAML from "yaml";
import * as zlib from "zlib";
import { UsageError } from "./errors";
import { isRecord, secretSig, sigKey, unknownValue } from "./values";
import { ChartFiles } from "./values-guard";

const execFileAsync = promisify(execFile);

/** The annotation that makes an object a Helm hook (Chart v4 never registers hooks). */
export const hookAnnotation = "helm.sh/hook";

/** The annotation `skipAwait` puts on every rendered object. */
export const skipAwaitAnnotation = "pulumi.com/skipAwait";

/** The reason given for a local chart when no helm binary was found. */
export const noHelmReason =
    "no helm binary (set --helm or HELM_BINARY, build the pinned one with tools/go/build.sh helm, " +
    "or put helm on PATH)";

/** How long one `helm template` may run. */
export const helmTimeoutMs = 120_000;

/** A Kubernetes object as rendered: plain JSON. */
export type KubeObject = Record<string, unknown>;

/** A helm binary the check will run, and where it was found. */
export interface HelmBinary {
    readonly path: string;
    /**
     * `--helm`, `HELM_BINARY`, `tools/go/build.sh helm` (the project's pinned helm, built from the
     * helm Go module the pinned @pulumi/kubernetes provider embeds) or `PATH`.
     */
    readonly from: "--helm" | "HELM_BINARY" | "tools/go/build.sh helm" | "PATH";
}

/**
 * Where `tools/go/build.sh helm` puts the project's pinned helm: `bin/helm` in the Go tool cache,
 * `$SOVEREIGN_TOOL_CACHE` when set (as build.sh reads it), else `.cache/tools` in the project.
 */
export function pinnedHelmPath(
    env: Readonly<Record<string, string | undefined>> = process.env,
): string {
    const cache =
        env.SOVEREIGN_TOOL_CACHE !== undefined && env.SOVEREIGN_TOOL_CACHE !== ""
            ? env.SOVEREIGN_TOOL_CACHE
            : path.resolve(__dirname, "..", "..", ".cache", "tools");
    return path.join(cache, "bin", "helm");
}

function isExecutableFile(file: string): boolean {
    try {
        if (!fs.statSync(file).isFile()) {
            return false;
        }
        fs.accessSync(file, fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

/**
 * The helm binary: the `--helm` flag, else the `HELM_BINARY` environment variable, else the
 * project's pinned helm when `tools/go/build.sh helm` has built it ({@link pinnedHelmPath}), else
 * `helm` on `PATH`; undefined when there is none. A flag or variable that names no executable file
 * is a usage error (a typo must not silently turn chart analysis off). An empty `HELM_BINARY`
 * counts as unset.
 */
export function findHelm(
    flag?: string,
    env: Readonly<Record<string, string | undefined>> = process.env,
): HelmBinary | undefined {
    const given: [HelmBinary["from"], string | undefined][] = [
        ["--helm", flag],
        ["HELM_BINARY", env.HELM_BINARY === "" ? undefined : env.HELM_BINARY],
    ];
    for (const [from, value] of given) {
        if (value === undefined) {
            continue;
        }
        const file = path.resolve(value);
        if (!isExecutableFile(file)) {
            const what = fs.existsSync(file) ? "is not an executable file" : "does not exist";
            throw new UsageError(
                `${from}: "${value}" ${what}; expected the path of an executable helm binary ` +
                    `(Helm 3 or 4)`,
            );
        }
        return { path: file, from };
    }
    const pinned = pinnedHelmPath(env);
    if (isExecutableFile(pinned)) {
        return { path: pinned, from: "tools/go/build.sh helm" };
    }
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (dir === "") {
            continue;
        }
        const file = path.join(dir, "helm");
        if (isExecutableFile(file)) {
            return { path: file, from: "PATH" };
        }
    }
    return undefined;
}

/** Helm's version (`v3.20.2`), asked once so the report can say which helm rendered the charts. */
export async function helmVersion(helm: HelmBinary): Promise<string> {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "check-helm-"));
    try {
        const { stdout } = await execFileAsync(
            path.resolve(helm.path),
            ["version", "--template", "{{.Version}}"],
            { cwd: tmp, env: isolatedEnv(tmp), timeout: 30_000, encoding: "utf8" },
        );
        return stdout.trim();
    } catch (e) {
        throw new UsageError(
            `${helm.from}: "${helm.path}" did not answer "version" (${firstLine(e)}); expected a ` +
                `helm binary`,
        );
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** Where a Chart's chart comes from, as far as the offline check is concerned. */
export type ChartSourceDecision =
    | { readonly local: true; readonly path: string }
    | { readonly local: false; readonly reason: string };

/**
 * Whether a Chart's source is on this machine. Helm looks for `chart` on disk first (relative to
 * the working directory; Pulumi runs the program in the project directory), even when
 * `repositoryOpts.repo` is set; a `file://` URL names a path on disk. Anything else is remote
 * (an `oci://` or `http(s)://` reference, or a name in a repository) and is never fetched.
 */
export function chartSource(
    inputs: Record<string, unknown>,
    projectDir: string,
): ChartSourceDecision {
    const chart = inputs.chart;
    if (typeof chart !== "string" || chart.trim() === "") {
        return { local: false, reason: "the chart input is not a known string" };
    }
    const ref = chart.trim();
    if (/^file:\/\//i.test(ref)) {
        let file: string;
        try {
            file = fileURLToPath(ref);
        } catch {
            return { local: false, reason: `${ref} is not a valid file:// URL` };
        }
        return fs.existsSync(file)
            ? { local: true, path: file }
            : { local: false, reason: `local chart ${file} not found on this machine` };
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) {
        return { local: false, reason: `remote source ${ref}: not fetched offline` };
    }
    const candidate = path.resolve(projectDir, ref);
    if (fs.existsSync(candidate)) {
        return { local: true, path: candidate };
    }
    const opts = isRecord(inputs.repositoryOpts) ? inputs.repositoryOpts : {};
    if (typeof opts.repo === "string" && opts.repo !== "") {
        return {
            local: false,
            reason: `remote source ${opts.repo} (chart ${ref}): not fetched offline`,
        };
    }
    if (path.isAbsolute(ref) || ref.startsWith(".") || /\.(tgz|tar\.gz)$/.test(ref)) {
        return { local: false, reason: `local chart ${candidate} not found on this machine` };
    }
    return {
        local: false,
        reason: `chart "${ref}" names a repository of the local Helm configuration: not resolved offline`,
    };
}

/** True when a value (engine-serialized) holds a value unknown during preview. */
export function hasUnknown(value: unknown): boolean {
    if (value === unknownValue) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(hasUnknown);
    }
    return isRecord(value) && Object.values(value).some(hasUnknown);
}

/**
 * Why Chart v4 inputs cannot be rendered the way the provider would, or undefined when they can.
 * `raw` are the inputs as serialized for the engine (secrets wrapped, unknowns as the sentinel).
 */
export function unsupportedInputs(raw: Record<string, unknown>): string | undefined {
    if (hasUnknown(raw)) {
        // The provider renders nothing either: "Input properties have unknown values".
        return "inputs have values unknown during preview";
    }
    if (Array.isArray(raw.valueYamlFiles) && raw.valueYamlFiles.length > 0) {
        return "valueYamlFiles are not read by the offline check";
    }
    if (raw.postRenderer !== undefined && raw.postRenderer !== null) {
        return "a postRenderer is not run by the offline check";
    }
    if (raw.dependencyUpdate === true) {
        return "dependencyUpdate needs the chart repositories (network)";
    }
    return undefined;
}

/** What the check did with one chart's contents (the report's `charts` entry). */
export type ChartAnalysis =
    | { readonly analyzed: true; readonly objects: number }
    | { readonly analyzed: false; readonly reason: string };

/**
 * Whether one Chart can be rendered here, and from which path. `raw` are the inputs as serialized
 * for the engine (to see unknowns), `plain` the same inputs with secrets unwrapped.
 */
export function decideChart(
    raw: Record<string, unknown>,
    plain: Record<string, unknown>,
    projectDir: string,
    helm: HelmBinary | undefined,
): { readonly path: string } | { readonly reason: string } {
    if (hasUnknown(raw.chart)) {
        return { reason: "the chart input is unknown during preview" };
    }
    const source = chartSource(plain, projectDir);
    if (!source.local) {
        return { reason: source.reason };
    }
    const unsupported = unsupportedInputs(raw);
    if (unsupported !== undefined) {
        return { reason: unsupported };
    }
    return helm === undefined ? { reason: noHelmReason } : { path: source.path };
}

/**
 * The URN of a chart's child, built the way the check's engine builds every URN (the mock
 * monitor qualifies a type with its parent's own type only).
 */
export function childUrn(parentUrn: string, type: string, name: string): string {
    const [prefix, project, qualifiedType] = parentUrn.split("::");
    const parentType = (qualifiedType ?? "").split("$").pop() ?? "";
    return [prefix, project, `${parentType}$${type}`, name].join("::");
}

/** What to render: one Chart's inputs, resolved. */
export interface RenderRequest {
    readonly helm: HelmBinary;
    /** The Chart resource's name (release name and resource prefix default to it). */
    readonly resourceName: string;
    /** The chart on disk (directory or packaged `.tgz`). */
    readonly chartPath: string;
    /** The Chart's plain inputs (secrets unwrapped): name, namespace, version, values, skipCrds. */
    readonly inputs: Record<string, unknown>;
    /** `Capabilities.KubeVersion`: the stack's Kubernetes version. */
    readonly kubeVersion: string;
    /** Strings never to print (secret values among the inputs). */
    readonly secrets?: readonly string[];
    readonly timeoutMs?: number;
}

/**
 * The environment helm runs with: the check's own, without any `HELM_*` variable or `KUBECONFIG`,
 * and with Helm's cache, config and data homes in `home`, so the user's repositories, registry
 * logins, plugins and cluster are never read or written.
 */
function isolatedEnv(home: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!k.startsWith("HELM_") && k !== "KUBECONFIG") {
            env[k] = v;
        }
    }
    env.HELM_CACHE_HOME = path.join(home, "cache");
    env.HELM_CONFIG_HOME = path.join(home, "config");
    env.HELM_DATA_HOME = path.join(home, "data");
    env.KUBECONFIG = path.join(home, "no-kubeconfig");
    return env;
}

/** A short description of a failed child process: its exit code or spawn error. */
function firstLine(e: unknown): string {
    const err = e as { code?: unknown; message?: string };
    if (typeof err.code === "number") {
        return `exit code ${err.code}`;
    }
    return String(err.code ?? err.message ?? e).split("\n")[0];
}

/** Replaces every secret string in `text` by `[secret]` (strings under 4 characters are kept). */
function redact(text: string, secrets: readonly string[]): string {
    let out = text;
    for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
        if (s.length >= 4) {
            out = out.split(s).join("[secret]");
        }
    }
    return out;
}

/**
 * A rendered object for files on disk: every string that contains a secret value of the Chart's
 * inputs has it replaced by `[secret]` (a template may copy a secret value into any field).
 */
export function redactSecrets(value: unknown, secrets: readonly string[]): unknown {
    if (secrets.length === 0) {
        return value;
    }
    if (typeof value === "string") {
        return redact(value, secrets);
    }
    if (Array.isArray(value)) {
        return value.map((v) => redactSecrets(v, secrets));
    }
    if (isRecord(value)) {
        return Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, redactSecrets(v, secrets)]),
        );
    }
    return value;
}

/**
 * Renders a chart with `helm template` (no shell, a timeout, isolated Helm homes) and returns its
 * objects as Chart v4 would register them, hooks dropped. The values go through a file readable
 * by the owner only, in a private temporary folder removed afterwards.
 *
 * A failing render (a template error, a missing dependency, an invalid manifest) throws a
 * UsageError (exit 2, nothing written). `pulumi preview` stops the same way: Chart v4 renders
 * while the program runs, so a chart that does not render fails the preview before any policy
 * runs. A report that judged everything else would claim a verdict the deploy never reaches.
 */
export async function renderChart(req: RenderRequest): Promise<KubeObject[]> {
    const inputs = req.inputs;
    const release =
        typeof inputs.name === "string" && inputs.name !== "" ? inputs.name : req.resourceName;
    const namespace = chartNamespace(inputs);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "check-helm-"));
    try {
        const valuesFile = path.join(tmp, "values.json");
        const values = isRecord(inputs.values) ? inputs.values : {};
        fs.writeFileSync(valuesFile, JSON.stringify(values), { mode: 0o600, flag: "wx" });
        const args = [
            "template",
            release,
            req.chartPath,
            "--namespace",
            namespace,
            "--kube-version",
            req.kubeVersion,
            "--no-hooks",
            "--values",
            valuesFile,
        ];
        if (inputs.skipCrds !== true) {
            args.push("--include-crds");
        }
        if (typeof inputs.version === "string" && inputs.version !== "") {
            args.push("--version", inputs.version);
        }
        if (inputs.devel === true) {
            args.push("--devel");
        }
        let stdout: string;
        try {
            ({ stdout } = await execFileAsync(path.resolve(req.helm.path), args, {
                cwd: tmp,
                env: isolatedEnv(tmp),
                timeout: req.timeoutMs ?? helmTimeoutMs,
                maxBuffer: 512 * 1024 * 1024,
                encoding: "utf8",
            }));
        } catch (e) {
            const err = e as { stderr?: string; killed?: boolean; code?: unknown };
            const detail =
                err.killed === true
                    ? `timed out after ${Math.round((req.timeoutMs ?? helmTimeoutMs) / 1000)}s`
                    : typeof err.code === "string"
                      ? `could not run ${req.helm.path} (${err.code})`
                      : (err.stderr ?? "").replace(/^Use --debug flag.*$/m, "").trim() ||
                        firstLine(e);
            throw new UsageError(
                `chart ${req.resourceName} (${req.chartPath}): helm template failed: ` +
                    `${redact(detail, req.secrets ?? [])}\n` +
                    `  Fix the chart or its values; pulumi preview fails on it the same way.`,
            );
        }
        return parseManifest(stdout, `chart ${req.resourceName} (${req.chartPath})`);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** The namespace Chart v4 renders into: its `namespace` input, else the provider's default. */
export function chartNamespace(inputs: Record<string, unknown>): string {
    return typeof inputs.namespace === "string" && inputs.namespace !== ""
        ? inputs.namespace
        : "default";
}

/**
 * Splits rendered YAML into objects: empty documents dropped, `*List` kinds expanded, and every
 * object with a `helm.sh/hook` annotation dropped (Chart v4 registers only the release manifest).
 */
export function parseManifest(text: string, what: string): KubeObject[] {
    const out: KubeObject[] = [];
    const add = (value: unknown, where: string): void => {
        if (value === null || value === undefined) {
            return;
        }
        if (!isRecord(value)) {
            throw new UsageError(`${what}: ${where} is not a Kubernetes object`);
        }
        if (Object.keys(value).length === 0) {
            return;
        }
        if (
            typeof value.kind === "string" &&
            value.kind.endsWith("List") &&
            Array.isArray(value.items)
        ) {
            value.items.forEach((item, i) => add(item, `${where}, item ${i + 1}`));
            return;
        }
        const meta = isRecord(value.metadata) ? value.metadata : {};
        const annotations = isRecord(meta.annotations) ? meta.annotations : {};
        if (annotations[hookAnnotation] !== undefined) {
            return;
        }
        if (typeof value.apiVersion !== "string" || typeof value.kind !== "string") {
            throw new UsageError(`${what}: ${where} has no apiVersion or kind`);
        }
        if (typeof meta.name !== "string" || meta.name === "") {
            throw new UsageError(
                `${what}: ${where} (${value.kind}) has no metadata.name; Chart v4 requires one`,
            );
        }
        out.push(value);
    };
    YAML.parseAllDocuments(text).forEach((doc, i) => {
        if (doc.errors.length > 0) {
            throw new UsageError(
                `${what}: rendered document ${i + 1} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`,
            );
        }
        add(doc.toJS({ maxAliasCount: -1 }), `rendered document ${i + 1}`);
    });
    return out;
}

/** API groups served by Kubernetes itself; their kinds are namespaced unless listed below. */
const builtinGroups = new Set([
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
]);

/** Cluster-scoped kinds of the built-in groups. */
const clusterScopedKinds = new Set([
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "ResourceSlice",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectReview",
    "SelfSubjectRulesReview",
    "ServiceCIDR",
    "StorageClass",
    "StorageVersionMigration",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
]);

function groupOf(apiVersion: string): string {
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    return group === "core" ? "" : group;
}

/**
 * Whether a kind is namespaced: built-in kinds from the table, custom kinds from a CRD among
 * `crds`; undefined when offline cannot tell (with a cluster, the provider asks discovery).
 */
export function isNamespaced(
    apiVersion: string,
    kind: string,
    crds: readonly KubeObject[],
): boolean | undefined {
    const group = groupOf(apiVersion);
    if (builtinGroups.has(group)) {
        return !clusterScopedKinds.has(kind.replace(/Patch$/, ""));
    }
    for (const crd of crds) {
        const spec = isRecord(crd.spec) ? crd.spec : {};
        const names = isRecord(spec.names) ? spec.names : {};
        if (spec.group === group && names.kind === kind) {
            return spec.scope === "Namespaced";
        }
    }
    return undefined;
}

/** True for an `apiextensions.k8s.io` CustomResourceDefinition. */
export function isCrd(obj: KubeObject): boolean {
    return (
        obj.kind === "CustomResourceDefinition" &&
        typeof obj.apiVersion === "string" &&
        obj.apiVersion.startsWith("apiextensions.k8s.io/")
    );
}

/** One object of a chart as Chart v4 registers it. */
export interface ChartChild {
    /** The child resource's name: `<prefix>:<namespace>/<name>`. */
    readonly name: string;
    /** The object, with secrets wrapped in the engine's secret form (Secret data). */
    readonly object: KubeObject;
}

/**
 * Applies Chart v4's normalisation and naming to rendered objects: the default namespace for
 * namespaced objects, the skipAwait annotation, secret Secret data, and the child names.
 * `otherCrds` are CRDs the chart does not render itself (the program's own, other charts').
 * Returns the children and the kinds whose scope could not be told offline.
 */
export function chartChildren(
    resourceName: string,
    inputs: Record<string, unknown>,
    objects: readonly KubeObject[],
    otherCrds: readonly KubeObject[] = [],
): { children: ChartChild[]; unknownScope: string[] } {
    const namespace = chartNamespace(inputs);
    const prefix = typeof inputs.resourcePrefix === "string" ? inputs.resourcePrefix : resourceName;
    const crds = [...objects.filter(isCrd), ...otherCrds];
    const unknownScope = new Set<string>();
    const children = objects.map((original) => {
        const obj = structuredClone(original);
        const meta = isRecord(obj.metadata) ? obj.metadata : {};
        obj.metadata = meta;
        const apiVersion = String(obj.apiVersion);
        const kind = String(obj.kind);
        if (typeof meta.namespace !== "string" || meta.namespace === "") {
            const scoped = isNamespaced(apiVersion, kind, crds);
            if (scoped === true) {
                meta.namespace = namespace;
            } else if (scoped === undefined) {
                unknownScope.add(`${apiVersion}/${kind}`);
            }
        }
        if (inputs.skipAwait === true) {
            meta.annotations = {
                ...(isRecord(meta.annotations) ? meta.annotations : {}),
                [skipAwaitAnnotation]: "true",
            };
        }
        if (groupOf(apiVersion) === "" && kind === "Secret") {
            for (const key of ["data", "stringData"]) {
                if (obj[key] !== undefined) {
                    obj[key] = { [sigKey]: secretSig, value: obj[key] };
                }
            }
        }
        const ns =
            typeof meta.namespace === "string" && meta.namespace !== "" ? meta.namespace : "";
        const base = ns !== "" ? `${ns}/${String(meta.name)}` : String(meta.name);
        return { name: prefix !== "" ? `${prefix}:${base}` : base, object: obj };
    });
    return { children, unknownScope: [...unknownScope].sort() };
}

/**
 * The strings among `plain` that are secret (where `masked` holds `placeholder`): never printed,
 * even inside a helm error message.
 */
export function secretStrings(plain: unknown, masked: unknown, placeholder: string): string[] {
    const out: string[] = [];
    const walk = (p: unknown, m: unknown): void => {
        if (m === placeholder && p !== placeholder) {
            const collect = (v: unknown): void => {
                if (typeof v === "string") {
                    out.push(v);
                } else if (Array.isArray(v)) {
                    v.forEach(collect);
                } else if (isRecord(v)) {
                    Object.values(v).forEach(collect);
                } else if (v !== null && v !== undefined) {
                    out.push(String(v));
                }
            };
            collect(p);
        } else if (Array.isArray(p) && Array.isArray(m)) {
            p.forEach((v, i) => walk(v, m[i]));
        } else if (isRecord(p) && isRecord(m)) {
            for (const k of Object.keys(p)) {
                walk(p[k], m[k]);
            }
        }
    };
    walk(plain, masked);
    return out;
}

/** The largest chart archive the check unpacks, uncompressed (a guard against a gzip bomb). */
const maxChartArchiveBytes = 512 * 1024 * 1024;

/** The files of a chart the values guard reads: at the chart's root and in a subchart's. */
const chartValueFiles = new Set(["Chart.yaml", "values.yaml", "values.schema.json"]);

/**
 * The regular files of a tar archive (ustar, with PAX `path` records and GNU long names, as Helm
 * and Go's archive/tar write them) that `keep` selects, by path.
 */
export function tarFiles(tar: Buffer, keep: (name: string) => boolean): Map<string, Buffer> {
    const out = new Map<string, Buffer>();
    const text = (start: number, length: number): string => {
        const field = tar.subarray(start, start + length);
        const end = field.indexOf(0);
        return field.subarray(0, end < 0 ? field.length : end).toString("utf8");
    };
    const size = (start: number): number => {
        if ((tar[start] & 0x80) !== 0) {
            // base-256 (GNU): big-endian, the high bit of the first byte set
            let n = tar[start] & 0x7f;
            for (let i = 1; i < 12; i++) {
                n = n * 256 + tar[start + i];
            }
            return n;
        }
        const octal = text(start, 12).trim();
        return octal === "" ? 0 : parseInt(octal, 8);
    };
    let offset = 0;
    let longName: string | undefined;
    while (offset + 512 <= tar.length) {
        const header = tar.subarray(offset, offset + 512);
        if (header.every((b) => b === 0)) {
            break; // end of archive
        }
        const length = size(offset + 124);
        if (!Number.isSafeInteger(length) || length < 0) {
            throw new Error(`corrupt tar header at byte ${offset}`);
        }
        const type = String.fromCharCode(header[156] || 0x30);
        const body = tar.subarray(offset + 512, offset + 512 + length);
        if (body.length !== length) {
            throw new Error(`truncated tar entry at byte ${offset}`);
        }
        const prefix = text(offset + 345, 155);
        const headerName =
            prefix !== "" && text(offset + 257, 5) === "ustar"
                ? `${prefix}/${text(offset, 100)}`
                : text(offset, 100);
        offset += 512 + Math.ceil(length / 512) * 512;
        if (type === "x") {
            // PAX extended header: records "<len> <key>=<value>\n"; only `path` matters here.
            const records = body.toString("utf8");
            const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records);
            longName = m !== null ? m[1] : longName;
            continue;
        }
        if (type === "L") {
            longName = body.toString("utf8").replace(/\0+$/, "");
            continue;
        }
        if (type === "g") {
            continue;
        }
        const name = (longName ?? headerName).replace(/^\.\//, "");
        longName = undefined;
        if ((type === "0" || type === "\0") && keep(name)) {
            out.set(name, Buffer.from(body));
        }
    }
    return out;
}

/** The guard's files of a chart from an archive's files under `prefix` (`<chart>/`). */
function chartFilesFromArchive(
    files: Map<string, Buffer>,
    prefix: string,
    where: string,
): ChartFiles | undefined {
    const chartYaml = files.get(`${prefix}Chart.yaml`);
    if (chartYaml === undefined) {
        return undefined;
    }
    const subcharts: ChartFiles[] = [];
    const subdirs = new Set<string>();
    for (const name of files.keys()) {
        const rest = name.startsWith(`${prefix}charts/`) ? name.slice(prefix.length + 7) : "";
        const m = /^([^/]+)\/Chart\.yaml$/.exec(rest);
        if (m !== null) {
            subdirs.add(m[1]);
        } else if (/^[^/]+\.tgz$/.test(rest)) {
            subcharts.push(
                ...chartFilesFromTgz(files.get(name) ?? Buffer.alloc(0), `${where}${rest}`),
            );
        }
    }
    for (const dir of [...subdirs].sort()) {
        const sub = chartFilesFromArchive(
            files,
            `${prefix}charts/${dir}/`,
            `${where}charts/${dir}/`,
        );
        if (sub !== undefined) {
            subcharts.push(sub);
        }
    }
    return {
        where,
        chartYaml: chartYaml.toString("utf8"),
        valuesYaml: files.get(`${prefix}values.yaml`)?.toString("utf8"),
        valuesSchemaJson: files.get(`${prefix}values.schema.json`)?.toString("utf8"),
        subcharts,
    };
}

/** The guard's files of a packaged chart (`.tgz`: gzip and tar, one top folder). */
function chartFilesFromTgz(data: Buffer, where: string): ChartFiles[] {
    const tar = zlib.gunzipSync(data, { maxOutputLength: maxChartArchiveBytes });
    const files = tarFiles(tar, (name) => {
        const base = name.slice(name.lastIndexOf("/") + 1);
        return chartValueFiles.has(base) || /\/charts\/[^/]+\.tgz$/.test(name);
    });
    const tops = new Set([...files.keys()].map((n) => n.split("/")[0]));
    const out: ChartFiles[] = [];
    for (const top of [...tops].sort()) {
        const chart = chartFilesFromArchive(files, `${top}/`, `${where}:${top}/`);
        if (chart !== undefined) {
            out.push(chart);
        }
    }
    return out;
}

function readIfExists(file: string): string | undefined {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/** The guard's files of a chart directory and of its subcharts (`charts/<dir>/`, `charts/*.tgz`). */
function chartFilesFromDirectory(dir: string): ChartFiles | undefined {
    const chartYaml = readIfExists(path.join(dir, "Chart.yaml"));
    if (chartYaml === undefined) {
        return undefined;
    }
    const subcharts: ChartFiles[] = [];
    const chartsDir = path.join(dir, "charts");
    if (fs.existsSync(chartsDir) && fs.statSync(chartsDir).isDirectory()) {
        for (const entry of fs.readdirSync(chartsDir).sort()) {
            const full = path.join(chartsDir, entry);
            if (fs.statSync(full).isDirectory()) {
                const sub = chartFilesFromDirectory(full);
                if (sub !== undefined) {
                    subcharts.push(sub);
                }
            } else if (entry.endsWith(".tgz")) {
                subcharts.push(...chartFilesFromTgz(fs.readFileSync(full), full));
            }
        }
    }
    return {
        where: `${dir}${path.sep}`,
        chartYaml,
        valuesYaml: readIfExists(path.join(dir, "values.yaml")),
        valuesSchemaJson: readIfExists(path.join(dir, "values.schema.json")),
        subcharts,
    };
}

/**
 * The files of a local chart (a directory or a packaged `.tgz`) the values guard reads: its
 * `Chart.yaml`, `values.yaml` and `values.schema.json`, and those of its subcharts. Read with
 * node alone (zlib and a small tar reader): no helm, no network. Throws a UsageError naming the
 * chart when it cannot be read (helm could not render it either).
 */
export function readChartFiles(chartPath: string): ChartFiles {
    let chart: ChartFiles | undefined;
    try {
        if (fs.statSync(chartPath).isDirectory()) {
            chart = chartFilesFromDirectory(chartPath);
        } else {
            const charts = chartFilesFromTgz(fs.readFileSync(chartPath), chartPath);
            if (charts.length > 1) {
                throw new Error("the archive holds more than one chart folder");
            }
            chart = charts[0];
        }
    } catch (e) {
        throw new UsageError(`chart ${chartPath}: cannot be read: ${(e as Error).message}`);
    }
    if (chart === undefined) {
        throw new UsageError(`chart ${chartPath}: no Chart.yaml found; expected a Helm chart`);
    }
    return chart;
}
