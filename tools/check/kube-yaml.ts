/**
 * YAML read exactly as kubectl reads it, so the packs judge what the API server will store.
 *
 * `kubectl apply -f` splits a file into documents with apimachinery's YAMLReader, and turns each
 * document into JSON with sigs.k8s.io/yaml, which decodes YAML with go-yaml v2 (YAML 1.1, not
 * strict). The `yaml` package reads YAML 1.2 by default, where `privileged: on`, `runAsNonRoot: no`,
 * `defaultMode: 0777` and a `<<` merge key mean something else than they do in the cluster. This
 * module parses with the `yaml` package (syntax only, every scalar kept as its source text) and
 * then decodes the tree with go-yaml v2's rules, which it reproduces here:
 *
 * - text: control characters are refused (go-yaml's reader refuses them: a binary file), and so
 *   is a `%YAML`/`%TAG` directive (kubectl cuts it from its document at the `---`);
 * - documents: a line starting with `---` ends a document; anything but a comment after it is an
 *   error; only the first YAML document of each part is decoded (kubectl drops the rest);
 * - plain scalars resolve as go-yaml v2's `resolve` does: `y|Y|yes|Yes|YES|on|On|ON|true|True|TRUE`
 *   and their negatives are booleans, `~|null|Null|NULL` and the empty scalar null, integers are
 *   parsed by Go's `strconv.ParseInt(s, 0, 64)` after removing `_` (`0755` octal, `0x1F`, `0o17`,
 *   `0b101`), then unsigned, then floats; timestamps and base-60 numbers stay strings; quoted and
 *   block scalars are strings; explicit tags (`!!bool "yes"`) resolve or fail as go-yaml's do;
 * - `<<` merges a mapping (or a sequence of mappings, earlier ones winning) into the mapping at
 *   the point where it appears: a key written before the `<<` is overwritten by the merged value,
 *   one written after it overrides it (go-yaml v2 decodes in order; the YAML 1.1 merge spec and the
 *   `yaml` package keep explicit keys instead);
 * - keys become JSON keys as sigs.k8s.io/yaml converts them (`true`, integers in decimal, floats
 *   as Go's `%g` of a float32); a null, collection or uint64 key is refused, as kubectl refuses it;
 * - `.inf` and `.nan` values are refused (kubectl's JSON encoding fails on them); `-0` is sent as 0;
 * - aliases expand as go-yaml v2 expands them, with its alias-ratio limit against alias bombs
 *   ("document contains excessive aliasing"); an anchor containing itself is refused.
 *
 * Two decisions go beyond kubectl, where kubectl's result depends on chance or on a mistake:
 * a key written twice in one mapping is refused (YAML forbids it; kubectl silently keeps the last
 * one, its strict decoder refuses it), and so are two keys that become one JSON key (`true` and
 * `yes`), which sigs.k8s.io/yaml keeps in random order. Integers beyond 2^53 lose precision
 * (JavaScript numbers); no Kubernetes field where that matters for security holds one. The two
 * parsers can still differ on syntax: `[-]` is read by go-yaml and refused by the `yaml` package
 * (a refusal, exit 2); no case is known where the check reads a document kubectl refuses.
 *
 * test/fixtures/kubectl-yaml/ records what kubectl 1.33 itself reads for each of these cases.
 */
import * as YAML from "yaml";

/** A document of a file as kubectl decodes it. */
export interface KubeDocument {
    /** Position among the file's documents (the parts kubectl's reader yields), from 0. */
    readonly index: number;
    /** The line (from 1) where the document starts in its file. */
    readonly line: number;
    /** The JSON value kubectl sends for it; null for an empty document (kubectl skips it). */
    readonly value: unknown;
}

/** A document kubectl would not accept, or that the check refuses (see the module comment). */
export class KubeYamlError extends Error {
    constructor(
        /** The document (from 1). */
        readonly document: number,
        /** The line in the file (from 1). */
        readonly line: number,
        readonly problem: string,
    ) {
        super(`document ${document}, line ${line}: ${problem}`);
        this.name = "KubeYamlError";
    }
}

