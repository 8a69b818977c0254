// UK conventions: dates like "6 December 2026", times in Europe/London.

const ZONE = 'Europe/London';
const dateFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE, day: 'numeric', month: 'long', year: 'numeric',
});
const timeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE, hour: '2-digit', minute: '2-digit', hour12: false,
});
const monthFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC', month: 'long', year: 'numeric',
});

// "6 December 2026" for an RFC 3339 time (or a Date); "" for none.
export function formatDate(time) {
  if (!time) return '';
  const date = time instanceof Date ? time : new Date(time);
  return Number.isNaN(date.getTime()) ? '' : dateFormat.format(date);
}

// "6 December 2026 at 14:05", UK time.
export function formatDateTime(time) {
  if (!time) return '';
  const date = time instanceof Date ? time : new Date(time);
  if (Number.isNaN(date.getTime())) return '';
  return `${dateFormat.format(date)} at ${timeFormat.format(date)}`;
}

// "March 2025" for "2025-03".
export function formatMonth(month) {
  const match = /^(\d{4})-(\d{2})$/.exec(month || '');
  if (!match) return month || '';
  return monthFormat.format(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)));
}

// This month in the UK, "YYYY-MM".
export function thisMonth(now = new Date()) {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE, year: 'numeric', month: '2-digit',
  }).formatToParts(now);
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}`;
}

// Whether an action is overdue: past its end month, not ongoing, not
// complete (as the service's reports judge it, but on UK time).
export function isOverdue(action, month = thisMonth()) {
  const timescale = action.timescale || {};
  return Boolean(timescale.end) && !timescale.ongoing && timescale.end < month &&
    action.rag !== 'BLUE';
}

export const RAG_LABELS = {
  RED: 'Red', AMBER: 'Amber', GREEN: 'Green', BLUE: 'Complete', RAG_UNSPECIFIED: 'Not set',
};
