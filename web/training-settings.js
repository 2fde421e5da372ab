// training-settings.js: the training settings' defaults and their validation, shared by the page
// (to flag a bad field before sending) and the worker (which checks again). No DOM and no wasm.
// A failed check names the field and an i18n key + params. The batch size's default follows the
// network (web/architectures.js): 128 for the dense network, 64 for the convnet, as in the book.
import { ARCHITECTURES, DEFAULT_ARCH } from './architectures.js';

export const DEFAULT_SETTINGS = Object.freeze({
    arch: DEFAULT_ARCH,
    epochs: 5,
    batchSize: ARCHITECTURES[DEFAULT_ARCH].batchSize,
    learningRate: 0, // 0: the optimiser's default (0.001 for RMSprop and Adam, 0.01 for SGD)
    optimizer: 'rmsprop',
    hidden: Object.freeze([512]),
    seed: 1,
    limit: 0, // 0: the whole training set
});
export const OPTIMIZER_NAMES = Object.freeze(['rmsprop', 'sgd', 'adam']);
export const DEFAULT_LEARNING_RATE = Object.freeze({ rmsprop: 0.001, sgd: 0.01, adam: 0.001 });
export const LIMITS = Object.freeze({
    epochs: 1000,
    hiddenUnits: 4096, // 784-4096-10 is 3.3 M parameters: slow already, and the C limit is 16384
    hiddenLayers: 6, // the C library takes 16 layers (NN_MAX_LAYERS)
    learningRate: 10,
    seed: 0xffffffff,
});

/** A settings error: field is the settings key, key/params the message for ui/i18n.js. */
export class SettingsError extends Error {
    constructor(field, key, params, message) {
        super(message);
        this.code = 'SETTINGS';
        this.field = field;
        this.key = key;
        this.params = params;
    }
}

const isInt = (v) => Number.isInteger(v);

/**
 * Returns the settings completed with the defaults, or throws SettingsError for the first bad
 * field. trainCount (optional): the size of the loaded training set, which bounds limit and batch.
 */
export function validateSettings(input, trainCount = 0) {
    const arch = input?.arch ?? DEFAULT_SETTINGS.arch;
    const s = { ...DEFAULT_SETTINGS, batchSize: ARCHITECTURES[arch]?.batchSize, ...input };
    const bad = (field, key, params, message) => {
        throw new SettingsError(field, key, params, message);
    };
    if (!Object.hasOwn(ARCHITECTURES, s.arch))
        bad('arch', 'err.arch', {}, `Unknown network "${s.arch}".`);
    if (!isInt(s.epochs) || s.epochs < 1 || s.epochs > LIMITS.epochs)
        bad('epochs', 'err.epochs', { max: LIMITS.epochs }, `Epochs must be a whole number from 1 to ${LIMITS.epochs}.`);
    if (!isInt(s.limit) || s.limit < 0)
        bad('limit', 'err.limit', {}, 'Training images must be a whole number (0 or empty: all).');
    if (trainCount && s.limit > trainCount)
        bad('limit', 'err.limitMax', { max: trainCount }, `The training set has ${trainCount} images.`);
    const samples = s.limit || trainCount;
    if (!isInt(s.batchSize) || s.batchSize < 1)
        bad('batchSize', 'err.batch', {}, 'Batch size must be a whole number, at least 1.');
    if (samples && s.batchSize > samples)
        bad('batchSize', 'err.batchMax', { max: samples }, `Batch size must be at most the number of training images (${samples}).`);
    if (typeof s.learningRate !== 'number' || !Number.isFinite(s.learningRate) || s.learningRate < 0 || s.learningRate > LIMITS.learningRate)
        bad('learningRate', 'err.lr', { max: LIMITS.learningRate }, `Learning rate must be a number above 0 and at most ${LIMITS.learningRate} (empty: the default).`);
    if (!OPTIMIZER_NAMES.includes(s.optimizer))
        bad('optimizer', 'err.optimizer', {}, `Unknown optimiser "${s.optimizer}".`);
    if (s.arch === 'mlp' && (!Array.isArray(s.hidden) || s.hidden.length > LIMITS.hiddenLayers))
        bad('hidden', 'err.hiddenLayers', { max: LIMITS.hiddenLayers }, `At most ${LIMITS.hiddenLayers} hidden layers.`);
    for (const h of s.arch === 'mlp' ? s.hidden : [])
        if (!isInt(h) || h < 1 || h > LIMITS.hiddenUnits)
            bad('hidden', 'err.hiddenUnits', { max: LIMITS.hiddenUnits }, `Each hidden layer needs 1 to ${LIMITS.hiddenUnits} units.`);
    if (!isInt(s.seed) || s.seed < 0 || s.seed > LIMITS.seed)
        bad('seed', 'err.seed', { max: LIMITS.seed }, `Seed must be a whole number from 0 to ${LIMITS.seed}.`);
    return { ...s, hidden: s.arch === 'mlp' ? [...s.hidden] : [] };
}
