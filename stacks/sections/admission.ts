import { z } from "zod";
import { requiredNamespaceLabels } from "../../contract/labels";
import { dns1123Label } from "./common";

/**
 * The namespaces of the cluster's own system contour that admission policies never apply to: the
 * control plane's namespaces and the two admission controllers' own. Nothing else is exempt by
 * default; a component that must run outside the policies adds its namespace explicitly.
 */
export const defaultAdmissionExemptNamespaces: readonly string[] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "gatekeeper-system",
    "kyverno",
];

/** IDs of the Gatekeeper constraints the platform authors (one per rule; used in exemptions). */
export const gatekeeperPolicyIds = [
    "allowed-registries",
    "image-tags",
    "namespace-labels",
    "service-exposure",
    "external-ips",
    "rbac-wildcards",
    "pod-hardening",
    "resource-limits",
] as const;

/** IDs of the Kyverno policies an exemption can name. */
export const kyvernoPolicyIds = ["secure-defaults", "verify-images", "pod-security"] as const;

/**
 * CrossGuard policies an exemption record can lift for named workloads only (preview-time rules
 * with no admission counterpart); the record's `workloads` become the policy's allow list.
 */
export const workloadPolicyIds = ["service-account-token-opt-in"] as const;

/** Any admission rule the platform authors, by ID. */
export type AdmissionPolicyId =
    | (typeof gatekeeperPolicyIds)[number]
    | (typeof kyvernoPolicyIds)[number];

const failurePolicy = z.enum(["Fail", "Ignore"], {
    errorMap: () => ({ message: 'expected "Fail" (fail closed) or "Ignore"' }),
});

const replicas = z
    .number()
    .int()
    .min(1, { message: "expected at least 1 replica" })
    .max(10, { message: "expected at most 10 replicas" });

const timeoutSeconds = z
    .number()
    .int()
    .min(1, { message: "expected 1 to 30 seconds" })
    .max(30, { message: "expected 1 to 30 seconds (the API server's webhook limit)" });

const exemptNamespaces = z.array(dns1123Label).default([...defaultAdmissionExemptNamespaces]);

/** A Kubernetes label key (optionally prefixed: `example.com/owner`). */
const labelKey = z
    .string()
    .regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, {
        message: "expected a label key such as owner or example.com/owner",
    });

/**
 * `gatekeeper`: OPA Gatekeeper, the platform's validating admission controller, and the
 * constraints it enforces. Rollout is staged by `enforcementAction`: `dryrun` (audit only) →
 * `warn` → `deny`.
 */
