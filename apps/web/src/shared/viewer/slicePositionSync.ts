import { Enums, getRenderingEngine, metaData, type StackViewport } from '@cornerstonejs/core';
import { SynchronizerManager } from '@cornerstonejs/tools';
import type { ViewportRef } from './ClinicalViewer';

type Vec = readonly number[];

const positionOf = (imageId: string): Vec | undefined =>
  (metaData.get('imagePlaneModule', imageId) as { imagePositionPatient?: Vec } | undefined)?.imagePositionPatient;

const normalOf = (imageId: string): Vec | undefined => {
  const o = (metaData.get('imagePlaneModule', imageId) as { imageOrientationPatient?: Vec } | undefined)
    ?.imageOrientationPatient;
  if (!o || o.length !== 6) return undefined;
  const [a, b, c, d, e, f] = o as [number, number, number, number, number, number];
  return [b * f - c * e, c * d - a * f, a * e - b * d];
};

/**
 * Moves `target` to its slice nearest `source`'s table position (Image Position Patient along the target's slice
 * normal), when one is strictly nearer than the slice it shows: so the echo of that move never pulls `source` back.
 *
 * Written here because Cornerstone's image slice synchronizer looks both viewports up in the target's rendering
 * engine (each viewer has its own), and registers two frames of reference by pairing slice indexes. Two visits of
 * one patient are compared by table position: their patient coordinates are taken as one.
 */
export function followSlicePosition(source: ViewportRef, target: ViewportRef): Promise<void> | undefined {
  const sv = getRenderingEngine(source.renderingEngineId)?.getViewport<StackViewport>(source.viewportId);
  const tv = getRenderingEngine(target.renderingEngineId)?.getViewport<StackViewport>(target.viewportId);
  const ids = tv?.getImageIds() ?? [];
  const from = sv ? positionOf(sv.getCurrentImageId()) : undefined;
  const n = ids[0] ? normalOf(ids[0]) : undefined;
  if (!tv || !from || !n) return undefined;
  const along = (p: Vec) => p[0]! * n[0]! + p[1]! * n[1]! + p[2]! * n[2]!;
  const at = along(from);
  const distance = (id: string) => {
    const p = positionOf(id);
    return p ? Math.abs(along(p) - at) : Infinity;
  };
  const shown = tv.getTargetImageIdIndex();
  let best = shown;
  let bestDistance = ids[shown] ? distance(ids[shown]) : Infinity;
  ids.forEach((id, i) => {
    const d = distance(id);
    if (d < bestDistance - 1e-3) {
      best = i;
      bestDistance = d;
    }
  });
  return best === shown ? undefined : tv.setImageIdIndex(best).then(() => undefined);
}

/**
 * A synchroniser of two stacks by table position (see {@link followSlicePosition}), `b` brought to `a`'s position at
 * once; destroy it by its id.
 */
export function createSlicePositionSynchronizer(id: string, a: ViewportRef, b: ViewportRef): void {
  const s = SynchronizerManager.createSynchronizer(id, Enums.Events.STACK_NEW_IMAGE, (_s, source, target) =>
    followSlicePosition(source, target),
  );
  s.add(a);
  s.add(b);
  void followSlicePosition(a, b);
}
