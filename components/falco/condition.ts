/**
 * The subset of Falco's condition language the platform's own rules are written in, as pure
 * functions: a parser (so every condition is checked before it ships), a checker for a whole rules
 * file (required fields, priorities, known fields, every macro and list defined before use) and an
 * evaluator over a recorded event (so each rule's fixture shows what the rule catches).
 *
 * Supported: `and`, `or`, `not`, parentheses; comparisons `=`, `==`, `!=`, `<`, `<=`, `>`, `>=`,
 * `contains`, `icontains`, `startswith`, `endswith`, `glob`; list operators `in`, `pmatch`,
 * `intersects` with literal items or list names; `exists`; macro references. Anything else is a
 * parse error, so a rule never uses syntax this module has not checked.
 */

/** A parsed condition. */
export type Condition =
    | { readonly kind: "and" | "or"; readonly operands: readonly Condition[] }
    | { readonly kind: "not"; readonly operand: Condition }
    | { readonly kind: "macro"; readonly name: string }
    | { readonly kind: "exists"; readonly field: string }
    | {
          readonly kind: "compare";
          readonly field: string;
          readonly operator: CompareOperator;
          readonly value: string;
      }
    | {
          readonly kind: "list";
          readonly field: string;
          readonly operator: ListOperator;
          readonly items: readonly string[];
      };

const compareWords = ["contains", "icontains", "startswith", "endswith", "glob"] as const;
const compareSymbols = ["<=", ">=", "!=", "==", "=", "<", ">"] as const;
const listWords = ["in", "pmatch", "intersects"] as const;

type CompareOperator = (typeof compareWords)[number] | (typeof compareSymbols)[number];
type ListOperator = (typeof listWords)[number];

/** A condition that does not parse; the message says where and what was expected. */
export class ConditionSyntaxError extends Error {}

/**
 * Fields of the `syscall` source the platform's rules and outputs may use (with the container
 * plugin that ships in the Falco image providing `container.*` and `k8s.ns.name`/`k8s.pod.name`).
 */
export const knownFields: ReadonlySet<string> = new Set([
    "evt.type",
    "evt.dir",
    "evt.rawres",
    "evt.res",
    "evt.is_open_read",
    "proc.name",
    "proc.pname",
    "proc.cmdline",
    "proc.exepath",
    "proc.vpid",
    "proc.tty",
    "user.name",
    "user.uid",
    "fd.name",
    "fd.filename",
    "fd.directory",
    "fd.num",
    "fd.typechar",
    "fd.l4proto",
    "fd.sip",
    "fd.sport",
    "fd.snet",
    "container.id",
    "container.name",
    "container.image.repository",
    "container.image.tag",
    "k8s.ns.name",
    "k8s.pod.name",
]);

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_.]*/;
const wordChar = /[A-Za-z0-9_.]/;