const strTag = "tag:yaml.org,2002:str";
const binaryTag = "tag:yaml.org,2002:binary";
const boolTag = "tag:yaml.org,2002:bool";
const intTag = "tag:yaml.org,2002:int";
const floatTag = "tag:yaml.org,2002:float";
const nullTag = "tag:yaml.org,2002:null";
const timestampTag = "tag:yaml.org,2002:timestamp";
const mergeTag = "tag:yaml.org,2002:merge";

/** Tags go-yaml v2 resolves a scalar against; any other tag leaves the scalar a string. */
const resolvableTags = new Set(["", strTag, boolTag, intTag, floatTag, nullTag, timestampTag]);

/** go-yaml v2's `resolveMap`: plain scalars with a fixed meaning. */
const fixedScalars = new Map<string, Resolved>();
for (const s of ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]) {
    fixedScalars.set(s, { tag: boolTag, value: true });
}
for (const s of ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]) {
    fixedScalars.set(s, { tag: boolTag, value: false });
}
for (const s of ["", "~", "null", "Null", "NULL"]) {
    fixedScalars.set(s, { tag: nullTag, value: null });
}
for (const s of [".nan", ".NaN", ".NAN"]) {
    fixedScalars.set(s, { tag: floatTag, value: Number.NaN });
}
for (const s of [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]) {
    fixedScalars.set(s, { tag: floatTag, value: Number.POSITIVE_INFINITY });
}
for (const s of ["-.inf", "-.Inf", "-.INF"]) {
    fixedScalars.set(s, { tag: floatTag, value: Number.NEGATIVE_INFINITY });
}

