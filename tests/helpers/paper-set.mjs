// paper-set.mjs: a repeatable set of phone-photo-like pictures of pen digits and written numbers on
// notebook paper (issue 15), for tests/paper.test.mjs. The page is drawn in its own plane: squared
// paper (a grid, some with a darker line every fifth), ruled paper (some with a red margin),
// a dotted grid, or plain paper; MNIST test digits are written on it with a ballpoint (each digit
// thinned to its skeleton and redrawn with a round pen of the drawn width) or a felt pen (the
// digit's own strokes); then the plane is photographed: turned and seen in perspective (a
// homography), lit unevenly, sometimes lying on a table, blurred, noisy, and for some JPEG.
// Every lined picture has a twin that differs only in having no lines (the same page, pen, light,
// blur, noise and compression), which the accuracy on lined paper is measured against.
// Everything comes from one seed (sfc32, as in photo-set.mjs).
import { encodeJpeg, gaussTable, makeRng, upscale } from './photo-set.mjs';

/** The ranges of every degradation, in one place (the test reports them next to the figures). */
export const PAPER_RANGES = {
    digitHeight: [40, 170], // px: the written digit's height in the photo
    pageSide: [420, 1100], // px: the photo's longer side (log-uniform); 4:3 or 3:4 (above 1024 the decoder scales)
    squares: [2, 4], // a digit on squared or dotted paper is this many squares tall
    ruled: [0.55, 1.1], // ... on ruled paper, this share of the line spacing
    lineWidth: [0.02, 0.07], // of the spacing, at least 0.6 px and at most 3 px
    lineContrast: [0.18, 0.6], // darkness of a line at its centre (1 - its transmittance)
    majorEvery: 5, // some squared pages: a darker, wider line every fifth
    dotRadius: [0.07, 0.12], // of the spacing, at least 0.7 px and at most 3 px
    tilt: [-8, 8], // degrees
    perspective: 0.07, // corners moved by up to this share of the picture: lines converge
    penWidth: [0.035, 0.08], // of the digit's height (a ballpoint), at least 1.3 px
    felt: 0.2, // share of digits written with a felt pen (the MNIST strokes themselves)
    blueInk: { r: [0.1, 0.3], g: [0.15, 0.35], b: [0.45, 0.75] },
    blackInk: [0.04, 0.25],
    light: { dark: [0.45, 0.75], bright: [0.85, 1.0], vignette: [0, 0.35] },
    paper: [0.78, 0.97],
    table: { every: 6, reflectance: [0.08, 0.35] },
    blur: [0, 1.1], // sigma in px
    noise: [1.5, 7], // grey levels, per channel
    jpegQuality: [35, 90],
    numberDigits: [2, 6],
    gap: { separated: [0.12, 0.5], touching: [-0.05, 0] }, // of the digit height, between ink boxes
};

export const KINDS = ['squared', 'ruled', 'dotted', 'plain'];
const R5 = PAPER_RANGES.majorEvery;

// ---- the pen: MNIST strokes thinned to one pixel (Zhang-Suen), redrawn with a round nib ----

function thin(bin, w, h) {
    const at = (x, y) => (x >= 0 && y >= 0 && x < w && y < h ? bin[y * w + x] : 0);
    for (let changed = true; changed; ) {
        changed = false;
        for (let pass = 0; pass < 2; pass++) {
            const drop = [];
            for (let y = 0; y < h; y++)
                for (let x = 0; x < w; x++) {
                    if (!bin[y * w + x]) continue;
                    const p = [at(x, y - 1), at(x + 1, y - 1), at(x + 1, y), at(x + 1, y + 1), at(x, y + 1), at(x - 1, y + 1), at(x - 1, y), at(x - 1, y - 1)];
                    const b = p.reduce((s, v) => s + v, 0);
                    if (b < 2 || b > 6) continue;
                    let a = 0;
                    for (let k = 0; k < 8; k++) a += !p[k] && p[(k + 1) % 8];
                    if (a !== 1) continue;
                    if (pass === 0 ? p[0] * p[2] * p[4] || p[2] * p[4] * p[6] : p[0] * p[2] * p[6] || p[0] * p[4] * p[6]) continue;
                    drop.push(y * w + x);
                }
            for (const i of drop) bin[i] = 0;
            if (drop.length) changed = true;
        }
    }
    return bin;
}

