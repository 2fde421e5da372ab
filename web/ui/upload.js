// upload.js: an image file to RGBA pixels for the worker. The browser decodes it (PNG, JPEG, WebP,
// GIF's first frame, BMP) honouring its EXIF orientation; a large photo is downscaled here to
// MAX_SIDE on its long side first, since the C preprocessing only needs the digit's box. Also the
// drag-and-drop wiring. The preprocessing itself stays in C: nothing here looks at the ink.

export const MAX_SIDE = 1024;

export class NotAnImage extends Error {}

/** {image: ImageData, width, height, scaled: {width, height} | null} or throws NotAnImage. */
export async function readImage(file) {
    let bitmap;
    try {
        bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch (e) {
        throw new NotAnImage(e.message);
    }
    const { width, height } = bitmap;
    let scaled = null;
    try {
        if (Math.max(width, height) > MAX_SIDE) {
            const k = MAX_SIDE / Math.max(width, height);
            scaled = { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
            const small = await createImageBitmap(bitmap, {
                resizeWidth: scaled.width,
                resizeHeight: scaled.height,
                resizeQuality: 'high',
            });
            bitmap.close();
            bitmap = small;
        }
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(bitmap, 0, 0);
        return { image: ctx.getImageData(0, 0, bitmap.width, bitmap.height), width, height, scaled };
    } finally {
        bitmap.close();
    }
}

/** Calls onFiles(files) with the files dropped on any of the targets (a FileList of at least
 *  one); marks a target while files are dragged over it. */
export function acceptFileDrops(targets, onFiles) {
    for (const el of targets) {
        el.addEventListener('dragover', (event) => {
            if (![...(event.dataTransfer?.types ?? [])].includes('Files')) return;
            event.preventDefault();
            event.dataTransfer.dropEffect = 'copy';
            el.classList.add('dragging');
        });
        el.addEventListener('dragleave', () => el.classList.remove('dragging'));
        el.addEventListener('drop', (event) => {
            el.classList.remove('dragging');
            const files = event.dataTransfer?.files;
            if (!files?.length) return;
            event.preventDefault();
            onFiles(files);
        });
    }
}

/** Calls onFile(file) for a picture dropped on any of the targets (the first file of a drop). */
export function acceptDrops(targets, onFile) {
    acceptFileDrops(targets, (files) => onFile(files[0]));
}
