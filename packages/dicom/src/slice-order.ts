// The order a stack of images is read in, the same in the reading room's viewer and on the server that picks the
// image a case opens on: along the normal of the image plane (the cross product of Image Orientation (Patient)'s
// row and column directions, the position projected on it) when every image has a position and an orientation,
// else by Instance Number; ties by Instance Number, then as given.

/** What the order reads of an instance: DICOM JSON elements (QIDO-RS rows, WADO-RS metadata, the index's copy). */
export type SliceAttributes = Readonly<Record<string, { readonly Value?: readonly unknown[] } | undefined>>;

const IMAGE_POSITION = '00200032';
const IMAGE_ORIENTATION = '00200037';
const INSTANCE_NUMBER = '00200013';

function numbers(ds: SliceAttributes, tag: string): number[] {
  return (ds[tag]?.Value ?? []).map((v) => Number(v)).filter((n) => Number.isFinite(n));
}

function instanceNumber(ds: SliceAttributes): number {
  const n = Number(ds[INSTANCE_NUMBER]?.Value?.[0]);
  return Number.isFinite(n) ? n : 0;
}

/** The position of an image along its plane's normal, or undefined when it has no position or orientation. */
export function slicePosition(ds: SliceAttributes): number | undefined {
  const pos = numbers(ds, IMAGE_POSITION);
  const ori = numbers(ds, IMAGE_ORIENTATION);
  if (pos.length !== 3 || ori.length !== 6) return undefined;
  const [a, b, c, d, e, f] = ori as [number, number, number, number, number, number];
  const n = [b * f - c * e, c * d - a * f, a * e - b * d] as const;
  return n[0] * pos[0]! + n[1] * pos[1]! + n[2] * pos[2]!;
}

/**
 * The rows in slice order (a new array; the rows themselves are not changed). `attributesOf` finds a row's DICOM
 * JSON when the row is not itself DICOM JSON.
 */
export function sortSlices<T>(
  rows: readonly T[],
  attributesOf: (row: T) => SliceAttributes = (row) => row as SliceAttributes,
): T[] {
  const keyed = rows.map((r) => {
    const ds = attributesOf(r);
    return { r, along: slicePosition(ds), num: instanceNumber(ds) };
  });
  const allPositioned = keyed.every((x) => x.along !== undefined);
  keyed.sort((x, y) => (allPositioned ? x.along! - y.along! : 0) || x.num - y.num);
  return keyed.map((x) => x.r);
}

/** Modalities drawn as waveforms (12-lead ECG, haemodynamic), not images. */
export const WAVEFORM_MODALITIES: ReadonlySet<string> = new Set(['ECG', 'HD']);

/** Modalities of documents (an Encapsulated PDF, e.g. an ECG cart's PDF), opened rather than drawn. */
export const DOCUMENT_MODALITIES: ReadonlySet<string> = new Set(['DOC']);

/** Whether a series of this modality opens in the image viewer (not the ECG's or a document's). */
export function opensAsImage(modality: string | null | undefined): boolean {
  return !WAVEFORM_MODALITIES.has(modality ?? '') && !DOCUMENT_MODALITIES.has(modality ?? '');
}
