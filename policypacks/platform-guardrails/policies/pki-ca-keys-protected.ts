import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

const privateKeyType = "tls:index/privateKey:PrivateKey";
const selfSignedCertType = "tls:index/selfSignedCert:SelfSignedCert";
const locallySignedCertType = "tls:index/locallySignedCert:LocallySignedCert";
const certRequestType = "tls:index/certRequest:CertRequest";

/**
 * The PrivateKey resources a certificate's input `property` is taken from: by the property's own
 * dependencies when the engine recorded them, otherwise by the certificate's direct dependencies.
 */
function keysBehind(cert: PolicyResource, property: string): PolicyResource[] {
    return sources(cert, property).filter((r) => r.type === privateKeyType);
}

/** The resources an input property was computed from (all dependencies when not recorded). */
function sources(resource: PolicyResource, property: string): PolicyResource[] {
    const recorded = resource.propertyDependencies[property];
    return recorded !== undefined && recorded.length > 0 ? recorded : resource.dependencies;
}

/** The key of an intermediate CA: behind the CertRequest its certificate was issued for. */
function intermediateKeys(cert: PolicyResource): PolicyResource[] {
    return sources(cert, "certRequestPem")
        .filter((r) => r.type === certRequestType)
        .flatMap((request) => keysBehind(request, "privateKeyPem"));
}

/**
 * CA private keys are protected from deletion: the key of every CA certificate (a
 * `tls.SelfSignedCert` with `isCaCertificate: true`, or an intermediate `tls.LocallySignedCert`
 * with it, whose key sits behind its `tls.CertRequest`) and every key that signs certificates (the
 * `caPrivateKeyPem` of a `tls.LocallySignedCert`) has `protect: true`. Losing a CA key means
 * re-issuing every certificate it signed and re-distributing the trust anchor (the mesh's,
 * cert-manager's). `retainOnDelete` is not visible to policies; the components set both.
 * Encryption-at-rest keys are covered by the encryption policies of the same pack.
 *
 * @severity high
 * @frameworks nist-800-53-sc-12, nist-800-53-sc-17, nist-800-53-cp-9, iso-27001-a.8.24
 * @topics pki, key-management
 * @link https://www.pulumi.com/docs/iac/concepts/options/protect/
 */
export const pkiCaKeysProtected: StackValidationPolicy = {
    name: "pki-ca-keys-protected",
    description: "Private keys of CA certificates must be protected from deletion.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const signs = new Map<PolicyResource, string[]>();
        const note = (key: PolicyResource, cert: PolicyResource, role: string): void => {
            signs.set(key, [...(signs.get(key) ?? []), `${role} "${cert.name}"`]);
        };
        for (const r of args.resources) {
            if (r.type === selfSignedCertType && r.props.isCaCertificate === true) {
                keysBehind(r, "privateKeyPem").forEach((k) => note(k, r, "key of CA certificate"));
            } else if (r.type === locallySignedCertType) {
                keysBehind(r, "caPrivateKeyPem").forEach((k) => note(k, r, "signs certificate"));
                if (r.props.isCaCertificate === true) {
                    intermediateKeys(r).forEach((k) => note(k, r, "key of CA certificate"));
                }
            }
        }
        for (const [key, uses] of signs) {
            if (!key.opts.protect) {
                reportViolation(
                    `PrivateKey "${key.name}" is a CA key (${uses.join(", ")}) but is not ` +
                        `protected: set protect: true and retainOnDelete: true on it.`,
                    key.urn,
                );
            }
        }
    },
};