/** Parses a Falco condition; throws {@link ConditionSyntaxError} naming the position. */
export function parseCondition(text: string): Condition {
    let pos = 0;
    const fail = (expected: string): never => {
        const rest = text.slice(pos, pos + 20);
        throw new ConditionSyntaxError(
            `at character ${pos + 1}: expected ${expected}, found ${rest === "" ? "the end" : JSON.stringify(rest)}`,
        );
    };
    const skip = (): void => {
        while (pos < text.length && /\s/.test(text[pos])) {
            pos++;
        }
    };
    const keyword = (word: string): boolean => {
        skip();
        if (text.startsWith(word, pos) && !wordChar.test(text[pos + word.length] ?? "")) {
            pos += word.length;
            return true;
        }
        return false;
    };
    const quoted = (): string => {
        const quote = text[pos];
        pos++;
        let value = "";
        while (pos < text.length && text[pos] !== quote) {
            if (text[pos] === "\\" && pos + 1 < text.length) {
                pos++;
            }
            value += text[pos];
            pos++;
        }
        if (pos >= text.length) {
            fail(`a closing ${quote}`);
        }
        pos++;
        return value;
    };
    /** A value after an operator: quoted, or bare up to whitespace, `)` or (in lists) `,`. */
    const value = (inList: boolean): string => {
        skip();
        if (text[pos] === '"' || text[pos] === "'") {
            return quoted();
        }
        const start = pos;
        while (
            pos < text.length &&
            !/\s/.test(text[pos]) &&
            text[pos] !== ")" &&
            !(inList && text[pos] === ",")
        ) {
            pos++;
        }
        if (pos === start) {
            fail("a value");
        }
        return text.slice(start, pos);
    };
    const list = (): string[] => {
        skip();
        if (text[pos] !== "(") {
            fail("a list in parentheses");
        }
        pos++;
        const items: string[] = [];
        skip();
        if (text[pos] === ")") {
            pos++;
            return items;
        }
        for (;;) {
            items.push(value(true));
            skip();
            if (text[pos] === ",") {
                pos++;
                continue;
            }
            if (text[pos] === ")") {
                pos++;
                return items;
            }
            fail("',' or ')' in a list");
        }
    };
    const primary = (): Condition => {
        skip();
        if (text[pos] === "(") {
            pos++;
            const inner = or();
            skip();
            if (text[pos] !== ")") {
                fail("')'");
            }
            pos++;
            return inner;
        }
        const match = identifierPattern.exec(text.slice(pos));
        if (match === null) {
            return fail("a field, a macro or '('");
        }
        const name = match[0];
        pos += name.length;
        skip();
        if (keyword("exists")) {
            return { kind: "exists", field: name };
        }
        for (const op of listWords) {
            const save = pos;
            if (keyword(op)) {
                return { kind: "list", field: name, operator: op, items: list() };
            }
            pos = save;
        }
        for (const op of compareWords) {
            if (keyword(op)) {
                return { kind: "compare", field: name, operator: op, value: value(false) };
            }
        }
        skip();
        for (const op of compareSymbols) {
            if (text.startsWith(op, pos)) {
                pos += op.length;
                return { kind: "compare", field: name, operator: op, value: value(false) };
            }
        }
        if (name.includes(".")) {
            fail(`an operator after the field ${name}`);
        }
        return { kind: "macro", name };
    };
    const not = (): Condition => (keyword("not") ? { kind: "not", operand: not() } : primary());
    const and = (): Condition => {
        const operands = [not()];
        while (keyword("and")) {
            operands.push(not());
        }
        return operands.length === 1 ? operands[0] : { kind: "and", operands };
    };
    const or = (): Condition => {
        const operands = [and()];
        while (keyword("or")) {
            operands.push(and());
        }
        return operands.length === 1 ? operands[0] : { kind: "or", operands };
    };
    const parsed = or();
    skip();
    if (pos < text.length) {
        fail("'and', 'or' or the end of the condition");
    }
    return parsed;
}

/** Every field, macro reference and list item a condition mentions. */
export function conditionReferences(condition: Condition): {
    fields: string[];
    macros: string[];
    listItems: string[];
} {
    const fields: string[] = [];
    const macros: string[] = [];
    const listItems: string[] = [];
    const visit = (c: Condition): void => {
        switch (c.kind) {
            case "and":
            case "or":
                c.operands.forEach(visit);
                break;
            case "not":
                visit(c.operand);
                break;
            case "macro":
                macros.push(c.name);
                break;
            case "exists":
            case "compare":
                fields.push(c.field);
                break;
            case "list":
                fields.push(c.field);
                listItems.push(...c.items);
                break;
        }
    };
    visit(condition);
    return { fields, macros, listItems };
}

/** The `%field` references of a rule's output. */
export function outputFields(output: string): string[] {
    return [...output.matchAll(/%([A-Za-z_][A-Za-z0-9_.]*[A-Za-z0-9_])/g)].map((m) => m[1]);
}

/** One entry of a Falco rules file. */
export type RulesFileEntry =
    | { readonly list: string; readonly items: readonly (string | number)[] }
    | { readonly macro: string; readonly condition: string }
    | {
          readonly rule: string;
          readonly desc: string;
          readonly condition: string;
          readonly output: string;
          readonly priority: string;
          readonly tags: readonly string[];
          readonly source?: string;
          readonly enabled?: boolean;
      };

/** Rule priorities Falco accepts (case-insensitive). */
export const validPriorities: readonly string[] = [
    "EMERGENCY",
    "ALERT",
    "CRITICAL",
    "ERROR",
    "WARNING",
    "NOTICE",
    "INFORMATIONAL",
    "INFO",
    "DEBUG",
];

