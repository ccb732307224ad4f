import { AppError } from '#src/common/errors.js';
import { DECODABLE } from './frame-decoder.js';

export const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** The media type of one compressed frame by its transfer syntax (PS3.18 Table 8.7.3-2). */
export const FRAME_MEDIA_TYPE: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.51': 'image/jpeg',
  '1.2.840.10008.1.2.4.57': 'image/jpeg',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.81': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.4.92': 'image/jpx',
  '1.2.840.10008.1.2.4.93': 'image/jpx',
  '1.2.840.10008.1.2.4.201': 'image/jphc',
  '1.2.840.10008.1.2.4.202': 'image/jphc',
  '1.2.840.10008.1.2.4.203': 'image/jphc',
  '1.2.840.10008.1.2.5': 'image/dicom-rle',
};

export interface MediaRangeLike {
  type: string;
  params: Record<string, string>;
}

/**
 * What the frames of one instance are sent as (PS3.18 8.7.3): `stored`, the frames as stored
 * with their own media type and transfer syntax; `native`, uncompressed little endian
 * (application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1), decoded when stored compressed
 * and byte-swapped when stored big endian. Ranges are tried in the client's order of preference;
 * when none can be met the 406 says what can.
 *
 * - `multipart/related; type="application/octet-stream"; transfer-syntax=*` (OHIF, dicomweb-client):
 *   stored — `*` lets the server keep the stored encoding.
 * - `application/octet-stream` without a transfer syntax or with explicit VR little endian: native.
 * - the stored media type (e.g. `image/jls`) with no syntax, `*` or the stored syntax: stored.
 */
export function negotiateFrames(
  ranges: MediaRangeLike[],
  stored: { transferSyntaxUid: string; encapsulated: boolean },
): 'stored' | 'native' {
  const mediaType = stored.encapsulated ? FRAME_MEDIA_TYPE[stored.transferSyntaxUid] : 'application/octet-stream';
  const canDecode = !stored.encapsulated || DECODABLE.has(stored.transferSyntaxUid);
  const reasons: string[] = [];
  // What "any" gets: the stored encoding when it has a frame media type, else native pixels.
  const preferred = !stored.encapsulated ? 'native' : mediaType ? 'stored' : canDecode ? 'native' : null;
  for (const r of ranges) {
    if (r.type === '*/*' || r.type === 'multipart/*') {
      if (preferred) return preferred;
      continue;
    }
    let type: string;
    if (r.type === 'multipart/related') type = (r.params.type ?? 'application/octet-stream').toLowerCase();
    else if (r.type === 'application/octet-stream') type = r.type;
    else continue;
    const ts = r.params['transfer-syntax'];
    if (type === '*/*') {
      if (preferred) return preferred;
      continue;
    }
    if (type === 'application/octet-stream') {
      if (ts === '*') {
        if (preferred) return preferred;
        continue;
      }
      if (ts === undefined || ts === EXPLICIT_LE) {
        if (canDecode) return 'native';
        reasons.push(`frames stored as ${stored.transferSyntaxUid} cannot be decoded here`);
        continue;
      }
      if (stored.encapsulated && ts === stored.transferSyntaxUid && mediaType) return 'stored';
      reasons.push(`application/octet-stream is sent in ${EXPLICIT_LE} only, not ${ts}`);
      continue;
    }
    if (stored.encapsulated && mediaType && type === mediaType) {
      if (ts === undefined || ts === '*' || ts === stored.transferSyntaxUid) return 'stored';
      reasons.push(`frames are stored as ${stored.transferSyntaxUid} and are not re-encoded to ${ts}`);
      continue;
    }
    reasons.push(`${type} cannot be produced from frames stored as ${stored.transferSyntaxUid}`);
  }
  const offer = [
    ...(stored.encapsulated && mediaType ? [`${mediaType}; transfer-syntax=${stored.transferSyntaxUid}`] : []),
    ...(canDecode ? [`application/octet-stream; transfer-syntax=${EXPLICIT_LE}`] : []),
  ];
  throw new AppError(
    'NOT_ACCEPTABLE',
    `${reasons.length ? `${reasons.join('; ')}. ` : ''}These frames are available as multipart/related; type=${offer.join(' or ')}.`,
  );
}
