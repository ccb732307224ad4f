import { DEMO_PASSWORD } from './processes.js';

/** A small client of the hub's HTTP API for the tests. */
export class HubApi {
  constructor(readonly url: string) {}

  async call(method: string, path: string, token?: string, body?: unknown, accept?: string) {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(accept ? { accept } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const buf = Buffer.from(await res.arrayBuffer());
    let json: any;
    try {
      json = buf.length ? JSON.parse(buf.toString('utf8')) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, buf, type: res.headers.get('content-type') ?? '' };
  }

  async login(username: string): Promise<string> {
    const res = await this.call('POST', '/api/auth/login', undefined, { username, password: DEMO_PASSWORD });
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
    return res.json.accessToken as string;
  }

  /** The instances the hub has with this SOP Instance UID (QIDO as the centre's doctor), and the first one's bytes. */
  async instance(token: string, sopUid: string): Promise<{ count: number; bytes?: Buffer }> {
    const found = await this.call('GET', `/dicomweb/instances?SOPInstanceUID=${sopUid}`, token);
    if (found.status === 204) return { count: 0 };
    if (found.status !== 200) throw new Error(`QIDO ${found.status}`);
    const list = found.json as Record<string, { Value?: string[] }>[];
    if (list.length === 0) return { count: 0 };
    const study = list[0]!['0020000D']!.Value![0];
    const series = list[0]!['0020000E']!.Value![0];
    const one = await this.call(
      'GET',
      `/dicomweb/studies/${study}/series/${series}/instances/${sopUid}`,
      token,
      undefined,
      'multipart/related; type="application/dicom"',
    );
    if (one.status !== 200) throw new Error(`WADO ${one.status}`);
    return { count: list.length, bytes: multipartBodies(one.buf, one.type)[0] };
  }
}

/** The bodies of the parts of a multipart/related answer (WADO-RS), in order. */
export function multipartBodies(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)![1]!;
  const delim = Buffer.from(`--${boundary}`);
  const out: Buffer[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd);
    out.push(body.subarray(headEnd + 4, next));
    pos = next + 2;
  }
  return out;
}

/** A Part-10 file's data set: what follows its File Meta Information group. */
export function datasetOf(file: Buffer): Buffer {
  return file.subarray(144 + file.readUInt32LE(140));
}

/** The SOP Class and Instance UIDs and transfer syntax of a Part-10 file's meta header. */
export function metaOf(file: Buffer): { sopClassUid: string; sopInstanceUid: string; transferSyntaxUid: string } {
  const end = 144 + file.readUInt32LE(140);
  const out: Record<string, string> = {};
  let p = 144;
  while (p < end) {
    const el = file.readUInt16LE(p + 2);
    const vr = file.toString('latin1', p + 4, p + 6);
    const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
    const len = long ? file.readUInt32LE(p + 8) : file.readUInt16LE(p + 6);
    const start = p + (long ? 12 : 8);
    out[el] = file.toString('latin1', start, start + len).replace(/[\0 ]+$/, '');
    p = start + len;
  }
  return { sopClassUid: out[2]!, sopInstanceUid: out[3]!, transferSyntaxUid: out[0x10]! };
}
