/**
 * A reader of the protocol-buffer wire format (https://protobuf.dev/programming-guides/encoding/): just what
 * TensorBoard's Event and Summary messages need. Fields come back as they are on the wire; the caller knows
 * the schema. Malformed input throws a `RangeError` the importer turns into a message.
 */
export type WireField =
  | { readonly number: number; readonly type: 0; readonly value: number } // varint (as a double: exact to 2^53)
  | { readonly number: number; readonly type: 1; readonly bytes: Uint8Array } // 64-bit
  | { readonly number: number; readonly type: 2; readonly bytes: Uint8Array } // length-delimited
  | { readonly number: number; readonly type: 5; readonly bytes: Uint8Array }; // 32-bit

/**
 * Decodes one message into its fields, in order.
 * @example decodeMessage(Uint8Array.of(0x10, 0x2a)) // [{number: 2, type: 0, value: 42}]
 */
export function decodeMessage(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let i = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let k = 0; k < 10; k++) {
      if (i >= bytes.length) throw new RangeError("truncated varint");
      const b = bytes[i++]!;
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new RangeError("varint longer than 10 bytes");
  };
  const take = (n: number): Uint8Array => {
    if (n < 0 || i + n > bytes.length) throw new RangeError("field runs past the end of the message");
    const out = bytes.subarray(i, i + n);
    i += n;
    return out;
  };
  while (i < bytes.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    const type = key % 8;
    if (number === 0) throw new RangeError("field number 0");
    switch (type) {
      case 0:
        fields.push({ number, type, value: varint() });
        break;
      case 1:
        fields.push({ number, type, bytes: take(8) });
        break;
      case 2:
        fields.push({ number, type, bytes: take(varint()) });
        break;
      case 5:
        fields.push({ number, type, bytes: take(4) });
        break;
      default:
        throw new RangeError(`unsupported wire type ${type}`);
    }
  }
  return fields;
}

/** A little-endian float32 or float64 from a fixed-size field. */
export function fixedNumber(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return bytes.byteLength === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
}

/** UTF-8 text of a length-delimited field. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