export const gatekeeperSection = z
    .object({
        /** Install Gatekeeper and its constraints. @default true */
        enabled: z.boolean().default(true),
        /** Namespace Gatekeeper runs in. @default "gatekeeper-system" */
        namespace: dns1123Label.default("gatekeeper-system"),
        /** What a violated constraint does: `dryrun`, `warn` or `deny`. @default "deny" */
        enforcementAction: z
            .enum(["dryrun", "warn", "deny"], {
                errorMap: () => ({ message: 'expected "dryrun", "warn" or "deny"' }),
            })
            .default("deny"),
        /** What the API server does when Gatekeeper does not answer. @default "Fail" */
        failurePolicy: failurePolicy.default("Fail"),
        /** Controller-manager (webhook) replicas; more than one gets a PodDisruptionBudget. @default 3 */
        replicas: replicas.default(3),
        /** Validating webhook timeout in seconds. @default 3 */
        webhookTimeoutSeconds: timeoutSeconds.default(3),
        /**
         * Namespaces no constraint applies to and the webhook never sees: the system contour only.
         * @default kube-system, kube-public, kube-node-lease, gatekeeper-system, kyverno
         */
        exemptNamespaces,
        /**
         * Labels every namespace must carry. Every namespace the platform creates carries them
         * (tenants their team, platform namespaces the platform team).
         * @default ["tenancy.sovereign-contour.io/owner"]
         */
        requiredNamespaceLabels: z
            .array(labelKey)
            .min(1)
            .default([...requiredNamespaceLabels]),
        /** Image tags that are never admitted (an untagged image counts as `latest`). @default ["latest"] */
        disallowedTags: z.array(z.string().min(1)).default(["latest"]),
        /** Namespaces whose Services may be `NodePort` or `LoadBalancer` (ingress gateways). @default [] */
        exposedServiceNamespaces: z.array(dns1123Label).default([]),
        /** IPs Services may list in `spec.externalIPs` (CVE-2020-8554). @default [] */
        allowedExternalIPs: z
            .array(z.string().ip({ message: "expected an IPv4 or IPv6 address" }))
            .default([]),
        /** Capabilities a container may add. @default [] (none) */
        allowedCapabilities: z
            .array(
                z.string().regex(/^[A-Z_]+$/, {
                    message: "expected a capability name such as NET_BIND_SERVICE",
                }),
            )
            .default([]),
        /** Resource limits every container must set. @default ["cpu", "memory"] */
        requiredLimits: z
            .array(z.enum(["cpu", "memory"]))
            .min(1)
            .default(["cpu", "memory"]),
        /**
         * Roles and ClusterRoles allowed to use `*` in verbs, API groups or resources (Kubernetes'
         * own and the admission controllers' chart roles). A trailing `*` matches a prefix.
         * @default ["cluster-admin", "system:*", "gatekeeper-manager-role", "kyverno:*"]
         */
        rbacWildcardExemptRoles: z
            .array(z.string().min(1))
            .default(["cluster-admin", "system:*", "gatekeeper-manager-role", "kyverno:*"]),
    })
    .strict()
    .default({});

/** Typed `gatekeeper` settings. */
export type GatekeeperSettings = z.infer<typeof gatekeeperSection>;

/** Keyless (Fulcio certificate) signer identity for image verification. */
const keylessIdentity = z
    .object({
        /** OIDC issuer of the signing identity: `https://token.actions.githubusercontent.com`. */
        issuer: z.string().url({ message: "expected the OIDC issuer URL" }),
        /** Certificate subject (workflow identity); a trailing `*` matches a prefix. */
        subject: z.string().min(1),
        /** Rekor transparency log to check; a private instance for sovereign sites. */
        rekorUrl: z.string().url({ message: "expected the Rekor URL (https://...)" }),
        /** PEM roots of a private Fulcio; unset means the Sigstore public-good roots. */
        roots: z.string().min(1).optional(),
    })
    .strict();

/**
 * `kyverno.imageVerification`: Kyverno `verifyImages` denies images without a valid signature.
 * Key-based (cosign public keys) suits air-gapped sites; keyless is optional.
 */
const imageVerification = z
    .object({
        /** Verify image signatures. @default true */
        enabled: z.boolean().default(true),
        /**
         * Cosign public keys: PEM text, `k8s://<namespace>/<secret>` (key `cosign.pub`) or a KMS
         * URI (`hashivault://...`). Any one key suffices.
         * @default []
         */
        publicKeys: z.array(z.string().min(1)).default([]),
        /** A keyless signer identity accepted besides the keys. */
        keyless: keylessIdentity.optional(),
        /**
         * Rekor for key-based signatures. Unset: the transparency log and SCT checks are skipped
         * (air-gapped sites with no private Rekor), never sent to the public instance.
         */
        rekorUrl: z.string().url({ message: "expected the Rekor URL (https://...)" }).optional(),
        /**
         * Image patterns to verify. @default every `workloads.allowedRegistries` prefix followed by
         * `*`, plus the same through `images.mirror` when one is set
         */
        imageReferences: z.array(z.string().min(1)).optional(),
        /** Webhook timeout for the verifying policy in seconds. @default 30 */
        timeoutSeconds: timeoutSeconds.default(30),
    })
    .strict()
    .default({});

