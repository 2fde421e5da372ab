#!/usr/bin/env node
// predict.mjs: classifies PNG and JPEG files with a model file, through the same C preprocessing as
// the page (Engine.preprocess), after the same decoding: EXIF orientation honoured, photos larger
// than 1024 px on the long side area-averaged down (scripts/lib/image.mjs).
//   node scripts/predict.mjs --model FILE [--json] [--preview] IMAGE...
// A line per image (file, digit, its probability, the ten probabilities); --json: one JSON object
// per line. A bad image gets a one-line message and the others go on; exit status 1 if any failed.
import { parseOrExit } from './lib/cli.mjs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { loadNN, Status } from '../web/nn.js';
import { WASM_PATH } from './lib/data.mjs';
import { readImage, ImageError } from './lib/image.mjs';

const USAGE = `usage: node scripts/predict.mjs --model FILE [options] IMAGE...
  --model FILE   a model file written by train.mjs or the page
  --json         one JSON object per line per image
  --preview      also draw the 28x28 input the network sees, as text`;

class UsageError extends Error {}

export function parseOptions(argv) {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: true,
            options: {
                model: { type: 'string' },
                json: { type: 'boolean', default: false },
                preview: { type: 'boolean', default: false },
                help: { type: 'boolean', short: 'h', default: false },
            },
        });
    } catch (e) {
        throw new UsageError(e.message);
    }
    const { values: o, positionals: images } = parsed;
    if (!o.help && !o.model) throw new UsageError('--model FILE is required');
    if (!o.help && images.length === 0) throw new UsageError('no image files given');
    return { model: o.model, json: o.json, preview: o.preview, help: o.help, images };
}

const RAMP = ' .:-=+*#%@';

/** The 28x28 input as 28 lines of text, darker characters for more ink. */
export function preview(input) {
    const lines = [];
    for (let y = 0; y < 28; y++) {
        let s = '';
        for (let x = 0; x < 28; x++) s += RAMP[Math.min(RAMP.length - 1, Math.floor(input[y * 28 + x] * RAMP.length))].repeat(2);
        lines.push(s.trimEnd());
    }
    return lines.join('\n');
}

/** Why an image failed, in a few words. */
function reason(e) {
    if (e?.code === Status.NO_DIGIT) return 'no digit found';
    if (e instanceof ImageError) return e.message;
    if (e?.code === 'ENOENT') return 'no such file';
    if (e?.code === 'EISDIR') return 'a directory, not an image';
    return e?.message ?? String(e);
}

/** Classifies one file: {file, digit, probability, probabilities, input, ...} or throws. */
export async function classify(engine, net, file) {
    const img = readImage(await readFile(file));
    const { input, info } = engine.preprocess(img);
    const probabilities = Array.from(net.predict(input));
    let digit = 0;
    for (let k = 1; k < probabilities.length; k++) if (probabilities[k] > probabilities[digit]) digit = k;
    return {
        file,
        digit,
        probability: probabilities[digit],
        probabilities,
        // the file's size upright; box is in the pixels preprocessed, which are `scaled` when the
        // photo was larger than 1024 px
        width: img.orientation >= 5 ? img.source.height : img.source.width,
        height: img.orientation >= 5 ? img.source.width : img.source.height,
        scaled: Math.max(img.width, img.height) < Math.max(img.source.width, img.source.height) ? { width: img.width, height: img.height } : null,
        orientation: img.orientation,
        lightOnDark: info.lightOnDark,
        box: info.box,
        input,
    };
}

async function main() {
    const opts = parseOrExit('predict.mjs', parseOptions, USAGE);
    let engine, net;
    try {
        const bytes = await readFile(opts.model);
        engine = await loadNN(WASM_PATH);
        net = engine.loadModel(bytes);
        if (net.inputs !== 784) throw new Error(`the network takes ${net.inputs} inputs, not 28x28 = 784`);
    } catch (e) {
        const what = e.code === 'ENOENT' ? 'no such file' : e.message;
        console.error(`predict.mjs: ${opts.model}: ${what}`);
        process.exit(1);
    }
    let failed = 0;
    for (const file of opts.images) {
        let r;
        try {
            r = await classify(engine, net, file);
        } catch (e) {
            failed++;
            if (opts.json) console.log(JSON.stringify({ file, error: reason(e) }));
            else console.error(`${file}: ${reason(e)}`);
            continue;
        }
        const probs = r.probabilities.map((p) => Number(p.toFixed(4)));
        if (opts.json) {
            const { input, ...rest } = r;
            console.log(JSON.stringify({ ...rest, probability: probs[r.digit], probabilities: probs, ...(opts.preview ? { input: Array.from(input, (v) => Number(v.toFixed(3))) } : {}) }));
        } else {
            console.log(`${file}: ${r.digit} (p ${r.probability.toFixed(3)})  ${r.probabilities.map((p, k) => `${k}:${p.toFixed(3)}`).join(' ')}`);
            if (opts.preview) console.log(preview(r.input));
        }
    }
    if (failed) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
