// One action: its details, edited in place (RAG, timescale, description)
// with its etag, so that a stale edit is refused and shown, never applied
// over someone else's; and its progress updates, with a form for a new one.
import { ApiError, call, listAll } from '../api.js';
import { RAG_LABELS, formatDateTime } from '../format.js';
import {
  apiErrorSummary, button, errorSummary, field, h, ragTag, select, statusTags, successBanner, table,
  timescaleText, whileBusy,
} from '../dom.js';
import { activityOf, displayName, organisationNames } from '../data.js';

const RAG_OPTIONS = Object.entries(RAG_LABELS);

export async function render(view, name, notice = null) {
  const planName = name.split('/').slice(0, 2).join('/');
  const [action, activity, plan, names, updates] = await Promise.all([
    call('GET', `/v1/${name}`),
    call('GET', `/v1/${activityOf(name)}`),
    call('GET', `/v1/${planName}`),
    organisationNames(),
    listAll(`/v1/${name}/updates`, 'progressUpdates'),
  ]);
  const messages = h('div', {});
  if (notice) messages.append(notice);

  const summary = (current) => h('dl', { className: 'govuk-summary-list' },
    row('Description', h('span', { className: 'app-preformatted' }, current.description)),
    row('Timescale', timescaleText(current.timescale)),
    row('Status', statusTags(current)),
    row('Lead', current.ownerOrganisation
      ? displayName(names, current.ownerOrganisation)
      : (activity.leadOrganisations || []).map((o) => displayName(names, o)).join(', ')),
    row('Last changed', formatDateTime(current.updateTime)));

  // The edit form starts from what was read; `etag` is what it edits.
  let etag = action.etag;
  const rag = select('edit-rag', 'rag', RAG_OPTIONS, action.rag || 'RAG_UNSPECIFIED');
  const timescale = action.timescale || {};
  const text = h('input', { className: 'govuk-input', id: 'edit-timescale', type: 'text', value: timescale.text || '' });
  const start = h('input', { className: 'govuk-input govuk-input--width-10', id: 'edit-start', type: 'month', value: timescale.start || '' });
  const end = h('input', { className: 'govuk-input govuk-input--width-10', id: 'edit-end', type: 'month', value: timescale.end || '' });
  const ongoing = h('input', { className: 'govuk-checkboxes__input', id: 'edit-ongoing', type: 'checkbox', checked: Boolean(timescale.ongoing) });
  const description = h('textarea', { className: 'govuk-textarea', id: 'edit-description', rows: '5' }, action.description || '');
  const fieldIds = {
    rag: 'edit-rag', 'action.rag': 'edit-rag', 'action.timescale.text': 'edit-timescale',
    'action.timescale.start': 'edit-start', 'action.timescale.end': 'edit-end',
    'action.description': 'edit-description',
  };
  const editForm = h('form', { novalidate: true, className: 'app-no-print' },
    h('h2', { className: 'govuk-heading-m' }, 'Change this action'),
    field('edit-rag', 'Status', rag),
    h('fieldset', { className: 'govuk-fieldset' },
      h('legend', { className: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, 'Timescale'),
      field('edit-timescale', 'As written in the plan', text, 'For example, Feb 2024 – March 2025'),
      field('edit-start', 'First month', start, 'For example, 2025-03'),
      field('edit-end', 'Last month', end, 'For example, 2026-03'),
      h('div', { className: 'govuk-form-group' },
        h('div', { className: 'govuk-checkboxes govuk-checkboxes--small' },
          h('div', { className: 'govuk-checkboxes__item' }, ongoing,
            h('label', { className: 'govuk-label govuk-checkboxes__label', for: 'edit-ongoing' }, 'Ongoing, with no end'))))),
    field('edit-description', 'Description', description),
    button('Save changes', { id: 'save-changes' }));
  // What the form's values are compared with: the action as last read.
  // After a stale edit it is the current action, and a field the person
  // had not touched takes the current value, so that saving again
  // changes only what they changed.
  // Text as a form holds it (a textarea turns CRLF into LF), so that a
  // field nobody touched never counts as changed.
  const clean = (value) => (value || '').replace(/\r\n?/g, '\n').trim();
  const formValues = () => ({
    rag: rag.value,
    timescale: { text: clean(text.value), start: start.value, end: end.value, ongoing: ongoing.checked },
    description: clean(description.value),
  });
  const valuesOf = (a) => ({
    rag: a.rag || 'RAG_UNSPECIFIED',
    timescale: {
      text: clean((a.timescale || {}).text),
      start: (a.timescale || {}).start || '',
      end: (a.timescale || {}).end || '',
      ongoing: Boolean((a.timescale || {}).ongoing),
    },
    description: clean(a.description),
  });
  const same = (x, y) => JSON.stringify(x) === JSON.stringify(y);
  let base = valuesOf(action);
  const setForm = (values) => {
    rag.value = values.rag;
    text.value = values.timescale.text;
    start.value = values.timescale.start;
    end.value = values.timescale.end;
    ongoing.checked = values.timescale.ongoing;
    description.value = values.description;
  };
  editForm.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(editForm.querySelector('button'), save);
  });
  const save = async () => {
    const edited = formValues();
    const changed = {};
    const mask = [];
    for (const key of ['rag', 'timescale', 'description']) {
      if (!same(edited[key], base[key])) {
        changed[key] = edited[key];
        mask.push(key);
      }
    }
    if (mask.length === 0) {
      const nothing = errorSummary('There is a problem', [{ text: 'You have not changed anything', href: '#edit-rag' }]);
      view.report(messages, nothing);
      return;
    }
    try {
      await call('PATCH', `/v1/${name}`, {
        query: { updateMask: mask.join(',') },
        body: { ...changed, etag },
      });
      await render(view, name, successBanner('Your changes were saved.'));
      view.announce(document.querySelector('.govuk-notification-banner'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        // Someone changed it since it was read: show theirs, keep ours in
        // the form, and let the person save again knowingly.
        const current = await call('GET', `/v1/${name}`);
        etag = current.etag;
        const now = valuesOf(current);
        const kept = { ...now };
        for (const key of mask) kept[key] = edited[key];
        setForm(kept);
        base = now;
        const stale = errorSummary('This action was changed by someone else', [{
          text: 'Your changes were not saved, because someone changed this action after you opened it. Its current values are shown below, and your changes are still in the form. Check them, then save again to replace the current values.',
          href: '#edit-rag',
        }]);
        messages.replaceChildren(stale);
        details.replaceChildren(summary(current));
        view.announce(stale);
        return;
      }
      const problem = apiErrorSummary(error, fieldIds);
      view.report(messages, problem);
    }
  };

  const details = h('div', {}, summary(action));
  view.show(action.description,
    h('nav', { className: 'govuk-breadcrumbs app-no-print', 'aria-label': 'Breadcrumb' },
      h('ol', { className: 'govuk-breadcrumbs__list' },
        h('li', { className: 'govuk-breadcrumbs__list-item' },
          h('a', { className: 'govuk-breadcrumbs__link', href: `#/${planName}` }, plan.title || planName)),
        h('li', { className: 'govuk-breadcrumbs__list-item' }, activity.title))),
    messages,
    details,
    editForm,
    progress(view, name, updates, names));
}

