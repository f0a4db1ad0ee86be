/**
 * One source for what settings, components, packs and the check share (issue 23): the image
 * reference grammar of `contract/images.ts` as the components mirror images and the packs read
 * them, the replica bounds of the settings and of the components, and the admission controllers'
 * settings defaults, which come from the components' own defaults.
 */
import * as assert from "node:assert/strict";
import { certManagerDefaults } from "../../components/cert-manager/defaults";
import { certManagerSection } from "../../components/cert-manager/settings";
import { falcoDefaults } from "../../components/falco/defaults";
import { falcoSection } from "../../components/falco/settings";
import { gatekeeperDefaults } from "../../components/gatekeeper/defaults";
import {
    defaultAdmissionExemptNamespaces,
    gatekeeperSection,
} from "../../components/gatekeeper/settings";
import { kyvernoDefaults } from "../../components/kyverno/defaults";
import { kyvernoSection } from "../../components/kyverno/settings";
import { linkerdDefaults } from "../../components/linkerd/defaults";
import { linkerdSection } from "../../components/linkerd/settings";
import { imageRegistry, mirrorImage } from "../../components/shared/chart-source";
import { replicaLimits, replicaProblem } from "../../components/shared/replicas";
import { replicas } from "../../components/shared/settings";
import { parseImage, splitRegistry } from "../../contract/images";
import { parseImage as packParseImage } from "../../policypacks/lib/images";

const mirror = { mirror: "harbor.example/mirror" };

