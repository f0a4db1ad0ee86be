/** Defaults and limits of break-glass access, in one place (the settings and the component read them). */

/** The longest a break-glass entry may stay enabled: emergency access is time-boxed. */
export const breakGlassMaxHours = 168;

/** The longest break-glass reason: an incident or ticket reference and one sentence of why. */
export const breakGlassReasonMaxLength = 500;
