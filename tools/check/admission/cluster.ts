/**
 * The cluster the stack would build, as far as admission is concerned, read from the objects the
 * stack registers (and the objects its charts render when they are local): the namespaces and
 * their labels, Kyverno's policies, exceptions and webhook scope, Gatekeeper's templates,
 * constraints and webhook scope, and Linkerd's proxy injector. Nothing is derived from the stack's
 * settings: what the stack would install is what is simulated.
 *
 * Where a chart is remote, its objects are unknown: the webhook scope then comes from the chart's
 * values (the platform sets them) and, for what the values leave out, from the chart's defaults,
 * which the notes say.
 */
import * as YAML from "yaml";
import { isRecord } from "../values";
import { GatekeeperConfig, ignoreLabel } from "./gatekeeper";
import {
    autogenControllers,
    KyvernoConfig,
    KyvernoException,
    KyvernoPolicy,
    ResourceFilter,
} from "./kyverno";
import { linkerdChartDefaults, LinkerdConfig, mergeValues } from "./linkerd";
import { annotationsOf, labelsOf } from "./selectors";
import { Obj, SimChart, SimObject } from "./types";

/** A namespace of the cluster. */
export interface ClusterNamespace {
    readonly name: string;
    readonly source: SimObject;
    /** Its labels, with the `kubernetes.io/metadata.name` label the API server sets. */
    readonly labels: Record<string, string>;
}

/** What the simulation reads. */
export interface Cluster {
    readonly namespaces: ReadonlyMap<string, ClusterNamespace>;
    readonly kyverno?: KyvernoConfig;
    readonly gatekeeper?: GatekeeperConfig & { readonly releaseNamespace: string };
    readonly linkerd?: LinkerdConfig;
    readonly notes: readonly string[];
}

/** The chart's name from its `chart` input: `kyverno`, `oci://.../kyverno`, `/x/kyverno-3.9.0.tgz`. */
export function chartName(chart: string): string {
    const base = chart.replace(/\/+$/, "").split("/").pop() ?? chart;
    return base.replace(/\.tgz$/, "").replace(/-v?\d+(\.\d+)*([-+][0-9A-Za-z.-]*)?$/, "");
}

function namespaceOf(o: Obj): string {
    return typeof o.metadata?.namespace === "string" ? o.metadata.namespace : "";
}

function nameOf(o: Obj): string {
    return typeof o.metadata?.name === "string" ? o.metadata.name : "";
}

function group(o: Obj): string {
    const v = String(o.apiVersion ?? "");
    return v.includes("/") ? v.split("/")[0] : "";
}

/** The args of the containers of a rendered Deployment, flattened. */
function deploymentArgs(
    objects: readonly SimObject[],
    namespace: string,
    name: string,
): string[] | undefined {
    const d = objects.find(
        (o) =>
            o.object.kind === "Deployment" &&
            nameOf(o.object) === name &&
            namespaceOf(o.object) === namespace,
    );
    if (d === undefined) {
        return undefined;
    }
    const containers = (d.object.spec?.template?.spec?.containers ?? []) as Obj[];
    return containers.flatMap((c) => (Array.isArray(c.args) ? c.args.map(String) : []));
}

function flag(args: readonly string[], name: string): string[] {
    const prefix = `--${name}=`;
    return args.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length));
}

/** The `[Kind,Namespace,Name]` entries of a resourceFilters string. */
export function parseResourceFilters(text: string): ResourceFilter[] {
    const out: ResourceFilter[] = [];
    for (const m of text.matchAll(/\[([^\]]*)\]/g)) {
        const [kind, namespace, name] = m[1].split(",").map((s) => s.trim());
        if (kind !== undefined && namespace !== undefined && name !== undefined) {
            out.push({ kind, namespace, name });
        }
    }
    return out;
}

function parseStructured(text: unknown): unknown {
    if (typeof text !== "string") {
        return undefined;
    }
    try {
        return YAML.parse(text) as unknown;
    } catch {
        return undefined;
    }
}

