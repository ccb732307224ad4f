import { detectCartFormat, looksLikeXml, type CartFormat } from '@zhiyin/dicom';

/** What a received file is, judged by its content (magic bytes, XML root), never by its name alone. */
export type SourceKind = 'dicom' | CartFormat;

export const MEDIA_TYPE: Record<CartFormat, string> = {
  aecg: 'application/xml',
  'scp-ecg': 'application/octet-stream',
  pdf: 'application/pdf',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

export const FORMAT_NAME: Record<CartFormat, string> = {
  aecg: 'HL7 aECG',
  'scp-ecg': 'SCP-ECG',
  pdf: 'PDF',
  jpeg: 'JPEG',
  png: 'PNG',
};

/**
 * A cart's format, or undefined for anything else (DICOM, or a file the DICOM checks will refuse). An XML
 * document that is not an aECG is taken as a malformed one, so that it is refused with the reason.
 */
export function convertibleKind(prefix: Buffer, size: number): CartFormat | undefined {
  return detectCartFormat(prefix, size) ?? (looksLikeXml(prefix) ? 'aecg' : undefined);
}
