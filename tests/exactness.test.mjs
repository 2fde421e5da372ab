// exactness.test.mjs: the ways of computing the same training give the same bits. The
// sparse-input path (skipping the input's zeros) against the dense kernels, and two threads
// against one (and four, and a count changed between chunks): a few hundred batches of MNIST from
// one seed, weights compared bit for bit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadNN } from '../web/nn.js';
import { network } from '../web/architectures.js';
import { loadIdxFiles } from '../scripts/lib/data.mjs';

let data;
const engines = [];
before(async () => {
    data = await loadIdxFiles();
});
after(() => engines.forEach((e) => e.terminate()));

async function trainBits({ threads = 1, sparse = 'auto', batches = 300, optimizer = 'rmsprop' }) {
    const nn = await loadNN(undefined, { threads });
    engines.push(nn);
    const set = nn.createDataset(data.trainImages, data.trainLabels);
    const net = nn.createNetwork({ seed: 11 });
    const trainer = nn.createTrainer(net, set, { seed: 11, sparse, threads, optimizer });
    let done = 0;
    let sparseBatches = 0;
    let used = 0;
    while (done < batches) {
        const p = trainer.train(Math.min(50, batches - done));
        done += p.chunkBatches;
        sparseBatches += p.sparseBatches;
        used = p.threads;
    }
    return { bits: new Uint32Array(net.params().buffer), sparseBatches, threads: used, engine: nn };
}

function assertSameBits(a, b, what) {
    assert.equal(a.length, b.length);
    let differ = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
    assert.equal(differ, 0, `${what}: ${differ} of ${a.length} weights differ`);
}

test('300 batches with the sparse path give the dense path\'s weights bit for bit', async () => {
    const sparse = await trainBits({ sparse: 'on' });
    const dense = await trainBits({ sparse: 'off' });
    assert.equal(sparse.sparseBatches, 300);
    assert.equal(dense.sparseBatches, 0);
    assertSameBits(sparse.bits, dense.bits, 'sparse vs dense');
    const auto = await trainBits({ sparse: 'auto' });
    assert.equal(auto.sparseBatches, 300, 'MNIST batches are sparse enough for the automatic choice');
    assertSameBits(auto.bits, dense.bits, 'auto vs dense');
});

test('two threads give one thread\'s weights bit for bit, on both paths and with Adam', async () => {
    for (const [sparse, optimizer] of [['on', 'rmsprop'], ['off', 'rmsprop'], ['on', 'adam']]) {
        const one = await trainBits({ threads: 1, sparse, optimizer, batches: 120 });
        const two = await trainBits({ threads: 2, sparse, optimizer, batches: 120 });
        assert.equal(two.threads, 2, 'the threaded module runs two threads in Node');
        assert.equal(one.threads, 1);
        assertSameBits(one.bits, two.bits, `1 vs 2 threads (${sparse}, ${optimizer})`);
    }
});

test('more threads than cores, and a thread count changed between chunks, still give one thread\'s weights', async () => {
    const one = await trainBits({ threads: 1, sparse: 'auto', batches: 90 });
    const four = await trainBits({ threads: 4, sparse: 'auto', batches: 90 });
    assert.equal(four.threads, 4);
    assertSameBits(one.bits, four.bits, '1 vs 4 threads');
    // nn_threads_limit between two calls of train(): what the page's thread tuner does
    const nn = await loadNN(undefined, { threads: 4 });
    engines.push(nn);
    const set = nn.createDataset(data.trainImages, data.trainLabels);
    const net = nn.createNetwork({ seed: 11 });
    const trainer = nn.createTrainer(net, set, { seed: 11, threads: 4 });
    const used = [];
    for (let done = 0, i = 0; done < 90; i++) {
        const k = nn.useThreads([4, 1, 3, 2][i % 4]);
        const p = trainer.train(Math.min(10, 90 - done));
        done += p.chunkBatches;
        used.push(p.threads);
        assert.equal(p.threads, k, 'the progress reports the threads in use');
    }
    assert.deepEqual([...new Set(used)].sort(), [1, 2, 3, 4]);
    assertSameBits(one.bits, new Uint32Array(net.params().buffer), 'a changing thread count');
    assert.equal(nn.useThreads(9), 4, 'never more than the engine has');
    assert.throws(() => nn.check(nn.x.nn_threads_limit(5)), /thread count/);
});