/** Lists whose names start with this prefix are the project's; an item with it must be a list. */
export const listPrefix = "sovereign_";

/**
 * Checks a rules file as far as can be done without Falco: required fields and valid priorities
 * on every rule, unique names, conditions that parse, only known fields (in conditions and
 * outputs), every macro defined before it is used, every `sovereign_` list item a defined list,
 * and no list or macro left unused (Falco warns about those at load). Returns one message per
 * problem (empty: the file is sound).
 */
export function checkRulesFile(entries: readonly unknown[]): string[] {
    const problems: string[] = [];
    const lists = new Set<string>();
    const macros = new Set<string>();
    const rules = new Set<string>();
    const used = new Set<string>();
    const checkCondition = (where: string, text: unknown): void => {
        if (typeof text !== "string" || text.trim() === "") {
            problems.push(`${where}: condition is missing`);
            return;
        }
        let parsed: Condition;
        try {
            parsed = parseCondition(text);
        } catch (e) {
            problems.push(`${where}: condition does not parse: ${(e as Error).message}`);
            return;
        }
        const refs = conditionReferences(parsed);
        for (const field of refs.fields) {
            if (!knownFields.has(field)) {
                problems.push(`${where}: unknown field ${field}`);
            }
        }
        refs.macros.forEach((m) => used.add(m));
        refs.listItems.forEach((i) => used.add(i));
        for (const macro of refs.macros) {
            if (!macros.has(macro)) {
                problems.push(`${where}: macro ${macro} is not defined before it is used`);
            }
        }
        for (const item of refs.listItems) {
            if (item.startsWith(listPrefix) && !lists.has(item)) {
                problems.push(`${where}: list ${item} is not defined before it is used`);
            }
        }
    };
    entries.forEach((raw, index) => {
        const entry = (typeof raw === "object" && raw !== null ? raw : {}) as Record<
            string,
            unknown
        >;
        if (typeof entry.list === "string") {
            const where = `list ${entry.list}`;
            if (!Array.isArray(entry.items)) {
                problems.push(`${where}: items must be a list`);
            } else {
                for (const item of entry.items as unknown[]) {
                    if (typeof item === "string") {
                        used.add(item);
                    }
                    if (
                        typeof item === "string" &&
                        item.startsWith(listPrefix) &&
                        !lists.has(item)
                    ) {
                        problems.push(`${where}: list ${item} is not defined before it is used`);
                    }
                }
            }
            lists.add(entry.list);
        } else if (typeof entry.macro === "string") {
            checkCondition(`macro ${entry.macro}`, entry.condition);
            macros.add(entry.macro);
        } else if (typeof entry.rule === "string") {
            const where = `rule "${entry.rule}"`;
            if (rules.has(entry.rule)) {
                problems.push(`${where}: defined twice`);
            }
            rules.add(entry.rule);
            for (const field of ["desc", "output"]) {
                if (typeof entry[field] !== "string" || (entry[field] as string).trim() === "") {
                    problems.push(`${where}: ${field} is missing`);
                }
            }
            checkCondition(where, entry.condition);
            if (
                typeof entry.priority !== "string" ||
                !validPriorities.includes(entry.priority.toUpperCase())
            ) {
                problems.push(
                    `${where}: priority ${JSON.stringify(entry.priority)} is not one of ${validPriorities.join(", ")}`,
                );
            }
            if (
                !Array.isArray(entry.tags) ||
                entry.tags.length === 0 ||
                !entry.tags.every((t) => typeof t === "string")
            ) {
                problems.push(`${where}: tags must be a non-empty list of strings`);
            }
            if (entry.source !== undefined && entry.source !== "syscall") {
                problems.push(`${where}: source must be syscall`);
            }
            if (typeof entry.output === "string") {
                for (const field of outputFields(entry.output)) {
                    if (!knownFields.has(field)) {
                        problems.push(`${where}: output uses unknown field ${field}`);
                    }
                }
            }
        } else {
            problems.push(`entry ${index + 1}: neither a list, a macro nor a rule`);
        }
    });
    for (const name of [...lists].filter((l) => !used.has(l))) {
        problems.push(`list ${name} is never used`);
    }
    for (const name of [...macros].filter((m) => !used.has(m))) {
        problems.push(`macro ${name} is never used`);
    }
    return problems;
}

