/**
 * Pattern checks for credentials written where they do not belong (ConfigMaps, literal container
 * env values). Two kinds of evidence:
 *
 * - the value itself looks like key material or a token of a well-known format (PEM private-key
 *   headers, cloud and forge access tokens, JSON Web Tokens, credentials inside a URL);
 * - the key is named like a credential (`DB_PASSWORD`, `apiKey`, `client-secret`, `access_token`)
 *   and carries a literal value, not a reference (`$(VAR)`, `${VAR}`, `{{ .Values.x }}`).
 *
 * A key is credential-like when its LAST word is one (`password`, `token`, ...): `secretName`,
 * `token-ttl` or `PASSWORD_FILE` name something about a credential, not the credential, and pass.
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

/** Words that, followed by `key`, name a credential: `api_key`, `secretAccessKey`, `private-key`. */
const keyQualifiers = ["api", "access", "private", "secret", "auth", "encryption", "signing"];

/** Values that are flags or placeholders for a reference, not a credential. */
function isLiteral(value: string): boolean {
    const v = value.trim();
    if (v === "" || /^(true|false|yes|no|on|off|null|none|~)$/i.test(v)) {
        return false;
    }
    // $(VAR) is Kubernetes env expansion; ${VAR} and {{ ... }} are templating placeholders.
    return !/^\$\(.+\)$/.test(v) && !/^\$\{.+\}$/.test(v) && !/^\{\{.+\}\}$/.test(v);
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
    const words = keyWords(key);
    const last = words[words.length - 1];
    if (last === undefined) {
        return false;
    }
    if (credentialWords.includes(last)) {
        return true;
    }
    const previous = words[words.length - 2];
    return last === "key" && previous !== undefined && keyQualifiers.includes(previous);
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
    if (isCredentialKey(key) && isLiteral(value)) {
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
        if (/^[|>{[]/.test(value) || !isCredentialKey(key) || !isLiteral(value)) {
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
