// The county dashboard, live: each county plan's summary (and each
// district's, for a plan with no county above it), read again every minute.
import { call } from '../api.js';
import { formatDate, formatDateTime } from '../format.js';
import {
  h, ragTag, secondaryButton, table, timescaleText, whileBusy,
} from '../dom.js';
import { actionHref, displayName, organisationNames, plans } from '../data.js';

const REFRESH_MS = 60 * 1000;
// Partners whose agents have not synced for this long are listed.
const UNSYNCED_DAYS = 7;
let timer = null;

const COUNT_COLUMNS = [
  ['red', 'Red'], ['amber', 'Amber'], ['green', 'Green'], ['blue', 'Complete'],
  ['unset', 'Not set'], ['overdue', 'Overdue'], ['total', 'Total'],
];

function countColumns() {
  return COUNT_COLUMNS.map(([key, label]) => ({ label, cell: (row) => String((row.counts || {})[key] || 0) }));
}

export async function render(view) {
  // The time of the last reading is shown, not announced; an update asked
  // for is announced.
  const status = h('p', { className: 'govuk-body-s' });
  const announced = h('p', { className: 'govuk-visually-hidden', role: 'status' });
  const body = h('div', {});
  let last = '';
  const refresh = async () => {
    const [all, names] = await Promise.all([plans(), organisationNames()]);
    const counties = new Set(all.filter((p) => p.level === 'COUNTY').map((p) => p.name));
    // Each county plan, and each plan with no county plan above it.
    const shown = all.filter((p) => counties.has(p.name) || !counties.has(p.parent));
    const summaries = [];
    // Which partners' agents sync here: only for administrators and county
    // owners (others are refused, and see no panel), and only on the plan
    // service (an agent has no such list).
    const replicas = await call('GET', '/v1/replicas').catch(() => null);
    for (const plan of shown) {
      summaries.push(counties.has(plan.name)
        ? { county: true, summary: await call('GET', `/v1/${plan.name}:countySummary`) }
        : { county: false, summary: await call('GET', `/v1/${plan.name}:summary`) });
    }
    status.textContent = `Last updated ${formatDateTime(new Date())}. It updates itself every minute.`;
    // Redrawn only when something changed, so that keyboard focus stays.
    const panel = replicas ? unsynced(replicas.replicas || [], names) : null;
    const now = JSON.stringify([summaries.map((s) => ({ ...s.summary, asOf: '' })),
      panel ? panel.textContent : '']);
    if (now === last) return;
    last = now;
    body.replaceChildren(...[panel, ...summaries.map((s) => (s.county ? county(s.summary, names) : district(s.summary, names)))]
      .filter((section) => section !== null));
  };
  await refresh();
  const again = secondaryButton('Update now', {
    type: 'button',
    className: 'govuk-button govuk-button--secondary app-no-print',
    onclick: (event) => whileBusy(event.currentTarget, () => refresh()
      .then(() => { announced.textContent = status.textContent; })
      .catch((e) => { announced.textContent = `Could not update: ${e.message}`; })),
  });
  view.show('Dashboard', status, announced, again, body);
  if (timer) clearInterval(timer);
  timer = setInterval(() => {
    if (!document.body.contains(body)) {
      clearInterval(timer);
      timer = null;
      return;
    }
    refresh().catch((e) => { status.textContent = `Could not update: ${e.message}`; });
  }, REFRESH_MS);
}

function county(summary, names) {
  return h('section', { 'aria-label': summary.title },
    h('h2', { className: 'govuk-heading-m' }, summary.title),
    h('p', { className: 'govuk-body' }, `Overdue as of ${formatDate(summary.asOf)}.`),
    table('All districts', [{ label: 'Plan', header: true, cell: () => 'All' }, ...countColumns()],
      [{ counts: summary.totals }]),
    table('By district', [
      { label: 'District', header: true, cell: (row) => h('a', { href: `#/${row.plan}`, className: 'govuk-link' }, row.title) },
      ...countColumns(),
    ], (summary.districts || []).map((d) => ({ ...d, counts: d.totals }))),
    overdue(summary.overdue || [], names),
    byOrganisation(summary.byOrganisation || []));
}

function district(summary, names) {
  return h('section', { 'aria-label': summary.title },
    h('h2', { className: 'govuk-heading-m' }, summary.title),
    h('p', { className: 'govuk-body' }, `Overdue as of ${formatDate(summary.asOf)}.`),
    table('By strand', [
      { label: 'Strand', header: true, cell: (row) => row.title || 'No strand' },
      ...countColumns(),
    ], summary.strands || []),
    overdue(summary.overdue || [], names),
    byOrganisation(summary.byOrganisation || []));
}

function overdue(actions, names) {
  if (actions.length === 0) return h('p', { className: 'govuk-body' }, 'No actions are overdue.');
  return table(`Overdue actions (${actions.length})`, [
    { label: 'Action', header: true, cell: (a) => h('a', { href: actionHref(a.action), className: 'govuk-link' }, a.description) },
    { label: 'Activity', cell: (a) => a.activityTitle },
    {
      label: 'Lead',
      cell: (a) => (a.ownerOrganisation ? [a.ownerOrganisation] : a.leadOrganisations || [])
        .map((o) => displayName(names, o)).join(', '),
    },
    { label: 'Timescale', cell: (a) => timescaleText(a.timescale) },
    { label: 'RAG', cell: (a) => ragTag(a.rag) },
  ], actions);
}

function byOrganisation(rows) {
  if (rows.length === 0) return null;
  return table('By partner', [
    { label: 'Partner', header: true, cell: (row) => row.displayName },
    ...countColumns(),
  ], rows);
}

// The partners whose agents have not synced in UNSYNCED_DAYS days (or
// never), the longest first, as the service lists them.
function unsynced(replicas, names) {
  const cutoff = Date.now() - UNSYNCED_DAYS * 24 * 60 * 60 * 1000;
  const behind = replicas.filter((r) => !r.lastSyncTime || Date.parse(r.lastSyncTime) < cutoff);
  const heading = h('h2', { className: 'govuk-heading-m' }, `Partners not synced in ${UNSYNCED_DAYS} days`);
  if (behind.length === 0) {
    return h('section', { 'aria-label': 'Partners not synced' }, heading,
      h('p', { className: 'govuk-body' },
        `All ${replicas.length} partner ${replicas.length === 1 ? 'agent has' : 'agents have'} synced in the last ${UNSYNCED_DAYS} days.`));
  }
  return h('section', { 'aria-label': 'Partners not synced' }, heading,
    table(`Not synced in ${UNSYNCED_DAYS} days (${behind.length})`, [
      { label: 'Partner', header: true, cell: (r) => displayName(names, r.organisation) },
      { label: 'Last synced', cell: (r) => (r.lastSyncTime ? formatDateTime(r.lastSyncTime) : 'Never') },
      { label: 'Changes behind', cell: (r) => String(r.lagChanges || 0) },
      { label: 'Last error', cell: (r) => r.lastError || 'None' },
    ], behind));
}
