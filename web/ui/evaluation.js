// evaluation.js: the test-set evaluation: accuracy and loss, a 10x10 confusion matrix (rows: true
// digit, columns: predicted) with each digit's accuracy in a last column, and a gallery of the
// misclassified test digits the network was surest about. Cell shading is set through the CSSOM
// (element.style), which the page's CSP allows, unlike style attributes in markup. Each count is
// a button (one tab stop for the matrix, arrow keys between cells) that opens the cell's images
// through the handler given to onConfusionCell.
import { digitCanvas } from './digits.js';
import { formatNumber, percent, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
let cellHandler = () => {};
let newEvaluation = () => {};
let shown = null;

/**
 * open(trueLabel, predicted, button) runs when a cell is clicked or Enter pressed on it; reset()
 * when another evaluation (or none) is shown.
 */
export function onConfusionCell(open, reset = () => {}) {
    cellHandler = open;
    newEvaluation = reset;
}

/** Arrow keys, Home and End move the focus between the matrix' cells (one tab stop). */
function moveInMatrix(event) {
    const cell = event.target.closest('button.cell');
    if (!cell) return;
    let r = Number(cell.dataset.r);
    let c = Number(cell.dataset.c);
    const keys = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (keys[event.key]) {
        r = Math.max(0, Math.min(9, r + keys[event.key][0]));
        c = Math.max(0, Math.min(9, c + keys[event.key][1]));
    } else if (event.key === 'Home') c = 0;
    else if (event.key === 'End') c = 9;
    else return;
    event.preventDefault();
    const next = $('confusion-matrix').querySelector(`button.cell[data-r="${r}"][data-c="${c}"]`);
    cell.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
}

export function renderMetrics(metrics) {
    $('test-accuracy').textContent = metrics ? percent(metrics.accuracy) : '';
    $('test-loss').textContent = metrics ? metrics.loss.toFixed(4) : '';
}

/** WCAG's relative luminance of an sRGB colour (0..255 channels). */
function luminance(rgb) {
    const [r, g, b] = rgb.map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const INK = [28, 25, 23]; // the page's text colour
const MIN_CONTRAST = 4.5; // WCAG AA for text of this size
/** The cell's background, `color` at `alpha` over white, opaque, with dark or white text, each
 * at least 4.5:1 against it: shades in between, where neither reaches it, are made darker until
 * white text does (the scale keeps its order; a few middle steps are skipped). */
function shade(td, color, alpha) {
    for (let a = alpha; ; a = Math.min(1, a + 0.01)) {
        const bg = color.map((c) => Math.round(255 + (c - 255) * a));
        const l = luminance(bg);
        const dark = (l + 0.05) / (luminance(INK) + 0.05);
        const light = 1.05 / (l + 0.05);
        if (dark >= MIN_CONTRAST || light >= MIN_CONTRAST || a >= 1) {
            td.style.backgroundColor = `rgb(${bg.join(', ')})`;
            td.style.color = dark >= light ? `rgb(${INK.join(', ')})` : '#fff';
            return;
        }
    }
}

export function renderEvaluation(ev) {
    if (ev !== shown) newEvaluation();
    shown = ev;
    renderMetrics(ev);
    $('eval-details').hidden = !ev?.confusion;
    $('eval-empty').hidden = Boolean(ev);
    if (!ev?.confusion) return;
    const table = $('confusion-matrix');
    table.replaceChildren();
    if (!table.dataset.keys) {
        table.addEventListener('keydown', moveInMatrix);
        table.dataset.keys = '1';
    }
    const head = table.createTHead().insertRow();
    const corner = document.createElement('th');
    corner.scope = 'col';
    const cornerText = document.createElement('span');
    cornerText.className = 'visually-hidden';
    cornerText.textContent = t('eval.true');
    corner.append(cornerText);
    corner.className = 'corner';
    head.append(corner);
    for (let p = 0; p < 10; p++) {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = String(p);
        head.append(th);
    }
    const accHead = document.createElement('th');
    accHead.scope = 'col';
    accHead.textContent = t('eval.perClass');
    head.append(accHead);
    const body = table.createTBody();
    let max = 0;
    for (let i = 0; i < 100; i++) if (i % 11 !== 0) max = Math.max(max, ev.confusion[i]);
    for (let r = 0; r < 10; r++) {
        const row = body.insertRow();
        const th = document.createElement('th');
        th.scope = 'row';
        th.textContent = String(r);
        row.append(th);
        const total = ev.perClass[r].total || 1;
        for (let c = 0; c < 10; c++) {
            const n = ev.confusion[r * 10 + c];
            const td = row.insertCell();
            const btn = document.createElement('button');
            btn.type = 'button';
            btn.className = 'cell';
            btn.textContent = String(n); // no grouping: the columns stay narrow
            btn.dataset.testid = `confusion-cell-${r}-${c}`;
            btn.dataset.r = String(r);
            btn.dataset.c = String(c);
            btn.tabIndex = r === 0 && c === 0 ? 0 : -1;
            btn.setAttribute('aria-label', t('eval.cell', { t: r, p: c, n }));
            btn.addEventListener('click', () => cellHandler(r, c, btn));
            td.append(btn);
            td.title = t('eval.cell', { t: r, p: c, n });
            if (r === c) {
                td.className = 'diag';
                shade(td, [29, 78, 216], 0.15 + 0.75 * (n / total));
            } else if (n > 0) {
                td.className = 'off';
                shade(td, [194, 65, 12], 0.08 + 0.6 * (n / (max || 1)));
            } else td.className = 'zero';
        }
        const acc = row.insertCell();
        acc.className = 'acc';
        acc.textContent = percent(ev.perClass[r].accuracy, 1);
    }
    const gallery = $('misclassified');
    gallery.replaceChildren();
    for (const m of ev.misclassified) {
        const fig = document.createElement('figure');
        fig.className = 'wrong';
        const text = t('eval.wrongItem', { t: m.label, p: m.predicted, pct: percent(m.confidence, 1) });
        fig.append(digitCanvas(m.pixels, text));
        const cap = document.createElement('figcaption');
        const tl = document.createElement('span');
        tl.className = 'true';
        tl.textContent = String(m.label);
        const arrow = document.createTextNode(' → ');
        const pl = document.createElement('span');
        pl.className = 'pred';
        pl.textContent = String(m.predicted);
        const conf = document.createElement('span');
        conf.className = 'conf';
        conf.textContent = percent(m.confidence, 1);
        cap.append(tl, arrow, pl, conf);
        cap.setAttribute('aria-hidden', 'true');
        fig.append(cap);
        gallery.append(fig);
    }
    $('wrong-hint').textContent = t('eval.wrongHint', {
        count: formatNumber(ev.misclassifiedCount),
        total: formatNumber(ev.count),
        shown: ev.misclassified.length,
    });
}
