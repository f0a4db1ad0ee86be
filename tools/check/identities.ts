/**
 * Duplicate object identities. The API server stores one object per API group, kind, namespace
 * and name (the version is only how it is served), so two declarations of one identity are one
 * object: a stack with both fails at apply time or, worse, one silently takes over the other (a
 * tenant's Namespace and role bindings inside an admission controller's namespace). Each such
 * identity is a mandatory violation of the check itself, naming every declaration.
 *
 * Identities are taken as the API server resolves them: a namespaced object without a namespace
 * lands in `default`; a cluster-scoped object has no namespace whatever its metadata says. Scope
 * comes from the built-in kinds and the CRDs among the objects (tools/check/helm.ts); a kind whose
 * scope cannot be told offline keeps the namespace it is given. Objects without a literal name
 * (`generateName`, Pulumi auto-naming, a value unknown during preview) are unique by construction
 * and not compared.
 */
import { isCrd, isNamespaced, KubeObject } from "./helm";
import { ReportViolation } from "./report";
import { isRecord } from "./values";

/** The pack name of the check's own rules (as `check/chart-values-known-keys`). */
export const identityPack = "check";

/** The rule's name in the report. */
export const identityPolicy = "object-identity-unique";

/** One Kubernetes object and the resource that declares it. */
export interface DeclaredObject {
    readonly resource: { readonly type: string; readonly name: string; readonly file?: string };
    readonly object: Record<string, unknown>;
}

/** The text the engine uses for a value unknown during preview (tools/check/values.ts). */
const unknownText = "[unknown]";

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` and `core/v1` → `` (core). */
function groupOf(apiVersion: string): string {
    const slash = apiVersion.indexOf("/");
    const group = slash < 0 ? "" : apiVersion.slice(0, slash);
    return group === "core" ? "" : group;
}

function literal(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" && !value.includes(unknownText)
        ? value
        : undefined;
}

/**
 * One mandatory violation per identity declared more than once, on its second declaration, naming
 * every declaration in order.
 */
export function duplicateIdentities(objects: readonly DeclaredObject[]): ReportViolation[] {
    const crds = objects.map((o) => o.object as KubeObject).filter(isCrd);
    const byIdentity = new Map<string, { label: string; declared: DeclaredObject[] }>();
    for (const declared of objects) {
        const { object } = declared;
        const apiVersion = literal(object.apiVersion);
        const kind = literal(object.kind);
        const meta = isRecord(object.metadata) ? object.metadata : {};
        const name = literal(meta.name);
        if (apiVersion === undefined || kind === undefined || name === undefined) {
            continue;
        }
        if (meta.namespace !== undefined && literal(meta.namespace) === undefined) {
            continue; // a namespace unknown during preview: the identity is not known yet
        }
        const given = literal(meta.namespace);
        const scoped = isNamespaced(apiVersion, kind, crds);
        const namespace = scoped === false ? "" : (given ?? (scoped === true ? "default" : ""));
        const group = groupOf(apiVersion);
        const key = JSON.stringify([group, kind, namespace, name]);
        const entry = byIdentity.get(key) ?? {
            label:
                `${kind} "${namespace !== "" ? `${namespace}/` : ""}${name}" ` +
                `(API group ${group === "" ? "core" : group})`,
            declared: [],
        };
        entry.declared.push(declared);
        byIdentity.set(key, entry);
    }
    const violations: ReportViolation[] = [];
    for (const { label, declared } of byIdentity.values()) {
        if (declared.length < 2) {
            continue;
        }
        const who = declared.map(({ resource: r }) =>
            r.file !== undefined ? `${r.type} ${r.name} (${r.file})` : `${r.type} ${r.name}`,
        );
        violations.push({
            pack: identityPack,
            policy: identityPolicy,
            enforcementLevel: "mandatory",
            resource: declared[1].resource,
            message:
                `${label} is declared ${declared.length} times: ${who.join("; ")}. The API ` +
                "server keeps one object per API group, kind, namespace and name, so one " +
                "declaration would overwrite or fail the other; rename or remove all but one.",
        });
    }
    return violations;
}