describe("the shared contract (contract/)", () => {
    describe("image references (contract/images.ts)", () => {
        const cases: readonly {
            readonly image: string;
            readonly registry: string;
            readonly repository: string;
            readonly tag?: string;
            readonly digest?: string;
            readonly mirrored: string;
        }[] = [
            {
                image: "nginx",
                registry: "docker.io",
                repository: "library/nginx",
                mirrored: "harbor.example/mirror/library/nginx",
            },
            {
                image: "nginx:1.27",
                registry: "docker.io",
                repository: "library/nginx",
                tag: "1.27",
                mirrored: "harbor.example/mirror/library/nginx:1.27",
            },
            {
                image: "falcosecurity/falco:0.42.1",
                registry: "docker.io",
                repository: "falcosecurity/falco",
                tag: "0.42.1",
                mirrored: "harbor.example/mirror/falcosecurity/falco:0.42.1",
            },
            {
                image: "registry.example:5000/ai/model:1.2@sha256:abc",
                registry: "registry.example:5000",
                repository: "ai/model",
                tag: "1.2",
                digest: "sha256:abc",
                mirrored: "harbor.example/mirror/ai/model:1.2@sha256:abc",
            },
            {
                image: "localhost/tool@sha256:def",
                registry: "localhost",
                repository: "tool",
                digest: "sha256:def",
                mirrored: "harbor.example/mirror/tool@sha256:def",
            },
            {
                image: "ghcr.io/kyverno/*",
                registry: "ghcr.io",
                repository: "kyverno/*",
                mirrored: "harbor.example/mirror/kyverno/*",
            },
        ];
        for (const c of cases) {
            it(`reads "${c.image}" alike in the components and the packs`, () => {
                const expected = {
                    registry: c.registry,
                    repository: c.repository,
                    name: `${c.registry}/${c.repository}`,
                    ...(c.tag !== undefined ? { tag: c.tag } : {}),
                    ...(c.digest !== undefined ? { digest: c.digest } : {}),
                };
                assert.deepEqual(parseImage(c.image), expected);
                assert.deepEqual(packParseImage(c.image), expected);
                assert.equal(imageRegistry(c.image), c.registry);
                assert.equal(mirrorImage(c.image, mirror), c.mirrored);
                assert.equal(mirrorImage(c.image, {}), c.image);
            });
        }

        it("keeps path, tag and digest as written when it splits off the registry", () => {
            assert.deepEqual(splitRegistry("quay.io/jetstack/cert-manager-controller:v1.21.1"), {
                registry: "quay.io",
                path: "jetstack/cert-manager-controller:v1.21.1",
            });
            assert.deepEqual(splitRegistry("busybox:1.37"), { path: "busybox:1.37" });
        });
    });

    describe("replica bounds (components/shared/replicas.ts)", () => {
        it("accepts in a component exactly the counts the settings accept", () => {
            for (const count of [-1, 0, 0.5, 1, 2, 3, 9, 10, 11, 100]) {
                const setting = replicas.safeParse(count).success;
                const component = replicaProblem("gatekeeper.replicas", count) === undefined;
                assert.equal(component, setting, `${count} replicas`);
            }
            assert.deepEqual(replicaLimits, { min: 1, max: 10 });
        });

        it("names the setting, the value and the bound it breaks", () => {
            assert.equal(
                replicaProblem("kyverno.replicas", 0),
                "kyverno.replicas is 0; expected a whole number of at least 1",
            );
            assert.equal(
                replicaProblem("kyverno.replicas", 11),
                "kyverno.replicas is 11; expected at most 10 replicas",
            );
        });
    });

    describe("settings defaults from the components' defaults (components/<name>/defaults.ts)", () => {
        it("fills the gatekeeper settings from the component's defaults", () => {
            const g = gatekeeperSection.parse(undefined);
            assert.equal(g.namespace, gatekeeperDefaults.namespace);
            assert.equal(g.enforcementAction, gatekeeperDefaults.enforcementAction);
            assert.equal(g.failurePolicy, gatekeeperDefaults.failurePolicy);
            assert.equal(g.replicas, gatekeeperDefaults.replicas);
            assert.equal(g.webhookTimeoutSeconds, gatekeeperDefaults.webhookTimeoutSeconds);
            assert.deepEqual(g.disallowedTags, gatekeeperDefaults.disallowedTags);
            assert.deepEqual(g.requiredNamespaceLabels, gatekeeperDefaults.requiredNamespaceLabels);
            assert.deepEqual(g.requiredLimits, gatekeeperDefaults.requiredLimits);
            assert.deepEqual(g.rbacWildcardExemptRoles, gatekeeperDefaults.rbacWildcardExemptRoles);
        });

        it("fills the kyverno settings from the component's defaults", () => {
            const k = kyvernoSection.parse(undefined);
            assert.equal(k.namespace, kyvernoDefaults.namespace);
            assert.equal(k.validationFailureAction, kyvernoDefaults.validationFailureAction);
            assert.equal(k.failurePolicy, kyvernoDefaults.failurePolicy);
            assert.equal(k.replicas, kyvernoDefaults.replicas);
            assert.equal(k.webhookTimeoutSeconds, kyvernoDefaults.webhookTimeoutSeconds);
            assert.equal(
                k.imageVerification.timeoutSeconds,
                kyvernoDefaults.imageVerificationTimeoutSeconds,
            );
            assert.equal(k.generateDefaultDeny, kyvernoDefaults.generateDefaultDeny);
        });

        it("fills the runtime settings from the components' defaults", () => {
            const c = certManagerSection.parse(undefined);
            assert.equal(c.namespace, certManagerDefaults.namespace);
            assert.equal(c.replicas, certManagerDefaults.replicas);
            assert.equal(c.serviceMonitor, certManagerDefaults.serviceMonitor);
            const ca = certManagerSection.parse({ ca: {} }).ca;
            assert.deepEqual(ca, certManagerDefaults.ca);
            const l = linkerdSection.parse(undefined);
            assert.equal(l.namespace, linkerdDefaults.namespace);
            assert.equal(l.cniNamespace, linkerdDefaults.cniNamespace);
            assert.equal(l.highAvailability, linkerdDefaults.highAvailability);
            assert.equal(l.injectorFailurePolicy, linkerdDefaults.injectorFailurePolicy);
            assert.equal(l.defaultInboundPolicy, linkerdDefaults.defaultInboundPolicy);
            assert.equal(l.trustDomain, linkerdDefaults.trustDomain);
            assert.deepEqual(l.identityIssuer, linkerdDefaults.identityIssuer);
            assert.equal(l.podMonitor, linkerdDefaults.podMonitor);
            assert.deepEqual(
                linkerdSection.parse({ trustAnchors: {} }).trustAnchors,
                linkerdDefaults.trustAnchors,
            );
            const f = falcoSection.parse(undefined);
            assert.equal(f.namespace, falcoDefaults.namespace);
            assert.equal(f.containerRuntime, falcoDefaults.containerRuntime);
            assert.equal(f.minimumPriority, falcoDefaults.minimumPriority);
            assert.deepEqual(f.rules.modelReaders, falcoDefaults.modelReaders);
            assert.equal(f.alerts.mode, falcoDefaults.alertMode);
            assert.equal(f.alerts.minimumPriority, falcoDefaults.alertMinimumPriority);
            assert.equal(f.alerts.sidekickReplicas, falcoDefaults.sidekickReplicas);
            assert.equal(f.metrics, falcoDefaults.metrics);
            assert.equal(f.prometheusOperator, falcoDefaults.prometheusOperator);
        });

        it("exempts the admission controllers' own namespaces by their default names", () => {
            assert.deepEqual(defaultAdmissionExemptNamespaces, [
                "kube-system",
                "kube-public",
                "kube-node-lease",
                gatekeeperDefaults.namespace,
                kyvernoDefaults.namespace,
            ]);
        });
    });
});
