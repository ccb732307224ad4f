import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Small secrets kept in the database encrypted with the data key (AES-256-GCM; stored as IV | tag | ciphertext):
// national IDs (patients) and second-factor seeds (auth) share the format and the key.
export class SecretBox {
  constructor(protected readonly key: Buffer) {}

  encrypt(plain: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]);
  }

  decrypt(blob: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, blob.subarray(0, 12));
    decipher.setAuthTag(blob.subarray(12, 28));
    return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]).toString('utf8');
  }
}
