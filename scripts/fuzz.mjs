#!/usr/bin/env node
/* fuzz.mjs: runs each libFuzzer target of build/fuzz (tests/fuzz/fuzz_*.c, ASan+UBSan) in turn for
 * SECONDS (default 60), each on a scratch copy of its seed corpus tests/fuzz/corpus/<target>/, and
 * prints its executions; exit 1 on any crash, leak, timeout or broken property, naming the input
 * that caused it. Run through `npm run fuzz -- [SECONDS] [options]` (which builds build/fuzz first).
 *   --runs N            stop each target after N executions (and SECONDS, if given, still bounds it)
 *   --targets a,b       only these targets (names without fuzz_: idx, model, preprocess, train)
 *   --max-len t=N,...   libFuzzer's -max_len per target (defaults below)
 *   --timeout S         seconds one input may take before it counts as a hang (default 30)
 *   --keep              keep the scratch directory (the grown corpus) even when all pass
 *   --corpus DIR        grow DIR/<target>/ instead of a scratch copy: seeded from the seed corpus
 *                       when missing, kept between runs, so that a long campaign can stop and resume
 *   --embed             only rewrite tests/fuzz/regress_inputs.h from tests/fuzz/corpus/<target>/ and
 *                       tests/regress/<target>/ (what tests/test_fuzz_regress.c replays), then exit
 * One libFuzzer process at a time, in-process (no -jobs/-workers), at nice 10: the machine is shared.
 * The JS targets of the model importers (tfjs, onnx: tests/fuzz/fuzz_formats.mjs, seeds in
 * tests/fuzz/formats/) run after them in Node for the same SECONDS or --runs. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD = path.join(ROOT, 'build', 'fuzz');
const CORPUS = path.join(ROOT, 'tests', 'fuzz', 'corpus');
const REGRESS = path.join(ROOT, 'tests', 'regress');
const HEADER = path.join(ROOT, 'tests', 'fuzz', 'regress_inputs.h');
/* Inputs longer than these reach nothing new: a dataset of 130x130 images, a model file of a few
 * hundred weights, an image header and a 64x16 tile, every training option. */
const MAX_LEN = { idx: 20000, model: 4096, preprocess: 1024, train: 128 };
const JS_TARGETS = ['tfjs', 'onnx']; // tests/fuzz/fuzz_formats.mjs
const USAGE =
    'usage: node scripts/fuzz.mjs [SECONDS] [--runs N] [--targets a,b] [--max-len t=N,...] [--timeout S] [--keep] [--corpus DIR]\n' +
    '       node scripts/fuzz.mjs --embed\n' +
    `targets: those built in build/fuzz, and ${JS_TARGETS.join(', ')} (JS)`;

function parseArgs(argv) {
    const o = { seconds: null, runs: null, targets: null, maxLen: { ...MAX_LEN }, timeout: 30, keep: false };
    const num = (name, v) => {
        if (!/^\d+$/.test(v ?? '')) throw new Error(`${name} needs a whole number, not "${v}"`);
        return Number(v);
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === '--runs') o.runs = num(a, argv[++i]);
        else if (a === '--targets') o.targets = (argv[++i] ?? '').split(',').filter(Boolean);
        else if (a === '--timeout') o.timeout = num(a, argv[++i]);
        else if (a === '--keep') o.keep = true;
        else if (a === '--corpus') {
            o.corpus = argv[++i];
            if (!o.corpus) throw new Error('--corpus needs a directory');
        }
        else if (a === '--embed') o.embed = true;
        else if (a === '--max-len') {
            for (const kv of (argv[++i] ?? '').split(',').filter(Boolean)) {
                const [t, v] = kv.split('=');
                o.maxLen[t] = num(`--max-len ${t}`, v);
            }
        } else if (a === '--help' || a === '-h') o.help = true;
        else if (o.seconds === null && /^\d+$/.test(a)) o.seconds = Number(a);
        else throw new Error(`unknown argument ${a}`);
    }
    if (o.seconds === null && o.runs === null) o.seconds = 60;
    return o;
}

/* The files of dir (none if it is missing), sorted, without dot files and READMEs. */
function inputFiles(dir) {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => !f.startsWith('.') && !f.startsWith('README') && fs.statSync(path.join(dir, f)).isFile())
        .sort();
}

/* A C string literal of any bytes: printable ASCII as is, the rest as 3-digit octal escapes (so a
 * digit after one is not taken into it), '?' too (no trigraphs), lines of about 96 columns. */
