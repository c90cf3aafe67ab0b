/** The patient page's fhir feature (to be built). */

import type { PatientContext } from "./context.js";

export function setup(_ctx: PatientContext): void {
  // nothing yet
}
