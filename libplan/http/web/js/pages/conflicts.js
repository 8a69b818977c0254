// Open conflicts: the competing values side by side, each with its
// organisation and time; resolved in one click, or with a new value.
import { ApiError, call, listAll } from '../api.js';
import { RAG_LABELS, formatDateTime } from '../format.js';
import {
  apiErrorSummary, button, errorSummary, field, h, secondaryButton, select, successBanner, whileBusy,
} from '../dom.js';
import { actionHref, displayName, organisationNames, plans } from '../data.js';

// The fields a new value can be typed for here, by kind of target: the
// field's number in its message and its type (resources.proto). Others are
// resolved by choosing a candidate (or with planctl).
const NEW_VALUE_FIELDS = {
  action: { description: [2, 'string'], rag: [4, 'enum'] },
  activity: { title: [3, 'string'], lead_officer: [4, 'string'] },
};
const RAG_NUMBERS = { RAG_UNSPECIFIED: 0, RED: 1, AMBER: 2, GREEN: 3, BLUE: 4 };

// A contested field, in words.
const FIELD_NAMES = {
  rag: 'RAG status', description: 'description', timescale: 'timescale',
  owner_organisation: 'owner', title: 'title', lead_officer: 'lead officer',
  lead_organisations: 'lead organisations', strand: 'strand', deleted: 'deletion',
};

function kindOf(target) {
  if (/\/actions\/[^/]+$/.test(target)) return 'action';
  if (/\/activities\/[^/]+$/.test(target)) return 'activity';
  return '';
}

function varint(value) {
  const bytes = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}

// The target's message with only `field` set to `value`, serialized as
// protobuf, in base64 (what ResolveConflictRequest.value holds).
export function encodeNewValue(target, fieldName, value) {
  const [number, type] = NEW_VALUE_FIELDS[kindOf(target)][fieldName];
  let bytes = [];
  if (type === 'enum') {
    const n = RAG_NUMBERS[value];
    if (n) bytes = [(number << 3) | 0, ...varint(n)];
  } else if (value) {
    const utf8 = new TextEncoder().encode(value);
    bytes = [(number << 3) | 2, ...varint(utf8.length), ...utf8];
  }
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// A candidate's value for people: a RAG status in words.
function shown(fieldName, candidate) {
  if (candidate.deletes) return 'Deleted';
  const value = candidate.displayValue || '';
  if (fieldName === 'rag') return RAG_LABELS[value] || value || 'Not set';
  return value || '(empty)';
}

export async function render(view, notice = null) {
  const names = await organisationNames();
  const open = [];
  for (const plan of await plans()) {
    const conflicts = await listAll(`/v1/${plan.name}/conflicts`, 'conflicts', { filter: 'state = OPEN' });
    for (const conflict of conflicts) {
      // What is contested, named for people (it may since be deleted).
      let label = conflict.target.split('/').pop();
      try {
        const target = await call('GET', `/v1/${conflict.target}`);
        label = target.description || target.title || target.displayName || label;
      } catch (error) {
        // The id stays the label.
      }
      open.push({ plan, conflict, label });
    }
  }
  const messages = h('div', {});
  if (notice) messages.append(notice);
  view.show('Conflicts',
    messages,
    h('p', { className: 'govuk-body' },
      open.length === 0
        ? 'There are no open conflicts in the plans you can see.'
        : 'Partners changed the same thing at the same time, working apart. The value applied for now is marked; choose the one to keep, or give a new one.'),
    open.map(({ plan, conflict, label }, index) => conflictBlock(view, plan, conflict, label, index, names, messages)));
}

function conflictBlock(view, plan, conflict, label, index, names, messages) {
  const target = conflict.target;
  const headingId = `conflict-${index}`;
  const resolve = async (body) => {
    try {
      await call('POST', `/v1/${conflict.name}:resolve`, { body: { ...body, etag: conflict.etag } });
      await render(view, successBanner(`The conflict over the ${FIELD_NAMES[conflict.field] || conflict.field} was resolved.`));
      view.announce(document.querySelector('.govuk-notification-banner'));
    } catch (error) {
      const summary = error instanceof ApiError && error.status === 412
        ? errorSummary('This conflict has changed', [{ text: 'Someone changed or resolved this conflict after you opened the page. Reload the page to see it as it is now.' }])
        : apiErrorSummary(error);
      view.report(messages, summary);
    }
  };
  const candidates = (conflict.candidates || []).map((candidate, i) => h('div', { className: 'app-candidate' },
    h('h3', { className: 'govuk-heading-s' },
      `Value ${i + 1}`, i === (conflict.provisionalWinner || 0) ? ' (applied for now)' : ''),
    h('p', { className: 'govuk-body app-candidate__value' }, shown(conflict.field, candidate)),
    h('p', { className: 'govuk-body-s' },
      `By ${displayName(names, candidate.organisation)}, ${formatDateTime(candidate.editTime)}`),
    secondaryButton(candidate.deletes ? 'Keep it deleted' : 'Keep this value', {
      type: 'button',
      'aria-describedby': headingId,
      onclick: (event) => whileBusy(event.currentTarget, () => resolve({ candidate: i })),
    })));
  const kind = kindOf(target);
  const typed = (NEW_VALUE_FIELDS[kind] || {})[conflict.field];
  let newValue = null;
  if (typed) {
    const id = `new-value-${index}`;
    const control = conflict.field === 'rag'
      ? select(id, 'value', [['', 'Choose a status'], ...Object.entries(RAG_LABELS)], '')
      : h('textarea', { className: 'govuk-textarea', id, rows: '3' });
    newValue = h('form', { novalidate: true },
      field(id, 'Or give a new value', control),
      button('Use the new value', { className: 'govuk-button govuk-button--secondary', 'aria-describedby': headingId }));
    newValue.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = control.value.trim();
      if (!value) {
        const summary = errorSummary('There is a problem', [{ text: 'Give the new value, or keep one of the values above', href: `#${id}` }]);
        view.report(messages, summary);
        return;
      }
      whileBusy(newValue.querySelector('button'), () => resolve({ value: encodeNewValue(target, conflict.field, value) }));
    });
  }
  return h('section', { className: 'govuk-!-margin-bottom-9', 'aria-labelledby': headingId },
    h('h2', { className: 'govuk-heading-m', id: headingId },
      `The ${FIELD_NAMES[conflict.field] || conflict.field.replace(/_/g, ' ')} of ${kind ? `an ${kind}` : target}`),
    h('p', { className: 'govuk-body' },
      `${plan.title}: `,
      kind === 'action'
        ? h('a', { href: actionHref(target), className: 'govuk-link' }, label)
        : label),
    h('div', { className: 'app-candidates' }, candidates),
    newValue);
}
