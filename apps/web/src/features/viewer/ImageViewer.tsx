import {
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
  type WheelEvent,
} from 'react';
import { useI18n } from '../../i18n/i18n';
import { authorizedFetch } from '../../lib/api';
import { first, seriesMetadata, type DicomJson } from '../studies/qido';
import { fetchParts } from './multipart';
import {
  applyWindow,
  CT_PRESETS,
  decodeNative,
  fullRangeWindow,
  imageInfo,
  UnsupportedImage,
  type Frame,
  type ImageInfo,
} from './pixels';

interface Slice {
  sop: string;
  frame: number;
  info: ImageInfo;
}

type Tool = 'window' | 'pan' | 'zoom';

interface View {
  center: number;
  width: number;
  zoom: number;
  panX: number;
  panY: number;
}

const FRAME_ACCEPT = 'multipart/related; type="application/octet-stream", multipart/related; type="image/jpeg"';
const PREFETCH = 4;

async function loadFrame(studyUid: string, seriesUid: string, slice: Slice, signal: AbortSignal): Promise<Frame> {
  const path = `/dicomweb/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/instances/${encodeURIComponent(slice.sop)}/frames/${slice.frame}`;
  const fetcher = (p: string, init: { headers: Record<string, string>; signal?: AbortSignal }) =>
    authorizedFetch(p, init).then((res) => {
      if (res.status === 406) throw new UnsupportedImage('compression');
      return res;
    });
  const [part] = await fetchParts(fetcher, path, FRAME_ACCEPT, signal);
  if (!part) throw new Error('no frame in the answer');
  const type = (part.headers['content-type'] ?? 'application/octet-stream').split(';')[0]!.trim();
  if (type === 'application/octet-stream') return decodeNative(part.body, slice.info);
  if (type === 'image/jpeg') {
    try {
      const bitmap = await createImageBitmap(new Blob([part.body.slice()], { type }));
      return { kind: 'bitmap', width: bitmap.width, height: bitmap.height, bitmap };
    } catch {
      throw new UnsupportedImage('compression');
    }
  }
  throw new UnsupportedImage('compression');
}

/**
 * A canvas viewer for one series fed by WADO-RS: raw frames are windowed here, so window/level
 * follows the pointer without a round trip. Keys: arrows/PageUp/PageDown/Home/End for slices,
 * Shift+arrows for window/level, + and - to zoom, R to reset.
 */
