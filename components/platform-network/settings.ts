/** The `network` settings and the check that every host a platform pod reaches is addressable. */
import { z } from "zod";
import { dns1123Label } from "../shared/settings";
import { cidrProblem, isDnsName } from "./addresses";
import { falcoDestinations, kyvernoDestinations, unreachableDestination } from "./render";

/** An address block for an `ipBlock`: parses, no wider than /8 (IPv6 /32), a network address. */
const cidrBlock = z.string().superRefine((value, ctx) => {
    const problem = cidrProblem(value);
    if (problem !== undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
    }
});

const portMessage = "expected a port number from 1 to 65535";
const port = z
    .number({ invalid_type_error: portMessage })
    .int({ message: portMessage })
    .min(1, { message: portMessage })
    .max(65535, { message: portMessage });

/** A list of address blocks, each once. */
const cidrList = z.array(cidrBlock).superRefine((list, ctx) => {
    list.forEach((cidr, i) => {
        if (list.indexOf(cidr) !== i) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: [i],
                message: `duplicate address block "${cidr}"`,
            });
        }
    });
});

const hostName = z.string().refine(isDnsName, {
    message: "expected a DNS host name in lower case, such as siem.sovereign.example",
});

/**
 * `network`: where the platform's own pods may connect, for the NetworkPolicies of the platform
 * namespaces (default deny, DNS, then each workload's flows; see components/platform-network). A
 * NetworkPolicy selects peers by labels or by IP block, never by name, so the API server and every
 * host outside the cluster a platform pod must reach are given here by address.
 */
export const networkSection = z
    .object({
        /**
         * The Kubernetes API server as pods reach it. Pods connect to the `kubernetes` Service,
         * which is translated to its endpoints before NetworkPolicies apply, so these are the
         * endpoint addresses and port (`kubectl get endpointslices -n default -l
         * kubernetes.io/service-name=kubernetes`): the control-plane nodes, or the load balancer
         * in front of them.
         */
        apiServer: z
            .object({
                /**
                 * Address blocks of the API server endpoints. Empty: no platform pod may reach the
                 * API and the API server may call no webhook (fail closed: the controllers cannot
                 * work, and the program warns). @default []
                 */
                cidrs: cidrList.default([]),
                /** The endpoints' port (kubeadm: 6443). @default 6443 */
                port: port.default(6443),
            })
            .strict()
            .default({}),
        /**
         * Namespace Prometheus scrapes the platform's metrics from (and Alertmanager runs in,
         * when falcosidekick's `alertmanagerUrl` names a Service there). @default "monitoring"
         */
        monitoringNamespace: dns1123Label.default("monitoring"),
        /**
         * Hosts outside the cluster that platform pods connect to, by name, with the address
         * blocks they resolve to: the container registries Kyverno verifies signatures in, a
         * private Rekor, falcosidekick's webhook and syslog outputs, Falco's `http` receiver. A
         * listed name is always treated as outside the cluster. @default {}
         */
        externalHosts: z
            .record(
                hostName,
                cidrList.refine((list) => list.length > 0, {
                    message: "expected at least one address block",
                }),
            )
            .default({}),
    })
    .strict()
    .default({});

/** Typed `network` settings. */
export type NetworkSettings = z.infer<typeof networkSection>;

/**
 * Cross-section check, run on the whole settings object: every host outside the cluster a platform
 * pod must reach (falcosidekick's outputs, Falco's `http` receiver, the registries and Rekor Kyverno
 * verifies images against) is an IP literal, a Service name, or listed in `network.externalHosts`;
 * otherwise no NetworkPolicy could let the pod reach it and alerts or admissions would fail. The
 * error names the setting that points at the host.
 */
export function checkNetworkDestinations(
    settings: {
        readonly network: { readonly externalHosts: Readonly<Record<string, readonly string[]>> };
        readonly workloads: { readonly allowedRegistries: readonly string[] };
        readonly images: { readonly mirror?: string };
        readonly kyverno: {
            readonly enabled: boolean;
            readonly imageVerification: {
                readonly enabled: boolean;
                readonly imageReferences?: readonly string[];
                readonly rekorUrl?: string;
                readonly keyless?: { readonly rekorUrl: string };
            };
        };
        readonly falco: {
            readonly enabled: boolean;
            readonly alerts: Parameters<typeof falcoDestinations>[0];
        };
    },
    ctx: z.RefinementCtx,
): void {
    const destinations = [
        ...(settings.falco.enabled ? falcoDestinations(settings.falco.alerts) : []),
        ...(settings.kyverno.enabled
            ? kyvernoDestinations({
                  ...settings.kyverno.imageVerification,
                  allowedRegistries: settings.workloads.allowedRegistries,
                  mirror: settings.images.mirror,
              })
            : []),
    ];
    for (const destination of destinations) {
        const problem = unreachableDestination(destination, settings.network.externalHosts);
        if (problem !== undefined) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: [...destination.path],
                message: problem,
            });
        }
    }
}
