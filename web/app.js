// app.js: the page's entry. Holds the UI state (phase, data, model, evaluation), wires the
// controls to the worker (ui/nn-client.js; the page never touches wasm) and hands rendering to the
// ui/ modules. Phases: starting, loading, ready, training, paused, stopping, error; the status line
// shows the phase in data-state for tests. A crashed worker is replaced and its model restored.
import { NNClient, WorkerCrash } from './ui/nn-client.js';
import * as i18n from './ui/i18n.js';
import { formatNumber, percent, t } from './ui/i18n.js';
import { createCharts } from './ui/charts.js';
import { createTrainingView } from './ui/training-view.js';
import { createPad } from './ui/draw.js';
import { acceptDrops } from './ui/upload.js';
import { createPrediction } from './ui/prediction.js';
import { acceptModelDrops, download, mainName, readFiles } from './ui/model-files.js';
import { renderCode, renderData, renderSummary } from './ui/notebook.js';
import { onConfusionCell, renderEvaluation } from './ui/evaluation.js';
import './ui/i18n-inside.js';
import { createUnitsView } from './ui/units.js';
import { createWhyView } from './ui/why.js';
import { createConfusionImages } from './ui/confusion.js';
import * as form from './ui/settings.js';
import { DEFAULT_SETTINGS, OPTIMIZERS } from './training-settings.js';
import { ARCHITECTURES, networkForSettings } from './architectures.js';

const $ = (id) => document.getElementById(id);
const MAX_RESTARTS = 3; // within RESTART_WINDOW_MS; after that the page asks for a reload
const RESTART_WINDOW_MS = 30000;
const INIT_TIMEOUT_MS = 20000; // the worker's first answer: the engine (its helper threads get 10 s), the saved model

const state = {
    phase: 'starting',
    data: null, // the worker's loadData result
    model: null, // the worker's model info, or null
    evaluation: null,
    status: { key: 'status.starting', params: {} },
    training: null, // {settings, last progress}
    restarts: [],
    threads: null, // the worker's {available, reason}
    modelNote: null, // {key, params} of the model line's last message
};

let client;
let trainingView; // ui/training-view.js: bars, tiles, charts, log
let pad;
let prediction; // ui/prediction.js: the answer about the pad or an upload
let units; // the look inside: ui/units.js, ui/why.js, ui/confusion.js
let why;
let confusion;
const request = (type, payload) => client.request(type, payload);

// ---- small helpers ----

function setStatus(key, params = {}) {
    state.status = { key, params };
    $('status').textContent = t(key, params);
}

function setPhase(phase) {
    state.phase = phase;
    if (phase !== 'training' && phase !== 'paused') $('status-progress').textContent = '';
    $('status').dataset.state = phase;
    updateControls();
}

function showError(message) {
    $('error-text').textContent = message;
    $('error').hidden = false;
}

function hideError() {
    $('error').hidden = true;
    $('error-text').textContent = '';
}

