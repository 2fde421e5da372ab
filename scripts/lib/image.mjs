// image.mjs: an image file's bytes to upright RGBA pixels for the C preprocessing, in Node, as the
// page's upload does in the browser (web/ui/upload.js): PNG (pngjs) or JPEG (jpeg-js) decoded to
// 8-bit RGBA, downscaled by exact area averaging to MAX_SIDE on the long side, then turned upright
// by the EXIF orientation tag (JPEG APP1, or a PNG eXIf chunk), which is read here: a dozen lines
// of bounds-checked TIFF parsing do not earn a dependency.
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';

export const MAX_SIDE = 1024;

/** An image that cannot be decoded: not PNG or JPEG, or corrupt (the decoder's message). */
export class ImageError extends Error {
    constructor(message) {
        super(message);
        this.name = 'ImageError';
    }
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** 'png', 'jpeg' or null, from the first bytes. */
export function sniff(bytes) {
    if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
    if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
    return null;
}

/**
 * The orientation (1-8) in a TIFF structure (the body of an Exif block): IFD0's tag 0x0112.
 * 1 (as stored) when absent or malformed: a broken tag must not make a readable image fail.
 */
export function tiffOrientation(t) {
    if (t.length < 8) return 1;
    const le = t[0] === 0x49 && t[1] === 0x49;
    if (!le && !(t[0] === 0x4d && t[1] === 0x4d)) return 1;
    const u16 = (o) => (le ? t[o] | (t[o + 1] << 8) : (t[o] << 8) | t[o + 1]);
    const u32 = (o) => (le ? u16(o) + u16(o + 2) * 65536 : u16(o) * 65536 + u16(o + 2));
    if (u16(2) !== 42) return 1;
    const ifd = u32(4);
    if (ifd + 2 > t.length) return 1;
    const n = u16(ifd);
    for (let i = 0; i < n; i++) {
        const e = ifd + 2 + 12 * i;
        if (e + 12 > t.length) return 1;
        if (u16(e) !== 0x0112) continue;
        // type SHORT (3), count 1: the value sits in the first two bytes of the value field
        const v = u16(e + 2) === 3 && u32(e + 4) === 1 ? u16(e + 8) : 1;
        return v >= 1 && v <= 8 ? v : 1;
    }
    return 1;
}

/** The EXIF orientation of a JPEG: the first APP1 "Exif" segment before the scan; 1 if none. */
export function jpegOrientation(b) {
    let o = 2;
    while (o + 4 <= b.length) {
        if (b[o] !== 0xff) return 1; // not a marker where one must be: leave it to the decoder
        const m = b[o + 1];
        if (m === 0xff) {
            o++; // fill byte
            continue;
        }
        if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
            o += 2; // markers without a length
            continue;
        }
        if (m === 0xda || m === 0xd9) return 1; // start of scan or end of image: no tag before it
        const len = (b[o + 2] << 8) | b[o + 3];
        if (len < 2 || o + 2 + len > b.length) return 1;
        const body = o + 4;
        if (m === 0xe1 && len >= 8 && String.fromCharCode(...b.subarray(body, body + 6)) === 'Exif\0\0')
            return tiffOrientation(b.subarray(body + 6, o + 2 + len));
        o += 2 + len;
    }
    return 1;
}

/** The EXIF orientation of a PNG: its eXIf chunk (PNG 1.5), if any before the image data. */
export function pngOrientation(b) {
    let o = 8;
    while (o + 12 <= b.length) {
        const len = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
        const type = String.fromCharCode(...b.subarray(o + 4, o + 8));
        if (type === 'IDAT' || type === 'IEND' || o + 12 + len > b.length) return 1;
        if (type === 'eXIf') return tiffOrientation(b.subarray(o + 8, o + 8 + len));
        o += 12 + len;
    }
    return 1;
}

/**
 * Decodes PNG or JPEG bytes to {data: RGBA bytes, width, height, orientation} as stored (not yet
 * upright). Throws ImageError.
 */
export function decode(bytes) {
    const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    const kind = sniff(b);
    if (!kind) throw new ImageError('not a PNG or JPEG image');
    let img;
    try {
        if (kind === 'png') {
            // pngjs rescales 16-bit samples to 8 bits and expands palettes and grey to RGBA
            const png = PNG.sync.read(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
            img = { data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength), width: png.width, height: png.height };
        } else {
            const j = jpeg.decode(b, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
            img = { data: j.data, width: j.width, height: j.height };
        }
    } catch (e) {
        throw new ImageError(`corrupt ${kind.toUpperCase()} image (${e.message ?? e})`);
    }
    if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 4)
        throw new ImageError(`corrupt ${kind.toUpperCase()} image (no pixels)`);
    img.orientation = kind === 'png' ? pngOrientation(b) : jpegOrientation(b);
    return img;
}

/**
 * The source cells under each of n output cells spread over m input cells (n <= m): output j
 * covers [j m/n, (j+1) m/n) and takes taps[j]..taps[j+1] of (index, weight), weights adding to 1.
 */
