/**
 * Per-component overrides of the {@link Platform}: the supported way for a platform team to give a
 * component extra arguments, to create it with its own factory (a subclass, a wrapper or a
 * replacement with the same public shape), or to switch an optional component off with a reason
 * that the offline check's report shows. No override: the platform is built exactly as before.
 *
 * See docs/extending.md ("A wrapped component", "A replaced or reconfigured component").
 */
import * as pulumi from "@pulumi/pulumi";
import { closestKey } from "../../contract/suggest";
import type { AuditPolicy, AuditPolicyArgs } from "../audit-policy";
import type { BreakGlass, BreakGlassArgs } from "../break-glass";
import type { CertManager, CertManagerArgs } from "../cert-manager";
import type { ControlPlane, ControlPlaneArgs } from "../control-plane";
import type { EncryptionAtRest, EncryptionAtRestArgs } from "../encryption-at-rest";
import type { Falco, FalcoArgs } from "../falco";
import type { Gatekeeper, GatekeeperArgs } from "../gatekeeper";
import type { KubeletHardening, KubeletHardeningArgs } from "../kubelet-hardening";
import type { Kyverno, KyvernoArgs } from "../kyverno";
import type { Linkerd, LinkerdArgs } from "../linkerd";
import type { PlatformNetwork, PlatformNetworkArgs } from "../platform-network";
import type { SystemNamespaces, SystemNamespacesArgs } from "../system-namespaces";
import type { TenantNamespace, TenantNamespaceArgs } from "../tenant-namespace";
import type { PlatformImageSettings } from "./images";

/**
 * The public shape of a component class `C`: every public member of `C` (what the platform and
 * the other components read), on a `pulumi.ComponentResource`. A subclass of `C` has it, and so
 * does a team's own `ComponentResource` that declares the same public members; private members
 * of `C` are not part of it.
 */
export type ComponentShape<C> = { readonly [K in keyof C]: C[K] } & pulumi.ComponentResource;

/**
 * Creates a component in place of the platform's own: called with the name, the arguments (derived
 * from the stack settings, with the platform's wiring) and the options (parent layer, readiness
 * gates) the platform would have used. Keep the name and the options, so that the component sits
 * where the original did and every other resource of the platform keeps its URN.
 */
export type ComponentFactory<A, C> = (
    name: string,
    args: A,
    opts: pulumi.ComponentResourceOptions,
) => ComponentShape<C>;

/**
 * Extra arguments, merged over the ones derived from the stack settings (shallow: each field given
 * replaces the derived field whole). The component validates the result as it validates the
 * settings, and the policy packs judge what it creates.
 */
export interface ArgsOverride<A> {
    /** The arguments to set. */
    readonly args: Partial<A>;
    readonly factory?: never;
    readonly disabled?: never;
}

/** A factory that creates the component (see {@link ComponentFactory}). */
export interface FactoryOverride<A, C> {
    /** Creates the component with the platform's name, arguments and options. */
    readonly factory: ComponentFactory<A, C>;
    readonly args?: never;
    readonly disabled?: never;
}

/** The component is not created; the reason is listed in the check's report. */
export interface DisabledOverride {
    /** Why the platform runs without the component (one line: who decided, and what replaces it). */
    readonly disabled: { readonly reason: string };
    readonly args?: never;
    readonly factory?: never;
}

/**
 * An override of a component the platform cannot run without: extra arguments or a factory.
 * `W` are the arguments the platform wires itself (gates, other components); they cannot be set.
 */
export type MandatoryComponentOverride<A, C, W extends keyof A = never> =
    | ArgsOverride<Omit<A, W>>
    | FactoryOverride<A, C>;

/** An override of an optional component: extra arguments, a factory, or disabled with a reason. */
export type ComponentOverride<A, C, W extends keyof A = never> =
    | MandatoryComponentOverride<A, C, W>
    | DisabledOverride;

/**
 * The overrides the {@link Platform} accepts, one optional entry per component. `tenantNamespace`
 * applies to every tenant (its factory is called once per tenant); `platformNetwork` to every
 * platform namespace's NetworkPolicies.
 */
