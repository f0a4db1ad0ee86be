const suffixes: Readonly<Record<string, number>> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/**
 * The value of a Kubernetes quantity (`500m` → 0.5, `16Gi` → 17179869184), for comparing two
 * quantities; undefined when the text is not a plain decimal quantity. Exponent notation (`1e3`)
 * is not accepted: the settings never produce it.
 */
export function parseQuantity(text: string): number | undefined {
    const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(text);
    if (match === null) {
        return undefined;
    }
    return Number(match[1]) * suffixes[match[2] ?? ""];
}
