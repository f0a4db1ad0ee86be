/**
 * Linkerd's arguments with their defaults applied, and the checks that refuse invalid ones before
 * any resource is declared. Messages name the setting, the value and what is expected.
 */
import * as pulumi from "@pulumi/pulumi";
import type { CertManager } from "../cert-manager";
import { requirePrivileged } from "../shared/helm-component";
import { formatIssues } from "../shared/issues";
import { linkerdDefaults } from "./defaults";
import type { LinkerdArgs } from "./index";
import { validateExternalTrustAnchor } from "./render";

/** What the Linkerd component installs with, every default applied and checked. */
export interface LinkerdConfig {
    /** The platform's cert-manager (required). */
    readonly certManager: CertManager;
    /** The control plane's namespace. */
    readonly namespace: string;
    /** The CNI plugin's namespace. */
    readonly cniNamespace: string;
    readonly trustDomain: string;
    /** Lifetime of the identity issuer certificate. */
    readonly duration: string;
    /** Renewal of the identity issuer certificate before it expires. */
    readonly renewBefore: string;
    /** Validity of each generated trust anchor in hours. */
    readonly validityHours: number;
    /** The generated trust anchors sent to the proxies, oldest first. */
    readonly trusted: string[];
    /** The generated trust anchor that signs the identity issuer. */
    readonly signing: string;
}

/** Hours of a `48h0m0s`-style duration (NaN when it is not one). */
function hoursOf(duration: string): number {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
    if (m === null || duration === "") {
        return NaN;
    }
    return Number(m[1] ?? 0) + Number(m[2] ?? 0) / 60 + Number(m[3] ?? 0) / 3600;
}

/**
 * Applies Linkerd's defaults to `args` and refuses, as a ResourceError of `component`: no
 * cert-manager, an invalid trust anchor source (every issue at once), trusted anchors that repeat
 * or leave out the signing one, an identity issuer renewed no earlier than it expires, a declared
 * CNI namespace that is not `privileged`, and a CNI namespace equal to the control plane's.
 */
export function linkerdConfig(args: LinkerdArgs, component: pulumi.Resource): LinkerdConfig {
    const d = linkerdDefaults;
    const certManager = args.certManager;
    if (certManager === undefined) {
        throw new pulumi.ResourceError(
            "linkerd.enabled is true but certManager.enabled is false; expected " +
                "certManager.enabled: true (Linkerd's identity issuer and webhook " +
                "certificates are cert-manager Certificates)",
            component,
        );
    }
    const namespace = args.namespace ?? d.namespace;
    const cniNamespace = args.cniNamespace ?? d.cniNamespace;
    const duration = args.identityIssuer?.duration ?? d.identityIssuer.duration;
    const renewBefore = args.identityIssuer?.renewBefore ?? d.identityIssuer.renewBefore;
    const trusted = [...(args.trustAnchors?.trusted ?? d.trustAnchors.trusted)];
    const signing = args.trustAnchors?.signing ?? d.trustAnchors.signing;
    const anchorIssues = validateExternalTrustAnchor({
        namespace,
        ...(args.trustAnchors !== undefined ? { trustAnchors: args.trustAnchors } : {}),
        ...(args.trustAnchorValidityHours !== undefined
            ? { trustAnchorValidityHours: args.trustAnchorValidityHours }
            : {}),
        ...(args.externalTrustAnchor !== undefined
            ? { externalTrustAnchor: args.externalTrustAnchor }
            : {}),
    });
    if (anchorIssues.length > 0) {
        throw new pulumi.ResourceError(
            formatIssues("linkerd: invalid trust anchor source", anchorIssues, args),
            component,
        );
    }
    if (!trusted.includes(signing) || new Set(trusted).size !== trusted.length) {
        throw new pulumi.ResourceError(
            `linkerd.trustAnchors is trusted [${trusted.join(", ")}], signing ${signing}; ` +
                "expected distinct trusted names that include the signing one",
            component,
        );
    }
    if (!(hoursOf(renewBefore) < hoursOf(duration))) {
        throw new pulumi.ResourceError(
            `linkerd.identityIssuer.renewBefore is ${renewBefore}; expected a duration ` +
                `shorter than linkerd.identityIssuer.duration (${duration})`,
            component,
        );
    }
    requirePrivileged(
        component,
        args.cniSystemNamespace,
        cniNamespace,
        "linkerd.cniNamespace",
        "the CNI plugin writes the node's CNI configuration through hostPath",
    );
    if (namespace === cniNamespace) {
        throw new pulumi.ResourceError(
            `linkerd.cniNamespace is ${cniNamespace}, the same as linkerd.namespace; ` +
                "expected its own namespace (it enforces Pod Security privileged)",
            component,
        );
    }
    return {
        certManager,
        namespace,
        cniNamespace,
        trustDomain: args.trustDomain ?? d.trustDomain,
        duration,
        renewBefore,
        validityHours: args.trustAnchorValidityHours ?? d.trustAnchorValidityHours,
        trusted,
        signing,
    };
}
