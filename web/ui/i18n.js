// i18n.js: English (the default) and Spanish, the notebook's language. Static texts are elements
// with data-i18n="key" (their English is the markup's own text, read once) and
// data-i18n-attr="attr:key;..."; texts made by the code come from t(key, params), with both
// languages below. {name} in a string is replaced by params.name.

const STORAGE_KEY = 'mnist-wasm.lang';
export const LANGS = ['en', 'es'];

// Spanish for the markup's texts (English comes from index.html).
const STATIC_ES = {
    'nav.skip': 'Ir al panel de dibujo',
    'nav.label': 'Pasos',
    'nav.data': 'Datos',
    'nav.model': 'Red',
    'nav.compile': 'Compilación',
    'nav.train': 'Entrenamiento',
    'nav.eval': 'Evaluación',
    'nav.draw': 'Dibujar',
    title: 'Un primer vistazo a una red neuronal',
    subtitle: 'El primer modelo MNIST de Keras, escrito en C y compilado a WebAssembly, entrenado aquí, en tu navegador.',
    'error.dismiss': 'Cerrar',
    'data.title': 'Los datos',
    'data.intro':
        'Dígitos manuscritos en imágenes de 28 × 28 píxeles en escala de grises, que hay que clasificar en sus 10 categorías (de 0 a 9): 60.000 imágenes de entrenamiento y 10.000 de prueba, recopiladas por el NIST en los años ochenta. Es el «Hola Mundo» del Deep Learning. Una categoría es una clase, los puntos de datos son muestras y la clase de una muestra es su etiqueta.',
    'data.url': 'Ubicación de los datos (una carpeta con los cuatro ficheros IDX, comprimidos con gzip o no)',
    'data.load': 'Cargar',
    'data.urlHint':
        'Cualquier conjunto al estilo de MNIST, con imágenes de 28 × 28 en 10 clases, se entrena igual (Fashion-MNIST, por ejemplo). También se puede indicar con ?data=URL.',
    'data.progress': 'Descarga',
    'data.retry': 'Reintentar',
    'data.samples': 'Las primeras imágenes de entrenamiento con sus etiquetas.',
    'model.title': 'La red',
    'model.intro':
        'Dos capas densas (totalmente conectadas): 512 unidades con relu y después 10 con softmax, que devuelve diez probabilidades que suman 1, una por dígito.',
    'model.arch': 'Red',
    'arch.mlp': 'Densa (capítulo 2)',
    'arch.convnet': 'Convolucional (capítulo 5)',
    'model.introConv':
        'Una red convolucional (convnet): tres capas Conv2D aprenden filtros de 3 × 3 que recorren la imagen, con MaxPooling2D entre ellas para reducir su tamaño a la mitad, y después Flatten y dos capas densas. Aprende patrones locales que valen en cualquier lugar de la imagen: con la cuarta parte de los parámetros de la red densa, comete más o menos la mitad de sus errores.',
    'model.layer': 'Capa (tipo)',
    'model.shape': 'Forma de salida',
    'model.params': 'Parámetros',
    'model.total': 'Parámetros en total',
    'compile.title': 'Compilación',
    'compile.intro':
        'Para entrenarla, la red necesita una función de pérdida (cuánto se alejan sus respuestas de las etiquetas), un optimizador (cómo se mueven los pesos para reducir la pérdida) y una métrica que vigilar (aquí, la precisión). Las imágenes se escalan a [0, 1] y las etiquetas se codifican en one-hot.',
    'train.title': 'Entrenamiento',
    'train.intro':
        'El entrenamiento se ejecuta en un Web Worker, por bloques de lotes, así que la página sigue respondiendo: puedes dibujar mientras entrena. Detener conserva los pesos del último lote terminado.',
    'train.settings': 'Ajustes',
    'train.epochs': 'Épocas',
    'train.batch': 'Tamaño del lote',
    'train.lr': 'Tasa de aprendizaje',
    'train.lrHint': 'Vacía: la del optimizador por defecto.',
    'train.optimizer': 'Optimizador',
    'train.sgd': 'SGD con momento',
    'train.hidden': 'Capas ocultas (unidades)',
    'train.hiddenHint': 'Separadas por comas, p. ej. 256, 128.',
    'train.seed': 'Semilla',
    'train.limit': 'Imágenes de entrenamiento a usar',
    'train.limitHint': 'Vacío: todas.',
    'train.start': 'Entrenar',
    'train.pause': 'Pausa',
    'train.stop': 'Detener',
    'train.reset': 'Reiniciar',
    'train.epochProgress': 'Esta época',
    'train.overall': 'En total',
    'stats.loss': 'Pérdida',
    'stats.accuracy': 'Precisión',
    'stats.sps': 'Muestras por segundo',
    'stats.gflops': 'GFLOP/s',
    'stats.gflopsTitle': '10⁹ operaciones de coma flotante por segundo',
    'stats.threads': 'Hilos',
    'stats.sparse': 'Entrada dispersa (esta época)',
    'stats.elapsed': 'Transcurrido',
    'stats.eta': 'Tiempo restante',
    'chart.batch': 'Pérdida y precisión por lote (entrenamiento)',
    'chart.epoch': 'Pérdida y precisión por época (entrenamiento y prueba)',
    'eval.title': 'Evaluación',
    'eval.intro': 'Cómo lo hace la red entrenada con las 10.000 imágenes de prueba, que no vio durante el entrenamiento.',
    'eval.accuracy': 'Precisión en prueba',
    'eval.loss': 'Pérdida en prueba',
    'eval.empty': 'Entrena un modelo (o importa uno) con los datos cargados para ver su evaluación.',
    'eval.confusion': 'Matriz de confusión',
    'eval.confusionHint': 'Filas: el dígito real; columnas: el predicho. La última columna es la precisión de cada dígito.',
    'eval.wrong': 'Dígitos de prueba mal clasificados',
    'draw.title': 'Pruébalo: dibuja un dígito o un número',
    'draw.canvasLabel': 'Panel de dibujo: dibuja un dígito o un número con el ratón, un dedo o un lápiz',
    'draw.previewLabel': 'La imagen de 28 × 28 que ve la red',
    'draw.seen': 'Lo que ve la red',
    'draw.prediction': 'Predicción',
    'draw.clear': 'Borrar',
    'draw.probsLabel': 'Probabilidad de cada dígito',
    'number.read': 'Número leído',
    'number.digitsLabel': 'Cada dígito tal como lo ve la red, con su respuesta',
    'upload.title': 'O sube una imagen',
    'upload.choose': 'Elige una imagen o suéltala aquí',
    'upload.kinds': 'PNG, JPEG, WebP, GIF, BMP: tinta oscura sobre papel claro (liso, cuadriculado o rayado) o clara sobre oscuro; un dígito o un número.',
    'file.title': 'Fichero del modelo',
    'file.export': 'Exportar modelo',
    'file.import': 'Importar modelo…',
    'file.hint': 'El .nnmf es lo que escribe scripts/train.mjs --out. Un modelo de TensorFlow.js es model.json con sus ficheros .bin: elígelos o suéltalos juntos.',
    'file.format': 'Formato',
    'file.nnmf': '.nnmf de esta página',
    'file.tfjs': 'TensorFlow.js',
    'file.onnx': 'ONNX',
    'foot.text':
        'La red, su entrenamiento y el preprocesado de las imágenes son C compilado a WebAssembly con SIMD; nada sale de este navegador. El modelo se guarda en el almacenamiento de este navegador.',
};

