// service-worker.js: keeps the app shell for offline use. Network first (the server revalidates
// every file, so an update shows on the next load), the cached copy when the network fails. Only
// the shell files below are handled: data files go straight to the network, and the training
// worker keeps them in Cache Storage itself. Bump SHELL_CACHE when this list changes.
const SHELL_CACHE = 'mnist-shell-v6';
const SHELL_FILES = [
    './',
    'boot.js',
    'app.js',
    'style.css',
    'inside.css',
    'nn.js',
    'nn-loader.js',
    'status.js',
    'thread-tuner.js',
    'nn.wasm',
    'worker.js',
    'worker-core.js',
    'data-loader.js',
    'eval-stats.js',
    'model-store.js',
    'training-settings.js',
    'architectures.js',
    'formats/index.js',
    'formats/common.js',
    'formats/onnx.js',
    'formats/protobuf.js',
    'formats/tfjs.js',
    'inside.js',
    'ui/charts.js',
    'ui/colormap.js',
    'ui/confusion.js',
    'ui/digits.js',
    'ui/draw.js',
    'ui/evaluation.js',
    'ui/feature-maps.js',
    'ui/i18n.js',
    'ui/model-files.js',
    'ui/i18n-inside.js',
    'ui/nn-client.js',
    'ui/notebook.js',
    'ui/number.js',
    'ui/prediction.js',
    'ui/settings.js',
    'ui/tile-grid.js',
    'ui/training-view.js',
    'ui/units.js',
    'ui/upload.js',
    'ui/why.js',
    'vendor/uPlot.esm.js',
    'vendor/uPlot.min.css',
];
// The threaded build, which nn.js loads when more than one thread is asked for: kept when there.
const OPTIONAL_FILES = [
    'nn-mt.wasm',
    'nn-thread.js',
];
const scope = new URL(self.registration.scope);
const url = (f) => new URL(f, scope).href;
const shellUrls = new Set([...SHELL_FILES, ...OPTIONAL_FILES].map(url));
const INDEX = new URL('./', scope).href;

self.addEventListener('install', (event) => {
    event.waitUntil(
        caches
            .open(SHELL_CACHE)
            .then((cache) =>
                Promise.all([cache.addAll(SHELL_FILES.map(url)), ...OPTIONAL_FILES.map((f) => cache.add(url(f)).catch(() => {}))]),
            )
            .then(() => self.skipWaiting()),
    );
});

// No clients.claim(): the page and its training worker that were loading while this worker
// installed stay uncontrolled, and it serves the next load. Claiming them mid-start could leave
// the training worker's fetches with a worker that was still starting (Firefox ESR hung so now
// and then at the first load of a page with a fresh profile).
self.addEventListener('activate', (event) => {
    event.waitUntil(
        caches
            .keys()
            .then((keys) => Promise.all(keys.filter((k) => k.startsWith('mnist-shell-') && k !== SHELL_CACHE).map((k) => caches.delete(k)))),
    );
});

/** The cache key of a request, or null when this worker leaves it alone. */
function shellKey(request) {
    if (request.method !== 'GET') return null;
    const url = new URL(request.url);
    if (url.origin !== scope.origin) return null;
    if (request.mode === 'navigate' && (url.pathname === scope.pathname || url.pathname === `${scope.pathname}index.html`)) return INDEX;
    url.search = '';
    url.hash = '';
    return shellUrls.has(url.href) ? url.href : null;
}

self.addEventListener('fetch', (event) => {
    const key = shellKey(event.request);
    if (!key) return;
    event.respondWith(
        (async () => {
            try {
                const response = await fetch(event.request);
                // the copy is kept while the page already reads the response: a slow Cache
                // Storage never holds up a fetch (the worker's module scripts, nn-mt.wasm)
                if (response.ok) {
                    const copy = response.clone();
                    event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.put(key, copy)).catch(() => {}));
                }
                return response;
            } catch (e) {
                const cached = await (await caches.open(SHELL_CACHE)).match(key);
                if (cached) return cached;
                throw e;
            }
        })(),
    );
});
