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
    const port = await freePort();
    const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
        env: { ...process.env, DISPLAY: `:${display}`, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    driver.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
        try {
            const r = await fetch(`${base}/status`);
            if (r.ok) break;
        } catch {
            // not listening yet
        }
        if (i > 100 || driver.exitCode !== null) {
            driver.kill();
            xvfb.kill();
            throw new Error(`WebKitWebDriver did not start: ${stderr}`);
        }
        await sleep(100);
    }
    return {
        base,
        display,
        newSession: () => Session.create(base),
        close: async () => {
            driver.kill();
            xvfb.kill();
            await Promise.all([driver, xvfb].map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : null)));
        },
    };
}

export class WebDriverError extends Error {
    constructor(command, value) {
        super(`${command}: ${value?.error ?? 'error'}: ${value?.message ?? JSON.stringify(value)}`);
        this.error = value?.error;
    }
}

export class Session {
    static async create(base) {
        const caps = {
            capabilities: {
                alwaysMatch: {
                    browserName: 'MiniBrowser',
                    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
                },
            },
        };
        const res = await fetch(`${base}/session`, { method: 'POST', body: JSON.stringify(caps) });
        const body = await res.json();
        if (!res.ok) throw new WebDriverError('new session', body.value);
        return new Session(base, body.value.sessionId, body.value.capabilities);
    }

    constructor(base, id, capabilities) {
        this.url = `${base}/session/${id}`;
        this.capabilities = capabilities;
    }

    async cmd(method, path, body) {
        const res = await fetch(this.url + path, {
            method,
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
        await this.cmd('DELETE', '').catch(() => {});
    }
}
