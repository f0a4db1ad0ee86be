import { ResourceValidationPolicy } from "@pulumi/policy";
import { minIpv4Prefix, minIpv6Prefix } from "../../../contract/network";
import { describeObject, isObject, KubeObject } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";
import { allowListProperty } from "../lib/config";
import { parseCidr, policyTypesOf, selectsEverything } from "../lib/network";

const networkPolicyType = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Config of {@link networkNoAllowAll}. */
export interface NoAllowAllConfig {
    /** NetworkPolicies allowed to open traffic to every peer, as `<namespace>/<name>`. */
    readonly allowedPolicies: string[];
}

/** Where a direction keeps its peers, and what "every peer" means for it. */
const directions = [
    { type: "Ingress", field: "ingress", peers: "from", every: "every source" },
    { type: "Egress", field: "egress", peers: "to", every: "every destination" },
] as const;

/** The findings of one peer of a rule. */
function peerFindings(peer: unknown, path: string): string[] {
    if (!isObject(peer)) {
        return [];
    }
    const findings: string[] = [];
    // A namespaceSelector that selects every namespace, with no podSelector (every pod) or one that
    // selects every pod: every pod of the cluster, every tenant's included.
    if (
        selectsEverything(peer.namespaceSelector) &&
        (peer.podSelector == null || selectsEverything(peer.podSelector))
    ) {
        findings.push(`${path} selects every pod of every namespace`);
    }
    const block: unknown = peer.ipBlock;
    if (isObject(block)) {
        const cidr: unknown = block.cidr;
        const parsed = typeof cidr === "string" ? parseCidr(cidr) : undefined;
        if (parsed === undefined) {
            findings.push(`${path}.ipBlock.cidr ${JSON.stringify(cidr)} is not a CIDR block`);
        } else {
            const min = parsed.family === 4 ? minIpv4Prefix : minIpv6Prefix;
            if (parsed.prefix < min) {
                const what = parsed.prefix === 0 ? "every address" : "(nearly) every address";
                findings.push(
                    `${path}.ipBlock.cidr "${String(cidr)}" opens ${what} (wider than /${min})`,
                );
            }
        }
    }
    return findings;
}

/**
 * Every NetworkPolicy names its peers, as the stack's own network settings do (tenant egress,
 * platform flows): no rule without peers (an ingress rule without `from`, or an egress rule without
 * `to`, admits every source or destination, on its ports or on all), no peer that selects every pod
 * of every namespace (an empty or only-negative `namespaceSelector` with no pod restriction), no
 * `ipBlock` wider than /8 (IPv4) or /32 (IPv6) (`0.0.0.0/0`, or the world split into halves;
 * `except` leaves the rest open), and no egress to an `ipBlock` on every port. NetworkPolicies add
 * up, so one allow-all policy undoes the namespace's default deny, which network-default-deny and
 * the tenant guardrails only check exists. A resource policy, so plain manifests judged with
 * `--manifests` are held to it as well as the platform's stacks. Only the directions the policy
 * governs (`policyTypes`, defaulted as the API server does) are judged. Reviewed exposures are
 * listed in `allowedPolicies`.
 *
 * @severity high
 * @frameworks cis-kubernetes-5.3.2, nist-800-53-ac-4, nist-800-53-sc-7, nist-800-53-sc-7(5), iso-27001-a.8.22, iso-27001-a.8.20
 * @topics network, isolation
 * @link https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
export const networkNoAllowAll: ResourceValidationPolicy = {
    name: "network-no-allow-all",
    description:
        "NetworkPolicies must name their peers: no rule without peers, no peer of every namespace, no ipBlock wider than /8 (IPv6 /32).",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedPolicies: allowListProperty(
                "NetworkPolicies allowed to open traffic to every peer, as <namespace>/<name>.",
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== networkPolicyType) {
            return;
        }
        const key = objectKey(args.props, args.name);
        const { allowedPolicies } = args.getConfig<NoAllowAllConfig>();
        if (allowedPolicies.includes(key)) {
            return;
        }
        const spec: KubeObject = isObject(args.props.spec) ? args.props.spec : {};
        const governed = policyTypesOf(spec);
        const findings: string[] = [];
        for (const d of directions) {
            const rules: unknown = spec[d.field];
            if (!governed.includes(d.type) || !Array.isArray(rules)) {
                continue;
            }
            rules.forEach((rule: unknown, index: number) => {
                const path = `spec.${d.field}[${index}]`;
                const r: KubeObject = isObject(rule) ? rule : {};
                const peers: unknown = r[d.peers];
                if (!Array.isArray(peers) || peers.length === 0) {
                    findings.push(`${path} has no ${d.peers}, so it admits ${d.every}`);
                    return;
                }
                peers.forEach((peer: unknown, p: number) => {
                    findings.push(...peerFindings(peer, `${path}.${d.peers}[${p}]`));
                });
                const ports: unknown = r.ports;
                const noPorts = !Array.isArray(ports) || ports.length === 0;
                if (
                    d.type === "Egress" &&
                    noPorts &&
                    peers.some((p) => isObject(p) && p.ipBlock != null)
                ) {
                    findings.push(`${path} opens its ipBlock peers on every port (no ports)`);
                }
            });
        }
        if (findings.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} opens traffic beyond named ` +
                    `peers: ${findings.join("; ")}. Name the peers (pods by podSelector, namespaces ` +
                    `by kubernetes.io/metadata.name, networks by an ipBlock of at most ` +
                    `/${minIpv4Prefix} or IPv6 /${minIpv6Prefix}) and the ports they need, or add ` +
                    `"${key}" to network-no-allow-all.allowedPolicies if it is a reviewed exposure.`,
            );
        }
    },
};
