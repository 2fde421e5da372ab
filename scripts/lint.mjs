#!/usr/bin/env node
/* lint.mjs: the project's linters, all run even when one fails; exit 1 on any finding.
 *   node scripts/lint.mjs   (npm run lint)
 * C: `clang-format --dry-run --Werror` (style in .clang-format) over src/*.{c,h}, tests/**\/*.{c,h}
 * and tools/*.{c,h}. JS: ESLint (eslint.config.js) over web/, scripts/ and tests/. To fix the C
 * formatting of a file in place: clang-format -i FILE. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function run(args) {
    return new Promise((resolve) => {
        const child = spawn(args[0], args.slice(1), { cwd: ROOT, stdio: 'inherit' });
        child.on('error', (err) => {
            console.error(`lint: cannot start ${args[0]}: ${err.message}`);
            resolve(127);
        });
        child.on('close', (code, signal) => resolve(signal ? 128 : code));
    });
}

/* Files under dir (relative to the root) whose names end with one of exts. */
function filesIn(dir, exts, { recursive = false } = {}) {
    const abs = path.join(ROOT, dir);
    if (!fs.existsSync(abs)) return [];
    return fs
        .readdirSync(abs, { recursive })
        .map((f) => path.join(dir, f))
        .filter((f) => exts.some((e) => f.endsWith(e)) && fs.statSync(path.join(ROOT, f)).isFile())
        .sort();
}

async function main() {
    const results = [];

    const cFiles = [
        ...filesIn('src', ['.c', '.h']),
        ...filesIn('src/preprocess', ['.c', '.h']),
        ...filesIn('tests', ['.c', '.h'], { recursive: true }),
        ...filesIn('tools', ['.c', '.h']),
    ];
    if (cFiles.length === 0) {
        results.push(['clang-format', 'skipped (no C files)', true]);
    } else {
        const failed = [];
        for (const file of cFiles) {
            if ((await run(['clang-format', '--dry-run', '--Werror', file])) !== 0) failed.push(file);
        }
        const status = failed.length ? `FAILED in ${failed.join(' ')} (clang-format -i FILE fixes it)` : 'ok';
        results.push(['clang-format', `${status} (${cFiles.length} files)`, failed.length === 0]);
    }

    const eslint = path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
    const jsDirs = ['web', 'scripts', 'tests'].filter((d) => fs.existsSync(path.join(ROOT, d)));
    if (!fs.existsSync(eslint)) {
        console.error('lint: eslint is not installed: run npm ci (or node scripts/setup.mjs)');
        results.push(['eslint', 'FAILED (not installed)', false]);
    } else {
        const code = await run([
            process.execPath,
            eslint,
            '--max-warnings=0',
            '--no-error-on-unmatched-pattern',
            'eslint.config.js',
            ...jsDirs,
        ]);
        results.push([
            'eslint',
            code === 0 ? `ok (${jsDirs.join(', ')})` : `FAILED (exit ${code})`,
            code === 0,
        ]);
    }

    for (const [name, status] of results) console.log(`lint: ${name}: ${status}`);
    return results.every(([, , ok]) => ok) ? 0 : 1;
}

process.exitCode = await main();