/** The namespaceSelector of Kyverno's `config.webhooks` (an object, or a list of them). */
function webhooksSelector(webhooks: unknown): unknown {
    const first = Array.isArray(webhooks) ? webhooks[0] : webhooks;
    return isRecord(first) ? first.namespaceSelector : undefined;
}

function readKyverno(
    objects: readonly SimObject[],
    charts: readonly SimChart[],
    notes: string[],
): KyvernoConfig | undefined {
    const policies: KyvernoPolicy[] = [];
    const exceptions: KyvernoException[] = [];
    for (const o of objects) {
        const obj = o.object;
        if (group(obj) !== "kyverno.io") {
            continue;
        }
        if (obj.kind === "ClusterPolicy" || obj.kind === "Policy") {
            const spec: Obj = isRecord(obj.spec) ? obj.spec : {};
            policies.push({
                resource: o.resource,
                kind: obj.kind,
                name: nameOf(obj),
                ...(obj.kind === "Policy" ? { namespace: namespaceOf(obj) } : {}),
                spec,
                controllers: autogenControllers(spec, annotationsOf(obj)),
            });
        } else if (obj.kind === "PolicyException") {
            exceptions.push({
                resource: o.resource,
                name: nameOf(obj),
                namespace: namespaceOf(obj),
                spec: isRecord(obj.spec) ? obj.spec : {},
            });
        }
    }
    if (policies.length === 0) {
        return undefined;
    }
    let chart = charts.find((c) => chartName(c.chart) === "kyverno");
    if (chart === undefined) {
        // Plain manifests of a stack: Kyverno's ConfigMap (the one with resourceFilters) stands
        // for the chart, in its namespace.
        const cm = objects.find(
            (o) =>
                o.object.kind === "ConfigMap" && typeof o.object.data?.resourceFilters === "string",
        );
        if (cm !== undefined) {
            chart = {
                resource: cm.resource,
                chart: "kyverno",
                namespace: namespaceOf(cm.object),
                values: { config: { name: nameOf(cm.object) } },
                rendered: true,
            };
        }
    }
    if (chart === undefined) {
        notes.push(
            "Kyverno: the stack registers policies but no Kyverno chart; its webhooks are taken to " +
                "see every namespace and PolicyExceptions to count from any namespace.",
        );
        return {
            policies,
            exceptions,
            exceptionsEnabled: true,
            exceptionNamespace: "",
            namespaceSelector: undefined,
            resourceFilters: [],
            from: "no Kyverno chart in the stack",
        };
    }
    const ns = chart.namespace;
    const values = chart.values;
    const config: Obj = isRecord(values.config) ? values.config : {};
    const configMapName = typeof config.name === "string" ? config.name : "kyverno";
    const rendered = objects.find(
        (o) =>
            o.object.kind === "ConfigMap" &&
            nameOf(o.object) === configMapName &&
            namespaceOf(o.object) === ns,
    );
    let namespaceSelector: unknown;
    let resourceFilters: ResourceFilter[];
    let from: string;
    if (rendered !== undefined) {
        const data: Obj = isRecord(rendered.object.data) ? rendered.object.data : {};
        namespaceSelector = webhooksSelector(parseStructured(data.webhooks));
        resourceFilters = parseResourceFilters(String(data.resourceFilters ?? ""));
        from = `ConfigMap ${ns}/${configMapName} rendered from ${chart.resource.name}`;
    } else {
        // Remote chart: the values the stack gives; the chart adds its own namespace to both.
        const own =
            config.excludeKyvernoNamespace !== false
                ? [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [ns] }]
                : [];
        const given = webhooksSelector(config.webhooks);
        const selector: Obj = isRecord(given) ? structuredClone(given) : {};
        selector.matchExpressions = [
            ...(Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []),
            ...own,
        ];
        namespaceSelector = selector;
        const listed = Array.isArray(config.resourceFilters)
            ? parseResourceFilters(config.resourceFilters.map(String).join(" ")).filter(
                  (f) => !f.namespace.includes("{{") && !f.name.includes("{{"),
              )
            : [];
        resourceFilters = [
            ...listed,
            ...(config.excludeKyvernoNamespace !== false
                ? [{ kind: "*/*", namespace: ns, name: "*" }]
                : []),
        ];
        from = `values of ${chart.resource.name} (chart not rendered here)`;
        if (!Array.isArray(config.resourceFilters)) {
            notes.push(
                `Kyverno: ${chart.resource.name} is not rendered here, so the chart's default ` +
                    `resourceFilters are unknown; only Kyverno's own namespace is filtered.`,
            );
        }
    }
    // PolicyExceptions: the admission controller's flags when rendered, else the values (the
    // chart's default is off).
    const args = deploymentArgs(objects, ns, "kyverno-admission-controller");
    let exceptionsEnabled: boolean;
    let exceptionNamespace: string;
    if (args !== undefined && flag(args, "enablePolicyException").length > 0) {
        exceptionsEnabled = flag(args, "enablePolicyException").pop() === "true";
        exceptionNamespace = flag(args, "exceptionNamespace").pop() ?? "";
    } else {
        const pe: Obj = isRecord(values.features?.policyExceptions)
            ? values.features.policyExceptions
            : {};
        exceptionsEnabled = pe.enabled === true;
        exceptionNamespace = typeof pe.namespace === "string" ? pe.namespace : "";
    }
    if (!exceptionsEnabled && exceptions.length > 0) {
        notes.push(
            `Kyverno: PolicyExceptions are disabled (features.policyExceptions), so the stack's ` +
                `${exceptions.length} PolicyException(s) lift nothing.`,
        );
    }
    const ignored = exceptions.filter(
        (e) =>
            exceptionsEnabled &&
            exceptionNamespace !== "" &&
            exceptionNamespace !== "*" &&
            e.namespace !== exceptionNamespace,
    );
    if (ignored.length > 0) {
        notes.push(
            `Kyverno honours PolicyExceptions in namespace ${exceptionNamespace} only; ignored: ` +
                ignored.map((e) => `${e.namespace}/${e.name}`).join(", ") +
                ".",
        );
    }
    return {
        policies,
        exceptions,
        exceptionsEnabled,
        exceptionNamespace,
        namespaceSelector,
        resourceFilters,
        from,
    };
}

