/**
 * The chart values guard (issue 16): every key path a component sets in a chart's Helm values must
 * be known to the chart, that is, exist in the chart's default values (`values.yaml`) or be allowed
 * by its `values.schema.json`. A key the chart does not know is at best silently ignored by Helm (a
 * security setting that does nothing) and at worst refused (a schema with
 * `additionalProperties: false`, or a template that fails on a removed key).
 *
 * Pure: text and parsed values in, findings out. The offline check reads the files from a local
 * chart (tools/check/helm.ts); the component spec reads the pinned charts' data from
 * `../shared/upstream`.
 *
 * Semantics (each rule checked against the pinned upstream charts):
 * - A key is known when it exists in the default values or the schema allows it (a union: either
 *   source is enough), except that a key the schema forbids (`additionalProperties: false`, or
 *   a `false` schema) is always reported, because Helm then refuses the render.
 * - Free-form maps accept any key below them: a default that is an empty map `{}` or `null`
 *   (labels, annotations, nodeSelector, extra env, `config`), a schema node with
 *   `additionalProperties: true` (or a schema) or with no `properties`/`patternProperties` at all
 *   (cert-manager's `securityContext` is `{type: object}`), and a non-empty default that is a
 *   Kubernetes string map by name (`nodeSelector`, `labels`, `annotations`, `*Labels`,
 *   `*Annotations`).
 * - A non-empty default that is by name and shape a Kubernetes object the chart passes through with
 *   `toYaml` (`resources` with `limits`/`requests`, `*securityContext`, `affinity`) accepts the
 *   fields of that Kubernetes type, and anything below them (the check validates rendered objects
 *   against the Kubernetes schema). A map named `resources` shaped otherwise (Linkerd's
 *   `cpu.limit`) is checked key by key like any other map.
 * - A schema node that lists `properties` without saying anything about `additionalProperties`
 *   (cert-manager's `global`) allows, for this guard, only the keys it lists or the defaults hold:
 *   JSON Schema would allow any other key, but the chart documents none, so nothing reads it.
 * - Lists are replaced wholesale by Helm: the guard never descends into list items.
 * - Types come from the schema only. A value whose JSON type the schema's `type` excludes is
 *   reported as a type mismatch (Helm refuses it). Without a schema, a map set where the default
 *   is a scalar, a list or `null` (or the other way round) is not reported: Helm lets the set value
 *   win, and a default gives no structure to check the map's keys against.
 * - Keys documented only in comments of `values.yaml` are unknown unless the schema allows them,
 *   with one exception: {@link documentedChartKeys}, keys of an exact chart version whose
 *   templates read them (each entry names the template), accepted with the shape of the default
 *   their comment points to.
 * - Helm's own keys are known: each dependency's `condition` path and `tags.<tag>`. Values under a
 *   subchart's key (its name or alias) are checked against the subchart's defaults, with the
 *   parent's defaults for that key merged over them, and against both schemas; `global` against
 *   the globals of every chart in the tree.
 * - JSON Schema support: `properties`, `patternProperties`, `additionalProperties` (and
 *   `unevaluatedProperties` read the same way), boolean schemas, local `$ref` (`#/$defs/...`,
 *   `#/definitions/...`, any JSON pointer into the same document), `allOf` (every branch must
 *   allow a key), `anyOf`/`oneOf` (one branch allowing it is enough), `type`. A `$ref` outside the
 *   document is not resolved (no network): the defaults decide there. `if`/`then`/`else`, `not`,
 *   `dependentSchemas` and value constraints (`enum`, `pattern`, ...) are ignored.
 *
 * Paths print with dots (`prometheus.servicemonitor.targetPort`); a segment that holds a dot or
 * is not a plain word prints in brackets (`nodeSelector["kubernetes.io/os"]`).
 */
import * as YAML from "yaml";
import { closestKey } from "../../contract/suggest";

/** The pack name the check reports these violations under. */
export const chartValuesPack = "check";

/** The policy name the check reports these violations under. */
export const chartValuesPolicy = "chart-values-known-keys";

