// browser.mjs: Debian's Chromium through playwright-core against the project's server
// (scripts/serve.mjs's handler on a free port, wrapped to count the requests it sees), and a page
// that records console errors, uncaught errors and CSP violations. Never downloads a browser.
import fs from 'node:fs';
import http from 'node:http';
import { chromium } from 'playwright-core';
import { SECURITY_HEADERS, createHandler } from '../../scripts/serve.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
];

export const haveChromium = () => fs.existsSync(CHROMIUM);

/**
 * The real handler on 127.0.0.1:0; `requests` lists every path asked for. override(path, body)
 * answers that path with the given JavaScript (or HTML, for a .html path) instead of the file,
 * with the same headers: a module that fails, a page of a tool's own; override(path, null) ends it.
 */
export async function startServer() {
    const handle = createHandler();
    const requests = [];
    const overrides = new Map();
    const server = http.createServer((req, res) => {
        requests.push(req.url);
        const over = overrides.get(req.url.split('?')[0]);
        if (!over) return handle(req, res);
        res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': over.type, 'Cache-Control': 'no-store' });
        res.end(over.body);
    });
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address();
    return {
        url: `http://127.0.0.1:${port}/`,
        origin: `http://127.0.0.1:${port}`,
        requests,
        override: (urlPath, body, type = urlPath.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8') =>
            body == null ? overrides.delete(urlPath) : overrides.set(urlPath, { body, type }),
        close: () =>
            new Promise((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

export function launch() {
    return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A fresh context (own storage) and page, with problems recorded in page.problems: console
 * errors, uncaught page errors, CSP violations (document and worker), failed requests.
 */
export async function openPage(browser, { width = 1280, height = 900, ...options } = {}) {
    const context = await browser.newContext({ viewport: { width, height }, ...options });
    await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
            console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
        });
    });
    const page = await context.newPage();
    page.problems = [];
    page.on('console', (msg) => {
        if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
    page.on('worker', (worker) => {
        worker.on?.('console', (msg) => {
            if (msg.type() === 'error') page.problems.push(`worker console: ${msg.text()}`);
        });
    });
    return { context, page };
}