function readGatekeeper(
    objects: readonly SimObject[],
    charts: readonly SimChart[],
    notes: string[],
): (GatekeeperConfig & { releaseNamespace: string }) | undefined {
    const templates = new Map<string, Obj>();
    const constraints: GatekeeperConfig["constraints"][number][] = [];
    const configExcluded: string[] = [];
    for (const o of objects) {
        const obj = o.object;
        if (group(obj) === "templates.gatekeeper.sh" && obj.kind === "ConstraintTemplate") {
            const kind = obj.spec?.crd?.spec?.names?.kind;
            if (typeof kind === "string") {
                templates.set(kind, obj);
            }
        } else if (group(obj) === "constraints.gatekeeper.sh") {
            constraints.push({ resource: o.resource, object: obj });
        } else if (group(obj) === "config.gatekeeper.sh" && obj.kind === "Config") {
            for (const m of Array.isArray(obj.spec?.match) ? (obj.spec.match as Obj[]) : []) {
                const processes = Array.isArray(m.processes) ? m.processes.map(String) : [];
                if (processes.includes("*") || processes.includes("webhook")) {
                    configExcluded.push(
                        ...(Array.isArray(m.excludedNamespaces)
                            ? m.excludedNamespaces.map(String)
                            : []),
                    );
                }
            }
        }
    }
    if (constraints.length === 0) {
        return undefined;
    }
    for (const c of constraints) {
        if (!templates.has(String(c.object.kind))) {
            notes.push(
                `Gatekeeper: Constraint ${String(c.object.kind)} ${nameOf(c.object)} has no ` +
                    `ConstraintTemplate in the stack; it enforces nothing.`,
            );
        }
    }
    const chart = charts.find((c) => chartName(c.chart) === "gatekeeper");
    const releaseNamespace = chart?.namespace ?? "gatekeeper-system";
    const values: Obj = chart?.values ?? {};
    const webhookName =
        typeof values.validatingWebhookName === "string"
            ? values.validatingWebhookName
            : "gatekeeper-validating-webhook-configuration";
    const vwc = objects.find(
        (o) =>
            o.object.kind === "ValidatingWebhookConfiguration" && nameOf(o.object) === webhookName,
    );
    const hooks = (vwc?.object.webhooks ?? []) as Obj[];
    const validation = hooks.find((w) => w.name === "validation.gatekeeper.sh");
    let namespaceSelector: unknown;
    let objectSelector: unknown;
    let from: string;
    if (validation !== undefined) {
        namespaceSelector = validation.namespaceSelector;
        objectSelector = validation.objectSelector;
        from = `ValidatingWebhookConfiguration ${webhookName} rendered from ${chart?.resource.name ?? "the stack"}`;
    } else {
        // The chart's template: ignore-label namespaces, and validatingWebhookExemptNamespacesLabels
        // with the release namespace added to kubernetes.io/metadata.name.
        const exempt: Obj = isRecord(values.validatingWebhookExemptNamespacesLabels)
            ? structuredClone(values.validatingWebhookExemptNamespacesLabels)
            : {};
        const names = Array.isArray(exempt["kubernetes.io/metadata.name"])
            ? exempt["kubernetes.io/metadata.name"].map(String)
            : [];
        exempt["kubernetes.io/metadata.name"] = [...new Set([...names, releaseNamespace])];
        namespaceSelector = {
            matchExpressions: [
                { key: ignoreLabel, operator: "DoesNotExist" },
                ...Object.entries(exempt).map(([key, v]) => ({
                    key,
                    operator: "NotIn",
                    values: Array.isArray(v) ? v.map(String) : [],
                })),
            ],
        };
        objectSelector = values.validatingWebhookObjectSelector;
        from =
            chart !== undefined
                ? `values of ${chart.resource.name} (chart not rendered here)`
                : "no Gatekeeper chart in the stack (its chart's default webhook scope)";
    }
    const args = deploymentArgs(objects, releaseNamespace, "gatekeeper-controller-manager");
    const cm: Obj = isRecord(values.controllerManager) ? values.controllerManager : {};
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
    const ignoreLabelAllowed =
        args !== undefined
            ? {
                  names: flag(args, "exempt-namespace"),
                  prefixes: flag(args, "exempt-namespace-prefix"),
                  suffixes: flag(args, "exempt-namespace-suffix"),
              }
            : {
                  names: [releaseNamespace, ...list(cm.exemptNamespaces)],
                  prefixes: list(cm.exemptNamespacePrefixes),
                  suffixes: list(cm.exemptNamespaceSuffixes),
              };
    return {
        templates,
        constraints,
        namespaceSelector,
        objectSelector,
        ignoreLabelAllowed,
        configExcluded,
        webhook: values.disableValidatingWebhook !== true,
        from,
        releaseNamespace,
    };
}

