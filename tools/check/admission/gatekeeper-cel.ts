/**
 * Evaluates a Gatekeeper ConstraintTemplate's CEL (`K8sNativeValidation`) against an admission
 * request, offline, with @marcbachmann/cel-js.
 *
 * The bindings are Gatekeeper's: the CEL activation holds `object`, `oldObject`, `request` and
 * `params` (the Constraint object itself). Before the template's own variables, Gatekeeper
 * prepends two variables whose expressions are fixed by its K8sNativeValidation driver; they are
 * evaluated here from those same expressions (not re-implemented), then the template's variables
 * in order, then each validation. A validation that is false is a violation, reported with its
 * `messageExpression`. An evaluation error anywhere throws, so a broken expression is never
 * reported as a verdict.
 *
 * Each expression is parsed once and kept (the check evaluates the same few dozen expressions for
 * every workload of a stack).
 */
import { parse } from "@marcbachmann/cel-js";

/**
 * The variables Gatekeeper's driver binds ahead of a template's own (`BindParamsV1Beta1` and
 * `BindObjectV1Beta1` in the frameworks' `k8scel` package), verbatim.
 */
export const gatekeeperPreamble: readonly { name: string; expression: string }[] = [
    {
        name: "params",
        expression:
            "!has(params.spec) ? null : !has(params.spec.parameters) ? null: params.spec.parameters",
    },
    {
        name: "anyObject",
        expression:
            'has(request.operation) && request.operation == "DELETE" && object == null ? oldObject : object',
    },
];

/** One admission request to evaluate. */
export interface AdmissionInput {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly object: Record<string, any> | null;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly oldObject?: Record<string, any> | null;
    /** @default "CREATE" */
    readonly operation?: "CREATE" | "UPDATE" | "DELETE";
    /** The request's namespace (from the URL); @default the object's namespace or "" */
    readonly namespace?: string;
}

/** The verdict: admitted when there are no messages. */
export interface AdmissionVerdict {
    readonly allowed: boolean;
    readonly messages: string[];
}

/** The K8sNativeValidation source of a template. */
export interface CelSource {
    readonly variables?: readonly { name: string; expression: string }[];
    readonly validations: readonly {
        expression: string;
        message?: string;
        messageExpression?: string;
    }[];
}

/** The K8sNativeValidation source of a ConstraintTemplate; throws when it has none. */
export function celSource(template: Record<string, unknown>): CelSource {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const targets = (template as any)?.spec?.targets as
        | { code?: { engine: string; source: CelSource }[] }[]
        | undefined;
    if (!Array.isArray(targets) || targets.length !== 1) {
        throw new Error("a ConstraintTemplate has exactly one target");
    }
    const code = (targets[0].code ?? []).find((c) => c.engine === "K8sNativeValidation");
    if (code === undefined) {
        throw new Error("template has no K8sNativeValidation code");
    }
    if (!Array.isArray(code.source?.validations)) {
        throw new Error("template's K8sNativeValidation source has no validations");
    }
    return code.source;
}

type Compiled = ReturnType<typeof parse>;
const compiled = new Map<string, Compiled>();

/** Evaluates one CEL expression (parsed once per process). */
export function evaluateCel(expression: string, activation: Record<string, unknown>): unknown {
    let program = compiled.get(expression);
    if (program === undefined) {
        program = parse(expression);
        compiled.set(expression, program);
    }
    return program(activation);
}

/** Evaluates a template for one request under one Constraint object. */
export function evaluateTemplate(
    template: Record<string, unknown>,
    constraint: Record<string, unknown>,
    input: AdmissionInput,
): AdmissionVerdict {
    const source = celSource(template);
    const object = input.object ?? null;
    const oldObject = input.oldObject ?? null;
    const namespace =
        input.namespace ??
        (object?.metadata as { namespace?: string } | undefined)?.namespace ??
        "";
    const request = { operation: input.operation ?? "CREATE", namespace };
    const variables: Record<string, unknown> = {};
    const activation = { object, oldObject, request, params: constraint, variables };
    for (const v of [...gatekeeperPreamble, ...(source.variables ?? [])]) {
        variables[v.name] = evaluateCel(v.expression, activation);
    }
    const messages: string[] = [];
    for (const validation of source.validations) {
        const result = evaluateCel(validation.expression, activation);
        if (typeof result !== "boolean") {
            throw new Error(`validation "${validation.expression}" returned ${String(result)}`);
        }
        if (!result) {
            let message = validation.message ?? "";
            if (validation.messageExpression !== undefined) {
                const m = evaluateCel(validation.messageExpression, activation);
                message = typeof m === "string" ? m : message;
            }
            messages.push(message);
        }
    }
    return { allowed: messages.length === 0, messages };
}
