import { createHmac } from 'node:crypto';
import { SecretBox } from '#src/common/secret-box.js';

// National IDs are stored encrypted (AES-256-GCM), looked up by a keyed hash, and shown masked.
export class NationalIdVault extends SecretBox {
  private readonly hmacKey: Buffer;

  constructor(key: Buffer) {
    super(key);
    this.hmacKey = createHmac('sha256', key).update('zhiyin:national-id:lookup').digest();
  }

  static normalise(raw: string): string {
    return raw.replace(/\s+/g, '').toUpperCase();
  }

  lookupHash(id: string): string {
    return createHmac('sha256', this.hmacKey).update(NationalIdVault.normalise(id)).digest('hex');
  }

  /** 110105199001011234 -> 1101**********1234 */
  static mask(id: string): string {
    if (id.length <= 8) return '*'.repeat(id.length);
    return `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
  }
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** Resident identity card number check (GB 11643-1999: 17 digits + ISO 7064 MOD 11-2 check character). */
export function isValidChineseNationalId(raw: string): boolean {
  const id = NationalIdVault.normalise(raw);
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return CHECK[sum % 11] === id[17];
}