// Recorded with the code before layers became kinds (commit b149b4f): the CRC-32 of the weights
// of 784-512-10 after 100 batches of seed 1, on every path. The redesign must not move a bit.
const SEED1_100_BATCHES_CRC = 0xc394a227;

test('the Keras recipe\'s weights after 100 batches of seed 1 are those of before the layer redesign', async () => {
    const { crc32 } = await import('node:zlib');
    for (const sparse of ['auto', 'off']) {
        const nn = await loadNN();
        engines.push(nn);
        const set = nn.createDataset(data.trainImages, data.trainLabels);
        const net = nn.createNetwork({ sizes: [784, 512, 10], seed: 1 });
        const trainer = nn.createTrainer(net, set, { seed: 1, sparse });
        assert.equal(trainer.train(100).chunkBatches, 100);
        const bytes = new Uint8Array(net.params().buffer);
        assert.equal(crc32(bytes) >>> 0, SEED1_100_BATCHES_CRC, `CRC-32 of the weights (${sparse})`);
    }
});

const CONVNET = network('convnet'); // chapter 5's, as the page and train.mjs build it

test('the convnet trained on two threads has one thread\'s weights bit for bit', async () => {
    const bits = [];
    for (const threads of [1, 2]) {
        const nn = await loadNN(undefined, { threads });
        engines.push(nn);
        const set = nn.createDataset(data.trainImages, data.trainLabels);
        const net = nn.createNetwork({ ...CONVNET, seed: 3 });
        const trainer = nn.createTrainer(net, set, { seed: 3, batchSize: 64, threads });
        const p = trainer.train(25);
        assert.equal(p.threads, threads);
        assert.ok(p.chunkAccuracy > 0.3, `it learns (${p.chunkAccuracy})`);
        bits.push(new Uint32Array(net.params().buffer));
    }
    assertSameBits(bits[0], bits[1], 'convnet, 1 vs 2 threads');
});

// Recorded with the dense backward of the convolutions (commit 107e021): the CRC-32 of the
// convnet's weights after 40 batches of 64, seed 1. Their sparse backward must not move a bit.
const CONVNET_SEED1_40_BATCHES_CRC = 0x9d484026;

test('the convnet\'s sparse backward (over dZ\'s non-zeros) gives the dense kernels\' weights bit for bit', async () => {
    const { crc32 } = await import('node:zlib');
    for (const [threads, sparse] of [[1, 'off'], [1, 'on'], [1, 'auto'], [2, 'on']]) {
        const nn = await loadNN(undefined, { threads });
        engines.push(nn);
        const set = nn.createDataset(data.trainImages, data.trainLabels);
        const net = nn.createNetwork({ ...CONVNET, seed: 1 });
        const trainer = nn.createTrainer(net, set, { seed: 1, batchSize: 64, threads, sparse });
        assert.equal(trainer.train(40).chunkBatches, 40);
        const crc = crc32(new Uint8Array(net.params().buffer)) >>> 0;
        assert.equal(crc, CONVNET_SEED1_40_BATCHES_CRC, `CRC-32 of the weights (${threads} threads, ${sparse})`);
    }
});

test('the convnet with the thread count changed between chunks (as the page\'s tuner does) has one thread\'s weights', async () => {
    const bits = [];
    for (const threads of [1, 3]) {
        const nn = await loadNN(undefined, { threads });
        engines.push(nn);
        const set = nn.createDataset(data.trainImages, data.trainLabels);
        const net = nn.createNetwork({ ...CONVNET, seed: 4 });
        const trainer = nn.createTrainer(net, set, { seed: 4, batchSize: 64, threads });
        for (let i = 0; i < 6; i++) {
            const k = nn.useThreads([3, 1, 2][i % 3]);
            assert.equal(trainer.train(3).threads, k);
        }
        bits.push(new Uint32Array(net.params().buffer));
    }
    assertSameBits(bits[0], bits[1], 'convnet, 1 thread vs 3, 1, 2 in turn');
});
