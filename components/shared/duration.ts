/**
 * Go duration strings as Kubernetes configuration files take them (`3s`, `5m0s`, `1h30m`): the
 * format the API server and the kubelet parse with `time.ParseDuration` (without a sign).
 */
const unitMs: Readonly<Record<string, number>> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1_000,
    m: 60_000,
    h: 3_600_000,
};

const durationPattern = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** True when `value` is a Go duration such as `3s`, `5m0s` or `1h30m`. */
export function isGoDuration(value: string): boolean {
    return durationPattern.test(value);
}

/** The length of a Go duration in milliseconds, or undefined when the text is not one. */
export function goDurationMs(value: string): number | undefined {
    if (!isGoDuration(value)) {
        return undefined;
    }
    let total = 0;
    for (const part of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
        total += Number(part[1]) * unitMs[part[2]];
    }
    return total;
}
