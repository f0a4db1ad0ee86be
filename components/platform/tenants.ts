// Tenant namespaces registered in bounded batches (issue 19).
//
// The Pulumi Node SDK keeps every Output of a resource pending, with its promises and closures,
// until the engine has answered the resource's registration: a program that constructs 10,000
// tenants (about 160,000 resources) in one loop holds all of that state at once, some 40 KB per
// resource, more than the whole check may use. Constructing the tenants batch by batch, and the
// next batch only once every resource of the previous one is registered, bounds that state by the
// batch instead of the stack. Names, parents, options and dependencies are those of one loop.
import * as pulumi from "@pulumi/pulumi";

/**
 * Tenants constructed before the program waits for their registrations. About 16 resources each:
 * 200 tenants keep some 3,200 registrations pending at most (measured in docs/performance.md).
 */
export const defaultTenantBatchSize = 200;

/**
 * Constructs one tenant: the {@link TenantNamespace} constructor's shape, so an extension can pass
 * its own tenant component.
 */
export type TenantFactory<Args, T extends pulumi.Resource> = (
    name: string,
    args: Args,
    opts: pulumi.ComponentResourceOptions,
) => T;

/** One tenant to construct: its key in the result, the resource name and the factory's args. */
export interface TenantRequest<Args> {
    /** The tenant's key in {@link TenantRegistration.tenants} (the tenant's name); unique. */
    readonly key: string;
    /** The Pulumi name of the tenant component. */
    readonly name: string;
    /** The factory's arguments. */
    readonly args: Args;
}

/** Options of {@link registerTenants}. */
export interface RegisterTenantsOptions {
    /**
     * The options of each tenant (parent, dependsOn: the layer's gates); called once per tenant,
     * so no two tenants share an options object.
     */
    readonly opts: () => pulumi.ComponentResourceOptions;
    /** Tenants per batch; a positive integer. @default {@link defaultTenantBatchSize} */
    readonly batchSize?: number;
    /** Called with each batch's keys once the batch is constructed (for tests and measurement). */
    readonly onBatch?: (keys: readonly string[]) => void;
    /**
     * Let each batch go once it is registered: its tenants leave
     * {@link TenantRegistration.tenants} and their parent's list of children, so nothing of the
     * program holds the SDK's (resolved) state of a registered batch and it can be freed; a
     * program that needs only the tenants' names (index.ts) keeps memory bounded by a batch.
     * A `dependsOn` on the parent given after a batch is let go does not list that batch (it is
     * registered, so created, by then). @default false
     */
    readonly release?: boolean;
}

/** What {@link registerTenants} returns. */
export interface TenantRegistration<T> {
    /** Every tenant's key, in request order. */
    readonly keys: readonly string[];
    /**
     * The tenants by key, in request order. On return it holds the first batch (every tenant, for
     * a stack of at most one batch); it is filled batch by batch and is complete once
     * {@link TenantRegistration.registered} resolves (with `release`, a registered batch leaves it).
     */
    readonly tenants: Readonly<Record<string, T>>;
    /**
     * Resolves with {@link TenantRegistration.tenants}, complete, once every tenant is constructed
     * and every resource under it registered; rejects with the first error of a later batch.
     */
    readonly registered: Promise<Readonly<Record<string, T>>>;
}

/**
 * Constructs the tenants with `factory`, `batchSize` at a time. The first batch is constructed
 * before this returns (so a stack of at most one batch is built synchronously, exactly as a plain
 * loop would, and an error in it is thrown here); each later batch is constructed only once every
 * resource under every tenant of the batch before it has been registered by the engine.
 */
