import {
  DicomError,
  DICOM_ERROR_CODES,
  detectExecutablePreamble,
  isDicomError,
  parseFull,
  parseHeader,
  toDicomError,
  tryParseFull,
  tryParseHeader,
} from './index.js';
import type { DicomErrorCode } from './index.js';
import { SECONDARY_CAPTURE, concat, el, identity, image, part10, us } from '../test/builder.js';
import { readSample } from '../test/samples.js';

function codeOf(fn: () => unknown): DicomErrorCode | 'NO_ERROR' {
  try {
    fn();
    return 'NO_ERROR';
  } catch (e) {
    expect(e).toBeInstanceOf(DicomError);
    return (e as DicomError).code;
  }
}

/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('DicomError', () => {
  it('normalises what dicom-parser throws: strings, { exception, dataSet } objects and Errors', () => {
    const fromString = toDicomError(
      'dicomParser.readPart10Header: DICM prefix not found at location 132 - this is not a valid DICOM P10 file.',
    );
    expect(fromString.code).toBe('NOT_DICOM');
    const withDataSet = toDicomError({
      exception: 'dicomParser:parseDicomDataSetExplicit: buffer overrun',
      dataSet: { elements: { x00100010: { secret: 'Doe^John' } } },
    });
    expect(withDataSet.code).toBe('TRUNCATED');
    expect(JSON.stringify(withDataSet.toJSON())).not.toContain('Doe');
    expect(
      toDicomError(new Error('dicomParser.parseDicom: missing required meta header attribute 0002,0010')),
    ).toMatchObject({
      code: 'MISSING_ATTRIBUTE',
      tag: '00020010',
    });
    expect(toDicomError(42).code).toBe('MALFORMED');
    expect(toDicomError(null, 'INVALID_VALUE').code).toBe('INVALID_VALUE');
    const same = new DicomError('TRUNCATED', 'x');
    expect(toDicomError(same)).toBe(same);
    expect(isDicomError(same)).toBe(true);
    expect(isDicomError('TRUNCATED')).toBe(false);
  });

  it('has a stable list of codes', () => {
    expect(DICOM_ERROR_CODES).toEqual(
      expect.arrayContaining(['NOT_DICOM', 'NO_PREAMBLE', 'EXECUTABLE_PREAMBLE', 'NEED_MORE_BYTES', 'TRUNCATED']),
    );
    expect(new Set(DICOM_ERROR_CODES).size).toBe(DICOM_ERROR_CODES.length);
  });
});

describe('input that is not DICOM', () => {
  it('refuses empty input', () => {
    expect(codeOf(() => parseFull(new Uint8Array(0)))).toBe('NOT_DICOM');
    expect(codeOf(() => parseHeader(new Uint8Array(0), { complete: true }))).toBe('NOT_DICOM');
    // An empty prefix of a stream that has not ended yet just needs bytes.
    const r = tryParseHeader(new Uint8Array(0));
    expect(r.ok ? undefined : r.error).toMatchObject({ code: 'NEED_MORE_BYTES', bytesNeeded: 132 });
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('refuses random bytes (seed %i)', (seed) => {
    const bytes = randomBytes(4096, seed);
    expect(codeOf(() => parseFull(bytes))).toBe('NOT_DICOM');
    expect(codeOf(() => parseHeader(bytes))).toBe('NOT_DICOM');
  });

  it('refuses random bytes behind a valid preamble and DICM marker as malformed, never crashing', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const bytes = randomBytes(2048, seed);
      bytes.fill(0, 0, 128);
      bytes.set([0x44, 0x49, 0x43, 0x4d], 128);
      const r = tryParseFull(bytes);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['MALFORMED', 'TRUNCATED', 'MISSING_ATTRIBUTE', 'NOT_DICOM']).toContain(r.error.code);
    }
  });

  it('refuses a data set without preamble as NO_PREAMBLE', () => {
    const file = readSample('dicom/pydicom__MR_small.dcm');
    expect(codeOf(() => parseFull(file.subarray(128)))).toBe('NO_PREAMBLE'); // starts with DICM
    expect(codeOf(() => parseFull(file.subarray(132)))).toBe('NO_PREAMBLE'); // starts with (0002,0000)
    const bareDataSet = concat(identity()); // starts with (0008,0016) UI
    expect(codeOf(() => parseFull(bareDataSet))).toBe('NO_PREAMBLE');
    expect(codeOf(() => parseHeader(bareDataSet, { complete: true }))).toBe('NO_PREAMBLE');
  });
});

