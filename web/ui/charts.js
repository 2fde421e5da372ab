// charts.js: the two live training charts, drawn by uPlot (web/vendor/, copied there by setup):
// loss and accuracy per batch (each point is the mean over one chunk of batches, at its fractional
// epoch) and per epoch (training and test). Data arrive a few times a second; the redraw happens
// at most once per animation frame, so the page keeps its frame rate. Loss on the left axis,
// accuracy (0-1) on the right.
import uPlot from '../vendor/uPlot.esm.js';
import { t } from './i18n.js';

const COLORS = { loss: '#c2410c', acc: '#1d4ed8', testLoss: '#7c2d12', testAcc: '#0f766e' };
const HEIGHT = 220;

function axes(xLabel) {
    const common = { stroke: '#3f3f46', grid: { stroke: '#e4e4e7', width: 1 }, ticks: { stroke: '#d4d4d8' } };
    return [
        { ...common, label: xLabel, labelSize: 20, size: 36 },
        { ...common, scale: 'loss', label: t('chart.loss'), labelSize: 20, size: 46 },
        {
            ...common,
            scale: 'acc',
            side: 1,
            label: t('chart.accuracy'),
            labelSize: 20,
            size: 46,
            grid: { show: false },
            values: (_u, ticks) => ticks.map((v) => `${Math.round(v * 100)}%`),
        },
    ];
}

const scales = {
    x: { time: false },
    loss: { auto: true, range: (_u, _min, max) => [0, Math.max(0.1, max ?? 1) * 1.05] },
    acc: { auto: false, range: [0, 1] },
};

const pct = (_u, v) => (v == null ? '–' : `${(100 * v).toFixed(2)}%`);
const num = (_u, v) => (v == null ? '–' : v.toFixed(4));

function batchOptions(width) {
    return {
        width,
        height: HEIGHT,
        scales,
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        axes: axes(t('chart.epochs')),
        series: [
            { label: t('chart.epochs'), value: (_u, v) => (v == null ? '–' : v.toFixed(2)) },
            { label: t('chart.loss'), scale: 'loss', stroke: COLORS.loss, width: 1.5, value: num, points: { show: false } },
            { label: t('chart.accuracy'), scale: 'acc', stroke: COLORS.acc, width: 1.5, value: pct, points: { show: false } },
        ],
    };
}

function epochOptions(width) {
    return {
        width,
        height: HEIGHT,
        scales: { ...scales, x: { time: false, range: (_u, min, max) => [Math.min(min ?? 1, 1) - 0.2, Math.max(max ?? 1, 1) + 0.2] } },
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
        axes: [{ ...axes(t('chart.epochs'))[0], incrs: [1, 2, 5, 10, 20, 50, 100] }, ...axes('').slice(1)],
        series: [
            { label: t('chart.epochs'), value: (_u, v) => (v == null ? '–' : String(v)) },
            { label: t('chart.trainLoss'), scale: 'loss', stroke: COLORS.loss, width: 2, value: num, points: { show: true, size: 6 } },
            { label: t('chart.testLoss'), scale: 'loss', stroke: COLORS.testLoss, width: 2, dash: [6, 4], value: num, points: { show: true, size: 6 } },
            { label: t('chart.trainAcc'), scale: 'acc', stroke: COLORS.acc, width: 2, value: pct, points: { show: true, size: 6 } },
            { label: t('chart.testAcc'), scale: 'acc', stroke: COLORS.testAcc, width: 2, dash: [6, 4], value: pct, points: { show: true, size: 6 } },
        ],
    };
}

/** The two charts in their boxes; they follow the boxes' width. */
export function createCharts(batchBox, epochBox) {
    const batch = [[], [], []]; // x (fractional epoch), loss, accuracy
    const epoch = [[], [], [], [], []]; // x (epoch), train loss, test loss, train acc, test acc
    let plots = [];
    let frame = 0;
    const width = (box) => Math.max(200, Math.floor(box.clientWidth || 320));

    const build = () => {
        for (const p of plots) p.destroy();
        batchBox.replaceChildren();
        epochBox.replaceChildren();
        plots = [new uPlot(batchOptions(width(batchBox)), batch, batchBox), new uPlot(epochOptions(width(epochBox)), epoch, epochBox)];
    };
    const redraw = () => {
        if (frame) return;
        frame = requestAnimationFrame(() => {
            frame = 0;
            plots[0].setData(batch);
            plots[1].setData(epoch);
        });
    };
    build();
    const resize = new ResizeObserver(() => {
        plots[0].setSize({ width: width(batchBox), height: HEIGHT });
        plots[1].setSize({ width: width(epochBox), height: HEIGHT });
    });
    resize.observe(batchBox);
    resize.observe(epochBox);

    return {
        /** points: [{x, loss, accuracy}] from a progress event. */
        addBatches(points) {
            for (const p of points) {
                batch[0].push(p.x);
                batch[1].push(p.loss);
                batch[2].push(p.accuracy);
            }
            if (points.length) redraw();
        },
        addEpoch({ epoch: n, trainLoss, testLoss, trainAccuracy, testAccuracy }) {
            epoch[0].push(n);
            epoch[1].push(trainLoss);
            epoch[2].push(testLoss);
            epoch[3].push(trainAccuracy);
            epoch[4].push(testAccuracy);
            redraw();
        },
        clear() {
            for (const a of [...batch, ...epoch]) a.length = 0;
            redraw();
        },
        /** After a language change: labels are set at creation. */
        relabel: build,
        points: () => batch[0].length,
    };
}
