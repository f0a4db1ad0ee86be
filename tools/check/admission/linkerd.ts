/**
 * Linkerd's proxy injector, simulated for admission: which pods it injects (its webhook's
 * namespaceSelector and objectSelector, the `linkerd.io/inject` annotation of the pod or else its
 * namespace, no host network, not already meshed) and what it adds, as far as admission judges it:
 * the containers' names, images, security contexts, resources and restart policy, and the volumes.
 *
 * What is added follows the control plane's `patch.json` and the `partials` templates
 * (`partials.proxy`, `partials.network-validator`, `partials.proxy-init`, `partials.resources`,
 * `partials.proxy.capabilities`) with the values the injector reads: the `values` of the
 * linkerd-config ConfigMap when the chart was rendered here, else the chart's values over the
 * defaults below (linkerd-control-plane 2026.8.x). Environment, probes, ports, annotations and
 * labels are left out: no admission rule of the platform reads them.
 */
import { isRecord } from "../values";
import { annotationsOf, labelsOf, selectorMatches } from "./selectors";
import { Obj } from "./types";

/** Defaults of the linkerd-control-plane chart the injector reads (values.yaml, 2026.8.x). */
export const linkerdChartDefaults: Obj = {
    linkerdVersion: "",
    cniEnabled: false,
    proxy: {
        image: { name: "cr.l5d.io/linkerd/proxy", version: "", pullPolicy: "" },
        uid: 2102,
        gid: -1,
        securityContext: {},
        nativeSidecar: true,
        await: true,
        resources: {
            cpu: { limit: "", request: "" },
            memory: { limit: "", request: "" },
            "ephemeral-storage": { limit: "", request: "" },
        },
    },
    proxyInit: {
        runAsRoot: false,
        runAsUser: 65534,
        runAsGroup: 65534,
        privileged: false,
        closeWaitTimeoutSecs: 0,
    },
    networkValidator: {
        securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            runAsGroup: 65534,
            runAsNonRoot: true,
            runAsUser: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        },
    },
    identity: { serviceAccountTokenProjection: true },
    imagePullPolicy: "IfNotPresent",
    proxyInjector: {
        namespaceSelector: {
            matchExpressions: [
                {
                    key: "config.linkerd.io/admission-webhooks",
                    operator: "NotIn",
                    values: ["disabled"],
                },
                {
                    key: "kubernetes.io/metadata.name",
                    operator: "NotIn",
                    values: ["kube-system", "cert-manager"],
                },
            ],
        },
        objectSelector: {
            matchExpressions: [
                { key: "linkerd.io/control-plane-component", operator: "DoesNotExist" },
                { key: "linkerd.io/cni-resource", operator: "DoesNotExist" },
            ],
        },
    },
};

/** The injector as installed. */
export interface LinkerdConfig {
    /** The values the injector renders the proxy with. */
    readonly values: Obj;
    readonly namespaceSelector: unknown;
    readonly objectSelector: unknown;
    readonly from: string;
}

/** Helm's value merge: maps merge, everything else replaces. */
export function mergeValues(base: unknown, over: unknown): unknown {
    if (isRecord(base) && isRecord(over)) {
        const out: Obj = { ...base };
        for (const [k, v] of Object.entries(over)) {
            out[k] = v === null ? undefined : mergeValues(base[k], v);
        }
        return out;
    }
    return over === undefined ? base : over;
}

/** The proxy image the injector adds. */
export function proxyImage(values: Obj): string {
    const image = isRecord(values.proxy?.image) ? values.proxy.image : {};
    const version = image.version || values.linkerdVersion;
    return `${String(image.name)}:${String(version)}`;
}