/** One key path the values set that the chart does not know, or a value the schema refuses. */
export interface ValueKeyFinding {
    /** The key path, segment by segment. */
    readonly path: readonly string[];
    /** The key path as printed: `prometheus.servicemonitor.targetPort`. */
    readonly key: string;
    /** `unknown`: no default and no schema allows the key; `type`: the schema refuses the value. */
    readonly kind: "unknown" | "type";
    /** Why, naming what the chart knows there. */
    readonly reason: string;
    /** What Helm does with it: ignores it, or refuses to render. */
    readonly effect: "ignored" | "refused";
    /** The closest key the chart knows there, when one is close enough to be a typo. */
    readonly suggestion?: string;
}

/** A key a chart documents outside its default values, verified in the chart's templates. */
export interface DocumentedKey {
    /** Dotted path of the key: `destinationResources`. */
    readonly path: string;
    /** Dotted path of a default whose shape the key takes (`proxy.resources`); else free-form. */
    readonly like?: string;
    /** Where the chart reads it: the template and the expression. */
    readonly evidence: string;
}

/** The documented keys of one exact chart version. */
export interface DocumentedChartKeys {
    readonly chart: string;
    readonly version: string;
    readonly keys: readonly DocumentedKey[];
}

/**
 * Keys documented only in comments of a pinned chart's `values.yaml` that its templates read and
 * the platform sets. Exact versions: after a chart upgrade the keys are reported again until
 * someone checks the new templates and adds the new version here.
 */
export const documentedChartKeys: readonly DocumentedChartKeys[] = [
    {
        chart: "linkerd-control-plane",
        version: "2026.8.3",
        keys: [
            {
                path: "destinationResources",
                like: "proxy.resources",
                evidence:
                    'templates/destination.yaml: include "partials.resources" .Values.destinationResources',
            },
            {
                path: "destinationProxyResources",
                like: "proxy.resources",
                evidence:
                    "templates/destination.yaml: merge .Values.destinationProxyResources .Values.proxy.resources",
            },
            {
                path: "identityResources",
                like: "proxy.resources",
                evidence:
                    'templates/identity.yaml: include "partials.resources" .Values.identityResources',
            },
            {
                path: "identityProxyResources",
                like: "proxy.resources",
                evidence:
                    "templates/identity.yaml: merge .Values.identityProxyResources .Values.proxy.resources",
            },
            {
                path: "proxyInjectorResources",
                like: "proxy.resources",
                evidence:
                    'templates/proxy-injector.yaml: include "partials.resources" .Values.proxyInjectorResources',
            },
            {
                path: "proxyInjectorProxyResources",
                like: "proxy.resources",
                evidence:
                    "templates/proxy-injector.yaml: merge .Values.proxyInjectorProxyResources .Values.proxy.resources",
            },
            {
                path: "spValidatorResources",
                like: "proxy.resources",
                evidence:
                    'templates/destination.yaml: include "partials.resources" .Values.spValidatorResources',
            },
        ],
    },
];

/** The documented keys of a chart at an exact version (none when the table has no entry). */
export function documentedKeysFor(chart: string, version: string): readonly DocumentedKey[] {
    return documentedChartKeys.find((d) => d.chart === chart && d.version === version)?.keys ?? [];
}

