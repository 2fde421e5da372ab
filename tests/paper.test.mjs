// paper.test.mjs: issue 15 measured. A Keras-recipe network (784-512-10, RMSprop, 5 epochs) reads
// pen digits photographed on squared, ruled and dotted notebook paper and on plain paper, and
// written numbers of 2 to 6 digits (tests/helpers/paper-set.mjs: every lined picture of one digit
// has a twin without the lines). Lined paper must be read within 3 points of the twins, numbers
// with separated digits exactly in 90% of the cases, while the preprocessing before this issue
// (the lines left in) must fail on the squared and ruled part: that keeps the set honest. Also:
// plain paper finds no lines, blank lined pages say "no digit", and predict.mjs prints numbers.
// NN_PHOTO_MODEL=FILE uses a trained model file instead of training.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadNN, NNError, Status } from '../web/nn.js';
import { loadIdxFiles, WASM_PATH } from '../scripts/lib/data.mjs';
import { PHOTO_EPOCHS, photoModelBytes, runPredict, writePng } from './helpers/predict-cli.mjs';
import { fitSize, readImage, resizeArea } from '../scripts/lib/image.mjs';
import { parseIdx } from './helpers/photo-set.mjs';
import { KINDS, makeBlankPages, makePaperSet, PAPER_RANGES } from './helpers/paper-set.mjs';

// NN_PAPER_SEED, NN_PAPER_SINGLES and NN_PAPER_NUMBERS measure another or a larger set (CI: these)
const SINGLES = Number(process.env.NN_PAPER_SINGLES || 24); // pictures of one digit per kind of paper
const NUMBERS = Number(process.env.NN_PAPER_NUMBERS || 28);
const SEED = Number(process.env.NN_PAPER_SEED || 15);

let nn, net, set, dir, modelFile, mnist;
const rows = []; // per picture: {kind, label, digits, touching, meta, read, twin, old, lines, ...}

const argmax = (p) => p.reduce((best, v, k) => (v > p[best] ? k : best), 0);
const lined = (r) => r.kind !== 'plain' && r.digits === 1;

/** The pixels the page would preprocess: JPEG files decoded, large pictures area-averaged down. */
function pixels(photo) {
    if (photo instanceof Uint8Array) return readImage(photo);
    const fit = fitSize(photo.width, photo.height);
    return fit.width === photo.width ? photo : resizeArea(photo, fit.width, fit.height);
}

function number(img) {
    try {
        return nn.readNumber(net, img).number;
    } catch (e) {
        if (e instanceof NNError && e.code === Status.NO_DIGIT) return 'none';
        throw e;
    }
}

before(async () => {
    nn = await loadNN(WASM_PATH);
    const data = await loadIdxFiles();
    net = nn.loadModel(await photoModelBytes());
    dir = mkdtempSync(path.join(tmpdir(), 'nn-paper-'));
    modelFile = path.join(dir, 'model.nnmf');
    writeFileSync(modelFile, net.save());
    mnist = parseIdx(data.testImages, data.testLabels);
    set = makePaperSet(mnist, { singles: SINGLES, numbers: NUMBERS, seed: SEED });
    for (const s of set) {
        const img = pixels(s.photo);
        const row = { kind: s.kind, label: s.label, digits: s.digits, touching: s.touching, meta: s.meta, read: number(img) };
        if (s.digits === 1) {
            // the twin without lines; and the preprocessing before this issue: one digit, lines left in
            row.twin = s.plain === s.photo ? row.read : number(pixels(s.plain));
            try {
                row.old = String(argmax(Array.from(net.predict(nn.preprocessNumber(img, { keepLines: true, oneDigit: true }).digits[0].input))));
            } catch {
                row.old = 'none';
            }
            if (s.kind === 'plain') {
                const now = nn.preprocessNumber(img, { oneDigit: true }), before = nn.preprocessNumber(img, { oneDigit: true, keepLines: true });
                row.lines = now.lines;
                row.same = now.digits[0].input.every((v, i) => v === before.digits[0].input[i]);
            }
        }
        rows.push(row);
    }
});

after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
});

const pct = (list, key) => (100 * list.filter((r) => r[key] === r.label).length) / list.length;

