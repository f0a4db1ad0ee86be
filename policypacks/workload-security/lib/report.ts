import { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { namespaceOf } from "../../lib/objects";
import { describeObject, PodTemplate, podTemplateOf } from "../../lib/workloads";
import type { PodSecurityConfig } from "./level";
import { formatPodSecurityFailure, PodSecurityFailure } from "./pod-security";

/**
 * Runs one Pod Security check on the resource a policy is given and reports at most one violation,
 * naming the object, every offending field and the fix. Resources that carry no pod template, and
 * resources in a namespace of the policy's `exemptNamespaces`, are ignored.
 */
export function reportPodSecurity(
    args: ResourceValidationArgs,
    reportViolation: ReportViolation,
    check: (template: PodTemplate) => PodSecurityFailure | undefined,
): void {
    const template = podTemplateOf(args.type, args.props);
    if (template === undefined) {
        return;
    }
    const exempt = args.getConfig<PodSecurityConfig>().exemptNamespaces ?? [];
    if (exempt.includes(namespaceOf(args.props))) {
        return;
    }
    const result = check(template);
    if (result !== undefined) {
        const object = describeObject(args.type, args.props, args.name);
        reportViolation(formatPodSecurityFailure(object, result));
    }
}
