import { authorizedFetch } from '../../lib/api';
import { first, type DicomJson } from '../dicomweb/qido';

/** Red, green and blue: the Palette Color Lookup Table Descriptor and Data tags (PS3.3 C.7.6.3.1.5-6). */
const PALETTES = [
  { descriptor: '00281101', data: '00281201' },
  { descriptor: '00281102', data: '00281202' },
  { descriptor: '00281103', data: '00281203' },
] as const;

/**
 * A palette colour instance's lookup tables as plain numbers, the form the image loader's WADO-RS metadata provider
 * reads (it takes `Value` arrays only). In the DICOM JSON model the tables are OW: a BulkDataURI (what Zhiyin
 * writes) or InlineBinary (what other servers may write), so they are fetched or decoded here, before the metadata is
 * registered; without them the loader has no colours and the image cannot be drawn. Other instances are returned as
 * they are.
 */
export async function withPaletteLuts(ds: DicomJson, signal?: AbortSignal): Promise<DicomJson> {
  if (first(ds, '00280004') !== 'PALETTE COLOR') return ds;
  const out: DicomJson = { ...ds };
  await Promise.all(
    PALETTES.map(async ({ descriptor, data }) => {
      const d = (ds[descriptor]?.Value ?? []).map(Number);
      if (d.length !== 3 || !d.every(Number.isFinite)) return;
      // A first value of 0 means 65536 entries; a descriptor sent as SS reads 2^16 - n for large tables.
      const entries = d[0]! <= 0 ? d[0]! + 65536 : d[0]!;
      const bytes = await lutBytes(ds[data], signal);
      if (!bytes) return;
      // 8-bit entries are packed one per byte when the table is exactly one byte an entry; otherwise each entry is a
      // little-endian 16-bit word (as the loader's own Part 10 reader decides).
      const bits = bytes.length === entries ? 8 : 16;
      const values: number[] = [];
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < entries; i++) {
        if (bits === 8) values.push(bytes[i] ?? 0);
        else values.push(2 * i + 1 < bytes.length ? view.getUint16(2 * i, true) : 0);
      }
      out[descriptor] = { vr: ds[descriptor]!.vr, Value: [entries, d[1]!, bits] };
      out[data] = { vr: ds[data]!.vr, Value: values };
    }),
  );
  return out;
}

async function lutBytes(el: DicomJson[string] | undefined, signal?: AbortSignal): Promise<Uint8Array | undefined> {
  if (!el) return undefined;
  if (el.InlineBinary) return Uint8Array.from(atob(el.InlineBinary), (c) => c.charCodeAt(0));
  const path = el.BulkDataURI ? sameOriginPath(el.BulkDataURI) : undefined;
  if (!path) return undefined;
  const res = await authorizedFetch(path, {
    signal,
    headers: { accept: 'application/octet-stream' },
  });
  if (!res.ok) return undefined;
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * The bulk data's path on this app's own origin. The server writes absolute URIs from its configured public address,
 * which may name this origin differently (another host name, a proxy's): the bearer token only ever goes to the
 * origin the app was loaded from, where the DICOMweb paths are served (as for the frames).
 */
function sameOriginPath(uri: string): string | undefined {
  const url = new URL(uri, location.href);
  if (url.origin === location.origin) return `${url.pathname}${url.search}`;
  const at = url.pathname.indexOf('/dicomweb/');
  return at >= 0 ? `${url.pathname.slice(at)}${url.search}` : undefined;
}
