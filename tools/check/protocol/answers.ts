/**
 * The object of the in-process engine's answer to a registration (RegisterResourceResponse's
 * `object`), which the program reads back as its resource's state.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { codec } from "./codec";
import { structRoundTrip, WireObject } from "./struct";

/** Whether answers go through google-protobuf instead (codec.ts). */
const generatedCode = codec() === "google-protobuf";

/** A Struct whose `toJavaScript()` is `value()`: the only way the SDK reads a response's object. */
function structReading(value: () => WireObject): Struct {
    const struct = new Struct();
    Object.defineProperty(struct, "toJavaScript", { value });
    return struct;
}

/**
 * The Struct to answer with for `state` (the serialized outputs): the SDK's mock monitor sends
 * `Struct.fromJavaScript(state)`, which the program reads with `toJavaScript()`; here that value is
 * computed directly, when it is read (`structRoundTrip`), without building google-protobuf
 * messages. test/tools/engine.spec.ts compares the answers with the SDK's own.
 */
export function registrationObject(state: Record<string, unknown>): Struct {
    return generatedCode
        ? Struct.fromJavaScript(state as never)
        : structReading(() => structRoundTrip(state));
}