/** A decoded scalar: its go-yaml tag and value (integers as bigint, with `unsigned` for uint64). */
interface Resolved {
    readonly tag: string;
    readonly value: string | boolean | bigint | number | null;
    readonly unsigned?: boolean;
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;
const uint64Max = 2n ** 64n - 1n;

/** Go's `strconv.ParseUint(s, base, 64)` (base 0: prefixes 0x, 0o, 0b, 0); undefined on error. */
function goParseUint(s: string, base: number): bigint | undefined {
    if (s === "") {
        return undefined;
    }
    let digits = s;
    if (base === 0) {
        base = 10;
        if (s[0] === "0") {
            const p = s.length >= 3 ? s[1].toLowerCase() : "";
            base = p === "b" ? 2 : p === "o" ? 8 : p === "x" ? 16 : 8;
            digits = p === "b" || p === "o" || p === "x" ? s.slice(2) : s.slice(1);
        }
    }
    const valid = { 2: /^[01]*$/, 8: /^[0-7]*$/, 10: /^[0-9]*$/, 16: /^[0-9a-fA-F]*$/ }[base];
    if (valid === undefined || !valid.test(digits)) {
        return undefined;
    }
    if (digits === "") {
        // "0" alone: the octal prefix with no digits after it is zero.
        return s === "0" ? 0n : undefined;
    }
    let n = 0n;
    for (const c of digits) {
        n = n * BigInt(base) + BigInt(parseInt(c, 16));
    }
    return n <= uint64Max ? n : undefined;
}

/** Go's `strconv.ParseInt(s, base, 64)`: an optional sign, then as ParseUint, in int64 range. */
function goParseInt(s: string, base: number): bigint | undefined {
    let neg = false;
    let rest = s;
    if (s[0] === "+" || s[0] === "-") {
        neg = s[0] === "-";
        rest = s.slice(1);
    }
    const u = goParseUint(rest, base);
    if (u === undefined) {
        return undefined;
    }
    const n = neg ? -u : u;
    return n >= int64Min && n <= int64Max ? n : undefined;
}

const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const timestampLike =
    /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?$/;

/** A finite float from Go's ParseFloat on a syntax the regexp already accepted. */
function finiteFloat(s: string): number | undefined {
    const f = Number(s);
    return Number.isFinite(f) ? f : undefined;
}

function shortTag(tag: string): string {
    return tag.startsWith("tag:yaml.org,2002:") ? `!!${tag.slice(18)}` : tag;
}

/** go-yaml v2's `resolve(tag, in)`; throws the problem when an explicit tag does not fit. */
function resolve(tag: string, text: string): Resolved {
    if (!resolvableTags.has(tag)) {
        return { tag, value: text };
    }
    const found = resolveUntagged(tag, text);
    if (tag === "" || tag === found.tag || tag === strTag) {
        return found;
    }
    if (tag === floatTag && found.tag === intTag) {
        return { tag: floatTag, value: Number(found.value) };
    }
    throw new Error(`a ${shortTag(found.tag)} value cannot be decoded as ${shortTag(tag)}`);
}

function resolveUntagged(tag: string, text: string): Resolved {
    const hint = text === "" ? "N" : hintOf(text[0]);
    if (hint === "" || tag === strTag) {
        return { tag: strTag, value: text };
    }
    const fixed = fixedScalars.get(text);
    if (fixed !== undefined) {
        return fixed;
    }
    if (hint === ".") {
        return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) && finiteFloat(text) !== undefined
            ? { tag: floatTag, value: Number(text) }
            : { tag: strTag, value: text };
    }
    if (hint === "D" || hint === "S") {
        if ((tag === "" || tag === timestampTag) && timestampLike.test(text)) {
            return { tag: timestampTag, value: text };
        }
        const plain = text.replace(/_/g, "");
        const i = goParseInt(plain, 0);
        if (i !== undefined) {
            return { tag: intTag, value: i };
        }
        const u = goParseUint(plain, 0);
        if (u !== undefined) {
            return { tag: intTag, value: u, unsigned: true };
        }
        if (yamlStyleFloat.test(plain)) {
            const f = finiteFloat(plain);
            if (f !== undefined) {
                return { tag: floatTag, value: f };
            }
        }
        if (plain.startsWith("0b")) {
            const b = goParseInt(plain.slice(2), 2);
            if (b !== undefined) {
                return { tag: intTag, value: b };
            }
            const ub = goParseUint(plain.slice(2), 2);
            if (ub !== undefined) {
                return { tag: intTag, value: ub, unsigned: true };
            }
        } else if (plain.startsWith("-0b")) {
            const b = goParseInt(`-${plain.slice(3)}`, 2);
            if (b !== undefined) {
                return { tag: intTag, value: b };
            }
        }
    }
    return { tag: strTag, value: text };
}

/** go-yaml v2's `resolveTable`: what the first character says a plain scalar may be. */
function hintOf(c: string): string {
    if (c === "+" || c === "-") {
        return "S";
    }
    if (c >= "0" && c <= "9") {
        return "D";
    }
    if ("yYnNtTfFoO~".includes(c)) {
        return "M";
    }
    return c === "." ? "." : "";
}

/** Go's `strconv.FormatFloat(f, 'g', -1, 32)`, as sigs.k8s.io/yaml turns a float key into text. */
export function goFloat32Key(f: number): string {
    if (Number.isNaN(f)) {
        return ".nan";
    }
    if (!Number.isFinite(f)) {
        return f > 0 ? ".inf" : "-.inf";
    }
    const x = Math.fround(f);
    if (x === 0) {
        return Object.is(x, -0) ? "-0" : "0";
    }
    let exp = "";
    for (let p = 1; p <= 9; p++) {
        exp = Math.abs(x).toExponential(p - 1);
        if (Math.fround(Number(exp)) === Math.abs(x)) {
            break;
        }
    }
    const [mantissa, e] = exp.split("e");
    const digits = mantissa.replace(".", "");
    const power = Number(e);
    const sign = x < 0 ? "-" : "";
    if (power < -4 || power >= 6) {
        const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
        const ex = Math.abs(power).toString().padStart(2, "0");
        return `${sign}${m}e${power < 0 ? "-" : "+"}${ex}`;
    }
    if (power < 0) {
        return `${sign}0.${"0".repeat(-power - 1)}${digits}`;
    }
    const int = digits.slice(0, power + 1).padEnd(power + 1, "0");
    const frac = digits.slice(power + 1);
    return `${sign}${int}${frac !== "" ? `.${frac}` : ""}`;
}

