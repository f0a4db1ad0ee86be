/**
 * The check's inputs as files: each read once, from a regular file, under a size cap, decoded as
 * the tool that would read it in a real run decodes it, and recorded with its SHA-256 so that
 * report.json is tied to exactly the bytes it judged.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { UsageError } from "./errors";

/** What an input file is to the check. */
export type InputRole = "stack" | "pack-config" | "manifest";

/** One input file as report.json lists it. */
export interface InputFile {
    readonly role: InputRole;
    /** As the report names files: relative to the working directory. */
    readonly path: string;
    readonly sha256: string;
    readonly bytes: number;
}

/** The inputs of a run: every file, and one digest over all of them (see {@link inputDigest}). */
export interface InputDigest {
    readonly sha256: string;
    readonly files: readonly InputFile[];
}

const mib = 1024 * 1024;

/** Largest stack file read (Pulumi.<stack>.yaml); a 5000-tenant stack is about 3 MiB. */
export const maxStackFileBytes = 16 * mib;
/** Largest pack config read (`<pack>.json`). */
export const maxPackConfigBytes = 16 * mib;
/** Largest single manifest file read (a whole stack's rendered manifests.yaml is about 9 MiB). */
export const maxManifestFileBytes = 32 * mib;
/** Largest sum of all manifest files of one run. */
export const maxManifestBytes = 128 * mib;

/** Bytes as the messages give them: `40.0 MiB`, `812 bytes`. */
export function formatBytes(n: number): string {
    return n >= mib ? `${(n / mib).toFixed(1)} MiB` : `${n} bytes`;
}

/** How a file's bytes become text. */
export type Decoding =
    /**
     * As kubectl reads a manifest: a UTF-8 or UTF-16 byte-order mark chooses the encoding, bytes
     * that are not UTF-8 become U+FFFD (golang.org/x/text's BOMOverride + UTF-8 decoder).
     */
    | "kubectl"
    /** UTF-8 (a UTF-8 or UTF-16 byte-order mark honoured); invalid UTF-8 is an error. */
    | "strict";

/** The path a report shows for a file: relative to the working directory when shorter. */
export function displayPath(file: string): string {
    return path.relative(process.cwd(), file) || file;
}

/**
 * Reads one input file: it must be a regular file (not a folder, FIFO or device) of at most
 * `maxBytes`; `label` names the flag or role in messages. The bytes are read through one file
 * descriptor, so the digest is of exactly what is parsed.
 */
export function readInputFile(
    file: string,
    role: InputRole,
    options: { readonly maxBytes: number; readonly label: string; readonly decoding: Decoding },
): { text: string; input: InputFile } {
    let fd: number;
    try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    } catch (e) {
        throw new UsageError(`${options.label}: "${file}" cannot be read: ${describeFsError(e)}`);
    }
    try {
        const stat = fs.fstatSync(fd);
        if (!stat.isFile()) {
            throw new UsageError(
                `${options.label}: "${file}" is not a regular file (${fileKind(stat)})`,
            );
        }
        if (stat.size > options.maxBytes) {
            throw tooLarge(file, stat.size, options.maxBytes, options.label);
        }
        // Read to the end (the file may have grown since fstat), never past the cap.
        const chunks: Buffer[] = [];
        let total = 0;
        const chunk = Buffer.alloc(Math.min(Math.max(stat.size, 1), 1024 * 1024) + 1);
        for (;;) {
            const n = fs.readSync(fd, chunk, 0, chunk.length, null);
            if (n === 0) {
                break;
            }
            total += n;
            if (total > options.maxBytes) {
                throw tooLarge(file, total, options.maxBytes, options.label);
            }
            chunks.push(Buffer.from(chunk.subarray(0, n)));
        }
        const bytes = Buffer.concat(chunks, total);
        return {
            text: decode(bytes, file, options),
            input: {
                role,
                path: displayPath(file),
                sha256: createHash("sha256").update(bytes).digest("hex"),
                bytes: total,
            },
        };
    } finally {
        fs.closeSync(fd);
    }
}

function tooLarge(file: string, size: number, max: number, label: string): UsageError {
    return new UsageError(
        `${label}: "${file}" is ${formatBytes(size)}, over the ${formatBytes(max)} the check ` +
            `reads from one file; split it into smaller files`,
    );
}

function decode(
    bytes: Buffer,
    file: string,
    options: { label: string; decoding: Decoding },
): string {
    if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
        return new TextDecoder("utf-16le").decode(bytes);
    }
    if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
        return new TextDecoder("utf-16be").decode(bytes);
    }
    try {
        return new TextDecoder("utf-8", { fatal: options.decoding === "strict" }).decode(bytes);
    } catch {
        const at = firstInvalidUtf8(bytes);
        throw new UsageError(
            `${options.label}: "${file}" is not UTF-8 text (invalid byte at offset ${at}); is it a binary file?`,
        );
    }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let lo = 0;
    let hi = bytes.length;
    // The longest valid prefix, by bisection (decoding a prefix that cuts a sequence fails too,
    // so the answer is within 3 bytes of the first invalid one).
    while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        try {
            decoder.decode(bytes.subarray(0, mid));
            lo = mid;
        } catch {
            hi = mid - 1;
        }
    }
    return lo;
}

function fileKind(stat: fs.Stats): string {
    if (stat.isDirectory()) {
        return "a folder";
    }
    if (stat.isFIFO()) {
        return "a FIFO";
    }
    if (stat.isSocket()) {
        return "a socket";
    }
    if (stat.isCharacterDevice() || stat.isBlockDevice()) {
        return "a device";
    }
    return "not a file";
}

/** A file-system error in words, without a stack: `no such file`, `permission denied`, ... */
export function describeFsError(e: unknown): string {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    switch (code) {
        case "ENOENT":
            return "no such file or folder";
        case "EACCES":
        case "EPERM":
            return "permission denied";
        case "ELOOP":
            return "a symbolic link loop";
        case "ENOTDIR":
            return "a path component is not a folder";
        case "EISDIR":
            return "it is a folder";
        default:
            return code ?? (e as Error).message;
    }
}

/**
 * One digest over a run's inputs, in the order they were read: SHA-256 of the lines
 * `<role> <sha256> <bytes> <path>`, so a report names exactly what it judged.
 */
export function inputDigest(files: readonly InputFile[]): InputDigest {
    const h = createHash("sha256");
    for (const f of files) {
        h.update(`${f.role} ${f.sha256} ${f.bytes} ${f.path}\n`);
    }
    return { sha256: h.digest("hex"), files: [...files] };
}
