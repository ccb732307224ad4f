import { first, numberOf, numbersOf, type DicomJson } from '../dicomweb/qido';

export type Vec3 = [number, number, number];

/** Window presets for CT (width/centre in HU), keys 1-5 in this order. */
export const WL_PRESETS = [
  { key: 'lung', width: 1500, center: -600 },
  { key: 'mediastinum', width: 350, center: 50 },
  { key: 'bone', width: 2000, center: 500 },
  { key: 'brain', width: 80, center: 40 },
  { key: 'abdomen', width: 400, center: 40 },
] as const;
export type PresetKey = (typeof WL_PRESETS)[number]['key'];

/** One letter per patient axis (LPS): +x left, +y posterior, +z head. */
function axisLetters(v: readonly number[]): string {
  const letters = [
    ['L', 'R'],
    ['P', 'A'],
    ['H', 'F'],
  ] as const;
  const order = [0, 1, 2].sort((a, b) => Math.abs(v[b]!) - Math.abs(v[a]!));
  let s = '';
  for (const i of order) {
    // Oblique planes name the main axes in order of weight; tiny components are noise.
    if (Math.abs(v[i]!) < 0.25) continue;
    s += v[i]! > 0 ? letters[i]![0] : letters[i]![1];
  }
  return s;
}

export interface OrientationMarkers {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

/**
 * The patient directions at the four edges of the screen from the camera (view up and the normal
 * of the viewing plane): what is to the right is the cross product of up and normal.
 */
export function markersFromCamera(viewUp: readonly number[], normal: readonly number[]): OrientationMarkers {
  const right: Vec3 = [
    viewUp[1]! * normal[2]! - viewUp[2]! * normal[1]!,
    viewUp[2]! * normal[0]! - viewUp[0]! * normal[2]!,
    viewUp[0]! * normal[1]! - viewUp[1]! * normal[0]!,
  ];
  const down = viewUp.map((v) => -v);
  return {
    right: axisLetters(right),
    left: axisLetters(right.map((v) => -v)),
    top: axisLetters(viewUp),
    bottom: axisLetters(down),
  };
}

/** Age as the file states it (PatientAge "045Y"), else from birth date and study date. */
export function ageOf(ds: DicomJson): string {
  const stated = first(ds, '00101010');
  if (stated && /^\d{3}[DWMY]$/.test(stated)) return `${Number(stated.slice(0, 3))}${stated[3]}`;
  const birth = first(ds, '00100030');
  const study = first(ds, '00080020');
  if (birth && study && /^\d{8}$/.test(birth) && /^\d{8}$/.test(study)) {
    let years = Number(study.slice(0, 4)) - Number(birth.slice(0, 4));
    if (study.slice(4) < birth.slice(4)) years--;
    return `${years}Y`;
  }
  return '';
}

/** A DICOM date as YYYY-MM-DD. */
export function dateOf(v: string | undefined): string {
  return v && /^\d{8}$/.test(v) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : (v ?? '');
}

export function patientNameOf(ds: DicomJson): string {
  const pn = first<{ Alphabetic?: string; Ideographic?: string }>(ds, '00100010');
  return (pn?.Ideographic || pn?.Alphabetic || '').replace(/\^/g, ' ').trim();
}

/** Slice location (0020,1041) and thickness (0018,0050) of one image, in mm. */
export function sliceFacts(ds: DicomJson): { location?: number; thickness?: number } {
  return { location: numberOf(ds, '00201041'), thickness: numberOf(ds, '00180050') };
}

/** The image's own row/column directions as the initial camera would show them. */
export function markersFromImage(ds: DicomJson): OrientationMarkers | undefined {
  const o = numbersOf(ds, '00200037');
  if (o.length !== 6) return undefined;
  const row = o.slice(0, 3);
  const col = o.slice(3);
  return {
    right: axisLetters(row),
    left: axisLetters(row.map((v) => -v)),
    bottom: axisLetters(col),
    top: axisLetters(col.map((v) => -v)),
  };
}