function readLinkerd(
    objects: readonly SimObject[],
    charts: readonly SimChart[],
    notes: string[],
): LinkerdConfig | undefined {
    const chart = charts.find((c) => chartName(c.chart) === "linkerd-control-plane");
    const configMap = objects.find(
        (o) =>
            o.object.kind === "ConfigMap" &&
            nameOf(o.object) === "linkerd-config" &&
            (chart === undefined || namespaceOf(o.object) === chart.namespace),
    );
    const renderedValues = parseStructured(configMap?.object.data?.values);
    if (chart === undefined && !isRecord(renderedValues)) {
        return undefined;
    }
    let values: Obj;
    let from: string;
    if (isRecord(renderedValues)) {
        values = renderedValues;
        from = `ConfigMap ${namespaceOf(configMap!.object)}/linkerd-config`;
    } else {
        values = mergeValues(linkerdChartDefaults, chart!.values) as Obj;
        from = `values of ${chart!.resource.name} over the chart's defaults (chart not rendered here)`;
        notes.push(
            `Linkerd: ${chart!.resource.name} is not rendered here; the injected proxy is built ` +
                `from its values over the linkerd-control-plane 2026.8 defaults.`,
        );
    }
    if (!values.linkerdVersion && chart !== undefined) {
        notes.push("Linkerd: no linkerdVersion in the values; the proxy image has no tag here.");
    }
    const mwc = objects.find(
        (o) =>
            o.object.kind === "MutatingWebhookConfiguration" &&
            nameOf(o.object) === "linkerd-proxy-injector-webhook-config",
    );
    const hook = ((mwc?.object.webhooks ?? []) as Obj[]).find(
        (w) => w.name === "linkerd-proxy-injector.linkerd.io",
    );
    const injector: Obj = mergeValues(
        linkerdChartDefaults.proxyInjector,
        values.proxyInjector,
    ) as Obj;
    return {
        values,
        namespaceSelector: hook !== undefined ? hook.namespaceSelector : injector.namespaceSelector,
        objectSelector: hook !== undefined ? hook.objectSelector : injector.objectSelector,
        from,
    };
}