describe('pictures on notebook paper', () => {
    test('the set holds every kind of paper and every degradation', () => {
        const m = rows.map((r) => r.meta);
        const count = (f) => m.filter(f).length;
        for (const kind of KINDS) assert.ok(count((x) => x.kind === kind) >= SINGLES, kind);
        const lin = m.filter((x) => x.kind !== 'plain');
        const some = (f, n, what) => assert.ok(lin.filter(f).length >= n, what);
        some((x) => x.spacing < 16, 5, 'dense lines (under 16 px apart)');
        some((x) => x.spacing > 70, 5, 'wide ruling (over 70 px apart)');
        some((x) => x.grey, 15, 'grey lines');
        some((x) => !x.grey, 15, 'blue lines');
        some((x) => x.lineW <= 0.8, 10, 'lines under a pixel wide');
        some((x) => x.lineW >= 2.5, 10, 'lines of 2.5 px or more');
        some((x) => x.contrast < 0.3, 10, 'light lines');
        some((x) => x.contrast > 0.45, 10, 'dark lines');
        some((x) => x.margin, 5, 'a red margin');
        some((x) => x.major, 2, 'a darker line every fifth');
        assert.ok(count((x) => x.felt) >= 10 && count((x) => !x.felt) >= 60, 'felt pens and ballpoints');
        assert.ok(count((x) => x.blue) >= 30 && count((x) => !x.blue) >= 30, 'blue and black ink');
        assert.ok(count((x) => x.pen < 2.5 && !x.felt) >= 10, 'ballpoint strokes under 2.5 px'); // 12 with seed 15, down to 1.7 px
        assert.ok(count((x) => Math.abs(x.tilt) >= 4) >= 30, 'sheets turned by 4 degrees or more');
        assert.ok(count((x) => x.light[1] - x.light[0] >= 0.3) >= 30, 'strong light gradients');
        assert.ok(count((x) => x.sigma >= 0.6) >= 20, 'blur');
        assert.ok(count((x) => x.noise >= 4) >= 30, 'noise');
        assert.ok(count((x) => x.jpeg && x.jpeg <= 50) >= 15 && count((x) => !x.jpeg) >= 30, 'strong JPEG compression, and none');
        assert.ok(count((x) => x.table) >= 10, 'pages on a table');
        assert.ok(count((x) => Math.max(x.W, x.H) > 1024) >= 5, 'pictures the decoder scales down');
        for (let n = PAPER_RANGES.numberDigits[0]; n <= PAPER_RANGES.numberDigits[1]; n++)
            assert.ok(rows.filter((r) => r.digits === n).length >= 2, `numbers of ${n} digits`);
        assert.ok(rows.filter((r) => r.touching).length >= 6, 'touching digits');
    });

    test('the preprocessing before this issue reads under 40% of the squared and ruled part', (t) => {
    // a dot grid's small dots mostly fall among the specks the preprocessing drops anyway: the
    // dotted part is reported, and the guard holds the line-ruled part, which the issue measured
        const part = rows.filter((r) => lined(r) && r.kind !== 'dotted');
        const old = pct(part, 'old');
        t.diagnostic(`lines left in: ${old.toFixed(1)}% of ${part.length} squared and ruled pictures; ${pct(rows.filter(lined), 'old').toFixed(1)}% with the dotted ones`);
        for (const kind of KINDS.slice(0, 3)) t.diagnostic(`  ${kind}: ${pct(rows.filter((r) => lined(r) && r.kind === kind), 'old').toFixed(1)}%`);
        assert.ok(old < 40, `the lines left in still read ${old.toFixed(1)}%: the set is too easy`);
    });

    test('lined paper is read within 3 points of the same digits on plain paper', (t) => {
        const part = rows.filter(lined);
        const now = pct(part, 'read'), twin = pct(part, 'twin');
        t.diagnostic(`lined ${now.toFixed(1)}%, the same on plain paper ${twin.toFixed(1)}% (${part.length} pictures, ${PHOTO_EPOCHS} epochs)`);
        for (const kind of KINDS) {
            const k = rows.filter((r) => r.kind === kind && r.digits === 1);
            t.diagnostic(`  ${kind}: ${pct(k, 'read').toFixed(1)}% (plain twin ${pct(k, 'twin').toFixed(1)}%)`);
        }
        t.diagnostic(`  ranges: ${JSON.stringify(PAPER_RANGES)}`);
        for (const r of part.filter((x) => x.read !== x.label && x.twin === x.label)) t.diagnostic(`  missed: ${r.label} read ${r.read} ${JSON.stringify(r.meta)}`);
        assert.ok(twin >= 90, `the twins read ${twin.toFixed(1)}%: the network or the set is broken`);
        assert.ok(now >= twin - 3, `lined ${now.toFixed(1)}% vs plain ${twin.toFixed(1)}%`);
    });

    test('plain paper finds no lines and comes out exactly as before', () => {
        const plain = rows.filter((r) => r.kind === 'plain' && r.digits === 1);
        assert.ok(plain.length >= SINGLES);
        for (const r of plain) {
            assert.equal(r.lines, 0, `lines found on plain paper: ${JSON.stringify(r.meta)}`);
            assert.ok(r.same, 'the same input as with the lines left in');
        }
    });

    test('numbers of separated digits are read exactly in 90% of the cases', (t) => {
        const sep = rows.filter((r) => r.digits > 1 && !r.touching), touch = rows.filter((r) => r.touching);
        const exact = pct(sep, 'read');
        t.diagnostic(`separated: ${exact.toFixed(1)}% exact (${sep.length}); touching: ${pct(touch, 'read').toFixed(1)}% (${touch.length})`);
        for (const r of [...sep, ...touch].filter((x) => x.read !== x.label)) t.diagnostic(`  ${r.touching ? 'touching' : 'separated'} ${r.label} read ${r.read} (${r.kind})`);
        assert.ok(exact >= 90, `${exact.toFixed(1)}% of ${sep.length}`);
    });

    test('a lined page without a digit says "no digit", and grid lines alone are not a number', () => {
    // seed 17's ruled page leaves a stretch of a line behind, which once read as seven digits
        for (const page of [...new Set([SEED, 17])].flatMap((seed) => makeBlankPages(mnist, { seed }))) {
            assert.throws(() => nn.readNumber(net, page.photo), (e) => e instanceof NNError && e.code === Status.NO_DIGIT, page.kind);
            assert.throws(() => nn.preprocess(page.photo), (e) => e.code === Status.NO_DIGIT, page.kind);
            // the refusal can fail: with the lines left in, the page holds "ink"
            assert.doesNotThrow(() => nn.preprocessNumber(page.photo, { keepLines: true }), page.kind);
        }
    });
});


