#!/usr/bin/env node
// screenshots.mjs: the page's main states at 1280 and 375 px wide, for looking at and for the
// README: before training, during training, after training with a drawn digit, and an error.
//   node tests/helpers/screenshots.mjs [--docs] [OUT_DIR]    (default test-results/screenshots)
// --docs also copies the few that the README shows into docs/screenshots/. Needs Chromium.
import fs from 'node:fs';
import path from 'node:path';
import { launch, openPage, startServer } from './browser.mjs';
import { byTestId, drawDigit, gotoReady, startTraining, waitState, waitText } from './page-actions.mjs';
import { ROOT } from './fakes.mjs';

const args = process.argv.slice(2);
const docs = args.includes('--docs');
const out = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(ROOT, 'test-results', 'screenshots'));
const README_SHOTS = ['desktop-2-training', 'desktop-3-trained', 'mobile-3-draw', 'mobile-5-error'];
fs.mkdirSync(out, { recursive: true });
const srv = await startServer();
const browser = await launch();

const scrollTo = (page, id) => byTestId(page, id).evaluate((el) => el.scrollIntoView({ block: 'start' }));
const shot = (page, name) => page.screenshot({ path: path.join(out, `${name}.png`) });

async function states(width, height, tag) {
    const { context, page } = await openPage(browser, { width, height, isMobile: width < 500, hasTouch: width < 500 });
    await gotoReady(page, srv.url);
    await shot(page, `${tag}-1-start`);
    await startTraining(page, { epochs: 5 });
    await waitText(page, 'progress-text', /epoch 2 of 5 · [3-9]\d%/, 120000);
    await scrollTo(page, 'train');
    await page.evaluate(() => window.scrollBy(0, -60));
    await shot(page, `${tag}-2-training`);
    await waitState(page, 'ready', 300000);
    if (width < 500) {
        await scrollTo(page, 'model-info');
        await page.evaluate(() => window.scrollBy(0, -70));
        await drawDigit(page, 7);
        await shot(page, `${tag}-3-draw`);
        await scrollTo(page, 'test-accuracy');
        await page.evaluate(() => window.scrollBy(0, -120));
        await shot(page, `${tag}-4-evaluation`);
    } else {
        await drawDigit(page, 7);
        await scrollTo(page, 'test-accuracy');
        await page.evaluate(() => window.scrollBy(0, -220));
        await shot(page, `${tag}-3-trained`);
    }
    await context.close();
    const e = await openPage(browser, { width, height, isMobile: width < 500 });
    await e.page.goto(`${srv.url}?data=missing/`);
    await waitState(e.page, 'error');
    await scrollTo(e.page, 'data-url');
    await e.page.evaluate(() => window.scrollBy(0, -120));
    await shot(e.page, `${tag}-5-error`);
    await e.context.close();
}

try {
    await states(1280, 800, 'desktop');
    await states(375, 812, 'mobile');
    console.log(`screenshots in ${out}`);
    if (docs) {
        const dir = path.join(ROOT, 'docs', 'screenshots');
        fs.mkdirSync(dir, { recursive: true });
        for (const name of README_SHOTS) fs.copyFileSync(path.join(out, `${name}.png`), path.join(dir, `${name}.png`));
        console.log(`${README_SHOTS.length} copied to ${dir}`);
    }
} finally {
    await browser.close();
    await srv.close();
}
