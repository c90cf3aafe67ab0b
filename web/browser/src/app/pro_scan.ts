/** Reading a QR code on the professional's page: the webcam (getUserMedia, the back camera
 * on a phone; frames drawn to a canvas and decoded by jsQR in a requestAnimationFrame loop),
 * a photo (an image file, the phone's camera app), or the text pasted. Each gives a text to
 * ``found``; nothing here knows what a consent is. */

import jsqrImport from "jsqr";
import { $, input, msg } from "./dom.js";

type Decoder = (data: Uint8ClampedArray, width: number, height: number,
  options?: { inversionAttempts?: "dontInvert" | "onlyInvert" | "attemptBoth" | "invertFirst" }) =>
  { data: string } | null;
const loaded = jsqrImport as unknown as Decoder | { default: Decoder };
const jsQR: Decoder = typeof loaded === "function" ? loaded : loaded.default;

const MAX_SIDE = 1024; // photos are scaled down to this before decoding

/** The text of the first QR code in ``pixels``, or null. */
export function decodePixels(data: Uint8ClampedArray, width: number, height: number): string | null {
  return jsQR(data, width, height, { inversionAttempts: "attemptBoth" })?.data ?? null;
}

function drawAndDecode(source: CanvasImageSource, w: number, h: number, canvas: HTMLCanvasElement): string | null {
  const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
  canvas.width = Math.max(1, Math.round(w * scale));
  canvas.height = Math.max(1, Math.round(h * scale));
  const g = canvas.getContext("2d", { willReadFrequently: true });
  if (!g) return null;
  g.drawImage(source, 0, 0, canvas.width, canvas.height);
  const img = g.getImageData(0, 0, canvas.width, canvas.height);
  return decodePixels(img.data, img.width, img.height);
}

export interface Scanner {
  /** Stop the camera (if running) and forget the last frame. */
  stop(): void;
}

/** Wire the camera button, the photo input and the paste form to ``found``. */
export function setupScanner(found: (text: string) => void, alert: (text: string) => void): Scanner {
  const video = $("#pc-video") as HTMLVideoElement;
  const canvas = $("#pc-frame") as HTMLCanvasElement;
  const button = $("#pc-camera");
  let stream: MediaStream | null = null;
  let frame = 0;

  const stop = (): void => {
    window.cancelAnimationFrame(frame);
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = null;
    video.srcObject = null;
    video.hidden = true;
    button.textContent = msg("pro.camera_start");
    const g = canvas.getContext("2d");
    g?.clearRect(0, 0, canvas.width, canvas.height);
  };

  const tick = (): void => {
    if (!stream) return;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      const text = drawAndDecode(video, video.videoWidth, video.videoHeight, canvas);
      if (text) {
        stop();
        found(text);
        return;
      }
    }
    frame = window.requestAnimationFrame(tick);
  };

  button.addEventListener("click", () => {
    if (stream) return stop();
    alert("");
    void (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" },
          audio: false });
      } catch {
        stream = null;
        alert(msg("pro.camera_denied"));
        return;
      }
      video.srcObject = stream;
      video.hidden = false;
      button.textContent = msg("pro.camera_stop");
      try {
        await video.play();
      } catch { /* muted inline video plays; a refusal shows as no frames */ }
      frame = window.requestAnimationFrame(tick);
    })();
  });

  const photo = input("#pc-photo");
  photo.addEventListener("change", () => {
    const file = photo.files?.[0];
    photo.value = "";
    if (!file) return;
    alert("");
    void (async () => {
      let text: string | null = null;
      try {
        const bitmap = await createImageBitmap(file);
        text = drawAndDecode(bitmap, bitmap.width, bitmap.height, canvas);
        bitmap.close();
      } catch { /* not an image the browser can read */ }
      const g = canvas.getContext("2d");
      g?.clearRect(0, 0, canvas.width, canvas.height);
      if (text) found(text);
      else alert(msg("pro.photo_none"));
    })();
  });

  $("#pro-paste-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const box = $("#pc-text") as HTMLTextAreaElement;
    const text = box.value.trim();
    box.value = "";
    if (text) found(text);
  });

  return { stop };
}