/** What the guard knows of one chart's values. */
export interface ChartValuesSpec {
    /** The parsed `values.yaml` (undefined or null when the chart has none). */
    readonly defaults: unknown;
    /** The parsed `values.schema.json`, when the chart has one. */
    readonly schema?: unknown;
    /** Keys documented outside `values.yaml` (see {@link documentedKeysFor}). */
    readonly documented?: readonly DocumentedKey[];
    /** Dotted paths Helm itself reads: dependency conditions, `tags.<tag>`. */
    readonly helmPaths?: readonly string[];
    /** Subcharts by the key their values sit under (the dependency's alias, else its name). */
    readonly subcharts?: Readonly<Record<string, ChartValuesSpec>>;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Prints a key path: dotted, a segment that is not a plain word in brackets. */
export function printPath(path: readonly string[]): string {
    let out = "";
    for (const seg of path) {
        if (/^[A-Za-z0-9_-]+$/.test(seg)) {
            out += out === "" ? seg : `.${seg}`;
        } else {
            out += `[${JSON.stringify(seg)}]`;
        }
    }
    return out;
}

function where(path: readonly string[]): string {
    return path.length === 0 ? "at the top level" : `under \`${printPath(path)}\``;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects the charts pass through with toYaml.

const podSecurityContextFields = [
    "appArmorProfile",
    "fsGroup",
    "fsGroupChangePolicy",
    "runAsGroup",
    "runAsNonRoot",
    "runAsUser",
    "seLinuxChangePolicy",
    "seLinuxOptions",
    "seccompProfile",
    "supplementalGroups",
    "supplementalGroupsPolicy",
    "sysctls",
    "windowsOptions",
];

const containerSecurityContextFields = [
    "allowPrivilegeEscalation",
    "appArmorProfile",
    "capabilities",
    "privileged",
    "procMount",
    "readOnlyRootFilesystem",
    "runAsGroup",
    "runAsNonRoot",
    "runAsUser",
    "seLinuxOptions",
    "seccompProfile",
    "windowsOptions",
];

/**
 * Kubernetes types a value key stands for by name, with their fields (Kubernetes 1.33). A
 * `securityContext` is a pod's in some charts and a container's in others: both sets of fields.
 */
const kubernetesTypes: readonly {
    readonly type: string;
    readonly name: RegExp;
    readonly fields: ReadonlySet<string>;
}[] = [
    {
        type: "ResourceRequirements",
        name: /^resources$/,
        fields: new Set(["claims", "limits", "requests"]),
    },
    {
        type: "SecurityContext",
        name: /securityContext$/i,
        fields: new Set([...podSecurityContextFields, ...containerSecurityContextFields]),
    },
    {
        type: "Affinity",
        name: /^affinity$/,
        fields: new Set(["nodeAffinity", "podAffinity", "podAntiAffinity"]),
    },
];

/** Value keys that are Kubernetes string maps (any key is a label, annotation or node label). */
const stringMapName = /^(nodeSelector|labels|annotations|[A-Za-z0-9]*(Labels|Annotations))$/;

// ---------------------------------------------------------------------------------------------
// Defaults.

/** What the defaults say about the keys of one map. */
type DefaultsAt =
    | { readonly kind: "map"; readonly value: Record<string, unknown> }
    | { readonly kind: "free"; readonly why: string }
    | { readonly kind: "kubernetes"; readonly type: string; readonly fields: ReadonlySet<string> }
    | { readonly kind: "absent" };

/** The defaults state of the map at key `key` whose default is `value`. */
function defaultsAt(key: string, value: unknown): DefaultsAt {
    if (!isMap(value)) {
        return { kind: "free", why: "no structure in the default" };
    }
    const keys = Object.keys(value);
    if (keys.length === 0) {
        return { kind: "free", why: "empty map" };
    }
    if (
        stringMapName.test(key) &&
        Object.values(value).every((v) => !isMap(v) && !Array.isArray(v))
    ) {
        return { kind: "free", why: "Kubernetes string map" };
    }
    for (const k8s of kubernetesTypes) {
        if (k8s.name.test(key) && keys.every((k) => k8s.fields.has(k))) {
            return { kind: "kubernetes", type: k8s.type, fields: k8s.fields };
        }
    }
    return { kind: "map", value };
}

/** Helm's coalescing of a parent's values for a subchart over the subchart's own defaults. */
function coalesce(over: unknown, under: unknown): unknown {
    if (over === undefined) {
        return under;
    }
    if (isMap(over) && isMap(under)) {
        const out: Record<string, unknown> = { ...under };
        for (const [k, v] of Object.entries(over)) {
            out[k] = coalesce(v, under[k]);
        }
        return out;
    }
    return over;
}

function getPath(root: unknown, path: readonly string[]): unknown {
    let cur = root;
    for (const seg of path) {
        if (!isMap(cur)) {
            return undefined;
        }
        cur = cur[seg];
    }
    return cur;
}

/** Sets `value` at `path` unless the path exists already (or crosses a non-map). */
function addPath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
    let cur = root;
    for (let i = 0; i < path.length - 1; i++) {
        const next = cur[path[i]];
        if (next === undefined || next === null) {
            const created: Record<string, unknown> = {};
            cur[path[i]] = created;
            cur = created;
        } else if (isMap(next)) {
            cur = next;
        } else {
            return;
        }
    }
    const last = path[path.length - 1];
    if (!(last in cur)) {
        cur[last] = value;
    }
}

/** The defaults with the documented keys and Helm's own keys added. */
function augmentedDefaults(spec: ChartValuesSpec): Record<string, unknown> {
    const out = isMap(spec.defaults)
        ? (structuredClone(spec.defaults) as Record<string, unknown>)
        : {};
    for (const doc of spec.documented ?? []) {
        const like = doc.like !== undefined ? getPath(spec.defaults, doc.like.split(".")) : null;
        addPath(out, doc.path.split("."), like === undefined ? null : structuredClone(like));
    }
    for (const p of spec.helmPaths ?? []) {
        addPath(out, p.split("."), null);
    }
    return out;
}

/** The `global` defaults of a chart and all its subcharts. */
function treeGlobals(spec: ChartValuesSpec): unknown {
    let globals: unknown = isMap(spec.defaults) ? spec.defaults.global : undefined;
    for (const sub of Object.values(spec.subcharts ?? {})) {
        globals = coalesce(globals, treeGlobals(sub));
    }
    return globals;
}

// ---------------------------------------------------------------------------------------------
// JSON Schema.

/** A schema node with the document its `$ref`s resolve in; `any` is a disjunction of contexts. */
type SchemaAt =
    | { readonly node: unknown; readonly root: unknown }
    | { readonly any: readonly (readonly SchemaAt[])[] };

/** One conjunct of a flattened schema context. */
type Conjunct =
    | { readonly kind: "node"; readonly node: Record<string, unknown>; readonly root: unknown }
    | { readonly kind: "any"; readonly alternatives: readonly (readonly SchemaAt[])[] }
    | { readonly kind: "false" }
    | { readonly kind: "unresolved"; readonly ref: string };

/** The verdict of a schema context on one key. */
type Verdict =
    | { readonly s: "allowed"; readonly sub: readonly SchemaAt[] }
    | { readonly s: "free" }
    | { readonly s: "forbidden" }
    | { readonly s: "unlisted" }
    | { readonly s: "none" };

function resolvePointer(root: unknown, ref: string): unknown {
    if (ref === "#") {
        return root;
    }
    if (!ref.startsWith("#/")) {
        return undefined;
    }
    let cur = root;
    for (const raw of ref.slice(2).split("/")) {
        let seg: string;
        try {
            seg = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
        } catch {
            return undefined;
        }
        if (Array.isArray(cur) && /^\d+$/.test(seg)) {
            cur = cur[Number(seg)];
        } else if (isMap(cur) && Object.prototype.hasOwnProperty.call(cur, seg)) {
            cur = cur[seg];
        } else {
            return undefined;
        }
    }
    return cur;
}

/** Flattens `$ref` and `allOf` into a list of conjuncts (every one must hold). */
function flatten(ctx: readonly SchemaAt[], depth = 0): Conjunct[] {
    const out: Conjunct[] = [];
    for (const at of ctx) {
        if ("any" in at) {
            out.push({ kind: "any", alternatives: at.any });
            continue;
        }
        const { node, root } = at;
        if (node === false) {
            out.push({ kind: "false" });
            continue;
        }
        if (!isMap(node)) {
            continue; // `true` or not a schema: no constraint
        }
        if (depth > 64) {
            out.push({ kind: "unresolved", ref: "(reference cycle)" });
            continue;
        }
        const rest: Record<string, unknown> = { ...node };
        if (typeof node.$ref === "string") {
            delete rest.$ref;
            const target = resolvePointer(root, node.$ref);
            if (target === undefined) {
                out.push({ kind: "unresolved", ref: node.$ref });
            } else {
                out.push(...flatten([{ node: target, root }], depth + 1));
            }
        }
        if (Array.isArray(node.allOf)) {
            delete rest.allOf;
            out.push(
                ...flatten(
                    node.allOf.map((n) => ({ node: n, root })),
                    depth + 1,
                ),
            );
        }
        const alternatives = [
            ...(Array.isArray(node.anyOf) ? node.anyOf : []),
            ...(Array.isArray(node.oneOf) ? node.oneOf : []),
        ];
        delete rest.anyOf;
        delete rest.oneOf;
        if (alternatives.length > 0) {
            out.push({ kind: "any", alternatives: alternatives.map((n) => [{ node: n, root }]) });
        }
        out.push({ kind: "node", node: rest, root });
    }
    return out;
}

function typesOf(node: Record<string, unknown>): string[] | undefined {
    if (typeof node.type === "string") {
        return [node.type];
    }
    if (Array.isArray(node.type)) {
        return node.type.filter((t): t is string => typeof t === "string");
    }
    return undefined;
}

/** The verdict of one schema node (its `$ref`, `allOf` and alternatives already split off). */
function nodeVerdict(node: Record<string, unknown>, root: unknown, key: string): Verdict {
    const types = typesOf(node);
    if (types !== undefined && !types.includes("object")) {
        return { s: "forbidden" }; // holds no keys at all (only reached inside alternatives)
    }
    const matched: SchemaAt[] = [];
    const properties = isMap(node.properties) ? node.properties : {};
    if (Object.prototype.hasOwnProperty.call(properties, key)) {
        matched.push({ node: properties[key], root });
    }
    const patterns = isMap(node.patternProperties) ? node.patternProperties : {};
    for (const [pattern, sub] of Object.entries(patterns)) {
        let re: RegExp | undefined;
        try {
            re = new RegExp(pattern, "u");
        } catch {
            re = undefined;
        }
        if (re?.test(key) === true) {
            matched.push({ node: sub, root });
        }
    }
    if (matched.some((m) => "node" in m && m.node === false)) {
        return { s: "forbidden" }; // `key: false`: the key must not be set at all
    }
    if (matched.length > 0) {
        return { s: "allowed", sub: matched };
    }
    const additional =
        node.additionalProperties !== undefined
            ? node.additionalProperties
            : node.unevaluatedProperties;
    if (additional === false) {
        return { s: "forbidden" };
    }
    if (additional === true || (isMap(additional) && Object.keys(additional).length === 0)) {
        return { s: "free" };
    }
    if (isMap(additional)) {
        return { s: "allowed", sub: [{ node: additional, root }] };
    }
    return Object.keys(properties).length > 0 || Object.keys(patterns).length > 0
        ? { s: "unlisted" }
        : { s: "free" };
}

/** Every conjunct must allow the key. */
function allVerdicts(verdicts: readonly Verdict[]): Verdict {
    if (verdicts.some((v) => v.s === "forbidden")) {
        return { s: "forbidden" };
    }
    const sub = verdicts.flatMap((v) => (v.s === "allowed" ? v.sub : []));
    if (sub.length > 0) {
        return { s: "allowed", sub };
    }
    if (verdicts.some((v) => v.s === "unlisted")) {
        return { s: "unlisted" };
    }
    if (verdicts.some((v) => v.s === "none")) {
        return { s: "none" };
    }
    return { s: "free" };
}

/** One alternative allowing the key is enough. */
function anyVerdict(verdicts: readonly Verdict[]): Verdict {
    if (verdicts.some((v) => v.s === "free")) {
        return { s: "free" };
    }
    const allowed = verdicts.filter(
        (v): v is Extract<Verdict, { s: "allowed" }> => v.s === "allowed",
    );
    if (allowed.length === 1) {
        return allowed[0];
    }
    if (allowed.length > 1) {
        return { s: "allowed", sub: [{ any: allowed.map((v) => v.sub) }] };
    }
    if (verdicts.some((v) => v.s === "unlisted")) {
        return { s: "unlisted" };
    }
    if (verdicts.some((v) => v.s === "none")) {
        return { s: "none" };
    }
    return { s: "forbidden" };
}

/** The schema's verdict on `key` inside a map at `ctx`; `undefined` ctx means no schema. */
function schemaVerdict(ctx: readonly SchemaAt[] | undefined, key: string): Verdict {
    if (ctx === undefined) {
        return { s: "none" };
    }
    return allVerdicts(
        flatten(ctx).map((c): Verdict => {
            switch (c.kind) {
                case "false":
                    return { s: "forbidden" };
                case "unresolved":
                    return { s: "none" };
                case "any":
                    return anyVerdict(c.alternatives.map((alt) => schemaVerdict(alt, key)));
                case "node":
                    return nodeVerdict(c.node, c.root, key);
            }
        }),
    );
}

/** The JSON types a value has (an integer is also a number). */
function jsonTypes(value: unknown): string[] {
    if (value === null) {
        return ["null"];
    }
    if (Array.isArray(value)) {
        return ["array"];
    }
    if (typeof value === "number") {
        return Number.isInteger(value) ? ["integer", "number"] : ["number"];
    }
    if (typeof value === "object") {
        return ["object"];
    }
    return [typeof value];
}

/** The types the schema context allows, or undefined when it allows the value's type. */
function typeMismatch(ctx: readonly SchemaAt[], value: unknown): string[] | undefined {
    const have = jsonTypes(value);
    const wanted: string[] = [];
    const ok = (c: Conjunct): boolean => {
        switch (c.kind) {
            case "false":
                return false;
            case "unresolved":
                return true;
            case "any": {
                const misses = c.alternatives.map((alt) => typeMismatch(alt, value));
                if (misses.some((m) => m === undefined)) {
                    return true;
                }
                misses.forEach((m) => wanted.push(...(m ?? [])));
                return false;
            }
            case "node": {
                const types = typesOf(c.node);
                if (types === undefined || types.some((t) => have.includes(t))) {
                    return true;
                }
                wanted.push(...types);
                return false;
            }
        }
    };
    const conjuncts = flatten(ctx);
    return conjuncts.every(ok) ? undefined : [...new Set(wanted)];
}

/** The kind of a value, never the value itself (it may be a secret). */
function describeValue(value: unknown): string {
    if (Array.isArray(value)) {
        return "a list";
    }
    if (isMap(value)) {
        return "a map";
    }
    if (value === null) {
        return "null";
    }
    return `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------
// The walk.

interface Walk {
    readonly findings: ValueKeyFinding[];
}

function unknownReason(
    dflt: DefaultsAt,
    parent: readonly string[],
    key: string,
    verdict: Verdict,
): string {
    if (dflt.kind === "kubernetes") {
        return (
            `\`${printPath(parent)}\` is a Kubernetes ${dflt.type} (as its default shows), ` +
            `which has no field \`${key}\``
        );
    }
    const schemaPart = verdict.s === "unlisted" ? " and values.schema.json does not list it" : "";
    return `not in the chart's values.yaml ${where(parent)}${schemaPart}`;
}

