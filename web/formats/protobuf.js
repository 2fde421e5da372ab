// protobuf.js: the few parts of Protocol Buffers' wire format that ONNX files need, both ways.
// Written here rather than taken from protobufjs: ONNX needs a dozen messages, and this way the page
// loads no library, and every length, varint and nesting level of a file from outside is checked
// against the bytes before use (a bad file is a ProtoError, never a crash or a huge allocation).
// A schema maps field numbers to [name, type, repeated?]; types: 'int64' (a Number, refused if not
// safe), 'int32', 'float', 'string', 'bytes', or a nested schema. Unknown fields are skipped.

export class ProtoError extends Error {}

const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 };
const MAX_DEPTH = 16; // nesting of the schemas here is 6 at most

/** An encoder: fields are appended in the order written. */
export class Writer {
    constructor() {
        this.parts = [];
        this.length = 0;
    }

    #push(bytes) {
        this.parts.push(bytes);
        this.length += bytes.length;
    }

    #varint(value) {
        let v = BigInt.asUintN(64, BigInt(value)); // negative int64 values take ten bytes
        const out = [];
        do {
            let b = Number(v & 0x7fn);
            v >>= 7n;
            if (v) b |= 0x80;
            out.push(b);
        } while (v);
        this.#push(Uint8Array.from(out));
    }

    #tag(field, wire) {
        this.#varint((field << 3) | wire);
    }

    int(field, value) {
        this.#tag(field, WIRE.VARINT);
        this.#varint(value);
        return this;
    }

    float(field, value) {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setFloat32(0, value, true);
        this.#tag(field, WIRE.I32);
        this.#push(b);
        return this;
    }

    bytes(field, value) {
        this.#tag(field, WIRE.LEN);
        this.#varint(value.length);
        this.#push(value);
        return this;
    }

    string(field, value) {
        return this.bytes(field, new TextEncoder().encode(value));
    }

    /** A nested message written by fn(writer). */
    message(field, fn) {
        const w = new Writer();
        fn(w);
        return this.bytes(field, w.finish());
    }

    /** Repeated integers, packed (proto3's default). */
    packedInts(field, values) {
        const w = new Writer();
        for (const v of values) w.#varint(v);
        return this.bytes(field, w.finish());
    }

    finish() {
        const out = new Uint8Array(this.length);
        let at = 0;
        for (const p of this.parts) {
            out.set(p, at);
            at += p.length;
        }
        return out;
    }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes bytes[start, end) as a message of schema. */
function decodeRange(bytes, start, end, schema, depth) {
    if (depth > MAX_DEPTH) throw new ProtoError('messages nested too deep');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out = {};
    for (const [, [name, , repeated]] of Object.entries(schema)) if (repeated) out[name] = [];
    let at = start;
    let limit = end; // the end of the message, or of the packed field being read
    const varint = () => {
        let v = 0n;
        for (let shift = 0n; ; shift += 7n) {
            if (at >= limit) throw new ProtoError('a number runs past the end of its message');
            if (shift > 63n) throw new ProtoError('a number of more than ten bytes');
            const b = bytes[at++];
            v |= BigInt(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
    };
    const length = () => {
        const n = varint();
        if (n > BigInt(limit - at)) throw new ProtoError('a field is longer than the bytes that hold it');
        return Number(n);
    };
    const int64 = (v) => {
        const s = BigInt.asIntN(64, v);
        if (s > BigInt(Number.MAX_SAFE_INTEGER) || s < BigInt(Number.MIN_SAFE_INTEGER))
            throw new ProtoError(`the integer ${s} is too large`);
        return Number(s);
    };
    const scalar = (type, wire) => {
        switch (type) {
            case 'int64':
            case 'int32':
                if (wire !== WIRE.VARINT) break;
                return type === 'int64' ? int64(varint()) : Number(BigInt.asIntN(32, varint()));
            case 'float':
                if (wire !== WIRE.I32) break;
                if (limit - at < 4) throw new ProtoError('a float runs past the end of its message');
                at += 4;
                return view.getFloat32(at - 4, true);
            case 'string':
            case 'bytes': {
                if (wire !== WIRE.LEN) break;
                const n = length();
                at += n;
                const b = bytes.subarray(at - n, at);
                if (type === 'bytes') return b;
                try {
                    return utf8.decode(b);
                } catch {
                    throw new ProtoError('a text field is not UTF-8');
                }
            }
            default:
                if (wire !== WIRE.LEN) break;
                {
                    const n = length();
                    at += n;
                    return decodeRange(bytes, at - n, at, type, depth + 1);
                }
        }
        throw new ProtoError('a field has the wrong wire type for its kind');
    };
    while (at < end) {
        const key = varint();
        const field = Number(key >> 3n);
        const wire = Number(key & 7n);
        if (field === 0 || key >> 3n > 0x1fffffffn) throw new ProtoError('a field number out of range');
        const spec = schema[field];
        if (!spec) {
            // skip what this reader does not know
            if (wire === WIRE.VARINT) varint();
            else if (wire === WIRE.I64 || wire === WIRE.I32) {
                const n = wire === WIRE.I64 ? 8 : 4;
                if (limit - at < n) throw new ProtoError('a field runs past the end of its message');
                at += n;
            } else if (wire === WIRE.LEN) at += length();
            else throw new ProtoError(`wire type ${wire} (groups are not read)`);
            continue;
        }
        const [name, type, repeated] = spec;
        if (repeated && wire === WIRE.LEN && (type === 'int64' || type === 'int32' || type === 'float')) {
            const n = length(); // packed
            limit = at + n;
            while (at < limit) out[name].push(scalar(type, type === 'float' ? WIRE.I32 : WIRE.VARINT));
            limit = end;
            continue;
        }
        const value = scalar(type, wire);
        if (repeated) out[name].push(value);
        else out[name] = value;
    }
    return out;
}

/** The message of schema in bytes (a Uint8Array); throws ProtoError if the bytes are not one. */
export function decode(bytes, schema) {
    return decodeRange(bytes, 0, bytes.length, schema, 0);
}
