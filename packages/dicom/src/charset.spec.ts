import {
  decodeText,
  isKnownCharacterSet,
  parseFull,
  parseSpecificCharacterSet,
  summarize,
  toDicomJson,
} from './index.js';
import { concat, el, identity, part10 } from '../test/builder.js';
import { readSample } from '../test/samples.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

/** A minimal instance with (0008,0005) and extra elements (given in ascending tag order after 0008,0018). */
function withCharset(charset: string | undefined, extra: Uint8Array[]): Uint8Array {
  const [sopClass, sopInstance, ...rest] = identity();
  const cs = charset === undefined ? [] : [el('00080005', 'CS', charset)];
  return part10([
    ...cs,
    sopClass as Uint8Array,
    sopInstance as Uint8Array,
    ...rest.slice(0, 1),
    ...extra,
    ...rest.slice(1),
  ]);
}

describe('decodeText', () => {
  it('decodes the single-code-element character sets with TextDecoder', () => {
    expect(decodeText(bytes(0x42, 0x75, 0x63, 0x5e, 0x4a, 0xe9, 0x72, 0xf4, 0x6d, 0x65), 'ISO_IR 100', 'PN')).toBe(
      'Buc^Jérôme',
    );
    expect(decodeText(bytes(0xbb, 0xee, 0xda, 0xe1), 'ISO_IR 144', 'PN')).toBe('Люкс');
    expect(decodeText(utf8('王^小東'), 'ISO_IR 192', 'PN')).toBe('王^小東');
    expect(decodeText(bytes(0xcd, 0xf5, 0x5e, 0xd0, 0xa1, 0xb6, 0xab), 'GB18030', 'PN')).toBe('王^小东');
    expect(decodeText(bytes(0xd5, 0xc5, 0x5e, 0xbd, 0xdc), 'GBK', 'PN')).toBe('张^杰');
  });

  it('keeps CJK Extension A and B: 䶮 (2 bytes in GB18030) and 𠮷 (4 bytes, outside the BMP)', () => {
    expect(decodeText(bytes(0xfe, 0x9f), 'GB18030', 'PN')).toBe('䶮');
    const yoshi = decodeText(bytes(0x95, 0x34, 0xb2, 0x35), 'GB18030', 'PN');
    expect(yoshi).toBe('\u{20BB7}');
    expect(yoshi).toHaveLength(2); // a surrogate pair
    expect(decodeText(utf8('𪚥^𠮷'), 'ISO_IR 192', 'PN')).toBe('𪚥^𠮷');
  });

  it('decodes ISO 2022 code extensions (escape sequences) with dicom-character-set', () => {
    // From pydicom's chrH31: `Yamada^Tarou=山田^太郎=やまだ^たろう` in \ISO 2022 IR 87.
    const file = parseFull(readSample('dicom/pydicom__chrH31.dcm'));
    expect(summarize(file).patientName).toEqual({
      Alphabetic: 'Yamada^Tarou',
      Ideographic: '山田^太郎',
      Phonetic: 'やまだ^たろう',
    });
    const yamada = bytes(0x1b, 0x24, 0x42, 0x3b, 0x33, 0x45, 0x44, 0x1b, 0x28, 0x42);
    expect(decodeText(yamada, '\\ISO 2022 IR 87', 'PN')).toBe('山田');
  });

  it('applies the character set only to PN, LO, SH, LT, ST, UT and UC', () => {
    const latin = bytes(0x41, 0xe9);
    expect(decodeText(latin, 'ISO_IR 144', 'LO')).toBe('Aщ');
    expect(decodeText(latin, 'ISO_IR 144', 'CS')).toBe('Aé');
  });

  it('reads undeclared non-ASCII text as UTF-8 when valid, else Latin-1, never failing', () => {
    expect(decodeText(utf8('张'), undefined, 'LO')).toBe('张');
    expect(decodeText(bytes(0xe9, 0x74, 0xe9), undefined, 'LO')).toBe('été');
    expect(decodeText(bytes(0xe9), 'ISO_IR 999', 'LO')).toBe('é');
  });

  it('parses Specific Character Set values', () => {
    expect(parseSpecificCharacterSet('\\ISO 2022 IR 87')).toEqual(['', 'ISO 2022 IR 87']);
    expect(parseSpecificCharacterSet('ISO_IR 192')).toEqual(['ISO_IR 192']);
    expect(parseSpecificCharacterSet(undefined)).toEqual([]);
    expect(isKnownCharacterSet('GB18030')).toBe(true);
    expect(isKnownCharacterSet('\\ISO 2022 IR 149')).toBe(true);
    expect(isKnownCharacterSet('KLINGON')).toBe(false);
  });
});

describe('character sets in files', () => {
  it('splits multi-valued GBK text after decoding: 乗 ends with the byte 0x5C, a backslash', () => {
    const value = concat([bytes(0x81, 0x5c), utf8('\\AB')]); // 乗\AB
    const file = withCharset('GBK', [
      el('00100020', 'LO', value),
      el('00101001', 'PN', concat([bytes(0x81, 0x5c), utf8('\\B ')])),
    ]);
    const json = toDicomJson(parseFull(file));
    expect(json['00100020']).toEqual({ vr: 'LO', Value: ['乗', 'AB'] });
    expect(json['00101001']).toEqual({ vr: 'PN', Value: [{ Alphabetic: '乗' }, { Alphabetic: 'B' }] });
  });

  it('decodes a GB18030 name with a character outside the BMP in all three places', () => {
    const name = concat([utf8('Ji^Xiang='), bytes(0x95, 0x34, 0xb2, 0x35), utf8('^'), bytes(0xfe, 0x9f)]);
    const file = withCharset('GB18030', [el('00100010', 'PN', name)]);
    const ds = parseFull(file);
    expect(summarize(ds).patientName).toEqual({ Alphabetic: 'Ji^Xiang', Ideographic: '𠮷^䶮' });
    expect(toDicomJson(ds)['00100010']).toEqual({
      vr: 'PN',
      Value: [{ Alphabetic: 'Ji^Xiang', Ideographic: '𠮷^䶮' }],
    });
  });

  it('decodes free text (ST) in the character set: the Chinese ECG statements', () => {
    const json = toDicomJson(parseFull(readSample('ecg/syn_ecg_sinus_gb18030_mdc.dcm')));
    const statements = (json['0040B020']?.Value ?? []).flatMap((item) => {
      const text = (item as Record<string, { Value?: unknown[] }>)['00700006']?.Value?.[0];
      return typeof text === 'string' ? [text] : [];
    });
    expect(statements).toEqual(['窦性心律 Sinus rhythm']);
    expect(json['00080080']).toEqual({ vr: 'LO', Value: ['北京市海淀区学院路社区卫生服务中心'] });
  });

  it('reads the Cyrillic sample', () => {
    expect(summarize(parseFull(readSample('dicom/pydicom__chrRuss.dcm'))).patientName).toEqual({
      Alphabetic: 'Люкceмбypг',
    });
  });
});
