import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import { stringList } from "../../lib/objects";

/**
 * No Service sets `spec.externalIPs`. Any user who can create a Service with external IPs can
 * intercept traffic to those addresses from inside the cluster (CVE-2020-8554); the API server's
 * `DenyServiceExternalIPs` admission plugin is the cluster-side backstop.
 *
 * @severity high
 * @frameworks cis-kubernetes-1.2.3, nist-800-53-sc-7, nist-800-53-cm-7, iso-27001-a.8.20, iso-27001-a.8.22
 * @topics network, exposure
 * @link https://github.com/kubernetes/kubernetes/issues/97076
 */
export const servicesNoExternalIps: ResourceValidationPolicy = {
    name: "services-no-external-ips",
    description: "Services must not set externalIPs (CVE-2020-8554).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Service") {
            return;
        }
        const spec: unknown = args.props.spec;
        const ips = isObject(spec) ? stringList(spec.externalIPs) : [];
        if (ips.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} sets spec.externalIPs ` +
                    `(${ips.join(", ")}). Remove spec.externalIPs and expose the service through ` +
                    `the ingress gateway.`,
            );
        }
    },
};
