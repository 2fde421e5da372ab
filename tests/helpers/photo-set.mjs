// photo-set.mjs: a repeatable set of photo-like digit images built from MNIST test digits, and the
// same digits rendered clean, for tests/photo.test.mjs (issue 7). Each digit is upscaled (bicubic)
// and laid on a page lit unevenly (linear gradient and vignetting), grey or blue ink on grey paper
// or chalk on a blackboard, some pages lying on a table, with specks, blur, sensor noise, and for
// some JPEG compression and an EXIF orientation tag that the decoder must undo. Everything comes
// from one seed (sfc32 below).
import jpeg from 'jpeg-js';

/** sfc32 (Doty-Humphrey's small fast counting generator): floats in [0, 1). */
export function makeRng(seed) {
    let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
    const next = () => {
        const t = (((a + b) | 0) + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        c = (c + t) | 0;
        return (t >>> 0) / 4294967296;
    };
    for (let i = 0; i < 12; i++) next();
    const rng = { next };
    rng.uniform = (lo, hi) => lo + (hi - lo) * next();
    rng.int = (lo, hi) => lo + Math.floor((hi - lo + 1) * next()); // lo..hi inclusive
    rng.pick = (list) => list[Math.floor(list.length * next())];
    rng.gauss = () => {
    // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1]
        const u = 1 - next(), v = next();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    };
    return rng;
}

let table = null;
/** 65536 standard normal samples (the quantiles at (i + 0.5) / 65536, shuffled): sensor noise
 * for megapixels costs a table look-up a channel. */
export function gaussTable() {
    if (table) return table;
    const rng = makeRng(12345);
    table = new Float32Array(65536);
    for (let i = 0; i < table.length; i++) table[i] = normalQuantile((i + 0.5) / table.length);
    for (let i = table.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [table[i], table[j]] = [table[j], table[i]];
    }
    return table;
}

/** The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
function normalQuantile(p) {
    const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
    const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
    const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const d = [0.007784695709041462, 0.3224671290700398, 2.445134137052296, 3.754408661907416];
    const tail = (q) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
    if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
    const q = p - 0.5, r = q * q;
    return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** The images and labels of MNIST-style IDX files: {count, rows, cols, pixels, labels}. */
export function parseIdx(images, labels) {
    const u32 = (b, o) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    if (u32(images, 0) !== 0x803 || u32(labels, 0) !== 0x801) throw new Error('not IDX image and label files');
    const count = u32(images, 4), rows = u32(images, 8), cols = u32(images, 12);
    return { count, rows, cols, pixels: images.subarray(16), labels: labels.subarray(8) };
}

// Catmull-Rom (Keys, a = -0.5): smooth, and exact on the source samples
function cubic(t) {
    t = Math.abs(t);
    if (t < 1) return 1.5 * t * t * t - 2.5 * t * t + 1;
    if (t < 2) return -0.5 * t * t * t + 2.5 * t * t - 4 * t + 2;
    return 0;
}

/** The n x n 8-bit image upscaled to size x size ink coverage in [0, 1] (outside the image: 0). */
export function upscale(pixels, n, size) {
    const s = n / size;
    const tmp = new Float32Array(n * size);
    const taps = [];
    for (let x = 0; x < size; x++) {
        const u = (x + 0.5) * s - 0.5, i0 = Math.floor(u) - 1, w = [];
        for (let k = 0; k < 4; k++) w.push(cubic(u - (i0 + k)));
        taps.push({ i0, w });
    }
    for (let y = 0; y < n; y++)
        for (let x = 0; x < size; x++) {
            const { i0, w } = taps[x];
            let v = 0;
            for (let k = 0; k < 4; k++) if (i0 + k >= 0 && i0 + k < n) v += w[k] * pixels[y * n + i0 + k];
            tmp[y * size + x] = v / 255;
        }
    const out = new Float32Array(size * size);
    for (let y = 0; y < size; y++) {
        const { i0, w } = taps[y];
        for (let x = 0; x < size; x++) {
            let v = 0;
            for (let k = 0; k < 4; k++) if (i0 + k >= 0 && i0 + k < n) v += w[k] * tmp[(i0 + k) * size + x];
            out[y * size + x] = Math.min(1, Math.max(0, v));
        }
    }
    return out;
}

/** Separable Gaussian blur of a w x h float image, in place (edges clamped). */
export function blur(v, w, h, sigma) {
    if (sigma < 0.3) return;
    const r = Math.ceil(3 * sigma), k = [];
    let sum = 0;
    for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
    for (let i = 0; i < k.length; i++) k[i] /= sum;
    const line = new Float32Array(Math.max(w, h));
    for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
            let a = 0;
            for (let i = -r; i <= r; i++) a += k[i + r] * v[y * w + Math.min(w - 1, Math.max(0, x + i))];
            line[x] = a;
        }
        v.set(line.subarray(0, w), y * w);
    }
    for (let x = 0; x < w; x++) {
        for (let y = 0; y < h; y++) {
            let a = 0;
            for (let i = -r; i <= r; i++) a += k[i + r] * v[Math.min(h - 1, Math.max(0, y + i)) * w + x];
            line[y] = a;
        }
        for (let y = 0; y < h; y++) v[y * w + x] = line[y];
    }
}

