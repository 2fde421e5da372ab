#!/usr/bin/env node
/* fuzz_formats.mjs: the JS fuzz targets of the model importers (web/formats/), the JS twin of the
 * libFuzzer targets beside it: 'tfjs' (model.json and its weights; the JSON mutated as JSON: values,
 * keys, types, layers, shapes; the bytes as bytes) and 'onnx' (the protobuf bytes). The property of
 * every input: importFiles either returns a network that predicts finite probabilities summing to
 * 1 and exports back to itself, or refuses with a FormatError or an NNError of one line; any other
 * exception (TypeError, RangeError, ...) or an input slower than 2 s is a failure.
 *   node tests/fuzz/fuzz_formats.mjs [SECONDS] [--runs N] [--targets tfjs,onnx] [--seed S]
 *   node tests/fuzz/fuzz_formats.mjs --make-corpus    (rewrites tests/fuzz/formats/<target>/)
 * Seeds: tests/fuzz/formats/<target>/; failures to keep: tests/fuzz/formats/regress/<target>/.
 * An input file of the tfjs target is "TFJS" | u32 length of model.json | model.json | weights. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadNN, NNError } from '../../web/nn.js';
import { network } from '../../web/architectures.js';
import { FormatError, exportFiles, importFiles } from '../../web/formats/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CORPUS = path.join(HERE, 'formats');
export const TARGETS = ['tfjs', 'onnx'];
const SLOW_MS = 2000;
const WEIGHTS = 'model.weights.bin';

// ---- inputs ----

/** A tfjs input file from model.json's text and the weights. */
export function packTfjs(json, weights) {
    const j = new TextEncoder().encode(json);
    const out = new Uint8Array(8 + j.length + weights.length);
    out.set([0x54, 0x46, 0x4a, 0x53]); // "TFJS"
    new DataView(out.buffer).setUint32(4, j.length, true);
    out.set(j, 8);
    out.set(weights, 8 + j.length);
    return out;
}

/** {json, weights} of a tfjs input file (garbage in, something out). */
export function unpackTfjs(bytes) {
    const n = bytes.length >= 8 ? Math.min(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true), bytes.length - 8) : 0;
    return { json: bytes.subarray(8, 8 + n), weights: bytes.subarray(8 + n) };
}

/** The files importFiles gets for an input of target. */
export function filesOf(target, bytes) {
    if (target === 'onnx') return [{ name: 'model.onnx', bytes }];
    const { json, weights } = unpackTfjs(bytes);
    return [
        { name: 'model.json', bytes: json },
        { name: WEIGHTS, bytes: weights },
    ];
}

/**
 * Runs one input: {why} with what broke the property, or {accepted} (imported or refused).
 */
export function check(nn, target, bytes) {
    const why = checkOne(nn, target, bytes);
    return typeof why === 'string' ? { why } : { accepted: why };
}

function checkOne(nn, target, bytes) {
    const t0 = performance.now();
    let imported = null;
    try {
        imported = importFiles(nn, filesOf(target, bytes)).network;
    } catch (e) {
        if (!(e instanceof FormatError || e instanceof NNError)) return `${e?.name ?? 'throw'}: ${e?.message ?? e}\n${e?.stack ?? ''}`;
        if (!e.message || e.message.includes('\n')) return `a refusal that is not one line: ${JSON.stringify(e.message)}`;
    }
    const accepted = Boolean(imported);
    try {
        if (imported) {
            const x = new Float32Array(2 * imported.inputs);
            x.fill(1, imported.inputs);
            const p = imported.predict(x);
            for (let i = 0; i < 2; i++) {
                const row = p.subarray(i * imported.classes, (i + 1) * imported.classes);
                const sum = row.reduce((a, b) => a + b, 0);
                if (!row.every(Number.isFinite) || Math.abs(sum - 1) > 1e-4) return `probabilities ${Array.from(row)}`;
            }
            const again = importFiles(nn, exportFiles(imported, target)).network;
            const same = Buffer.from(again.save()).equals(Buffer.from(imported.save()));
            again.free();
            if (!same) return 'the import exported again does not import to the same model';
        }
    } finally {
        imported?.free();
    }
    const ms = performance.now() - t0;
    return ms > SLOW_MS ? `slow: ${ms.toFixed(0)} ms` : accepted;
}

// ---- mutations ----

/** xorshift32: a seed gives the same campaign. */
export function rng(seed) {
    let x = seed >>> 0 || 1;
    const next = () => {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        return x >>> 0;
    };
    next.below = (n) => next() % n;
    next.pick = (a) => a[next() % a.length];
    return next;
}

