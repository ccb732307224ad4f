// Alerts a reader cannot miss (offers now, critical results later): a short tone, a desktop
// notification where the user allowed it, and a mark on the tab title until they look.
// The tone is synthesised with WebAudio, so there is no audio file to ship or to fail to load.

const MUTE_KEY = 'zhiyin.alerts.muted.';

/** Is the sound of alerts turned off for this user (kept in this browser, per user)? */
export function isMuted(userId: string | undefined): boolean {
  if (!userId) return false;
  try {
    return localStorage.getItem(MUTE_KEY + userId) === '1';
  } catch {
    return false;
  }
}

export function setMuted(userId: string, muted: boolean): void {
  try {
    if (muted) localStorage.setItem(MUTE_KEY + userId, '1');
    else localStorage.removeItem(MUTE_KEY + userId);
  } catch {
    // storage refused (private mode): the choice lasts for this page only
  }
}

let audio: AudioContext | undefined;

/** Two short rising beeps. Browsers may keep audio suspended until the user has touched the page; then it stays silent. */
export function playChime(): void {
  const Ctx =
    window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctx) return;
  try {
    audio ??= new Ctx();
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
    const start = audio.currentTime;
    [880, 1320].forEach((hz, i) => {
      const osc = audio!.createOscillator();
      const gain = audio!.createGain();
      osc.type = 'sine';
      osc.frequency.value = hz;
      const t0 = start + i * 0.18;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.3, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.15);
      osc.connect(gain).connect(audio!.destination);
      osc.start(t0);
      osc.stop(t0 + 0.16);
    });
  } catch {
    // no sound device: the notification and the title still carry the alert
  }
}

/** Can this browser show desktop notifications, and what has the user said? */
export function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks for notification permission; call only from a user gesture (a click), never on load. */
export async function requestNotifications(): Promise<NotificationPermission | 'unsupported'> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

let baseTitle: string | undefined;
let pending = 0;
let titleLabel = '';

function restoreTitle(): void {
  if (baseTitle !== undefined) document.title = baseTitle;
  baseTitle = undefined;
  pending = 0;
}

/** Prefixes the tab title with the number of alerts waiting, until cleared or the tab gets focus. */
export function markTitle(label: string): void {
  baseTitle ??= document.title;
  pending++;
  titleLabel = label;
  document.title = `(${pending}) ${titleLabel} · ${baseTitle}`;
}

/** Takes the mark off the tab title (the alert was answered). */
export function clearTitle(): void {
  restoreTitle();
}

if (typeof window !== 'undefined') window.addEventListener('focus', restoreTitle);

export interface AlertInput {
  /** the user the alert is for (whose mute setting applies) */
  userId: string | undefined;
  /** short title for the notification and the tab, e.g. "新会诊" */
  title: string;
  /** one line of what it is about; no names or IDs, since notifications show on a locked screen */
  body: string;
  /** alerts with the same tag replace each other on the desktop */
  tag: string;
  /** opened when the user clicks the notification */
  onClick?: () => void;
}

/** Sound (unless muted), desktop notification (if allowed) and tab title, all at once. */
export function alert(input: AlertInput): void {
  if (!isMuted(input.userId)) playChime();
  if (notificationPermission() === 'granted') {
    try {
      const n = new Notification(input.title, { body: input.body, tag: input.tag, requireInteraction: true });
      n.onclick = () => {
        window.focus();
        input.onClick?.();
        n.close();
      };
    } catch {
      // some browsers allow notifications only from a service worker: the other two channels remain
    }
  }
  markTitle(input.title);
}