/** The keys the defaults and the schema know in a map, for suggestions. */
function siblingsOf(dflt: DefaultsAt, ctx: readonly SchemaAt[] | undefined): string[] {
    const out = new Set<string>();
    if (dflt.kind === "map") {
        Object.keys(dflt.value).forEach((k) => out.add(k));
    } else if (dflt.kind === "kubernetes") {
        dflt.fields.forEach((k) => out.add(k));
    }
    for (const c of ctx !== undefined ? flatten(ctx) : []) {
        if (c.kind === "node" && isMap(c.node.properties)) {
            Object.keys(c.node.properties).forEach((k) => out.add(k));
        }
    }
    return [...out];
}

function childDefaults(dflt: DefaultsAt, key: string): DefaultsAt {
    switch (dflt.kind) {
        case "free":
        case "kubernetes":
            return { kind: "free", why: "inside a free-form map" };
        case "absent":
            return dflt;
        case "map":
            return Object.prototype.hasOwnProperty.call(dflt.value, key)
                ? defaultsAt(key, dflt.value[key])
                : { kind: "absent" };
    }
}

function defaultsKnow(dflt: DefaultsAt, key: string): boolean {
    switch (dflt.kind) {
        case "free":
            return true;
        case "kubernetes":
            return dflt.fields.has(key);
        case "absent":
            return false;
        case "map":
            return Object.prototype.hasOwnProperty.call(dflt.value, key);
    }
}

