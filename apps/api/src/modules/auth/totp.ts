import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

// TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps), the parameters every authenticator app reads
// from an otpauth:// URI.
const ISSUER = 'Zhiyin';
// One step either side of now, for a phone clock that is a little off (RFC 6238 section 5.2).
const TOLERANCE_SECONDS = 30;

export const newTotpSecret = () => generateSecret({ length: 20 });

export function totpUri(secret: string, account: string): string {
  return generateURI({ issuer: ISSUER, label: account, secret });
}

/** The QR code of an otpauth:// URI as an SVG data URL (no network, no image file). */
export async function qrDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/**
 * The time step a code belongs to, or null when it is not a current code. Replay is refused by the
 * caller, which accepts only a step later than the last one used.
 */
export async function totpStep(secret: string, code: string): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({ secret, token: code, epochTolerance: TOLERANCE_SECONDS });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
