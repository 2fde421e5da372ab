// bad_inputs.test.mjs: the rows of docs/bad-inputs.md that no other suite covered, through the
// wasm module and the Node tools: a network too large for memory is a clear NOMEM and the engine
// goes on working; an image file that is not an image is refused before any pixel reaches C;
// the headless trainer refuses 0 epochs and the other bad numbers with a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNN, NNError, Status } from '../web/nn.js';
import { WASM_PATH } from '../scripts/lib/data.mjs';
import { readImage, ImageError } from '../scripts/lib/image.mjs';
import { parseOptions } from '../scripts/train.mjs';

test('a network too large for wasm memory is NOMEM, and the engine still works', async () => {
    const nn = await loadNN(WASM_PATH);
    // 2^30 + 65546 parameters: 4 bytes each is 2^32 + 262184, which a 32-bit size_t would wrap
    // to 256 KiB; the library must refuse it before multiplying (a trap here means it did not).
    const sizes = [16374, 16384, 16384, 16384, 16384, 10];
    assert.throws(
        () => nn.createNetwork({ sizes }),
        (e) => e instanceof NNError && e.code === Status.NOMEM && /memory/i.test(e.message),
    );
    // eight layers of 16384: about 1.9e9 parameters, 7.5 GB
    assert.throws(
        () => nn.createNetwork({ sizes: [784, ...Array(7).fill(16384), 10] }),
        (e) => e instanceof NNError && e.code === Status.NOMEM,
    );
    const net = nn.createNetwork({ sizes: [784, 16, 10] });
    const probs = net.predict(new Float32Array(784));
    assert.equal(probs.length, 10);
    assert.ok(Math.abs(probs.reduce((s, v) => s + v, 0) - 1) < 1e-5);
    net.free();
});

test('bytes that are not an image are refused with their own message', () => {
    const notImages = [
        new Uint8Array(0),
        new TextEncoder().encode('hello, I am not a picture'),
        Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), // an IDX header
        Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]), // a PNG cut short
        Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), // a JPEG cut short
    ];
    for (const bytes of notImages)
        assert.throws(() => readImage(bytes), (e) => e instanceof ImageError && /image/.test(e.message));
});

test('the headless trainer refuses 0 epochs and other bad numbers with a usage error', () => {
    const bad = [
        ['--epochs', '0'],
        ['--epochs', '-1'],
        ['--batch-size', '0'],
        ['--lr', '-0.1'],
        ['--lr', 'NaN'],
        ['--hidden', '0'],
        ['--limit', 'x'],
    ];
    for (const args of bad) assert.throws(() => parseOptions(args), /--(epochs|batch-size|lr|hidden|limit)/, args.join(' '));
    assert.equal(parseOptions(['--epochs', '1']).epochs, 1);
});
