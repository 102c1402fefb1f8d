// Reading a QR code with the camera: getUserMedia into a <video>, frames drawn onto a canvas and
// decoded with jsQR until one holds a code. The camera is released as soon as the dialog closes.
import { t } from '../i18n.ts';
import { byId } from './dom.ts';

/** Decoding every frame at full resolution is wasted work on a phone: scan a smaller copy. */
const MAX_SCAN_WIDTH = 640;
const SCAN_INTERVAL_MS = 120;

export class ScanCancelled extends Error {
  override name = 'ScanCancelled';
  constructor() {
    super('Scanning was cancelled');
  }
}

function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (!window.isSecureContext) return t('The camera needs a secure (https) page. Open Pairkey over https, or paste the link instead.');
  if (name === 'NotAllowedError') return t('Camera access was refused. Allow it in your browser settings, or paste the link instead.');
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return t('No camera found. Paste the link instead.');
  return t('The camera could not start ({reason}).', { reason: name || String(error) });
}

/** Open the scanner and resolve with the text of the first QR code it sees. */
export async function scanQrCode(prompt: string): Promise<string> {
  const dialog = byId<HTMLDialogElement>('scanner');
  const video = byId<HTMLVideoElement>('scanner-video');
  const status = byId('scanner-status');
  status.textContent = t('Starting the camera…');
  dialog.showModal();

  let stream: MediaStream | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    clearTimeout(timer);
    stream?.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  };

  const closed = new Promise<never>((_, reject) => dialog.addEventListener('close', () => reject(new ScanCancelled()), { once: true }));
  closed.catch(() => undefined);
  try {
    stream = await Promise.race([navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false }), closed]);
  } catch (error) {
    stop();
    if (error instanceof ScanCancelled) throw error;
    status.textContent = cameraProblem(error);
    // Leave the dialog open with the explanation; closing it ends the scan.
    return closed;
  }
  video.srcObject = stream;
  await video.play().catch(() => undefined);
  status.textContent = prompt;

  // The decoder is a quarter of the app's code and only needed here: load it on first use.
  const { default: jsQR } = await import('jsqr');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error(t('This browser cannot read camera frames'));
  const found = new Promise<string>((resolve) => {
    const scan = (): void => {
      if (video.videoWidth > 0) {
        const scale = Math.min(1, MAX_SCAN_WIDTH / video.videoWidth);
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' });
        if (code?.data) return resolve(code.data);
      }
      timer = setTimeout(scan, SCAN_INTERVAL_MS);
    };
    scan();
  });
  try {
    return await Promise.race([found, closed]);
  } finally {
    stop();
    if (dialog.open) dialog.close('done');
  }
}