/** Whether the injector injects this pod, and why (not). */
export function injectionDecision(
    config: LinkerdConfig,
    pod: Obj,
    namespace: Obj | undefined,
    namespaceLabels: Record<string, string>,
): { inject: boolean; why: string } {
    if (!selectorMatches(config.namespaceSelector, namespaceLabels)) {
        return { inject: false, why: "namespace outside the proxy injector's namespaceSelector" };
    }
    if (!selectorMatches(config.objectSelector, labelsOf(pod))) {
        return { inject: false, why: "pod outside the proxy injector's objectSelector" };
    }
    const own = annotationsOf(pod)["linkerd.io/inject"];
    const inherited =
        namespace !== undefined ? annotationsOf(namespace)["linkerd.io/inject"] : undefined;
    const mode = own ?? inherited;
    if (mode !== "enabled" && mode !== "ingress") {
        return {
            inject: false,
            why:
                mode === undefined
                    ? "no linkerd.io/inject annotation on the pod or its namespace"
                    : `linkerd.io/inject: ${mode} (${own !== undefined ? "pod" : "namespace"})`,
        };
    }
    if (pod.spec?.hostNetwork === true) {
        return { inject: false, why: "host network pods are never injected" };
    }
    const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])] as Obj[];
    if (all.some((c) => isRecord(c) && c.name === "linkerd-proxy")) {
        return { inject: false, why: "already has a linkerd-proxy container" };
    }
    return {
        inject: true,
        why: `linkerd.io/inject: ${mode} (${own !== undefined ? "pod" : "namespace"})`,
    };
}

/** `partials.resources` of one resources block (`{cpu: {limit, request}, ...}`). */
function resources(block: unknown): Obj {
    const r = isRecord(block) ? block : {};
    const pick = (field: "limit" | "request"): Obj => {
        const out: Obj = {};
        for (const name of ["cpu", "memory", "ephemeral-storage"]) {
            const v = isRecord(r[name]) ? r[name][field] : undefined;
            if (v !== undefined && v !== null && v !== "") {
                out[name] = String(v);
            }
        }
        return out;
    };
    const limits = pick("limit");
    const requests = pick("request");
    return {
        ...(Object.keys(limits).length > 0 ? { limits } : {}),
        ...(Object.keys(requests).length > 0 ? { requests } : {}),
    };
}

/** The values for one pod: the `config.linkerd.io/*` annotations of the namespace, then the pod. */
function valuesFor(config: LinkerdConfig, pod: Obj, namespace: Obj | undefined): Obj {
    const values = structuredClone(config.values);
    const annotations = {
        ...(namespace !== undefined ? annotationsOf(namespace) : {}),
        ...annotationsOf(pod),
    };
    const proxy: Obj = (values.proxy ??= {});
    proxy.image ??= {};
    proxy.resources ??= {};
    const set = (annotation: string, apply: (v: string) => void): void => {
        const v = annotations[`config.linkerd.io/${annotation}`];
        if (v !== undefined) {
            apply(v);
        }
    };
    set("proxy-image", (v) => (proxy.image.name = v));
    set("proxy-version", (v) => (proxy.image.version = v));
    set("proxy-uid", (v) => (proxy.uid = Number(v)));
    set("proxy-gid", (v) => (proxy.gid = Number(v)));
    for (const [annotation, resource, field] of [
        ["proxy-cpu-limit", "cpu", "limit"],
        ["proxy-cpu-request", "cpu", "request"],
        ["proxy-memory-limit", "memory", "limit"],
        ["proxy-memory-request", "memory", "request"],
        ["proxy-ephemeral-storage-limit", "ephemeral-storage", "limit"],
        ["proxy-ephemeral-storage-request", "ephemeral-storage", "request"],
    ] as const) {
        set(annotation, (v) => {
            proxy.resources[resource] = { ...(proxy.resources[resource] ?? {}), [field]: v };
        });
    }
    set("proxy-await", (v) => (proxy.await = v === "enabled"));
    set("proxy-native-sidecar", (v) => (proxy.nativeSidecar = v === "true"));
    return values;
}

/** The linkerd-proxy container, as `partials.proxy` renders it (admission-relevant fields). */
function proxyContainer(values: Obj): Obj {
    const proxy: Obj = values.proxy ?? {};
    let securityContext: Obj;
    if (isRecord(proxy.securityContext) && Object.keys(proxy.securityContext).length > 0) {
        securityContext = structuredClone(proxy.securityContext);
    } else {
        securityContext = { allowPrivilegeEscalation: false };
        if (isRecord(proxy.capabilities)) {
            const caps: Obj = {};
            if (Array.isArray(proxy.capabilities.add) && proxy.capabilities.add.length > 0) {
                caps.add = [...proxy.capabilities.add];
            }
            if (Array.isArray(proxy.capabilities.drop) && proxy.capabilities.drop.length > 0) {
                caps.drop = [...proxy.capabilities.drop];
            }
            securityContext.capabilities = caps;
        }
        securityContext.readOnlyRootFilesystem = true;
        securityContext.runAsNonRoot = true;
        securityContext.runAsUser = Number(proxy.uid);
        if (Number(proxy.gid) >= 0) {
            securityContext.runAsGroup = Number(proxy.gid);
        }
        securityContext.seccompProfile = { type: "RuntimeDefault" };
    }
    const r = resources(proxy.resources);
    return {
        name: "linkerd-proxy",
        image: proxyImage(values),
        imagePullPolicy: proxy.image?.pullPolicy || values.imagePullPolicy,
        ...(Object.keys(r).length > 0 ? { resources: r } : {}),
        securityContext,
        ...(proxy.nativeSidecar === true ? { restartPolicy: "Always" } : {}),
    };
}

