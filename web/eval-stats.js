// eval-stats.js: a network measured on a labelled set, for the worker (worker-core.js): the loss and
// accuracy, computed by C in slices so that the worker keeps answering between them, and from the
// per-sample answers the confusion matrix (rows: true label, columns: predicted), the accuracy per
// class, the most confident mistakes and the images of one confusion cell. No DOM and no state.

const SLICE = 2000; // samples per C call (~50 ms)

/**
 * {loss, accuracy, correct, count} of network over set (a Dataset of web/nn.js); with details,
 * also predicted (Uint8Array) and confidence (Float32Array): the answer for each sample and its
 * probability. yieldNow: awaited between slices.
 */
export async function evaluateSet(network, set, { details = false, yieldNow }) {
    let lossSum = 0;
    let correct = 0;
    const predicted = details ? new Uint8Array(set.count) : null;
    const confidence = details ? new Float32Array(set.count) : null;
    for (let first = 0; first < set.count; first += SLICE) {
        const r = network.evaluate(set, { first, count: SLICE, details });
        lossSum += r.loss * r.count;
        correct += r.correct;
        if (details) {
            predicted.set(r.predicted, first);
            confidence.set(r.confidence, first);
        }
        if (first + SLICE < set.count) await yieldNow();
    }
    const result = { loss: lossSum / set.count, accuracy: correct / set.count, correct, count: set.count };
    return details ? { ...result, predicted, confidence } : result;
}

/**
 * From the answers of evaluateSet: {confusion (classes x classes, row-major), perClass [{label,
 * correct, total, accuracy}], misclassified (the `gallery` most confident mistakes, with their
 * pixels), misclassifiedCount}.
 */
export function confusionStats(set, predicted, confidence, { classes, gallery }) {
    const labels = set.labels();
    const confusion = new Array(classes * classes).fill(0);
    const wrong = [];
    for (let i = 0; i < set.count; i++) {
        confusion[labels[i] * classes + predicted[i]]++;
        if (labels[i] !== predicted[i]) wrong.push(i);
    }
    const perClass = Array.from({ length: classes }, (_, c) => {
        let total = 0;
        for (let p = 0; p < classes; p++) total += confusion[c * classes + p];
        const ok = confusion[c * classes + c];
        return { label: c, correct: ok, total, accuracy: total ? ok / total : 0 };
    });
    // The most confident mistakes are the instructive ones (often mislabelled digits).
    wrong.sort((a, b) => confidence[b] - confidence[a]);
    const misclassified = wrong.slice(0, gallery).map((index) => ({
        index,
        label: labels[index],
        predicted: predicted[index],
        confidence: confidence[index],
        pixels: set.images(index, 1),
    }));
    return { confusion, perClass, misclassified, misclassifiedCount: wrong.length };
}

/** The samples of one confusion cell (true label, predicted digit): {total, images[first, first+count)}. */
export function cellImages(set, predicted, confidence, { label, digit, first, count }) {
    const labels = set.labels();
    const indices = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === label && predicted[i] === digit) indices.push(i);
    const images = indices.slice(first, first + count).map((index) => ({
        index,
        confidence: confidence[index],
        pixels: set.images(index, 1),
    }));
    return { total: indices.length, images };
}
