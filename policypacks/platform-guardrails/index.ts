// The platform-guardrails pack's entry point. It only constructs the pack: `new PolicyPack` starts the
// analyzer gRPC server (one pack per process), so tests import `./policies` instead.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("platform-guardrails", {
    enforcementLevel: "mandatory",
    policies,
});
