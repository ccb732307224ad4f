import sharp from 'sharp';
import { checkPdf, readPhoto } from './photo.js';

const picture = () => sharp({ create: { width: 64, height: 32, channels: 3, background: { r: 250, g: 220, b: 230 } } });
const codeOf = async (p: Promise<unknown>) =>
  p.then(
    () => 'NO ERROR',
    (e: { code?: string }) => e.code,
  );

describe('photos and scans of paper ECGs', () => {
  it('keeps a baseline JPEG byte for byte, and says whether its chroma is subsampled', async () => {
    const j420 = await picture().jpeg({ chromaSubsampling: '4:2:0' }).toBuffer();
    const j444 = await picture().jpeg({ chromaSubsampling: '4:4:4' }).toBuffer();
    expect(await readPhoto(j420, 'jpeg')).toMatchObject({ kind: 'jpeg', rows: 32, columns: 64, subsampled: true });
    expect(await readPhoto(j444, 'jpeg')).toMatchObject({ kind: 'jpeg', subsampled: false });
    expect(((await readPhoto(j420, 'jpeg')) as { bytes: Buffer }).bytes.equals(j420)).toBe(true);
  });

  it('decodes what DICOM cannot carry as JPEG baseline (progressive, turned by EXIF) to upright RGB', async () => {
    const progressive = await picture().jpeg({ progressive: true }).toBuffer();
    expect(await readPhoto(progressive, 'jpeg')).toMatchObject({ kind: 'rgb', rows: 32, columns: 64 });
    // EXIF orientation 6: the camera was held upright, the pixels lie on their side
    const turned = await picture().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    expect(await readPhoto(turned, 'jpeg')).toMatchObject({ kind: 'rgb', rows: 64, columns: 32 });
    const png = await picture().png().toBuffer();
    const rgb = await readPhoto(png, 'png');
    expect(rgb).toMatchObject({ kind: 'rgb', rows: 32, columns: 64 });
    expect((rgb as { pixels: Buffer }).pixels.length).toBe(64 * 32 * 3);
  });

  it('refuses a damaged picture or a PDF cut short with a stable code', async () => {
    const png = await picture().png().toBuffer();
    expect(await codeOf(readPhoto(png.subarray(0, 40), 'png'))).toBe('DOCUMENT_INVALID');
    expect(() => checkPdf(Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n'))).toThrow(
      expect.objectContaining({ code: 'DOCUMENT_INVALID' }),
    );
    expect(() => checkPdf(Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n'))).not.toThrow();
  });
});