/** A clean rendering: black ink on white, the digit centred in a square half again its size. */
export function renderClean(cov, size) {
    const side = Math.round(1.5 * size), off = Math.floor((side - size) / 2);
    const data = new Uint8Array(side * side).fill(255);
    for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) data[(y + off) * side + x + off] = Math.round(255 * (1 - cov[y * size + x]));
    return { data, width: side, height: side };
}

/**
 * Turns a display image (RGBA) into what a camera stores under EXIF orientation 3, 6 or 8, defined
 * geometrically here (not with the decoder's code): 6 = stored turned 90 degrees anticlockwise
 * (shown turned clockwise), 8 = stored turned clockwise, 3 = turned half a turn.
 */
export function storeTurned({ data, width: w, height: h }, orientation) {
    const src = new Uint32Array(data.buffer, data.byteOffset, w * h);
    const swap = orientation === 6 || orientation === 8;
    const W = swap ? h : w, H = swap ? w : h;
    const out = new Uint8Array(W * H * 4), dst = new Uint32Array(out.buffer);
    for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
            // where display pixel (x, y) goes in the stored image
            let sx, sy;
            if (orientation === 3) (sx = w - 1 - x), (sy = h - 1 - y);
            else if (orientation === 6) (sx = y), (sy = w - 1 - x); // turned anticlockwise
            else if (orientation === 8) (sx = h - 1 - y), (sy = x); // turned clockwise
            else throw new Error(`orientation ${orientation} not generated`);
            dst[sy * W + sx] = src[y * w + x];
        }
    return { data: out, width: W, height: H };
}

/** An APP1 segment holding a big- or little-endian Exif IFD0 with only the orientation tag. */
export function exifSegment(orientation, littleEndian = false) {
    const tiff = new Uint8Array(26);
    const dv = new DataView(tiff.buffer);
    tiff.set(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]);
    dv.setUint16(2, 42, littleEndian);
    dv.setUint32(4, 8, littleEndian); // IFD0 right after the header
    dv.setUint16(8, 1, littleEndian); // one entry
    dv.setUint16(10, 0x0112, littleEndian); // Orientation
    dv.setUint16(12, 3, littleEndian); // SHORT
    dv.setUint32(14, 1, littleEndian); // count 1
    dv.setUint16(18, orientation, littleEndian);
    dv.setUint32(22, 0, littleEndian); // no next IFD
    const body = [...new TextEncoder().encode('Exif'), 0, 0, ...tiff];
    const len = body.length + 2;
    return Uint8Array.from([0xff, 0xe1, len >> 8, len & 0xff, ...body]);
}

/** RGBA encoded as JPEG (jpeg-js) at quality q, with an Exif orientation tag if not 1. */
export function encodeJpeg(img, quality, orientation = 1, littleEndian = false) {
    const jpg = new Uint8Array(jpeg.encode(img, quality).data);
    if (orientation === 1) return jpg;
    const app1 = exifSegment(orientation, littleEndian);
    const out = new Uint8Array(jpg.length + app1.length);
    out.set(jpg.subarray(0, 2)); // SOI, then the Exif segment, as cameras write it
    out.set(app1, 2);
    out.set(jpg.subarray(2), 2 + app1.length);
    return out;
}

/** The ranges of every degradation, in one place (they are reported next to the accuracy). */
export const RANGES = {
    digitSide: [60, 200], // px: the 28x28 MNIST frame upscaled to this (the digit is ~20/28 of it)
    pageSide: [400, 1200], // px: the longer side of the page; 4:3 or 3:4
    smallDigit: { every: 5, digitSide: [36, 80], pageSide: [1000, 1200] }, // a 1.5 cm digit on A4: ~50 px
    table: { every: 8, reflectance: [0.06, 0.35], margin: 0.7 }, // the page on a table, edges in view
    light: { dark: [0.32, 0.5], bright: [0.86, 1.0], vignette: [0, 0.4] }, // white-paper levels x 255
    paper: [0.72, 0.97], // reflectance, with a colour cast of +-4%
    greyInk: [0.08, 0.35],
    blueInk: { r: [0.1, 0.3], g: [0.15, 0.35], b: [0.45, 0.75] },
    chalk: { board: [0.1, 0.22], chalk: [0.65, 0.9], opacity: [0.75, 1] },
    blur: [0, 0.5], // sigma in MNIST pixels (x digitSide / 28)
    noise: [2, 8], // sigma in grey levels, per channel
    jpegQuality: [30, 80],
    specks: [0, 5], // dots of radius 0.6-2 px, at least half the digit's size away from it
};

