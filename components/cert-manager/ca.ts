/**
 * A certificate authority the program generates with @pulumi/tls (cert-manager's internal CA,
 * Linkerd's trust anchors), and the Secret that hands it to a cert-manager CA issuer. Key material
 * stays a Pulumi secret and is protected: deleting or replacing a key invalidates every
 * certificate it signed, so `protect` refuses it, and `retainOnDelete` keeps even an explicit
 * removal in the state history.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { HelmInstaller } from "../shared/helm-component";
import { renderTlsSecret } from "./render";

/** What {@link createProtectedCa} generates. */
export interface ProtectedCaSpec {
    /** Name of the `tls.PrivateKey` (`${name}-ca-key`). */
    readonly keyName: string;
    /** Name of the `tls.SelfSignedCert` (`${name}-ca-cert`). */
    readonly certificateName: string;
    /** ECDSA curve of the key. */
    readonly ecdsaCurve: "P256" | "P384";
    /** Validity of the self-signed certificate in hours. */
    readonly validityHours: number;
    /** The certificate's key usages. */
    readonly allowedUses: string[];
    /** The certificate's subject. */
    readonly subject: tls.types.input.SelfSignedCertSubject;
}

/** A generated CA: its private key (a Pulumi secret) and its self-signed certificate. */
export interface ProtectedCa {
    readonly key: tls.PrivateKey;
    readonly certificate: tls.SelfSignedCert;
}

/**
 * Generates an ECDSA key and its self-signed CA certificate as children of `helm`'s component,
 * both protected and retained on delete. No earlyRenewalHours: a protected certificate cannot be
 * replaced, so a renewal window would stop every `up`; replacing a CA is a planned operation.
 */
export function createProtectedCa(helm: HelmInstaller, spec: ProtectedCaSpec): ProtectedCa {
    const keep = { protect: true, retainOnDelete: true };
    const key = new tls.PrivateKey(
        spec.keyName,
        { algorithm: "ECDSA", ecdsaCurve: spec.ecdsaCurve },
        helm.options({
            ...keep,
            additionalSecretOutputs: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"],
        }),
    );
    const certificate = new tls.SelfSignedCert(
        spec.certificateName,
        {
            privateKeyPem: key.privateKeyPem,
            isCaCertificate: true,
            validityPeriodHours: spec.validityHours,
            allowedUses: spec.allowedUses,
            subject: spec.subject,
        },
        helm.options(keep),
    );
    return { key, certificate };
}

/**
 * The `kubernetes.io/tls` Secret `secretName` in `namespace` holding a generated CA's certificate
 * and key (both Pulumi secrets), for a cert-manager CA issuer; declared as `name` once `namespace`
 * (the resource) exists.
 */
export function createCaSecret(
    helm: HelmInstaller,
    name: string,
    ca: ProtectedCa,
    secret: {
        readonly secretName: string;
        readonly namespace: string;
        readonly labels: Record<string, string>;
    },
    namespace: pulumi.Resource,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        name,
        renderTlsSecret(
            secret.secretName,
            secret.namespace,
            {
                certificate: pulumi.secret(ca.certificate.certPem),
                privateKey: pulumi.secret(ca.key.privateKeyPem),
            },
            secret.labels,
        ),
        helm.options({ dependsOn: [namespace] }),
    );
}
