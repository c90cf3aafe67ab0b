/** The camera and photos, read with jsQR (the emergency, contact and patient pages): the first
 * QR code in a photo, and the webcam (the back camera on a phone) read frame by frame. */

import jsqrModule from "jsqr";

type Decoder = (data: Uint8ClampedArray, w: number, h: number,
  o?: { inversionAttempts?: "dontInvert" | "attemptBoth" }) => { data: string } | null;
const loaded = jsqrModule as unknown as Decoder | { default: Decoder };
const jsQR: Decoder = typeof loaded === "function" ? loaded : loaded.default;

const FRAME_MS = 120;

/** The first QR code in an image's pixels, or null. */
function decodePixels(source: CanvasImageSource, width: number, height: number): string | null {
  if (!width || !height) return null;
  const scale = Math.min(1, 1280 / Math.max(width, height));
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  if (!g) return null;
  g.drawImage(source, 0, 0, w, h);
  const found = jsQR(g.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "attemptBoth" });
  return found ? found.data : null;
}

/** The text of the QR code in a photo (a file chosen or taken), or null. */
export async function readImageFile(file: File): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    return decodePixels(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** The webcam (the back camera on a phone) read frame by frame with jsQR until ``accept``
 * takes a text; the stream is stopped then, on ``stop`` and when the page is hidden. */
export class Scanner {
  private stream: MediaStream | null = null;
  private timer: number | undefined;

  constructor(private readonly video: HTMLVideoElement,
    private readonly accept: (text: string) => boolean) {
    document.addEventListener("visibilitychange", () => { if (document.hidden) this.stop(); });
  }

  get running(): boolean {
    return this.stream !== null;
  }

  async start(): Promise<void> {
    this.stop();
    if (!navigator.mediaDevices?.getUserMedia) throw new Error("getUserMedia");
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: false,
      video: { facingMode: { ideal: "environment" } } });
    this.video.srcObject = this.stream;
    this.video.hidden = false;
    await this.video.play();
    const tick = (): void => {
      if (!this.stream) return;
      const text = decodePixels(this.video, this.video.videoWidth, this.video.videoHeight);
      if (text !== null && this.accept(text)) {
        this.stop();
        return;
      }
      this.timer = window.setTimeout(tick, FRAME_MS);
    };
    tick();
  }

  stop(): void {
    window.clearTimeout(this.timer);
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.video.hidden = true;
  }
}