/** Ink coverage (size x size) of an MNIST digit redrawn with a round pen `width` px wide. */
function penDigit(cov, size, width) {
    const bin = new Uint8Array(size * size);
    for (let i = 0; i < bin.length; i++) bin[i] = cov[i] >= 0.45 ? 1 : 0;
    thin(bin, size, size);
    const out = new Float32Array(size * size), r = width / 2, R = Math.ceil(r + 1);
    for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
            if (!bin[y * size + x]) continue;
            for (let dy = -R; dy <= R; dy++)
                for (let dx = -R; dx <= R; dx++) {
                    const X = x + dx, Y = y + dy;
                    if (X < 0 || Y < 0 || X >= size || Y >= size) continue;
                    const c = Math.min(1, Math.max(0, r + 0.5 - Math.hypot(dx, dy)));
                    if (c > out[Y * size + X]) out[Y * size + X] = c;
                }
        }
    return out;
}

/** The box [x0, y0, x1, y1) of coverage above 0.2. */
function inkBox(cov, w, h) {
    let x0 = w, y0 = h, x1 = 0, y1 = 0;
    for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
            if (cov[y * w + x] > 0.2) (x0 = Math.min(x0, x)), (x1 = Math.max(x1, x + 1)), (y0 = Math.min(y0, y)), (y1 = Math.max(y1, y + 1));
    return [x0, y0, x1, y1];
}

/** Separable Gaussian blur of interleaved RGB floats (w x h x 3), in place, edges clamped. */
function blurRGB(v, w, h, sigma) {
    const r = Math.ceil(3 * sigma), k = new Float32Array(2 * r + 1);
    let sum = 0;
    for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
    for (let i = 0; i < k.length; i++) k[i] /= sum;
    const n = Math.max(w, h), line = new Float32Array(3 * (n + 2 * r)), out = new Float32Array(3 * n);
    const pass = (count, len, at) => {
        for (let j = 0; j < count; j++) {
            for (let i = -r; i < len + r; i++) {
                const p = 3 * at(j, Math.min(len - 1, Math.max(0, i))), q = 3 * (i + r);
                line[q] = v[p], line[q + 1] = v[p + 1], line[q + 2] = v[p + 2];
            }
            for (let i = 0; i < len; i++) {
                let a = 0, b = 0, c = 0;
                for (let t = 0, q = 3 * i; t <= 2 * r; t++, q += 3) (a += k[t] * line[q]), (b += k[t] * line[q + 1]), (c += k[t] * line[q + 2]);
                out[3 * i] = a, out[3 * i + 1] = b, out[3 * i + 2] = c;
            }
            for (let i = 0; i < len; i++) {
                const p = 3 * at(j, i);
                v[p] = out[3 * i], v[p + 1] = out[3 * i + 1], v[p + 2] = out[3 * i + 2];
            }
        }
    };
    pass(h, w, (y, x) => y * w + x);
    pass(w, h, (x, y) => y * w + x);
}

// ---- geometry: the homography from the photo to the page plane ----

