/**
 * Pattern checks for credentials written where they do not belong (ConfigMaps, and every literal
 * of a pod spec: env values, command and args, probe and hook commands and headers, annotations,
 * inline volume attributes). Two kinds of evidence:
 *
 * - the value itself looks like key material or a token of a well-known format (PEM private-key
 *   headers, cloud and forge access tokens, JSON Web Tokens, credentials inside a URL, an
 *   `Authorization` header with a literal credential);
 * - the key is named like a credential (`DB_PASSWORD`, `apiKey`, `client-secret`, `access_token`,
 *   and in a command line `--db-password`, `-Djavax.net.ssl.keyStorePassword`, `PGPASSWORD=`) and
 *   carries a literal value, not a reference (`$(VAR)`, `${VAR}`, `$(cat file)`,
 *   `{{ .Values.x }}`, and in a command line `$VAR`).
 *
 * A key is credential-like when its LAST word is one (`password`, `token`, ...; `PGPASSWORD` and
 * `csrftoken` too; a trailing number or version is skipped: `DB_PASSWORD_2`): `secretName`,
 * `token-ttl` or `PASSWORD_FILE` name something about a credential, not the credential, and pass.
 * A `*-key` key (`private-key`, `api_key`) whose value is an absolute file path passes: such flags
 * conventionally take the key's file (`--private-key=/etc/ssh/id_ed25519`).
 * Findings name the key and the kind of evidence, never the value.
 */

/** A value format that is a credential wherever it appears. */
interface ValuePattern {
    /** What the value is, for the message: `a PEM private key`. */
    readonly what: string;
    readonly pattern: RegExp;
}

