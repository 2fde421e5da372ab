// model-files.mjs: model files on disk in any of the three formats (web/formats/): which files make
// a model, and where a converted one goes. A TensorFlow.js model is a model.json (or a directory
// holding one) with the weights files its manifest names, relative to it; *.onnx is ONNX; the
// rest is ours (.nnmf). Writes go to a temporary name first, then are renamed into place.
import { readFile, writeFile, rename, stat, mkdir } from 'node:fs/promises';
import path from 'node:path';

async function isDirectory(p) {
    try {
        return (await stat(p)).isDirectory();
    } catch {
        return false;
    }
}

/** [{name, bytes}] for importFiles: the file, or model.json and the weights files it names. */
export async function readModelFiles(file) {
    let main = file;
    if (await isDirectory(file)) main = path.join(file, 'model.json');
    let bytes;
    try {
        bytes = new Uint8Array(await readFile(main));
    } catch (e) {
        throw new Error(e.code === 'ENOENT' ? `${main}: no such file` : `${main}: ${e.message}`);
    }
    const files = [{ name: path.basename(main), bytes }];
    if (!main.toLowerCase().endsWith('.json')) return files;
    let paths = [];
    try {
        const manifest = JSON.parse(new TextDecoder().decode(bytes)).weightsManifest;
        paths = Array.isArray(manifest) ? manifest.flatMap((g) => (Array.isArray(g?.paths) ? g.paths : [])) : [];
    } catch {
        return files; // the parser says what is wrong with it
    }
    for (const p of paths) {
        if (typeof p !== 'string') continue;
        try {
            files.push({ name: p, bytes: new Uint8Array(await readFile(path.join(path.dirname(main), p))) });
        } catch {
            // missing: the parser names it
        }
    }
    return files;
}

/** The format a path asks for: *.nnmf, *.onnx, *.json or a directory (TensorFlow.js). */
export async function formatForPath(out) {
    if (/\.nnmf$/i.test(out)) return { format: 'nnmf', dir: path.dirname(out), base: path.basename(out).replace(/\.nnmf$/i, '') };
    if (/\.onnx$/i.test(out)) return { format: 'onnx', dir: path.dirname(out), base: path.basename(out).replace(/\.onnx$/i, '') };
    if (/\.json$/i.test(out)) return { format: 'tfjs', dir: path.dirname(out), base: path.basename(out).replace(/\.json$/i, '') };
    if (out.endsWith('/') || out.endsWith(path.sep) || (await isDirectory(out))) return { format: 'tfjs', dir: out, base: 'model' };
    return null;
}

/** Writes files [{name, bytes}] into dir (created if missing); returns their paths. */
export async function writeModelFiles(dir, files) {
    await mkdir(dir, { recursive: true });
    const written = [];
    for (const f of files) {
        const target = path.join(dir, f.name);
        const tmp = `${target}.tmp-${process.pid}`;
        await writeFile(tmp, f.bytes);
        await rename(tmp, target);
        written.push(target);
    }
    return written;
}