export interface PlatformOverrides {
    readonly systemNamespaces?: MandatoryComponentOverride<SystemNamespacesArgs, SystemNamespaces>;
    readonly encryptionAtRest?: MandatoryComponentOverride<EncryptionAtRestArgs, EncryptionAtRest>;
    readonly auditPolicy?: MandatoryComponentOverride<AuditPolicyArgs, AuditPolicy>;
    readonly controlPlane?: MandatoryComponentOverride<ControlPlaneArgs, ControlPlane>;
    readonly kubeletHardening?: MandatoryComponentOverride<
        KubeletHardeningArgs,
        KubeletHardening,
        "controlPlane"
    >;
    readonly gatekeeper?: ComponentOverride<GatekeeperArgs, Gatekeeper, "networkPolicies">;
    readonly kyverno?: ComponentOverride<KyvernoArgs, Kyverno, "networkPolicies">;
    readonly certManager?: ComponentOverride<CertManagerArgs, CertManager, "networkPolicies">;
    readonly linkerd?: ComponentOverride<
        LinkerdArgs,
        Linkerd,
        "networkPolicies" | "cniNetworkPolicies" | "certManager" | "cniSystemNamespace"
    >;
    readonly falco?: ComponentOverride<
        FalcoArgs,
        Falco,
        "networkPolicies" | "certManager" | "systemNamespace"
    >;
    readonly platformNetwork?: MandatoryComponentOverride<
        PlatformNetworkArgs,
        PlatformNetwork,
        "namespace" | "namespaceName"
    >;
    readonly tenantNamespace?: MandatoryComponentOverride<
        TenantNamespaceArgs,
        TenantNamespace,
        "namespace" | "reservedNamespaces"
    >;
    readonly breakGlass?: MandatoryComponentOverride<BreakGlassArgs, BreakGlass>;
}

/** The name of an overridable component (a key of {@link PlatformOverrides}). */
export type OverridableComponent = keyof PlatformOverrides;

/** A component the platform does not run, and why (the check's report lists them). */
export interface DisabledComponent {
    /** The component (a key of {@link PlatformOverrides}). */
    readonly component: string;
    /** Why: the override's reason, or the stack setting that turns it off. */
    readonly reason: string;
}

/** What the platform must know of each overridable component. */
interface ComponentRule {
    /**
     * Why the component cannot be disabled (it is mandatory), or undefined when it can: the
     * optional ones are those the stack settings can switch off too (`<component>.enabled`).
     */
    readonly mandatory?: string;
    /** The arguments the platform wires itself, and why. */
    readonly wired: Readonly<Record<string, string>>;
}

const gateWiring =
    "the platform's gate: the component's charts wait for it until its namespace's NetworkPolicies exist";

/**
 * Every overridable component: which are mandatory (and why) and which arguments the platform
 * wires. A component is mandatory when its absence breaks the contour's fail-closed posture.
 */
const componentRules: Readonly<Record<OverridableComponent, ComponentRule>> = {
    systemNamespaces: {
        mandatory:
            "the platform's namespaces and their Pod Security levels are the bootstrap gate every other layer waits for",
        wired: {},
    },
    encryptionAtRest: {
        mandatory: "without it the API server stores Secrets in etcd in plain text",
        wired: {},
    },
    auditPolicy: {
        mandatory: "without it the API server keeps no audit trail",
        wired: {},
    },
    controlPlane: {
        mandatory:
            "without it the API server runs without the platform's authentication, admission and TLS hardening",
        wired: {},
    },
    kubeletHardening: {
        mandatory:
            "without it the kubelet runs unhardened and the kubeadm documents lose the encryption and audit flags",
        wired: {
            controlPlane:
                "the encryption-at-rest, audit and control-plane flags and mounts the kubeadm documents carry",
        },
    },
    gatekeeper: { wired: { networkPolicies: gateWiring } },
    kyverno: { wired: { networkPolicies: gateWiring } },
    certManager: { wired: { networkPolicies: gateWiring } },
    linkerd: {
        wired: {
            networkPolicies: gateWiring,
            cniNetworkPolicies: gateWiring,
            certManager: "the platform's cert-manager, which issues the mesh's identity issuer",
            cniSystemNamespace: "the platform's system namespace the CNI plugin runs in",
        },
    },
    falco: {
        wired: {
            networkPolicies: gateWiring,
            certManager: "the platform's cert-manager, which issues falcosidekick's certificate",
            systemNamespace: "the platform's system namespace Falco runs in",
        },
    },
    platformNetwork: {
        mandatory:
            "without it the platform's namespaces run without default-deny NetworkPolicies, and their charts never start",
        wired: {
            namespace: "the platform namespace the policies isolate",
            namespaceName: "the platform namespace the policies isolate",
        },
    },
    tenantNamespace: {
        mandatory:
            "a tenant's guardrails (Pod Security, default deny, quota, RBAC) live in it; to remove a tenant, remove it from the stack's tenants",
        wired: {
            namespace: "each tenant's own namespace, from the stack's tenants",
            reservedNamespaces: "the platform's namespaces, which no tenant may take",
        },
    },
    breakGlass: {
        mandatory:
            "emergency access stays time-boxed and recorded; with breakGlass.enabled false it binds nothing",
        wired: {},
    },
};