// go-yaml v2's limits on alias expansion (decode.go): a document may take most of its nodes from
// aliases when small, ever less of them as it grows.
const aliasRatioRangeLow = 400_000;
const aliasRatioRangeHigh = 4_000_000;

function allowedAliasRatio(decodeCount: number): number {
    if (decodeCount <= aliasRatioRangeLow) {
        return 0.99;
    }
    if (decodeCount >= aliasRatioRangeHigh) {
        return 0.1;
    }
    return (
        0.99 -
        (0.89 * (decodeCount - aliasRatioRangeLow)) / (aliasRatioRangeHigh - aliasRatioRangeLow)
    );
}

type Node = YAML.Scalar | YAML.YAMLMap | YAML.YAMLSeq | YAML.Alias;

/** A JSON object under construction, with the go-yaml key each JSON key came from. */
interface MapTarget {
    readonly object: Record<string, unknown>;
    /** JSON key → identity of the decoded key (`bool:true`, `str:true`, ...). */
    readonly identities: Map<string, string>;
    /** JSON keys written explicitly (not merged), with their line. */
    readonly explicit: Map<string, number>;
}

/** Sets a property even when the key is `__proto__`. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
    Object.defineProperty(object, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
    });
}

/** Decodes one document's tree as go-yaml v2 into `interface{}`, then as sigs.k8s.io/yaml to JSON. */
class Decoder {
    private decodeCount = 0;
    private aliasCount = 0;
    private aliasDepth = 0;
    private readonly expanding = new Set<YAML.Alias>();
    /** The alias being expanded at depth 1 (where an alias bomb is reported). */
    private outerAlias: YAML.Alias | null = null;
    private readonly targets = new Map<YAML.Alias, Node | undefined>();

    constructor(
        private readonly doc: YAML.Document.Parsed,
        private readonly lineOf: (offset: number) => number,
    ) {}

    document(): unknown {
        this.count(null);
        const contents = this.doc.contents as Node | null;
        return contents === null ? null : this.value(contents);
    }

    private fail(node: { range?: [number, number, number] | null } | null, problem: string): never {
        throw Object.assign(new Error(problem), { offset: node?.range?.[0] ?? 0 });
    }

