// webdriver.mjs: a small W3C WebDriver client over HTTP (fetch) for Debian's WebKitGTK:
// WebKitWebDriver drives MiniBrowser, which has no headless mode, so both run under an Xvfb of
// their own (a free display, -displayfd). Only the commands the page tests use: sessions,
// navigation, scripts (the page's CSP forbids eval, so a function's source is the script itself),
// elements, pointer actions, window size and screenshots.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const XVFB = '/usr/bin/Xvfb';
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'; // the W3C key of an element reference

export const haveWebKit = () => [WEBKIT_DRIVER, MINIBROWSER, XVFB].every((f) => fs.existsSync(f));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

// A new session starts a MiniBrowser: seconds normally. Once in CI the request hung until fetch's
// own 300 s limit (the driver never heard from its browser); past this the driver is restarted.
const SESSION_TIMEOUT_MS = 60000;

/** Starts Xvfb and WebKitWebDriver; env adds to the driver's (and so MiniBrowser's) environment. */
export async function startWebKitDriver({ env = {} } = {}) {
    const xvfb = spawn(XVFB, ['-displayfd', '1', '-screen', '0', '1400x1000x24', '-nolisten', 'tcp'], {
        stdio: ['ignore', 'pipe', 'ignore'],
    });
    const display = await new Promise((resolve, reject) => {
        let out = '';
        xvfb.stdout.on('data', (d) => {
            out += d;
            if (out.includes('\n')) resolve(out.trim());
        });
        xvfb.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
    });
    const driverEnv = { ...process.env, DISPLAY: `:${display}`, ...env };
    let driver;
    try {
        driver = await startDriver(driverEnv);
    } catch (e) {
        await stop(xvfb);
        throw e;
    }
    return {
        display,
        /** A session; if the driver does not answer in time, a new driver and one more try. */
        newSession: async () => {
            try {
                return await Session.create(driver.base);
            } catch (e) {
                if (e.name !== 'TimeoutError') throw e;
                process.stderr.write(`webdriver: no new session within ${SESSION_TIMEOUT_MS / 1000} s; restarting WebKitWebDriver\n`);
                await driver.stop();
                driver = await startDriver(driverEnv);
                return Session.create(driver.base);
            }
        },
        close: async () => {
            await driver.stop();
            await stop(xvfb);
        },
    };
}

/** A process's end: SIGKILL (to its group when it leads one), then its exit. */
async function stop(child, group = false) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
        if (group) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
    } catch {
        child.kill('SIGKILL'); // the group is gone already
    }
    await exited;
}

/** WebKitWebDriver on a free port, in a process group of its own with the MiniBrowsers it starts. */
async function startDriver(env) {
    const port = await freePort();
    const child = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const driver = { base: `http://127.0.0.1:${port}`, stop: () => stop(child, true) };
    for (let i = 0; ; i++) {
        try {
            const r = await fetch(`${driver.base}/status`, { signal: AbortSignal.timeout(2000) });
            if (r.ok) return driver;
        } catch {
            // not listening yet
        }
        if (i > 100 || child.exitCode !== null) {
            await driver.stop();
            throw new Error(`WebKitWebDriver did not start: ${stderr}`);
        }
        await sleep(100);
    }
}

export class WebDriverError extends Error {
    constructor(command, value) {
        super(`${command}: ${value?.error ?? 'error'}: ${value?.message ?? JSON.stringify(value)}`);
        this.error = value?.error;
    }
}

export class Session {
    /** A new session (a MiniBrowser); a TimeoutError after timeoutMs. */
    static async create(base, timeoutMs = SESSION_TIMEOUT_MS) {
        const caps = {
            capabilities: {
                alwaysMatch: {
                    browserName: 'MiniBrowser',
                    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
                },
            },
        };
        const res = await fetch(`${base}/session`, { method: 'POST', body: JSON.stringify(caps), signal: AbortSignal.timeout(timeoutMs) });
        const body = await res.json();
        if (!res.ok) throw new WebDriverError('new session', body.value);
        return new Session(base, body.value.sessionId, body.value.capabilities);
    }

    constructor(base, id, capabilities) {
        this.url = `${base}/session/${id}`;
        this.capabilities = capabilities;
    }

    async cmd(method, path, body, { timeoutMs } = {}) {
        const res = await fetch(this.url + path, {
            method,
            signal: timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined,
            headers: body ? { 'content-type': 'application/json' } : {},
            body: body ? JSON.stringify(body) : undefined,
        });
        const json = await res.json().catch(() => ({ value: { error: `HTTP ${res.status}` } }));
        if (!res.ok) throw new WebDriverError(`${method} ${path}`, json.value);
        return json.value;
    }

    navigate(url) {
        return this.cmd('POST', '/url', { url });
    }
    refresh() {
        return this.cmd('POST', '/refresh', {});
    }
    /** Runs fn(...args) in the page (fn may be async); resolves with its JSON value. */
    async evaluate(fn, ...args) {
        const script = `const done = arguments[arguments.length - 1];
            Promise.resolve().then(() => (${fn.toString()}).apply(null, Array.prototype.slice.call(arguments, 0, -1)))
                .then((value) => done({ value: value === undefined ? null : value }), (e) => done({ error: String(e && e.stack || e) }));`;
        const r = await this.cmd('POST', '/execute/async', { script, args });
        if (r?.error) throw new Error(`in the page: ${r.error}`);
        return r.value;
    }
    async element(css) {
        const v = await this.cmd('POST', '/element', { using: 'css selector', value: css });
        return v[ELEMENT];
    }
    async click(css) {
        const id = await this.element(css);
        await this.cmd('POST', `/element/${id}/click`, {});
    }
    /** Pointer strokes: each a list of [x, y] viewport points; pointerType mouse, pen or touch. */
    async strokes(strokes, { pointerType = 'mouse', stepMs = 16 } = {}) {
        const actions = [];
        for (const stroke of strokes) {
            const [x0, y0] = stroke[0];
            actions.push({ type: 'pointerMove', duration: 0, x: Math.round(x0), y: Math.round(y0), origin: 'viewport' });
            actions.push({ type: 'pointerDown', button: 0 });
            for (const [x, y] of stroke.slice(1))
                actions.push({ type: 'pointerMove', duration: stepMs * 8, x: Math.round(x), y: Math.round(y), origin: 'viewport' });
            actions.push({ type: 'pointerUp', button: 0 });
        }
        await this.cmd('POST', '/actions', {
            actions: [{ type: 'pointer', id: 'pointer1', parameters: { pointerType }, actions }],
        });
        await this.cmd('DELETE', '/actions');
    }
    setWindowRect(rect) {
        return this.cmd('POST', '/window/rect', rect);
    }
    async screenshot(file) {
        const png = Buffer.from(await this.cmd('GET', '/screenshot'), 'base64');
        if (file) fs.writeFileSync(file, png);
        return png;
    }
    async close() {
        await this.cmd('DELETE', '', undefined, { timeoutMs: 30000 }).catch(() => {});
    }
}
