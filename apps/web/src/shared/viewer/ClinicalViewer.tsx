import {
  Enums,
  eventTarget,
  imageLoader,
  RenderingEngine,
  type StackViewport,
  type Types as CoreTypes,
  utilities as csUtils,
} from '@cornerstonejs/core';
import { Enums as ToolEnums, ToolGroupManager, utilities as toolUtils } from '@cornerstonejs/tools';
import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { first, numberOf } from '../dicomweb/qido';
import { initCornerstone, serverDecoded } from './cornerstone';
import { measurementsOn, type Measurement, type MeasurementKind } from './measurements';
import { settleBootImage } from './bootImage';
import { FirstImagePreview } from './FirstImagePreview';
import { MprView } from './MprView';
import { ageOf, dateOf, markersFromImage, patientNameOf, sliceFacts, WL_PRESETS } from './overlay';
import { loadSeries, type LoadedSeries } from './seriesImages';

export interface KeyImageMark {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frame: number;
  measurements: { kind: MeasurementKind; label: string; value: string }[];
}

export interface ViewportRef {
  renderingEngineId: string;
  viewportId: string;
}

type Tool = 'WindowLevel' | 'Pan' | 'Zoom' | 'Length' | 'Angle' | 'EllipticalROI' | 'RectangleROI' | 'Probe';
const TOOLS: { tool: Tool; key: string; label: `viewer.tool.${string}` }[] = [
  { tool: 'WindowLevel', key: 'W', label: 'viewer.tool.window' },
  { tool: 'Pan', key: '', label: 'viewer.tool.pan' },
  { tool: 'Zoom', key: '', label: 'viewer.tool.zoom' },
  { tool: 'Length', key: 'L', label: 'viewer.tool.length' },
  { tool: 'Angle', key: 'A', label: 'viewer.tool.angle' },
  { tool: 'EllipticalROI', key: 'E', label: 'viewer.tool.ellipse' },
  { tool: 'RectangleROI', key: 'R', label: 'viewer.tool.rectangle' },
  { tool: 'Probe', key: 'P', label: 'viewer.tool.probe' },
];
const MEASURE_TOOLS: Tool[] = ['Length', 'Angle', 'EllipticalROI', 'RectangleROI', 'Probe'];

let counter = 0;

// Set up as soon as this chunk runs (it is downloaded ahead of the first series by preloadImageViewer, and run once
// the series' first image is on screen), not when the first viewer mounts; initCornerstone runs once. A failure is
// shown by the viewer that awaits it.
void initCornerstone().catch(() => undefined);

/**
 * The reading room's viewer for one series, on Cornerstone3D: the DICOMweb frames as stored
 * (decoded by WebAssembly codecs in web workers, or by the server when the browser cannot),
 * window/level with presets, measurements, overlays, cine, MPR for volumes and key images.
 */
