// tile-grid.js: many small pictures (units, filters, feature maps, activations) drawn on one
// canvas at their native size, tile i at column i % cols, row floor(i / cols), `gap` pixels
// between tiles and around them; CSS scales the canvas. One tab stop: the arrow keys, Home, End,
// Page Up and Page Down move the selection, as does the pointer (hover, or a tap); the selected
// tile is outlined by an element over the canvas, so that the canvas holds only the pictures
// (the tests read them back). The layout is written on the canvas' data attributes (cols,
// tileW, tileH, gap, count) for the tests.

// #e4e4e7 as an RGBA pixel in memory order (little-endian, as every browser is)
const GAP_RGBA32 = ((255 << 24) | (231 << 16) | (228 << 8) | 228) >>> 0;

export function createTileGrid(canvas, { onSelect = () => {} } = {}) {
    const wrap = canvas.parentElement;
    const mark = document.createElement('div');
    mark.className = 'tile-mark';
    mark.hidden = true;
    mark.setAttribute('aria-hidden', 'true');
    wrap.append(mark);
    let g = { count: 0, cols: 1, tileW: 1, tileH: 1, gap: 1 };
    let image = null;
    let selected = -1;

    const origin = (i) => ({
        x: g.gap + (i % g.cols) * (g.tileW + g.gap),
        y: g.gap + Math.floor(i / g.cols) * (g.tileH + g.gap),
    });

    function placeMark() {
        if (selected < 0 || selected >= g.count) {
            mark.hidden = true;
            return;
        }
        const { x, y } = origin(selected);
        const W = canvas.width;
        const H = canvas.height;
        mark.style.left = `${(100 * (x - g.gap / 2)) / W}%`;
        mark.style.top = `${(100 * (y - g.gap / 2)) / H}%`;
        mark.style.width = `${(100 * (g.tileW + g.gap)) / W}%`;
        mark.style.height = `${(100 * (g.tileH + g.gap)) / H}%`;
        mark.hidden = false;
    }

    function select(i, how) {
        if (!g.count) return;
        const next = Math.max(0, Math.min(g.count - 1, i));
        const changed = next !== selected;
        selected = next;
        placeMark();
        if (changed || how === 'refresh') onSelect(selected, how);
    }

    function tileAt(event) {
        const r = canvas.getBoundingClientRect();
        if (!r.width || !r.height) return -1;
        const x = ((event.clientX - r.left) * canvas.width) / r.width - g.gap / 2;
        const y = ((event.clientY - r.top) * canvas.height) / r.height - g.gap / 2;
        const col = Math.floor(x / (g.tileW + g.gap));
        const row = Math.floor(y / (g.tileH + g.gap));
        if (col < 0 || col >= g.cols || row < 0) return -1;
        const i = row * g.cols + col;
        return i < g.count ? i : -1;
    }

    const onPointer = (event) => {
        const i = tileAt(event);
        if (i >= 0) select(i, 'pointer');
    };
    canvas.addEventListener('pointermove', onPointer);
    canvas.addEventListener('pointerdown', onPointer);
    canvas.addEventListener('focus', () => {
        if (selected < 0) select(0, 'key');
        wrap.classList.add('focused');
    });
    canvas.addEventListener('blur', () => wrap.classList.remove('focused'));
    canvas.addEventListener('keydown', (event) => {
        const rows = Math.ceil(g.count / g.cols);
        const step = {
            ArrowRight: 1,
            ArrowLeft: -1,
            ArrowDown: g.cols,
            ArrowUp: -g.cols,
            PageDown: g.cols * Math.max(1, Math.min(4, rows - 1)),
            PageUp: -g.cols * Math.max(1, Math.min(4, rows - 1)),
        }[event.key];
        if (step !== undefined) select((selected < 0 ? 0 : selected) + step, 'key');
        else if (event.key === 'Home') select(0, 'key');
        else if (event.key === 'End') select(g.count - 1, 'key');
        else return;
        event.preventDefault();
    });

    return {
        get selected() {
            return selected;
        },
        get layoutInfo() {
            return { ...g };
        },
        /**
         * A layout: the canvas is resized and cleared to the gap colour. The same layout again
         * keeps the pixels (every tile is painted over, the gaps stay).
         */
        layout({ count, cols, tileW, tileH = tileW, gap = 1 }) {
            const next = { count, cols: Math.max(1, Math.min(cols, count || 1)), tileW, tileH, gap };
            if (image && JSON.stringify(next) === JSON.stringify(g)) return;
            g = next;
            const rows = Math.ceil(count / g.cols);
            canvas.width = Math.max(1, g.gap + g.cols * (tileW + gap));
            canvas.height = Math.max(1, g.gap + rows * (tileH + gap));
            Object.assign(canvas.dataset, { count, cols: g.cols, tileW, tileH, gap });
            image = new ImageData(canvas.width, canvas.height);
            new Uint32Array(image.data.buffer).fill(GAP_RGBA32);
            if (selected >= count) selected = -1;
            placeMark();
        },
        /** The pixel buffer to paint (RGBA, canvas.width wide); then commit(). */
        get image() {
            return image;
        },
        /** The byte offset in image.data of tile i's pixel (x, y). */
        offset(i, x, y) {
            const o = origin(i);
            return 4 * ((o.y + y) * canvas.width + o.x + x);
        },
        commit() {
            if (image) canvas.getContext('2d').putImageData(image, 0, 0);
        },
        select,
        /** Calls onSelect again for the selection (its data changed). */
        refresh() {
            if (selected >= 0) onSelect(selected, 'refresh');
        },
        clear() {
            selected = -1;
            g = { ...g, count: 0 };
            canvas.width = canvas.height = 1;
            image = null;
            placeMark();
        },
    };
}
