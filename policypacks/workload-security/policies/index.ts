import { Policies } from "@pulumi/policy";
import { podSecurityPrivileged } from "./pod-security-privileged";

/** Every policy of the workload-security pack, in the order they are reported. */
export const policies: Policies = [podSecurityPrivileged];
