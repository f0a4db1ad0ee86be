import { Policies } from "@pulumi/policy";
import { podSecurityAllowPrivilegeEscalation } from "./pod-security-allow-privilege-escalation";
import { podSecurityApparmor } from "./pod-security-apparmor";
import { podSecurityCapabilities } from "./pod-security-capabilities";
import { podSecurityHostNamespaces } from "./pod-security-host-namespaces";
import { podSecurityHostPathVolumes } from "./pod-security-host-path-volumes";
import { podSecurityHostPorts } from "./pod-security-host-ports";
import { podSecurityHostProbes } from "./pod-security-host-probes";
import { podSecurityPrivileged } from "./pod-security-privileged";
import { podSecurityProcMount } from "./pod-security-proc-mount";
import { podSecurityRestrictedVolumes } from "./pod-security-restricted-volumes";
import { podSecurityRunAsNonRoot } from "./pod-security-run-as-non-root";
import { podSecurityRunAsUser } from "./pod-security-run-as-user";
import { podSecuritySeccomp } from "./pod-security-seccomp";
import { podSecuritySelinux } from "./pod-security-selinux";
import { podSecuritySysctls } from "./pod-security-sysctls";
import { podSecurityWindowsHostProcess } from "./pod-security-windows-host-process";
import { imagesAllowedRegistries } from "./images-allowed-registries";
import { imagesNoLatestTag } from "./images-no-latest-tag";
import { imagesRequireDigest } from "./images-require-digest";
import { persistentVolumesNoHostPath } from "./persistent-volumes-no-host-path";
import { probesReadinessLiveness } from "./probes-readiness-liveness";
import { resourcesRequestsLimits } from "./resources-requests-limits";
import { serviceAccountTokenOptIn } from "./service-account-token-opt-in";
import { workloadsNoPodSpecPatches } from "./workloads-no-pod-spec-patches";

/** Every policy of the workload-security pack, in the order they are reported. */
export const policies: Policies = [
    podSecurityPrivileged,
    podSecurityHostNamespaces,
    podSecurityHostPorts,
    podSecurityHostPathVolumes,
    podSecurityRestrictedVolumes,
    podSecurityCapabilities,
    podSecurityAllowPrivilegeEscalation,
    podSecurityRunAsNonRoot,
    podSecurityRunAsUser,
    podSecuritySeccomp,
    podSecurityApparmor,
    podSecuritySelinux,
    podSecurityProcMount,
    podSecuritySysctls,
    podSecurityWindowsHostProcess,
    podSecurityHostProbes,
    persistentVolumesNoHostPath,
    workloadsNoPodSpecPatches,
    imagesAllowedRegistries,
    imagesNoLatestTag,
    imagesRequireDigest,
    resourcesRequestsLimits,
    probesReadinessLiveness,
    serviceAccountTokenOptIn,
];