export function registerTenants<Args, T extends pulumi.Resource>(
    requests: readonly TenantRequest<Args>[],
    factory: TenantFactory<Args, T>,
    options: RegisterTenantsOptions,
): TenantRegistration<T> {
    const batchSize = options.batchSize ?? defaultTenantBatchSize;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new Error(
            `tenant batch size ${String(batchSize)}: expected a positive integer (default ${defaultTenantBatchSize})`,
        );
    }
    const seen = new Set<string>();
    for (const request of requests) {
        if (seen.has(request.key)) {
            throw new Error(`tenant "${request.key}" is listed twice: expected unique names`);
        }
        seen.add(request.key);
    }
    const tenants: Record<string, T> = {};
    const construct = (from: number): T[] => {
        const batch = requests.slice(from, from + batchSize);
        const built = batch.map((request) => {
            const tenant = factory(request.name, request.args, options.opts());
            tenants[request.key] = tenant;
            return tenant;
        });
        options.onBatch?.(batch.map((request) => request.key));
        return built;
    };
    const first = construct(0);
    const rest = async (): Promise<Readonly<Record<string, T>>> => {
        let batch = first;
        for (let from = batchSize; ; from += batchSize) {
            await registrationsOf(batch);
            if (options.release === true) {
                letGo(batch, tenants);
            }
            if (from >= requests.length) {
                return tenants;
            }
            batch = construct(from);
        }
    };
    return { keys: requests.map((r) => r.key), tenants, registered: rest() };
}

/** Drops registered tenants from `tenants` and from their parent's set of children. */
function letGo<T extends pulumi.Resource>(batch: readonly T[], tenants: Record<string, T>): void {
    const gone = new Set<pulumi.Resource>(batch);
    for (const [key, tenant] of Object.entries(tenants)) {
        if (gone.has(tenant)) {
            delete tenants[key];
        }
    }
    for (const tenant of batch) {
        const parent = (tenant as unknown as { __parentResource?: pulumi.Resource })
            .__parentResource;
        const siblings = parent !== undefined ? childrenOf(parent) : undefined;
        if (siblings instanceof Set) {
            siblings.delete(tenant);
        }
    }
}

/**
 * Resolves once every resource under `roots` (the roots and their descendants, including any a
 * component adds while this waits) has been registered: its URN is the engine's answer.
 */
export async function registrationsOf(roots: readonly pulumi.Resource[]): Promise<void> {
    const waited = new Set<pulumi.Resource>();
    let pending = descendantsOf(roots, waited);
    while (pending.length > 0) {
        await Promise.all(pending.map(urnOf));
        pending = descendantsOf(roots, waited);
    }
}

/** The resources under `roots` (roots included) not yet in `seen`; adds them to it. */
function descendantsOf(
    roots: readonly pulumi.Resource[],
    seen: Set<pulumi.Resource>,
): pulumi.Resource[] {
    const found: pulumi.Resource[] = [];
    const stack = [...roots];
    while (stack.length > 0) {
        const resource = stack.pop() as pulumi.Resource;
        if (!seen.has(resource)) {
            seen.add(resource);
            found.push(resource);
        }
        stack.push(...childrenOf(resource));
    }
    return found;
}

/**
 * The resources constructed with `resource` as their parent. The SDK records them in
 * `__childResources` (what it expands a `dependsOn` on a component to); that field is not part
 * of its typed API, so its absence is an error rather than a batch silently not waited for.
 */
function childrenOf(resource: pulumi.Resource): Iterable<pulumi.Resource> {
    const children = (resource as unknown as { __childResources?: unknown }).__childResources;
    if (children === undefined) {
        return [];
    }
    if (!(children instanceof Set)) {
        throw new Error(
            "@pulumi/pulumi: a resource's __childResources is not a Set; registerTenants " +
                "(components/platform/tenants.ts) cannot find a tenant's children in this SDK version",
        );
    }
    return children as Set<pulumi.Resource>;
}

/** The resource's URN once the engine has answered its registration. */
function urnOf(resource: pulumi.Resource): Promise<string> {
    const urn = resource.urn as unknown as { promise?: () => Promise<string> };
    if (typeof urn.promise !== "function") {
        throw new Error(
            "@pulumi/pulumi: a resource's urn Output has no promise(); registerTenants " +
                "(components/platform/tenants.ts) cannot wait for registrations in this SDK version",
        );
    }
    return urn.promise();
}