describe('executable preambles', () => {
  const ok = part10([...identity(), ...image(2, 2, 4)]);

  it('accepts the synthetic file with an all-zero preamble', () => {
    expect(parseFull(ok).raw).toBeDefined();
  });

  it.each([
    ['MZ (DOS/PE)', [0x4d, 0x5a, 0x90, 0x00]],
    ['ELF', [0x7f, 0x45, 0x4c, 0x46]],
    ['Mach-O FEEDFACE', [0xfe, 0xed, 0xfa, 0xce]],
    ['Mach-O FEEDFACF', [0xfe, 0xed, 0xfa, 0xcf]],
    ['Mach-O CEFAEDFE', [0xce, 0xfa, 0xed, 0xfe]],
    ['Mach-O CFFAEDFE', [0xcf, 0xfa, 0xed, 0xfe]],
    ['Mach-O universal CAFEBABE', [0xca, 0xfe, 0xba, 0xbe]],
    ['shell script', [0x23, 0x21, 0x2f, 0x62]],
  ])('refuses %s as EXECUTABLE_PREAMBLE', (_name, magic) => {
    const file = part10([...identity(), ...image(2, 2, 4)], { preamble: new Uint8Array(magic) });
    expect(detectExecutablePreamble(file.subarray(0, 132))).toBe(true);
    expect(codeOf(() => parseFull(file))).toBe('EXECUTABLE_PREAMBLE');
    expect(codeOf(() => parseHeader(file.subarray(0, 200)))).toBe('EXECUTABLE_PREAMBLE');
  });

  it('accepts the TIFF header of the dual-personality CT_small file', () => {
    const file = readSample('dicom/pydicom__CT_small.dcm');
    expect([...file.subarray(0, 4)]).toEqual([0x49, 0x49, 0x2a, 0x00]);
    expect(detectExecutablePreamble(file.subarray(0, 132))).toBe(false);
    expect(parseFull(file).transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(detectExecutablePreamble(new Uint8Array([0x4d, 0x4d, 0x00, 0x2a]))).toBe(false);
    expect(detectExecutablePreamble(new Uint8Array(132))).toBe(false);
    expect(detectExecutablePreamble(new Uint8Array([0x4d]))).toBe(false);
  });
});

describe('truncated files', () => {
  const samples = [
    'dicom/pydicom__MR_small.dcm',
    'dicom/pydicom__MR_small_implicit.dcm',
    'dicom/pydicom__MR_small_bigendian.dcm',
    'dicom/pydicom__SC_rgb_rle_2frame.dcm',
    'dicom/pydicom__image_dfl.dcm',
    'dicom/pydicom__test-SR.dcm',
    'ecg/syn_ecg_sinus_gb18030_mdc.dcm',
  ];

  /**
   * Cuts that cannot be told from a complete file: exactly where a top-level element ends, or a few zero bytes
   * after it (the start of a big endian tag looks like trailing zero padding, which is tolerated).
   */
  function ambiguousCuts(file: Uint8Array): (cut: number) => boolean {
    const ds = parseFull(file);
    if (ds.transferSyntax.deflated) return () => false;
    const ends = Object.values(ds.raw.elements).map((e) => e.dataOffset + e.length);
    return (cut) =>
      ends.some((end) => end <= cut && cut - end < 8 && file.subarray(end, cut).every((b) => b === 0)) && cut > 132;
  }

  it.each(samples)('%s: a whole file cut anywhere is TRUNCATED (or NOT_DICOM before the marker)', (path) => {
    const file = readSample(path);
    const ambiguous = ambiguousCuts(file);
    const step = Math.max(1, Math.floor(file.length / 150));
    for (let cut = 0; cut < file.length; cut += step) {
      if (ambiguous(cut)) continue;
      const code = codeOf(() => parseFull(file.subarray(0, cut)));
      const expected = cut < 132 ? ['NOT_DICOM', 'NO_PREAMBLE'] : ['TRUNCATED'];
      if (!expected.includes(code)) throw new Error(`cut at ${cut}: ${code}`);
    }
  });

  it.each(samples)('%s: a prefix is NEED_MORE_BYTES until the header is complete, then parses', (path) => {
    const file = readSample(path);
    const ambiguous = ambiguousCuts(file);
    const full = parseHeader(file, { complete: true });
    let firstOk: number | undefined;
    const step = Math.max(37, Math.floor(file.length / 300));
    for (let cut = 0; cut <= file.length; cut += step) {
      const r = tryParseHeader(file.subarray(0, cut));
      if (r.ok) {
        firstOk ??= cut;
        expect(r.value.summary).toEqual(full.summary);
      } else {
        expect(r.error.code).toBe('NEED_MORE_BYTES');
        expect(r.error.bytesNeeded).toBeGreaterThan(cut);
        // The same prefix declared as the whole file is truncated (unless cut exactly between two elements).
        if (cut >= 132 && !ambiguous(cut)) {
          expect(codeOf(() => parseHeader(file.subarray(0, cut), { complete: true }))).toBe('TRUNCATED');
        }
      }
    }
    if (full.dataset.stoppedAt) expect(firstOk).toBeDefined();
  });

  it('says TRUNCATED when the total length is known and the header needs more than the file has', () => {
    const file = readSample('dicom/pydicom__MR_small.dcm');
    const cut = file.subarray(0, 600);
    expect(codeOf(() => parseHeader(cut, { totalLength: 600 }))).toBe('TRUNCATED');
    expect(codeOf(() => parseHeader(cut, { totalLength: file.length }))).toBe('NEED_MORE_BYTES');
  });

  it('says TRUNCATED when pixel data ends early in a whole file, though the header alone is fine', () => {
    const file = readSample('dicom/pydicom__CT_small.dcm');
    const cut = file.subarray(0, file.length - 100);
    expect(parseHeader(cut.subarray(0, 8192)).summary.modality).toBe('CT');
    expect(codeOf(() => parseFull(cut))).toBe('TRUNCATED');
  });

  it('tolerates a few zero bytes of trailing padding', () => {
    const file = readSample('dicom/pydicom__MR_small.dcm');
    const padded = new Uint8Array(file.length + 3);
    padded.set(file);
    const ds = parseFull(padded);
    expect(ds.warnings).toContain('Trailing zero bytes after the data set');
    expect(parseHeader(padded, { complete: true, stopAtTags: [] }).summary.modality).toBe('MR');
  });
});

describe('validation', () => {
  it('refuses a pixel length mismatch made by editing Rows in a copy of a real file', () => {
    const file = readSample('dicom/pydicom__MR_small.dcm').slice();
    const ds = parseFull(file);
    const rows = ds.raw.elements['x00280010'];
    expect(rows).toBeDefined();
    new DataView(file.buffer, file.byteOffset).setUint16(rows?.dataOffset ?? 0, 65, true);
    const e = (() => {
      try {
        parseFull(file);
      } catch (err) {
        return err as DicomError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('PIXEL_LENGTH_MISMATCH');
    expect(e?.message).toContain('8192');
    expect(e?.message).toContain('8320');
    // The header alone already tells: the pixel data element's length is in its header.
    expect(codeOf(() => parseHeader(file.subarray(0, 2048)))).toBe('PIXEL_LENGTH_MISMATCH');
  });

  it('accepts one trailing pad byte for odd-sized 8-bit data and packs 1-bit data', () => {
    expect(parseFull(part10([...identity(), ...image(3, 3, 10)])).complete).toBe(true);
    expect(codeOf(() => parseFull(part10([...identity(), ...image(3, 3, 12)])))).toBe('PIXEL_LENGTH_MISMATCH');
    // 1-bit: 5 × 5 × 3 frames = 75 bits → 10 bytes (9.375 rounded up), even already.
    expect(parseFull(part10([...identity(), ...image(5, 5, 10, 1, 3)])).complete).toBe(true);
    expect(codeOf(() => parseFull(part10([...identity(), ...image(5, 5, 75, 1, 3)])))).toBe('PIXEL_LENGTH_MISMATCH');
    // The real 1-bit segmentation passes: 512 × 512 / 8 bytes.
    expect(parseFull(readSample('dicom/pydicom__liver_1frame.dcm')).complete).toBe(true);
  });

  it.each([
    ['00080016', 'SOPClassUID'],
    ['00080018', 'SOPInstanceUID'],
    ['0020000D', 'StudyInstanceUID'],
    ['0020000E', 'SeriesInstanceUID'],
    ['00080060', 'Modality'],
  ])('refuses a missing %s (%s) with the tag in the error, no values', (tag, keyword) => {
    const file = part10([...identity({ [tag]: undefined }), ...image(2, 2, 4)]);
    try {
      parseFull(file);
      throw new Error('accepted');
    } catch (e) {
      expect(e).toMatchObject({ code: 'MISSING_ATTRIBUTE', tag, keyword });
      expect((e as Error).message).not.toMatch(/1\.2\.3/);
    }
  });

  it('refuses an image storage instance without pixel data (e.g. an upload cut right before it)', () => {
    const sc = { '00080016': SECONDARY_CAPTURE };
    expect(parseFull(part10([...identity(sc), ...image(2, 2, 4)])).complete).toBe(true);
    const file = part10(identity(sc));
    expect(() => parseFull(file)).toThrow(expect.objectContaining({ code: 'MISSING_ATTRIBUTE', tag: '7FE00010' }));
    const ct = readSample('dicom/pydicom__CT_small.dcm');
    const pixelHeader = parseFull(ct).raw.elements['x7fe00010']?.dataOffset ?? 0;
    expect(codeOf(() => parseFull(ct.subarray(0, pixelHeader - 12)))).toBe('MISSING_ATTRIBUTE');
  });

  it('refuses missing image attributes when there is pixel data', () => {
    const file = part10([
      ...identity(),
      el('00280011', 'US', us(2)),
      el('00280100', 'US', us(8)),
      el('7FE00010', 'OB', new Uint8Array(4)),
    ]);
    expect(codeOf(() => parseFull(file))).toBe('MISSING_ATTRIBUTE');
  });

  it('refuses a UID that is not digits and dots, but accepts the 999. root of a real file', () => {
    expect(codeOf(() => parseFull(part10([...identity({ '0020000D': '1.2.abc' }), ...image(2, 2, 4)])))).toBe(
      'INVALID_VALUE',
    );
    expect(codeOf(() => parseFull(part10([...identity({ '00080018': '1.2/../3' }), ...image(2, 2, 4)])))).toBe(
      'INVALID_VALUE',
    );
    const gdcm = parseFull(readSample('dicom/libgdcm3.0__00191113_XA_jpegll_4frames.dcm'));
    expect(gdcm.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.70');
  });

  it('refuses an unknown transfer syntax', () => {
    const file = part10([...identity(), ...image(2, 2, 4)], { transferSyntax: '1.2.3.999' });
    expect(codeOf(() => parseFull(file))).toBe('UNSUPPORTED_TRANSFER_SYNTAX');
    expect(codeOf(() => parseHeader(file.subarray(0, 300)))).toBe('UNSUPPORTED_TRANSFER_SYNTAX');
  });

  it('refuses encapsulated pixel data with a defined length', () => {
    const file = part10([...identity(), ...image(2, 2, 4)], { transferSyntax: '1.2.840.10008.1.2.4.50' });
    expect(codeOf(() => parseFull(file))).toBe('INVALID_VALUE');
  });

  it('reports structural damage as MALFORMED', () => {
    const file = part10([...identity(), el('00100010', 'PN', 'A^B')]);
    const broken = file.slice();
    broken.set([0x31, 0x32], broken.length - 12 + 4); // VR "12" where "PN" was
    expect(codeOf(() => parseFull(broken))).toBe('MALFORMED');
    expect(codeOf(() => parseHeader(broken, { complete: true }))).toBe('MALFORMED');
  });

  it('can skip validation (e.g. to show what an upload contains before refusing it)', () => {
    const file = part10([...identity({ '0020000D': undefined }), ...image(2, 2, 4)]);
    expect(parseFull(file, { validate: false }).raw.elements['x0020000d']).toBeUndefined();
    expect(parseHeader(file, { complete: true, validate: false }).summary.studyInstanceUid).toBeUndefined();
  });
});
