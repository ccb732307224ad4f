/**
 * Transfer syntaxes this package can read (PS3.5 §10 and Annex A, PS3.6 Annex A).
 */

/** How a transfer syntax encodes the data set and the pixel data. */
export interface TransferSyntaxInfo {
  /** The UID. */
  uid: string;
  /** Short English name. */
  name: string;
  /** Explicit VR (false only for Implicit VR Little Endian). */
  explicitVr: boolean;
  /** Byte order of the data set (false only for the retired Explicit VR Big Endian). */
  littleEndian: boolean;
  /** The data set after the file meta information is deflated (raw deflate, RFC 1951). */
  deflated: boolean;
  /** Pixel data is encapsulated (fragments in items, undefined length). */
  encapsulated: boolean;
}

/** Implicit VR Little Endian, the default transfer syntax. */
export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
/** Explicit VR Little Endian. */
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Deflated Explicit VR Little Endian. */
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
/** Explicit VR Big Endian (retired, still found in archives). */
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

type Row = [uid: string, name: string, kind: 'native' | 'encapsulated' | 'deflated' | 'implicit' | 'bigendian'];

const ROWS: Row[] = [
  [IMPLICIT_VR_LITTLE_ENDIAN, 'Implicit VR Little Endian', 'implicit'],
  [EXPLICIT_VR_LITTLE_ENDIAN, 'Explicit VR Little Endian', 'native'],
  ['1.2.840.10008.1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian', 'encapsulated'],
  [DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, 'Deflated Explicit VR Little Endian', 'deflated'],
  [EXPLICIT_VR_BIG_ENDIAN, 'Explicit VR Big Endian', 'bigendian'],
  ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.52', 'JPEG Extended (Process 3 & 5)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.53', 'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.54', 'JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.55', 'JPEG Full Progression, Non-Hierarchical (Process 10 & 12)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.56', 'JPEG Full Progression, Non-Hierarchical (Process 11 & 13)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'encapsulated'],
  [
    '1.2.840.10008.1.2.4.70',
    'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 SV1)',
    'encapsulated',
  ],
  ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'encapsulated'],
  ['1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.90', 'JPEG 2000 (Lossless Only)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.91', 'JPEG 2000', 'encapsulated'],
  ['1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component (Lossless Only)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component', 'encapsulated'],
  ['1.2.840.10008.1.2.4.94', 'JPIP Referenced', 'native'],
  ['1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', 'deflated'],
  ['1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level', 'encapsulated'],
  ['1.2.840.10008.1.2.4.100.1', 'Fragmentable MPEG2 Main Profile / Main Level', 'encapsulated'],
  ['1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level', 'encapsulated'],
  ['1.2.840.10008.1.2.4.101.1', 'Fragmentable MPEG2 Main Profile / High Level', 'encapsulated'],
  ['1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1', 'encapsulated'],
  ['1.2.840.10008.1.2.4.102.1', 'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.1', 'encapsulated'],
  ['1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', 'encapsulated'],
  ['1.2.840.10008.1.2.4.103.1', 'Fragmentable MPEG-4 AVC/H.264 BD-compatible High Profile', 'encapsulated'],
  ['1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', 'encapsulated'],
  ['1.2.840.10008.1.2.4.104.1', 'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', 'encapsulated'],
  ['1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', 'encapsulated'],
  ['1.2.840.10008.1.2.4.105.1', 'Fragmentable MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', 'encapsulated'],
  ['1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', 'encapsulated'],
  ['1.2.840.10008.1.2.4.106.1', 'Fragmentable MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', 'encapsulated'],
  ['1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', 'encapsulated'],
  ['1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', 'encapsulated'],
  ['1.2.840.10008.1.2.4.110', 'JPEG XL Lossless', 'encapsulated'],
  ['1.2.840.10008.1.2.4.111', 'JPEG XL JPEG Recompression', 'encapsulated'],
  ['1.2.840.10008.1.2.4.112', 'JPEG XL', 'encapsulated'],
  ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.202', 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)', 'encapsulated'],
  ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000', 'encapsulated'],
  ['1.2.840.10008.1.2.4.204', 'JPIP HTJ2K Referenced', 'native'],
  ['1.2.840.10008.1.2.4.205', 'JPIP HTJ2K Referenced Deflate', 'deflated'],
  ['1.2.840.10008.1.2.5', 'RLE Lossless', 'encapsulated'],
];

const BY_UID = new Map<string, TransferSyntaxInfo>(
  ROWS.map(([uid, name, kind]) => [
    uid,
    {
      uid,
      name,
      explicitVr: kind !== 'implicit',
      littleEndian: kind !== 'bigendian',
      deflated: kind === 'deflated',
      encapsulated: kind === 'encapsulated',
    },
  ]),
);

/**
 * Describes a transfer syntax.
 *
 * @param uid - the Transfer Syntax UID (trailing NUL/space padding is ignored)
 * @returns its encoding, or undefined when this package cannot read it
 */
export function transferSyntaxInfo(uid: string): TransferSyntaxInfo | undefined {
  return BY_UID.get(uid.replace(/[\0 ]+$/, ''));
}

/**
 * Lists every transfer syntax this package reads.
 *
 * @returns the table, in UID order of the standard
 */
export function supportedTransferSyntaxes(): TransferSyntaxInfo[] {
  return [...BY_UID.values()];
}
