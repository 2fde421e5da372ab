// engines.mjs: the page in the three engines a class uses, behind one small interface, for
// tests/engines.test.mjs: Chromium through playwright-core, Firefox ESR through puppeteer-core
// (WebDriver BiDi), WebKitGTK's MiniBrowser through WebDriver (webdriver.mjs, under Xvfb, with
// the C.UTF-8 locale of containers). Every browser is Debian's; none is downloaded. A page offers
// goto, reload, evaluate(fn, ...args), waitFor, click, fill, setFile, strokes (pointer input on
// an element), screenshot, close, and `problems` (console and page errors, where the driver
// reports them: not through classic WebDriver).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM, haveChromium, launch as launchChromium, openPage } from './browser.mjs';
import { haveWebKit, startWebKitDriver } from './webdriver.mjs';

export const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
export const WEBKIT_LOCALE = 'C.UTF-8'; // containers' and minimal installs' locale: navigator.language "C"

const INSTALL = 'node scripts/setup.mjs --test installs it';
export const ENGINES = {
    chromium: { available: haveChromium, missing: `no Chromium at ${CHROMIUM} (${INSTALL})` },
    firefox: { available: () => fs.existsSync(FIREFOX), missing: `no Firefox ESR at ${FIREFOX} (${INSTALL})` },
    webkit: { available: haveWebKit, missing: `no WebKitWebDriver, MiniBrowser or Xvfb (${INSTALL}: webkit2gtk-driver, xvfb)` },
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls fn(arg) in the page until it returns a truthy value; returns that value. */
async function waitFor(page, fn, arg, { timeout = 60000, what = 'a condition' } = {}) {
    const t0 = Date.now();
    let last;
    for (;;) {
        try {
            last = await page.evaluate(fn, arg);
            if (last) return last;
        } catch (e) {
            // a navigation in progress: try again
            last = e.message;
        }
        if (Date.now() - t0 > timeout) {
            // what the page says of itself, for the message
            const said = await page
                .evaluate(() => {
                    const s = document.querySelector('[data-testid="status"]');
                    return `${location.href} state ${s?.dataset.state}: "${s?.textContent}"; ${document.querySelector('[data-testid="error"]')?.textContent?.trim() ?? ''}`;
                })
                .catch((e) => e.message);
            throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)}; ${said}; problems: ${JSON.stringify(page.problems ?? [])})`);
        }
        await sleep(100);
    }
}

/** The parts every driver shares, written over evaluate() so that they run alike everywhere. */
class EnginePage {
    constructor(engine) {
        this.engine = engine;
        this.problems = [];
    }
    waitFor(fn, arg, options) {
        return waitFor(this, fn, arg, options);
    }
    /** Sets a field's value as typing would end (input and change events). */
    fill(testid, value) {
        return this.evaluate(
            (id, v) => {
                const el = document.querySelector(`[data-testid="${id}"]`);
                el.value = v;
                el.dispatchEvent(new Event('input', { bubbles: true }));
                el.dispatchEvent(new Event('change', { bubbles: true }));
            },
            testid,
            String(value),
        );
    }
    /** Gives a file input a file, as picking it would. */
    setFile(testid, { name, mimeType, buffer }) {
        return this.evaluate(
            (id, b64, n, type) => {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                const dt = new DataTransfer();
                dt.items.add(new File([bytes], n, { type }));
                const input = document.querySelector(`[data-testid="${id}"]`);
                input.files = dt.files;
                input.dispatchEvent(new Event('change', { bubbles: true }));
            },
            testid,
            Buffer.from(buffer).toString('base64'),
            name,
            mimeType,
        );
    }
    /** Strokes on the element of testid: each a list of [fx, fy] in 0..1 of its box. */
    async strokes(testid, strokes, options = {}) {
        const box = await this.evaluate((id) => {
            const el = document.querySelector(`[data-testid="${id}"]`);
            el.scrollIntoView({ block: 'center' });
            const r = el.getBoundingClientRect();
            return { x: r.left, y: r.top, width: r.width, height: r.height };
        }, testid);
        const points = strokes.map((s) => s.map(([fx, fy]) => [box.x + fx * box.width, box.y + fy * box.height]));
        await this.pointerStrokes(points, options);
    }
}

/** Chromium's and Firefox's drivers both hold a page with goto, reload, a mouse, screenshots and a
 *  context of its own: what they do alike. */
class DriverPage extends EnginePage {
    goto(url) {
        return this.page.goto(url);
    }
    reload() {
        return this.page.reload();
    }
    async pointerStrokes(strokes) {
        const m = this.page.mouse;
        for (const stroke of strokes) {
            await m.move(...stroke[0]);
            await m.down();
            for (const pt of stroke.slice(1)) await m.move(...pt, { steps: 8 });
            await m.up();
        }
    }
    screenshot(file) {
        return this.page.screenshot({ path: file });
    }
    close() {
        return this.context.close();
    }
}

// ---- Chromium (playwright-core) ----
class ChromiumPage extends DriverPage {
    static async open(engine, { width, height }) {
        const p = new ChromiumPage(engine);
        const { context, page } = await openPage(engine.browser, { width, height });
        p.context = context;
        p.page = page;
        p.problems = page.problems;
        return p;
    }
    evaluate(fn, ...args) {
        // CDP evaluates outside the page's CSP, as WebDriver does: a function with its arguments
        return this.page.evaluate(`(${fn.toString()})(...${JSON.stringify(args)})`);
    }
    click(testid) {
        return this.page.getByTestId(testid).click();
    }
}

// ---- Firefox ESR (puppeteer-core, WebDriver BiDi) ----
class FirefoxPage extends DriverPage {
    static async open(engine, { width, height }) {
        const p = new FirefoxPage(engine);
        p.context = await engine.browser.createBrowserContext();
        p.page = await p.context.newPage();
        await p.page.setViewport({ width, height });
        p.page.on('console', (m) => m.type() === 'error' && p.problems.push(`console: ${m.text()}`));
        p.page.on('pageerror', (e) => p.problems.push(`pageerror: ${e.message}`));
        return p;
    }
    evaluate(fn, ...args) {
        return this.page.evaluate(fn, ...args);
    }
    async click(testid) {
        const el = await this.page.waitForSelector(`[data-testid="${testid}"]`, { visible: true });
        await el.click();
    }
}

// ---- WebKitGTK (WebDriver) ----
class WebKitPage extends EnginePage {
    static async open(engine, { width, height }) {
        const p = new WebKitPage(engine);
        p.session = await engine.driver.newSession();
        await p.session.setWindowRect({ width, height });
        return p;
    }
    goto(url) {
        return this.session.navigate(url);
    }
    reload() {
        return this.session.refresh();
    }
    evaluate(fn, ...args) {
        return this.session.evaluate(fn, ...args);
    }
    async click(testid) {
        const sel = `[data-testid="${testid}"]`;
        await this.waitFor((s) => {
            const el = document.querySelector(s);
            return el && !el.closest('[hidden]') && el.getClientRects().length > 0;
        }, sel, { timeout: 10000, what: `${testid} to be visible` });
        await this.session.click(sel);
    }
    pointerStrokes(strokes, options) {
        return this.session.strokes(strokes, options);
    }
    screenshot(file) {
        return this.session.screenshot(file);
    }
    close() {
        return this.session.close();
    }
}

/** Starts an engine: {name, open({width, height}) -> page, close()}. */
export async function launchEngine(name) {
    if (name === 'chromium') {
        const browser = await launchChromium();
        return { name, browser, open: (o = {}) => ChromiumPage.open({ browser }, sized(o)), close: () => browser.close() };
    }
    if (name === 'firefox') {
        const { default: puppeteer } = await import('puppeteer-core');
        // a profile of its own, removed afterwards; Firefox writes a lot into it
        const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nn-firefox-'));
        const browser = await puppeteer.launch({
            browser: 'firefox',
            executablePath: FIREFOX,
            headless: true,
            userDataDir: profile,
            extraPrefsFirefox: { 'browser.download.dir': profile, 'browser.download.folderList': 2 },
        });
        const engine = { name, browser };
        return {
            name,
            browser,
            open: (o = {}) => FirefoxPage.open(engine, sized(o)),
            close: async () => {
                await browser.close();
                fs.rmSync(profile, { recursive: true, force: true });
            },
        };
    }
    if (name === 'webkit') {
        // MiniBrowser reads the locale from the environment: the hard case, as in a container
        const driver = await startWebKitDriver({ env: { LANG: WEBKIT_LOCALE, LC_ALL: WEBKIT_LOCALE, LANGUAGE: '' } });
        const engine = { name, driver };
        return { name, driver, open: (o = {}) => WebKitPage.open(engine, sized(o)), close: () => driver.close() };
    }
    throw new Error(`unknown engine ${name}`);
}

const sized = ({ width = 1280, height = 900 } = {}) => ({ width, height });