/** The overridable components, in the platform's order. */
export const overridableComponents = Object.keys(componentRules) as OverridableComponent[];

/** The components that can be disabled (the optional ones). */
export const optionalComponents = overridableComponents.filter(
    (c) => componentRules[c].mandatory === undefined,
);

/**
 * The switches of the optional components in the stack settings (`<component>.enabled`): what
 * also decides which images a stack installs.
 */
export type OptionalComponentSwitches = PlatformImageSettings;

/** One component's override, checked. */
export type ResolvedOverride =
    | { readonly kind: "none" }
    | { readonly kind: "args"; readonly args: Readonly<Record<string, unknown>> }
    | { readonly kind: "factory"; readonly factory: ComponentFactory<unknown, unknown> }
    | { readonly kind: "disabled"; readonly reason: string };

/** The overrides, checked: each component's, and the components that are off and why. */
export interface ResolvedOverrides {
    /** The override of one component (`none` when it has none). */
    of(component: OverridableComponent): ResolvedOverride;
    /** Whether an optional component runs: enabled in the settings and not disabled here. */
    runs(component: keyof OptionalComponentSwitches): boolean;
    /** The components that do not run, in the platform's order, each with its reason. */
    readonly disabled: readonly DisabledComponent[];
}

/** A value as an error message shows it: JSON, at most 200 characters. */
function shown(value: unknown): string {
    if (typeof value === "function") {
        return "a function";
    }
    let text: string;
    try {
        text =
            JSON.stringify(value, (_key, v: unknown) =>
                typeof v === "function" ? "<function>" : v,
            ) ?? String(value);
    } catch {
        // A resource among the values (a circular structure): name the keys instead.
        text = isPlainObject(value)
            ? `an object with ${Object.keys(value).join(", ")}`
            : Object.prototype.toString.call(value);
    }
    return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return (
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value) &&
        (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)
    );
}

