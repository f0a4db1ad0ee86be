/**
 * The chart version grammar, shared by the `charts` settings and the chart policies: one
 * definition, so a version the settings accept is one the packs accept.
 *
 * This module is dependency-free: packs and the check import it without loading a component.
 */

/** An exact chart version (`1.2.3`, `v1.2.3`, `1.2.3-rc.1`): never a range or `latest`. */
export const exactVersionPattern = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
