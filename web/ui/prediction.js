// prediction.js: what the page says about the digit or number on the pad or uploaded. It
// schedules the requests (debounced while drawing, with a maximum wait so that the answer follows
// the pen; one request in flight, the newest image waiting its turn; a generation number so that
// an answer to a cleared pad is dropped), shows the answer (the number and its digits through
// ui/number.js, the 28x28 preview, the ten probability bars, the note under the pad and its one
// polite live region) and reads uploads. app.js owns the phases and the model; this module asks
// it `hasModel()` and hands the look inside to `why`.
import { WorkerCrash } from './nn-client.js';
import { percent, t } from './i18n.js';
import { blankDigit, paintDigit } from './digits.js';
import { NotAnImage, readImage } from './upload.js';
import { createNumberView } from './number.js';
import { Status } from '../status.js';

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 60;
const MAX_WAIT_MS = 200;

/**
 * client: the worker's NNClient; pad: ui/draw.js' pad; why: ui/why.js' view; hasModel(): whether
 * a model is loaded. Returns the controls app.js wires: schedulePad(now) for the pad's events,
 * clearPad, repredict after a model change, onUpload(file), clear, setNote/note for the note
 * under the pad, workerLost after a crash, relabel after a language change.
 */
export function createPrediction({ client, pad, why, hasModel }) {
    const s = { busy: false, queued: null, generation: 0, timer: 0, first: 0, reading: 0 };
    let note = { key: 'draw.hint', params: {} };
    let uploadUrl = null;

    // a number's digits: the one chosen shows in the preview, the bars and the look inside (the
    // prediction brings the first one's)
    const numberView = createNumberView({ box: $('number-box'), number: $('number'), row: $('number-digits') }, (d, k, chosen) => {
        paintDigit($('preview'), d.input);
        showProbabilities(d.probabilities);
        if (!chosen) return;
        const generation = s.generation;
        client
            .request('explain', { digit: k })
            .then((inside) => {
                if (generation === s.generation) why.show(inside);
            })
            .catch(() => {}); // no model, or the worker restarted: the next prediction brings one
    });

    /** aria-busy on the prediction while an answer is on its way (a timer, a request or a queue). */
    function markBusy() {
        const busy = s.busy || s.queued !== null || s.timer !== 0 || s.reading > 0;
        $('prediction').setAttribute('aria-busy', String(busy));
    }

    function buildProbabilities() {
        const list = $('probabilities');
        list.replaceChildren();
        for (let d = 0; d < 10; d++) {
            const li = document.createElement('li');
            li.dataset.digit = String(d);
            const label = document.createElement('span');
            label.className = 'digit-label';
            label.textContent = String(d);
            const bar = document.createElement('span');
            bar.className = 'bar';
            const fill = document.createElement('span');
            fill.className = 'fill';
            bar.append(fill);
            const value = document.createElement('span');
            value.className = 'value';
            li.append(label, bar, value);
            list.append(li);
        }
    }

    function showProbabilities(probs) {
        const items = $('probabilities').children;
        let best = -1;
        if (probs) for (let d = 0; d < 10; d++) if (best < 0 || probs[d] > probs[best]) best = d;
        for (let d = 0; d < 10; d++) {
            const li = items[d];
            const p = probs ? probs[d] : 0;
            li.querySelector('.fill').style.width = `${(100 * p).toFixed(1)}%`;
            li.querySelector('.value').textContent = probs ? percent(p, 1) : '';
            li.classList.toggle('best', d === best);
            li.setAttribute('aria-label', probs ? t('draw.prob', { digit: d, pct: percent(p, 1) }) : String(d));
        }
    }

    function setNote(key, params = {}) {
        note = { key, params };
        $('draw-hint').textContent = t(key, params);
        announce();
    }

    /** The pad's one live region: the note read out once a stroke is over, not on every answer
     *  that follows the pen (the answers while drawing only change what is shown). */
    function announce() {
        if (pad.drawing) return;
        const el = $('draw-announce');
        const text = $('draw-hint').textContent;
        if (el.textContent !== text) el.textContent = text;
    }

    function clear() {
        $('prediction').textContent = '';
        $('prediction').classList.remove('long', 'longer');
        showProbabilities(null);
        blankDigit($('preview'));
        numberView.clear();
        setNote(hasModel() ? 'draw.hint' : 'draw.noModel');
        why.clear();
    }

    /** Sends an image to the worker; one request in flight, the newest image waits its turn. */
    async function predict(image) {
        if (!hasModel()) {
            clear();
            return;
        }
        if (s.busy) {
            s.queued = image;
            markBusy();
            return;
        }
        s.busy = true;
        markBusy();
        const generation = s.generation;
        try {
            const r = await client.request(
                'predict',
                { image: { data: image.data, width: image.width, height: image.height }, explain: why.wanted() },
                { transfer: [image.data.buffer] },
            );
            if (generation !== s.generation) return; // cleared meanwhile
            numberView.show(r); // the first digit into the preview and the bars
            $('prediction').textContent = r.number;
            $('prediction').classList.toggle('long', r.number.length > 2);
            $('prediction').classList.toggle('longer', r.number.length > 4);
            if (r.digits.length > 1) {
                const least = Math.min(...r.digits.map((d) => d.probability));
                setNote('draw.number', { number: r.number, n: r.digits.length, pct: percent(least, 1) });
            } else {
                setNote('draw.result', { digit: r.digit, pct: percent(r.confidence, 1) });
            }
            why.show(r.inside); // the look inside is of the first digit
        } catch (e) {
            if (generation !== s.generation || e instanceof WorkerCrash) return;
            clear();
            if (e.code === Status.NO_DIGIT) setNote('draw.noDigit');
            else if (e.code === Status.STATE && !hasModel()) setNote('draw.noModel');
            else setNote('draw.error', { message: e.message });
        } finally {
            s.busy = false;
            const next = s.queued;
            s.queued = null;
            if (next && generation === s.generation) predict(next);
            markBusy();
        }
    }

    /** Debounced while drawing, with a maximum wait so that the answer follows the pen. */
    function schedulePad(now) {
        if (!pad.hasInk) return;
        clearTimeout(s.timer);
        const t0 = performance.now();
        if (!s.first) s.first = t0;
        const run = () => {
            s.first = 0;
            s.timer = 0;
            if (pad.hasInk) predict(pad.image());
            markBusy();
        };
        if (now || t0 - s.first >= MAX_WAIT_MS) run();
        else s.timer = setTimeout(run, DEBOUNCE_MS);
        markBusy();
    }

    function clearPad() {
        s.generation++;
        s.queued = null;
        clearTimeout(s.timer);
        s.first = 0;
        s.timer = 0;
        markBusy();
        pad.clear();
        $('upload-thumb').hidden = true;
        clear();
    }

    async function onUpload(file) {
        if (!file) return;
        $('upload-error').hidden = true;
        let read;
        s.reading++;
        markBusy();
        try {
            read = await readImage(file);
        } catch (e) {
            $('upload-error').textContent = e instanceof NotAnImage ? t('upload.notImage', { name: file.name }) : e.message;
            $('upload-error').hidden = false;
            return;
        } finally {
            s.reading--;
            markBusy();
        }
        clearPad();
        if (uploadUrl) URL.revokeObjectURL(uploadUrl);
        uploadUrl = URL.createObjectURL(file);
        const thumb = $('upload-thumb');
        thumb.src = uploadUrl;
        thumb.alt = t('upload.read', {
            name: file.name,
            w: read.width,
            h: read.height,
            scaled: read.scaled ? t('upload.scaled', { w: read.scaled.width, h: read.scaled.height }) : '',
        });
        thumb.hidden = false;
        await predict(read.image);
    }

    buildProbabilities();
    return {
        schedulePad,
        clearPad,
        clear,
        onUpload,
        setNote,
        get note() {
            return note;
        },
        /** After the model changed: ask again about what is on the pad. */
        repredict() {
            if (pad.hasInk) schedulePad(true);
        },
        /** The worker crashed: nothing is on its way any more. */
        workerLost() {
            s.busy = false;
            s.queued = null;
            markBusy();
        },
        relabel() {
            setNote(note.key, note.params);
        },
    };
}
