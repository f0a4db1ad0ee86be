/**
 * The per-stack policy-pack config derived from a stack's settings: what
 * `stacks/policy-config/<stack>/<pack>.json` holds (the format of `pulumi preview
 * --policy-pack-config`), one entry per policy the stack configures, each computed from the
 * validated settings as stacks/policy-config/README.md's table says. Pure: settings in, plain
 * objects out; `generate.ts` writes and checks the files.
 *
 * Every configurable policy of a pack is either derived here or named in {@link leftAtPackDefault}
 * with the reason its own default is every stack's (test/stacks/policy-config-generate.spec.ts
 * holds each pack to that), so a new policy with config cannot be forgotten.
 */
import type { Policies } from "@pulumi/policy";
import { certManagerChart } from "../../components/cert-manager/defaults";
import { falcoChart, falcosidekickChart } from "../../components/falco/defaults";
import { gatekeeperChart } from "../../components/gatekeeper/defaults";
import { kyvernoChart } from "../../components/kyverno/defaults";
import { linkerdCharts } from "../../components/linkerd/defaults";
import { platformImagesOf } from "../../components/platform/images";
import { PinnedChart, resolveChart } from "../../components/shared/chart-source";
import { policies as guardrailPolicies } from "../../policypacks/platform-guardrails/policies";
import { policies as workloadPolicies } from "../../policypacks/workload-security/policies";
import type { PlatformSettings } from "../../stacks";

/** One policy's entry in a pack config: its config values (and an `enforcementLevel` if set). */
export type PolicyEntry = Readonly<Record<string, unknown>>;

/** A pack config file: policy name → entry, in the order the file lists them. */
export type PackConfig = Readonly<Record<string, PolicyEntry>>;

/**
 * How one policy's entry follows from the settings; `undefined` leaves the policy out of the
 * file (it runs with the pack's defaults).
 */
type Derivation = (settings: PlatformSettings) => PolicyEntry | undefined;

/**
 * Built-in ClusterRoles of Kubernetes (the user-facing ones and every `system:` role): the program
 * never creates one, so none is listed at preview even where Gatekeeper exempts it.
 */
function isBuiltInRole(name: string): boolean {
    return ["cluster-admin", "admin", "edit", "view"].includes(name) || name.startsWith("system:");
}

/** A repository URL without trailing slashes (the packs ignore them when matching). */
function withoutTrailingSlash(url: string): string {
    return url.replace(/\/+$/, "");
}

/** The distinct values, first occurrence kept. */
function distinct(values: readonly string[]): string[] {
    return [...new Set(values)];
}

/**
 * The charts a stack installs, pinned as the components pin them, in the order the files list
 * their sources: the admission controllers (Gatekeeper, Kyverno), then Falco, cert-manager and
 * Linkerd.
 */
function chartsOf(settings: PlatformSettings): PinnedChart[] {
    return [
        ...(settings.gatekeeper.enabled ? [gatekeeperChart] : []),
        ...(settings.kyverno.enabled ? [kyvernoChart] : []),
        ...(settings.falco.enabled ? [falcoChart] : []),
        ...(settings.falco.enabled && settings.falco.alerts.mode === "falcosidekick"
            ? [falcosidekickChart]
            : []),
        ...(settings.certManager.enabled ? [certManagerChart] : []),
        ...(settings.linkerd.enabled
            ? [linkerdCharts.crds, linkerdCharts.cni, linkerdCharts.controlPlane]
            : []),
    ];
}

/**
 * `charts-allowed-sources`: the repository each installed chart resolves to (its override, else
 * the chart mirror, else its upstream repository), plus `charts.mirror.url` and every
 * `charts.overrides.*.repository`; local charts only when an override uses `localPath`.
 */
const chartSources: Derivation = (settings) => {
    const { charts } = settings;
    const resolved = chartsOf(settings)
        .map((chart) => resolveChart(chart, charts))
        .filter((chart) => chart.origin !== "local")
        .map((chart) => chart.location);
    const overrides = Object.values(charts.overrides);
    return {
        allowedSources: distinct(
            [
                ...resolved,
                ...(charts.mirror !== undefined ? [charts.mirror.url] : []),
                ...overrides.flatMap((o) => (o.repository !== undefined ? [o.repository] : [])),
            ].map(withoutTrailingSlash),
        ),
        allowLocalCharts: overrides.some((o) => o.localPath !== undefined),
    };
};

/**
 * `charts-images-allowed-registries`: with `images.mirror`, the mirror alone (every platform image
 * is pulled through it); without, the repository path of each upstream image the installed
 * components pin (`quay.io/jetstack/` for `quay.io/jetstack/cert-manager-controller:v1.21.1`).
 */
const chartImageRegistries: Derivation = (settings) => {
    const mirror = settings.images.mirror;
    if (mirror !== undefined) {
        return { allowedRegistries: [`${mirror}/`] };
    }
    return {
        allowedRegistries: distinct(
            platformImagesOf(settings).map((image) => image.slice(0, image.lastIndexOf("/") + 1)),
        ),
    };
};

/**
 * `secrets-no-key-material-in-state`: written only for a stack that brings every key from outside
 * (the pack's default, false, is every other stack's): cert-manager's CA and Linkerd's trust
 * anchor external where installed, and only kms (or identity) encryption keys.
 */
const externalKeyMaterial: Derivation = (settings) => {
    const bringsEveryKey =
        (!settings.certManager.enabled || settings.certManager.externalCa !== undefined) &&
        (!settings.linkerd.enabled || settings.linkerd.externalTrustAnchor !== undefined) &&
        settings.encryptionAtRest.keys.every(
            (k) => k.provider === "kms" || k.provider === "identity",
        );
    return bringsEveryKey ? { externalKeyMaterial: true } : undefined;
};

