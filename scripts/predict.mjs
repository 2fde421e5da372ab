#!/usr/bin/env node
// predict.mjs: classifies PNG and JPEG files with a model file, through the same C preprocessing as
// the page (Engine.readNumber: several digits side by side are read as a number), after the same
// decoding: EXIF orientation honoured, photos larger than 1024 px on the long side area-averaged
// down (scripts/lib/image.mjs).
//   node scripts/predict.mjs --model FILE [--json] [--preview] IMAGE...
// A line per image (file, digit, its probability, the ten probabilities; for a number, the digits
// read and each one's probability); --json: one JSON object per line (number, digits with their
// boxes, and digit and probabilities when there is one). A bad image gets a one-line message and
// the others go on; exit status 1 if any failed.
import { UsageError, parseOrExit, parseStrict } from './lib/cli.mjs';
import { pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';
import { loadNN, Status } from '../web/nn.js';
import { WASM_PATH } from './lib/data.mjs';
import { readImage, ImageError } from './lib/image.mjs';

const USAGE = `usage: node scripts/predict.mjs --model FILE [options] IMAGE...
  --model FILE   a model file written by train.mjs or the page
  --json         one JSON object per line per image
  --preview      also draw the 28x28 input the network sees, as text`;

export function parseOptions(argv) {
    const { values: o, positionals: images } = parseStrict(argv, {
        model: { type: 'string' },
        json: { type: 'boolean', default: false },
        preview: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
    }, { positionals: true });
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

/**
 * Reads one file: {file, number, digits: [{digit, probability, probabilities, box, input}], and
 * when there is exactly one digit also digit, probability, probabilities, box and input, ...} or
 * throws. A picture of several digits side by side is read left to right as a number.
 */
export async function classify(engine, net, file) {
    const img = readImage(await readFile(file));
    const r = engine.readNumber(net, img);
    const one = r.digits.length === 1 ? r.digits[0] : null;
    return {
        file,
        number: r.number,
        ...(one ? { digit: one.digit, probability: one.probability, probabilities: one.probabilities } : {}),
        digits: r.digits.map(({ digit, probability, probabilities, box, input }) => ({ digit, probability, probabilities, box, input })),
        // the file's size upright; boxes are in the pixels preprocessed, which are `scaled` when the
        // photo was larger than 1024 px
        width: img.orientation >= 5 ? img.source.height : img.source.width,
        height: img.orientation >= 5 ? img.source.width : img.source.height,
        scaled: Math.max(img.width, img.height) < Math.max(img.source.width, img.source.height) ? { width: img.width, height: img.height } : null,
        orientation: img.orientation,
        lightOnDark: r.lightOnDark,
        lines: r.lines, // printed lines (and dots) of the paper divided out
        ...(one ? { box: one.box, input: one.input } : {}),
    };
}

/** The 28x28 inputs side by side, as text. */
function previews(inputs) {
    const blocks = inputs.map((input) => preview(input).split('\n'));
    return blocks[0].map((_, y) => blocks.map((b) => b[y].padEnd(56)).join('  ').trimEnd()).join('\n');
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
        const round = (v, n) => Number(v.toFixed(n));
        if (opts.json) {
            const { input, digits, ...rest } = r;
            const one = digits.length === 1;
            const out = {
                ...rest,
                ...(one ? { probability: round(r.probability, 4), probabilities: r.probabilities.map((p) => round(p, 4)) } : {}),
                digits: digits.map((d) => ({ digit: d.digit, probability: round(d.probability, 4), box: d.box })),
                ...(opts.preview && one ? { input: Array.from(input, (v) => round(v, 3)) } : {}),
                ...(opts.preview && !one ? { inputs: digits.map((d) => Array.from(d.input, (v) => round(v, 3))) } : {}),
            };
            console.log(JSON.stringify(out));
        } else if (r.digits.length === 1) {
            console.log(`${file}: ${r.digit} (p ${r.probability.toFixed(3)})  ${r.probabilities.map((p, k) => `${k}:${p.toFixed(3)}`).join(' ')}`);
            if (opts.preview) console.log(preview(r.input));
        } else {
            console.log(`${file}: ${r.number}  ${r.digits.map((d) => `${d.digit} (p ${d.probability.toFixed(3)})`).join(' ')}`);
            if (opts.preview) console.log(previews(r.digits.map((d) => d.input)));
        }
    }
    if (failed) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