const INTERESTING = [0, 1, -1, 2, 3, 7, 8, 27, 28, 64, 127, 128, 255, 256, 784, 1023, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 31), 1e308, 0.5, NaN];
const WORDS = ['Dense', 'Conv2D', 'MaxPooling2D', 'Flatten', 'InputLayer', 'Dropout', 'Activation', 'ReLU', 'Softmax', 'Reshape', 'BatchNormalization', 'Sequential', 'Model', 'Functional', 'relu', 'softmax', 'tanh', 'sigmoid', 'linear', 'elu', 'same', 'valid', 'channels_first', 'channels_last', 'float32', 'int32', 'uint8', 'float16', 'string', 'layers-model', 'graph-model', 'model_config', 'kernel', 'bias', ''];
const KEYS = ['units', 'filters', 'kernel_size', 'strides', 'pool_size', 'padding', 'activation', 'use_bias', 'batch_input_shape', 'batch_shape', 'target_shape', 'data_format', 'dilation_rate', 'groups', 'axis', 'max_value', 'name', 'shape', 'dtype', 'quantization', 'paths', 'weights', 'class_name', 'config', 'layers', 'inbound_nodes', 'output_layers'];

function randomValue(r, depth = 0) {
    switch (r.below(depth > 2 ? 4 : 7)) {
        case 0:
            return r.pick(INTERESTING);
        case 1:
            return r.pick(WORDS);
        case 2:
            return null;
        case 3:
            return r.below(2) === 0;
        case 4:
            return Array.from({ length: r.below(5) }, () => randomValue(r, depth + 1));
        case 5:
            return Object.fromEntries(Array.from({ length: r.below(3) }, () => [r.pick(KEYS), randomValue(r, depth + 1)]));
        default:
            return r.below(100000) - 50000;
    }
}

/** Every container (object or array) in a JSON value, with its path depth. */
function containers(v, out = []) {
    if (v && typeof v === 'object') {
        out.push(v);
        for (const c of Object.values(v)) containers(c, out);
    }
    return out;
}

function mutateJson(r, doc) {
    const all = containers(doc);
    if (!all.length) return randomValue(r);
    for (let k = 1 + r.below(3); k > 0; k--) {
        const c = r.pick(all);
        const keys = Object.keys(c);
        const key = keys.length ? r.pick(keys) : Array.isArray(c) ? 0 : r.pick(KEYS);
        switch (r.below(8)) {
            case 0:
                delete c[key];
                break;
            case 1:
                c[key] = randomValue(r);
                break;
            case 2:
                if (typeof c[key] === 'number') c[key] = r.pick([c[key] + 1, c[key] - 1, c[key] * 2, -c[key], 0, c[key] / 2]);
                else c[key] = r.pick(INTERESTING);
                break;
            case 3:
                if (Array.isArray(c) && c.length) c.splice(r.below(c.length), 0, structuredClone(r.pick(c)));
                else c[r.pick(KEYS)] = randomValue(r);
                break;
            case 4:
                if (Array.isArray(c) && c.length > 1) c.splice(r.below(c.length), 1);
                else c[key] = r.pick(WORDS);
                break;
            case 5: {
                const other = r.pick(all); // graft a subtree
                if (other !== c && !containers(other).includes(c)) c[key] = structuredClone(other);
                break;
            }
            case 6:
                if (typeof c[key] === 'string') c[key] = r.pick(WORDS);
                else c[key] = String(c[key]);
                break;
            default:
                if (Array.isArray(c[key])) c[key] = c[key].map((v) => (typeof v === 'number' ? r.pick(INTERESTING) : v));
                else c[key] = [c[key]];
        }
    }
    return doc;
}

