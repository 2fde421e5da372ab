/* formats-fuzz.test.mjs: the JS fuzz targets of the model importers (tests/fuzz/fuzz_formats.mjs), run
 * briefly in every test run: each seed of tests/fuzz/formats/<target>/ and each kept failure of
 * tests/fuzz/formats/regress/<target>/ through the target's property, then a fixed number of
 * mutations from a fixed seed (the same inputs every run). Longer campaigns: npm run fuzz. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadNN } from '../web/nn.js';
import { WASM_PATH } from '../scripts/lib/data.mjs';
import { TARGETS, check, corpusOf, fuzz } from './fuzz/fuzz_formats.mjs';

const RUNS = 1500;

for (const target of TARGETS) {
    test(`fuzz_formats ${target}: the seeds, the kept failures, and ${RUNS} mutations hold the property`, async (t) => {
        const nn = await loadNN(WASM_PATH);
        const corpus = corpusOf(target);
        assert.ok(corpus.filter((c) => !c.file.includes('regress')).length >= 4, 'seeds');
        let accepted = 0;
        for (const { file, bytes } of corpus) {
            const r = check(nn, target, bytes);
            assert.equal(r.why, undefined, `${file}: ${r.why}`);
            if (r.accepted) accepted++;
        }
        assert.ok(accepted >= 4, 'the seeds import');
        const res = fuzz(nn, target, { runs: RUNS, seed: 13 });
        assert.equal(res.failure, null, res.failure && `${res.failure.why}\nbytes: ${Buffer.from(res.failure.bytes).toString('base64')}`);
        t.diagnostic(`${res.execs} executions, ${res.accepted} imported`);
        assert.ok(res.accepted > 0 && res.accepted < res.execs, 'some mutations import and some are refused');
    });
}