/** Checks the keys of the map `values` at `path`. */
function walkMap(
    w: Walk,
    values: Record<string, unknown>,
    path: readonly string[],
    dflt: DefaultsAt,
    ctx: readonly SchemaAt[] | undefined,
): void {
    for (const [key, value] of Object.entries(values)) {
        walkKey(w, key, value, path, dflt, ctx);
    }
}

function walkKey(
    w: Walk,
    key: string,
    value: unknown,
    parent: readonly string[],
    dflt: DefaultsAt,
    ctx: readonly SchemaAt[] | undefined,
): void {
    const path = [...parent, key];
    const verdict = schemaVerdict(ctx, key);
    if (verdict.s === "forbidden") {
        const known = defaultsKnow(dflt, key) ? " (values.yaml has it)" : "";
        w.findings.push({
            path,
            key: printPath(path),
            kind: "unknown",
            effect: "refused",
            reason: `values.schema.json allows no such key ${where(parent)}${known}`,
            ...suggestionFor(key, parent, dflt, ctx),
        });
        return;
    }
    const child = childDefaults(dflt, key);
    if (verdict.s === "allowed" || verdict.s === "free") {
        if (verdict.s === "allowed" && value !== null) {
            const wanted = typeMismatch(verdict.sub, value);
            if (wanted !== undefined) {
                w.findings.push({
                    path,
                    key: printPath(path),
                    kind: "type",
                    effect: "refused",
                    reason:
                        `values.schema.json requires ${wanted.join(" or ") || "another type"} ` +
                        `here; the values set ${describeValue(value)}`,
                });
                return;
            }
        }
        if (isMap(value) && verdict.s === "allowed") {
            walkMap(w, value, path, child, verdict.sub);
        }
        return;
    }
    // The schema has no say (none, or a list of properties without this key): the defaults decide.
    if (!defaultsKnow(dflt, key)) {
        w.findings.push({
            path,
            key: printPath(path),
            kind: "unknown",
            effect: "ignored",
            reason: unknownReason(dflt, parent, key, verdict),
            ...suggestionFor(key, parent, dflt, ctx),
        });
        return;
    }
    if (isMap(value) && (child.kind === "map" || child.kind === "kubernetes")) {
        walkMap(w, value, path, child, undefined);
    }
}