test('predict.mjs --json prints the number, each digit with its box, and digit when there is one', async () => {
    // a number read right in-process, and a digit on squared paper
    const num = set.findIndex((s, i) => s.digits >= 3 && !s.touching && rows[i].read === s.label);
    const one = set.findIndex((s, i) => s.digits === 1 && s.kind === 'squared' && rows[i].read === s.label);
    assert.ok(num >= 0 && one >= 0);
    const files = [num, one].map((i, k) => {
        const f = path.join(dir, `${k}.${set[i].photo instanceof Uint8Array ? 'jpg' : 'png'}`);
        if (set[i].photo instanceof Uint8Array) writeFileSync(f, set[i].photo);
        else writePng(f, set[i].photo);
        return f;
    });
    const { code, stdout } = await runPredict(['--json', '--model', modelFile, ...files]);
    assert.equal(code, 0);
    const [a, b] = stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(a.number, set[num].label);
    assert.equal(a.digits.length, set[num].digits);
    assert.equal(a.digit, undefined);
    for (let k = 0; k < a.digits.length; k++) {
        const d = a.digits[k];
        assert.equal(String(d.digit), set[num].label[k]);
        assert.ok(d.probability > 0 && d.probability <= 1);
        assert.ok(d.box.x1 > d.box.x0 && d.box.y1 > d.box.y0);
        if (k) assert.ok(d.box.x0 >= a.digits[k - 1].box.x0, 'left to right');
    }
    assert.ok(a.lines > 0);
    assert.equal(b.number, set[one].label);
    assert.equal(b.digit, Number(set[one].label));
    assert.equal(b.probabilities.length, 10);
    assert.equal(b.digits.length, 1);
});
