// notebook.js: the notebook's cells filled from what is loaded: the data's shapes and first
// labels, a grid of sample digits, the Keras-style code of the network (dense or convolutional),
// compile and fit calls for the current settings, and the model summary as C describes it.
import { digitCanvas } from './digits.js';
import { formatNumber, t } from './i18n.js';
import { DEFAULT_LEARNING_RATE } from '../training-settings.js';

const $ = (id) => document.getElementById(id);

function labelsArray(d) {
    const first = d.firstLabels.join(', ');
    if (d.count <= d.firstLabels.length + d.lastLabels.length) return `array([${first}], dtype=uint8)`;
    return `array([${first}, ..., ${d.lastLabels.join(', ')}], dtype=uint8)`;
}

/** The data cells, or placeholders when info is null. */
export function renderData(info) {
    const dash = '…';
    $('train-shape').textContent = info ? `(${info.train.count}, ${info.train.rows}, ${info.train.cols})` : dash;
    $('train-count').textContent = info ? String(info.train.count) : dash;
    $('train-labels').textContent = info ? labelsArray(info.train) : dash;
    $('test-shape').textContent = info ? `(${info.test.count}, ${info.test.rows}, ${info.test.cols})` : dash;
    $('test-labels').textContent = info ? labelsArray(info.test) : dash;
    const grid = $('samples');
    grid.replaceChildren();
    if (!info) return;
    const { pixels, labels } = info.samples;
    labels.forEach((label, i) => {
        const fig = document.createElement('figure');
        fig.className = 'sample';
        fig.append(digitCanvas(pixels.subarray(i * 784, (i + 1) * 784), t('sample.label', { label })));
        const cap = document.createElement('figcaption');
        cap.textContent = String(label);
        cap.setAttribute('aria-hidden', 'true');
        fig.append(cap);
        grid.append(fig);
    });
}

const pyName = { rmsprop: 'RMSprop', sgd: 'SGD', adam: 'Adam' };
const KERAS = {
    dense: { cls: 'Dense', name: 'dense' },
    conv2d: { cls: 'Conv2D', name: 'conv2d' },
    maxpool2d: { cls: 'MaxPooling2D', name: 'max_pooling2d' },
    flatten: { cls: 'Flatten', name: 'flatten' },
};
/** Keras' names of the layers, as model.summary() prints them: conv2d_1 (Conv2D), ... */
export function layerNames(layers) {
    const counts = {};
    return layers.map((l) => {
        counts[l.type] = (counts[l.type] ?? 0) + 1;
        return `${KERAS[l.type].name}_${counts[l.type]} (${KERAS[l.type].cls})`;
    });
}
const tuple = (v) => `(${v.join(', ')}${v.length === 1 ? ',' : ''})`;
const pairOf = (v) => (Array.isArray(v) ? v : [v, v]);

/** One Keras line per layer, as the book writes them (listing 2.x and 5.1). */
function kerasLayer(l, inputShape) {
    const args = [];
    if (l.type === 'dense') args.push(String(l.units));
    if (l.type === 'conv2d') args.push(String(l.units ?? l.filters), tuple(pairOf(l.kernelSize)));
    if (l.type === 'maxpool2d') args.push(tuple(pairOf(l.kernelSize ?? l.poolSize)));
    const window = pairOf(l.kernelSize ?? l.poolSize ?? 1);
    const strides = l.strides ? pairOf(l.strides) : l.type === 'maxpool2d' ? window : [1, 1];
    const defaultStrides = l.type === 'maxpool2d' ? window : [1, 1];
    if (l.type === 'conv2d' || l.type === 'maxpool2d') {
        if (strides.join() !== defaultStrides.join()) args.push(`strides=${tuple(strides)}`);
        if (l.padding === 'same') args.push(`padding='same'`);
    }
    if ((l.type === 'dense' || l.type === 'conv2d') && l.activation && l.activation !== 'linear') args.push(`activation='${l.activation}'`);
    if (inputShape) args.push(`input_shape=${inputShape.join() === '784' ? '(28 * 28,)' : tuple(inputShape)}`);
    return `network.add(layers.${KERAS[l.type].cls}(${args.join(', ')}))`;
}

/** Code cells for a network ({inputShape, layers}, the layers as web/architectures.js or C
 * describe them) and the settings. */
export function renderCode(net, settings) {
    const lines = ['from keras import models, layers', '', 'network = models.Sequential()'];
    net.layers.forEach((l, i) => lines.push(kerasLayer(l, i === 0 ? net.inputShape : null)));
    $('model-code').textContent = lines.join('\n');
    const lr = settings.learningRate || DEFAULT_LEARNING_RATE[settings.optimizer] || 0.001;
    const isDefault = !settings.learningRate && settings.optimizer === 'rmsprop';
    const optimizer = isDefault
        ? `'rmsprop'`
        : `optimizers.${pyName[settings.optimizer] ?? settings.optimizer}(learning_rate=${lr}${settings.optimizer === 'sgd' ? ', momentum=0.9' : ''})`;
    $('compile-code').textContent = `network.compile(optimizer=${optimizer},\n                loss='categorical_crossentropy',\n                metrics=['accuracy'])`;
    const shape = net.inputShape.length === 1 ? '28 * 28' : '28, 28, 1';
    $('reshape-code').textContent =
        `train_images = train_images.reshape((60000, ${shape})).astype('float32') / 255\n` +
        `test_images = test_images.reshape((10000, ${shape})).astype('float32') / 255\n` +
        'train_labels = to_categorical(train_labels)\ntest_labels = to_categorical(test_labels)';
    const limit = settings.limit ? `[:${settings.limit}]` : '';
    $('fit-code').textContent = `network.fit(train_images${limit}, train_labels${limit}, epochs=${settings.epochs}, batch_size=${settings.batchSize})`;
}

/** The summary table, as Keras' model.summary() prints it, from C's description of the layers
 * ({type, outputShape, params}); null shows an empty table (C has not answered yet). */
export function renderSummary(summary) {
    const body = $('summary-body');
    body.replaceChildren();
    const parts = [];
    const names = layerNames(summary ?? []);
    let total = 0;
    for (const [i, l] of (summary ?? []).entries()) {
        total += l.params;
        if (l.params) parts.push(formatNumber(l.params));
        const tr = document.createElement('tr');
        const name = document.createElement('th');
        name.scope = 'row';
        name.textContent = names[i];
        const shape = document.createElement('td');
        shape.textContent = `(None, ${l.outputShape.join(', ')})`;
        const p = document.createElement('td');
        p.className = 'num';
        p.textContent = formatNumber(l.params);
        tr.append(name, shape, p);
        body.append(tr);
    }
    $('summary-total').textContent = summary ? formatNumber(total) : '…';
    $('summary-sum').textContent = summary ? t('summary.sum', { parts: parts.join(' + '), total: formatNumber(total) }) : '';
}