/** Other mutating webhooks that may change pods, which the simulation does not model. */
function otherPodMutators(objects: readonly SimObject[]): string[] {
    const out: string[] = [];
    for (const o of objects) {
        if (o.object.kind !== "MutatingWebhookConfiguration") {
            continue;
        }
        for (const w of (o.object.webhooks ?? []) as Obj[]) {
            if (w.name === "linkerd-proxy-injector.linkerd.io") {
                continue;
            }
            const rules = (w.rules ?? []) as Obj[];
            const pods = rules.some(
                (r) =>
                    Array.isArray(r.resources) &&
                    r.resources.some((x: unknown) => x === "*" || x === "pods" || x === "*/*") &&
                    Array.isArray(r.apiGroups) &&
                    r.apiGroups.some((g: unknown) => g === "" || g === "*"),
            );
            if (pods) {
                out.push(`${nameOf(o.object)}/${String(w.name)}`);
            }
        }
    }
    return out;
}

/** Reads the cluster from the stack's objects and charts. */
export function readCluster(objects: readonly SimObject[], charts: readonly SimChart[]): Cluster {
    const notes: string[] = [];
    const namespaces = new Map<string, ClusterNamespace>();
    for (const o of objects) {
        if (o.object.kind === "Namespace" && String(o.object.apiVersion) === "v1") {
            const name = nameOf(o.object);
            namespaces.set(name, {
                name,
                source: o,
                labels: { ...labelsOf(o.object), "kubernetes.io/metadata.name": name },
            });
        }
    }
    const mutators = otherPodMutators(objects);
    if (mutators.length > 0) {
        notes.push(
            `Mutating webhooks that may change pods and are not simulated: ${mutators.join(", ")}.`,
        );
    }
    const vaps = objects.filter((o) =>
        ["ValidatingAdmissionPolicy", "MutatingAdmissionPolicy"].includes(String(o.object.kind)),
    );
    if (vaps.length > 0) {
        notes.push(
            `Admission policies not simulated: ${vaps.map((v) => `${String(v.object.kind)} ${nameOf(v.object)}`).join(", ")}.`,
        );
    }
    const kyverno = readKyverno(objects, charts, notes);
    const gatekeeper = readGatekeeper(objects, charts, notes);
    const linkerd = readLinkerd(objects, charts, notes);
    return {
        namespaces,
        ...(kyverno !== undefined ? { kyverno } : {}),
        ...(gatekeeper !== undefined ? { gatekeeper } : {}),
        ...(linkerd !== undefined ? { linkerd } : {}),
        notes,
    };
}
