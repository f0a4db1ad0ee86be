/**
 * How many replicas a platform controller may run: one definition for the settings
 * (`gatekeeper.replicas`, `kyverno.replicas`, `certManager.replicas`,
 * `falco.alerts.sidekickReplicas`, `components/shared/settings.ts`) and for the components that
 * take the count as an argument. The settings refused more than 10 while the components accepted
 * any count from 1; the stricter bound is the one of both.
 */

/** The fewest and the most replicas of one controller. */
export const replicaLimits = { min: 1, max: 10 } as const;

/**
 * The problem with a replica count given to a component, or undefined when it is a whole number
 * within {@link replicaLimits}; `setting` names where the count comes from (`gatekeeper.replicas`).
 */
export function replicaProblem(setting: string, replicas: number): string | undefined {
    if (!Number.isInteger(replicas) || replicas < replicaLimits.min) {
        return `${setting} is ${replicas}; expected a whole number of at least ${replicaLimits.min}`;
    }
    if (replicas > replicaLimits.max) {
        return `${setting} is ${replicas}; expected at most ${replicaLimits.max} replicas`;
    }
    return undefined;
}
