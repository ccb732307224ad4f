import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

// National IDs are stored encrypted (AES-256-GCM), looked up by a keyed hash, and shown masked.
export class NationalIdVault {
  private readonly hmacKey: Buffer;

  constructor(private readonly key: Buffer) {
    this.hmacKey = createHmac('sha256', key).update('zhiyin:national-id:lookup').digest();
  }

  static normalise(raw: string): string {
    return raw.replace(/\s+/g, '').toUpperCase();
  }

  encrypt(id: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(id, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]);
  }

  decrypt(blob: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, blob.subarray(0, 12));
    decipher.setAuthTag(blob.subarray(12, 28));
    return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
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
