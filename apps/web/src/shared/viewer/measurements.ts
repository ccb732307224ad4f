import { annotation } from '@cornerstonejs/tools';

export type MeasurementKind = 'length' | 'angle' | 'ellipse' | 'rectangle' | 'probe';

export interface Measurement {
  uid: string;
  kind: MeasurementKind;
  label: string;
  value: string;
  /** the main figure, for tests and sorting: mm (or px), degrees, mean, probe value */
  number: number;
  imageId?: string;
}

/** Cornerstone tool name → the kind the report stores. */
export const TOOL_KINDS: Record<string, MeasurementKind> = {
  Length: 'length',
  Angle: 'angle',
  EllipticalROI: 'ellipse',
  RectangleROI: 'rectangle',
  Probe: 'probe',
};

const text = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
const fmt = (v: unknown, digits = 1) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—');

type Stats = Record<string, unknown>;

/** The value text of one measurement, from the tool's cached statistics. */
export function describe(kind: MeasurementKind, s: Stats): { value: string; number: number } {
  switch (kind) {
    case 'length':
      return { value: `${fmt(s.length, 2)} ${text(s.unit, 'mm')}`, number: Number(s.length) };
    case 'angle':
      return { value: `${fmt(s.angle)}°`, number: Number(s.angle) };
    case 'probe': {
      const v: unknown = Array.isArray(s.value) ? (s.value as unknown[])[0] : s.value;
      return { value: `${fmt(v)} ${text(s.modalityUnit, '')}`.trim(), number: Number(v) };
    }
    case 'ellipse':
    case 'rectangle': {
      const unit = text(s.modalityUnit, '');
      return {
        value: `mean ${fmt(s.mean)} ${unit}, SD ${fmt(s.stdDev)}, ${fmt(s.area, 2)} ${text(s.areaUnit, 'mm²')}`,
        number: Number(s.mean),
      };
    }
  }
}

/** Every measurement drawn on a viewport element, with its value text. */
export function measurementsOn(element: HTMLDivElement): Measurement[] {
  const list: Measurement[] = [];
  for (const [tool, kind] of Object.entries(TOOL_KINDS)) {
    const found = annotation.state.getAnnotations(tool, element) ?? [];
    for (const a of found) {
      const stats = (a.data as { cachedStats?: Record<string, Stats> }).cachedStats ?? {};
      const s = Object.values(stats)[0];
      if (!s) continue;
      const d = describe(kind, s);
      list.push({
        uid: a.annotationUID ?? '',
        kind,
        label: kind,
        ...d,
        imageId: a.metadata?.referencedImageId,
      });
    }
  }
  return list;
}
