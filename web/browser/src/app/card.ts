/** The emergency panel: break-glass on and off (moved out of patient.ts). */

import type { PatientContext } from "./context.js";
import { $, msg } from "./dom.js";

export function setup(ctx: PatientContext): void {
  for (const [id, on] of [["#glass-on", true], ["#glass-off", false]] as const) {
    $(id).addEventListener("click", () => {
      const s = ctx.session();
      if (!s) return;
      void ctx.busy(msg("state.working"), async () => {
        await (on ? s.allowBreakGlass() : s.refuseBreakGlass());
        ctx.status(msg(on ? "glass.done_on" : "glass.done_off"));
      });
    });
  }
}
