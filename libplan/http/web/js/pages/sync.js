// On a sync agent: how replication stands (last success, pending and
// rejected changes with their reasons, conflicts), and Sync now.
import { call } from '../api.js';
import { formatDateTime } from '../format.js';
import {
  apiErrorSummary, button, h, successBanner, table,
} from '../dom.js';

export async function render(view, notice = null) {
  const status = await call('GET', '/v1/agent/syncStatus');
  const messages = h('div', {});
  if (notice) messages.append(notice);
  const row = (key, value) => h('div', { className: 'govuk-summary-list__row' },
    h('dt', { className: 'govuk-summary-list__key' }, key),
    h('dd', { className: 'govuk-summary-list__value' }, value));
  const rejected = status.rejected || [];
  const form = h('form', { novalidate: true }, button('Sync now'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const submit = form.querySelector('button');
    submit.disabled = true;
    submit.textContent = 'Syncing…';
    try {
      const result = await call('POST', '/v1/agent:syncNow');
      const sent = Number(result.pushed || 0);
      const received = Number(result.pulled || 0);
      await render(view, successBanner(`Synced: ${sent} change${sent === 1 ? '' : 's'} sent, ${received} received.`));
      view.announce(document.querySelector('.govuk-notification-banner'));
    } catch (error) {
      submit.disabled = false;
      submit.textContent = 'Sync now';
      const summary = apiErrorSummary(error);
      view.report(messages, summary);
    }
  });
  view.show('Sync',
    messages,
    h('dl', { className: 'govuk-summary-list' },
      row('Last successful sync', status.lastSuccess ? formatDateTime(status.lastSuccess) : 'Never'),
      row('Last attempt', status.lastAttempt ? formatDateTime(status.lastAttempt) : 'Never'),
      status.lastError ? row('Last problem', status.lastError) : null,
      row('Changes waiting to be sent', String(status.pendingChanges || 0)),
      row('Open conflicts', h('span', {}, String(status.openConflicts || 0),
        Number(status.openConflicts || 0) > 0 ? [' (', h('a', { href: '#/conflicts', className: 'govuk-link' }, 'see them'), ')'] : null)),
      row('Schedule', status.schedule || 'manual'),
      status.nextSync ? row('Next sync', formatDateTime(status.nextSync)) : null,
      row('Plan service', status.server || '')),
    form,
    h('h2', { className: 'govuk-heading-m' }, 'Changes the plan service refused'),
    rejected.length === 0
      ? h('p', { className: 'govuk-body' }, 'None.')
      : table('', [
        { label: 'When', header: true, cell: (r) => formatDateTime(r.time) },
        { label: 'Change', cell: (r) => r.target || r.changeId || '' },
        { label: 'Reason', cell: (r) => r.reason },
      ], [...rejected].reverse()));
}
