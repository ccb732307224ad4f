import { Enums, RenderingEngine, setVolumesForViewports, volumeLoader } from '@cornerstonejs/core';
import { Enums as ToolEnums, ToolGroupManager } from '@cornerstonejs/tools';
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { markersFromCamera, type OrientationMarkers } from './overlay';
import type { LoadedSeries } from './seriesImages';

const PLANES = [
  { key: 'axial', orientation: Enums.OrientationAxis.AXIAL },
  { key: 'sagittal', orientation: Enums.OrientationAxis.SAGITTAL },
  { key: 'coronal', orientation: Enums.OrientationAxis.CORONAL },
] as const;

let counter = 0;

/**
 * Axial, sagittal and coronal reformats of a volume series (orthographic volume viewports sharing
 * one cached volume), with window/level, pan, zoom and scrolling through each plane.
 */
export function MprView({ series, onClose }: { series: LoadedSeries; onClose: () => void }) {
  const { t } = useI18n();
  const refs = useRef<(HTMLDivElement | null)[]>([]);
  const [error, setError] = useState<string>();
  // The patient directions at each pane's edges, from its camera (a reformat has no Image Orientation of its own).
  const [markers, setMarkers] = useState<Partial<Record<(typeof PLANES)[number]['key'], OrientationMarkers>>>({});

  useEffect(() => {
    const n = ++counter;
    const engineId = `zy-mpr-${n}`;
    const groupId = `zy-mpr-tools-${n}`;
    const volumeId = `cornerstoneStreamingImageVolume:zy-${series.seriesInstanceUid}`;
    let disposed = false;
    // Scrolling a plane never scrolls the page.
    const stop = (e: WheelEvent) => e.preventDefault();
    const panes = refs.current.filter((x): x is HTMLDivElement => Boolean(x));
    for (const p of panes) p.addEventListener('wheel', stop, { passive: false });
    const engine = new RenderingEngine(engineId);
    const follow = () => {
      if (disposed) return;
      const next: Partial<Record<(typeof PLANES)[number]['key'], OrientationMarkers>> = {};
      for (const p of PLANES) {
        const cam = engine.getViewport(`${engineId}-${p.key}`)?.getCamera();
        if (cam?.viewUp && cam.viewPlaneNormal) next[p.key] = markersFromCamera(cam.viewUp, cam.viewPlaneNormal);
      }
      // Scrolling moves the camera too: re-render only when a letter changes.
      setMarkers((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
    };
    for (const p of panes) p.addEventListener(Enums.Events.CAMERA_MODIFIED, follow);
    (async () => {
      engine.setViewports(
        PLANES.map((p, i) => ({
          viewportId: `${engineId}-${p.key}`,
          type: Enums.ViewportType.ORTHOGRAPHIC,
          element: refs.current[i]!,
          defaultOptions: { orientation: p.orientation, background: [0, 0, 0] as [number, number, number] },
        })),
      );
      const group = ToolGroupManager.createToolGroup(groupId)!;
      for (const name of ['WindowLevel', 'Pan', 'Zoom', 'StackScroll']) group.addTool(name);
      for (const p of PLANES) group.addViewport(`${engineId}-${p.key}`, engineId);
      const { MouseBindings } = ToolEnums;
      group.setToolActive('WindowLevel', { bindings: [{ mouseButton: MouseBindings.Primary }] });
      group.setToolActive('Pan', { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
      group.setToolActive('Zoom', { bindings: [{ mouseButton: MouseBindings.Secondary }] });
      group.setToolActive('StackScroll', { bindings: [{ mouseButton: MouseBindings.Wheel }] });
      const volume = await volumeLoader.createAndCacheVolume(volumeId, {
        imageIds: series.images.map((i) => i.imageId),
      });
      if (disposed) return;
      (volume as unknown as { load: () => void }).load();
      await setVolumesForViewports(
        engine,
        [{ volumeId }],
        PLANES.map((p) => `${engineId}-${p.key}`),
      );
      engine.render();
      follow();
    })().catch((err: unknown) => {
      if (!disposed) setError((err as Error).message);
    });
    return () => {
      disposed = true;
      for (const p of panes) {
        p.removeEventListener('wheel', stop);
        p.removeEventListener(Enums.Events.CAMERA_MODIFIED, follow);
      }
      ToolGroupManager.destroyToolGroup(groupId);
      engine.destroy();
    };
  }, [series]);

  return (
    <div className="mpr" data-testid="mpr-view">
      {PLANES.map((p, i) => (
        <div key={p.key} className="mpr-pane">
          <div
            ref={(el) => {
              refs.current[i] = el;
            }}
            className="cs-viewport"
            data-testid={`mpr-${p.key}`}
            onContextMenu={(e) => e.preventDefault()}
          />
          <div className="overlay tl" data-testid={`mpr-label-${p.key}`}>
            {t(`viewer.plane.${p.key}`)}
          </div>
          {(['top', 'bottom', 'left', 'right'] as const).map((side) => (
            <div key={side} className={`overlay marker ${side}`} data-testid={`mpr-marker-${p.key}-${side}`}>
              {markers[p.key]?.[side]}
            </div>
          ))}
        </div>
      ))}
      {error && (
        <p className="overlay center" role="alert">
          {t('viewer.loadFailed', { reason: error })}
        </p>
      )}
      <button type="button" className="tool mpr-close" onClick={onClose}>
        {t('viewer.closeMpr')} <kbd>Esc</kbd>
      </button>
    </div>
  );
}