export function ClinicalViewer({
  studyUid,
  seriesUid,
  onMarkKeyImage,
  keyImages,
  onViewport,
}: {
  studyUid: string;
  seriesUid: string;
  onMarkKeyImage?: (k: KeyImageMark) => void;
  keyImages?: readonly { sopInstanceUid: string; frame: number }[];
  /** the stack viewport once shown (for synchronising two studies side by side) */
  onViewport?: (ref: ViewportRef | null) => void;
}) {
  const { t } = useI18n();
  const ids = useId();
  const element = useRef<HTMLDivElement>(null);
  const engine = useRef<RenderingEngine | null>(null);
  const names = useRef({ engine: '', viewport: '', group: '' });
  const [series, setSeries] = useState<LoadedSeries>();
  const [error, setError] = useState<string>();
  const [index, setIndex] = useState(0);
  const [voi, setVoi] = useState<{ wc: number; ww: number }>();
  const [zoom, setZoom] = useState(1);
  // how far the image was moved, in canvas pixels (shown to tests as data-pan)
  const [pan, setPan] = useState('0,0');
  const [tool, setTool] = useState<Tool>('WindowLevel');
  const [measurements, setMeasurements] = useState<Measurement[]>([]);
  const [playing, setPlaying] = useState(false);
  const [mpr, setMpr] = useState(false);
  const [fellBack, setFellBack] = useState(false);
  const [loaded, setLoaded] = useState(false);
  // the server's rendering of the first image is on screen while Cornerstone sets up (FirstImagePreview)
  const [previewShown, setPreviewShown] = useState(false);

  const viewport = useCallback((): StackViewport | undefined => {
    const e = engine.current;
    return e?.getViewport<StackViewport>(names.current.viewport);
  }, []);

  // Load the series and show it in a stack viewport.
  useEffect(() => {
    const ctrl = new AbortController();
    const n = ++counter;
    names.current = { engine: `zy-engine-${n}`, viewport: `zy-stack-${n}`, group: `zy-tools-${n}` };
    const el = element.current!;
    el.removeAttribute('data-first-image');
    el.removeAttribute('data-stack-loaded');
    let disposed = false;
    const started = performance.now();
    (async () => {
      // Cornerstone's set-up (WebGL, decoders) and the series' metadata in parallel: neither needs the other.
      const [, loaded] = await Promise.all([initCornerstone(), loadSeries(studyUid, seriesUid, ctrl.signal)]);
      if (disposed) return;
      if (loaded.images.length === 0) {
        setError(t('viewer.noImages'));
        return;
      }
      setSeries(loaded);
      const re = new RenderingEngine(names.current.engine);
      engine.current = re;
      re.enableElement({
        viewportId: names.current.viewport,
        type: Enums.ViewportType.STACK,
        element: el,
        defaultOptions: { background: [0, 0, 0] as CoreTypes.Point3 },
      });
      const group = ToolGroupManager.createToolGroup(names.current.group)!;
      for (const name of [...TOOLS.map((x) => x.tool), 'StackScroll']) group.addTool(name);
      group.addViewport(names.current.viewport, names.current.engine);
      applyTool(group, 'WindowLevel');
      const vp = re.getViewport<StackViewport>(names.current.viewport);
      const imageIds = loaded.images.map((i) => i.imageId);
      el.addEventListener(Enums.Events.IMAGE_RENDERED, () => {
        if (!el.hasAttribute('data-first-image')) el.setAttribute('data-first-image', performance.now().toFixed(1));
        settleBootImage();
        setLoaded(true);
        exposeImageRect(el, re.getViewport<StackViewport>(names.current.viewport));
      });
      await vp.setStack(imageIds, 0);
      vp.setProperties({ interpolationType: Enums.InterpolationType.LINEAR });
      vp.render();
      if (disposed) return;
      onViewport?.({ renderingEngineId: names.current.engine, viewportId: names.current.viewport });
      // The whole stack into the cache, for scrolling without waiting (and the benchmark's figure).
      await Promise.allSettled(imageIds.map((id) => imageLoader.loadAndCacheImage(id)));
      if (disposed) return;
      el.setAttribute('data-stack-loaded', performance.now().toFixed(1));
      el.setAttribute('data-load-ms', (performance.now() - started).toFixed(1));
      setFellBack(imageIds.some((id) => serverDecoded.has(id)));
    })().catch((err: unknown) => {
      if (!disposed) setError(t('viewer.loadFailed', { reason: (err as Error).message }));
    });
    return () => {
      disposed = true;
      ctrl.abort();
      onViewport?.(null);
      try {
        toolUtils.cine.stopClip(el);
      } catch {
        /* not playing */
      }
      ToolGroupManager.destroyToolGroup(names.current.group);
      engine.current?.destroy();
      engine.current = null;
      setSeries(undefined);
      setLoaded(false);
      setPreviewShown(false);
      setPlaying(false);
      setMpr(false);
    };
    // onViewport is a notification, not an input of the load
  }, [studyUid, seriesUid, t]);

  // Follow the viewport: slice, window/level, zoom; and the measurements drawn on it.
  useEffect(() => {
    const el = element.current;
    if (!el || !series) return;
    const sync = () => {
      const vp = viewport();
      if (!vp) return;
      setIndex(vp.getCurrentImageIdIndex());
      const range = vp.getProperties().voiRange;
      // The DICOM linear VOI function (PS3.3 C.11.2.1.2), as the viewport applies it: the file's and the presets'
      // width and centre read back as written.
      if (range) {
        const wl = csUtils.windowLevel.toWindowLevel(range.lower, range.upper);
        setVoi({ ww: wl.windowWidth, wc: wl.windowCenter });
      }
      const z = (vp as unknown as { getZoom?: () => number }).getZoom?.();
      if (z) setZoom(z);
      const p = (vp as unknown as { getPan?: () => [number, number] }).getPan?.();
      if (p) setPan(`${Math.round(p[0]) || 0},${Math.round(p[1]) || 0}`);
    };
    const refresh = () => setMeasurements(measurementsOn(el));
    const events = [Enums.Events.STACK_NEW_IMAGE, Enums.Events.VOI_MODIFIED, Enums.Events.CAMERA_MODIFIED];
    const toolEvents = [
      ToolEnums.Events.ANNOTATION_COMPLETED,
      ToolEnums.Events.ANNOTATION_MODIFIED,
      ToolEnums.Events.ANNOTATION_REMOVED,
    ];
    for (const e of events) el.addEventListener(e, sync);
    el.addEventListener(Enums.Events.IMAGE_RENDERED, sync);
    for (const e of toolEvents) eventTarget.addEventListener(e, refresh);
    sync();
    return () => {
      for (const e of events) el.removeEventListener(e, sync);
      el.removeEventListener(Enums.Events.IMAGE_RENDERED, sync);
      for (const e of toolEvents) eventTarget.removeEventListener(e, refresh);
    };
  }, [series, viewport]);

  // The wheel scrolls the stack, never the page: a non-passive listener that always prevents it.
  useEffect(() => {
    const el = element.current;
    if (!el) return;
    const stop = (e: WheelEvent) => e.preventDefault();
    el.addEventListener('wheel', stop, { passive: false });
    return () => el.removeEventListener('wheel', stop);
  }, []);

  const choose = useCallback((next: Tool) => {
    setTool(next);
    const group = ToolGroupManager.getToolGroup(names.current.group);
    if (group) applyTool(group, next);
  }, []);

  const go = useCallback(
    (i: number) => {
      const vp = viewport();
      if (!vp || !series) return;
      void vp.setImageIdIndex(Math.max(0, Math.min(series.images.length - 1, i)));
    },
    [viewport, series],
  );
  // Relative to the slice asked for last, not the one drawn: a held arrow key outruns the loading of each slice,
  // and counting from the drawn one would drop the presses made meanwhile.
  const step = useCallback(
    (delta: number) => {
      const vp = viewport();
      if (vp) go(vp.getTargetImageIdIndex() + delta);
    },
    [viewport, go],
  );

  const preset = useCallback(
    (p: { width: number; center: number }) => {
      const vp = viewport();
      if (!vp) return;
      vp.setProperties({ voiRange: csUtils.windowLevel.toLowHighRange(p.width, p.center) });
      vp.render();
    },
    [viewport],
  );

  const reset = useCallback(() => {
    const vp = viewport();
    if (!vp) return;
    vp.resetProperties();
    vp.setProperties({ interpolationType: Enums.InterpolationType.LINEAR });
    vp.resetCamera();
    vp.render();
  }, [viewport]);

  const zoomBy = useCallback(
    (k: number) => {
      const vp = viewport() as unknown as { getZoom: () => number; setZoom: (z: number) => void; render: () => void };
      if (!vp) return;
      vp.setZoom(vp.getZoom() * k);
      vp.render();
    },
    [viewport],
  );

  const toggleCine = useCallback(() => {
    const el = element.current;
    if (!el || !series || series.images.length < 2) return;
    if (playing) {
      toolUtils.cine.stopClip(el);
      setPlaying(false);
    } else {
      toolUtils.cine.playClip(el, { framesPerSecond: series.fps, loop: true });
      setPlaying(true);
    }
  }, [playing, series]);

  const current = series?.images[index];
  const markKey = useCallback(() => {
    if (!current || !series || !onMarkKeyImage) return;
    onMarkKeyImage({
      studyInstanceUid: series.studyInstanceUid,
      seriesInstanceUid: series.seriesInstanceUid,
      sopInstanceUid: current.sopInstanceUid,
      frame: current.frame,
      measurements: measurements
        .filter((m) => !m.imageId || m.imageId === current.imageId)
        .map((m) => ({ kind: m.kind, label: m.label, value: m.value })),
    });
  }, [current, series, measurements, onMarkKeyImage]);

  const onKey = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    const byKey = TOOLS.find((x) => x.key && x.key.toLowerCase() === k.toLowerCase());
    let handled = true;
    if (k === 'ArrowDown' || k === 'ArrowRight') step(1);
    else if (k === 'ArrowUp' || k === 'ArrowLeft') step(-1);
    else if (k === 'PageDown') step(10);
    else if (k === 'PageUp') step(-10);
    else if (k === 'Home') go(0);
    else if (k === 'End') go((series?.images.length ?? 1) - 1);
    else if (byKey) choose(byKey.tool);
    else if (k >= '1' && k <= '5') preset(WL_PRESETS[Number(k) - 1]!);
    else if (k === 'c' || k === 'C') toggleCine();
    else if ((k === 'm' || k === 'M') && series?.isVolume) setMpr((v) => !v);
    else if ((k === 'k' || k === 'K') && onMarkKeyImage) markKey();
    else if (k === 'Escape') {
      if (mpr) setMpr(false);
      else choose('WindowLevel');
    } else if (k === '0') reset();
    else if (k === '+' || k === '=') zoomBy(1.25);
    else if (k === '-') zoomBy(0.8);
    else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  };

  const ds = current?.instance ?? series?.first;
  const markers = ds ? markersFromImage(ds) : undefined;
  const facts = ds ? sliceFacts(ds) : {};
  const isKey =
    current && keyImages?.some((k) => k.sopInstanceUid === current.sopInstanceUid && k.frame === current.frame);
  const count = series?.images.length ?? 0;
  const calibration = series?.calibration ?? 'none';

  return (
    <div className="viewer clinical-viewer" onKeyDown={onKey}>
      <div className="toolbar" role="toolbar" aria-label={t('viewer.tools')} aria-controls={`${ids}-stage`}>
        {TOOLS.map((x) => (
          <button
            key={x.tool}
            type="button"
            className="tool"
            aria-pressed={tool === x.tool}
            onClick={() => choose(x.tool)}
            data-tool={x.tool}
          >
            {t(x.label as never)}
            {x.key && <kbd>{x.key}</kbd>}
          </button>
        ))}
        <span className="toolbar-group" role="group" aria-label={t('viewer.presets')}>
          {WL_PRESETS.map((p, i) => (
            <button
              key={p.key}
              type="button"
              className="tool"
              onClick={() => preset(p)}
              data-preset={p.key}
              title={`${p.width}/${p.center}`}
            >
              {t(`viewer.preset.${p.key}`)}
              <kbd>{i + 1}</kbd>
            </button>
          ))}
        </span>
        <button type="button" className="tool" onClick={reset} data-testid="viewer-reset">
          {t('viewer.reset')}
          <kbd>0</kbd>
        </button>
        {count > 1 && (
          <button type="button" className="tool" aria-pressed={playing} onClick={toggleCine} data-testid="cine">
            {playing ? t('viewer.pause') : t('viewer.play')} <kbd>C</kbd>
          </button>
        )}
        {series?.isVolume && (
          <button type="button" className="tool" aria-pressed={mpr} onClick={() => setMpr((v) => !v)} data-testid="mpr">
            MPR <kbd>M</kbd>
          </button>
        )}
        {onMarkKeyImage && (
          <button type="button" className="tool" onClick={markKey} data-testid="mark-key-image" disabled={!current}>
            ★ {t('viewer.markKey')} <kbd>K</kbd>
          </button>
        )}
      </div>
      <div className="viewer-body">
        <div
          id={`${ids}-stage`}
          className="stage"
          tabIndex={0}
          role="img"
          aria-roledescription={t('viewer.roleDescription')}
          aria-label={t('viewer.label', { n: index + 1, total: count })}
          aria-describedby={`${ids}-keys`}
          data-testid="image-viewer"
          data-slice={index + 1}
          data-slices={count}
          data-wc={voi ? Math.round(voi.wc) : undefined}
          data-ww={voi ? Math.round(voi.ww) : undefined}
          data-zoom={zoom.toFixed(2)}
          data-pan={pan}
          data-playing={playing}
          data-loaded={loaded}
          data-fps={series?.fps}
          hidden={mpr}
        >
          <div
            ref={element}
            className="cs-viewport"
            data-testid="image-viewport"
            onContextMenu={(e) => e.preventDefault()}
          />
          {!loaded && !error && (
            <FirstImagePreview
              studyUid={studyUid}
              seriesUid={seriesUid}
              askedAlready
              onShown={(at) => {
                // the first image was on screen since then (in the loading view, or here)
                const el = element.current;
                if (el && !el.hasAttribute('data-first-image')) el.setAttribute('data-first-image', at.toFixed(1));
                setPreviewShown(true);
              }}
            />
          )}
          {ds && (
            <>
              <div className="overlay tl" data-testid="overlay-patient">
                <div>{patientNameOf(ds)}</div>
                <div>{first(ds, '00100020')}</div>
                <div>
                  {ageOf(ds)} {first(ds, '00100040')}
                </div>
                <div>{dateOf(first(ds, '00080020'))}</div>
              </div>
              <div className="overlay tr" data-testid="overlay-series">
                <div>
                  {series?.modality} · {first(ds, '00081030') ?? ''}
                </div>
                <div>
                  {t('viewer.seriesNo', { n: numberOf(ds, '00200011') ?? '—' })} {first(ds, '0008103E') ?? ''}
                </div>
                <div data-testid="overlay-image">
                  {t('viewer.imageNo', { n: index + 1, total: count })}
                  {current && current.frame > 1 ? ` · F${current.frame}` : ''}
                </div>
                {facts.location !== undefined && <div>{t('viewer.location', { v: facts.location.toFixed(1) })}</div>}
                {facts.thickness !== undefined && <div>{t('viewer.thickness', { v: facts.thickness.toFixed(1) })}</div>}
              </div>
              <div className="overlay bl" data-testid="overlay-calibration" data-calibration={calibration}>
                {calibration === 'none'
                  ? t('viewer.uncalibrated')
                  : t('viewer.calibrated', {
                      source: calibration === 'PixelSpacing' ? 'Pixel Spacing' : 'Imager Pixel Spacing',
                    })}
                {playing && <div data-testid="overlay-fps">{t('viewer.fps', { fps: series?.fps ?? 0 })}</div>}
                {fellBack && <div>{t('viewer.serverDecoded')}</div>}
              </div>
              <div className="overlay br" data-testid="overlay-wl">
                W {voi ? Math.round(voi.ww) : '—'} L {voi ? Math.round(voi.wc) : '—'} · {Math.round(zoom * 100)}%
              </div>
              {markers && (
                <>
                  <div className="overlay marker top" data-testid="marker-top">
                    {markers.top}
                  </div>
                  <div className="overlay marker bottom">{markers.bottom}</div>
                  <div className="overlay marker left" data-testid="marker-left">
                    {markers.left}
                  </div>
                  <div className="overlay marker right" data-testid="marker-right">
                    {markers.right}
                  </div>
                </>
              )}
              {isKey && (
                <div className="overlay key-star" data-testid="key-star" title={t('viewer.keyImage')}>
                  ★
                </div>
              )}
            </>
          )}
          {(error || !series) && (
            <div className={error || !previewShown ? 'overlay center' : 'overlay pending'} role="status">
              {error ?? t('common.loading')}
            </div>
          )}
        </div>
        {mpr && series && <MprView series={series} onClose={() => setMpr(false)} />}
        <aside className="measurements" aria-label={t('viewer.measurements')}>
          <h3 className="small-title">{t('viewer.measurements')}</h3>
          <ol data-testid="measurement-list">
            {measurements.map((m) => (
              <li key={m.uid} data-kind={m.kind} data-value={m.number}>
                <span className="tag">{t(`viewer.kind.${m.kind}`)}</span> <span className="mono">{m.value}</span>
              </li>
            ))}
          </ol>
          {measurements.length === 0 && <p className="muted small">{t('viewer.noMeasurements')}</p>}
        </aside>
      </div>
      {count > 1 && (
        <label className="slice-slider">
          <span>{t('viewer.slice')}</span>
          <input
            type="range"
            min={1}
            max={count}
            value={index + 1}
            onChange={(e) => go(Number(e.target.value) - 1)}
            aria-valuetext={t('viewer.sliceOf', { n: index + 1, total: count })}
          />
          {keyImages && series && (
            <span className="key-strip" role="group" aria-label={t('viewer.keyImage')}>
              {series.images.map((img, i) =>
                keyImages.some((k) => k.sopInstanceUid === img.sopInstanceUid && k.frame === img.frame) ? (
                  <button key={img.imageId} type="button" className="link" onClick={() => go(i)}>
                    ★{i + 1}
                  </button>
                ) : null,
              )}
            </span>
          )}
        </label>
      )}
      <p id={`${ids}-keys`} className="hint">
        {t('viewer.keys')}
      </p>
    </div>
  );
}