/** The first init container: the CNI's network validator, or linkerd-init without the CNI. */
function initContainer(values: Obj): Obj {
    const proxy: Obj = values.proxy ?? {};
    const base = {
        image: proxyImage(values),
        imagePullPolicy: proxy.image?.pullPolicy || values.imagePullPolicy,
        resources: resources(proxy.resources),
    };
    if (values.cniEnabled === true) {
        const nv: Obj = values.networkValidator ?? {};
        const sc =
            isRecord(nv.securityContext) && Object.keys(nv.securityContext).length > 0
                ? structuredClone(nv.securityContext)
                : structuredClone(linkerdChartDefaults.networkValidator.securityContext);
        return {
            name: "linkerd-network-validator",
            ...base,
            ...(nv.enableSecurityContext !== false ? { securityContext: sc } : {}),
        };
    }
    const init: Obj = values.proxyInit ?? {};
    const elevated = Boolean(init.closeWaitTimeoutSecs) || init.privileged === true;
    const capabilities: Obj = {
        add: [
            "NET_ADMIN",
            "NET_RAW",
            ...(Array.isArray(init.capabilities?.add) ? init.capabilities.add : []),
        ],
    };
    if (Array.isArray(init.capabilities?.drop) && init.capabilities.drop.length > 0) {
        capabilities.drop = [...init.capabilities.drop];
    }
    const user =
        init.runAsRoot === true
            ? { runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 }
            : {
                  runAsNonRoot: true,
                  runAsUser: Number(init.runAsUser) === 0 ? 65534 : Number(init.runAsUser ?? 65534),
                  runAsGroup:
                      Number(init.runAsGroup) === 0 ? 65534 : Number(init.runAsGroup ?? 65534),
              };
    return {
        name: "linkerd-init",
        ...base,
        securityContext: {
            allowPrivilegeEscalation: elevated,
            capabilities,
            privileged: elevated,
            ...user,
            readOnlyRootFilesystem: true,
            seccompProfile: { type: "RuntimeDefault" },
        },
    };
}

/** The pod after injection (patch.json's order: the init container, then the native sidecar). */
export function injectProxy(config: LinkerdConfig, pod: Obj, namespace: Obj | undefined): Obj {
    const values = valuesFor(config, pod, namespace);
    const out = structuredClone(pod);
    const spec: Obj = (out.spec ??= {});
    const volumes: Obj[] = Array.isArray(spec.volumes) ? spec.volumes : [];
    const inits: Obj[] = Array.isArray(spec.initContainers) ? spec.initContainers : [];
    const containers: Obj[] = Array.isArray(spec.containers) ? spec.containers : [];
    const native = values.proxy?.nativeSidecar === true;
    let index = native ? 0 : inits.length;
    if (values.cniEnabled !== true) {
        volumes.push({ emptyDir: {}, name: "linkerd-proxy-init-xtables-lock" });
    }
    inits.splice(index++, 0, initContainer(values));
    volumes.push({ name: "linkerd-identity-end-entity", emptyDir: { medium: "Memory" } });
    if (values.identity?.serviceAccountTokenProjection === true) {
        volumes.push({
            name: "linkerd-identity-token",
            projected: {
                sources: [
                    {
                        serviceAccountToken: {
                            path: "linkerd-identity-token",
                            expirationSeconds: 86400,
                            audience: "identity.l5d.io",
                        },
                    },
                ],
            },
        });
    }
    const proxy = proxyContainer(values);
    if (native) {
        inits.splice(index, 0, proxy);
    } else if (values.proxy?.await === true) {
        containers.unshift(proxy);
    } else {
        containers.push(proxy);
    }
    spec.volumes = volumes;
    spec.initContainers = inits;
    spec.containers = containers;
    return out;
}
