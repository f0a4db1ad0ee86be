/**
 * The Gatekeeper ConstraintTemplates the platform authors. Their logic is CEL (Gatekeeper's
 * `K8sNativeValidation` engine), so the exact expressions below can be evaluated offline in tests
 * with the variables Gatekeeper binds: `variables.anyObject` (the object, or the old object on
 * DELETE), `variables.params` (the constraint's `spec.parameters`), and `object`, `oldObject`,
 * `request`.
 *
 * Pure data and pure functions; no resources.
 */
import { gatekeeperPolicyIds } from "../../contract/exemptions";

/** A CEL variable of a template (`variables.<name>` in later expressions). */
export interface CelVariable {
    readonly name: string;
    readonly expression: string;
}

/** A CEL validation: the request is admitted when `expression` is true. */
export interface CelValidation {
    readonly expression: string;
    /** Static message (fallback when `messageExpression` cannot be evaluated). */
    readonly message: string;
    /** CEL expression producing the denial message. */
    readonly messageExpression: string;
}

/** The kinds a constraint matches, as Gatekeeper's `match.kinds` lists them. */
export interface MatchKind {
    readonly apiGroups: readonly string[];
    readonly kinds: readonly string[];
}

/** One ConstraintTemplate and the Constraint kind it defines. */
export interface TemplateDefinition {
    /** The rule's ID (settings, exemptions, resource names). */
    readonly id: (typeof templateIds)[number];
    /** Constraint kind; the template's name is its lower-case form. */
    readonly kind: string;
    readonly description: string;
    /** What the constraint matches. */
    readonly matchKinds: readonly MatchKind[];
    /** OpenAPI schema of `spec.parameters`. */
    readonly parameters: Record<string, unknown>;
    readonly variables: readonly CelVariable[];
    readonly validations: readonly CelValidation[];
}

/**
 * IDs of the templates, in the order they are created: the Gatekeeper rule IDs an exemption record
 * may name (`contract/exemptions.ts`), one constraint per rule.
 */
export const templateIds = gatekeeperPolicyIds;

