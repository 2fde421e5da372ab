// i18n-inside.js: the texts of the look inside (units.js, why.js, feature-maps.js, confusion.js)
// in English and Spanish, added to i18n.js' tables on import: code texts as STRINGS entries, and
// the Spanish of the markup's data-i18n texts (their English is index.html's).
import { addStrings } from './i18n.js';

export const STATIC_ES = {
    'nav.why': 'Por qué',
    'units.title': 'Lo que aprenden las unidades ocultas',
    'units.intro':
        'Cada unidad de la primera capa calcula una suma ponderada de los 784 píxeles y luego aplica relu. Sus 784 pesos, colocados como la imagen de 28 × 28, son un retrato de lo que busca: los pesos azules la hacen activarse donde hay tinta, los rojos la frenan. Empiezan siendo ruido aleatorio; mira cómo se convierten en trazos mientras la red se entrena.',
    'units.introConv':
        'La primera capa Conv2D aprende 32 filtros de 3 × 3 pesos. Cada uno recorre la imagen y responde con fuerza donde los píxeles que tiene debajo se parecen a su patrón: los pesos azules quieren tinta, los rojos quieren papel. Mientras se entrena aparecen bordes y direcciones de trazo.',
    'units.empty': 'Entrena una red o importa un modelo para ver lo que aprenden sus unidades.',
    'units.scale': 'Colores',
    'units.scaleUnit': 'cada imagen con su propia escala',
    'units.scaleShared': 'todas con la misma escala',
    'units.filterTable': 'Los pesos del filtro',
    'units.mapCaption': 'Su mapa de características para el dígito del panel',
    'units.hint': 'Señala una imagen, o entra en la cuadrícula y muévete con las flechas, para verla en grande.',
    'units.border':
        'Los píxeles cerca del borde están en blanco en todas las imágenes de MNIST: sus pesos nunca tienen motivo para cambiar, así que conservan el ruido con el que empezaron.',
    'eval.cellHint':
        'Abre una casilla (haz clic en ella, o llega a la matriz con el tabulador, muévete con las flechas y pulsa Intro) para ver sus imágenes de prueba.',
    'ci.close': 'Cerrar',
    'why.title': 'Por qué esta respuesta',
    'why.intro':
        'Lo que pasa dentro de la red con el dígito del panel (o con la imagen subida), capa a capa, con los mismos números que calcula. Dibuja otra vez y todo se actualiza.',
    'why.empty': 'Dibuja un dígito en el panel o sube una imagen, con un modelo cargado: aquí verás su recorrido por la red.',
    'why.mapsTitle': 'Mapas de características: lo que cada filtro encuentra en este dígito',
    'why.mapsIntro':
        'Cada imagen pequeña es un canal de la salida de una capa para este dígito, más oscura donde responde con más fuerza (el blanco es 0; una escala por capa). Los mapas de una convolución muestran dónde aparece el patrón de su filtro; el max pooling se queda con el mayor valor de cada ventana de 2 × 2, lo que reduce el tamaño a la mitad y conserva lo encontrado. Cuanto más profunda la capa, más pequeños y abstractos son sus mapas.',
    'why.picWeights': 'sus pesos',
    'why.picInput': 'tu dígito',
    'why.picProduct': 'dígito × pesos',
    'why.outputsTitle': 'Las diez salidas, antes y después de softmax',
    'why.outputsIntro':
        'La última capa da a cada dígito una puntuación (su logit). Softmax convierte las diez puntuaciones en probabilidades que suman 1: cada una es e elevado a su puntuación, dividido entre la suma de las diez. Gana la puntuación más alta, y unos pocos puntos de ventaja ya son casi certeza.',
    'why.colDigit': 'Dígito',
    'why.colLogit': 'Puntuación (antes de softmax)',
    'why.colProb': 'Probabilidad (después)',
};

