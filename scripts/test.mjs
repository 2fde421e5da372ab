#!/usr/bin/env node
/* test.mjs: every test suite in turn: CTest in build/native, build/wasm (the C tests as WASI
 * programs under Node) and build/asan when it exists, then `node --test` over tests/**\/*.test.mjs,
 * one file at a time (the browser suites are heavy). All parts run even when one fails; the exit
 * status is 1 if any failed. Run through `npm test` (which builds first); extra arguments go to
 * `node --test`, e.g. `npm test -- --test-name-pattern=server`. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

function run(args) {
    return new Promise((resolve) => {
        const child = spawn(args[0], args.slice(1), { cwd: ROOT, stdio: 'inherit' });
        child.on('error', (err) => {
            console.error(`test: cannot start ${args[0]}: ${err.message}`);
            resolve(127);
        });
        child.on('close', (code, signal) => resolve(signal ? 128 : code));
    });
}

function testFiles() {
    const dir = path.join(ROOT, 'tests');
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { recursive: true })
        .map((f) => f.split(path.sep).join('/'))
        .filter((f) => f.endsWith('.test.mjs') && !f.split('/').includes('node_modules'))
        .sort()
        .map((f) => `tests/${f}`);
}

const parts = [
    { name: 'ctest build/native', dir: 'build/native', required: true },
    { name: 'ctest build/wasm', dir: 'build/wasm', required: true },
    { name: 'ctest build/asan', dir: 'build/asan', required: false },
];

async function main() {
    const results = [];
    for (const part of parts) {
        const t0 = Date.now();
        if (!fs.existsSync(path.join(ROOT, part.dir, 'CTestTestfile.cmake'))) {
            if (part.required) {
                console.error(`test: ${part.dir} is not built: run node scripts/setup.mjs --test`);
                results.push({ name: part.name, status: 'FAILED (not built)', ok: false });
            } else {
                results.push({ name: part.name, status: 'skipped (not built)', ok: true, skipped: true });
            }
            continue;
        }
        console.log(`test: ${part.name}`);
        const code = await run(['ctest', '--test-dir', part.dir, '--output-on-failure', '--no-tests=error']);
        results.push({
            name: part.name,
            status: code === 0 ? `ok (${secs(t0)})` : `FAILED (exit ${code})`,
            ok: code === 0,
        });
    }

    const files = testFiles();
    const t0 = Date.now();
    if (files.length === 0) {
        results.push({ name: 'node --test', status: 'FAILED (no tests/**/*.test.mjs)', ok: false });
    } else {
        console.log(`test: node --test (${files.length} files)`);
        const extra = process.argv.slice(2);
        const code = await run([process.execPath, '--test', '--test-concurrency=1', ...extra, ...files]);
        results.push({
            name: 'node --test',
            status: code === 0 ? `ok (${secs(t0)})` : `FAILED (exit ${code})`,
            ok: code === 0,
        });
    }

    console.log('');
    for (const r of results) console.log(`test: ${r.name}: ${r.status}`);
    const failed = results.filter((r) => !r.ok).length;
    const skipped = results.filter((r) => r.skipped).length;
    console.log(`parts: ${results.length - failed - skipped} passed, ${failed} failed, ${skipped} skipped`);
    return failed ? 1 : 0;
}

process.exitCode = await main();
