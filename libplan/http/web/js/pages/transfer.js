// Import a CSV (or the published plan's text), checked first with a dry run
// that shows what would be created and the warnings by line; and export a
// plan as CSV, HTML or Markdown.
import { call } from '../api.js';
import {
  apiErrorSummary, button, errorSummary, field, h, select, successBanner, table, whileBusy,
} from '../dom.js';
import { plans } from '../data.js';

function base64(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export async function renderImport(view) {
  const messages = h('div', {});
  const preview = h('div', {});
  const file = h('input', { className: 'govuk-file-upload', id: 'import-file', type: 'file', accept: '.csv,.txt,text/csv,text/plain' });
  const format = select('import-format', 'format', [['CSV', 'CSV (one row per action)'], ['PREVENT_TEXT', 'Text of a published plan']], 'CSV');
  const planId = h('input', {
    className: 'govuk-input govuk-input--width-20', id: 'import-plan', type: 'text', spellcheck: 'false',
    'aria-describedby': 'import-plan-hint',
  });
  const title = h('input', { className: 'govuk-input', id: 'import-title', type: 'text' });
  const fieldIds = { 'plan.name': 'import-plan', 'plan.title': 'import-title', content: 'import-file', format: 'import-format' };
  let checked = null;  // the request the dry run checked

  const request = async () => {
    const problems = [];
    if (!file.files.length) problems.push({ text: 'Choose a file', href: '#import-file' });
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(planId.value.trim())) {
      problems.push({ text: 'Enter the plan’s short name: lower-case letters, digits and hyphens', href: '#import-plan' });
    }
    if (problems.length) throw problems;
    const plan = { name: `plans/${planId.value.trim()}` };
    if (title.value.trim()) plan.title = title.value.trim();
    return { plan, format: format.value, content: base64(await file.files[0].arrayBuffer()) };
  };
  const fail = (error) => {
    const summary = Array.isArray(error)
      ? errorSummary('There is a problem', error)
      : apiErrorSummary(error, fieldIds);
    view.report(messages, summary);
  };

  const form = h('form', { novalidate: true },
    field('import-file', 'File', file),
    field('import-format', 'Format', format),
    field('import-plan', 'Plan', planId, 'The short name of the plan to create or add to, for example south-staffordshire'),
    field('import-title', 'Title of a new plan (optional)', title),
    button('Check the file'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(form.querySelector('button'), check);
  });
  const check = async () => {
    // A new check forgets the last one: Import imports only what was shown.
    messages.replaceChildren();
    preview.replaceChildren();
    checked = null;
    try {
      const body = await request();
      const result = await call('POST', `/v1/${body.plan.name}:import`, { body: { ...body, validateOnly: true } });
      checked = body;
      preview.replaceChildren(...previewOf(result, view, async () => {
        try {
          const done = await call('POST', `/v1/${checked.plan.name}:import`, { body: checked });
          preview.replaceChildren();
          const banner = successBanner(`Imported: ${done.actionCount || 0} actions into ${done.plan.title || done.plan.name}.`);
          messages.replaceChildren(banner, h('p', { className: 'govuk-body' },
            h('a', { href: `#/${done.plan.name}`, className: 'govuk-link' }, 'Open the plan')));
          view.announce(banner);
        } catch (error) {
          fail(error);
        }
      }));
      preview.querySelector('h2').focus();
    } catch (error) {
      fail(error);
    }
  };
  view.show('Import a plan', messages, form, preview);
}

function previewOf(result, view, onImport) {
  const count = (n, word) => `${n || 0} ${word}${n === 1 ? '' : 's'}`;
  const warnings = result.warnings || [];
  return [
    h('h2', { className: 'govuk-heading-m', tabindex: '-1' }, 'What the import would do'),
    h('p', { className: 'govuk-body' },
      `Nothing has been written yet. Importing would create ${count(result.strandCount, 'strand')}, ${count(result.activityCount, 'activity').replace('activitys', 'activities')}, ${count(result.actionCount, 'action')} and ${count(result.organisationCount, 'organisation')} in ${result.plan.title || result.plan.name}.`),
    warnings.length === 0
      ? h('p', { className: 'govuk-body' }, 'The file gave no warnings.')
      : table(`Warnings (${result.warningCount || warnings.length})`, [
        { label: 'Line', header: true, cell: (w) => String(w.line) },
        { label: 'Warning', cell: (w) => w.message },
      ], warnings),
    (result.actions || []).length === 0 ? null : table(
      result.truncated ? 'The first actions it would create' : 'Actions it would create', [
        { label: 'Action', header: true, cell: (a) => a.description },
        { label: 'Timescale', cell: (a) => (a.timescale && a.timescale.text) || '' },
      ], result.actions),
    button('Import', { type: 'button', onclick: (event) => whileBusy(event.currentTarget, onImport) }),
  ];
}

export async function renderExport(view, query) {
  const list = await plans();
  if (list.length === 0) {
    view.show('Export a plan', h('p', { className: 'govuk-body' }, 'You can see no plans to export.'));
    return;
  }
  const plan = select('export-plan', 'plan', list.map((p) => [p.name, p.title || p.name]), query.get('plan') || (list[0] && list[0].name));
  const format = h('div', { className: 'govuk-radios', 'data-module': 'govuk-radios' },
    [['CSV', 'CSV, for Excel'], ['HTML', 'A web page to print (A4 landscape)'], ['MARKDOWN', 'Markdown']].map(([value, text], i) => h('div', { className: 'govuk-radios__item' },
      h('input', {
        className: 'govuk-radios__input', id: `export-format-${value}`, name: 'format', type: 'radio', value, checked: i === 0,
      }),
      h('label', { className: 'govuk-label govuk-radios__label', for: `export-format-${value}` }, text))));
  const form = h('form', { novalidate: true },
    field('export-plan', 'Plan', plan),
    h('div', { className: 'govuk-form-group' },
      h('fieldset', { className: 'govuk-fieldset' },
        h('legend', { className: 'govuk-fieldset__legend govuk-fieldset__legend--s' }, 'Format'),
        format)),
    button('Download'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name=format]:checked').value;
    // A plain link: the browser downloads what the server names.
    const link = h('a', { href: `/v1/${plan.value}:export?format=${chosen}`, download: '' });
    document.body.appendChild(link);
    link.click();
    link.remove();
  });
  view.show('Export a plan', form);
}
