import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { SecondFactorChallenge, SessionView } from '@zhiyin/contracts';
import { api } from './api';
import { CSRF_HEADERS, session, type EndReason, type Role, type Session } from './session';

interface Auth {
  session: Session | null;
  /** false until the browser's existing sign-in (if any) has been picked up */
  ready: boolean;
  /** why the last session ended, shown once on the sign-in page */
  endReason: EndReason | undefined;
  /** a session, or the second step the password unlocked (a code, or setting up a second factor) */
  signIn: (username: string, password: string) => Promise<Session | SecondFactorChallenge>;
  /** starts the session the second step answered */
  completeSignIn: (tokens: SessionView) => Session;
  signInPatient: (code: string, birthDate: string) => Promise<Session>;
  signOut: () => Promise<void>;
}

const Ctx = createContext<Auth | null>(null);

/** A sign-in answer that asks for the second factor instead of giving tokens. */
export function isChallenge(answer: SessionView | SecondFactorChallenge): answer is SecondFactorChallenge {
  return 'secondFactor' in answer;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [current, setCurrent] = useState<Session | null>(() => session.get());
  const [ready, setReady] = useState(() => session.isReady());
  const [endReason, setEndReason] = useState<EndReason | undefined>();
  useEffect(() => {
    const off = session.subscribe((s, reason) => {
      setCurrent(s);
      setReady(session.isReady());
      if (!s) setEndReason(reason);
    });
    // The page's first module started picking up the sign-in before this rendered: what it has found so far.
    setCurrent(session.get());
    setReady(session.isReady());
    void session.start();
    return off;
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const answer = await api<SessionView | SecondFactorChallenge>('/api/auth/login', {
      method: 'POST',
      body: { username, password },
      auth: false,
    });
    if (isChallenge(answer)) return answer;
    setEndReason(undefined);
    return session.signedIn(answer);
  }, []);

  const completeSignIn = useCallback((tokens: SessionView) => {
    setEndReason(undefined);
    return session.signedIn(tokens);
  }, []);

  const signInPatient = useCallback(async (code: string, birthDate: string) => {
    const tokens = await api<SessionView>('/api/auth/patient-login', {
      method: 'POST',
      body: { code, birthDate },
      auth: false,
    });
    setEndReason(undefined);
    return session.signedIn(tokens);
  }, []);

  const signOut = useCallback(async () => {
    session.signedOut();
    // Ends the sign-in on the server and removes the refresh cookie; the local session is gone either way.
    await api('/api/auth/logout', { method: 'POST', headers: CSRF_HEADERS, auth: false }).catch(() => undefined);
  }, []);

  const value = useMemo(
    () => ({ session: current, ready, endReason, signIn, completeSignIn, signInPatient, signOut }),
    [current, ready, endReason, signIn, completeSignIn, signInPatient, signOut],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

/** Where each role starts. */
export function homeOf(role: Role): string {
  switch (role) {
    case 'community_doctor':
      return '/desk/referrals';
    case 'specialist':
      return '/reading';
    case 'coordinator':
      return '/board';
    case 'admin':
      return '/admin/facilities';
    case 'patient':
      return '/patient';
  }
}
