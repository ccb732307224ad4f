/** Base64 without Buffer or btoa (both environments). Internal to the package. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Encodes bytes as standard base64 with padding (RFC 4648 §4).
 *
 * @param bytes - the bytes
 * @returns the base64 text
 */
export function toBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    chunk +=
      ALPHABET.charAt(v >> 18) +
      ALPHABET.charAt((v >> 12) & 63) +
      ALPHABET.charAt((v >> 6) & 63) +
      ALPHABET.charAt(v & 63);
    if (chunk.length >= 16384) {
      parts.push(chunk);
      chunk = '';
    }
  }
  if (i < n) {
    const b0 = bytes[i] as number;
    const b1 = i + 1 < n ? (bytes[i + 1] as number) : 0;
    const v = (b0 << 16) | (b1 << 8);
    chunk += ALPHABET.charAt(v >> 18) + ALPHABET.charAt((v >> 12) & 63);
    chunk += i + 1 < n ? ALPHABET.charAt((v >> 6) & 63) + '=' : '==';
  }
  parts.push(chunk);
  return parts.join('');
}
