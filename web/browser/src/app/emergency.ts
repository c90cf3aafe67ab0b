/** The emergency page's controller (to be built). */

export function start(): void {
  // nothing yet
}
