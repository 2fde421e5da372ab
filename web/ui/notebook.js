// notebook.js: the notebook's cells filled from what is loaded: the data's shapes and first
// labels, a grid of sample digits, the Keras-style code of the network, compile and fit calls for
// the current settings, and the model summary (layers, output shapes, parameters).
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

/** Code cells for sizes [784, ...hidden, 10] and the settings. */
export function renderCode(sizes, settings) {
    const lines = ['from keras import models, layers', '', 'network = models.Sequential()'];
    for (let l = 0; l + 1 < sizes.length; l++) {
        const act = l + 2 === sizes.length ? 'softmax' : 'relu';
        const input = l === 0 ? `, input_shape=(${sizes[0] === 784 ? '28 * 28' : sizes[0]},)` : '';
        lines.push(`network.add(layers.Dense(${sizes[l + 1]}, activation='${act}'${input}))`);
    }
    $('model-code').textContent = lines.join('\n');
    const lr = settings.learningRate || DEFAULT_LEARNING_RATE[settings.optimizer] || 0.001;
    const isDefault = !settings.learningRate && settings.optimizer === 'rmsprop';
    const optimizer = isDefault
        ? `'rmsprop'`
        : `optimizers.${pyName[settings.optimizer] ?? settings.optimizer}(learning_rate=${lr}${settings.optimizer === 'sgd' ? ', momentum=0.9' : ''})`;
    $('compile-code').textContent = `network.compile(optimizer=${optimizer},\n                loss='categorical_crossentropy',\n                metrics=['accuracy'])`;
    const limit = settings.limit ? `[:${settings.limit}]` : '';
    $('fit-code').textContent = `network.fit(train_images${limit}, train_labels${limit}, epochs=${settings.epochs}, batch_size=${settings.batchSize})`;
}

/** The summary table for layer sizes, as Keras' model.summary() prints it. */
export function renderSummary(sizes) {
    const body = $('summary-body');
    body.replaceChildren();
    const parts = [];
    let total = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
        const params = sizes[l] * sizes[l + 1] + sizes[l + 1];
        total += params;
        parts.push(formatNumber(params));
        const tr = document.createElement('tr');
        const name = document.createElement('th');
        name.scope = 'row';
        name.textContent = `dense_${l + 1} (Dense)`;
        const shape = document.createElement('td');
        shape.textContent = `(None, ${sizes[l + 1]})`;
        const p = document.createElement('td');
        p.className = 'num';
        p.textContent = formatNumber(params);
        tr.append(name, shape, p);
        body.append(tr);
    }
    $('summary-total').textContent = formatNumber(total);
    $('summary-sum').textContent = t('summary.sum', { parts: parts.join(' + '), total: formatNumber(total) });
}