function suggestionFor(
    key: string,
    parent: readonly string[],
    dflt: DefaultsAt,
    ctx: readonly SchemaAt[] | undefined,
): { suggestion?: string } {
    const hint = closestKey(
        key,
        siblingsOf(dflt, ctx).filter((k) => k !== key),
    );
    return hint !== undefined ? { suggestion: printPath([...parent, hint]) } : {};
}

/** Checks a chart's values (at `path`, a subchart's key) against its spec. */
function walkChart(
    w: Walk,
    spec: ChartValuesSpec,
    values: Record<string, unknown>,
    path: readonly string[],
    parentDefaults: unknown,
    parentCtx: readonly SchemaAt[] | undefined,
): void {
    const own = augmentedDefaults(spec);
    const merged = coalesce(parentDefaults, own);
    const defaults = isMap(merged) ? merged : own;
    if (path.length === 0) {
        const globals = treeGlobals({ ...spec, defaults });
        if (globals !== undefined) {
            defaults.global = globals;
        }
    }
    const ctx: SchemaAt[] | undefined =
        spec.schema !== undefined || parentCtx !== undefined
            ? [
                  ...(parentCtx ?? []),
                  ...(spec.schema !== undefined ? [{ node: spec.schema, root: spec.schema }] : []),
              ]
            : undefined;
    const dflt: DefaultsAt = { kind: "map", value: defaults };
    const subcharts = spec.subcharts ?? {};
    for (const [key, value] of Object.entries(values)) {
        const sub = Object.prototype.hasOwnProperty.call(subcharts, key)
            ? subcharts[key]
            : undefined;
        if (sub === undefined || !isMap(value)) {
            walkKey(w, key, value, path, dflt, ctx);
            continue;
        }
        const verdict = schemaVerdict(ctx, key);
        if (verdict.s === "forbidden") {
            walkKey(w, key, value, path, dflt, ctx); // reports it
            continue;
        }
        walkChart(
            w,
            sub,
            value,
            [...path, key],
            defaults[key],
            verdict.s === "allowed" ? verdict.sub : undefined,
        );
    }
}

