import { ResourceValidationPolicy } from "@pulumi/policy";
import { stringList } from "../../../policypacks/lib/objects";
import { describeObject, isObject } from "../../../policypacks/lib/workloads";

/**
 * Every host an Ingress serves is covered by its `spec.tls`: tenant endpoints are reached over
 * TLS only, never in clear text through the ingress gateway.
 *
 * @severity high
 * @frameworks nist-800-53-sc-8, iso-27001-a.8.24
 * @topics network, exposure, tls
 * @link https://kubernetes.io/docs/concepts/services-networking/ingress/#tls
 */
export const ingressesRequireTls: ResourceValidationPolicy = {
    name: "ingresses-require-tls",
    description: "Ingresses must serve every host over TLS.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:networking.k8s.io/v1:Ingress") {
            return;
        }
        const spec = isObject(args.props.spec) ? args.props.spec : {};
        const rules = Array.isArray(spec.rules) ? spec.rules.filter(isObject) : [];
        const tls = Array.isArray(spec.tls) ? spec.tls.filter(isObject) : [];
        const covered = new Set(tls.flatMap((entry) => stringList(entry.hosts)));
        const clear = rules
            .map((rule) => (typeof rule.host === "string" ? rule.host : "*"))
            .filter((host) => !covered.has(host));
        if (clear.length > 0) {
            reportViolation(
                `${describeObject(args.type, args.props, args.name)} serves ${clear.join(", ")} ` +
                    "without TLS (spec.rules[].host not in spec.tls[].hosts). Add a spec.tls " +
                    "entry with those hosts and the Secret of their certificate.",
            );
        }
    },
};
