// model-files.js: the page's side of model files: the files a user chose or dropped, read into
// {name, bytes} for the worker (which tells the format: web/formats/), and the files of an export
// handed to the browser as downloads (a TensorFlow.js model is two: model.json and its .bin).
import { acceptFileDrops } from './upload.js';

/** [{name, bytes: Uint8Array}] of a FileList or an array of File. */
export async function readFiles(fileList) {
    const files = [...(fileList ?? [])];
    return Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/** The name to show for a set of files: the model.json of a TensorFlow.js model, or the file. */
export function mainName(files) {
    return (files.find((f) => /\.json$/i.test(f.name)) ?? files[0])?.name ?? '';
}

/** Downloads each of [{name, bytes, type}]. */
export function download(files) {
    for (const f of files) {
        const url = URL.createObjectURL(new Blob([f.bytes], { type: f.type ?? 'application/octet-stream' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = f.name;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
    }
}

/** Calls onFiles(files) with every file dropped on el (model.json and its .bin files together). */
export function acceptModelDrops(el, onFiles) {
    acceptFileDrops([el], onFiles);
}