/** An event as the fields Falco would extract from it. A field that is absent fails every check. */
export type FalcoEvent = Readonly<Record<string, string | number | boolean>>;

/** The definitions a condition is evaluated against. */
export interface Definitions {
    readonly lists: Readonly<Record<string, readonly (string | number)[]>>;
    readonly macros: Readonly<Record<string, string>>;
}

/** Expands list names inside list items (recursively), as Falco does when it loads the file. */
function expandItems(
    items: readonly string[],
    defs: Definitions,
    seen = new Set<string>(),
): string[] {
    return items.flatMap((item) => {
        const list = defs.lists[item];
        if (list === undefined || seen.has(item)) {
            return [item];
        }
        return expandItems(
            list.map((i) => String(i)),
            defs,
            new Set([...seen, item]),
        );
    });
}

function ipv4ToNumber(ip: string): number | undefined {
    const parts = ip.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
        return undefined;
    }
    return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** True when an IPv4 address lies in an IPv4 CIDR block. */
export function inCidr(ip: string, block: string): boolean {
    const [network, bitsText] = block.split("/");
    const address = ipv4ToNumber(ip);
    const base = ipv4ToNumber(network ?? "");
    const bits = Number(bitsText ?? "32");
    if (address === undefined || base === undefined || !(bits >= 0 && bits <= 32)) {
        return false;
    }
    const size = 2 ** (32 - bits);
    return Math.floor(address / size) === Math.floor(base / size);
}

function globToRegExp(glob: string): RegExp {
    const escaped = glob
        .replace(/[.+^${}()|\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${escaped}$`);
}

function compare(actual: string, operator: CompareOperator, expected: string): boolean {
    const numeric =
        actual !== "" && expected !== "" && !isNaN(Number(actual)) && !isNaN(Number(expected));
    switch (operator) {
        case "=":
        case "==":
            return numeric ? Number(actual) === Number(expected) : actual === expected;
        case "!=":
            return numeric ? Number(actual) !== Number(expected) : actual !== expected;
        case "<":
            return numeric && Number(actual) < Number(expected);
        case "<=":
            return numeric && Number(actual) <= Number(expected);
        case ">":
            return numeric && Number(actual) > Number(expected);
        case ">=":
            return numeric && Number(actual) >= Number(expected);
        case "contains":
            return actual.includes(expected);
        case "icontains":
            return actual.toLowerCase().includes(expected.toLowerCase());
        case "startswith":
            return actual.startsWith(expected);
        case "endswith":
            return actual.endsWith(expected);
        case "glob":
            return globToRegExp(expected).test(actual);
    }
}

/**
 * Evaluates a condition on an event, expanding macros and lists from `defs` (pure). Network fields
 * (`fd.snet`, `fd.net`...) compare with `in` by CIDR containment, as Falco does.
 */
export function evaluateCondition(
    condition: Condition | string,
    event: FalcoEvent,
    defs: Definitions,
): boolean {
    const c = typeof condition === "string" ? parseCondition(condition) : condition;
    switch (c.kind) {
        case "and":
            return c.operands.every((o) => evaluateCondition(o, event, defs));
        case "or":
            return c.operands.some((o) => evaluateCondition(o, event, defs));
        case "not":
            return !evaluateCondition(c.operand, event, defs);
        case "macro": {
            const body = defs.macros[c.name];
            if (body === undefined) {
                throw new Error(`macro ${c.name} is not defined`);
            }
            return evaluateCondition(body, event, defs);
        }
        case "exists":
            return event[c.field] !== undefined;
        case "compare": {
            const actual = event[c.field];
            return actual !== undefined && compare(String(actual), c.operator, c.value);
        }
        case "list": {
            const actual = event[c.field];
            if (actual === undefined) {
                return false;
            }
            const value = String(actual);
            const items = expandItems(c.items, defs);
            if (c.operator === "pmatch") {
                return items.some(
                    (p) => value === p || value.startsWith(p.endsWith("/") ? p : `${p}/`),
                );
            }
            if (/\.(s|c|r|l)?net$/.test(c.field)) {
                return items.some((block) => inCidr(value, block));
            }
            const values = c.operator === "intersects" ? value.split(",") : [value];
            return values.some((v) => items.includes(v));
        }
    }
}