    /** Counts a decoded node as go-yaml does, failing on excessive aliasing at `node`. */
    private count(node: Node | null): void {
        this.decodeCount++;
        if (this.aliasDepth > 0) {
            this.aliasCount++;
        }
        if (
            this.aliasCount > 100 &&
            this.decodeCount > 1000 &&
            this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)
        ) {
            this.fail(
                this.outerAlias ?? node,
                `document contains excessive aliasing: ${this.aliasCount} of the first ` +
                    `${this.decodeCount} nodes come from aliases (an alias bomb?); kubectl refuses it too`,
            );
        }
    }

    private target(alias: YAML.Alias): Node {
        if (!this.targets.has(alias)) {
            this.targets.set(alias, alias.resolve(this.doc) as Node | undefined);
        }
        const node = this.targets.get(alias);
        if (node === undefined) {
            this.fail(alias, `alias *${alias.source} refers to no anchor before it`);
        }
        return node;
    }

    /** Follows an alias as go-yaml does (counted, refusing an anchor that contains itself). */
    private throughAlias<T>(alias: YAML.Alias, decode: (n: Node) => T): T {
        if (this.expanding.has(alias)) {
            this.fail(alias, `anchor &${alias.source} contains an alias to itself`);
        }
        const node = this.target(alias);
        this.expanding.add(alias);
        if (this.aliasDepth === 0) {
            this.outerAlias = alias;
        }
        this.aliasDepth++;
        try {
            return decode(node);
        } finally {
            this.aliasDepth--;
            this.expanding.delete(alias);
            if (this.aliasDepth === 0) {
                this.outerAlias = null;
            }
        }
    }

    /** A node decoded to its JSON value. */
    private value(node: Node | null): unknown {
        this.count(node);
        if (node === null) {
            return null;
        }
        if (YAML.isAlias(node)) {
            return this.throughAlias(node, (n) => this.value(n));
        }
        if (YAML.isScalar(node)) {
            return this.scalarJson(node);
        }
        if (YAML.isMap(node)) {
            const target: MapTarget = {
                object: {},
                identities: new Map(),
                explicit: new Map(),
            };
            this.mapping(node, target);
            return target.object;
        }
        return node.items.map((item) => this.value(item as Node | null));
    }

    private scalar(node: YAML.Scalar): Resolved {
        const text = typeof node.source === "string" ? node.source : String(node.value as unknown);
        const tag = node.tag ?? "";
        const plain = node.type === "PLAIN" || node.type === undefined;
        if (tag === "" && !plain) {
            return { tag: strTag, value: text };
        }
        if (tag === "!") {
            return { tag: "!", value: text };
        }
        if (tag === binaryTag) {
            const b64 = text.replace(/[\r\n]/g, "");
            if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
                this.fail(node, "!!binary value contains invalid base64 data");
            }
            // Go's encoding/json writes invalid UTF-8 as U+FFFD, as the decoder below does.
            return { tag: strTag, value: new TextDecoder().decode(Buffer.from(b64, "base64")) };
        }
        try {
            return resolve(tag, text);
        } catch (e) {
            return this.fail(node, (e as Error).message);
        }
    }

    private scalarJson(node: YAML.Scalar): unknown {
        const r = this.scalar(node);
        if (typeof r.value === "bigint") {
            return Number(r.value);
        }
        if (typeof r.value === "number" && !Number.isFinite(r.value)) {
            this.fail(
                node,
                `${node.source ?? String(r.value)} cannot be sent to the API server ` +
                    `(JSON has no infinity or NaN); kubectl refuses the document`,
            );
        }
        // kubectl decodes the JSON again into unstructured objects, where a whole float (-0 too)
        // becomes an integer: -0 is sent as 0.
        return Object.is(r.value, -0) ? 0 : r.value;
    }

    /** A mapping key as sigs.k8s.io/yaml makes it a JSON key, with its go-yaml identity. */
    private key(node: Node | null): { json: string; identity: string } {
        this.count(node);
        if (node !== null && YAML.isAlias(node)) {
            return this.throughAlias(node, (n) => this.key(n));
        }
        if (node !== null && !YAML.isScalar(node)) {
            this.fail(node, "a mapping or sequence cannot be a key; kubectl refuses the document");
        }
        const r = node === null ? { tag: nullTag, value: null } : this.scalar(node);
        const v = r.value;
        if (v === null) {
            this.fail(node, "a null key cannot become a JSON key; kubectl refuses the document");
        }
        if (typeof v === "boolean") {
            return { json: String(v), identity: `bool:${String(v)}` };
        }
        if (typeof v === "bigint") {
            if (r.unsigned === true) {
                this.fail(
                    node,
                    "an integer key beyond int64 cannot become a JSON key; kubectl refuses the document",
                );
            }
            return { json: v.toString(), identity: `int:${v.toString()}` };
        }
        if (typeof v === "number") {
            return { json: goFloat32Key(v), identity: `float:${String(v)}` };
        }
        return { json: v, identity: `str:${v}` };
    }

    private mapping(node: YAML.YAMLMap, target: MapTarget): void {
        for (const pair of node.items) {
            const k = pair.key as Node | null;
            const v = pair.value as Node | null;
            if (
                k !== null &&
                YAML.isScalar(k) &&
                k.source === "<<" &&
                ((k.type === "PLAIN" && k.tag === undefined) || k.tag === mergeTag)
            ) {
                this.merge(v, target, k);
                continue;
            }
            const key = this.key(k);
            const line = this.lineOf(k?.range?.[0] ?? node.range?.[0] ?? 0);
            const first = target.explicit.get(key.json);
            if (first !== undefined) {
                const same = target.identities.get(key.json) === key.identity;
                this.fail(
                    k,
                    same
                        ? `key "${key.json}" appears twice in one mapping (first at line ${first}); ` +
                              `YAML forbids it and kubectl silently keeps the last one`
                        : `two keys of one mapping both become "${key.json}" in JSON (the first at ` +
                              `line ${first}); kubectl keeps one of them at random`,
                );
            }
            this.set(target, key, this.value(v), k);
            target.explicit.set(key.json, line);
        }
    }

    private set(
        target: MapTarget,
        key: { json: string; identity: string },
        value: unknown,
        node: Node | null,
    ): void {
        const known = target.identities.get(key.json);
        if (known !== undefined && known !== key.identity) {
            this.fail(
                node,
                `two keys of one mapping both become "${key.json}" in JSON; kubectl keeps one ` +
                    `of them at random`,
            );
        }
        target.identities.set(key.json, key.identity);
        setOwn(target.object, key.json, value);
    }

    /** go-yaml v2's `merge`: the merged mappings' keys are written into the mapping being decoded. */
    private merge(value: Node | null, target: MapTarget, at: Node): void {
        const wantMap = (): never =>
            this.fail(
                at,
                "<< (merge) needs a mapping or a sequence of mappings as its value; kubectl refuses the document",
            );
        const into = (n: Node): void => {
            this.count(n);
            if (YAML.isAlias(n)) {
                this.throughAlias(n, (t) => {
                    if (!YAML.isMap(t)) {
                        wantMap();
                    }
                    into(t);
                });
                return;
            }
            if (!YAML.isMap(n)) {
                wantMap();
            }
            const merged: MapTarget = { object: {}, identities: new Map(), explicit: new Map() };
            this.mapping(n as YAML.YAMLMap, merged);
            for (const [k, v] of Object.entries(merged.object)) {
                const identity = merged.identities.get(k) ?? `str:${k}`;
                this.set(target, { json: k, identity }, v, at);
            }
        };
        if (value !== null && YAML.isSeq(value)) {
            // Earlier mappings take precedence: decoded last.
            for (const item of [...value.items].reverse()) {
                const n = item as Node | null;
                if (n === null || !(YAML.isMap(n) || YAML.isAlias(n))) {
                    wantMap();
                }
                into(n as Node);
            }
            return;
        }
        if (value === null || !(YAML.isMap(value) || YAML.isAlias(value))) {
            wantMap();
        }
        into(value as Node);
    }
}

