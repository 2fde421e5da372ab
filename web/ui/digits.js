// digits.js: 28x28 digits drawn on small canvases: the dataset's bytes (0 background, 255 ink) and
// the network's float input (0..1), both shown as dark ink on white, like the drawing pad.

/** Paints a digit on canvas (28x28 pixels; CSS scales it up, pixelated). */
export function paintDigit(canvas, pixels, side = 28) {
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(side, side);
    const scale = pixels instanceof Float32Array || pixels instanceof Float64Array ? 255 : 1;
    for (let i = 0; i < side * side; i++) {
        const v = 255 - Math.max(0, Math.min(255, Math.round(pixels[i] * scale)));
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
        img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
}

export function digitCanvas(pixels, label) {
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    c.className = 'digit';
    c.setAttribute('role', 'img');
    if (label) c.setAttribute('aria-label', label);
    paintDigit(c, pixels);
    return c;
}

export function blankDigit(canvas) {
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
}