/** Every pod-bearing kind: bare Pods and the controllers that template them. */
export const podBearingKinds: readonly MatchKind[] = [
    { apiGroups: [""], kinds: ["Pod", "ReplicationController"] },
    { apiGroups: ["apps"], kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"] },
    { apiGroups: ["batch"], kinds: ["Job", "CronJob"] },
];

const stringList = { type: "array", items: { type: "string" } };

// The pod spec of any pod-bearing kind. The API server validates an object against its schema
// before validating admission runs, so the template paths of controllers are always present.
const podSpec: CelVariable = {
    name: "podSpec",
    expression:
        'variables.anyObject.kind == "Pod" ? variables.anyObject.spec : ' +
        'variables.anyObject.kind == "CronJob" ? variables.anyObject.spec.jobTemplate.spec.template.spec : ' +
        "variables.anyObject.spec.template.spec",
};

// Every container of the pod: regular, init and ephemeral.
const containers: CelVariable = {
    name: "containers",
    expression:
        "(has(variables.podSpec.containers) ? variables.podSpec.containers : []) + " +
        "(has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : []) + " +
        "(has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : [])",
};

/** A list parameter, or the empty list when the constraint does not set it. */
function listParam(variable: string, parameter: string): CelVariable {
    return {
        name: variable,
        expression: `variables.params == null || !has(variables.params.${parameter}) ? [] : variables.params.${parameter}`,
    };
}

/** `name (image)` for each container of a list variable, comma-separated. */
function namesAndImages(list: string): string {
    return `variables.${list}.map(c, c.name + " (" + c.image + ")").join(", ")`;
}

/** The templates, by ID. */
export const templateDefinitions: Readonly<
    Record<(typeof templateIds)[number], TemplateDefinition>
> = {
    "allowed-registries": {
        id: "allowed-registries",
        kind: "SovereignAllowedRegistries",
        description:
            "Containers (including init and ephemeral containers) run only images whose " +
            "registry/repository lies under an allowed prefix, matched on path boundaries " +
            "(registry.example/ai admits registry.example/ai/model, not registry.example/ai-x). " +
            "An empty list admits no image.",
        matchKinds: podBearingKinds,
        parameters: { registries: stringList },
        variables: [
            podSpec,
            containers,
            listParam("registries", "registries"),
            {
                name: "prefixes",
                expression:
                    'variables.registries.map(r, r.endsWith("/") ? r.substring(0, size(r) - 1) : r)',
            },
            {
                // The reference without digest and tag (a registry port precedes the last '/').
                name: "named",
                expression:
                    'variables.containers.map(c, [string(c.image).split("@")[0]].map(ref, ' +
                    '{"container": string(c.name), "image": string(c.image), "name": ' +
                    'ref.lastIndexOf(":") > ref.lastIndexOf("/") ? ref.substring(0, ref.lastIndexOf(":")) : ref})[0])',
            },
            {
                // Normalised like a container runtime does: no registry host means Docker Hub,
                // and a single-segment Docker Hub name is an official `library/` image.
                name: "normalised",
                expression:
                    'variables.named.map(i, [string(i.name)].map(n, {"container": string(i.container), ' +
                    '"image": string(i.image), "name": n.contains("/") && [n.split("/")[0]].exists(f, ' +
                    'f.contains(".") || f.contains(":") || f == "localhost") ? n : ' +
                    '(n.contains("/") ? "docker.io/" + n : "docker.io/library/" + n)})[0])',
            },
            {
                name: "disallowed",
                expression:
                    'variables.normalised.filter(i, !variables.prefixes.exists(p, p != "" && ' +
                    '(i.name == p || i.name.startsWith(p + "/"))))',
            },
        ],
        validations: [
            {
                expression: "size(variables.disallowed) == 0",
                message: "container images must come from an allowed registry",
                messageExpression:
                    '"container images must come from an allowed registry (" + ' +
                    '(size(variables.registries) == 0 ? "none is allowed" : variables.registries.join(", ")) + ' +
                    '"); not allowed: " + variables.disallowed.map(i, i.container + " (" + i.image + ")").join(", ")',
            },
        ],
    },
    "image-tags": {
        id: "image-tags",
        kind: "SovereignImageTags",
        description:
            "Images name a tag or a digest (an untagged image means latest) and no disallowed " +
            "tag; with requireDigests, every image is pinned by a well-formed sha256 or sha512 digest.",
        matchKinds: podBearingKinds,
        parameters: { disallowedTags: stringList, requireDigests: { type: "boolean" } },
        variables: [
            podSpec,
            containers,
            listParam("disallowedTags", "disallowedTags"),
            {
                name: "requireDigests",
                expression:
                    "variables.params != null && has(variables.params.requireDigests) && " +
                    "variables.params.requireDigests == true",
            },
            {
                // Tag and digest of each reference ("" when absent); a registry port precedes
                // the last '/', so it is never taken for a tag.
                name: "images",
                expression:
                    'variables.containers.map(c, [string(c.image).split("@")[0]].map(ref, ' +
                    '{"name": string(c.name), "image": string(c.image), ' +
                    '"tag": ref.lastIndexOf(":") > ref.lastIndexOf("/") ? ref.substring(ref.lastIndexOf(":") + 1) : "", ' +
                    '"digest": string(c.image).contains("@") ? ' +
                    'string(c.image).substring(string(c.image).indexOf("@") + 1) : ""})[0])',
            },
            {
                name: "untagged",
                expression: 'variables.images.filter(i, i.tag == "" && i.digest == "")',
            },
            {
                name: "disallowedTagged",
                expression:
                    'variables.images.filter(i, i.tag != "" && i.tag in variables.disallowedTags)',
            },
            {
                name: "undigested",
                expression:
                    "variables.requireDigests ? variables.images.filter(i, " +
                    '!i.digest.matches("^sha256:[a-f0-9]{64}$") && !i.digest.matches("^sha512:[a-f0-9]{128}$")) : []',
            },
        ],
        validations: [
            {
                expression: "size(variables.untagged) == 0",
                message: "images must name a tag or a digest",
                messageExpression:
                    '"images must name a tag or a digest (an untagged image means latest): " + ' +
                    namesAndImages("untagged"),
            },
            {
                expression: "size(variables.disallowedTagged) == 0",
                message: "images must not use a disallowed tag",
                messageExpression:
                    '"images must not use the tags " + variables.disallowedTags.join(", ") + ": " + ' +
                    namesAndImages("disallowedTagged"),
            },
            {
                expression: "size(variables.undigested) == 0",
                message: "images must be pinned by digest",
                messageExpression:
                    '"images must be pinned by a sha256 or sha512 digest (image@sha256:...): " + ' +
                    namesAndImages("undigested"),
            },
        ],
    },
    "namespace-labels": {
        id: "namespace-labels",
        kind: "SovereignNamespaceLabels",
        description: "Namespaces carry every required label with a non-empty value.",
        matchKinds: [{ apiGroups: [""], kinds: ["Namespace"] }],
        parameters: { labels: stringList },
        variables: [
            listParam("required", "labels"),
            {
                name: "present",
                expression:
                    "has(variables.anyObject.metadata.labels) ? variables.anyObject.metadata.labels : {}",
            },
            {
                name: "missing",
                expression:
                    'variables.required.filter(l, !(l in variables.present) || variables.present[l] == "")',
            },
        ],
        validations: [
            {
                expression: "size(variables.missing) == 0",
                message: "namespaces must carry the required labels",
                messageExpression:
                    '"namespace " + variables.anyObject.metadata.name + " must carry the labels " + ' +
                    'variables.required.join(", ") + "; missing or empty: " + variables.missing.join(", ")',
            },
        ],
    },
    "service-exposure": {
        id: "service-exposure",
        kind: "SovereignServiceExposure",
        description:
            "Services are of type NodePort or LoadBalancer only in the namespaces allowed to expose them.",
        matchKinds: [{ apiGroups: [""], kinds: ["Service"] }],
        parameters: { allowedNamespaces: stringList },
        variables: [
            listParam("allowedNamespaces", "allowedNamespaces"),
            {
                // A create request may leave the namespace to the request URL.
                name: "namespace",
                expression:
                    "has(variables.anyObject.metadata.namespace) ? variables.anyObject.metadata.namespace : " +
                    "request.namespace",
            },
            {
                name: "type",
                expression:
                    'has(variables.anyObject.spec.type) ? variables.anyObject.spec.type : "ClusterIP"',
            },
        ],
        validations: [
            {
                expression:
                    '!(variables.type in ["NodePort", "LoadBalancer"]) || ' +
                    "variables.namespace in variables.allowedNamespaces",
                message:
                    "Services of type NodePort or LoadBalancer are not allowed in this namespace",
                messageExpression:
                    '"Service " + variables.anyObject.metadata.name + " is of type " + variables.type + ' +
                    '", which is allowed only in the namespaces " + ' +
                    '(size(variables.allowedNamespaces) == 0 ? "(none)" : variables.allowedNamespaces.join(", ")) + ' +
                    '"; use a ClusterIP Service behind the ingress gateway"',
            },
        ],
    },
    "external-ips": {
        id: "external-ips",
        kind: "SovereignExternalIPs",
        description:
            "Services list only allowed external IPs (mitigates CVE-2020-8554 traffic interception).",
        matchKinds: [{ apiGroups: [""], kinds: ["Service"] }],
        parameters: { allowedIPs: stringList },
        variables: [
            listParam("allowedIPs", "allowedIPs"),
            {
                name: "forbidden",
                expression:
                    "(has(variables.anyObject.spec.externalIPs) ? variables.anyObject.spec.externalIPs : [])" +
                    ".filter(ip, !(ip in variables.allowedIPs))",
            },
        ],
        validations: [
            {
                expression: "size(variables.forbidden) == 0",
                message: "Services must not set external IPs",
                messageExpression:
                    '"Service " + variables.anyObject.metadata.name + " sets spec.externalIPs that are ' +
                    'not allowed: " + variables.forbidden.join(", ")',
            },
        ],
    },
    "rbac-wildcards": {
        id: "rbac-wildcards",
        kind: "SovereignRbacWildcards",
        description:
            "Roles and ClusterRoles list their verbs, API groups and resources: no '*' (nor '*/<sub>') " +
            "outside the exempt roles.",
        matchKinds: [{ apiGroups: ["rbac.authorization.k8s.io"], kinds: ["Role", "ClusterRole"] }],
        parameters: { exemptRoles: stringList },
        variables: [
            listParam("exemptRoles", "exemptRoles"),
            {
                name: "exempt",
                expression:
                    'variables.exemptRoles.exists(r, r.endsWith("*") ? ' +
                    "variables.anyObject.metadata.name.startsWith(r.substring(0, size(r) - 1)) : " +
                    "variables.anyObject.metadata.name == r)",
            },
            {
                name: "wildcardRules",
                expression:
                    "(has(variables.anyObject.rules) ? variables.anyObject.rules : []).filter(r, " +
                    '(has(r.verbs) && "*" in r.verbs) || (has(r.apiGroups) && "*" in r.apiGroups) || ' +
                    '(has(r.resources) && r.resources.exists(x, x == "*" || x.startsWith("*/"))))',
            },
        ],
        validations: [
            {
                expression: "variables.exempt || size(variables.wildcardRules) == 0",
                message: "RBAC rules must not use '*' in verbs, apiGroups or resources",
                messageExpression:
                    'variables.anyObject.kind + " " + variables.anyObject.metadata.name + ' +
                    "\" uses '*' in verbs, apiGroups or resources in \" + string(size(variables.wildcardRules)) + " +
                    '" rule(s); list the exact verbs, API groups and resources it needs"',
            },
        ],
    },
    "pod-hardening": {
        id: "pod-hardening",
        kind: "SovereignPodHardening",
        description:
            "Defence in depth beside Pod Security Admission: no privileged container, no host " +
            "namespaces, no hostPath volume, no added capability outside the allowed list.",
        matchKinds: podBearingKinds,
        parameters: { allowedCapabilities: stringList },
        variables: [
            podSpec,
            containers,
            listParam("allowedCapabilities", "allowedCapabilities"),
            {
                name: "privileged",
                expression:
                    "variables.containers.filter(c, has(c.securityContext) && " +
                    "has(c.securityContext.privileged) && c.securityContext.privileged == true)",
            },
            {
                name: "hostNamespaces",
                expression:
                    '["hostNetwork", "hostPID", "hostIPC"].filter(f, f in variables.podSpec && ' +
                    "variables.podSpec[f] == true)",
            },
            {
                name: "hostPathVolumes",
                expression:
                    "(has(variables.podSpec.volumes) ? variables.podSpec.volumes : []).filter(v, has(v.hostPath))",
            },
            {
                name: "addedCapabilities",
                expression:
                    "variables.containers.filter(c, has(c.securityContext) && has(c.securityContext.capabilities) && " +
                    "has(c.securityContext.capabilities.add) && " +
                    "c.securityContext.capabilities.add.exists(cap, !(cap in variables.allowedCapabilities)))",
            },
        ],
        validations: [
            {
                expression: "size(variables.privileged) == 0",
                message: "containers must not run privileged",
                messageExpression:
                    '"containers must not run privileged (securityContext.privileged): " + ' +
                    'variables.privileged.map(c, c.name).join(", ")',
            },
            {
                expression: "size(variables.hostNamespaces) == 0",
                message: "pods must not share host namespaces",
                messageExpression:
                    '"pods must not share host namespaces: " + variables.hostNamespaces.join(", ")',
            },
            {
                expression: "size(variables.hostPathVolumes) == 0",
                message: "pods must not mount hostPath volumes",
                messageExpression:
                    '"pods must not mount hostPath volumes: " + variables.hostPathVolumes.map(v, v.name).join(", ")',
            },
            {
                expression: "size(variables.addedCapabilities) == 0",
                message: "containers must not add capabilities",
                messageExpression:
                    '"containers must not add capabilities other than [" + ' +
                    'variables.allowedCapabilities.join(", ") + "]: " + ' +
                    'variables.addedCapabilities.map(c, c.name).join(", ")',
            },
        ],
    },
    "resource-limits": {
        id: "resource-limits",
        kind: "SovereignResourceLimits",
        description:
            "Containers and init containers set resource limits for every required resource.",
        matchKinds: podBearingKinds,
        parameters: { limits: stringList },
        variables: [
            podSpec,
            {
                // Ephemeral containers cannot declare resources, so they are not judged here.
                name: "workContainers",
                expression:
                    "(has(variables.podSpec.containers) ? variables.podSpec.containers : []) + " +
                    "(has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : [])",
            },
            listParam("required", "limits"),
            {
                name: "unlimited",
                expression:
                    "variables.workContainers.filter(c, !variables.required.all(r, has(c.resources) && " +
                    "has(c.resources.limits) && r in c.resources.limits))",
            },
        ],
        validations: [
            {
                expression: "size(variables.unlimited) == 0",
                message: "containers must set resource limits",
                messageExpression:
                    '"containers must set resources.limits for " + variables.required.join(", ") + ": " + ' +
                    'variables.unlimited.map(c, c.name).join(", ")',
            },
        ],
    },
};

/** The Gatekeeper target every template and constraint uses. */
export const admissionTarget = "admission.k8s.gatekeeper.sh";

/** A ConstraintTemplate object (pure). */
export function renderConstraintTemplate(
    def: TemplateDefinition,
    labels: Readonly<Record<string, string>>,
): Record<string, unknown> {
    return {
        apiVersion: "templates.gatekeeper.sh/v1",
        kind: "ConstraintTemplate",
        metadata: {
            name: def.kind.toLowerCase(),
            labels: { ...labels },
            annotations: {
                description: def.description,
                // Constraints are applied only once the template's CRD exists: Gatekeeper reports
                // it through `status.created`.
                "pulumi.com/waitFor": "jsonpath={.status.created}=true",
            },
        },
        spec: {
            crd: {
                spec: {
                    names: { kind: def.kind },
                    validation: {
                        openAPIV3Schema: { type: "object", properties: def.parameters },
                    },
                },
            },
            targets: [
                {
                    target: admissionTarget,
                    code: [
                        {
                            engine: "K8sNativeValidation",
                            source: {
                                variables: def.variables.map((v) => ({ ...v })),
                                validations: def.validations.map((v) => ({ ...v })),
                            },
                        },
                    ],
                },
            ],
        },
    };
}
