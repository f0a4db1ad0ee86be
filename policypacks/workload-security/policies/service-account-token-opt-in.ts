import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject, metadataPathOf, podTemplateOf } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";
import { serviceAccountTokenReasonAnnotation } from "../../../contract/annotations";

/**
 * The pod-template annotation by which a workload asks for a service-account token; its value is the
 * reason (why the workload calls the Kubernetes API), and must not be empty (`contract/annotations.ts`).
 */
export const tokenReasonAnnotation = serviceAccountTokenReasonAnnotation;

/** Config of {@link serviceAccountTokenOptIn}. */
export interface TokenOptInConfig {
    /** Workloads allowed to mount a token without the annotation, as `<namespace>/<name>`. */
    readonly allowedWorkloads: string[];
    /**
     * Workloads an admission exemption record lifts from this rule, as `<namespace>/<name>`: their
     * chart can render neither the pod's field nor the annotation, and the record (with owner and
     * review date) says how the token is handled instead.
     */
    readonly exemptWorkloads: string[];
}

/**
 * No service-account token unless the workload asks for one. The semantics:
 *
 * - `automountServiceAccountToken: false` on the pod spec: compliant.
 * - `automountServiceAccountToken: true`: compliant only when the workload opts in, either by the
 *   annotation `security.sovereign-contour.io/service-account-token-reason` (non-empty: why it calls
 *   the API) on its pod template's metadata, or by being listed in `allowedWorkloads`
 *   (`<namespace>/<name>`, for charts whose templates cannot be annotated).
 * - unset: a violation even when opted in. The ServiceAccount's own setting then decides, and a
 *   resource policy cannot see it; an opted-in workload states `true` explicitly.
 * - listed in `exemptWorkloads`: not judged. Only for chart workloads that can render neither the
 *   field nor the annotation, each backed by an admission exemption record (reason, owner, review
 *   date) that the check's report lists; the per-stack pack config is checked against the records.
 *
 * Audience-bound tokens requested through a projected `serviceAccountToken` volume are an explicit
 * request and are not affected.
 *
 * @severity medium
 * @frameworks cis-kubernetes-5.1.5, cis-kubernetes-5.1.6, nist-800-53-ac-6, nist-800-53-ia-5, iso-27001-a.5.16, iso-27001-a.5.17
 * @topics service-accounts, least-privilege
 * @link https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting
 */
export const serviceAccountTokenOptIn: ResourceValidationPolicy = {
    name: "service-account-token-opt-in",
    description:
        "Pods must set automountServiceAccountToken: false unless the workload opts in to a token.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedWorkloads: {
                type: "array",
                items: { type: "string", minLength: 1 },
                uniqueItems: true,
                default: [],
                description:
                    "Workloads allowed to mount a token without the annotation, as <namespace>/<name>.",
            },
            exemptWorkloads: {
                type: "array",
                items: { type: "string", minLength: 1 },
                uniqueItems: true,
                default: [],
                description:
                    "Workloads lifted from this rule by an admission exemption record, as <namespace>/<name>.",
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const template = podTemplateOf(args.type, args.props);
        if (template === undefined) {
            return;
        }
        const field = `${template.path}.automountServiceAccountToken`;
        const automount: unknown = template.spec.automountServiceAccountToken;
        if (automount === false) {
            return;
        }
        const annotations = isObject(template.metadata.annotations)
            ? template.metadata.annotations
            : {};
        const reason: unknown = annotations[tokenReasonAnnotation];
        const { allowedWorkloads, exemptWorkloads } = args.getConfig<TokenOptInConfig>();
        if (exemptWorkloads.includes(objectKey(args.props, args.name))) {
            return;
        }
        const optedIn =
            (typeof reason === "string" && reason.trim() !== "") ||
            allowedWorkloads.includes(objectKey(args.props, args.name));
        const object = describeObject(args.type, args.props, args.name);
        const annotationPath = `${metadataPathOf(template)}.annotations["${tokenReasonAnnotation}"]`;
        if (automount === true && !optedIn) {
            reportViolation(
                `${object} mounts a service-account token (${field} is true) without opting in: ` +
                    `set ${field} to false, or give the reason the workload calls the Kubernetes ` +
                    `API in ${annotationPath}.`,
            );
        } else if (automount !== true) {
            reportViolation(
                `${object} does not disable the service-account token: ${field} is ` +
                    `${automount === undefined || automount === null ? "not set" : JSON.stringify(automount)}, ` +
                    `so the ServiceAccount's default (mount) applies. Set it to false` +
                    (optedIn
                        ? ` or, as the workload opted in, to true.`
                        : `, or set it to true and give the reason in ${annotationPath}.`),
            );
        }
    },
};