/**
 * Every key path `values` sets that the chart does not know (see the module comment for the
 * rules), sorted by path. `values` are the values a component passes to the chart.
 */
export function unknownValueKeys(spec: ChartValuesSpec, values: unknown): ValueKeyFinding[] {
    const w: Walk = { findings: [] };
    if (isMap(values)) {
        walkChart(w, spec, values, [], undefined, undefined);
    }
    return w.findings.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// From a chart's files.

/** The text of the files of a chart the guard reads, and of its subcharts. */
export interface ChartFiles {
    /** Where the chart is, for messages: a directory, or `<archive>:<folder>/`. */
    readonly where: string;
    readonly chartYaml: string;
    readonly valuesYaml?: string;
    readonly valuesSchemaJson?: string;
    readonly subcharts: readonly ChartFiles[];
}

/** A chart's identity and the guard's spec of it. */
export interface ChartValuesInfo {
    readonly name: string;
    readonly version: string;
    readonly spec: ChartValuesSpec;
    /** True when the chart has neither `values.yaml` nor `values.schema.json`. */
    readonly declaresNoValues: boolean;
}

/** Parses a chart's YAML as Helm does (YAML 1.1, merge keys); throws an Error naming the file. */
export function parseHelmYaml(text: string, file: string): unknown {
    const doc = YAML.parseDocument(text, { version: "1.1", merge: true, uniqueKeys: false });
    if (doc.errors.length > 0) {
        throw new Error(`${file} is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
    }
    return doc.toJS({ maxAliasCount: -1 }) as unknown;
}

/**
 * The guard's spec of a chart from its files: defaults, schema, documented keys (by name and
 * exact version), Helm's own keys from `dependencies` (conditions, tags) and the subcharts under
 * their alias or name. Throws an Error naming the file when one does not parse.
 */
export function chartValuesInfo(files: ChartFiles): ChartValuesInfo {
    const meta = parseHelmYaml(files.chartYaml, `${files.where}Chart.yaml`);
    const chart = isMap(meta) ? meta : {};
    const name = typeof chart.name === "string" ? chart.name : "";
    const version =
        chart.version !== undefined && chart.version !== null ? String(chart.version) : "";
    const defaults =
        files.valuesYaml !== undefined
            ? parseHelmYaml(files.valuesYaml, `${files.where}values.yaml`)
            : undefined;
    let schema: unknown;
    if (files.valuesSchemaJson !== undefined) {
        try {
            schema = JSON.parse(files.valuesSchemaJson) as unknown;
        } catch (e) {
            throw new Error(
                `${files.where}values.schema.json is not valid JSON: ${(e as Error).message}`,
            );
        }
    }
    const subs = files.subcharts.map(chartValuesInfo);
    const helmPaths: string[] = [];
    const subcharts: Record<string, ChartValuesSpec> = {};
    const dependencies = Array.isArray(chart.dependencies) ? chart.dependencies.filter(isMap) : [];
    const aliased = new Set<string>();
    for (const dep of dependencies) {
        if (typeof dep.condition === "string") {
            helmPaths.push(
                ...dep.condition
                    .split(",")
                    .map((c) => c.trim())
                    .filter((c) => c !== ""),
            );
        }
        if (Array.isArray(dep.tags)) {
            helmPaths.push(
                ...dep.tags
                    .filter((t): t is string => typeof t === "string")
                    .map((t) => `tags.${t}`),
            );
        }
        const sub = subs.find((s) => s.name === dep.name);
        if (sub !== undefined && typeof dep.alias === "string" && dep.alias !== "") {
            subcharts[dep.alias] = sub.spec;
            aliased.add(sub.name);
        }
    }
    for (const sub of subs) {
        if (!aliased.has(sub.name) && sub.name !== "") {
            subcharts[sub.name] = sub.spec;
        }
    }
    return {
        name,
        version,
        declaresNoValues: files.valuesYaml === undefined && files.valuesSchemaJson === undefined,
        spec: {
            defaults,
            ...(schema !== undefined ? { schema } : {}),
            documented: documentedKeysFor(name, version),
            helmPaths,
            subcharts,
        },
    };
}

/** The report message of one finding of chart `name` at `version`. */
export function findingMessage(name: string, version: string, f: ValueKeyFinding): string {
    const chart = `chart ${name}${version !== "" ? ` ${version}` : ""}`;
    if (f.kind === "type") {
        return (
            `The values of ${chart} set \`${f.key}\` to a value of the wrong type: ${f.reason}. ` +
            `Helm refuses to render the chart. Set the type the chart expects, or use the chart's ` +
            `key for the setting.`
        );
    }
    const effect =
        f.effect === "refused"
            ? "Helm refuses to render the chart"
            : "The chart ignores it at best (a chart may also refuse a removed key), so the " +
              "setting has no effect";
    const hint = f.suggestion !== undefined ? ` (did you mean \`${f.suggestion}\`?)` : "";
    return (
        `The values of ${chart} set \`${f.key}\`, which the chart does not know: ${f.reason}. ` +
        `${effect}. Remove it, or use the chart's key for the setting${hint}.`
    );
}