function areaTaps(m, n) {
    const s = m / n, cap = n * (Math.ceil(s) + 1);
    const start = new Int32Array(n + 1), index = new Int32Array(cap), weight = new Float64Array(cap);
    let t = 0;
    for (let j = 0; j < n; j++) {
        const a = j * s, b = Math.min((j + 1) * s, m);
        start[j] = t;
        for (let i = Math.floor(a); i < b; i++) (index[t] = i), (weight[t++] = (Math.min(b, i + 1) - Math.max(a, i)) / s);
    }
    start[n] = t;
    return { start, index, weight };
}

/**
 * Area-averaged RGBA to outW x outH (each not larger than the source): every output pixel is the
 * mean of the source area it covers, colours weighted by alpha so that transparent pixels lend
 * no colour to their neighbours.
 */
export function resizeArea({ data, width, height }, outW, outH) {
    const cols = areaTaps(width, outW), rows = areaTaps(height, outH);
    const out = new Uint8Array(outW * outH * 4);
    const acc = new Float64Array(outW * 4);
    const lines = [new Float64Array(outW * 4), new Float64Array(outW * 4)]; // a row is shared by two
    const lineOf = [-1, -1];
    // one source row resampled along x, premultiplied by alpha
    const line = (y) => {
        const slot = y & 1, l = lines[slot];
        if (lineOf[slot] === y) return l;
        lineOf[slot] = y;
        const base = y * width * 4;
        for (let j = 0; j < outW; j++) {
            let r = 0, g = 0, bl = 0, a = 0;
            for (let t = cols.start[j]; t < cols.start[j + 1]; t++) {
                const p = base + 4 * cols.index[t], wa = cols.weight[t] * data[p + 3];
                r += wa * data[p], g += wa * data[p + 1], bl += wa * data[p + 2], a += wa;
            }
            l[4 * j] = r, l[4 * j + 1] = g, l[4 * j + 2] = bl, l[4 * j + 3] = a;
        }
        return l;
    };
    for (let j = 0; j < outH; j++) {
        acc.fill(0);
        for (let t = rows.start[j]; t < rows.start[j + 1]; t++) {
            const l = line(rows.index[t]), wt = rows.weight[t];
            for (let i = 0; i < acc.length; i++) acc[i] += wt * l[i];
        }
        for (let i = 0, p = j * outW * 4; i < acc.length; i += 4, p += 4) {
            const a = acc[i + 3]; // the mean alpha: the weights of an output pixel add up to 1
            if (a > 0) for (let c = 0; c < 3; c++) out[p + c] = Math.min(255, Math.round(acc[i + c] / a));
            out[p + 3] = Math.min(255, Math.round(a));
        }
    }
    return { data: out, width: outW, height: outH };
}

/** The size the page scales a width x height image to: MAX_SIDE on the long side at most. */
export function fitSize(width, height, maxSide = MAX_SIDE) {
    const long = Math.max(width, height);
    if (long <= maxSide) return { width, height };
    const k = maxSide / long;
    return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/**
 * RGBA turned upright by an EXIF orientation (1-8): the stored pixel (sx, sy) that lands on each
 * displayed pixel (x, y). 5-8 swap width and height.
 */
export function orient({ data, width: w, height: h }, orientation) {
    if (!(orientation >= 2 && orientation <= 8)) return { data, width: w, height: h };
    if (data.byteOffset % 4) data = data.slice(); // a Uint32Array view needs 4-byte alignment
    const swap = orientation >= 5;
    const W = swap ? h : w, H = swap ? w : h;
    const src = new Uint32Array(data.buffer, data.byteOffset, w * h);
    const out = new Uint8Array(W * H * 4);
    const dst = new Uint32Array(out.buffer);
    const at = [
        null,
        null,
        (x, y) => y * w + (w - 1 - x), // 2: mirrored left-right
        (x, y) => (h - 1 - y) * w + (w - 1 - x), // 3: turned 180
        (x, y) => (h - 1 - y) * w + x, // 4: mirrored top-bottom
        (x, y) => x * w + y, // 5: transposed
        (x, y) => (h - 1 - x) * w + y, // 6: stored turned 90 anticlockwise; shown turned clockwise
        (x, y) => (h - 1 - x) * w + (w - 1 - y), // 7: transverse
        (x, y) => x * w + (w - 1 - y), // 8: stored turned 90 clockwise; shown turned anticlockwise
    ][orientation];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) dst[y * W + x] = src[at(x, y)];
    return { data: out, width: W, height: H };
}

/**
 * Image file bytes to what Engine.preprocess takes: {data: RGBA, width, height}, upright and at
 * most MAX_SIDE on the long side, plus the file's own {source: {width, height}, orientation}.
 */
export function readImage(bytes, { maxSide = MAX_SIDE } = {}) {
    const img = decode(bytes);
    // area averaging commutes with the turns and mirrors: shrink first, turn fewer pixels
    const fit = fitSize(img.width, img.height, maxSide);
    const small = fit.width === img.width && fit.height === img.height ? img : resizeArea(img, fit.width, fit.height);
    const up = orient(small, img.orientation);
    return { ...up, source: { width: img.width, height: img.height }, orientation: img.orientation };
}