export function ImageViewer({ studyUid, seriesUid }: { studyUid: string; seriesUid: string }) {
  const { t } = useI18n();
  const ids = useId();
  const [slices, setSlices] = useState<Slice[]>();
  const [modality, setModality] = useState('');
  const [loadError, setLoadError] = useState<string>();
  const [index, setIndex] = useState(0);
  const [frames, setFrames] = useState<Map<number, Frame | Error>>(new Map());
  const [view, setView] = useState<View>({ center: 40, width: 400, zoom: 1, panX: 0, panY: 0 });
  const [tool, setTool] = useState<Tool>('window');
  const defaults = useRef<{ center: number; width: number } | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const offscreen = useRef<HTMLCanvasElement | null>(null);
  const [size, setSize] = useState({ w: 512, h: 512 });
  const loading = useRef(new Set<number>());

  // Series metadata: slice order and pixel facts. Frame requests share the series' abort signal.
  const seriesSignal = useRef<AbortSignal | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    seriesSignal.current = ctrl.signal;
    loading.current.clear();
    setSlices(undefined);
    setFrames(new Map());
    setIndex(0);
    setLoadError(undefined);
    defaults.current = null;
    seriesMetadata(studyUid, seriesUid, ctrl.signal).then(
      (rows: DicomJson[]) => {
        const list: Slice[] = [];
        for (const r of rows) {
          const info = imageInfo(r);
          if (!info.rows || !info.columns) continue;
          for (let f = 1; f <= info.frames; f++) list.push({ sop: first(r, '00080018') ?? '', frame: f, info });
        }
        setModality(first(rows[0], '00080060') ?? '');
        setSlices(list);
        if (list.length === 0) setLoadError(t('viewer.noImages'));
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setLoadError(t('viewer.loadFailed', { reason: (err as Error).message }));
      },
    );
    return () => ctrl.abort();
  }, [studyUid, seriesUid, t]);

  // Frames: the current slice first, then its neighbours.
  useEffect(() => {
    const signal = seriesSignal.current;
    if (!slices || !signal) return;
    const wanted: number[] = [];
    for (let d = 0; d <= PREFETCH; d++) {
      for (const i of d === 0 ? [index] : [index + d, index - d]) {
        if (i >= 0 && i < slices.length && !frames.has(i) && !loading.current.has(i)) wanted.push(i);
      }
    }
    for (const i of wanted.slice(0, 3)) {
      loading.current.add(i);
      loadFrame(studyUid, seriesUid, slices[i]!, signal)
        .then(
          (f) => {
            if (!signal.aborted) setFrames((m) => new Map(m).set(i, f));
          },
          (err: unknown) => {
            if (!signal.aborted) setFrames((m) => new Map(m).set(i, err as Error));
          },
        )
        .finally(() => loading.current.delete(i));
    }
  }, [slices, index, frames, studyUid, seriesUid]);

  const frame = frames.get(index);

  // First frame decides the default window: the file's own, else its full range.
  useEffect(() => {
    if (!frame || frame instanceof Error || defaults.current) return;
    const info = slices?.[index]?.info;
    const w = info?.window ?? (frame.kind === 'grey' ? fullRangeWindow(frame) : { center: 128, width: 256 });
    defaults.current = w;
    setView({ center: w.center, width: w.width, zoom: 1, panX: 0, panY: 0 });
  }, [frame, slices, index]);

  // Keep the canvas the size of its box (CSS px × device pixels).
  useEffect(() => {
    const el = stage.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      const r = entry!.contentRect;
      setSize({ w: Math.max(64, Math.round(r.width)), h: Math.max(64, Math.round(r.height)) });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Draw.
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(size.w * dpr);
    c.height = Math.round(size.h * dpr);
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, c.width, c.height);
    if (!frame || frame instanceof Error) return;
    let source: CanvasImageSource;
    if (frame.kind === 'bitmap') source = frame.bitmap;
    else {
      const off = (offscreen.current ??= document.createElement('canvas'));
      off.width = frame.width;
      off.height = frame.height;
      const octx = off.getContext('2d')!;
      const img = octx.createImageData(frame.width, frame.height);
      if (frame.kind === 'grey') applyWindow(frame, view.center, view.width, img.data);
      else img.data.set(frame.rgba);
      octx.putImageData(img, 0, 0);
      source = off;
    }
    const fit = Math.min(c.width / frame.width, c.height / frame.height);
    const scale = fit * view.zoom;
    ctx.imageSmoothingEnabled = scale < 4;
    ctx.setTransform(
      scale,
      0,
      0,
      scale,
      c.width / 2 + view.panX * dpr - (frame.width * scale) / 2,
      c.height / 2 + view.panY * dpr - (frame.height * scale) / 2,
    );
    ctx.drawImage(source, 0, 0);
  }, [frame, view, size]);

  const count = slices?.length ?? 0;
  const go = useCallback((i: number) => setIndex(Math.max(0, Math.min(count - 1, i))), [count]);
  const reset = useCallback(() => {
    const d = defaults.current;
    setView((v) => ({ ...v, ...(d ?? {}), zoom: 1, panX: 0, panY: 0 }));
  }, []);
  const zoomBy = (k: number) => setView((v) => ({ ...v, zoom: Math.max(0.1, Math.min(20, v.zoom * k)) }));

  const onKey = (e: KeyboardEvent) => {
    const step = Math.max(1, Math.round(view.width / 20));
    const handled = (() => {
      if (e.shiftKey) {
        if (e.key === 'ArrowUp') setView((v) => ({ ...v, center: v.center + step }));
        else if (e.key === 'ArrowDown') setView((v) => ({ ...v, center: v.center - step }));
        else if (e.key === 'ArrowRight') setView((v) => ({ ...v, width: v.width + step }));
        else if (e.key === 'ArrowLeft') setView((v) => ({ ...v, width: Math.max(1, v.width - step) }));
        else return false;
        return true;
      }
      switch (e.key) {
        case 'ArrowDown':
        case 'ArrowRight':
          go(index + 1);
          return true;
        case 'ArrowUp':
        case 'ArrowLeft':
          go(index - 1);
          return true;
        case 'PageDown':
          go(index + 10);
          return true;
        case 'PageUp':
          go(index - 10);
          return true;
        case 'Home':
          go(0);
          return true;
        case 'End':
          go(count - 1);
          return true;
        case '+':
        case '=':
          zoomBy(1.25);
          return true;
        case '-':
          zoomBy(0.8);
          return true;
        case 'r':
        case 'R':
          reset();
          return true;
        default:
          return false;
      }
    })();
    if (handled) e.preventDefault();
  };

  // Pointer: the chosen tool with the primary button, pan with the middle, zoom with the right.
  const drag = useRef<{ x: number; y: number; mode: Tool; start: View } | null>(null);
  const onPointerDown = (e: PointerEvent) => {
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    const mode: Tool = e.button === 1 ? 'pan' : e.button === 2 ? 'zoom' : tool;
    drag.current = { x: e.clientX, y: e.clientY, mode, start: view };
  };
  const onPointerMove = (e: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (d.mode === 'window') {
      // Right widens, down raises the level (the usual PACS convention); faster for wide ranges.
      const k = Math.max(1, d.start.width / 256);
      setView({ ...d.start, width: Math.max(1, d.start.width + dx * k), center: d.start.center + dy * k });
    } else if (d.mode === 'pan') setView({ ...d.start, panX: d.start.panX + dx, panY: d.start.panY + dy });
    else setView({ ...d.start, zoom: Math.max(0.1, Math.min(20, d.start.zoom * Math.exp(-dy / 200))) });
  };
  const onPointerUp = () => {
    drag.current = null;
  };
  const onWheel = (e: WheelEvent) => {
    if (e.ctrlKey) zoomBy(e.deltaY < 0 ? 1.1 : 0.9);
    else go(index + (e.deltaY > 0 ? 1 : -1));
  };

  const presets = useMemo(() => {
    const list: { key: string; label: string; center: number; width: number }[] = [];
    if (defaults.current) list.push({ key: 'default', label: t('viewer.presetDefault'), ...defaults.current });
    if (modality === 'CT') {
      for (const [key, w] of Object.entries(CT_PRESETS))
        list.push({ key, label: t(`viewer.preset.${key as keyof typeof CT_PRESETS}`), ...w });
    }
    return list;
  }, [modality, t, frame]);

  const frameError = frame instanceof Error ? frame : undefined;
  const status = frameError
    ? frameError instanceof UnsupportedImage
      ? t('viewer.unsupported')
      : t('viewer.frameFailed')
    : !frame
      ? t('common.loading')
      : '';

  return (
    <div className="viewer">
      <div className="toolbar" role="toolbar" aria-label={t('viewer.tools')} aria-controls={`${ids}-stage`}>
        {(['window', 'pan', 'zoom'] as const).map((m) => (
          <button key={m} type="button" className="tool" aria-pressed={tool === m} onClick={() => setTool(m)}>
            {t(`viewer.tool.${m}`)}
          </button>
        ))}
        <button type="button" className="tool" onClick={() => zoomBy(1.25)} aria-label={t('viewer.zoomIn')}>
          +
        </button>
        <button type="button" className="tool" onClick={() => zoomBy(0.8)} aria-label={t('viewer.zoomOut')}>
          −
        </button>
        <button type="button" className="tool" onClick={reset} data-testid="viewer-reset">
          {t('viewer.reset')}
        </button>
        {presets.length > 0 && (
          <label className="inline">
            <span>{t('viewer.presets')}</span>
            <select
              value=""
              onChange={(e) => {
                const p = presets.find((x) => x.key === e.target.value);
                if (p) setView((v) => ({ ...v, center: p.center, width: p.width }));
              }}
            >
              <option value="">—</option>
              {presets.map((p) => (
                <option key={p.key} value={p.key}>
                  {p.label} ({Math.round(p.center)}/{Math.round(p.width)})
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="inline">
          <span>{t('viewer.center')}</span>
          <input
            type="number"
            className="num"
            value={Math.round(view.center)}
            onChange={(e) => setView((v) => ({ ...v, center: Number(e.target.value) }))}
          />
        </label>
        <label className="inline">
          <span>{t('viewer.width')}</span>
          <input
            type="number"
            className="num"
            min={1}
            value={Math.round(view.width)}
            onChange={(e) => setView((v) => ({ ...v, width: Math.max(1, Number(e.target.value)) }))}
          />
        </label>
      </div>
      <div
        id={`${ids}-stage`}
        ref={stage}
        className="stage"
        tabIndex={0}
        role="img"
        aria-roledescription={t('viewer.roleDescription')}
        aria-label={t('viewer.label', { n: index + 1, total: count })}
        aria-describedby={`${ids}-keys`}
        data-testid="image-viewer"
        data-slice={index + 1}
        data-slices={count}
        data-wc={Math.round(view.center)}
        data-ww={Math.round(view.width)}
        data-zoom={view.zoom.toFixed(2)}
        data-pan={`${Math.round(view.panX)},${Math.round(view.panY)}`}
        data-loaded={frame && !(frame instanceof Error) ? 'true' : 'false'}
        onKeyDown={onKey}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onWheel={onWheel}
        onContextMenu={(e) => e.preventDefault()}
      >
        <canvas ref={canvas} style={{ width: size.w, height: size.h }} />
        <div className="overlay tl" aria-hidden="true">
          {modality} · {t('viewer.sliceOf', { n: index + 1, total: count })}
        </div>
        <div className="overlay br" aria-hidden="true">
          W {Math.round(view.width)} L {Math.round(view.center)} · {Math.round(view.zoom * 100)}%
        </div>
        {(status || loadError) && (
          <div className="overlay center" role="status">
            {loadError ?? status}
          </div>
        )}
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
        </label>
      )}
      <p id={`${ids}-keys`} className="hint">
        {t('viewer.keys')}
      </p>
    </div>
  );
}
