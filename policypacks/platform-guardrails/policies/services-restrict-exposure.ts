import { ResourceValidationPolicy } from "@pulumi/policy";
import { describeObject, isObject } from "../../lib/workloads";
import { objectKey } from "../../lib/objects";
import { allowListProperty } from "../lib/config";

/** Service types that expose a service outside the cluster network. */
const exposingTypes = ["NodePort", "LoadBalancer"];

/** Config of {@link servicesRestrictExposure}. */
export interface RestrictExposureConfig {
    /** Services allowed to be NodePort or LoadBalancer, as `<namespace>/<name>`. */
    readonly allowedServices: string[];
}

/**
 * No NodePort or LoadBalancer Service outside the allow list: exposure to networks outside the
 * cluster goes through the sanctioned ingress gateway. The tenant quota (`services.nodeports: 0`,
 * `services.loadbalancers: 0`) is the admission-time backstop for the same rule.
 *
 * @severity high
 * @frameworks nist-800-53-sc-7, nist-800-53-cm-7, nist-800-53-ac-4, iso-27001-a.8.20, iso-27001-a.8.22
 * @topics network, exposure
 * @link https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
 */
export const servicesRestrictExposure: ResourceValidationPolicy = {
    name: "services-restrict-exposure",
    description: "Services must not be NodePort or LoadBalancer unless they are on the allow list.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            allowedServices: allowListProperty(
                "Services allowed to be NodePort or LoadBalancer, as <namespace>/<name>.",
            ),
        },
    },
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Service") {
            return;
        }
        const spec: unknown = args.props.spec;
        const type = isObject(spec) ? spec.type : undefined;
        if (typeof type !== "string" || !exposingTypes.includes(type)) {
            return;
        }
        const key = objectKey(args.props, args.name);
        const { allowedServices } = args.getConfig<RestrictExposureConfig>();
        if (!allowedServices.includes(key)) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} is exposed outside the ` +
                    `cluster: spec.type is "${type}". Use type ClusterIP behind the ingress ` +
                    `gateway, or add "${key}" to services-restrict-exposure.allowedServices.`,
            );
        }
    },
};