/** The 3x3 homography (row-major, h33 = 1) that maps the four points src to dst. */
function homography(src, dst) {
    const A = [], b = [];
    for (let k = 0; k < 4; k++) {
        const [x, y] = src[k], [u, v] = dst[k];
        A.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
        b.push(u);
        A.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
        b.push(v);
    }
    for (let c = 0; c < 8; c++) {
        let p = c;
        for (let r = c + 1; r < 8; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
        [A[c], A[p]] = [A[p], A[c]];
        [b[c], b[p]] = [b[p], b[c]];
        for (let r = 0; r < 8; r++) {
            if (r === c) continue;
            const f = A[r][c] / A[c][c];
            for (let k = c; k < 8; k++) A[r][k] -= f * A[c][k];
            b[r] -= f * b[c];
        }
    }
    return [...b.map((v, i) => v / A[i][i]), 1];
}

// ---- one picture ----

/**
 * The parameters of one picture, drawn from rng: everything but the pixels, so that the lined
 * picture and its plain twin share them.
 */
function plan(mnist, rng, { kind, labels, touching }) {
    const R = PAPER_RANGES, n = mnist.rows;
    const height = Math.exp(rng.uniform(Math.log(R.digitHeight[0]), Math.log(R.digitHeight[1])));
    const felt = rng.next() < R.felt;
    const penW = Math.max(1.3, height * rng.uniform(...R.penWidth));
    const blue = rng.next() < 0.55;
    const ink = blue ? [rng.uniform(...R.blueInk.r), rng.uniform(...R.blueInk.g), rng.uniform(...R.blueInk.b)] : Array(3).fill(rng.uniform(...R.blackInk));
    const opacity = rng.uniform(0.8, 1);
    // the digits: each MNIST frame scaled so that its 20-pixel box is about `height` tall
    const digits = labels.map(({ index }) => {
        const h = height * rng.uniform(0.9, 1.1), size = Math.max(8, Math.round((h * n) / 20));
        const cov0 = upscale(mnist.pixels.subarray(index * n * n, (index + 1) * n * n), n, size);
        const cov = felt ? cov0 : penDigit(cov0, size, penW);
        return { cov, size, box: inkBox(cov, size, size), dy: rng.uniform(-0.06, 0.06) * height };
    });
    // written left to right on the page plane: ink boxes `gap` apart, bottoms near one baseline
    const gaps = digits.slice(1).map(() => height * rng.uniform(...(touching ? R.gap.touching : R.gap.separated)));
    let x = 0;
    const placed = digits.map((d, k) => {
        if (k > 0) x += gaps[k - 1];
        const ox = x - d.box[0], oy = -d.box[3] + d.dy;
        x += d.box[2] - d.box[0];
        return { ...d, ox, oy };
    });
    const inkW = x, inkH = height;
    // the photo
    const lo = Math.max(R.pageSide[0], 1.6 * inkW + 0.4 * inkH, 3.2 * inkH), hi = Math.max(R.pageSide[1], 1.6 * inkW);
    const long = Math.round(Math.exp(rng.uniform(Math.log(lo), Math.log(Math.max(lo, hi)))));
    const landscape = inkW > 2 * inkH || rng.next() < 0.5;
    const W = landscape ? long : Math.round(0.75 * long), H = landscape ? Math.round(0.75 * long) : long;
    // the paper's pattern, in page units (1 unit is about 1 px of the photo)
    const spacing = kind === 'ruled' ? height / rng.uniform(...R.ruled) : height / rng.uniform(...R.squares);
    const lineW = Math.min(3, Math.max(0.6, spacing * rng.uniform(...R.lineWidth)));
    const grey = rng.next() < 0.35;
    const contrast = rng.uniform(...R.lineContrast);
    const hue = grey ? [1, 1, 1] : [rng.uniform(0.9, 1.3), rng.uniform(0.55, 0.8), rng.uniform(0.1, 0.3)];
    const lineT = hue.map((h) => Math.max(0, 1 - contrast * h)); // transmittance per channel
    const major = kind === 'squared' && rng.next() < 0.2;
    const margin = kind === 'ruled' && rng.next() < 0.5 ? { double: rng.next() < 0.4, width: rng.uniform(0.8, 2), at: rng.uniform(0.1, 0.9) } : null;
    const dotR = Math.min(3, Math.max(0.7, spacing * rng.uniform(...R.dotRadius)));
    const phase = [rng.next(), rng.next()];
    // where the number sits: somewhere inside, on ruled paper the baseline on a line (or near it)
    const tilt = (rng.uniform(...R.tilt) * Math.PI) / 180;
    const cx = rng.uniform(0.35, 0.65) * W, cy = rng.uniform(0.4, 0.65) * H;
    // corners of the photo in the page plane: a turned rectangle, each corner moved a little
    const pj = R.perspective * Math.min(W, H);
    const cos = Math.cos(tilt), sin = Math.sin(tilt);
    const corners = [[0, 0], [W, 0], [W, H], [0, H]].map(([u, v]) => {
        const du = u - W / 2, dv = v - H / 2;
        return [W / 2 + cos * du - sin * dv + rng.uniform(-pj, pj), H / 2 + sin * du + cos * dv + rng.uniform(-pj, pj)];
    });
    const toPage = homography([[0, 0], [W, 0], [W, H], [0, H]], corners);
    const ruledBase = kind === 'ruled' && rng.next() < 0.9;
    // light, table, blur, noise, compression
    const p = rng.uniform(...R.paper);
    const paper = [0, 1, 2].map(() => p * rng.uniform(0.97, 1.03));
    const light = { dark: rng.uniform(...R.light.dark), bright: rng.uniform(...R.light.bright), angle: rng.uniform(0, 2 * Math.PI), vignette: rng.uniform(...R.light.vignette), vx: rng.uniform(0.3, 0.7), vy: rng.uniform(0.3, 0.7) };
    const sigma = rng.next() < 0.3 ? 0 : rng.uniform(...R.blur);
    const noise = rng.uniform(...R.noise);
    const jpeg = rng.next() < 0.6 ? rng.int(...R.jpegQuality) : 0;
    const tableT = rng.uniform(...R.table.reflectance);
    const tableSide = rng.int(0, 3);
    const tableAt = rng.uniform(0.04, 0.12);
    const seed = rng.int(0, 1 << 30);
    return { W, H, placed, inkW, inkH, height, felt, penW, blue, ink, opacity, spacing, lineW, grey, contrast, lineT, major, margin, dotR, phase, tilt, cx, cy, corners, toPage, ruledBase, paper, light, sigma, noise, jpeg, tableT, tableSide, tableAt, seed };
}

/** Renders a plan as RGBA ({data, width, height}); `kind` 'plain' leaves the lines out. */
function render(P, kind, table) {
    const { W, H, toPage: h } = P;
    // the ink on the page plane: a raster around the number, centred on (cx, cy) of the page
    const pad = 4, iw = Math.ceil(P.inkW) + 2 * pad, ih = Math.ceil(P.inkH * 1.5) + 2 * pad;
    const inkRaster = new Float32Array(iw * ih);
    const ix0 = P.cx - P.inkW / 2 - pad;
    let baseY = P.cy + P.inkH / 2;
    if (kind === 'ruled' && P.ruledBase) {
    // the baseline on the nearest ruled line (page plane): the digits sit on it, or cross it a little
        const s = P.spacing, off = P.phase[1] * s;
        baseY = Math.round((baseY - off) / s) * s + off + ((P.seed % 7) / 6 - 0.3) * 0.08 * s + 0.06 * P.inkH;
    }
    const iy0 = baseY - P.inkH * 1.25 - pad;
    for (const d of P.placed)
        for (let y = 0; y < d.size; y++)
            for (let x = 0; x < d.size; x++) {
                const c = d.cov[y * d.size + x];
                if (!c) continue;
                const X = Math.round(d.ox + x - ix0 + P.cx - P.inkW / 2), Y = Math.round(d.oy + y + baseY - iy0);
                if (X >= 0 && Y >= 0 && X < iw && Y < ih) inkRaster[Y * iw + X] = Math.max(inkRaster[Y * iw + X], c * P.opacity);
            }
    // bilinear in the ink raster, which has a zero border of `pad` pixels (no bounds per tap)
    const inkAt = (x, y) => {
        const u = x - ix0 - 0.5, v = y - iy0 - 0.5;
        if (!(u >= 0 && v >= 0 && u < iw - 1 && v < ih - 1)) return 0;
        const x0 = u | 0, y0 = v | 0, fx = u - x0, fy = v - y0, q = y0 * iw + x0;
        return (inkRaster[q] * (1 - fx) + inkRaster[q + 1] * fx) * (1 - fy) + (inkRaster[q + iw] * (1 - fx) + inkRaster[q + iw + 1] * fx) * fy;
    };
    // page coordinates of each pixel centre
    const X = new Float32Array(W * H), Y = new Float32Array(W * H);
    for (let v = 0, i = 0; v < H; v++) {
        const b = v + 0.5;
        let nx = h[0] * 0.5 + h[1] * b + h[2], ny = h[3] * 0.5 + h[4] * b + h[5], z = h[6] * 0.5 + h[7] * b + 1;
        for (let u = 0; u < W; u++, i++, nx += h[0], ny += h[3], z += h[6]) {
            const r = 1 / z;
            X[i] = nx * r;
            Y[i] = ny * r;
        }
    }
    const s = P.spacing, hw = P.lineW / 2, ox = P.phase[0] * s, oy = P.phase[1] * s;
    const rgb = new Float32Array(W * H * 3);
    const L = P.light, gx = Math.cos(L.angle), gy = Math.sin(L.angle), half = (Math.abs(gx) * W + Math.abs(gy) * H) / 2;
    const vr2 = (W * W + H * H) / 4;
    const marginX = P.margin ? P.cx + (P.margin.at - 0.5) * W : 0;
    const [lt0, lt1, lt2] = P.lineT.map((c) => (1 - c) * 1.25), [pp0, pp1, pp2] = P.paper, [k0, k1, k2] = P.ink.map((c) => 1 - c);
    const RED = [0.92, 0.35, 0.42].map((c) => 1 - c), TABLE = [1.15, 1, 0.8].map((c) => c * P.tableT);
    const major = P.major, margin = P.margin, dotR = P.dotR, tableAt = P.tableAt, side = P.tableSide;
    const mw = margin ? margin.width / 2 + 0.5 : 0, mdouble = margin ? margin.double : false;
    const kindCode = { squared: 2, ruled: 1, dotted: 3, plain: 0 }[kind];
    const inv = 1 / s;
    const { dark, bright, vignette, vx, vy } = L;
    let scale = 1;
    for (let v = 0; v < H; v++)
        for (let u = 0; u < W; u++) {
            const i = v * W + u, x = X[i], y = Y[i];
            // the local scale: page units per photo pixel (for anti-aliasing; it varies slowly)
            if ((u & 15) === 0) {
                const j = u < W - 1 ? i + 1 : i - 1, k = v < H - 1 ? i + W : i - W;
                const ax = X[j] - x, ay = Y[j] - y, bx = X[k] - x, by = Y[k] - y;
                scale = (Math.sqrt(ax * ax + ay * ay) + Math.sqrt(bx * bx + by * by)) / 2 || 1;
            }
            // distances to the nearest line of each direction, in page units
            const fy = (y - oy) * inv, fx = (x - ox) * inv;
            let ry = fy - Math.floor(fy), rx = fx - Math.floor(fx);
            ry = (ry < 0.5 ? ry : 1 - ry) * s;
            rx = (rx < 0.5 ? rx : 1 - rx) * s;
            let cov = 0;
            if (kindCode === 1 || kindCode === 2) {
                const wy = major && Math.round(fy) % R5 === 0 ? hw * 1.6 : hw;
                cov = Math.min(1, Math.max(0, wy + 0.5 - ry / scale)) * (wy > hw ? 1 : 0.8);
                if (kindCode === 2) {
                    const wx = major && Math.round(fx) % R5 === 0 ? hw * 1.6 : hw;
                    cov = Math.max(cov, Math.min(1, Math.max(0, wx + 0.5 - rx / scale)) * (wx > hw ? 1 : 0.8));
                }
            } else if (kindCode === 3) {
                cov = Math.min(1, Math.max(0, dotR + 0.5 - Math.sqrt(rx * rx + ry * ry) / scale)) * 0.9;
            }
            let t0 = 1 - cov * lt0, t1 = 1 - cov * lt1, t2 = 1 - cov * lt2;
            if (margin && kindCode !== 0) {
                let d = Math.abs(x - marginX);
                if (mdouble) d = Math.min(d, Math.abs(x - marginX - 4));
                const c = Math.min(1, Math.max(0, mw - d / scale));
                if (c > 0) (t0 = Math.min(t0, 1 - c * RED[0])), (t1 = Math.min(t1, 1 - c * RED[1])), (t2 = Math.min(t2, 1 - c * RED[2]));
            }
            const ky = dark + ((bright - dark) / 2) * (((v - H / 2) * gy + (u - W / 2) * gx) / half + 1);
            const du = u - vx * W, dv = v - vy * H;
            const lum = 255 * ky * (1 - (vignette * (du * du + dv * dv)) / vr2);
            if (table && (side === 0 ? u < tableAt * W : side === 1 ? u >= (1 - tableAt) * W : side === 2 ? v < tableAt * H : v >= (1 - tableAt) * H)) {
                rgb[3 * i] = lum * TABLE[0], rgb[3 * i + 1] = lum * TABLE[1], rgb[3 * i + 2] = lum * TABLE[2];
                continue;
            }
            const c = inkAt(x, y);
            rgb[3 * i] = lum * pp0 * Math.max(0, t0) * (1 - c * k0);
            rgb[3 * i + 1] = lum * pp1 * Math.max(0, t1) * (1 - c * k1);
            rgb[3 * i + 2] = lum * pp2 * Math.max(0, t2) * (1 - c * k2);
        }
    if (P.sigma >= 0.3) blurRGB(rgb, W, H, P.sigma);
    const data = new Uint8Array(W * H * 4), gauss = gaussTable(), noise = P.noise;
    let q = P.seed | 0;
    for (let i = 0, o = 0; i < 3 * W * H; i += 3, o += 4) {
        for (let ch = 0; ch < 3; ch++) {
            q = (Math.imul(q, 1103515245) + 12345) | 0; // an LCG's top bits index the normal table
            const v = rgb[i + ch] + noise * gauss[(q >>> 16) & 0xffff] + 0.5;
            data[o + ch] = v <= 0 ? 0 : v >= 255 ? 255 : v | 0;
        }
        data[o + 3] = 255;
    }
    return { data, width: W, height: H };
}

/**
 * The set: [{kind, label (a string of digits), digits, touching, photo, plain, meta}]. photo and
 * plain (its twin without lines) are RGBA images or, when meta.jpeg, the JPEG files' bytes.
 * singles: pictures of one digit per kind of paper; numbers: written numbers of 2 to 6 digits,
 * a third of them touching, on every kind of paper in turn.
 */
export function makePaperSet(mnist, { singles = 40, numbers = 30, seed = 15 } = {}) {
    const master = makeRng(seed);
    const items = [];
    const pickDigit = () => {
        const index = Math.floor(master.next() * mnist.count);
        return { index, label: mnist.labels[index] };
    };
    const jobs = [];
    for (let i = 0; i < singles; i++) for (const kind of KINDS) jobs.push({ kind, labels: [pickDigit()], touching: false });
    for (let i = 0; i < numbers; i++) {
        const count = master.int(...PAPER_RANGES.numberDigits);
        jobs.push({ kind: KINDS[i % 4], labels: Array.from({ length: count }, pickDigit), touching: i % 3 === 2 });
    }
    jobs.forEach((job, i) => {
        const rng = makeRng(seed * 7919 + i);
        const P = plan(mnist, rng, job);
        const table = i % PAPER_RANGES.table.every === 3;
        const encode = (img) => (P.jpeg ? encodeJpeg(img, P.jpeg) : img);
        const photo = encode(render(P, job.kind, table));
        // the twin without lines, for the pictures of one digit (numbers are judged on their own)
        const plain = job.kind === 'plain' || job.labels.length > 1 ? photo : encode(render(P, 'plain', table));
        const meta = {
            kind: job.kind,
            W: P.W,
            H: P.H,
            height: Math.round(P.height),
            spacing: +P.spacing.toFixed(1),
            lineW: +P.lineW.toFixed(2),
            contrast: +P.contrast.toFixed(2),
            grey: P.grey,
            major: P.major,
            margin: Boolean(P.margin),
            felt: P.felt,
            pen: +P.penW.toFixed(1),
            blue: P.blue,
            tilt: +((P.tilt * 180) / Math.PI).toFixed(1),
            sigma: +P.sigma.toFixed(2),
            noise: +P.noise.toFixed(1),
            jpeg: P.jpeg,
            table,
            light: [P.light.dark, P.light.bright].map((v) => +v.toFixed(2)),
            vignette: +P.light.vignette.toFixed(2),
        };
        const indices = job.labels.map((d) => d.index);
        items.push({ kind: job.kind, label: job.labels.map((d) => d.label).join(''), indices, digits: job.labels.length, touching: job.touching, photo, plain, meta });
    });
    return items;
}

/** A page of each lined kind with nothing written on it: {kind, photo (RGBA), meta}. */
export function makeBlankPages(mnist, { seed = 15 } = {}) {
    return KINDS.filter((k) => k !== 'plain').map((kind, i) => {
        const P = plan(mnist, makeRng(seed * 31 + i), { kind, labels: [], touching: false });
        return { kind, photo: render(P, kind, false), meta: { kind, W: P.W, H: P.H, spacing: +P.spacing.toFixed(1) } };
    });
}