/**
 * go-yaml's reader: characters YAML does not allow (control characters: what a binary file is
 * made of) are refused. Returns the offending code point and its line, or undefined.
 */
export function firstControlCharacter(
    text: string,
): { codePoint: number; line: number } | undefined {
    // Allowed: #x9 | #xA | #xD | [#x20-#x7E] | #x85 | [#xA0-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
    const bad = /[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.exec(text);
    if (bad === null) {
        return undefined;
    }
    const before = text.slice(0, bad.index);
    let line = 1;
    for (let i = before.indexOf("\n"); i >= 0; i = before.indexOf("\n", i + 1)) {
        line++;
    }
    return { codePoint: bad[0].codePointAt(0) ?? 0, line };
}

/**
 * apimachinery's YAMLReader: the file's parts between lines that start with `---`, each with the
 * line it starts on. A separator followed by anything but a comment is refused, as kubectl refuses
 * it; `\r\n` line ends become `\n`.
 */
export function splitDocuments(text: string): { text: string; line: number }[] {
    const parts: { text: string; line: number }[] = [];
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") {
        lines.pop();
    }
    let buffer: string[] = [];
    let start = 1;
    lines.forEach((raw, i) => {
        const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
        if (line.startsWith("---")) {
            const rest = line.slice(3).trim();
            if (rest !== "" && !rest.startsWith("#")) {
                throw new KubeYamlError(
                    parts.length + (buffer.length > 0 ? 2 : 1),
                    i + 1,
                    `"---" followed by content; kubectl accepts only a comment after a document separator`,
                );
            }
            if (buffer.length > 0) {
                parts.push({ text: buffer.join(""), line: start });
            }
            buffer = [];
            start = i + 2;
            return;
        }
        buffer.push(`${line}\n`);
    });
    if (buffer.length > 0) {
        parts.push({ text: buffer.join(""), line: start });
    }
    return parts;
}

