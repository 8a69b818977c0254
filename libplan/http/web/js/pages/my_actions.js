// My actions: what the person's organisation leads or owns, across plans,
// overdue first.
import { currentSession } from '../api.js';
import { h, statusTags, table, timescaleText } from '../dom.js';
import { actionHref, activityOf, planContents, plans, responsibleFor } from '../data.js';
import { isOverdue } from '../format.js';

export async function render(view) {
  const organisation = currentSession().organisation;
  const rows = [];
  for (const plan of await plans()) {
    const contents = await planContents(plan.name);
    const activities = new Map(contents.activities.map((a) => [a.name, a]));
    for (const action of contents.actions) {
      const activity = activities.get(activityOf(action.name));
      if (!organisation || responsibleFor(action, activity).includes(organisation)) {
        rows.push({ plan, activity, action, overdue: isOverdue(action) });
      }
    }
  }
  // Overdue first, then by when they end (open-ended last), in plan order.
  const endOf = (row) => (row.action.timescale && row.action.timescale.end) || '9999-99';
  rows.sort((a, b) => Number(b.overdue) - Number(a.overdue) || endOf(a).localeCompare(endOf(b)));
  const overdue = rows.filter((row) => row.overdue).length;
  view.show('My actions',
    h('p', { className: 'govuk-body' },
      rows.length === 0
        ? 'Your organisation leads no actions in the plans you can see.'
        : `Your organisation leads or owns ${rows.length} action${rows.length === 1 ? '' : 's'}; ${overdue} ${overdue === 1 ? 'is' : 'are'} overdue.`),
    rows.length === 0 ? null : table('Actions, overdue first', [
      {
        label: 'Action', header: true,
        cell: (row) => h('a', { href: actionHref(row.action.name), className: 'govuk-link' }, row.action.description),
      },
      { label: 'Activity', cell: (row) => (row.activity ? row.activity.title : '') },
      { label: 'Plan', cell: (row) => row.plan.title },
      { label: 'Timescale', cell: (row) => timescaleText(row.action.timescale) },
      { label: 'Status', cell: (row) => statusTags(row.action) },
    ], rows));
}
