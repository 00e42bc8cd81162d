import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BASELINE_DIR = path.join(HERE, 'baselines');
export const OUTPUT_DIR = path.join(HERE, '..', 'test-results', 'e2e');

/**
 * Share of pixels that may differ from the baseline: anti-aliasing and font rasterisation vary a
 * little between Chromium builds; a moved panel, a missing chart or a broken layout differs by far
 * more.
 */
export const MAX_DIFF_RATIO = 0.02;

export interface ScreenshotComparison {
  differentPixels: number;
  ratio: number;
  /** Where the diff image was written (test-results), when the sizes matched. */
  diffPath: string | null;
}

/**
 * Compares `png` with the committed baseline `name`.png. With `UPDATE_BASELINES=1` (or no baseline
 * yet under that variable) it writes the baseline instead and reports no difference; without a
 * baseline and without the variable it throws, so a forgotten baseline fails the test.
 */
export function compareWithBaseline(name: string, png: Buffer): ScreenshotComparison {
  const baselinePath = path.join(BASELINE_DIR, `${name}.png`);
  mkdirSync(OUTPUT_DIR, { recursive: true });
  writeFileSync(path.join(OUTPUT_DIR, `${name}.actual.png`), png);
  if (process.env['UPDATE_BASELINES'] === '1') {
    mkdirSync(BASELINE_DIR, { recursive: true });
    writeFileSync(baselinePath, png);
    return { differentPixels: 0, ratio: 0, diffPath: null };
  }
  if (!existsSync(baselinePath)) {
    throw new Error(`No baseline ${baselinePath}: run the e2e tests with UPDATE_BASELINES=1 and commit the image after looking at it.`);
  }
  const expected = PNG.sync.read(readFileSync(baselinePath));
  const actual = PNG.sync.read(png);
  if (expected.width !== actual.width || expected.height !== actual.height) {
    return { differentPixels: Number.POSITIVE_INFINITY, ratio: 1, diffPath: null };
  }
  const diff = new PNG({ width: expected.width, height: expected.height });
  const differentPixels = pixelmatch(expected.data, actual.data, diff.data, expected.width, expected.height, { threshold: 0.2 });
  const diffPath = path.join(OUTPUT_DIR, `${name}.diff.png`);
  writeFileSync(diffPath, PNG.sync.write(diff));
  return { differentPixels, ratio: differentPixels / (expected.width * expected.height), diffPath };
}
