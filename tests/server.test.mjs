/* server.test.mjs: scripts/serve.mjs on a free port over a temporary root: MIME types, the
 * security headers, caching, and every way out of the root (traversal, encoded and
 * double-encoded traversal, backslashes, NUL, symlinks to a file or a directory outside).
 * Requests go out raw (http.request keeps the path as written) so that nothing normalises them. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer, DEFAULT_HOST, SECURITY_HEADERS } from '../scripts/serve.mjs';

const SECRET = 'secret-outside-the-root';
let tmp, root, srv;

function request(rawPath, { method = 'GET', headers = {} } = {}) {
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: '127.0.0.1', port: srv.port, path: rawPath, method, headers },
            (res) => {
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('end', () =>
                    resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
                );
            },
        );
        req.on('error', reject);
        req.end();
    });
}

/* For request lines that http.request would refuse to send (a raw NUL byte). */
function rawRequest(line) {
    return new Promise((resolve, reject) => {
        const sock = net.connect(srv.port, '127.0.0.1', () => {
            sock.write(`GET ${line} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        });
        let data = '';
        sock.on('data', (c) => (data += c.toString('latin1')));
        sock.on('end', () => resolve(data));
        sock.on('error', reject);
    });
}

before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-test-'));
    root = path.join(tmp, 'web');
    const outside = path.join(tmp, 'outside');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    fs.mkdirSync(path.join(root, 'data'));
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(root, 'app.js'), 'export const x = 1;\n');
    fs.writeFileSync(path.join(root, 'style.css'), 'body { margin: 0 }\n');
    fs.writeFileSync(path.join(root, 'nn.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    fs.writeFileSync(path.join(root, 'data', 'x.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]));
    fs.writeFileSync(path.join(root, 'sub', 'index.html'), '<!doctype html><title>sub</title>');
    fs.writeFileSync(path.join(root, 'sub', 'page.txt'), 'in sub\n');
    fs.writeFileSync(path.join(root, '.hidden'), 'dotfile\n');
    fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
    fs.writeFileSync(path.join(tmp, 'secret.txt'), SECRET);
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'leak.txt'));
    fs.symlinkSync(outside, path.join(root, 'leakdir'));
    fs.symlinkSync(path.join(root, 'app.js'), path.join(root, 'alias.js')); // stays inside: allowed
    srv = await createServer({ root, port: 0 });
});

after(async () => {
    await srv?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function assertSecurityHeaders(res) {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
        assert.equal(res.headers[name.toLowerCase()], value, `${name} on a ${res.status}`);
    }
}

describe('serve.mjs', () => {
    test('listens on 127.0.0.1 by default', () => {
        assert.equal(DEFAULT_HOST, '127.0.0.1');
        assert.equal(srv.host, '127.0.0.1');
        assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    });

    test('the CSP forbids inline script and eval but allows wasm', () => {
        const csp = SECURITY_HEADERS['Content-Security-Policy'];
        const script = csp.split(';').find((d) => d.trim().startsWith('script-src'));
        assert.ok(script.includes("'wasm-unsafe-eval'"));
        assert.ok(!script.includes("'unsafe-inline'") && !script.includes("'unsafe-eval'"));
        assert.match(csp, /object-src 'none'/);
    });

    for (const [url, type, body] of [
        ['/', 'text/html; charset=utf-8', '<!doctype html><title>t</title>'],
        ['/index.html', 'text/html; charset=utf-8', '<!doctype html><title>t</title>'],
        ['/app.js', 'text/javascript; charset=utf-8', 'export const x = 1;\n'],
        ['/style.css', 'text/css; charset=utf-8', null],
        ['/nn.wasm', 'application/wasm', null],
        ['/sub/', 'text/html; charset=utf-8', '<!doctype html><title>sub</title>'],
        ['/sub/page.txt?v=1', 'text/plain; charset=utf-8', 'in sub\n'],
        ['/alias.js', 'text/javascript; charset=utf-8', 'export const x = 1;\n'],
    ]) {
        test(`serves ${url} as ${type}`, async () => {
            const res = await request(url);
            assert.equal(res.status, 200);
            assert.equal(res.headers['content-type'], type);
            assert.equal(res.headers['cache-control'], 'no-cache');
            assert.ok(res.headers.etag && res.headers['last-modified']);
            assertSecurityHeaders(res);
            if (body !== null) assert.equal(res.body.toString(), body);
        });
    }

    test('serves .gz as application/gzip, as stored, without Content-Encoding', async () => {
        const res = await request('/data/x.gz', { headers: { 'Accept-Encoding': 'gzip' } });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-type'], 'application/gzip');
        assert.equal(res.headers['content-encoding'], undefined);
        assert.deepEqual([...res.body.subarray(0, 2)], [0x1f, 0x8b]);
    });

    test('answers a revalidation with 304, keeping the security headers', async () => {
        const first = await request('/app.js');
        const res = await request('/app.js', { headers: { 'If-None-Match': first.headers.etag } });
        assert.equal(res.status, 304);
        assert.equal(res.body.length, 0);
        assertSecurityHeaders(res);
    });

    test('HEAD has the headers and no body', async () => {
        const res = await request('/nn.wasm', { method: 'HEAD' });
        assert.equal(res.status, 200);
        assert.equal(res.headers['content-type'], 'application/wasm');
        assert.equal(res.headers['content-length'], '8');
        assert.equal(res.body.length, 0);
    });

    test('refuses other methods with 405', async () => {
        const res = await request('/app.js', { method: 'POST' });
        assert.equal(res.status, 405);
        assert.equal(res.headers.allow, 'GET, HEAD');
        assertSecurityHeaders(res);
    });

    test('redirects a directory without its trailing slash', async () => {
        const res = await request('/sub');
        assert.equal(res.status, 301);
        assert.equal(res.headers.location, '/sub/');
    });

    test('404 for missing files, with the security headers', async () => {
        for (const url of ['/missing.js', '/sub/missing/', '/data/', '/app.js/x']) {
            const res = await request(url);
            assert.equal(res.status, 404, url);
            assertSecurityHeaders(res);
        }
    });

    test('does not serve dotfiles', async () => {
        const res = await request('/.hidden');
        assert.equal(res.status, 404);
    });

    for (const url of [
        '/../secret.txt',
        '/../outside/secret.txt',
        '/sub/../../secret.txt',
        '/%2e%2e/secret.txt',
        '/%2E%2E/outside/secret.txt',
        '/%252e%252e/secret.txt',
        '/..%2fsecret.txt',
        '/..%2Foutside%2Fsecret.txt',
        '/..%5csecret.txt',
        '/..\\secret.txt',
        '/sub\\..\\..\\secret.txt',
        '/%2e%2e%5csecret.txt',
        '/app.js%00.html',
        '/leak.txt',
        '/leakdir/secret.txt',
        '/leakdir/',
        '/leakdir',
        '//etc/passwd',
        '/%2fetc/passwd',
        '/%zz',
    ]) {
        test(`refuses ${JSON.stringify(url)}`, async () => {
            const res = await request(url);
            assert.ok([400, 403, 404].includes(res.status), `status ${res.status}`);
            assert.ok(!res.body.toString().includes(SECRET));
            assert.ok(!res.body.toString().includes('root:'));
            assertSecurityHeaders(res);
        });
    }

    test('refuses a raw NUL byte in the path', async () => {
        const reply = await rawRequest('/app.js\0.html');
        assert.match(reply, /^HTTP\/1\.1 4\d\d /);
    });

    test('refuses absolute-form and asterisk request targets', async () => {
        for (const target of ['http://example.com/../secret.txt', '*']) {
            const reply = await rawRequest(target);
            assert.match(reply, /^HTTP\/1\.1 4\d\d /, target);
            assert.ok(!reply.includes(SECRET));
        }
    });
});
