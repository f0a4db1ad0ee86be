import { exemptionReasonAnnotation } from "../../contract/annotations";
import { ownerLabel, platformOwner } from "../../contract/labels";
import { platformLabels, podSecurityLabels } from "../shared/labels";

/** A system namespace to render. */
export interface SystemNamespaceSpec {
    readonly name: string;
    readonly podSecurity: "privileged" | "baseline" | "restricted";
    readonly reason?: string;
}

/** Annotation that records why a namespace runs below restricted (`contract/annotations.ts`). */
export { exemptionReasonAnnotation };

/** The Namespace object of one system namespace (pure; no resources). */
export function renderSystemNamespace(
    spec: SystemNamespaceSpec,
    kubernetesVersion: string,
): {
    metadata: {
        name: string;
        labels: Record<string, string>;
        annotations?: Record<string, string>;
    };
} {
    return {
        metadata: {
            name: spec.name,
            labels: {
                ...platformLabels("system-namespace"),
                [ownerLabel]: platformOwner,
                ...podSecurityLabels(spec.podSecurity, kubernetesVersion),
            },
            ...(spec.reason !== undefined
                ? { annotations: { [exemptionReasonAnnotation]: spec.reason } }
                : {}),
        },
    };
}
