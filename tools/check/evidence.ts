/**
 * Evidence the check collects for control status (compliance/status.ts) beyond its policies'
 * verdicts: facts about every object in a control's scope, read from the objects themselves.
 *
 * Network isolation: for every namespace in scope (each Namespace the stack or the manifests
 * declare, and each namespace a judged workload runs in), the NetworkPolicies that deny each
 * direction to every pod of it (`podSelector: {}`, the direction in `policyTypes`, no rule for
 * it; read as the guardrails read them, policypacks/platform-guardrails/lib/network.ts) and those
 * that allow DNS.
 */
import { NamespaceIsolation } from "../../compliance/status";
import { defaultDenies } from "../../policypacks/platform-guardrails/lib/network";
import { namespaceOf } from "../../policypacks/lib/objects";
import { podTemplateOf } from "../../policypacks/lib/workloads";
import { DeclaredObject } from "./identities";
import { isRecord } from "./values";

const namespaceType = "kubernetes:core/v1:Namespace";

function isNetworkPolicy(object: Record<string, unknown>): boolean {
    return (
        typeof object.apiVersion === "string" &&
        object.apiVersion.startsWith("networking.k8s.io/") &&
        object.kind === "NetworkPolicy"
    );
}

/** True when one of a NetworkPolicy's egress rules opens port 53 (by number or a `dns` name). */
function allowsDns(spec: Record<string, unknown>): boolean {
    const rules = Array.isArray(spec.egress) ? spec.egress : [];
    return rules.some((rule: unknown) => {
        const ports = isRecord(rule) && Array.isArray(rule.ports) ? rule.ports : [];
        return ports.some((p: unknown) => {
            const port = isRecord(p) ? p.port : undefined;
            return port === 53 || port === "53" || (typeof port === "string" && /dns/i.test(port));
        });
    });
}

function nameOf(object: Record<string, unknown>): string | undefined {
    const meta = isRecord(object.metadata) ? object.metadata : {};
    return typeof meta.name === "string" && meta.name !== "" ? meta.name : undefined;
}

/** The isolation of every namespace in scope (see the module comment), sorted by namespace. */
export function namespaceIsolation(objects: readonly DeclaredObject[]): NamespaceIsolation[] {
    const collector = new NamespaceIsolationCollector();
    for (const declared of objects) {
        collector.add(declared);
    }
    return collector.result();
}

/**
 * {@link namespaceIsolation} fed one object at a time, keeping only what its result needs (the
 * namespaces in scope and the names of the NetworkPolicies that count), so the check can drop
 * each object once it has been seen.
 */
export class NamespaceIsolationCollector {
    private readonly scope = new Set<string>();
    private readonly found = new Map<
        string,
        { Ingress: string[]; Egress: string[]; dns: string[] }
    >();

    private of(ns: string): { Ingress: string[]; Egress: string[]; dns: string[] } {
        let entry = this.found.get(ns);
        if (entry === undefined) {
            entry = { Ingress: [], Egress: [], dns: [] };
            this.found.set(ns, entry);
        }
        return entry;
    }

    /** Takes one object into account. */
    add({ resource, object }: DeclaredObject): void {
        if (resource.type === namespaceType) {
            const name = nameOf(object);
            if (name !== undefined) {
                this.scope.add(name);
            }
        } else if (podTemplateOf(resource.type, object) !== undefined) {
            this.scope.add(namespaceOf(object));
        } else if (isNetworkPolicy(object)) {
            const name = nameOf(object) ?? resource.name;
            const entry = this.of(namespaceOf(object));
            for (const direction of defaultDenies(object)) {
                if (direction === "Ingress" || direction === "Egress") {
                    entry[direction].push(name);
                }
            }
            if (isRecord(object.spec) && allowsDns(object.spec)) {
                entry.dns.push(name);
            }
        }
    }

    /** The isolation of every namespace in scope, sorted by namespace. */
    result(): NamespaceIsolation[] {
        return [...this.scope].sort().map((namespace) => {
            const entry = this.of(namespace);
            return {
                namespace,
                denyIngress: entry.Ingress,
                denyEgress: entry.Egress,
                allowDns: entry.dns,
            };
        });
    }
}