function formatBytes(n) {
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${formatNumber(n / 1024, 0)} kB`;
    return `${formatNumber(n / (1024 * 1024), 1)} MB`;
}

/** How the model line names a network: 784-512-10 for a dense one, "convnet" otherwise. */
const layersText = (m) => (m.arch === 'convnet' ? t('arch.convnetShort') : (m.sizes ?? []).join('-'));

function readyStatus() {
    if (state.data) setStatus(state.model ? 'status.readyModel' : 'status.ready', { count: formatNumber(state.data.train.count) });
    else setStatus(state.model ? 'status.readyModel' : 'status.noData');
}

// ---- controls ----

function updateControls() {
    const p = state.phase;
    const busy = p === 'training' || p === 'paused' || p === 'stopping';
    $('train').disabled = busy || p === 'loading' || p === 'starting' || !state.data;
    $('pause').disabled = !(p === 'training' || p === 'paused');
    $('pause').textContent = t(p === 'paused' ? 'train.resume' : 'train.pause');
    $('pause').setAttribute('aria-pressed', String(p === 'paused'));
    $('stop').disabled = !(p === 'training' || p === 'paused');
    $('reset').disabled = p === 'starting' || p === 'loading' || p === 'stopping' || (!busy && !state.model);
    $('data-load').disabled = busy || p === 'loading' || p === 'starting';
    $('retry').disabled = $('data-load').disabled;
    $('data-url').disabled = busy;
    form.setDisabled(busy);
    $('model-export').disabled = !state.model || busy;
    $('model-format').disabled = !state.model || busy;
    $('model-import').disabled = busy || p === 'starting';
    $('upload').disabled = p === 'starting';
}

function renderModelInfo() {
    const m = state.model;
    let text;
    if (!m) text = t('model.none');
    else if (state.phase === 'training' || state.phase === 'paused' || state.phase === 'stopping')
        text = t('model.training', { layers: layersText(m) });
    else if (m.source === 'imported')
        text = t(m.format && m.format !== 'nnmf' ? 'model.importedFormat' : 'model.imported', {
            layers: layersText(m),
            name: m.name ?? '',
            format: t(`file.format.${m.format}`),
        });
    else {
        const s = m.settings ?? {};
        const e = m.metrics?.epochs ?? 0;
        text = t('model.trained', {
            layers: layersText(m),
            epochs: t(e === 1 ? 'unit.epoch' : 'unit.epochs', { n: Number.isInteger(e) ? e : formatNumber(e, 2) }),
            optimizer: OPTIMIZERS[s.optimizer]?.label ?? s.optimizer ?? '?',
            batch: s.batchSize ?? '?',
            acc: m.metrics?.testAccuracy != null ? t('model.acc', { acc: percent(m.metrics.testAccuracy) }) : '',
        });
    }
    if (m?.savedAt && state.phase !== 'training') {
        const when = new Date(m.savedAt);
        text += t('model.saved', {
            when: Date.now() - m.savedAt < 60000 ? t('time.justNow') : t('time.at', { time: when.toLocaleString(i18n.getLang()) }),
        });
    }
    $('model-info').textContent = text;
}

/** The form's settings, unparsable fields replaced by the defaults (for the code cells). */
function formSettings() {
    const raw = form.readForm();
    const ok = ([, v]) => !Number.isNaN(v) && !(Array.isArray(v) && v.some(Number.isNaN));
    return { ...DEFAULT_SETTINGS, ...Object.fromEntries(Object.entries(raw).filter(ok)) };
}

/** C's summary of the network the settings ask for (the worker's describe), kept by its key. */
const described = new Map();
async function describe(settings) {
    const key = JSON.stringify([settings.arch, settings.arch === 'mlp' ? settings.hidden : []]);
    if (!described.has(key)) {
        const answer = client.request('describe', { settings: { arch: settings.arch, hidden: settings.hidden } });
        described.set(key, answer);
        answer.catch(() => described.delete(key));
    }
    return described.get(key);
}

/** The code cells and summary: the model's layers when it is of the chosen network, else those
 * the settings ask for (described by C through the worker). */
function renderNotebookModel() {
    const settings = formSettings();
    document.querySelectorAll('[data-arch]').forEach((el) => (el.hidden = el.dataset.arch !== settings.arch));
    form.showArchFields();
    const m = state.model;
    if (m?.layers && m.arch === settings.arch) {
        renderCode(m, settings);
        renderSummary(m.summary);
        return;
    }
    renderCode(networkForSettings(settings), settings);
    renderSummary(null);
    if (!client) return;
    describe(settings)
        .then((d) => {
            const now = formSettings();
            const current = !(state.model?.layers && state.model.arch === now.arch);
            if (current && now.arch === d.arch && JSON.stringify(networkForSettings(now)) === JSON.stringify(networkForSettings(settings)))
                renderSummary(d.summary);
        })
        .catch(() => {}); // a bad field: its message shows when training starts
}

/** A new choice of network: its defaults (the book's batch size), fields and cells. */
function onArchChange() {
    const arch = $('arch').value;
    $('batch-size').value = String(ARCHITECTURES[arch]?.batchSize ?? DEFAULT_SETTINGS.batchSize);
    form.showError('batchSize', null);
    renderNotebookModel();
}

function applyModel(model) {
    state.model = model;
    units?.modelChanged(model, ['training', 'paused', 'stopping'].includes(state.phase));
    // The pad's note follows: "no model" <-> "draw a digit" (a shown result stays).
    if (!model && prediction?.note.key !== 'draw.noModel') prediction?.clear();
    else if (model && prediction?.note.key === 'draw.noModel') prediction.setNote('draw.hint');
    renderModelInfo();
    renderNotebookModel();
    updateControls();
}

// ---- data ----

function resetDownloadBar() {
    $('download-progress').value = 0;
    $('download-text').textContent = '';
}

async function loadData() {
    const raw = $('data-url').value.trim() || 'data/';
    $('data-error').hidden = true;
    let base;
    try {
        base = new URL(raw, location.href).href;
    } catch {
        return dataFailed({ message: `"${raw}" is not a valid URL.` });
    }
    setPhase('loading');
    setStatus('status.loading', { pct: '0%' });
    const loaded = [0, 0, 0, 0];
    const total = [0, 0, 0, 0];
    resetDownloadBar();
    try {
        const info = await client.request(
            'loadData',
            { baseUrl: base },
            {
                onEvent: (ev) => {
                    if (ev.type !== 'download') return;
                    loaded[ev.index] = ev.loaded;
                    total[ev.index] = ev.total;
                    const l = loaded.reduce((a, b) => a + b, 0);
                    const tt = total.reduce((a, b) => a + b, 0);
                    const f = tt ? l / tt : 0;
                    $('download-progress').value = f;
                    $('download-text').textContent = t('download.file', { loaded: formatBytes(l), total: tt ? formatBytes(tt) : '?' });
                    setStatus('status.loading', { pct: percent(f, 0) });
                },
            },
        );
        state.data = info;
        renderData(info);
        $('download-progress').value = 1;
        const cached = info.cached.filter(Boolean).length;
        $('download-text').textContent =
            cached === 4
                ? t('download.cached')
                : cached
                  ? t('download.some', { bytes: formatBytes(info.bytes), cached })
                  : t('download.done', { bytes: formatBytes(info.bytes) });
        $('download-text').dataset.cached = String(cached);
        setPhase('ready');
        readyStatus();
        if (state.model && !state.evaluation) await evaluate();
    } catch (e) {
        if (e instanceof WorkerCrash) return;
        dataFailed(e);
    }
}

function dataFailed(e) {
    $('data-error-text').textContent = t('data.error', { message: e.message }) + (state.data ? ` ${t('data.keep')}` : '');
    $('data-error').hidden = false;
    if (state.data) {
        $('download-progress').value = 1;
        setPhase('ready');
        readyStatus();
    } else {
        resetDownloadBar();
        setPhase('error');
        setStatus('status.dataError');
    }
}

// ---- training ----

function onTrainEvent(ev) {
    if (ev.type === 'progress') {
        state.training.last = ev;
        const { epochNo, overall } = trainingView.progress(ev);
        // The live status line changes once an epoch (screen readers announce it); the
        // percentage beside it is not announced.
        if (state.phase === 'training' && (state.status.key !== 'status.training' || state.status.params.epoch !== epochNo))
            setStatus('status.training', { epoch: epochNo, epochs: ev.epochs });
        $('status-progress').textContent = percent(overall, 0);
    } else if (ev.type === 'epoch') {
        trainingView.epoch(ev);
        if (ev.saveError) showError(t('error.save', { message: ev.saveError }));
    } else if (ev.type === 'units') units.show(ev.units);
}

async function train(event) {
    event?.preventDefault();
    if (!state.data || state.phase === 'training' || state.phase === 'paused') return;
    const settings = form.collect(state.data.train.count);
    if (!settings) {
        setStatus('error.fix');
        return;
    }
    hideError();
    trainingView.clear();
    state.evaluation = null;
    renderEvaluation(null);
    state.training = { settings, last: null };
    setPhase('training');
    setStatus('status.training', { epoch: 1, epochs: settings.epochs });
    applyModel({ arch: settings.arch, sizes: settings.arch === 'mlp' ? [784, ...settings.hidden, 10] : null, source: 'trained', settings, metrics: null });
    let result;
    try {
        result = await client.request('train', { settings }, { onEvent: onTrainEvent });
    } catch (e) {
        if (e instanceof WorkerCrash) return; // onCrash takes over
        state.training = null;
        setPhase('ready');
        if (form.showWorkerError(e)) setStatus('error.fix');
        else {
            showError(t('error.train', { message: e.message }));
            setStatus('status.error');
        }
        await refreshModel();
        return;
    }
    state.training = null;
    setPhase('ready');
    if (result.discarded) return; // reset: reset() renders what follows
    applyModel(result.model);
    state.evaluation = result.evaluation;
    renderEvaluation(result.evaluation);
    trainingView.finished(result.stopped);
    setStatus(result.stopped ? 'status.stopped' : 'status.done', { acc: percent(result.evaluation.accuracy) });
    if (result.saveError) showError(t('error.save', { message: result.saveError }));
    prediction.repredict();
}

async function refreshModel() {
    try {
        const s = await client.request('status');
        applyModel(s.model);
    } catch {
        // the worker is gone: onCrash refreshes
    }
}

async function togglePause() {
    // The phase changes once the worker answers: its progress events posted before the answer
    // have been shown by then, so a paused page shows where the training really stopped.
    const btn = $('pause');
    if (btn.dataset.waiting) return;
    btn.dataset.waiting = '1';
    try {
        if (state.phase === 'training') {
            const r = await client.request('pause');
            if (r.paused && state.phase === 'training') {
                setPhase('paused');
                const p = state.training?.last;
                setStatus('status.paused', { epoch: p ? Math.min(p.epochs, p.epoch + 1) : 1, epochs: state.training?.settings.epochs ?? 1 });
            }
        } else if (state.phase === 'paused') {
            await client.request('resume');
            if (state.phase === 'paused') {
                setPhase('training');
                const p = state.training?.last;
                setStatus('status.training', { epoch: p ? Math.min(p.epochs, p.epoch + 1) : 1, epochs: state.training?.settings.epochs ?? 1 });
            }
        }
    } catch {
        // a crash: onCrash resets the phase
    } finally {
        delete btn.dataset.waiting;
    }
}

async function stop() {
    if (state.phase !== 'training' && state.phase !== 'paused') return;
    setPhase('stopping');
    setStatus('status.stopping');
    await client.request('stop').catch(() => {});
}

async function reset() {
    const wasTraining = state.phase === 'training' || state.phase === 'paused';
    if (wasTraining) {
        setPhase('stopping');
        setStatus('status.stopping');
    }
    try {
        await client.request('reset');
    } catch (e) {
        if (!(e instanceof WorkerCrash)) showError(e.message);
        return;
    }
    state.evaluation = null;
    state.training = null;
    renderEvaluation(null);
    trainingView.clear();
    setPhase(state.data ? 'ready' : 'error');
    applyModel(null);
    prediction.clear();
    setStatus('status.reset');
}

async function evaluate() {
    if (!state.model || !state.data) return;
    const prev = state.status;
    setStatus('status.evaluating');
    try {
        state.evaluation = await client.request('evaluate');
        renderEvaluation(state.evaluation);
        readyStatus();
    } catch (e) {
        if (e instanceof WorkerCrash) return;
        state.status = prev;
        readyStatus();
    }
}

// ---- model file ----

async function exportModel() {
    $('model-error').hidden = true;
    try {
        const { files } = await client.request('exportModel', { format: $('model-format').value });
        download(files);
    } catch (e) {
        if (e instanceof WorkerCrash) return;
        $('model-error').textContent = t('model.exportError', { message: e.message });
        $('model-error').hidden = false;
    }
}

/** Our .nnmf, an .onnx, or a TensorFlow.js model.json with its .bin files, chosen or dropped together. */
async function importModel(fileList) {
    if (!fileList?.length) return;
    $('model-error').hidden = true;
    const files = await readFiles(fileList);
    const name = mainName(files);
    try {
        const r = await client.request('importModel', { files }, { transfer: files.map((f) => f.bytes.buffer) });
        applyModel(r.model);
        state.evaluation = null;
        renderEvaluation(null);
        if (r.saveError) showError(t('error.save', { message: r.saveError }));
        readyStatus();
        prediction.repredict();
        if (!pad.hasInk) prediction.clear();
        if (state.data) await evaluate();
    } catch (e) {
        if (e instanceof WorkerCrash) return;
        $('model-error').textContent = t('model.importError', { name, message: e.message.endsWith('.') ? e.message : `${e.message}.` });
        $('model-error').hidden = false;
    }
}

// ---- the worker's life ----

async function startWorker() {
    client.start();
    try {
        // a worker that never answers (seen now and then in Firefox ESR: the page stayed at
        // "Starting…") is replaced like one that died
        const timeout = { ms: INIT_TIMEOUT_MS, message: t('error.initTimeout', { s: INIT_TIMEOUT_MS / 1000 }) };
        const init = await client.request('init', {}, { timeout });
        state.threads = init.threads ?? null; // {available, reason}: why training runs on one thread
        applyModel(init.model);
        if (init.model?.settings) form.fillForm(init.model.settings);
        renderNotebookModel();
        if (init.restoreError) showError(t('error.restore', { message: init.restoreError }));
        prediction.clear();
        units.reconnect();
        return true;
    } catch (e) {
        if (e instanceof WorkerCrash) return false;
        showError(t('error.engine', { message: e.message }));
        setPhase('error');
        setStatus('status.error');
        return false;
    }
}

async function onCrash(error) {
    const now = Date.now();
    state.restarts = state.restarts.filter((t0) => now - t0 < RESTART_WINDOW_MS);
    state.restarts.push(now);
    state.training = null;
    prediction.workerLost();
    if (state.restarts.length > MAX_RESTARTS) {
        showError(t('error.workerGaveUp', { message: error.message }));
        setPhase('error');
        setStatus('status.error');
        return;
    }
    showError(t('error.worker', { message: error.message }));
    // the data again, from Cache Storage, if it was loaded or was on its way (a crash at start-up)
    const reload = Boolean(state.data) || ['starting', 'loading'].includes(state.phase);
    setPhase('starting');
    setStatus('status.restarting');
    state.data = null;
    state.evaluation = null;
    if (!(await startWorker())) return;
    if (reload) await loadData();
    else {
        setPhase('error');
        setStatus('status.noData');
    }
}

// ---- language ----

function renderLanguage() {
    i18n.applyStatic();
    const btn = $('lang');
    const other = i18n.getLang() === 'es' ? 'en' : 'es';
    btn.textContent = t('lang.switch');
    btn.lang = other;
    btn.setAttribute('aria-label', t('lang.switchLabel'));
    setStatus(state.status.key, state.status.params);
    prediction?.relabel();
    renderModelInfo();
    renderNotebookModel();
    if (state.data) renderData(state.data);
    if (state.evaluation) renderEvaluation(state.evaluation);
    trainingView?.relabel();
    units?.relabel();
    why?.relabel();
    confusion?.relabel();
    updateControls();
}

// ---- start ----

function registerServiceWorker() {
    // The app shell for offline use (the data is cached by the worker in Cache Storage).
    if (!('serviceWorker' in navigator)) return;
    navigator.serviceWorker.register(new URL('./service-worker.js', import.meta.url), { scope: './' }).catch(() => {});
}

function wire() {
    $('lang').addEventListener('click', () => {
        i18n.setLang(i18n.getLang() === 'es' ? 'en' : 'es');
        renderLanguage();
    });
    $('error-dismiss').addEventListener('click', hideError);
    $('data-form').addEventListener('submit', (e) => {
        e.preventDefault();
        loadData();
    });
    $('retry').addEventListener('click', () => loadData());
    $('settings').addEventListener('submit', train);
    $('settings').addEventListener('input', renderNotebookModel);
    $('arch').addEventListener('change', onArchChange);
    $('pause').addEventListener('click', togglePause);
    $('stop').addEventListener('click', stop);
    $('reset').addEventListener('click', reset);
    $('clear').addEventListener('click', () => prediction.clearPad());
    $('upload').addEventListener('change', (e) => {
        prediction.onUpload(e.target.files?.[0]);
        e.target.value = '';
    });
    acceptDrops([$('drop-zone'), $('drop-target')], (file) => prediction.onUpload(file));
    $('model-export').addEventListener('click', exportModel);
    $('model-import').addEventListener('change', async (e) => {
        await importModel(e.target.files);
        e.target.value = '';
    });
    acceptModelDrops($('model-drop'), (files) => !$('model-import').disabled && importModel(files));
}

async function main() {
    i18n.setLang(i18n.initialLang());
    const dataParam = new URLSearchParams(location.search).get('data');
    if (dataParam) $('data-url').value = dataParam;
    trainingView = createTrainingView(createCharts($('chart-batch'), $('chart-epoch')), { threadsReason: () => state.threads?.reason ?? null });
    pad = createPad($('canvas'), {
        onChange: () => prediction?.schedulePad(false),
        onEnd: () => {
            $('upload-thumb').hidden = true;
            prediction?.schedulePad(true);
        },
        // two fingers took the stroke back: the pad is as it was before it
        onCancel: () => (pad.hasInk ? prediction?.schedulePad(true) : prediction?.clearPad()),
    });
    wire();
    renderLanguage();
    // boot.js explained a failed start (or a missing feature): stay out of its way. Otherwise the
    // page is up and shows its own errors from here on.
    if (globalThis.nnBoot && !globalThis.nnBoot.started()) return;
    renderData(null);
    renderEvaluation(null);
    client = new NNClient({ url: new URL('./worker.js', import.meta.url), onCrash });
    units = createUnitsView({ request });
    why = createWhyView({ request, onShown: () => units.explained() });
    prediction = createPrediction({ client, pad, why, hasModel: () => Boolean(state.model) });
    prediction.clear();
    confusion = createConfusionImages({ request });
    onConfusionCell(confusion.show, confusion.clear);
    setPhase('starting');
    if (await startWorker()) await loadData();
    // After the first load, so that caching the shell does not compete with the data download.
    registerServiceWorker();
}

main();