export const STRINGS = {
    'units.gridLabel': {
        en: 'The weights of the {n} units, each as a 28 × 28 picture, {cols} to a row: blue positive, red negative, white 0. The arrow keys choose one; it is shown large above.',
        es: 'Los pesos de las {n} unidades, cada una como una imagen de 28 × 28, {cols} por fila: azul positivo, rojo negativo, blanco 0. Con las flechas eliges una; se muestra en grande encima.',
    },
    'units.gridLabelConv': {
        en: 'The {n} filters of {k} weights, {cols} to a row: blue positive, red negative, white 0. The arrow keys choose one; it is shown large above.',
        es: 'Los {n} filtros de {k} pesos, {cols} por fila: azul positivo, rojo negativo, blanco 0. Con las flechas eliges uno; se muestra en grande encima.',
    },
    'units.sharedNote': {
        en: 'One scale for all the pictures: 99.9% of the weights fall within it, and the few larger ones show at full colour.',
        es: 'Una escala para todas las imágenes: el 99,9 % de los pesos cabe en ella, y los pocos mayores se ven con el color al máximo.',
    },
    'units.legendOwnMin': { en: '−its largest', es: '−su mayor' },
    'units.legendOwnMax': { en: '+its largest', es: '+su mayor' },
    'units.initial': { en: 'The initial weights: random, nothing learnt yet.', es: 'Los pesos iniciales: aleatorios, todavía no ha aprendido nada.' },
    'units.after': { en: 'After {samples} training images.', es: 'Tras {samples} imágenes de entrenamiento.' },
    'units.model': { en: 'The weights of the model in use.', es: 'Los pesos del modelo en uso.' },
    'units.smoothness': {
        en: 'How alike neighbouring weights are: {r} (0 is noise; near 1, smooth strokes).',
        es: 'Cuánto se parecen los pesos vecinos: {r} (0 es ruido; cerca de 1, trazos suaves).',
    },
    'units.pick': { en: 'Point at a picture, or use the arrow keys, to see it large.', es: 'Señala una imagen, o usa las flechas, para verla en grande.' },
    'units.filterLabel': { en: 'Filter {n}, large', es: 'El filtro {n}, en grande' },
    'units.filterText': {
        en: 'Filter {n} of {count}: {k} weights (the table, top row first) and a bias of {bias}.{channels} Its feature map lights up where the image under it has ink on the blue weights and none on the red ones.',
        es: 'Filtro {n} de {count}: {k} pesos (la tabla, empezando por la fila de arriba) y un sesgo de {bias}.{channels} Su mapa de características se ilumina donde la imagen que tiene debajo tiene tinta en los pesos azules y ninguna en los rojos.',
    },
    'units.channel0': { en: ' (The first of its {c} input channels.)', es: ' (El primero de sus {c} canales de entrada.)' },
    'units.unitText': {
        en: 'Unit {n} of {count}: weights from {min} to {max}. It wants ink {pos} (blue) and no ink {neg} (red).',
        es: 'Unidad {n} de {count}: pesos de {min} a {max}. Quiere tinta {pos} (azul) y nada de tinta {neg} (rojo).',
    },
    'units.unitNoise': {
        en: 'Unit {n} of {count}: weights from {min} to {max}, still noise: no place stands out yet.',
        es: 'Unidad {n} de {count}: pesos de {min} a {max}, todavía ruido: aún no destaca ningún lugar.',
    },
    'units.mapLabel': { en: 'The feature map of filter {n} for the digit on the pad', es: 'El mapa de características del filtro {n} para el dígito del panel' },
    'units.unitLabel': { en: 'The weights of unit {n} as a 28 × 28 picture: blue {pos}, red {neg}.', es: 'Los pesos de la unidad {n} como imagen de 28 × 28: azul {pos}, rojo {neg}.' },
    'units.outputsText': {
        en: 'When it fires, it votes most for {best} ({bw}) and most against {worst} ({ww}):',
        es: 'Cuando se activa, vota sobre todo por el {best} ({bw}) y sobre todo contra el {worst} ({ww}):',
    },
    'units.outputsLabel': { en: 'The weights of unit {n} into the ten outputs', es: 'Los pesos de la unidad {n} hacia las diez salidas' },
    'units.nextText': {
        en: 'Its weights into the {m} units of the next layer go from {min} to {max}.',
        es: 'Sus pesos hacia las {m} unidades de la capa siguiente van de {min} a {max}.',
    },
    'where.0': { en: 'at the top left', es: 'arriba a la izquierda' },
    'where.1': { en: 'at the top', es: 'arriba' },
    'where.2': { en: 'at the top right', es: 'arriba a la derecha' },
    'where.3': { en: 'on the left', es: 'a la izquierda' },
    'where.4': { en: 'in the middle', es: 'en el centro' },
    'where.5': { en: 'on the right', es: 'a la derecha' },
    'where.6': { en: 'at the bottom left', es: 'abajo a la izquierda' },
    'where.7': { en: 'at the bottom', es: 'abajo' },
    'where.8': { en: 'at the bottom right', es: 'abajo a la derecha' },
    'where.none': { en: 'nowhere', es: 'en ninguna parte' },
    'where.all': { en: 'all over', es: 'por todas partes' },
    'where.and': { en: ' and ', es: ' y ' },
    'fmap.detail': {
        en: 'Map {k} of {c}: strongest {max}, at row {row}, column {col}; {on}% of its pixels above 0.',
        es: 'Mapa {k} de {c}: máximo {max}, en la fila {row}, columna {col}; el {on}% de sus píxeles por encima de 0.',
    },
    'fmap.labelConv': {
        en: '{name}: {c} feature maps of {size} for this digit, darker where the filter finds its pattern. Strongest: {strongest}. Silent (all 0): {silent}.',
        es: '{name}: {c} mapas de características de {size} para este dígito, más oscuros donde el filtro encuentra su patrón. Los más fuertes: {strongest}. Callados (todo 0): {silent}.',
    },
    'fmap.labelPool': {
        en: '{name}: {c} maps of {size}, each keeping the largest value of every window of the layer before. Strongest: {strongest}. Silent (all 0): {silent}.',
        es: '{name}: {c} mapas de {size}, cada uno con el mayor valor de cada ventana de la capa anterior. Los más fuertes: {strongest}. Callados (todo 0): {silent}.',
    },
    'fmap.map': { en: 'map {k} ({v})', es: 'mapa {k} ({v})' },
    'why.answer': { en: 'The network says {digit} ({pct}). This is how it got there.', es: 'La red dice {digit} ({pct}). Así ha llegado hasta ahí.' },
    'why.hiddenTitle': { en: 'The hidden layer: which units fire', es: 'La capa oculta: qué unidades se activan' },
    'why.hiddenIntro': {
        en: 'Each square is one of the {n} units of the first layer, darker the more strongly it fires for this digit ({act}: a negative sum gives 0, white). {on} of the {n} fire.',
        es: 'Cada cuadrado es una de las {n} unidades de la primera capa, más oscuro cuanto más se activa con este dígito ({act}: una suma negativa da 0, blanco). Se activan {on} de las {n}.',
    },
    'why.hiddenIntroConv': {
        en: 'Each square is one of the {n} units of the Dense layer that reads the last feature maps (after Flatten), darker the more strongly it fires ({act}). {on} of the {n} fire.',
        es: 'Cada cuadrado es una de las {n} unidades de la capa Dense que lee los últimos mapas de características (tras Flatten), más oscuro cuanto más se activa ({act}). Se activan {on} de las {n}.',
    },
    'why.hiddenIntroDeep': {
        en: 'Each square is one of the {n} units of the last hidden layer, darker the more strongly it fires ({act}). {on} of the {n} fire.',
        es: 'Cada cuadrado es una de las {n} unidades de la última capa oculta, más oscuro cuanto más se activa ({act}). Se activan {on} de las {n}.',
    },
    'why.hiddenLabel': { en: '{n} hidden units, {on} of them firing. The strongest: {top}.', es: '{n} unidades ocultas, {on} de ellas activas. Las más fuertes: {top}.' },
    'why.unitValue': { en: 'unit {n} ({v})', es: 'unidad {n} ({v})' },
    'why.hiddenLegend': { en: 'White: 0, silent. Darkest: {max}, the strongest here.', es: 'Blanco: 0, callada. Lo más oscuro: {max}, la más fuerte aquí.' },
    'why.hiddenPick': { en: 'Point at a square, or use the arrow keys, for one unit\'s numbers.', es: 'Señala un cuadrado, o usa las flechas, para ver los números de una unidad.' },
    'why.hiddenDetail': {
        en: 'Unit {n}: activation {a} × weight {w} into {digit} = {c} to the score of {digit}.',
        es: 'Unidad {n}: activación {a} × peso {w} hacia el {digit} = {c} a la puntuación del {digit}.',
    },
    'why.itemLabel': {
        en: 'Unit {n}: activation {a} × weight {w} = {c} to the score of {digit}.{where}',
        es: 'Unidad {n}: activación {a} × peso {w} = {c} a la puntuación del {digit}.{where}',
    },
    'why.itemWhere': { en: ' It wants ink {pos}.', es: ' Quiere tinta {pos}.' },
    'why.detailHead': {
        en: 'Unit {n} adds {c} to the score of {digit}: it fires at {a}, and its weight into {digit} is {w}.',
        es: 'La unidad {n} suma {c} a la puntuación del {digit}: se activa con {a}, y su peso hacia el {digit} es {w}.',
    },
    'why.detailSum': {
        en: 'Its sum: {pos} from ink on its blue weights (mostly {where}), {neg} from ink on the red ones, {bias} of bias; after relu, {a}.',
        es: 'Su suma: {pos} de la tinta sobre sus pesos azules (sobre todo {where}), {neg} de la tinta sobre los rojos, {bias} de sesgo; tras relu, {a}.',
    },
    'why.productLabel': {
        en: 'Your digit times the unit\'s weights: blue where the ink makes it fire (mostly {where}), red where the ink holds it back ({whereNeg}).',
        es: 'Tu dígito por los pesos de la unidad: azul donde la tinta la hace activarse (sobre todo {where}), rojo donde la tinta la frena ({whereNeg}).',
    },
    'why.contribTitle': { en: 'Who pushed for {digit}, and who against', es: 'Quién empujó hacia el {digit} y quién en contra' },
    'why.contribIntro': {
        en: 'The score of {digit} is its bias plus, for each of the {n} hidden units, the unit\'s activation × its weight into {digit}. A unit that fires with a positive weight pushes for {digit}; with a negative weight it pulls against; a unit that does not fire adds nothing.',
        es: 'La puntuación del {digit} es su sesgo más, por cada una de las {n} unidades ocultas, la activación de la unidad × su peso hacia el {digit}. Una unidad que se activa con un peso positivo empuja hacia el {digit}; con un peso negativo tira en contra; una unidad que no se activa no suma nada.',
    },
    'why.forTitle': { en: 'The {k} that pushed most for {digit}', es: 'Las {k} que más empujaron hacia el {digit}' },
    'why.againstTitle': { en: 'The {k} that pulled most against it', es: 'Las {k} que más tiraron en contra' },
    'why.noneAgainst': { en: 'None: no firing unit pulled against it.', es: 'Ninguna: ninguna unidad activa tiró en contra.' },
    'why.sum': {
        en: 'Score of {digit}: {logit} = {bias} (bias) {sumFor} (the {k1} for) {sumAgainst} (the {k2} against) {rest} (the other {others} units).',
        es: 'Puntuación del {digit}: {logit} = {bias} (sesgo) {sumFor} (las {k1} a favor) {sumAgainst} (las {k2} en contra) {rest} (las otras {others} unidades).',
    },
    'ci.titleRight': { en: 'Test images of {t}, read correctly as {p}', es: 'Imágenes de prueba del {t}, leídas bien como {p}' },
    'ci.titleWrong': { en: 'Test images of {t} read as {p}', es: 'Imágenes de prueba del {t} leídas como {p}' },
    'ci.none': { en: 'No test image of {t} was read as {p}.', es: 'Ninguna imagen de prueba del {t} se leyó como {p}.' },
    'ci.count': { en: '{n} test images; showing {shown}.', es: '{n} imágenes de prueba; se muestran {shown}.' },
    'ci.more': { en: 'Show more', es: 'Ver más' },
    'ci.item': { en: 'test image {i}: true {t}, read as {p} ({pct})', es: 'imagen de prueba {i}: real {t}, leída como {p} ({pct})' },
    'ci.loading': { en: 'Loading…', es: 'Cargando…' },
    'ci.error': { en: 'The images could not be shown: {message}', es: 'No se pudieron mostrar las imágenes: {message}' },
};

addStrings(STRINGS, STATIC_ES);