/** The first line of a `yaml` package error, without its position (reported apart). */
function yamlProblem(e: YAML.YAMLError): string {
    const first = e.message.split("\n")[0];
    return first.replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * Reads a YAML stream as kubectl does: each document's JSON value, in order (null for an empty
 * one). Throws {@link KubeYamlError} for a document kubectl would refuse or the check refuses.
 */
export function readKubeYaml(text: string): KubeDocument[] {
    const bad = firstControlCharacter(text);
    if (bad !== undefined) {
        const cp = `U+${bad.codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
        throw new KubeYamlError(
            1,
            bad.line,
            `control character ${cp} is not allowed in YAML (kubectl refuses it too); is this a binary file?`,
        );
    }
    return splitDocuments(text).map((part, index): KubeDocument => {
        // A directive (%YAML, %TAG) is always followed by "---", where kubectl cuts the file: the
        // directive is left without its document, which go-yaml refuses.
        const directive = /^%/m.exec(part.text);
        if (directive !== null) {
            const line = part.line + part.text.slice(0, directive.index).split("\n").length - 1;
            throw new KubeYamlError(
                index + 1,
                line,
                `a %YAML or %TAG directive: kubectl cuts the file at the "---" after it, which ` +
                    `leaves the directive without a document, and refuses it`,
            );
        }
        const lineCounter = new YAML.LineCounter();
        const lineOf = (offset: number): number => part.line + lineCounter.linePos(offset).line - 1;
        let docs: YAML.Document.Parsed[];
        try {
            docs = YAML.parseAllDocuments(part.text, {
                version: "1.1",
                schema: "failsafe",
                uniqueKeys: false,
                lineCounter,
            }) as YAML.Document.Parsed[];
        } catch (e) {
            throw new KubeYamlError(index + 1, part.line, (e as Error).message);
        }
        // go-yaml decodes the first YAML document of what kubectl's reader hands it.
        const doc = docs[0] as YAML.Document.Parsed | undefined;
        if (doc === undefined) {
            return { index, line: part.line, value: null };
        }
        if (doc.errors.length > 0) {
            const e = doc.errors[0];
            const problem = /Maximum call stack|Stack overflow/.test(e.message)
                ? "nested too deeply for the check's YAML reader"
                : yamlProblem(e);
            throw new KubeYamlError(index + 1, lineOf(e.pos[0]), problem);
        }
        try {
            return { index, line: part.line, value: new Decoder(doc, lineOf).document() };
        } catch (e) {
            if (e instanceof KubeYamlError) {
                throw e;
            }
            const err = e as Error & { offset?: number };
            const problem =
                e instanceof RangeError
                    ? "nested too deeply for the check's YAML reader"
                    : err.message;
            throw new KubeYamlError(
                index + 1,
                err.offset !== undefined ? lineOf(err.offset) : part.line,
                problem,
            );
        }
    });
}
