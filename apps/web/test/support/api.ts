import { api } from '../../../api/test/support/test-app.js';

/**
 * A call to the REST API as a given user (the other people at other PCs), for setting a scene:
 * JSON in and out, and any answer other than 2xx fails the test with the server's words.
 */
export async function json(t: { url: string }, method: string, path: string, token: string, body?: unknown) {
  const res = await api(t, method, path, { token, body });
  if (res.status < 200 || res.status > 299) {
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
    throw new Error(`${method} ${path}: ${res.status} ${text}`);
  }
  return res.body;
}