/**
 * Where the image lies on the canvas (CSS px, top-left and bottom-right corners of the pixel grid),
 * for tests and benchmarks that point at image pixels.
 */
function exposeImageRect(el: HTMLDivElement, vp: StackViewport | undefined) {
  // The image the viewport draws, whichever loader made it (the browser's decoders, or the server's decoded pixels
  // when they fail) and whatever plane the file declares or lacks: the outer corners of its first and last pixels,
  // from the drawn image's own origin, direction and spacing.
  const img = vp?.getImageData() as
    { dimensions?: number[]; spacing?: number[]; origin?: number[]; direction?: number[] } | undefined;
  if (!vp || !img?.dimensions || !img.spacing || !img.origin || !img.direction) return;
  const { dimensions: n, spacing: s, origin: o, direction: d } = img;
  const corner = (i: number, j: number) =>
    [0, 1, 2].map((k) => o[k]! + i * s[0]! * d[k]! + j * s[1]! * d[3 + k]!) as [number, number, number];
  const a = vp.worldToCanvas(corner(-0.5, -0.5));
  const b = vp.worldToCanvas(corner(n[0]! - 0.5, n[1]! - 0.5));
  if (![...a, ...b].every(Number.isFinite)) return;
  el.setAttribute('data-image-rect', [a[0], a[1], b[0], b[1]].map((v) => v.toFixed(2)).join(','));
}

/** The chosen tool on the primary button; pan (middle), zoom (right), stack scroll (wheel) always. */
function applyTool(group: NonNullable<ReturnType<typeof ToolGroupManager.getToolGroup>>, active: Tool) {
  const { MouseBindings } = ToolEnums;
  for (const x of TOOLS) {
    if (x.tool === active) continue;
    // Measurements stay visible and editable when another tool is chosen.
    if (MEASURE_TOOLS.includes(x.tool)) group.setToolPassive(x.tool);
    else group.setToolDisabled(x.tool);
  }
  group.setToolActive(active, { bindings: [{ mouseButton: MouseBindings.Primary }] });
  if (active !== 'Pan') group.setToolActive('Pan', { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
  if (active !== 'Zoom') group.setToolActive('Zoom', { bindings: [{ mouseButton: MouseBindings.Secondary }] });
  group.setToolActive('StackScroll', { bindings: [{ mouseButton: MouseBindings.Wheel }] });
}
