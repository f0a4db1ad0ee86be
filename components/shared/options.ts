import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a component's children: parented to the component and carrying the component's own
 * `dependsOn`. Pulumi does not make a component's children wait for the component's dependencies,
 * so without this a tenant namespace's children could be created before the enforcement layer they
 * are meant to follow ("policies are applied before workloads").
 */
export function childOptions(
    parent: pulumi.Resource,
    opts: pulumi.ComponentResourceOptions | undefined,
    extra?: pulumi.CustomResourceOptions,
): pulumi.CustomResourceOptions {
    const dependsOn: pulumi.Input<pulumi.Resource>[] = [];
    for (const source of [opts?.dependsOn, extra?.dependsOn]) {
        if (source === undefined) {
            continue;
        }
        if (Array.isArray(source)) {
            dependsOn.push(...(source as pulumi.Input<pulumi.Resource>[]));
        } else {
            dependsOn.push(source as pulumi.Input<pulumi.Resource>);
        }
    }
    return {
        ...extra,
        parent,
        ...(dependsOn.length > 0 ? { dependsOn } : {}),
    };
}