function cString(buf) {
    const lines = [];
    let line = '';
    for (const b of buf) {
        const printable = b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c && b !== 0x3f;
        line += printable ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`;
        if (line.length >= 88) lines.push(line), (line = '');
    }
    if (line || lines.length === 0) lines.push(line);
    return lines.map((l) => `"${l}"`).join('\n        ');
}

/* tests/fuzz/regress_inputs.h: every seed and regression input, for the wasm build of the replay. */
function embed() {
    const targets = fs.existsSync(CORPUS) ? fs.readdirSync(CORPUS).sort() : [];
    const entries = [];
    for (const t of targets)
        for (const dir of [path.join(CORPUS, t), path.join(REGRESS, t)])
            for (const f of inputFiles(dir)) {
                const rel = path.relative(ROOT, path.join(dir, f)).split(path.sep).join('/');
                entries.push({ t, rel, data: fs.readFileSync(path.join(dir, f)) });
            }
    const body = entries
        .map((e) => `    {"${e.t}", "${e.rel}", ${e.data.length},\n        (const uint8_t *)${cString(e.data)}},`)
        .join('\n');
    const text = `/* regress_inputs.h: written by \`node scripts/fuzz.mjs --embed\` from tests/fuzz/corpus/<target>/
 * and tests/regress/<target>/; do not edit. Replayed by tests/test_fuzz_regress.c, which checks
 * natively that it still matches those directories. */
/* clang-format off */
#include <stddef.h>
#include <stdint.h>

static const struct fuzz_input {
    const char *target, *path;
    size_t size;
    const uint8_t *data;
} fuzz_inputs[] = {
${body}
};
`;
    const tmp = `${HEADER}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, HEADER);
    const bytes = entries.reduce((s, e) => s + e.data.length, 0);
    console.log(`fuzz: wrote ${path.relative(ROOT, HEADER)}: ${entries.length} inputs, ${bytes} bytes`);
}

/* The sanitizer's or the check's report from a libFuzzer log: from its first line, 30 lines at
 * most, without ASan's shadow-byte map; the log's last lines if there is no such report. */
function report(text) {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => /ERROR: |FUZZ_CHECK failed|runtime error:|ALARM: |deadly signal/.test(l));
    if (at < 0) return lines.filter((l) => !/^#\d+\s/.test(l)).slice(-30).join('\n');
    const end = lines.findIndex((l, i) => i > at && /^Shadow bytes around|^SUMMARY: /.test(l));
    return lines.slice(at, Math.min(end < 0 ? lines.length : end + 1, at + 30)).join('\n');
}

/* The targets built in build/fuzz, by name without the fuzz_ prefix. */
function builtTargets() {
    if (!fs.existsSync(BUILD)) return [];
    return fs
        .readdirSync(BUILD)
        .filter((f) => /^fuzz_\w+$/.test(f) && fs.statSync(path.join(BUILD, f)).isFile())
        .map((f) => f.slice(5))
        .sort();
}

function copyCorpus(target, dir) {
    fs.mkdirSync(dir, { recursive: true });
    const src = path.join(CORPUS, target);
    if (!fs.existsSync(src)) return 0;
    let n = 0;
    for (const f of fs.readdirSync(src)) {
        fs.copyFileSync(path.join(src, f), path.join(dir, f));
        n++;
    }
    return n;
}

/* Runs one target; its output goes to log, and what the summary needs is parsed from it. */
function runTarget(target, o, scratch) {
    const corpus = path.join(o.corpus ? path.resolve(o.corpus) : scratch, target);
    const grown = o.corpus && fs.existsSync(corpus) && fs.readdirSync(corpus).length > 0;
    const seeds = grown ? fs.readdirSync(corpus).length : copyCorpus(target, corpus);
    const artifacts = path.join(scratch, 'artifacts');
    fs.mkdirSync(artifacts, { recursive: true });
    const log = path.join(scratch, `${target}.log`);
    const args = [
        `-max_len=${o.maxLen[target] ?? 4096}`,
        `-timeout=${o.timeout}`,
        '-print_final_stats=1',
        `-artifact_prefix=${artifacts}${path.sep}${target}-`,
    ];
    if (o.seconds !== null) args.push(`-max_total_time=${o.seconds}`);
    if (o.runs !== null) args.push(`-runs=${o.runs}`);
    args.push(corpus);
    const bin = path.join(BUILD, `fuzz_${target}`);
    return new Promise((resolve) => {
        const out = fs.openSync(log, 'w');
        const child = spawn(bin, args, { cwd: ROOT, stdio: ['ignore', out, out] });
        try {
            os.setPriority(child.pid, 10);
        } catch {
            /* not allowed here: run at normal priority */
        }
        child.on('error', (err) => {
            fs.closeSync(out);
            resolve({ target, ok: false, why: `cannot start ${bin}: ${err.message}`, log, seeds });
        });
        child.on('close', (code, signal) => {
            fs.closeSync(out);
            const text = fs.readFileSync(log, 'utf8');
            const stat = (name) => Number((text.match(new RegExp(`stat::${name}:\\s*(\\d+)`)) || [])[1] ?? NaN);
            const crasher = (text.match(/Test unit written to (\S+)/) || [])[1];
            const kind = (text.match(/ERROR: (?:libFuzzer|AddressSanitizer|LeakSanitizer): ([\w-]+(?: [\w-]+)*)/) ||
                text.match(/(FUZZ_CHECK failed: .*)/) ||
                text.match(/(runtime error: .*)/) || [])[1];
            resolve({
                target,
                ok: code === 0 && !crasher,
                why: signal ? `killed by ${signal}` : code !== 0 ? `exit ${code}${kind ? `: ${kind}` : ''}` : '',
                execs: stat('number_of_executed_units'),
                rate: stat('average_exec_per_sec'),
                corpusSize: fs.readdirSync(corpus).length,
                crasher,
                log,
                seeds,
                text,
            });
        });
    });
}

