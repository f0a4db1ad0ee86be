/**
 * Addresses as NetworkPolicies can name them (pure): CIDR blocks, host names and URLs, and where a
 * host a platform pod connects to lies. A NetworkPolicy selects peers by labels or by IP block,
 * never by name, so every destination is turned into a namespace (in-cluster) or address blocks
 * (the API server, hosts outside the cluster).
 */
import { isIP } from "net";
import { minIpv4Prefix, minIpv6Prefix } from "../../contract/network";

export { minIpv4Prefix, minIpv6Prefix };

/** An IP address as a number, with its family. */
function ipValue(address: string): { family: 4 | 6; value: bigint } | undefined {
    const family = isIP(address);
    if (family === 4) {
        const value = address
            .split(".")
            .reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
        return { family: 4, value };
    }
    if (family !== 6) {
        return undefined;
    }
    // An embedded IPv4 tail (`::ffff:10.0.0.1`) counts as its two 16-bit groups.
    let text = address;
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4 !== null) {
        const tail = ipValue(v4[1])!.value;
        text = `${text.slice(0, v4.index)}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
    }
    const [head, rest] = text.split("::") as [string, string | undefined];
    const groups = (part: string | undefined): string[] =>
        part === undefined || part === "" ? [] : part.split(":");
    const left = groups(head);
    const right = groups(rest);
    const middle = rest === undefined ? [] : Array(8 - left.length - right.length).fill("0");
    const value = [...left, ...middle, ...right].reduce(
        (acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)),
        0n,
    );
    return { family: 6, value };
}

/** Formats an address value of a family (IPv6 without `::` shortening, which is still valid). */
function formatIp(family: 4 | 6, value: bigint): string {
    if (family === 4) {
        return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
    }
    const groups: string[] = [];
    for (let shift = 112n; shift >= 0n; shift -= 16n) {
        groups.push(((value >> shift) & 0xffffn).toString(16));
    }
    return groups.join(":");
}

/**
 * What is wrong with a CIDR block for a NetworkPolicy `ipBlock`, or undefined when it is usable: it
 * must parse (IPv4 or IPv6, prefix in range), be no wider than /8 (IPv4) or /32 (IPv6) so that no
 * rule ever opens (nearly) every address, and be a network address (no host bits set), so that
 * `10.20.0.10/24` is caught as the typo it usually is.
 */
export function cidrProblem(cidr: string): string | undefined {
    const [address, prefix, extra] = cidr.split("/");
    const ip = ipValue(address ?? "");
    const bits = ip?.family === 4 ? 32 : 128;
    if (
        ip === undefined ||
        extra !== undefined ||
        !/^\d{1,3}$/.test(prefix ?? "") ||
        Number(prefix) > bits
    ) {
        return "expected a CIDR block such as 10.20.0.0/24, 10.20.0.11/32 or fd00:10::/64";
    }
    const length = Number(prefix);
    const min = ip.family === 4 ? minIpv4Prefix : minIpv6Prefix;
    if (length < min) {
        return (
            `expected a block of at most /${min} for IPv${ip.family}: /${length} opens ` +
            `${length === 0 ? "every address" : "a large part of the address space"}; list the ` +
            "addresses actually needed"
        );
    }
    const hostBits = BigInt(bits - length);
    const network = (ip.value >> hostBits) << hostBits;
    if (network !== ip.value) {
        return `expected the network address ${formatIp(ip.family, network)}/${length} (the address has host bits set)`;
    }
    return undefined;
}

/** The one-address block of an IP literal: `/32` for IPv4, `/128` for IPv6. */
export function hostCidr(ip: string): string {
    return `${ip}/${isIP(ip) === 4 ? 32 : 128}`;
}

/** True for a DNS host name (RFC 1123 labels, lower case, at most 253 characters). */
export function isDnsName(host: string): boolean {
    return (
        host.length <= 253 &&
        host.split(".").every((label) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(label))
    );
}

/** A destination a platform pod connects to. */
export interface Endpoint {
    /** Host name or IP literal (without brackets). */
    readonly host: string;
    readonly port: number;
    readonly protocol: "TCP" | "UDP";
}

/** Default ports of the URL schemes the platform's pods use. */
const schemePorts: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 };

/** The endpoint of an `http(s)://` URL (the scheme's port when none is given), or undefined. */
export function endpointOfUrl(url: string): Endpoint | undefined {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return undefined;
    }
    const defaultPort = schemePorts[parsed.protocol];
    if (defaultPort === undefined || parsed.hostname === "") {
        return undefined;
    }
    const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
    return {
        host,
        port: parsed.port === "" ? defaultPort : Number(parsed.port),
        protocol: "TCP",
    };
}

/**
 * The registry endpoint of an image reference or pattern (`registry.example/ai/*`,
 * `harbor.example:5000/mirror`), or undefined when it names no registry host a policy could
 * locate: a wildcard (`*`, `*.example`), a Docker Hub short name (`library/nginx`), or a value
 * that is not an image reference at all (an offline check's stand-in for a secret).
 */
export function registryEndpoint(reference: string): Endpoint | undefined {
    const first = reference.split("/")[0] ?? "";
    if (!reference.includes("/") && !first.includes(".")) {
        return undefined;
    }
    const m = /^([a-z0-9.-]+|\[[0-9a-f:]+\])(?::(\d{1,5}))?$/.exec(first);
    if (m === null) {
        return undefined;
    }
    const host = m[1].replace(/^\[(.*)\]$/, "$1");
    if (isIP(host) === 0 && (!host.includes(".") || !isDnsName(host))) {
        return undefined;
    }
    return { host, port: m[2] !== undefined ? Number(m[2]) : 443, protocol: "TCP" };
}

/**
 * Where a host lies, as a NetworkPolicy can select it:
 * - `cidrs`: listed in `externalHosts` (always wins), or an IP literal (its one-address block);
 * - `namespace`: a Service name the cluster DNS resolves (`<svc>.<ns>`, `<svc>.<ns>.svc`,
 *   `<svc>.<ns>.svc.<cluster domain>`, and `<pod>.<svc>.<ns>.svc...`), in that namespace;
 * - `own-namespace`: a single label, a Service in the client's own namespace;
 * - `unknown`: any other name, outside the cluster and not listed: no rule can reach it.
 */
export type HostLocation =
    | { readonly kind: "cidrs"; readonly cidrs: readonly string[] }
    | { readonly kind: "namespace"; readonly namespace: string }
    | { readonly kind: "own-namespace" }
    | { readonly kind: "unknown" };

/** Locates `host` (see {@link HostLocation}). */
export function locateHost(
    host: string,
    externalHosts: Readonly<Record<string, readonly string[]>>,
): HostLocation {
    const listed = externalHosts[host];
    if (listed !== undefined) {
        return { kind: "cidrs", cidrs: [...listed] };
    }
    if (isIP(host) !== 0) {
        return { kind: "cidrs", cidrs: [hostCidr(host)] };
    }
    const labels = host.split(".");
    const svc = labels.indexOf("svc");
    if (svc >= 2) {
        return { kind: "namespace", namespace: labels[svc - 1] };
    }
    if (labels.length === 2) {
        return { kind: "namespace", namespace: labels[1] };
    }
    if (labels.length === 1) {
        return { kind: "own-namespace" };
    }
    return { kind: "unknown" };
}