function mutateBytes(r, bytes) {
    let b = Uint8Array.from(bytes);
    for (let k = 1 + r.below(4); k > 0; k--) {
        const at = b.length ? r.below(b.length) : 0;
        switch (r.below(7)) {
            case 0:
                if (b.length) b[at] ^= 1 << r.below(8);
                break;
            case 1:
                if (b.length) b[at] = r.pick([0, 1, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0x3a, 0x42]);
                break;
            case 2: {
                const n = Math.min(b.length - at, 1 + r.below(16));
                b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + n)]);
                break;
            }
            case 3: {
                const ins = Uint8Array.from({ length: 1 + r.below(8) }, () => r.below(256));
                b = Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
                break;
            }
            case 4: {
                // a varint of an interesting value written over
                let v = BigInt.asUintN(64, BigInt(Math.trunc(Number(r.pick(INTERESTING.filter(Number.isFinite))))));
                const out = [];
                do {
                    out.push(Number(v & 0x7fn) | (v > 0x7fn ? 0x80 : 0));
                    v >>= 7n;
                } while (v);
                for (let i = 0; i < out.length && at + i < b.length; i++) b[at + i] = out[i];
                break;
            }
            case 5: {
                // copy a chunk from elsewhere
                if (b.length < 2) break;
                const from = r.below(b.length);
                const n = Math.min(1 + r.below(32), b.length - from, b.length - at);
                b.copyWithin(at, from, from + n);
                break;
            }
            default:
                b = b.subarray(0, at); // truncate
        }
    }
    return b;
}

/** A mutation of a seed input of target. */
export function mutate(r, target, bytes) {
    if (target === 'onnx') return mutateBytes(r, bytes);
    const { json, weights } = unpackTfjs(bytes);
    const text = new TextDecoder().decode(json);
    const choice = r.below(10);
    if (choice < 6) {
        let doc;
        try {
            doc = JSON.parse(text);
        } catch {
            return packTfjs(text, mutateBytes(r, weights));
        }
        return packTfjs(JSON.stringify(mutateJson(r, doc)), weights);
    }
    if (choice < 8) return packTfjs(text, mutateBytes(r, weights));
    return packTfjs(new TextDecoder().decode(mutateBytes(r, json)), weights);
}

// ---- corpus ----

/** Seed inputs made from our own exports of small networks: {target: {name: bytes}}. */
export async function makeCorpus(nn) {
    const nets = {
        'dense-16': { inputShape: [16], layers: [{ type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 3, activation: 'softmax' }] },
        'conv-8x8': network('conv:2:3,pool:2,flatten,dense:3', 8, 8),
        'conv-same-strides': network('conv:2:3:s2:same:tanh,pool:2x3:s1:same,flatten,dense:4:sigmoid,dense:2', 9, 7),
        'flatten-first': { inputShape: [5, 4, 2], layers: [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }] },
    };
    const out = { tfjs: {}, onnx: {} };
    for (const [name, spec] of Object.entries(nets)) {
        const net = nn.createNetwork({ ...spec, seed: 1 });
        const [json, weights] = exportFiles(net, 'tfjs', 'model');
        out.tfjs[name] = packTfjs(new TextDecoder().decode(json.bytes), weights.bytes);
        out.onnx[name] = exportFiles(net, 'onnx')[0].bytes;
        net.free();
    }
    // What TensorFlow.js and its converter write: the model_config wrapper, an InputLayer, extra
    // keys and layers that fold, a functional chain.
    const d = nn.createNetwork({ ...network('conv:2:3,flatten,dense:3', 6, 6), seed: 2 });
    const [json, weights] = exportFiles(d, 'tfjs', 'model');
    const doc = JSON.parse(new TextDecoder().decode(json.bytes));
    const layers = doc.modelTopology.config.layers;
    const input = { class_name: 'InputLayer', config: { batch_input_shape: layers[0].config.batch_input_shape, dtype: 'float32', sparse: false, name: 'input_1' } };
    delete layers[0].config.batch_input_shape;
    layers[0].config.activation = 'linear';
    const converted = structuredClone(doc);
    converted.modelTopology = {
        keras_version: '2.15.0',
        backend: 'tensorflow',
        model_config: { class_name: 'Sequential', config: { name: 's', layers: [input, layers[0], { class_name: 'ReLU', config: { name: 'r' } }, { class_name: 'Dropout', config: { name: 'd', rate: 0.5 } }, ...layers.slice(1)] } },
    };
    out.tfjs['converter-layout'] = packTfjs(JSON.stringify(converted), weights.bytes);
    const chain = [input, ...layers].map((l, i, all) => ({ ...l, name: l.config.name, inbound_nodes: i ? [[[all[i - 1].config.name, 0, 0, {}]]] : [] }));
    const functional = structuredClone(doc);
    functional.modelTopology = { class_name: 'Model', config: { name: 'm', layers: chain, input_layers: [['input_1', 0, 0]], output_layers: [[chain[chain.length - 1].name, 0, 0]] } };
    out.tfjs['functional-chain'] = packTfjs(JSON.stringify(functional), weights.bytes);
    d.free();
    return out;
}

