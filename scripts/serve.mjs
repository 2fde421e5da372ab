#!/usr/bin/env node
/* serve.mjs: the static server of `npm start`: web/ only, at http://127.0.0.1:8080/.
 *   node scripts/serve.mjs          PORT=8081 and HOST=0.0.0.0 change where it listens.
 * `send` does the file serving (MIME types, ETag, Last-Modified, 304s, ranges); this file adds the
 * path and symlink checks, and the headers the page needs: cross-origin isolation (COOP + COEP, so
 * that it may use SharedArrayBuffer) and a CSP with no inline script and no eval. Tests import
 * createServer() and listen on port 0. */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import send from 'send';

export const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'web');
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

/* connect-src also allows any http: and https: origin because the page fetches the MNIST files
 * from a location the user may change. Such a server must answer with CORS headers (and, as the
 * page is cross-origin isolated, the fetch is a CORS one): COEP does not block CORS responses. */
export const CONTENT_SECURITY_POLICY = [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self' https: http:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
].join('; ');

export const SECURITY_HEADERS = {
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
};

/* Types by extension, so that they do not depend on mime-db's version. .gz files are served as
 * they are, without Content-Encoding: the page decompresses them itself. */
const TYPES = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json; charset=utf-8',
    '.map': 'application/json; charset=utf-8',
    '.wasm': 'application/wasm',
    '.gz': 'application/gzip',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.ico': 'image/x-icon',
    '.txt': 'text/plain; charset=utf-8',
    '.md': 'text/plain; charset=utf-8',
};

function fail(res, status, extra = {}) {
    const body = `${status} ${http.STATUS_CODES[status] || 'Error'}\n`;
    res.statusCode = status;
    for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.setHeader('Cache-Control', 'no-store');
    res.end(res.req.method === 'HEAD' ? undefined : body);
}

/* The request path as a list of decoded segments, or a status to refuse it with. Refused before
 * any file system access: anything that decodes to a separator, a backslash, NUL, '%' (double
 * encoding), '.' or '..' segments, empty segments (//) and dotfiles. */
function parsePath(url) {
    const raw = url.split('?')[0].split('#')[0];
    if (!raw.startsWith('/')) return 400;
    if (raw.includes('\\')) return 403;
    let decoded;
    try {
        decoded = decodeURIComponent(raw);
    } catch {
        return 400;
    }
    if (/[\\\0%]/.test(decoded) || /%2f/i.test(raw)) return 403;
    const segments = decoded.slice(1).split('/');
    const trailingSlash = segments[segments.length - 1] === '';
    if (trailingSlash) segments.pop();
    for (const seg of segments) {
        if (seg === '.' || seg === '..') return 403;
        if (seg === '' || seg.startsWith('.')) return 404;
    }
    return { raw, segments, trailingSlash };
}

const within = (real, root) => real === root || real.startsWith(root + path.sep);

/* A request handler serving the files under root. Symlinks are followed only while their real
 * path stays under root's real path. */
export function createHandler({ root = WEB_ROOT } = {}) {
    const rootReal = fs.realpathSync(root);
    return async function handle(req, res) {
        for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
        try {
            if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, { Allow: 'GET, HEAD' });
            const parsed = parsePath(req.url || '');
            if (typeof parsed === 'number') return fail(res, parsed);
            const { raw, segments, trailingSlash } = parsed;
            const wanted = trailingSlash ? [...segments, 'index.html'] : segments;
            let real;
            try {
                real = await fsp.realpath(path.join(rootReal, ...wanted));
            } catch {
                return fail(res, 404);
            }
            if (!within(real, rootReal)) return fail(res, 403);
            const st = await fsp.stat(real);
            if (st.isDirectory()) {
                if (trailingSlash) return fail(res, 404);
                // raw is a validated same-origin path (no '//', no backslash): safe in Location.
                return fail(res, 301, { Location: `${raw}/` });
            }
            if (!st.isFile()) return fail(res, 404);
            const type = TYPES[path.extname(wanted[wanted.length - 1] || '').toLowerCase()];
            const rel = path.relative(rootReal, real).split(path.sep).map(encodeURIComponent).join('/');
            const stream = send(req, `/${rel}`, {
                root: rootReal,
                dotfiles: 'allow', // checked above on the requested path; the real one may differ
                index: false,
                redirect: false,
                cacheControl: false,
                etag: true,
                lastModified: true,
            });
            stream.on('headers', (r) => {
                // Revalidate every time (cheap with ETag): the page, worker and nn.wasm change together.
                r.setHeader('Cache-Control', 'no-cache');
                if (type) r.setHeader('Content-Type', type);
            });
            stream.on('error', (err) => fail(res, err.status || err.statusCode || 500));
            stream.pipe(res);
        } catch (err) {
            console.error(`serve: ${req.method} ${req.url}: ${err.message}`);
            if (!res.headersSent) fail(res, 500);
            else res.destroy();
        }
    };
}

/* Starts a server; resolves once it listens. port 0 picks a free port. */
export function createServer({ root = WEB_ROOT, host = DEFAULT_HOST, port = DEFAULT_PORT } = {}) {
    const server = http.createServer(createHandler({ root }));
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            const addr = server.address();
            const shownHost =
                addr.family === 'IPv6' || addr.family === 6 ? `[${addr.address}]` : addr.address;
            resolve({
                server,
                host: addr.address,
                port: addr.port,
                url: `http://${shownHost}:${addr.port}/`,
                close: () =>
                    new Promise((done) => {
                        server.close(() => done());
                        server.closeAllConnections();
                    }),
            });
        });
    });
}

async function main() {
    const port = process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(`serve: PORT must be a port number, not "${process.env.PORT}"`);
        return 1;
    }
    if (!fs.existsSync(WEB_ROOT)) {
        console.error(`serve: ${WEB_ROOT} does not exist`);
        return 1;
    }
    let srv;
    try {
        srv = await createServer({ host: process.env.HOST || DEFAULT_HOST, port });
    } catch (err) {
        const hint = err.code === 'EADDRINUSE' ? ' (in use: set PORT to another port)' : '';
        console.error(
            `serve: cannot listen on ${process.env.HOST || DEFAULT_HOST}:${port}: ${err.message}${hint}`,
        );
        return 1;
    }
    console.log(`Serving web/ at ${srv.url}`);
    const stop = async () => {
        await srv.close();
        process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return null;
}

if (process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href) {
    const code = await main();
    if (code !== null) process.exitCode = code;
}