async function main() {
    let o;
    try {
        o = parseArgs(process.argv.slice(2));
    } catch (err) {
        console.error(`fuzz: ${err.message}\n${USAGE}`);
        return 2;
    }
    if (o.help) {
        console.log(USAGE);
        return 0;
    }
    if (o.embed) {
        embed();
        return 0;
    }
    const built = builtTargets();
    const jsTargets = (o.targets ?? JS_TARGETS).filter((t) => JS_TARGETS.includes(t));
    const targets = (o.targets ?? built).filter((t) => !JS_TARGETS.includes(t));
    if (built.length === 0 && targets.length + jsTargets.length === 0) {
        console.error('fuzz: no targets in build/fuzz: run node scripts/setup.mjs --fuzz (or npm run fuzz)');
        return 1;
    }
    const missing = targets.filter((t) => !built.includes(t));
    if (missing.length) {
        console.error(`fuzz: not built: ${missing.join(', ')} (built: ${built.join(', ')})`);
        return 1;
    }
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nn-fuzz-'));
    const limit = [o.seconds !== null && `${o.seconds} s`, o.runs !== null && `${o.runs} runs`].filter(Boolean).join(' or ');
    console.log(`fuzz: ${targets.length + jsTargets.length} targets, ${limit} each, scratch ${scratch}`);
    const results = [];
    for (const t of targets) {
        const t0 = Date.now();
        const r = await runTarget(t, o, scratch);
        const secs = ((Date.now() - t0) / 1000).toFixed(0);
        const execs = Number.isFinite(r.execs) ? r.execs.toLocaleString('en-US') : '?';
        const rate = Number.isFinite(r.rate) ? r.rate.toLocaleString('en-US') : '?';
        if (r.ok) {
            console.log(`fuzz: ${t}: ok: ${execs} executions in ${secs} s (${rate}/s), corpus ${r.seeds} -> ${r.corpusSize}`);
        } else {
            console.error(`${report(r.text ?? '')}\nfuzz: ${t}: FAILED (${r.why}) after ${execs} executions; log ${r.log}`);
            if (r.crasher) {
                console.error(`fuzz: ${t}: the input is ${r.crasher}\n` +
                    `  replay it:  build/fuzz/fuzz_${t} ${r.crasher}\n` +
                    `  keep it as a regression input:  mkdir -p tests/regress/${t} && ` +
                    `cp ${r.crasher} tests/regress/${t}/NAME && node scripts/fuzz.mjs --embed`);
            }
        }
        results.push(r);
    }
    if (jsTargets.length) {
        const args = [path.join(ROOT, 'tests', 'fuzz', 'fuzz_formats.mjs'), '--targets', jsTargets.join(',')];
        if (o.seconds !== null) args.push(String(o.seconds));
        if (o.runs !== null) args.push('--runs', String(o.runs));
        const code = await new Promise((resolve) => {
            const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
            try {
                os.setPriority(child.pid, 10);
            } catch {
                /* not allowed here: run at normal priority */
            }
            child.on('error', () => resolve(127));
            child.on('close', (c, signal) => resolve(signal ? 128 : c));
        });
        results.push({ target: jsTargets.join(', '), ok: code === 0 });
    }
    const failed = results.filter((r) => !r.ok);
    if (failed.length === 0 && !o.keep) fs.rmSync(scratch, { recursive: true, force: true });
    (failed.length ? console.error : console.log)(
        `fuzz: ${results.length - failed.length} passed, ${failed.length} failed` +
            (failed.length || o.keep ? ` (scratch kept: ${scratch})` : ''),
    );
    return failed.length ? 1 : 0;
}

process.exitCode = await main();