function list(items: readonly string[]): string {
    return items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/**
 * Checks the platform's overrides against the stack settings and returns them resolved. Throws
 * one error listing every problem, each naming the override, the value and what is expected: an
 * unknown component, an override that is not exactly one of `args`, `factory` or `disabled`, an
 * argument the platform wires itself, a disabled mandatory component, a disable without a reason,
 * and a disable that leaves an enabled component without the one it needs (Linkerd and
 * falcosidekick need cert-manager; at least one of Gatekeeper and Kyverno keeps admission).
 */
export function resolveOverrides(
    overrides: unknown,
    settings: OptionalComponentSwitches,
    platform?: pulumi.Resource,
): ResolvedOverrides {
    const problems: string[] = [];
    const resolved = new Map<OverridableComponent, ResolvedOverride>();
    if (overrides !== undefined && !isPlainObject(overrides)) {
        problems.push(
            `overrides is ${shown(overrides)}; expected an object with one entry per component to override (${list(overridableComponents)})`,
        );
    }
    for (const [key, value] of Object.entries(isPlainObject(overrides) ? overrides : {})) {
        const at = `overrides.${key}`;
        if (!Object.hasOwn(componentRules, key)) {
            const near = closestKey(key, overridableComponents);
            const hint = near !== undefined ? ` (did you mean "${near}"?)` : "";
            problems.push(
                `${at}: unknown component ${JSON.stringify(key)}${hint}; expected one of ${list(overridableComponents)}`,
            );
            continue;
        }
        const component = key as OverridableComponent;
        const rule = componentRules[component];
        if (value === undefined) {
            continue;
        }
        const kinds = isPlainObject(value)
            ? Object.keys(value).filter((k) => value[k] !== undefined)
            : [];
        const allowed =
            rule.mandatory === undefined ? ["args", "factory", "disabled"] : ["args", "factory"];
        if (
            !isPlainObject(value) ||
            kinds.length !== 1 ||
            !["args", "factory", "disabled"].includes(kinds[0])
        ) {
            problems.push(
                `${at} is ${shown(value)}; expected an object with exactly one of ${list(allowed.map((k) => `"${k}"`))}`,
            );
            continue;
        }
        const kind = kinds[0];
        const given = value[kind];
        if (kind === "args") {
            if (!isPlainObject(given)) {
                problems.push(
                    `${at}.args is ${shown(given)}; expected an object of ${component} arguments`,
                );
                continue;
            }
            const wired = Object.keys(given).filter((k) => Object.hasOwn(rule.wired, k));
            for (const k of wired) {
                problems.push(
                    `${at}.args.${k}: set by the platform (${rule.wired[k]}); expected no ${k} in the override`,
                );
            }
            if (wired.length === 0) {
                resolved.set(component, { kind: "args", args: given });
            }
        } else if (kind === "factory") {
            if (typeof given !== "function") {
                problems.push(
                    `${at}.factory is ${shown(given)}; expected a function (name, args, opts) that creates the component`,
                );
                continue;
            }
            resolved.set(component, {
                kind: "factory",
                factory: given as ComponentFactory<unknown, unknown>,
            });
        } else if (rule.mandatory !== undefined) {
            problems.push(
                `${at}.disabled: ${component} cannot be disabled (${rule.mandatory}); expected "args" or "factory"`,
            );
        } else {
            const reason = isPlainObject(given) ? given.reason : undefined;
            if (typeof reason !== "string" || reason.trim() === "" || /[\r\n]/.test(reason)) {
                problems.push(
                    `${at}.disabled.reason is ${shown(reason)}; expected one line saying why the platform runs without ${component} (the check's report lists it)`,
                );
                continue;
            }
            resolved.set(component, { kind: "disabled", reason: reason.trim() });
        }
    }

    const isDisabled = (c: OverridableComponent): boolean => resolved.get(c)?.kind === "disabled";
    const runs = (c: keyof OptionalComponentSwitches): boolean =>
        settings[c].enabled && !isDisabled(c);
    if (isDisabled("certManager")) {
        if (runs("linkerd")) {
            problems.push(
                "overrides.certManager.disabled: Linkerd runs and its identity issuer and webhook " +
                    "certificates come from cert-manager; expected linkerd disabled too " +
                    "(overrides.linkerd.disabled or linkerd.enabled: false), or cert-manager kept",
            );
        }
        if (runs("falco") && settings.falco.alerts.mode === "falcosidekick") {
            problems.push(
                "overrides.certManager.disabled: Falco routes alerts through falcosidekick " +
                    "(falco.alerts.mode), whose serving certificate cert-manager issues; expected " +
                    'falco.alerts.mode "http" or "stdout", falco disabled too, or cert-manager kept',
            );
        }
    }
    if (
        (isDisabled("gatekeeper") || isDisabled("kyverno")) &&
        !runs("gatekeeper") &&
        !runs("kyverno")
    ) {
        const which = (["gatekeeper", "kyverno"] as const).filter(isDisabled);
        problems.push(
            `${which.map((c) => `overrides.${c}.disabled`).join(" and ")}: leaves the cluster ` +
                "without an admission controller (Gatekeeper and Kyverno both off), so nothing " +
                "refuses a non-compliant object applied outside Pulumi; expected at least one of " +
                "them to run",
        );
    }
    if (problems.length > 0) {
        throw new pulumi.ResourceError(
            `invalid platform overrides: ${problems.join("; ")}`,
            platform,
        );
    }

    const disabled: DisabledComponent[] = [];
    for (const component of optionalComponents) {
        const override = resolved.get(component);
        const key = component as keyof OptionalComponentSwitches;
        if (override?.kind === "disabled") {
            disabled.push({ component, reason: override.reason });
        } else if (!settings[key].enabled) {
            disabled.push({
                component,
                reason: `${component}.enabled is false in the stack settings`,
            });
        }
    }
    return {
        of: (component) => resolved.get(component) ?? { kind: "none" },
        runs,
        disabled,
    };
}

/**
 * The settings with every disabled component's `enabled` switched off, so that what the platform
 * derives from the settings (network flows, images, arguments) leaves it out as when the stack
 * settings turn it off. Returns `settings` itself when nothing is disabled by an override.
 */
export function withoutDisabled<S extends OptionalComponentSwitches>(
    settings: S,
    disabled: readonly DisabledComponent[],
): S {
    let result = settings;
    for (const { component } of disabled) {
        const key = component as keyof OptionalComponentSwitches;
        if (settings[key].enabled) {
            result = { ...result, [key]: { ...settings[key], enabled: false } };
        }
    }
    return result;
}