/** An allow list no stack setting feeds: written empty, so the file shows nothing is exempt. */
function emptyList(key: string): Derivation {
    return () => ({ [key]: [] });
}

/** The namespaces the exemption records take out of the pod-security-* policies. */
function podSecurityExemptNamespaces(settings: PlatformSettings): string[] {
    return distinct(
        settings.admissionExemptions
            .filter(
                (e) =>
                    e.podSecurity !== undefined ||
                    (e.policies as readonly string[]).includes("pod-security"),
            )
            .map((e) => e.namespace),
    );
}

/** The pod-security-* policies: every policy of workload-security configured with a `level`. */
function podSecurityPolicies(): string[] {
    return workloadPolicies
        .filter((p) => p.configSchema?.properties.level !== undefined)
        .map((p) => p.name);
}

/** Per pack, the derived policies in the order the file lists them. */
function derivations(): Readonly<Record<string, readonly (readonly [string, Derivation])[]>> {
    return {
        "platform-guardrails": [
            [
                "rbac-no-wildcards",
                // The pack takes exact names: the roles gatekeeper.rbacWildcardExemptRoles names
                // exactly, but no Kubernetes built-in one (a prefix such as `kyverno:*` has no
                // counterpart at preview).
                (s) => ({
                    allowedRoles: s.gatekeeper.rbacWildcardExemptRoles.filter(
                        (r) => !r.endsWith("*") && !isBuiltInRole(r),
                    ),
                }),
            ],
            ["rbac-no-escalate-bind-impersonate", emptyList("allowedRoles")],
            ["rbac-no-anonymous-bindings", emptyList("allowedBindings")],
            ["rbac-restrict-cluster-admin", emptyList("allowedBindings")],
            ["services-restrict-exposure", emptyList("allowedServices")],
            [
                "namespaces-pod-security-enforce",
                (s) => ({
                    privilegedNamespaces: s.systemNamespaces
                        .filter((ns) => ns.podSecurity === "privileged")
                        .map((ns) => ns.name),
                }),
            ],
            ["charts-allowed-sources", chartSources],
            ["charts-images-allowed-registries", chartImageRegistries],
            ["charts-no-helm-release", emptyList("allowedReleases")],
            ["network-default-deny", emptyList("exemptNamespaces")],
            [
                "namespaces-required-labels",
                (s) => ({
                    requiredLabels: [...s.gatekeeper.requiredNamespaceLabels],
                    exemptNamespaces: [...s.gatekeeper.exemptNamespaces],
                }),
            ],
            ["secrets-no-key-material-in-state", externalKeyMaterial],
        ],
        "workload-security": [
            ...podSecurityPolicies().map((name): readonly [string, Derivation] => [
                name,
                (s) => ({
                    level: s.workloads.podSecurityLevel,
                    exemptNamespaces: podSecurityExemptNamespaces(s),
                }),
            ]),
            [
                "images-allowed-registries",
                (s) => ({ allowedRegistries: [...s.workloads.allowedRegistries] }),
            ],
            ["images-require-digest", (s) => ({ requireDigest: s.workloads.requireImageDigests })],
            [
                "service-account-token-opt-in",
                (s) => ({
                    allowedWorkloads: [],
                    exemptWorkloads: distinct(
                        s.admissionExemptions
                            .filter((e) =>
                                (e.policies as readonly string[]).includes(
                                    "service-account-token-opt-in",
                                ),
                            )
                            .flatMap((e) => e.workloads.map((w) => `${e.namespace}/${w}`)),
                    ),
                }),
            ],
        ],
    };
}

/**
 * Configurable policies every stack runs with the pack's own defaults, by pack, each with the
 * reason. No stack setting feeds them, and they are left out of the files.
 */
export const leftAtPackDefault: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    "platform-guardrails": {
        "rbac-aggregated-roles": "no aggregated ClusterRole is exempt (empty allow list)",
        "secrets-no-credentials-in-configmaps": "no ConfigMap key is ignored",
        "secrets-no-credentials-in-env": "no name is ignored",
        "network-no-allow-all": "no NetworkPolicy may open traffic to every peer",
    },
    "workload-security": {
        "persistent-volumes-no-host-path": "no PersistentVolume may expose a node directory",
        "workloads-no-pod-spec-patches": "no patch may set a pod spec",
        "resources-requests-limits": "cpu and memory requests and limits, the pack's own",
        "probes-readiness-liveness": "readiness and liveness probes, the pack's own",
    },
};

/** The policies of each pack, by pack folder name under `policypacks/`. */
export const packPolicies: Readonly<Record<string, Policies>> = {
    "platform-guardrails": guardrailPolicies,
    "workload-security": workloadPolicies,
};

/** The packs the generator writes a config for, sorted. */
export function derivedPacks(): string[] {
    return Object.keys(derivations()).sort();
}

/** The policies a pack's config may derive, in file order (whether or not a stack writes them). */
export function derivedPolicies(pack: string): string[] {
    return (derivations()[pack] ?? []).map(([name]) => name);
}

/**
 * The config of one pack for a stack's settings. Throws, naming the file to extend, for a pack
 * the generator has no derivation for.
 */
export function packConfigOf(pack: string, settings: PlatformSettings): PackConfig {
    const table = derivations()[pack];
    if (table === undefined) {
        throw new Error(
            `policypacks/${pack}: no derivation of its config from the stack settings; add the ` +
                `pack to derivations() in tools/policy-config/derive.ts (known: ` +
                `${derivedPacks().join(", ")})`,
        );
    }
    const config: Record<string, PolicyEntry> = {};
    for (const [name, derive] of table) {
        const entry = derive(settings);
        if (entry !== undefined) {
            config[name] = entry;
        }
    }
    return config;
}
