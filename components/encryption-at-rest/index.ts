import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ControlPlaneContribution } from "../shared/node-files";
import { formatIssues } from "../shared/issues";
import { childOptions } from "../shared/options";
import {
    defaults,
    EncryptionKeySpec,
    encryptionConfigurationYaml,
    encryptionControlPlane,
    encryptionWarnings,
    EncryptionSummary,
    keyBytesOf,
    keysWithMaterial,
    renderEncryptionConfiguration,
    summarizeEncryption,
    validateEncryptionSpec,
} from "./render";

export * from "./render";

/** Arguments of {@link EncryptionAtRest}. */
export interface EncryptionAtRestArgs {
    /**
     * Resources to encrypt: `secrets`, `configmaps`, `<resource>.<group>`, `*.<group>`, `*.*`.
     * @default ["secrets", "configmaps"]
     */
    readonly resources?: readonly string[];
    /** Resources left in plaintext ahead of a wildcard, e.g. `events` before `*.*`. @default [] */
    readonly plaintextResources?: readonly string[];
    /**
     * The key ring, oldest first. Each key has a name, a provider and a state; rotation is a change
     * of states (see the runbook `docs/runbooks/encryption-at-rest.md`).
     */
    readonly keys: readonly EncryptionKeySpec[];
    /**
     * Let the API server reload the file when it changes (`--encryption-provider-config-automatic-reload`),
     * so rotation steps need no restart. @default true
     */
    readonly automaticReload?: boolean;
}

/**
 * Encryption at rest of the API server's storage (bootstrap layer): generates the local keys with
 * `@pulumi/random`, renders the `EncryptionConfiguration` for every control-plane node, and says
 * how the API server must load it. Every key's material is a Pulumi secret, protected from
 * deletion and retained when removed from the program: losing a key that still encrypts data loses
 * every object written with it. Retired keys are kept for restoring older etcd backups.
 */
export class EncryptionAtRest extends pulumi.ComponentResource {
    /** The key material of every local key (retired ones too), by key name. */
    readonly keys: Readonly<Record<string, random.RandomBytes>>;
    /** The EncryptionConfiguration file (YAML); a secret whenever it holds local key material. */
    readonly configuration: pulumi.Output<string>;
    /** What the configuration does: write provider and key, resources, key states. */
    readonly summary: EncryptionSummary;
    /** Flags, mounts and files for the control-plane hosts. */
    readonly controlPlane: ControlPlaneContribution;
    /** Node artifacts by relative path (`control-plane/encryption-config.yaml`). */
    readonly nodeArtifacts: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: EncryptionAtRestArgs, opts?: pulumi.ComponentResourceOptions) {
        const spec = {
            resources: [...(args.resources ?? defaults.resources)],
            plaintextResources: [...(args.plaintextResources ?? [])],
            keys: args.keys.map((k) => ({ ...k })),
        };
        const issues = validateEncryptionSpec(spec);
        const summary = issues.length === 0 ? summarizeEncryption(spec) : undefined;
        // The summary is the component's input, so policies (and reviewers of a preview) see which
        // provider writes and which keys are live without seeing any key material.
        super("sovereign:bootstrap:EncryptionAtRest", name, { ...summary }, opts);
        if (summary === undefined) {
            throw new pulumi.ResourceError(
                formatIssues("invalid encryption at rest settings", issues, spec),
                this,
            );
        }
        for (const warning of encryptionWarnings(spec)) {
            void pulumi.log.warn(warning, this);
        }

        const keys: Record<string, random.RandomBytes> = {};
        for (const key of keysWithMaterial(spec.keys)) {
            keys[key.name] = new random.RandomBytes(
                `${name}-key-${key.name}`,
                { length: keyBytesOf(key) },
                // protect: deleting or replacing a key that still encrypts data (or an etcd backup)
                // loses that data, so removing a key from the settings fails the preview.
                // retainOnDelete: should a key ever leave the program (after an explicit
                // `pulumi state unprotect`), no provider delete runs. The bytes live only in the
                // stack state: the runbook's backup step is what keeps them beyond it.
                childOptions(this, opts, {
                    protect: true,
                    retainOnDelete: true,
                    additionalSecretOutputs: ["base64", "hex"],
                }),
            );
        }
        const live = keysWithMaterial(spec.keys).filter((k) => k.state !== "retired");
        const rendered = pulumi
            .all(live.map((k) => keys[k.name].base64))
            .apply((values) =>
                encryptionConfigurationYaml(
                    renderEncryptionConfiguration(
                        spec,
                        Object.fromEntries(live.map((k, i) => [k.name, values[i]])),
                    ),
                ),
            );
        // Secret whenever key material is in the file. A file that only names KMS v2 plugins holds
        // no key (the key-encryption key stays in the KMS), so it stays readable in the outputs.
        this.configuration = live.length > 0 ? pulumi.secret(rendered) : rendered;
        this.keys = keys;
        this.summary = summary;
        const kmsEndpoints = spec.keys
            .filter((k) => k.provider === "kms" && k.state !== "retired")
            .map((k) => k.endpoint ?? "");
        this.controlPlane = encryptionControlPlane(
            args.automaticReload ?? true,
            live.length > 0,
            kmsEndpoints,
        );
        this.nodeArtifacts = { [defaults.artifact]: this.configuration };
        // The same summary as the inputs (policies read a component's outputs once registered);
        // the configuration itself stays out of the component's state.
        this.registerOutputs({ ...summary, nodeArtifacts: Object.keys(this.nodeArtifacts) });
    }
}
