import { Policies } from "@pulumi/policy";
import { auditPolicyPresent } from "./audit-policy-present";
import { chartsAllowedSources } from "./charts-allowed-sources";
import { chartsDeclaredSources } from "./charts-declared-sources";
import { chartsExactVersion } from "./charts-exact-version";
import { chartsImagesAllowedRegistries } from "./charts-images-allowed-registries";
import { chartsNoHelmRelease } from "./charts-no-helm-release";
import { controlPlaneHardened } from "./control-plane-hardened";
import { encryptionKeysProtected } from "./encryption-keys-protected";
import { encryptionWriteProviderNotIdentity } from "./encryption-write-provider-not-identity";
import { namespacesPodSecurityEnforce } from "./namespaces-pod-security-enforce";
import { namespacesRequiredLabels } from "./namespaces-required-labels";
import { networkDefaultDeny } from "./network-default-deny";
import { networkNoAllowAll } from "./network-no-allow-all";
import { pkiCaKeysProtected } from "./pki-ca-keys-protected";
import { rbacAggregatedRoles } from "./rbac-aggregated-roles";
import { rbacNoAnonymousBindings } from "./rbac-no-anonymous-bindings";
import { rbacNoEscalateBindImpersonate } from "./rbac-no-escalate-bind-impersonate";
import { rbacNoWildcards } from "./rbac-no-wildcards";
import { rbacRestrictClusterAdmin } from "./rbac-restrict-cluster-admin";
import { secretsFromPulumiSecrets } from "./secrets-from-pulumi-secrets";
import { secretsNoCredentialsInConfigmaps } from "./secrets-no-credentials-in-configmaps";
import { secretsNoCredentialsInEnv } from "./secrets-no-credentials-in-env";
import { secretsNoKeyMaterialInState } from "./secrets-no-key-material-in-state";
import { servicesNoExternalIps } from "./services-no-external-ips";
import { servicesRestrictExposure } from "./services-restrict-exposure";
import { tenantNamespaceAfterEnforcement } from "./tenant-namespace-after-enforcement";
import { tenantNamespaceGuardrails } from "./tenant-namespace-guardrails";

/** Every policy of the platform-guardrails pack, in the order they are reported. */
export const policies: Policies = [
    rbacNoWildcards,
    rbacNoEscalateBindImpersonate,
    rbacNoAnonymousBindings,
    rbacRestrictClusterAdmin,
    rbacAggregatedRoles,
    servicesRestrictExposure,
    servicesNoExternalIps,
    namespacesPodSecurityEnforce,
    namespacesRequiredLabels,
    secretsNoCredentialsInConfigmaps,
    secretsNoCredentialsInEnv,
    secretsFromPulumiSecrets,
    secretsNoKeyMaterialInState,
    chartsExactVersion,
    chartsAllowedSources,
    chartsDeclaredSources,
    chartsImagesAllowedRegistries,
    chartsNoHelmRelease,
    networkDefaultDeny,
    networkNoAllowAll,
    pkiCaKeysProtected,
    encryptionKeysProtected,
    encryptionWriteProviderNotIdentity,
    auditPolicyPresent,
    controlPlaneHardened,
    tenantNamespaceGuardrails,
    tenantNamespaceAfterEnforcement,
];