/**
 * count photo-like images: [{index, label, clean: {data, width, height} gray, photo, jpeg, meta}]
 * where photo is RGBA ({data, width, height}) or, when jpeg, the file's bytes to decode.
 */
export function makePhotoSet(mnist, { count = 240, seed = 7 } = {}) {
    const master = makeRng(seed);
    const chosen = new Set();
    while (chosen.size < count) chosen.add(Math.floor(master.next() * mnist.count));
    return [...chosen].map((index, i) => makeOne(mnist, index, i, makeRng(seed * 100003 + i)));
}

function makeOne(mnist, index, i, rng) {
    const n = mnist.rows, R = RANGES;
    const label = mnist.labels[index];
    const small = i % R.smallDigit.every === 0;
    const size = Math.round(small ? rng.uniform(...R.smallDigit.digitSide) : Math.exp(rng.uniform(Math.log(R.digitSide[0]), Math.log(R.digitSide[1]))));
    const cov0 = upscale(mnist.pixels.subarray(index * n * n, (index + 1) * n * n), n, size);
    const clean = renderClean(cov0, size);

    // the page
    const long = Math.round(small ? rng.uniform(...R.smallDigit.pageSide) : rng.uniform(Math.max(R.pageSide[0], 2.5 * size), R.pageSide[1]));
    const landscape = rng.next() < 0.5;
    const W = landscape ? long : Math.round(0.75 * long), H = landscape ? Math.round(0.75 * long) : long;
    const chalk = i % 7 === 3;
    const blue = !chalk && rng.next() < 0.4;
    let paper, ink, opacity = 1;
    if (chalk) {
        const b = rng.uniform(...R.chalk.board), c = rng.uniform(...R.chalk.chalk);
        paper = [b * 0.9, b * 1.1, b]; // a green-grey board
        ink = [c, c, c * 0.97];
        opacity = rng.uniform(...R.chalk.opacity);
    } else {
        const p = rng.uniform(...R.paper);
        paper = [0, 1, 2].map(() => p * rng.uniform(0.96, 1.04));
        if (blue) ink = [rng.uniform(...R.blueInk.r), rng.uniform(...R.blueInk.g), rng.uniform(...R.blueInk.b)];
        else ink = Array(3).fill(rng.uniform(...R.greyInk));
    }

    // the ink coverage: the digit somewhere on the page, blurred, plus specks away from it
    const margin = Math.round(0.05 * Math.min(W, H));
    const ox = rng.int(margin, W - size - margin), oy = rng.int(margin, H - size - margin);
    const sigma = rng.uniform(...R.blur) * (size / n);
    const pad = Math.ceil(3 * sigma) + 1, ps = size + 2 * pad;
    const patch = new Float32Array(ps * ps);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) patch[(y + pad) * ps + x + pad] = cov0[y * size + x] * opacity;
    blur(patch, ps, ps, sigma);
    const cov = new Float32Array(W * H);
    for (let y = 0; y < ps; y++)
        for (let x = 0; x < ps; x++) {
            const X = ox - pad + x, Y = oy - pad + y;
            if (X >= 0 && Y >= 0 && X < W && Y < H) cov[Y * W + X] = patch[y * ps + x];
        }
    const specks = rng.int(...R.specks);
    for (let s = 0; s < specks; s++) {
        const r = rng.uniform(0.6, 2), a = rng.uniform(0.5, 1) * opacity;
        let cx, cy;
        do (cx = rng.uniform(3, W - 3)), (cy = rng.uniform(3, H - 3));
        while (Math.abs(cx - (ox + size / 2)) < size && Math.abs(cy - (oy + size / 2)) < size);
        for (let y = Math.floor(cy - r - 1); y <= cy + r + 1; y++)
            for (let x = Math.floor(cx - r - 1); x <= cx + r + 1; x++) {
                const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
                const c = a * Math.min(1, Math.max(0, r + 0.5 - d));
                if (x >= 0 && y >= 0 && x < W && y < H) cov[y * W + x] = Math.max(cov[y * W + x], c);
            }
    }

    // light: a linear gradient from dark to bright across the page, times a vignette
    const dark = rng.uniform(...R.light.dark), bright = rng.uniform(...R.light.bright);
    const angle = rng.uniform(0, 2 * Math.PI), gx = Math.cos(angle), gy = Math.sin(angle);
    const vig = rng.uniform(...R.light.vignette);
    const vx = rng.uniform(0.3, 0.7) * W, vy = rng.uniform(0.3, 0.7) * H, vr = Math.hypot(W, H) / 2;
    const half = (Math.abs(gx) * W + Math.abs(gy) * H) / 2;
    const noise = rng.uniform(...R.noise);
    const data = new Uint8ClampedArray(W * H * 4); // rounds and clamps on store
    const gauss = gaussTable();
    const kx = ((bright - dark) / 2) * (gx / half), vr2 = vr * vr;
    const [p0, p1, p2] = paper, [d0, d1, d2] = [0, 1, 2].map((k) => ink[k] - paper[k]);
    // some pages lie on a table that shows around them: edges at most 15% in, and at least
    // R.table.margin digit sides from the digit (the table colour is lit like the page)
    const table = !chalk && i % R.table.every === 5;
    let px0 = 0, py0 = 0, px1 = W, py1 = H, tc = [0, 0, 0];
    if (table) {
        const m = R.table.margin * size, t = rng.uniform(...R.table.reflectance);
        px0 = Math.round(Math.max(0, Math.min(ox - m, rng.uniform(0, 0.15) * W)));
        py0 = Math.round(Math.max(0, Math.min(oy - m, rng.uniform(0, 0.15) * H)));
        px1 = Math.round(Math.min(W, Math.max(ox + size + m, rng.uniform(0.85, 1) * W)));
        py1 = Math.round(Math.min(H, Math.max(oy + size + m, rng.uniform(0.85, 1) * H)));
        tc = [t * rng.uniform(0.9, 1.3), t, t * rng.uniform(0.6, 1)]; // wood to grey
    }
    let u = rng.int(0, 1 << 30);
    for (let y = 0; y < H; y++) {
        const ky = dark + ((bright - dark) / 2) * (((y - H / 2) * gy - (W / 2) * gx) / half + 1);
        const dy2 = (y - vy) * (y - vy);
        for (let x = 0, p = 4 * y * W; x < W; x++, p += 4) {
            // light: 255 x (a linear ramp from dark to bright across the page) x (1 - vig r^2)
            const light = 255 * (ky + kx * x) * (1 - (vig * ((x - vx) * (x - vx) + dy2)) / vr2);
            const c = cov[y * W + x];
            if (table && (x < px0 || x >= px1 || y < py0 || y >= py1)) {
                for (let k = 0; k < 3; k++, u = (Math.imul(u, 1103515245) + 12345) | 0) data[p + k] = light * tc[k] + noise * gauss[(u >>> 16) & 0xffff];
                data[p + 3] = 255;
                continue;
            }
            u = (Math.imul(u, 1103515245) + 12345) | 0; // an LCG's top bits index the normal table
            data[p] = light * (p0 + d0 * c) + noise * gauss[(u >>> 16) & 0xffff];
            u = (Math.imul(u, 1103515245) + 12345) | 0;
            data[p + 1] = light * (p1 + d1 * c) + noise * gauss[(u >>> 16) & 0xffff];
            u = (Math.imul(u, 1103515245) + 12345) | 0;
            data[p + 2] = light * (p2 + d2 * c) + noise * gauss[(u >>> 16) & 0xffff];
            data[p + 3] = 255;
        }
    }
    let photo = { data: new Uint8Array(data.buffer), width: W, height: H };
    const meta = { size, W, H, chalk, blue, sigma: +sigma.toFixed(2), noise: +noise.toFixed(1), specks, light: [dark, bright].map((v) => Math.round(255 * v * paper[1])), vignette: +vig.toFixed(2), small, table };

    // half go through JPEG; some of those were taken sideways and carry an orientation tag
    const isJpeg = i % 2 === 1;
    if (isJpeg) {
        const quality = rng.int(...R.jpegQuality);
        const orientation = i % 6 === 1 ? [6, 8, 3][(i / 6) % 3 | 0] : 1;
        const stored = orientation === 1 ? photo : storeTurned(photo, orientation);
        photo = encodeJpeg(stored, quality, orientation, i % 4 === 3);
        Object.assign(meta, { quality, orientation });
    }
    return { index, label, clean, photo, jpeg: isJpeg, meta };
}
