// number.js: a number read from the pad or an upload (issue 15): the digits in order, each shown
// as the 28x28 the network saw with its answer and confidence. Choosing one (a button per digit)
// hands it to onSelect, which shows its ten probabilities. The box stays hidden for one digit,
// which the pad's own preview already shows; #number holds the digits read in every case.
import { digitCanvas } from './digits.js';
import { percent, t } from './i18n.js';

/** els: {box, number, row}; onSelect(digit, k, chosen) for the digit shown: the first one at
 * first (chosen false), then the one the user chooses (chosen true). */
export function createNumberView(els, onSelect) {
    let current = null;

    const select = (k, chosen) => {
        if (!current) return;
        els.row.querySelectorAll('button').forEach((b, i) => b.setAttribute('aria-pressed', String(i === k)));
        onSelect(current.digits[k], k, chosen);
    };

    return {
        /** r: the worker's answer to predict ({number, digits: [{digit, probability, input}]}). */
        show(r) {
            current = r;
            els.number.textContent = r.number;
            els.row.replaceChildren();
            r.digits.forEach((d, k) => {
                const li = document.createElement('li');
                const button = document.createElement('button');
                button.type = 'button';
                button.className = 'number-digit';
                const label = t('number.digit', { k: k + 1, n: r.digits.length, digit: d.digit, pct: percent(d.probability, 0) });
                button.setAttribute('aria-label', label);
                button.title = label;
                const answer = document.createElement('span');
                answer.className = 'number-answer';
                answer.textContent = String(d.digit);
                const sure = document.createElement('span');
                sure.className = 'number-sure';
                sure.textContent = percent(d.probability, 0);
                const canvas = digitCanvas(d.input);
                canvas.setAttribute('aria-hidden', 'true'); // the button says what it shows
                button.append(canvas, answer, ' ', sure); // the space keeps the visible text "7 99%"
                button.addEventListener('click', () => select(k, true));
                li.append(button);
                els.row.append(li);
            });
            els.box.hidden = r.digits.length < 2;
            select(0, false);
        },
        clear() {
            current = null;
            els.number.textContent = '';
            els.row.replaceChildren();
            els.box.hidden = true;
        },
    };
}