// Texts made by the code.
const STRINGS = {
    'lang.switch': { en: 'Español', es: 'English' },
    'lang.switchLabel': { en: 'Ver la página en español', es: 'View this page in English' },
    'status.starting': { en: 'Starting…', es: 'Iniciando…' },
    'status.loading': { en: 'Loading the data… {pct}', es: 'Cargando los datos… {pct}' },
    'status.ready': { en: 'Ready: {count} training images. Press Train.', es: 'Listo: {count} imágenes de entrenamiento. Pulsa Entrenar.' },
    'status.readyModel': { en: 'Ready: a model is loaded; draw a digit or a number.', es: 'Listo: hay un modelo cargado; dibuja un dígito o un número.' },
    'status.noData': { en: 'No data loaded.', es: 'No hay datos cargados.' },
    'status.training': { en: 'Training: epoch {epoch} of {epochs}.', es: 'Entrenando: época {epoch} de {epochs}.' },
    'status.paused': { en: 'Paused at epoch {epoch} of {epochs}.', es: 'En pausa en la época {epoch} de {epochs}.' },
    'status.stopping': { en: 'Stopping…', es: 'Deteniendo…' },
    'status.evaluating': { en: 'Evaluating on the test set…', es: 'Evaluando con el conjunto de prueba…' },
    'status.done': { en: 'Trained: test accuracy {acc}.', es: 'Entrenado: precisión en prueba {acc}.' },
    'status.stopped': { en: 'Stopped: test accuracy {acc} with the weights of the last batch.', es: 'Detenido: precisión en prueba {acc} con los pesos del último lote.' },
    'status.reset': { en: 'Reset: the network was discarded.', es: 'Reiniciado: se descartó la red.' },
    'status.dataError': { en: 'The data could not be loaded.', es: 'No se pudieron cargar los datos.' },
    'status.error': { en: 'Something went wrong (see the message).', es: 'Algo falló (mira el mensaje).' },
    'status.restarting': { en: 'The worker stopped; starting a new one…', es: 'El worker se detuvo; iniciando uno nuevo…' },
    'download.file': { en: '{loaded} of {total}', es: '{loaded} de {total}' },
    'download.done': { en: '{bytes} downloaded.', es: '{bytes} descargados.' },
    'download.cached': { en: 'From this browser\'s cache: nothing downloaded.', es: 'De la caché de este navegador: no se descargó nada.' },
    'download.some': { en: '{bytes} downloaded ({cached} of 4 files from the cache).', es: '{bytes} descargados ({cached} de 4 ficheros de la caché).' },
    'data.error': { en: 'The data could not be loaded: {message}', es: 'No se pudieron cargar los datos: {message}' },
    'data.keep': { en: 'The data loaded before is still in use.', es: 'Se siguen usando los datos cargados antes.' },
    'model.none': { en: 'No model yet: train one (step 4) or import a model file.', es: 'Aún no hay modelo: entrena uno (paso 4) o importa un fichero de modelo.' },
    'model.trained': { en: 'Model {layers}, trained {epochs} with {optimizer}, batch {batch}{acc}.', es: 'Modelo {layers}, entrenado {epochs} con {optimizer}, lote {batch}{acc}.' },
    'unit.epoch': { en: '{n} epoch', es: '{n} época' },
    'unit.epochs': { en: '{n} epochs', es: '{n} épocas' },
    'model.training': { en: 'Model {layers}, being trained: predictions use its current weights.', es: 'Modelo {layers}, entrenándose: las predicciones usan sus pesos actuales.' },
    'model.imported': { en: 'Model {layers}, imported from {name}.', es: 'Modelo {layers}, importado de {name}.' },
    'model.importedFormat': { en: 'Model {layers}, imported from {name} ({format}).', es: 'Modelo {layers}, importado de {name} ({format}).' },
    'file.format.tfjs': { en: 'TensorFlow.js', es: 'TensorFlow.js' },
    'file.format.onnx': { en: 'ONNX', es: 'ONNX' },
    'model.acc': { en: ', test accuracy {acc}', es: ', precisión en prueba {acc}' },
    'model.saved': { en: ' Saved in this browser {when}.', es: ' Guardado en este navegador {when}.' },
    'model.importError': { en: '{name} was not loaded: {message} The current model is unchanged.', es: 'No se cargó {name}: {message} El modelo actual no ha cambiado.' },
    'model.imported.ok': { en: '{name} loaded.', es: '{name} cargado.' },
    'model.exportError': { en: 'The model could not be exported: {message}', es: 'No se pudo exportar el modelo: {message}' },
    'draw.hint': { en: 'Draw one digit, large, in the middle of the pad, or a number, its digits side by side.', es: 'Dibuja un dígito, grande, en el centro del panel, o un número, sus dígitos uno al lado del otro.' },
    'draw.noModel': { en: 'There is no model to ask yet: train one or import a model file.', es: 'Todavía no hay modelo al que preguntar: entrena uno o importa un fichero de modelo.' },
    'draw.noDigit': { en: 'No digit found: the image holds no ink.', es: 'No se encontró ningún dígito: la imagen no tiene tinta.' },
    'draw.result': { en: 'The network says {digit}, with {pct} confidence.', es: 'La red dice {digit}, con una confianza del {pct}.' },
    'draw.error': { en: 'The prediction failed: {message}', es: 'La predicción falló: {message}' },
    'draw.number': { en: 'The network reads {number}: {n} digits, the least sure at {pct} confidence.', es: 'La red lee {number}: {n} dígitos, el menos seguro con una confianza del {pct}.' },
    // the visible caption first (the answer and its confidence): axe's label-in-name
    'number.digit': { en: '{digit} {pct}: digit {k} of {n}, {pct} confidence', es: '{digit} {pct}: dígito {k} de {n}, confianza del {pct}' },
    'draw.prob': { en: '{digit}: {pct}', es: '{digit}: {pct}' },
    'upload.notImage': { en: '{name} is not an image this browser can read (or it is corrupt).', es: '{name} no es una imagen que este navegador pueda leer (o está dañada).' },
    'upload.read': { en: '{name}: {w} × {h} pixels{scaled}.', es: '{name}: {w} × {h} píxeles{scaled}.' },
    'upload.scaled': { en: ', reduced to {w} × {h} first', es: ', reducida antes a {w} × {h}' },
    'error.initTimeout': { en: 'it did not start within {s} s', es: 'no arrancó en {s} s' },
    'error.worker': { en: 'The training worker stopped ({message}). A new one was started with the saved model.', es: 'El worker de entrenamiento se detuvo ({message}). Se inició uno nuevo con el modelo guardado.' },
    'error.workerGaveUp': { en: 'The training worker keeps failing ({message}). Reload the page to try again.', es: 'El worker de entrenamiento sigue fallando ({message}). Recarga la página para intentarlo de nuevo.' },
    'error.train': { en: 'Training failed: {message}', es: 'El entrenamiento falló: {message}' },
    'error.engine': { en: 'The WebAssembly module could not be loaded: {message}', es: 'No se pudo cargar el módulo WebAssembly: {message}' },
    'error.save': { en: 'The model could not be saved in this browser: {message}', es: 'No se pudo guardar el modelo en este navegador: {message}' },
    'error.restore': { en: 'The saved model was not restored: {message}', es: 'No se restauró el modelo guardado: {message}' },
    'error.fix': { en: 'Fix the settings marked below.', es: 'Corrige los ajustes marcados abajo.' },
    'err.epochs': { en: 'Epochs: a whole number from 1 to {max}.', es: 'Épocas: un número entero de 1 a {max}.' },
    'err.limit': { en: 'A whole number of images (empty: all).', es: 'Un número entero de imágenes (vacío: todas).' },
    'err.limitMax': { en: 'The training set has {max} images.', es: 'El conjunto de entrenamiento tiene {max} imágenes.' },
    'err.batch': { en: 'Batch size: a whole number, at least 1.', es: 'Tamaño del lote: un número entero, al menos 1.' },
    'err.batchMax': { en: 'Batch size: at most the number of training images ({max}).', es: 'Tamaño del lote: como mucho el número de imágenes de entrenamiento ({max}).' },
    'err.lr': { en: 'Learning rate: a number above 0, at most {max} (empty: the default).', es: 'Tasa de aprendizaje: un número mayor que 0, como mucho {max} (vacía: la de defecto).' },
    'err.optimizer': { en: 'Choose an optimiser from the list.', es: 'Elige un optimizador de la lista.' },
    'err.hiddenLayers': { en: 'At most {max} hidden layers.', es: 'Como mucho {max} capas ocultas.' },
    'err.hiddenUnits': { en: 'Each hidden layer: a whole number of units from 1 to {max}, separated by commas.', es: 'Cada capa oculta: un número entero de unidades de 1 a {max}, separadas por comas.' },
    'err.seed': { en: 'Seed: a whole number from 0 to {max}.', es: 'Semilla: un número entero de 0 a {max}.' },
    'train.resume': { en: 'Resume', es: 'Reanudar' },
    'train.pause': { en: 'Pause', es: 'Pausa' },
    'progress.epoch': { en: 'batch {batch} of {batches}', es: 'lote {batch} de {batches}' },
    'progress.overall': { en: 'epoch {epoch} of {epochs} · {pct}', es: 'época {epoch} de {epochs} · {pct}' },
    'stats.sparseValue': { en: '{sparse} of {batches} batches', es: '{sparse} de {batches} lotes' },
    'stats.threadsOf': { en: '{n} of {max}', es: '{n} de {max}' },
    'threads.tuned': {
        en: 'Training uses {n} of the {max} threads: more were slower here (measured while it trains, every few seconds).',
        es: 'El entrenamiento usa {n} de los {max} hilos: más eran más lentos aquí (se mide mientras entrena, cada pocos segundos).',
    },
    'threads.all': {
        en: 'Training uses all {max} threads (measured while it trains: fewer would be slower).',
        es: 'El entrenamiento usa los {max} hilos (se mide mientras entrena: menos serían más lentos).',
    },
    'threads.not-isolated': {
        en: 'One thread: the page is not cross-origin isolated (its server sends no COOP/COEP headers), so it cannot share memory with helper threads.',
        es: 'Un hilo: la página no está aislada de otros orígenes (su servidor no envía las cabeceras COOP/COEP), así que no puede compartir memoria con hilos auxiliares.',
    },
    'threads.no-shared-memory': {
        en: 'One thread: this browser offers no SharedArrayBuffer, which helper threads need.',
        es: 'Un hilo: este navegador no ofrece SharedArrayBuffer, que los hilos auxiliares necesitan.',
    },
    'threads.one-core': { en: 'One thread: the browser reports a single core.', es: 'Un hilo: el navegador indica un solo núcleo.' },
    'threads.helpers-failed': {
        en: 'One thread: the helper threads could not start.',
        es: 'Un hilo: los hilos auxiliares no pudieron arrancar.',
    },
    'stats.sparseNone': { en: 'not used (a convolution comes first)', es: 'no se usa (primero hay una convolución)' },
    'arch.convnetShort': { en: 'convnet', es: 'convolucional' },
    'err.arch': { en: 'Unknown network.', es: 'Red desconocida.' },
    'log.epoch': {
        en: 'Epoch {epoch}/{epochs} - {seconds} s - loss: {loss} - acc: {acc} - test loss: {testLoss} - test acc: {testAcc}',
        es: 'Época {epoch}/{epochs} - {seconds} s - pérdida: {loss} - precisión: {acc} - pérdida en prueba: {testLoss} - precisión en prueba: {testAcc}',
    },
    'chart.loss': { en: 'loss', es: 'pérdida' },
    'chart.accuracy': { en: 'accuracy', es: 'precisión' },
    'chart.trainLoss': { en: 'training loss', es: 'pérdida (entrenamiento)' },
    'chart.testLoss': { en: 'test loss', es: 'pérdida (prueba)' },
    'chart.trainAcc': { en: 'training accuracy', es: 'precisión (entrenamiento)' },
    'chart.testAcc': { en: 'test accuracy', es: 'precisión (prueba)' },
    'chart.epochs': { en: 'epoch', es: 'época' },
    'eval.true': { en: 'true ↓ / predicted →', es: 'real ↓ / predicho →' },
    'eval.perClass': { en: 'accuracy', es: 'precisión' },
    'eval.cell': { en: 'true {t}, predicted {p}: {n}', es: 'real {t}, predicho {p}: {n}' },
    'eval.wrongHint': { en: '{count} of {total} test digits are misclassified; here are the {shown} the network was surest about.', es: '{count} de {total} dígitos de prueba están mal clasificados; estos son los {shown} de los que la red estaba más segura.' },
    'eval.wrongItem': { en: 'true {t}, predicted {p} ({pct})', es: 'real {t}, predicho {p} ({pct})' },
    'sample.label': { en: 'label {label}', es: 'etiqueta {label}' },
    'summary.sum': { en: '{parts} = {total} parameters', es: '{parts} = {total} parámetros' },
    'time.justNow': { en: 'just now', es: 'hace un momento' },
    'time.at': { en: 'at {time}', es: 'a las {time}' },
};

