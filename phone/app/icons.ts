// The app's PNG icons, drawn at build time from the same shapes as public/icon.svg (a white key on
// a blue square): installable web apps need 192 and 512 px PNGs, and a maskable one whose artwork
// stays inside the central safe zone that launchers may crop to a circle.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

const BLUE = [0x1d, 0x4e, 0xd8] as const;
const SUPERSAMPLE = 4;

/** Is the point (in the SVG's 0..100 units) part of the white key? */
function onKey(x: number, y: number): boolean {
  const ring = Math.hypot(x - 38, y - 50);
  if (ring >= 8 && ring <= 17) return true;
  const inRect = (x0: number, y0: number, w: number, h: number) => x >= x0 && x <= x0 + w && y >= y0 && y <= y0 + h;
  return inRect(50, 46, 30, 8) || inRect(68, 54, 5, 10) || inRect(76, 54, 4, 7);
}

/** Inside the rounded square (rx 22) of the regular icon. */
function onBackground(x: number, y: number): boolean {
  const r = 22;
  const cx = Math.min(Math.max(x, r), 100 - r);
  const cy = Math.min(Math.max(y, r), 100 - r);
  return Math.hypot(x - cx, y - cy) <= r;
}

function drawIcon(size: number, maskable: boolean): Buffer {
  const png = new PNG({ width: size, height: size });
  // Maskable: full-bleed background, artwork shrunk to 80 % so a circular crop keeps all of it.
  const artScale = maskable ? 0.8 : 1;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let key = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = ((px + (sx + 0.5) / SUPERSAMPLE) / size) * 100;
          const y = ((py + (sy + 0.5) / SUPERSAMPLE) / size) * 100;
          if (maskable || onBackground(x, y)) bg++;
          if (onKey(50 + (x - 50) / artScale, 50 + (y - 50) / artScale)) key++;
        }
      }
      const samples = SUPERSAMPLE * SUPERSAMPLE;
      const white = key / samples;
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) png.data[i + c] = Math.round(BLUE[c]! * (1 - white) + 255 * white);
      png.data[i + 3] = Math.round((255 * Math.max(bg, key)) / samples);
    }
  }
  return PNG.sync.write(png);
}

/** Write icon-192.png, icon-512.png and icon-maskable-512.png into `dir`. */
export function writeIcons(dir: string): void {
  writeFileSync(join(dir, 'icon-192.png'), drawIcon(192, false));
  writeFileSync(join(dir, 'icon-512.png'), drawIcon(512, false));
  writeFileSync(join(dir, 'icon-maskable-512.png'), drawIcon(512, true));
}