function row(key, value) {
  return h('div', { className: 'govuk-summary-list__row' },
    h('dt', { className: 'govuk-summary-list__key' }, key),
    h('dd', { className: 'govuk-summary-list__value' }, value));
}

// The progress updates, newest first, and the form for a new one.
function progress(view, name, updates, names) {
  const sorted = [...updates].sort((a, b) => (b.reportTime || '').localeCompare(a.reportTime || ''));
  const errors = h('div', {});
  const rag = select('update-rag', 'rag', [['', 'Choose a status'], ...RAG_OPTIONS.filter(([v]) => v !== 'RAG_UNSPECIFIED')], '');
  const note = h('textarea', { className: 'govuk-textarea', id: 'update-note', rows: '4' });
  const form = h('form', { novalidate: true, className: 'app-no-print' },
    h('h3', { className: 'govuk-heading-s' }, 'Add a progress update'),
    field('update-rag', 'Status now', rag),
    field('update-note', 'What has happened', note, 'Do not include anyone’s personal details.'),
    button('Add update'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(form.querySelector('button'), addUpdate);
  });
  const addUpdate = async () => {
    const missing = [];
    if (!rag.value) missing.push({ text: 'Choose a status', href: '#update-rag' });
    if (!note.value.trim()) missing.push({ text: 'Say what has happened', href: '#update-note' });
    if (missing.length) {
      const summary = errorSummary('There is a problem', missing);
      view.report(errors, summary);
      return;
    }
    try {
      await call('POST', `/v1/${name}/updates`, {
        body: { rag: rag.value, note: note.value.trim() },
      });
      await render(view, name, successBanner('Your progress update was added.'));
      view.announce(document.querySelector('.govuk-notification-banner'));
    } catch (error) {
      const summary = apiErrorSummary(error, { 'progress_update.rag': 'update-rag', 'progress_update.note': 'update-note' });
      view.report(errors, summary);
    }
  };
  return h('section', { 'aria-labelledby': 'progress-heading' },
    h('h2', { className: 'govuk-heading-m', id: 'progress-heading' }, 'Progress updates'),
    sorted.length === 0
      ? h('p', { className: 'govuk-body' }, 'No progress updates yet.')
      : table('', [
        { label: 'Date', header: true, cell: (u) => formatDateTime(u.reportTime || u.createTime) },
        { label: 'Organisation', cell: (u) => displayName(names, u.organisation) },
        { label: 'Status', cell: (u) => ragTag(u.rag) },
        { label: 'Update', cell: (u) => h('span', { className: 'app-preformatted' }, u.note) },
      ], sorted),
    errors,
    form);
}
