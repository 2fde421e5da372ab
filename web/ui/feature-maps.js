// feature-maps.js: a convnet's feature maps for one input: each convolution's and pooling's output
// (h, w, c), channel k drawn as an h x w greyscale tile (white 0, black the layer's largest value:
// one scale per layer, so that a map that barely answers looks pale), the layer's name and output
// shape beside it. Each layer is a tile grid (keyboard and pointer) whose selected map is
// described in words; the canvas' label sums the layer up. Values come from the worker's
// explanation (web/inside.js): channels last, map k's pixel (y, x) at (y w + x) c + k.
import { createTileGrid } from './tile-grid.js';
import { putGrey } from './colormap.js';
import { formatNumber, t } from './i18n.js';
import { layerNames } from './notebook.js';

/** The largest value of map k of a (h, w, c) output, and where (the first such pixel). */
function mapPeak(values, h, w, c, k) {
    let best = -Infinity;
    let at = 0;
    let on = 0;
    for (let p = 0; p < h * w; p++) {
        const v = values[p * c + k];
        if (v > best) {
            best = v;
            at = p;
        }
        if (v > 0) on++;
    }
    return { max: best, x: at % w, y: Math.floor(at / w), on: on / (h * w) };
}

export function createFeatureMaps(root) {
    let blocks = []; // {layerIndex, grid, canvas, detail, shape, values, max}

    function build(layers) {
        root.replaceChildren();
        blocks = [];
        const names = layerNames(layers);
        layers.forEach((l, i) => {
            if (!(l.type === 'conv2d' || l.type === 'maxpool2d') || l.outputShape.length !== 3) return;
            const block = document.createElement('div');
            block.className = 'fmap-layer';
            const head = document.createElement('p');
            head.className = 'fmap-head';
            const name = document.createElement('span');
            name.className = 'fmap-name';
            name.textContent = names[i];
            const shape = document.createElement('code');
            shape.className = 'fmap-shape';
            shape.textContent = `(${l.outputShape.join(', ')})`;
            head.append(name, ' ', shape);
            const wrap = document.createElement('div');
            wrap.className = 'tile-grid fmap-grid';
            const canvas = document.createElement('canvas');
            canvas.tabIndex = 0;
            canvas.setAttribute('role', 'img');
            canvas.dataset.layer = String(i);
            wrap.append(canvas);
            const detail = document.createElement('p');
            detail.className = 'fmap-detail hint';
            detail.setAttribute('aria-live', 'polite');
            block.append(head, wrap, detail);
            root.append(block);
            const b = { layerIndex: i, canvas, detail, shape: l.outputShape, type: l.type, name: names[i], values: null, max: 0 };
            b.grid = createTileGrid(canvas, { onSelect: (k) => describe(b, k) });
            blocks.push(b);
        });
    }

    function describe(b, k) {
        if (!b.values || k < 0) {
            b.detail.textContent = '';
            return;
        }
        const [h, w, c] = b.shape;
        const p = mapPeak(b.values, h, w, c, k);
        b.detail.textContent = t('fmap.detail', {
            k: k + 1,
            c,
            max: formatNumber(p.max, 2),
            row: p.y + 1,
            col: p.x + 1,
            on: formatNumber(100 * p.on, 0),
        });
    }

    /** Draws the maps of an explanation (web/inside.js explain), or hides them for a dense net. */
    function show(inside) {
        const layers = inside?.layers ?? [];
        const key = layers.map((l) => `${l.type}:${l.outputShape.join('x')}`).join();
        if (root.dataset.key !== key) {
            build(layers);
            root.dataset.key = key;
        }
        root.hidden = blocks.length === 0;
        for (const b of blocks) {
            const [h, w, c] = b.shape;
            const values = layers[b.layerIndex].values;
            b.values = values;
            let max = 0;
            for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
            b.max = max;
            b.canvas.dataset.max = String(max);
            const cols = Math.min(c, 8);
            b.grid.layout({ count: c, cols, tileW: w, tileH: h, gap: 1 });
            const data = b.grid.image.data;
            const width = b.canvas.width;
            const origins = Array.from({ length: c }, (_, k) => b.grid.offset(k, 0, 0));
            for (let p = 0; p < h * w; p++) {
                const px = 4 * (Math.floor(p / w) * width + (p % w));
                for (let k = 0; k < c; k++) putGrey(data, origins[k] + px, max > 0 ? values[p * c + k] / max : 0);
            }
            b.grid.commit();
            const peaks = Array.from({ length: c }, (_, k) => mapPeak(values, h, w, c, k).max);
            const strongest = [...peaks.keys()].sort((a, z) => peaks[z] - peaks[a]).slice(0, 3);
            const silent = peaks.filter((v) => !(v > 0)).length;
            b.canvas.setAttribute(
                'aria-label',
                t(b.type === 'conv2d' ? 'fmap.labelConv' : 'fmap.labelPool', {
                    name: b.name,
                    c,
                    size: `${h} × ${w}`,
                    strongest: strongest.map((k) => t('fmap.map', { k: k + 1, v: formatNumber(peaks[k], 2) })).join(', '),
                    silent,
                }),
            );
            b.grid.refresh();
        }
    }

    return {
        show,
        clear() {
            root.hidden = true;
        },
    };
}