const valuePatterns: readonly ValuePattern[] = [
    { what: "a PEM private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
    { what: "an AWS access key ID", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
    {
        what: "a GitHub token",
        pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/,
    },
    { what: "a GitLab token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}/ },
    { what: "a Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
    { what: "a Hugging Face token", pattern: /\bhf_[A-Za-z0-9]{30,}/ },
    { what: "an API secret key (sk-...)", pattern: /\bsk-[A-Za-z0-9_-]{20,}/ },
    { what: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
    {
        what: "a JSON Web Token",
        pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/,
    },
    // scheme://user:password@host, unless the password is a reference such as ${DB_PASSWORD}.
    {
        what: "credentials in a URL",
        pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:(?![$%{])[^\s/@]+@/i,
    },
    // `Authorization: Bearer <token>` (a header in a curl command, a proxy config line), unless the
    // credential is a reference such as $(TOKEN), ${TOKEN} or $TOKEN.
    {
        what: "an Authorization header with a literal credential",
        pattern:
            /\bauthorization\b["']?\s*[:=]?\s*["']?(?:bearer|basic|token)\s+(?![$%{<])[A-Za-z0-9._~+/=-]{8,}/i,
    },
];

/** Last words that make a key name a credential. */
const credentialWords = [
    "password",
    "passwd",
    "pass",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
];

/**
 * Credential words that also count at the end of a run-together word: `PGPASSWORD`, `csrftoken`,
 * `CLIENTSECRET`. (Not `pass` and `pwd`: `bypass`, `compass` and `OLDPWD` are no credentials.)
 */
const credentialSuffixes = ["password", "passwd", "passphrase", "secret", "token"];

/** Words that, followed by `key`, name a credential: `api_key`, `secretAccessKey`, `private-key`. */
const keyQualifiers = ["api", "access", "private", "secret", "auth", "encryption", "signing"];

/**
 * False for values that are flags or placeholders for a reference, not a credential. `shell`: the
 * value is a word of a command line, where a shell expands `$VAR` too (elsewhere `$VAR` stays as
 * written, and `$Secret123` may well be the password).
 */
export function isLiteral(value: string, shell = false): boolean {
    const v = value.trim();
    if (v === "" || /^(true|false|yes|no|on|off|null|none|~)$/i.test(v)) {
        return false;
    }
    // $(VAR) is Kubernetes env expansion (and shell command substitution, `$(cat /run/secrets/x)`);
    // ${VAR} is a shell or templating variable; {{ ... }} is a template placeholder.
    return (
        !/^\$\(.+\)$/.test(v) &&
        !/^\$\{.+\}$/.test(v) &&
        !(shell && /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(v)) &&
        !/^\{\{.+\}\}$/.test(v)
    );
}

/** An absolute file path: `/etc/ssh/id_ed25519`, `/var/run/secrets/db/key.pem`. */
function isFilePath(value: string): boolean {
    return /^\/(?:[\w.@-]+\/)*[\w.@-]+$/.test(value.trim());
}

/** The words of a key name: `dbPassword`, `DB_PASSWORD` and `db-password` all give [db, password]. */
export function keyWords(key: string): string[] {
    return key
        .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
        .split(/[^A-Za-z0-9]+/)
        .filter((w) => w !== "")
        .map((w) => w.toLowerCase());
}

/** True when a key is named like a credential (see the module comment). */
export function isCredentialKey(key: string): boolean {
    return credentialKeyKind(key) !== undefined;
}

/** `word` for `password`-like keys, `key` for `private-key`-like ones, undefined for the rest. */
function credentialKeyKind(key: string): "word" | "key" | undefined {
    // A numbered or versioned credential is still one: `DB_PASSWORD_2`, `apiTokenV2`.
    const words = keyWords(key);
    while (words.length > 1 && /^v?\d+$/.test(words[words.length - 1])) {
        words.pop();
    }
    const last = words[words.length - 1];
    if (last === undefined) {
        return undefined;
    }
    if (credentialWords.includes(last) || credentialSuffixes.some((w) => last.endsWith(w))) {
        return "word";
    }
    const previous = words[words.length - 2];
    return last === "key" && previous !== undefined && keyQualifiers.includes(previous)
        ? "key"
        : undefined;
}

/** True when `key: value` is a credential-like key with a literal value (see the module comment). */
function isLiteralCredential(key: string, value: string, shell = false): boolean {
    const kind = credentialKeyKind(key);
    return kind !== undefined && isLiteral(value, shell) && !(kind === "key" && isFilePath(value));
}

/** What a value looks like, when it matches a credential format; undefined otherwise. */
export function credentialFormatOf(value: string): string | undefined {
    return valuePatterns.find((p) => p.pattern.test(value))?.what;
}

/**
 * The evidence that `key: value` holds a credential, as a phrase for a message (`holds a GitHub
 * token`, `is a credential-like key with a literal value`), or undefined when there is none.
 */
export function credentialEvidence(key: string, value: string): string | undefined {
    const format = credentialFormatOf(value);
    if (format !== undefined) {
        return `holds ${format}`;
    }
    if (isLiteralCredential(key, value)) {
        return "is a credential-like key with a literal value";
    }
    return undefined;
}

/** An assignment inside a config file: `db.password = x`, `token: x`, `"apiKey": "x"`. */
const assignment = /^\s*(?:export\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*(.*)$/;

/** One finding inside a multi-line value (a config file held in a ConfigMap key). */
export interface EmbeddedFinding {
    /** 1-based line number. */
    readonly line: number;
    readonly key: string;
    readonly evidence: string;
}

/**
 * Credentials inside a config file: each `key = value` / `key: value` line whose key is
 * credential-like and whose value is literal. Values that open a block (`|`, `>`, `{`, `[`) are
 * skipped; value formats (PEM, tokens) are checked on the whole text by {@link credentialFormatOf}.
 */
export function embeddedCredentials(text: string): EmbeddedFinding[] {
    const findings: EmbeddedFinding[] = [];
    text.split(/\r?\n/).forEach((line, index) => {
        const match = assignment.exec(line);
        if (match === null) {
            return;
        }
        const key = match[1];
        let value = match[2].trim().replace(/,$/, "").trim();
        value = value.replace(/^(["'])(.*)\1$/, "$2");
        if (/^[|>{[]/.test(value) || !isLiteralCredential(key, value)) {
            return;
        }
        findings.push({
            line: index + 1,
            key,
            evidence: "is a credential-like key with a literal value",
        });
    });
    return findings;
}

/** `data.DB_PASSWORD`, or `data["tls.key"]` when the key is not a plain identifier. */
export function keyPath(base: string, key: string): string {
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
        ? `${base}.${key}`
        : `${base}[${JSON.stringify(key)}]`;
}

/** One credential found in a command line (a container's command and args, a probe's command). */
export interface CommandLineFinding {
    /** Index of the element of the command or args list that holds it. */
    readonly index: number;
    /** What was found, as a predicate: `passes "--db-password" a literal value`. */
    readonly evidence: string;
}

/** Characters that end a word in a shell command line, outside quotes. */
const shellSeparators = new Set([";", "|", "&", "<", ">", "(", ")", "`"]);

/**
 * The words of a command-line element as a POSIX shell would split them: on whitespace and the
 * control operators `; | & < > ( )`, with single and double quotes removed (a backslash escapes
 * the next character outside single quotes). `$(...)` and `${...}` stay inside one word, so a
 * reference keeps its form. An element without whitespace or quotes is one word.
 */
export function shellWords(text: string): string[] {
    const words: string[] = [];
    let word = "";
    let inWord = false;
    let quote: "'" | '"' | undefined;
    let depth = 0; // nesting of $( ... ) and ${ ... } inside the current word
    const end = (): void => {
        if (inWord) {
            words.push(word);
        }
        word = "";
        inWord = false;
    };
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quote === "'") {
            if (c === "'") {
                quote = undefined;
            } else {
                word += c;
            }
            continue;
        }
        if (c === "\\" && i + 1 < text.length) {
            word += text[++i];
            inWord = true;
            continue;
        }
        if (c === "$" && (text[i + 1] === "(" || text[i + 1] === "{")) {
            word += c + text[++i];
            inWord = true;
            depth++;
            continue;
        }
        if (depth > 0 && (c === ")" || c === "}")) {
            word += c;
            depth--;
            continue;
        }
        if (quote === '"') {
            if (c === '"') {
                quote = undefined;
            } else {
                word += c;
            }
            continue;
        }
        if (depth === 0 && (c === "'" || c === '"')) {
            quote = c;
            inWord = true;
            continue;
        }
        if (depth === 0 && (/\s/.test(c) || shellSeparators.has(c))) {
            end();
            continue;
        }
        word += c;
        inWord = true;
    }
    end();
    return words;
}

/** `--name=value`, `-name=value` (`-Dkey=value` included). */
const flagWithValue = /^--?([A-Za-z][A-Za-z0-9_.-]*)=(.*)$/s;
/** `--name`, whose value may be the next word. */
const longFlag = /^--([A-Za-z][A-Za-z0-9_.-]*)$/;
/** `NAME=value`, `name.sub=value`: an environment assignment or a property. */
const wordAssignment = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$/s;
/** A flag value that is a list of `key=value` settings (`--secret id=npm,src=/run/npm`), not a credential. */
const settingsList = /^[A-Za-z][\w.-]*=[^,]*(?:,[A-Za-z][\w.-]*=[^,]*)+$|^[A-Za-z][\w.-]*=\/\S*$/;

/**
 * Credentials written into a command line: for each element of a `command` or `args` list (a
 * shell script in one element included, split as {@link shellWords} does), every `--flag=value`,
 * `-Dproperty=value` or `NAME=value` word whose name is credential-like and whose value is a
 * literal, every `--flag value` pair of a credential-like long flag and a literal next word (the
 * next element or the next word of the script), and every element holding a credential format
 * (a token, a private key, `Authorization: Bearer ...`). Names in `ignoredNames` (without their
 * dashes) are skipped. Evidence names the flag or variable, never the value.
 */
export function commandLineCredentials(
    elements: readonly unknown[],
    ignoredNames: readonly string[] = [],
): CommandLineFinding[] {
    const findings: CommandLineFinding[] = [];
    const words: { index: number; word: string }[] = [];
    elements.forEach((element, index) => {
        if (typeof element !== "string") {
            return;
        }
        const format = credentialFormatOf(element);
        if (format !== undefined) {
            findings.push({ index, evidence: `holds ${format}` });
        }
        for (const word of shellWords(element)) {
            words.push({ index, word });
        }
    });
    const report = (index: number, evidence: string): void => {
        if (!findings.some((f) => f.index === index && f.evidence === evidence)) {
            findings.push({ index, evidence });
        }
    };
    words.forEach(({ index, word }, position) => {
        const withValue = flagWithValue.exec(word);
        if (withValue !== null) {
            const [, name, value] = withValue;
            if (
                !ignoredNames.includes(name) &&
                !settingsList.test(value) &&
                isLiteralCredential(name, value, true)
            ) {
                report(index, `passes "${word.slice(0, word.indexOf("="))}" a literal value`);
            }
            return;
        }
        const flag = longFlag.exec(word);
        if (flag !== null) {
            const next = words[position + 1];
            const name = flag[1];
            if (
                next !== undefined &&
                !next.word.startsWith("-") &&
                !ignoredNames.includes(name) &&
                !settingsList.test(next.word) &&
                isLiteralCredential(name, next.word, true)
            ) {
                report(index, `passes "${word}" a literal value`);
            }
            return;
        }
        const assignment = wordAssignment.exec(word);
        if (assignment !== null) {
            const [, name, value] = assignment;
            if (!ignoredNames.includes(name) && isLiteralCredential(name, value, true)) {
                report(index, `sets "${name}" to a literal value`);
            }
        }
    });
    return findings.sort((a, b) => a.index - b.index);
}
