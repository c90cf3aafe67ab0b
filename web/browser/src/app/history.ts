/** The patient page's history feature (to be built). */

import type { PatientContext } from "./context.js";

export function setup(_ctx: PatientContext): void {
  // nothing yet
}