/**
 * More texts from a view's own module (the look inside: ui/i18n-inside.js): code texts as in
 * STRINGS, and the Spanish of markup texts as in STATIC_ES.
 */
export function addStrings(strings, staticEs = {}) {
    Object.assign(STRINGS, strings);
    Object.assign(STATIC_ES, staticEs);
}

let lang = 'en';
const english = new WeakMap(); // element -> its markup text, read once
const englishAttr = new WeakMap();

export function getLang() {
    return lang;
}

/** The text of key in the current language, with {name} replaced from params. */
export function t(key, params = {}) {
    const entry = STRINGS[key];
    let s = entry ? (entry[lang] ?? entry.en) : key;
    return s.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export function has(key) {
    return Object.hasOwn(STRINGS, key);
}

export function formatNumber(n, digits) {
    return Number(n).toLocaleString(lang === 'es' ? 'es-ES' : 'en-US', {
        minimumFractionDigits: digits ?? 0,
        maximumFractionDigits: digits ?? 0,
        useGrouping: 'always',
    });
}

/** A fraction as a percentage with two decimals: 0.97934 -> "97.93%" (the tests read this). */
export function percent(fraction, digits = 2) {
    return `${(100 * fraction).toFixed(digits)}%`;
}

/** Applies the language to every data-i18n element under root. */
export function applyStatic(root = document) {
    for (const el of root.querySelectorAll('[data-i18n]')) {
        if (!english.has(el)) english.set(el, el.textContent);
        const key = el.dataset.i18n;
        el.textContent = lang === 'es' && STATIC_ES[key] ? STATIC_ES[key] : english.get(el);
    }
    for (const el of root.querySelectorAll('[data-i18n-attr]')) {
        if (!englishAttr.has(el)) englishAttr.set(el, {});
        const saved = englishAttr.get(el);
        for (const pair of el.dataset.i18nAttr.split(';')) {
            const [attr, key] = pair.split(':');
            if (!(attr in saved)) saved[attr] = el.getAttribute(attr) ?? '';
            el.setAttribute(attr, lang === 'es' && STATIC_ES[key] ? STATIC_ES[key] : saved[attr]);
        }
    }
    document.documentElement.lang = lang;
}

/** Keys of the markup that have no Spanish (for the tests). */
export function missingSpanish(root = document) {
    const keys = [...root.querySelectorAll('[data-i18n]')].map((el) => el.dataset.i18n);
    for (const el of root.querySelectorAll('[data-i18n-attr]'))
        for (const pair of el.dataset.i18nAttr.split(';')) keys.push(pair.split(':')[1]);
    return keys.filter((k) => !STATIC_ES[k]);
}

/** The language from ?lang=, then the saved choice, then English. */
export function initialLang() {
    const q = new URLSearchParams(location.search).get('lang');
    if (LANGS.includes(q)) return q;
    try {
        const saved = localStorage.getItem(STORAGE_KEY);
        if (LANGS.includes(saved)) return saved;
    } catch {
        // storage disabled: English
    }
    return 'en';
}

export function setLang(next) {
    lang = LANGS.includes(next) ? next : 'en';
    try {
        localStorage.setItem(STORAGE_KEY, lang);
    } catch {
        // not saved: fine
    }
    applyStatic();
}
