const table = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32C (Castagnoli polynomial, reflected 0x82F63B78), the checksum of TFRecord framing (RFC 3720 §B.4).
 * @example crc32c(new TextEncoder().encode("123456789")) // 0xe3069283
 */
function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * TFRecord's masked CRC: rotate right by 15 bits and add 0xa282ead8 (tensorflow/core/lib/hash/crc32c.h, `Mask`).
 * @example maskedCrc32c(bytes) === dataView.getUint32(offset, true)
 */
export function maskedCrc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const crc = crc32c(bytes, start, end);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}
