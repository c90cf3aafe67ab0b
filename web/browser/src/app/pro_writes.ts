/** The professional's writes (to be built): reports, prescriptions with the check, deposits. */

export function setup(): void {
  // nothing yet
}
