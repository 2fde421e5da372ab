// draw.js: the drawing pad. Pointer Events (mouse, touch and pen alike) with pointer capture and
// coalesced events for smooth strokes; `touch-action: none` (style.css) keeps a finger from
// scrolling the page, and a second finger turns the stroke into a gesture that leaves no ink. Dark ink on a white pad; the stroke is 1/14 of the pad's side, which once the
// C preprocessing scales the digit's box to 20 px is about MNIST's 2-3 px pen.
// onChange fires while drawing (the caller debounces), onEnd when a stroke ends, onCancel when a
// second finger took the stroke back.

const INK = '#111';
const PAPER = '#fff';

export function createPad(canvas, { onChange = () => {}, onEnd = () => {}, onCancel = () => {} } = {}) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const lineWidth = canvas.width / 14;
    let drawing = null; // {id, base: the pad before this stroke, points}
    let ink = false;

    const paper = () => {
        ctx.fillStyle = PAPER;
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ink = false;
    };
    paper();

    const at = (event) => {
        const r = canvas.getBoundingClientRect();
        return {
            x: ((event.clientX - r.left) * canvas.width) / r.width,
            y: ((event.clientY - r.top) * canvas.height) / r.height,
        };
    };

    // Each stroke is drawn as one path over a snapshot of the pad taken when it began: segments
    // stroked one by one would show their anti-aliased joints as beads along the line.
    const strokePath = (points) => {
        ctx.strokeStyle = INK;
        ctx.fillStyle = INK;
        ctx.lineWidth = lineWidth;
        ctx.lineCap = 'round';
        ctx.lineJoin = 'round';
        ctx.beginPath();
        if (points.length === 1) {
            ctx.arc(points[0].x, points[0].y, lineWidth / 2, 0, 2 * Math.PI);
            ctx.fill();
        } else {
            ctx.moveTo(points[0].x, points[0].y);
            for (let i = 1; i < points.length - 1; i++) {
                // Through the midpoints, with the points as control points: a smooth curve.
                const mx = (points[i].x + points[i + 1].x) / 2;
                const my = (points[i].y + points[i + 1].y) / 2;
                ctx.quadraticCurveTo(points[i].x, points[i].y, mx, my);
            }
            const last = points[points.length - 1];
            ctx.lineTo(last.x, last.y);
            ctx.stroke();
        }
        ink = true;
    };
    const redraw = () => {
        ctx.putImageData(drawing.base, 0, 0);
        strokePath(drawing.points);
    };

    // Fingers on the pad: a second one makes it a gesture (a pinch, a two-finger scroll), not a
    // stroke: the stroke in progress is taken back, and nothing draws until all fingers are up.
    const fingers = new Set();
    let gesture = false;
    const fingerUp = (event) => {
        if (event.pointerType !== 'touch') return;
        fingers.delete(event.pointerId);
        if (fingers.size === 0) gesture = false;
    };

    canvas.addEventListener('pointerdown', (event) => {
        if (event.pointerType === 'mouse' && event.button !== 0) return;
        if (event.pointerType === 'touch') {
            fingers.add(event.pointerId);
            if (fingers.size > 1) gesture = true;
        }
        if (gesture) {
            event.preventDefault();
            canvas.setPointerCapture?.(event.pointerId); // its pointerup comes here, wherever it lifts
            if (drawing?.touch) {
                ctx.putImageData(drawing.base, 0, 0);
                ink = drawing.inkBefore;
                drawing = null;
                onCancel();
            }
            return;
        }
        if (drawing) return; // one stroke at a time
        event.preventDefault();
        canvas.setPointerCapture?.(event.pointerId);
        drawing = {
            id: event.pointerId,
            touch: event.pointerType === 'touch',
            base: ctx.getImageData(0, 0, canvas.width, canvas.height),
            inkBefore: ink,
            points: [at(event)],
        };
        redraw();
        onChange();
    });
    canvas.addEventListener('pointermove', (event) => {
        if (!drawing || event.pointerId !== drawing.id) return;
        event.preventDefault();
        const events = event.getCoalescedEvents?.() ?? [];
        for (const e of events.length ? events : [event]) drawing.points.push(at(e));
        redraw();
        onChange();
    });
    const end = (event) => {
        fingerUp(event);
        if (!drawing || event.pointerId !== drawing.id) return;
        drawing = null;
        onEnd();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
    canvas.addEventListener('lostpointercapture', end);

    return {
        clear: paper,
        get hasInk() {
            return ink;
        },
        get drawing() {
            return drawing !== null;
        },
        /** RGBA pixels of the pad, for the worker's preprocessing. */
        image: () => ctx.getImageData(0, 0, canvas.width, canvas.height),
    };
}
