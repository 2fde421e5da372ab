// boot.js: the page's first script, a classic one without imports, so that it runs where the
// modules cannot (a file:// address, a browser without module scripts) and before them. It checks
// what the page needs, replaces a navigator.language that Intl refuses (the C locale of containers
// and minimal installs: uPlot formats with it when its module loads) with 'en', and, until app.js
// calls nnBoot.started(), turns whatever stops the start into a message on the page that says
// what happened and what to do, in English and Spanish. It writes into #boot-error and #status.
(function () {
    'use strict';

    var LANG_KEY = 'mnist-wasm.lang'; // ui/i18n.js keeps the language choice under this key
    var STALL_MS = 8000; // after the load event, a start that has not happened is a failure

    var TEXT = {
        en: {
            file: [
                'This page has to be served, not opened as a file.',
                'Browsers do not run its modules and workers from a file:// address, so nothing would start.',
                'In the project folder, run `npm start` and open `http://127.0.0.1:8080/` (or serve the `web/` folder with any web server).',
            ],
            features: [
                'This browser lacks what the page needs: {list}.',
                '',
                'Open the page in a recent Chrome, Edge, Firefox or Safari (2023 or later).',
            ],
            error: [
                'The page could not start.',
                '{detail}',
                'Reload the page. If it fails again, try another browser, and report this message.',
            ],
            stalled: [
                'The page did not start: its scripts did not run.',
                '',
                'Reload the page. If it fails again, try another browser, and report this message.',
            ],
            where: ' (in {file}, line {line})',
            loadFailed: 'the script {file} could not be loaded',
            'module scripts': 'module scripts',
            'module workers': 'module workers',
        },
        es: {
            file: [
                'Esta página tiene que servirse, no abrirse como archivo.',
                'Los navegadores no ejecutan sus módulos ni sus workers desde una dirección file://, así que nada arrancaría.',
                'En la carpeta del proyecto, ejecuta `npm start` y abre `http://127.0.0.1:8080/` (o sirve la carpeta `web/` con cualquier servidor web).',
            ],
            features: [
                'A este navegador le falta lo que la página necesita: {list}.',
                '',
                'Abre la página en un Chrome, Edge, Firefox o Safari recientes (de 2023 o posteriores).',
            ],
            error: [
                'La página no pudo arrancar.',
                '{detail}',
                'Recarga la página. Si vuelve a fallar, prueba otro navegador y comunica este mensaje.',
            ],
            stalled: [
                'La página no arrancó: sus scripts no se ejecutaron.',
                '',
                'Recarga la página. Si vuelve a fallar, prueba otro navegador y comunica este mensaje.',
            ],
            where: ' (en {file}, línea {line})',
            loadFailed: 'no se pudo cargar el script {file}',
            'module scripts': 'scripts de módulo',
            'module workers': 'workers de módulo',
        },
    };

    var state = { started: false, failure: null, replacedLocale: null };

    function fill(s, params) {
        return s.replace(/\{(\w+)\}/g, function (m, k) {
            return k in params ? String(params[k]) : m;
        });
    }

    // ---- the locale: Intl throws a RangeError on an invalid tag such as "C" ----
    function validTag(tag) {
        try {
            return typeof tag === 'string' && Intl.getCanonicalLocales(tag).length === 1;
        } catch (e) {
            return false;
        }
    }
    function fixLocale() {
        if (typeof Intl !== 'object' || typeof Intl.getCanonicalLocales !== 'function') return;
        var nav = window.navigator;
        if (validTag(nav.language)) return;
        var langs = Array.prototype.filter.call(nav.languages || [], validTag);
        var lang = langs[0] || 'en';
        state.replacedLocale = String(nav.language);
        try {
            Object.defineProperty(nav, 'language', { configurable: true, get: function () { return lang; } });
            Object.defineProperty(nav, 'languages', { configurable: true, get: function () { return langs.length ? langs : ['en']; } });
        } catch (e) {
            // a browser that refuses: the error handler below still says what happened
        }
    }

    // ---- what the page needs ----
    // (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)): valid only with SIMD
    var SIMD_MODULE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11];
    function moduleWorkers() {
        // The constructor reads options.type only if it knows module workers; the URL is invalid,
        // so that no worker starts and nothing is fetched.
        var known = false;
        try {
            new Worker('//:', {
                get type() {
                    known = true;
                    return 'module';
                },
            });
        } catch (e) {
            // expected: the URL
        }
        return known;
    }
    function missingFeatures() {
        var missing = [];
        if (!('noModule' in document.createElement('script'))) missing.push('module scripts');
        if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') missing.push('WebAssembly');
        else if (!WebAssembly.validate(new Uint8Array(SIMD_MODULE))) missing.push('WebAssembly SIMD');
        if (typeof Worker !== 'function' || !moduleWorkers()) missing.push('module workers');
        if (typeof DecompressionStream !== 'function') missing.push('DecompressionStream (gzip)');
        return missing;
    }

    // ---- the message ----
    function primaryLang() {
        var q = /[?&]lang=(en|es)\b/.exec(location.search);
        if (q) return q[1];
        try {
            var saved = localStorage.getItem(LANG_KEY);
            if (saved === 'en' || saved === 'es') return saved;
        } catch (e) {
            // storage disabled
        }
        return 'en';
    }

    function shortFile(url) {
        if (!url) return '';
        try {
            var u = new URL(url, location.href);
            return u.origin === location.origin || u.protocol === 'file:' ? u.pathname.replace(/^.*\/web\//, '').replace(/^\//, '') : u.href;
        } catch (e) {
            return String(url);
        }
    }

    /** Whether an error comes from this page's own scripts (not an extension's, not another site's). */
    function ours(url) {
        try {
            return new URL(url, location.href).origin === location.origin;
        } catch (e) {
            return false;
        }
    }

    function lines(lang, f) {
        var T = TEXT[lang];
        var params = { list: '', detail: '' };
        if (f.kind === 'features')
            params.list = f.missing
                .map(function (m) {
                    return T[m] || m;
                })
                .join(', ');
        if (f.kind === 'error') {
            var detail = f.loadFailed ? fill(T.loadFailed, { file: f.file }) : f.message;
            if (!f.loadFailed && f.file) detail += fill(T.where, { file: f.file, line: f.line || '?' });
            params.detail = detail;
        }
        return T[f.kind].map(function (s) {
            return fill(s, params);
        });
    }

    function render() {
        var f = state.failure;
        var box = document.getElementById('boot-error');
        if (!f || !box) return;
        var first = primaryLang();
        var langs = first === 'es' ? ['es', 'en'] : ['en', 'es'];
        box.textContent = '';
        langs.forEach(function (lang, i) {
            var part = document.createElement('div');
            part.lang = lang;
            part.className = i === 0 ? 'boot-text' : 'boot-text boot-other';
            lines(lang, f).forEach(function (text, j) {
                if (!text) return;
                var p = document.createElement('p');
                var into = p;
                if (j === 0) into = p.appendChild(document.createElement('strong'));
                // `text` in backquotes: something to type
                text.split('`').forEach(function (piece, k) {
                    if (k % 2) into.appendChild(document.createElement('code')).textContent = piece;
                    else into.appendChild(document.createTextNode(piece));
                });
                part.appendChild(p);
            });
            box.appendChild(part);
        });
        box.dataset.kind = f.kind;
        box.hidden = false;
        var status = document.getElementById('status');
        if (status) {
            status.textContent = lines(first, f)[0].replace(/`/g, '');
            status.dataset.state = 'boot-error';
        }
    }

    function fail(failure) {
        if (state.started || state.failure) return; // the first cause is the one to tell
        state.failure = failure;
        if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', render);
        else render();
    }

    // ---- the start ----
    fixLocale();
    if (location.protocol === 'file:') fail({ kind: 'file' });
    else {
        var missing = missingFeatures();
        if (missing.length) fail({ kind: 'features', missing: missing });
    }
    window.addEventListener(
        'error',
        function (e) {
            if (state.started) return;
            var t = e.target;
            if (t && t !== window && t.tagName === 'SCRIPT') fail({ kind: 'error', loadFailed: true, file: shortFile(t.src) });
            else if ((e.message || e.error) && ours(e.filename)) {
                var err = e.error;
                var message = err && err.name && err.message ? err.name + ': ' + err.message : e.message;
                fail({ kind: 'error', message: message, file: shortFile(e.filename), line: e.lineno });
            }
        },
        true // capture: a script element's load error does not bubble
    );
    window.addEventListener('unhandledrejection', function (e) {
        if (state.started) return;
        var r = e.reason;
        fail({ kind: 'error', message: r && r.message ? (r.name ? r.name + ': ' : '') + r.message : String(r) });
    });
    window.addEventListener('load', function () {
        setTimeout(function () {
            if (!state.started) fail({ kind: 'stalled' });
        }, STALL_MS);
    });

    window.nnBoot = {
        /** app.js, once its page is up: from here on it shows its own errors. False: do not go on. */
        started: function () {
            if (state.failure) return false;
            state.started = true;
            return true;
        },
        /** The failure shown, or null (for tests). */
        get failure() {
            return state.failure;
        },
        /** The browser's navigator.language if Intl refused it (then replaced), else null. */
        get replacedLocale() {
            return state.replacedLocale;
        },
    };
})();
