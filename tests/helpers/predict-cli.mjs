// predict-cli.mjs: what the photo and paper tests share to read pictures as a user does: the
// model they read with, picture files, and scripts/predict.mjs run on them.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { ROOT } from '../../scripts/lib/data.mjs';
import { trainModelInNode } from './page-actions.mjs';

export const PHOTO_EPOCHS = 5; // the Keras recipe, as issue 7 measures it

/** The model file's bytes: NN_PHOTO_MODEL's, else the Keras recipe trained here (seed 1). */
export async function photoModelBytes() {
    if (process.env.NN_PHOTO_MODEL) return readFileSync(process.env.NN_PHOTO_MODEL);
    return trainModelInNode({ epochs: PHOTO_EPOCHS });
}

/** scripts/predict.mjs with args: {code, stdout, stderr}. */
export function runPredict(args) {
    return new Promise((resolve) => {
        execFile(process.execPath, [path.join(ROOT, 'scripts', 'predict.mjs'), ...args], { cwd: ROOT }, (error, stdout, stderr) =>
            resolve({ code: error ? error.code : 0, stdout, stderr }),
        );
    });
}

/** RGBA pixels as a PNG file. */
export function writePng(file, { data, width, height }) {
    const png = new PNG({ width, height });
    png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    writeFileSync(file, PNG.sync.write(png));
}
