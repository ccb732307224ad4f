import { AsyncLocalStorage } from 'node:async_hooks';
import type { Namespace } from 'socket.io';

/** Who a recovered session belonged to, and who is asking for it (null: nobody verifiable). */
export type SessionOwner = (data: unknown) => string | null;
export type HandshakeUser = (auth: Record<string, unknown>) => string | null;

/**
 * Connection state recovery hands a dropped connection's rooms and missed events to whoever presents
 * its private id and offset. Those are sent to the client, so they must not stand in for a sign-in:
 * a session is restored only to the same user (the owner of the saved session equals the user of the
 * new handshake's token); anyone else gets a fresh session and joins only their own rooms.
 *
 * socket.io restores the session (and queues the missed events) when it creates the socket, before
 * any middleware runs, and its adapter sees only the private id and offset. So the user of the
 * handshake is carried to the adapter's restoreSession in async-local storage, set around the
 * namespace's socket creation.
 */
export function restoreOnlyToSameUser(nsp: Namespace, owner: SessionOwner, userOf: HandshakeUser): void {
  const asking = new AsyncLocalStorage<string | null>();
  // socket.io's own adapters answer null for a session they do not have; its type says otherwise.
  const adapter = nsp.adapter as unknown as {
    restoreSession(pid: string, offset: string): Promise<{ data?: unknown } | null>;
  };
  const restore = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restore(pid, offset);
    if (!session) return session;
    const expected = asking.getStore();
    const saved = owner(session.data);
    return expected && saved && expected === saved ? session : null;
  };
  // The one place where the handshake's auth and the session restore meet (socket.io 4.x).
  const internals = nsp as unknown as {
    _createSocket(client: unknown, auth: Record<string, unknown>): Promise<unknown>;
  };
  if (typeof internals._createSocket !== 'function') {
    // A socket.io without this hook: recovery is refused to everyone rather than trusted blindly.
    adapter.restoreSession = () => Promise.resolve(null);
    return;
  }
  const create = internals._createSocket.bind(nsp);
  internals._createSocket = (client, auth) => asking.run(userOf(auth ?? {}), () => create(client, auth));
}
