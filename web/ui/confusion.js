// confusion.js: a cell of the confusion matrix opened: the test images whose true digit is the
// row's and whose prediction is the column's (the worker's confusionImages, from the last
// detailed evaluation), CELL_PAGE at a time with a button for more. The summary line is announced
// (aria-live); Close hands the focus back to the cell.
import { digitCanvas } from './digits.js';
import { formatNumber, percent, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

export function createConfusionImages({ request }) {
    const panel = $('confusion-images');
    let open = null; // {label, predicted, total, shown, button}

    function summary() {
        if (!open) return;
        const { label, predicted, total, shown } = open;
        $('ci-title').textContent = t(label === predicted ? 'ci.titleRight' : 'ci.titleWrong', { t: label, p: predicted });
        $('ci-text').textContent =
            total === 0 ? t('ci.none', { t: label, p: predicted }) : t('ci.count', { n: formatNumber(total), shown: formatNumber(shown) });
        $('ci-more').hidden = shown >= total;
        $('ci-more').textContent = t('ci.more');
    }

    async function load(first) {
        const { label, predicted } = open;
        const r = await request('confusionImages', { label, predicted, first });
        if (open?.label !== label || open.predicted !== predicted) return;
        const gallery = $('ci-gallery');
        if (first === 0) gallery.replaceChildren();
        for (const im of r.images) {
            const fig = document.createElement('figure');
            fig.className = 'wrong';
            fig.dataset.index = String(im.index);
            fig.dataset.confidence = String(im.confidence);
            const text = t('ci.item', { i: im.index, t: label, p: predicted, pct: percent(im.confidence, 1) });
            fig.append(digitCanvas(im.pixels, text));
            const cap = document.createElement('figcaption');
            cap.setAttribute('aria-hidden', 'true');
            cap.textContent = `#${im.index} · ${percent(im.confidence, 0)}`;
            fig.append(cap);
            gallery.append(fig);
        }
        open.total = r.total;
        open.shown = first + r.images.length;
        panel.dataset.label = String(label);
        panel.dataset.predicted = String(predicted);
        panel.dataset.total = String(r.total);
        summary();
    }

    async function show(label, predicted, button) {
        open?.button?.removeAttribute('aria-current');
        open = { label, predicted, total: 0, shown: 0, button };
        button?.setAttribute('aria-current', 'true');
        panel.hidden = false;
        $('ci-title').textContent = t(label === predicted ? 'ci.titleRight' : 'ci.titleWrong', { t: label, p: predicted });
        $('ci-text').textContent = t('ci.loading');
        $('ci-gallery').replaceChildren();
        $('ci-more').hidden = true;
        try {
            await load(0);
        } catch (e) {
            if (open?.label === label && open.predicted === predicted) $('ci-text').textContent = t('ci.error', { message: e.message });
        }
    }

    function close() {
        const button = open?.button;
        open = null;
        panel.hidden = true;
        $('ci-gallery').replaceChildren();
        if (button?.isConnected) {
            button.removeAttribute('aria-current');
            button.focus();
        }
    }

    $('ci-close').addEventListener('click', close);
    $('ci-more').addEventListener('click', () => open && load(open.shown).catch(() => {}));

    return {
        show,
        /** A new evaluation (or none): the open cell's images are no longer its. */
        clear() {
            open = null;
            panel.hidden = true;
            $('ci-gallery').replaceChildren();
        },
        /** The language changed; the matrix was redrawn, so the open cell's button is new. */
        relabel() {
            if (!open) return;
            open.button = $('confusion-matrix').querySelector(`[data-testid="confusion-cell-${open.label}-${open.predicted}"]`);
            open.button?.setAttribute('aria-current', 'true');
            summary();
            for (const fig of $('ci-gallery').children) {
                const canvas = fig.querySelector('canvas');
                const pct = percent(Number(fig.dataset.confidence), 1);
                canvas?.setAttribute('aria-label', t('ci.item', { i: fig.dataset.index, t: open.label, p: open.predicted, pct }));
            }
        },
    };
}