function inputFiles(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => !f.startsWith('.') && !f.startsWith('README'))
        .sort()
        .map((f) => path.join(dir, f));
}

/** The seeds and regression inputs of target, as [{file, bytes}]. */
export function corpusOf(target) {
    return [...inputFiles(path.join(CORPUS, target)), ...inputFiles(path.join(CORPUS, 'regress', target))].map((file) => ({ file, bytes: new Uint8Array(fs.readFileSync(file)) }));
}

/**
 * Replays the corpus, then mutates it for `runs` inputs or until `seconds` pass. Returns
 * {target, execs, accepted, failure: {why, bytes} | null}.
 */
export function fuzz(nn, target, { runs = Infinity, seconds = Infinity, seed = 1 } = {}) {
    const r = rng(seed);
    const pool = corpusOf(target).map((c) => c.bytes);
    const stop = performance.now() + 1000 * seconds;
    let execs = 0;
    let accepted = 0;
    const run = (bytes) => {
        execs++;
        const r1 = check(nn, target, bytes);
        if (r1.accepted) accepted++;
        return r1;
    };
    for (const bytes of pool) {
        const c = run(bytes);
        if (c.why) return { target, execs, accepted, failure: { why: c.why, bytes } };
    }
    while (execs < runs && performance.now() < stop) {
        const bytes = mutate(r, target, r.pick(pool));
        const c = run(bytes);
        if (c.why) return { target, execs, accepted, failure: { why: c.why, bytes } };
        // keep inputs that still import: they reach further than the refused ones
        if (c.accepted && pool.length < 400) pool.push(bytes);
        else if (c.accepted) pool[r.below(pool.length)] = bytes;
    }
    return { target, execs, accepted, failure: null };
}

async function main(argv) {
    const o = { seconds: null, runs: Infinity, targets: TARGETS, seed: Date.now() >>> 0 };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--runs') o.runs = Number(argv[++i]);
        else if (a === '--targets') o.targets = (argv[++i] ?? '').split(',').filter(Boolean);
        else if (a === '--seed') o.seed = Number(argv[++i]);
        else if (a === '--make-corpus') o.make = true;
        else if (/^\d+$/.test(a)) o.seconds = Number(a);
        else {
            console.error(`fuzz_formats: unknown argument ${a}\nusage: node tests/fuzz/fuzz_formats.mjs [SECONDS] [--runs N] [--targets tfjs,onnx] [--seed S] | --make-corpus`);
            return 2;
        }
    }
    const nn = await loadNN(new URL('../../web/nn.wasm', import.meta.url));
    if (o.make) {
        const corpus = await makeCorpus(nn);
        for (const [target, inputs] of Object.entries(corpus)) {
            const dir = path.join(CORPUS, target);
            fs.rmSync(dir, { recursive: true, force: true });
            fs.mkdirSync(dir, { recursive: true });
            for (const [name, bytes] of Object.entries(inputs)) fs.writeFileSync(path.join(dir, name), bytes);
            console.log(`fuzz_formats: ${Object.keys(inputs).length} seeds in ${path.relative(process.cwd(), dir)}`);
        }
        return 0;
    }
    if (o.seconds === null && !Number.isFinite(o.runs)) o.seconds = 60;
    const unknown = o.targets.filter((t) => !TARGETS.includes(t));
    if (unknown.length) {
        console.error(`fuzz_formats: unknown targets ${unknown.join(', ')} (${TARGETS.join(', ')})`);
        return 2;
    }
    let failed = 0;
    for (const target of o.targets) {
        const t0 = performance.now();
        const res = fuzz(nn, target, { runs: o.runs, seconds: o.seconds ?? Infinity, seed: o.seed });
        const secs = ((performance.now() - t0) / 1000).toFixed(0);
        if (!res.failure) {
            console.log(`fuzz: ${target} (JS): ok: ${res.execs.toLocaleString('en-US')} executions in ${secs} s, ${res.accepted} accepted, seed ${o.seed}`);
            continue;
        }
        failed++;
        const file = path.join(process.env.TMPDIR ?? '/tmp', `fuzz-${target}-${Date.now()}`);
        fs.writeFileSync(file, res.failure.bytes);
        console.error(`fuzz: ${target} (JS): FAILED after ${res.execs} executions: ${res.failure.why}\n  the input is ${file}\n  keep it: mkdir -p tests/fuzz/formats/regress/${target} && cp ${file} tests/fuzz/formats/regress/${target}/NAME`);
    }
    return failed ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = await main(process.argv.slice(2));