/**
 * `kyverno`: Kyverno, which fills secure defaults, verifies image signatures and adds guardrails
 * (Pod Security as a second line, default-deny NetworkPolicies for namespaces created outside the
 * program). Rollout is staged by `validationFailureAction`: `Audit` → `Enforce`.
 */
export const kyvernoSection = z
    .object({
        /** Install Kyverno and its policies. @default true */
        enabled: z.boolean().default(true),
        /** Namespace Kyverno runs in. @default "kyverno" */
        namespace: dns1123Label.default("kyverno"),
        /** `Audit` reports violations; `Enforce` denies them. @default "Enforce" */
        validationFailureAction: z
            .enum(["Audit", "Enforce"], {
                errorMap: () => ({ message: 'expected "Audit" or "Enforce"' }),
            })
            .default("Enforce"),
        /** What the API server does when Kyverno does not answer. @default "Fail" */
        failurePolicy: failurePolicy.default("Fail"),
        /** Admission-controller replicas (the other controllers run 2 when this is above 1). @default 3 */
        replicas: replicas.default(3),
        /** Webhook timeout of the mutating and validating policies in seconds. @default 10 */
        webhookTimeoutSeconds: timeoutSeconds.default(10),
        /**
         * Namespaces no Kyverno policy applies to and its webhooks never see.
         * @default kube-system, kube-public, kube-node-lease, gatekeeper-system, kyverno
         */
        exemptNamespaces,
        imageVerification,
        /**
         * Generate a default-deny NetworkPolicy (DNS allowed) in every namespace created outside
         * this program. @default true
         */
        generateDefaultDeny: z.boolean().default(true),
    })
    .strict()
    .default({});

/** Typed `kyverno` settings. */
export type KyvernoSettings = z.infer<typeof kyvernoSection>;

/**
 * One exemption from one or more admission rules, for one namespace, until its review date: the
 * one exemption model. From each record the platform generates the Gatekeeper constraints'
 * exclusions, the Kyverno PolicyExceptions (validation and mutation rules alike), the namespace's
 * Pod Security Admission level (`podSecurity`), and the CrossGuard packs' exemption lists; the
 * check's report lists every record.
 */
const admissionExemption = z
    .object({
        /** Name of the exemption (names the generated PolicyException). */
        name: dns1123Label,
        /** The namespace the exemption covers. */
        namespace: dns1123Label,
        /** The team accountable for the exemption and its review (recorded on every object). */
        owner: z
            .string()
            .min(2, { message: "expected the accountable team, e.g. platform-security" }),
        /**
         * The Pod Security Admission level the namespace enforces instead of `restricted`. Must match
         * the `systemNamespaces` entry of the same namespace. @default unset: restricted
         */
        podSecurity: z
            .enum(["privileged", "baseline"], {
                errorMap: () => ({ message: 'expected "privileged" or "baseline"' }),
            })
            .optional(),
        /** The rules it lifts, by ID. */
        policies: z
            .array(
                z.enum([...gatekeeperPolicyIds, ...kyvernoPolicyIds, ...workloadPolicyIds], {
                    errorMap: () => ({
                        message: `expected a policy ID: ${[...gatekeeperPolicyIds, ...kyvernoPolicyIds, ...workloadPolicyIds].join(", ")}`,
                    }),
                }),
            )
            .min(1, { message: "expected at least one policy ID" }),
        /**
         * Workloads (Deployment, DaemonSet, ... names) the record covers; required with a
         * workload-level policy such as `service-account-token-opt-in`, which is lifted for these
         * workloads only, never for the whole namespace. @default []
         */
        workloads: z.array(dns1123Label).default([]),
        /** Why the exemption is needed and what compensates for it (recorded on every object). */
        justification: z.string().min(20, {
            message: "expected a justification of at least 20 characters",
        }),
        /**
         * Review date: the last day the exemption is valid (`YYYY-MM-DD`); after it the program
         * refuses to run until the owner reviews it and sets a new date or removes it.
         */
        expires: z
            .string()
            .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "expected a date as YYYY-MM-DD" })
            .refine((d) => isCalendarDate(d), { message: "expected a valid calendar date" }),
    })
    .strict()
    .superRefine((e, ctx) => {
        const workloadLevel = e.policies.filter((p) =>
            (workloadPolicyIds as readonly string[]).includes(p),
        );
        if (workloadLevel.length > 0 && e.workloads.length === 0) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["workloads"],
                message: `${workloadLevel.join(", ")} is lifted per workload: list the workloads of "${e.namespace}" it applies to`,
            });
        }
    });

