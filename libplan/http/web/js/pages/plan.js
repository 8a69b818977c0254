// The plans, and one plan laid out like the published one: strands, then
// activities, then actions with lead, timescale and RAG; filtered by strand,
// RAG, lead organisation and overdue.
import { RAG_LABELS, formatMonth, isOverdue } from '../format.js';
import {
  button, field, h, idOf, select, statusTags, table, timescaleText,
} from '../dom.js';
import {
  actionHref, activityOf, displayName, organisationNames, planContents, plans, responsibleFor,
} from '../data.js';

export async function renderList(view) {
  const list = await plans();
  view.show('Plans',
    list.length === 0
      ? h('p', { className: 'govuk-body' }, 'You can see no plans yet.')
      : table('', [
        {
          label: 'Plan', header: true,
          cell: (plan) => h('a', { href: `#/${plan.name}`, className: 'govuk-link' }, plan.title || plan.name),
        },
        { label: 'Level', cell: (plan) => (plan.level === 'COUNTY' ? 'County' : 'District') },
        { label: 'Area', cell: (plan) => plan.area || '' },
        { label: 'Period', cell: (plan) => period(plan) },
      ], list));
}

function period(plan) {
  if (!plan.periodStart && !plan.periodEnd) return '';
  return `${formatMonth(plan.periodStart)} to ${formatMonth(plan.periodEnd)}`;
}

export async function renderPlan(view, planName, query) {
  const [contents, names] = await Promise.all([planContents(planName), organisationNames()]);
  const { plan, strands, activities, actions } = contents;
  const filters = {
    strand: query.get('strand') || '',
    rag: query.get('rag') || '',
    lead: query.get('lead') || '',
    overdue: query.get('overdue') === 'on',
  };
  const activityByName = new Map(activities.map((a) => [a.name, a]));
  const leads = new Set();
  for (const action of actions) {
    for (const org of responsibleFor(action, activityByName.get(activityOf(action.name)))) leads.add(org);
  }
  const shown = actions.filter((action) => {
    const activity = activityByName.get(activityOf(action.name));
    if (filters.strand && (!activity || activity.strand !== filters.strand)) return false;
    if (filters.rag && (action.rag || 'RAG_UNSPECIFIED') !== filters.rag) return false;
    if (filters.lead && !responsibleFor(action, activity).includes(filters.lead)) return false;
    if (filters.overdue && !isOverdue(action)) return false;
    return true;
  });

  const form = h('form', { className: 'app-filters app-no-print', 'aria-label': 'Filter the actions' },
    field('strand', 'Strand', select('strand', 'strand',
      [['', 'All strands'], ...strands.map((s) => [s.name, s.title])], filters.strand)),
    field('rag', 'Status', select('rag', 'rag',
      [['', 'Any status'], ...Object.entries(RAG_LABELS)], filters.rag)),
    field('lead', 'Lead organisation', select('lead', 'lead',
      [['', 'Any organisation'], ...[...leads].map((o) => [o, displayName(names, o)])
        .sort((a, b) => a[1].localeCompare(b[1], 'en-GB'))], filters.lead)),
    h('div', { className: 'govuk-form-group' },
      h('div', { className: 'govuk-checkboxes govuk-checkboxes--small' },
        h('div', { className: 'govuk-checkboxes__item' },
          h('input', {
            className: 'govuk-checkboxes__input', id: 'overdue', name: 'overdue', type: 'checkbox',
            value: 'on', checked: filters.overdue,
          }),
          h('label', { className: 'govuk-label govuk-checkboxes__label', for: 'overdue' }, 'Overdue only')))),
    h('div', { className: 'govuk-form-group' }, button('Apply filters', { className: 'govuk-button govuk-!-margin-bottom-0' })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (value) params.set(key, value);
    const search = params.toString();
    view.navigate(`#/${planName}${search ? `?${search}` : ''}`);
  });

  const filtered = filters.strand || filters.rag || filters.lead || filters.overdue;
  const sections = [];
  const strandList = [...strands, { name: '', title: 'Other activities' }];
  for (const strand of strandList) {
    const strandActivities = activities.filter((a) => (a.strand || '') === strand.name);
    const blocks = [];
    for (const activity of strandActivities) {
      const rows = shown.filter((action) => activityOf(action.name) === activity.name);
      if (rows.length === 0 && filtered) continue;
      blocks.push(h('section', { className: 'app-activity', 'aria-labelledby': `activity-${idOf(activity.name)}` },
        h('h3', { className: 'govuk-heading-s', id: `activity-${idOf(activity.name)}` }, activity.title),
        h('p', { className: 'govuk-body-s' },
          'Lead: ', (activity.leadOrganisations || []).map((o) => displayName(names, o)).join(', ') || 'not set',
          activity.leadOfficer ? ` (${activity.leadOfficer})` : ''),
        rows.length === 0
          ? h('p', { className: 'govuk-body-s' }, 'No actions.')
          : table('', [
            {
              label: 'Action', header: true,
              cell: (action) => h('a', { href: actionHref(action.name), className: 'govuk-link' }, action.description),
            },
            {
              label: 'Lead',
              cell: (action) => responsibleFor(action, activity).map((o) => displayName(names, o)).join(', '),
            },
            { label: 'Timescale', cell: (action) => timescaleText(action.timescale) },
            { label: 'RAG', cell: (action) => statusTags(action) },
          ], rows)));
    }
    if (blocks.length === 0) continue;
    const strandId = strand.name ? `strand-${idOf(strand.name)}` : 'no-strand';
    sections.push(h('section', { className: 'app-strand', 'aria-labelledby': strandId },
      h('h2', { className: 'govuk-heading-m', id: strandId }, strand.title),
      strand.description ? h('p', { className: 'govuk-body' }, strand.description) : null,
      blocks));
  }
  view.show(plan.title || plan.name,
    h('p', { className: 'govuk-body' }, [plan.area, period(plan)].filter(Boolean).join(', ')),
    h('p', { className: 'govuk-body app-no-print' },
      h('a', { href: `#/export?plan=${encodeURIComponent(plan.name)}`, className: 'govuk-link' }, 'Export this plan'),
      ' · ',
      h('a', { href: '#/conflicts', className: 'govuk-link' }, 'Conflicts')),
    form,
    h('p', { className: 'govuk-body', role: 'status' },
      `Showing ${shown.length} of ${actions.length} actions.`),
    sections.length ? sections : h('p', { className: 'govuk-body' },
      filtered ? 'No actions match these filters.' : 'This plan has no actions yet.'));
}
