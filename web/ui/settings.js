// settings.js: the training settings form: read (text -> numbers, with a message for what does not
// parse), checked with training-settings.js (shared with the worker), fill (restoring the settings
// of a saved model) and per-field messages next to the fields (aria-invalid + aria-describedby).
// The network's choice (arch, in step 2) is one of the fields.
import { SettingsError, validateSettings } from '../training-settings.js';
import { t } from './i18n.js';

const FIELDS = {
    arch: 'arch',
    epochs: 'epochs',
    batchSize: 'batch-size',
    learningRate: 'learning-rate',
    optimizer: 'optimizer',
    hidden: 'hidden',
    seed: 'seed',
    limit: 'limit',
};
const MESSAGES = {
    epochs: ['err.epochs', { max: 1000 }],
    batchSize: ['err.batch', {}],
    learningRate: ['err.lr', { max: 10 }],
    hidden: ['err.hiddenUnits', { max: 4096 }],
    seed: ['err.seed', { max: 4294967295 }],
    limit: ['err.limit', {}],
};

const input = (field) => document.getElementById(FIELDS[field]);
const errorEl = (field) => document.getElementById(`${FIELDS[field]}-error`);

/** A whole number from text, NaN if it is not one; empty gives `empty`. */
function wholeNumber(text, empty) {
    const s = text.trim();
    if (s === '') return empty;
    return /^\d+$/.test(s) ? Number(s) : NaN;
}

/** The form as settings (not yet validated): unparsable values become NaN. */
export function readForm() {
    const lrText = input('learningRate').value.trim().replace(',', '.');
    const hiddenText = input('hidden').value.trim();
    return {
        arch: input('arch').value,
        epochs: wholeNumber(input('epochs').value, NaN),
        batchSize: wholeNumber(input('batchSize').value, NaN),
        // Empty means the optimiser's default (0 to the C library); a typed 0 is an error.
        learningRate: lrText === '' ? 0 : /^[0-9]*\.?[0-9]+(e-?\d+)?$/i.test(lrText) && Number(lrText) > 0 ? Number(lrText) : NaN,
        optimizer: input('optimizer').value,
        hidden: hiddenText === '' ? [] : hiddenText.split(/[\s,;]+/).filter(Boolean).map((h) => wholeNumber(h, NaN)),
        seed: wholeNumber(input('seed').value, NaN),
        limit: wholeNumber(input('limit').value, 0),
    };
}

export function clearErrors() {
    for (const field of Object.keys(FIELDS)) showError(field, null);
}

/** Shows (or with null hides) a message next to a field. */
export function showError(field, message) {
    const el = errorEl(field);
    const box = input(field);
    if (!el || !box) return;
    el.textContent = message ?? '';
    el.hidden = !message;
    if (message) box.setAttribute('aria-invalid', 'true');
    else box.removeAttribute('aria-invalid');
}

/**
 * Validated settings from the form, or null after showing every bad field's message (the first
 * bad field gets the focus). trainCount bounds the limit and the batch size.
 */
export function collect(trainCount) {
    clearErrors();
    const raw = readForm();
    const bad = [];
    // Every field on its own first, so that all messages show at once.
    for (const field of Object.keys(FIELDS)) {
        if (field === 'hidden' && raw.arch !== 'mlp') continue; // the convnet has none
        try {
            validateSettings({ [field]: raw[field] }, 0);
        } catch (e) {
            if (!(e instanceof SettingsError)) throw e;
            const [key, params] = MESSAGES[field] && Number.isNaN(raw[field]) ? MESSAGES[field] : [e.key, e.params];
            showError(e.field, t(key, params));
            bad.push(e.field);
        }
    }
    if (!bad.length) {
        try {
            return validateSettings(raw, trainCount);
        } catch (e) {
            if (!(e instanceof SettingsError)) throw e;
            showError(e.field, t(e.key, e.params));
            bad.push(e.field);
        }
    }
    input(bad[0])?.focus();
    return null;
}

export function fillForm(s) {
    if (!s) return;
    if (s.arch) input('arch').value = s.arch;
    if (Number.isInteger(s.epochs)) input('epochs').value = String(s.epochs);
    if (Number.isInteger(s.batchSize)) input('batchSize').value = String(s.batchSize);
    if (typeof s.learningRate === 'number') input('learningRate').value = s.learningRate > 0 ? String(s.learningRate) : '';
    if (s.optimizer) input('optimizer').value = s.optimizer;
    if (Array.isArray(s.hidden)) input('hidden').value = s.hidden.join(', ');
    if (Number.isInteger(s.seed)) input('seed').value = String(s.seed);
    if (Number.isInteger(s.limit)) input('limit').value = s.limit ? String(s.limit) : '';
}

/** Shows a settings error that came back from the worker next to its field. */
export function showWorkerError(error) {
    if (!error?.field || !FIELDS[error.field]) return false;
    showError(error.field, error.key ? t(error.key, error.params) : error.message);
    input(error.field)?.focus();
    return true;
}

export function setDisabled(disabled) {
    for (const field of Object.keys(FIELDS)) input(field).disabled = disabled;
}

/** The hidden-layer sizes belong to the dense network only: shown with it. */
export function showArchFields() {
    const mlp = input('arch').value === 'mlp';
    document.getElementById('hidden-field').hidden = !mlp;
}