/** True for a real `YYYY-MM-DD` date (no 31st of February). */
function isCalendarDate(day: string): boolean {
    const parsed = new Date(`${day}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === day;
}

/** One admission exemption. */
export type AdmissionExemption = z.infer<typeof admissionExemption>;

/**
 * `admissionExemptions`: the one list from which Gatekeeper exclusions and Kyverno
 * PolicyExceptions are generated. Each entry is justified and expires; an expired entry is an
 * error, so an exemption never outlives its review.
 * @default []
 */
export const admissionExemptionsSection = z
    .array(admissionExemption)
    .default([])
    .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((e, i) => {
            if (seen.has(e.name)) {
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: [i, "name"],
                    message: `duplicate admission exemption "${e.name}"`,
                });
            }
            seen.add(e.name);
        });
    });

/**
 * The exemptions whose expiry date lies before `today` (a date is valid through its whole day,
 * UTC). Components refuse to run with any.
 */
export function expiredExemptions(
    exemptions: readonly AdmissionExemption[],
    today: Date,
): AdmissionExemption[] {
    const day = today.toISOString().slice(0, 10);
    return exemptions.filter((e) => e.expires < day);
}

/** The settings {@link checkPodSecurityExemptions} reads. */
interface PodSecurityExemptionInput {
    readonly systemNamespaces: readonly {
        readonly name: string;
        readonly podSecurity: "privileged" | "baseline" | "restricted";
    }[];
    readonly admissionExemptions: readonly AdmissionExemption[];
}

/**
 * A namespace runs below Pod Security restricted only through an exemption record: every
 * `systemNamespaces` entry below restricted needs an `admissionExemptions` record for the same
 * namespace with the same `podSecurity` level (so its reason, owner and review date are on record),
 * and no record may lower a namespace the stack does not declare at that level.
 */
export function checkPodSecurityExemptions(
    settings: PodSecurityExemptionInput,
    ctx: z.RefinementCtx,
): void {
    settings.systemNamespaces.forEach((ns, i) => {
        if (ns.podSecurity === "restricted") {
            return;
        }
        const record = settings.admissionExemptions.find(
            (e) => e.namespace === ns.name && e.podSecurity !== undefined,
        );
        if (record === undefined) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["systemNamespaces", i, "podSecurity"],
                message:
                    `namespace "${ns.name}" enforces Pod Security "${ns.podSecurity}" without an ` +
                    `exemption record: add an admissionExemptions entry with namespace "${ns.name}", ` +
                    `podSecurity "${ns.podSecurity}", owner, justification and expires`,
            });
        } else if (record.podSecurity !== ns.podSecurity) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["systemNamespaces", i, "podSecurity"],
                message:
                    `namespace "${ns.name}" enforces Pod Security "${ns.podSecurity}" but ` +
                    `admissionExemptions "${record.name}" records "${record.podSecurity}": make them equal`,
            });
        }
    });
    settings.admissionExemptions.forEach((e, i) => {
        if (e.podSecurity === undefined) {
            return;
        }
        if (!settings.systemNamespaces.some((ns) => ns.name === e.namespace)) {
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["admissionExemptions", i, "podSecurity"],
                message:
                    `exemption "${e.name}" lowers Pod Security of "${e.namespace}", which is not a ` +
                    "systemNamespaces entry: only the platform's own namespaces may run below restricted",
            });
        }
    });
}
