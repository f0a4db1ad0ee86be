import * as pulumi from "@pulumi/pulumi";
import { Falco, FalcoArgs, PlatformOverrides } from "../../../components";

/**
 * The team's runtime detection in place of the platform's Falco: a component of the team's own
 * type that loads Falco's rules from `informational` up (the team's SOC reads those too) and has
 * Falco's public shape, which is all the platform reads (its namespace, charts and images, and
 * the release and falcosidekick that tenants wait for).
 */
export class TeamRuntimeDetection extends pulumi.ComponentResource {
    readonly chart: Falco["chart"];
    readonly charts: Falco["charts"];
    readonly images: Falco["images"];
    readonly namespace: Falco["namespace"];
    readonly release: Falco["release"];
    readonly sidekick: Falco["sidekick"];
    readonly sidekickCertificate: Falco["sidekickCertificate"];
    readonly serviceAccount: Falco["serviceAccount"];
    readonly alertRules: Falco["alertRules"];
    readonly rulesYaml: Falco["rulesYaml"];

    constructor(name: string, args: FalcoArgs, opts: pulumi.ComponentResourceOptions) {
        super("acme:runtime:TeamRuntimeDetection", name, {}, opts);
        // The platform's Falco inside, under the same name, with the platform's arguments (its
        // network-policy gate among them) and the layers it waits for. The alias moves the Falco
        // of a stack that ran the platform's own instead of replacing it.
        const falco = new Falco(
            name,
            { ...args, minimumPriority: "informational" },
            { parent: this, dependsOn: opts.dependsOn, aliases: [{ parent: opts.parent }] },
        );
        this.chart = falco.chart;
        this.charts = falco.charts;
        this.images = falco.images;
        this.namespace = falco.namespace;
        this.release = falco.release;
        this.sidekick = falco.sidekick;
        this.sidekickCertificate = falco.sidekickCertificate;
        this.serviceAccount = falco.serviceAccount;
        this.alertRules = falco.alertRules;
        this.rulesYaml = falco.rulesYaml;
        this.registerOutputs({});
    }
}

/** The platform's Falco is the team's. */
export const overrides: PlatformOverrides = {
    falco: { factory: (name, args, opts) => new TeamRuntimeDetection(name, args, opts) },
};
