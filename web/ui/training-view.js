// ui/training-view.js: what the page shows of a training: the two progress bars, the statistics
// tiles, the loss and accuracy charts and the epoch log. It renders the worker's progress and
// epoch events and clears itself for a new training or a reset (one place for both); the status
// line, the phases and the buttons stay with app.js.
import { formatNumber, percent, t } from './i18n.js';
import { renderMetrics } from './evaluation.js';

const $ = (id) => document.getElementById(id);
const TILES = ['stat-loss', 'stat-accuracy', 'stat-sps', 'stat-gflops', 'stat-threads', 'stat-sparse', 'stat-elapsed', 'stat-eta'];

export function formatDuration(s) {
    if (s == null || !Number.isFinite(s)) return '–';
    s = Math.max(0, Math.round(s));
    if (s < 60) return `${s} s`;
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * charts: ui/charts.js's; threadsReason() gives why training runs on one thread (the worker's
 * init: 'not-isolated', 'no-shared-memory' or null).
 */
export function createTrainingView(charts, { threadsReason }) {
    /** The thread count in use, "n of max" when the training measured that fewer are faster, and why. */
    function renderThreads(n, max) {
        const el = $('stat-threads');
        el.textContent = n < max ? t('stats.threadsOf', { n, max }) : String(n);
        const reason = threadsReason();
        const note = max === 1 && reason ? t(`threads.${reason}`) : t(n < max ? 'threads.tuned' : 'threads.all', { n, max });
        el.title = note;
        el.dataset.reason = max === 1 ? (reason ?? '') : n < max ? 'slower' : '';
    }

    return {
        /** Empty bars, tiles, charts and log: before a training, and after a reset. */
        clear() {
            charts.clear();
            $('epoch-log').textContent = '';
            for (const id of TILES) $(id).textContent = '–';
            $('epoch-progress').value = 0;
            $('progress').value = 0;
            $('epoch-progress-text').textContent = '';
            $('progress-text').textContent = '';
        },

        /** A progress event; returns {epochNo, overall}: the epoch under way (1..) and the fraction done. */
        progress(ev) {
            const bpe = ev.batchesPerEpoch || 1;
            const inEpoch = ev.epochDone ? 1 : ev.batch / bpe;
            const overall = Math.min(1, (ev.epoch + (ev.epochDone ? 0 : ev.batch / bpe)) / ev.epochs);
            const epochNo = Math.min(ev.epochs, ev.epoch + (ev.epochDone ? 0 : 1));
            $('epoch-progress').value = inEpoch;
            $('epoch-progress-text').textContent = t('progress.epoch', { batch: ev.epochDone ? bpe : ev.batch, batches: bpe });
            $('progress').value = overall;
            $('progress').setAttribute('aria-valuetext', percent(overall, 0));
            $('progress-text').textContent = t('progress.overall', { epoch: epochNo, epochs: ev.epochs, pct: percent(overall, 0) });
            $('stat-loss').textContent = ev.loss.toFixed(4);
            $('stat-accuracy').textContent = percent(ev.accuracy);
            if (ev.chunkBatches) {
                $('stat-sps').textContent = formatNumber(ev.samplesPerSecond, 0);
                $('stat-gflops').textContent = formatNumber(ev.gflops, 1);
            }
            renderThreads(ev.threads ?? 1, ev.threadsAvailable ?? ev.threads ?? 1);
            $('stat-sparse').textContent =
                ev.sparseInput === false
                    ? t('stats.sparseNone')
                    : t('stats.sparseValue', { sparse: ev.epochSparseBatches ?? ev.sparseBatches, batches: ev.epochBatches ?? ev.chunkBatches });
            $('stat-elapsed').textContent = formatDuration(ev.elapsed);
            $('stat-eta').textContent = formatDuration(ev.eta);
            charts.addBatches(ev.points);
            return { epochNo, overall };
        },

        /** An epoch event: its point on the epoch chart, the test metrics and a log line. */
        epoch(ev) {
            charts.addEpoch({ ...ev });
            renderMetrics({ accuracy: ev.testAccuracy, loss: ev.testLoss });
            const line = t('log.epoch', {
                epoch: ev.epoch,
                epochs: ev.epochs,
                seconds: ev.epochSeconds.toFixed(1),
                loss: ev.trainLoss.toFixed(4),
                acc: ev.trainAccuracy.toFixed(4),
                testLoss: ev.testLoss.toFixed(4),
                testAcc: ev.testAccuracy.toFixed(4),
            });
            $('epoch-log').textContent += ($('epoch-log').textContent ? '\n' : '') + line;
        },

        /** The labels that do not come from the page's markup, in the language now chosen. */
        relabel() {
            charts.relabel();
        },

        /** The run is over: the overall bar full unless it was stopped. */
        finished(stopped) {
            if (!stopped) $('progress').value = 1;
        },
    };
}
