// Building the page: elements from data (text is always set as text, never
// parsed as HTML), and the GOV.UK Frontend patterns the pages share.
import { RAG_LABELS, formatMonth, isOverdue } from './format.js';

// h('a', {href: '#/'}, 'text', child, ...): an element. Attributes with
// false, null or undefined values are left out; `on*` functions become
// listeners.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'className') {
      element.className = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(element, child);
    } else if (child instanceof Node) {
      element.appendChild(child);
    } else {
      element.appendChild(document.createTextNode(String(child)));
    }
  }
}

// The RAG status as a tag: its name in words, and a colour.
export function ragTag(rag) {
  const key = RAG_LABELS[rag] ? rag : 'RAG_UNSPECIFIED';
  const modifier = { RED: 'red', AMBER: 'amber', GREEN: 'green', BLUE: 'blue' }[key] || 'none';
  return h('strong', { className: `govuk-tag app-rag app-rag--${modifier}` }, RAG_LABELS[key]);
}

export function overdueTag() {
  return h('strong', { className: 'govuk-tag app-overdue' }, 'Overdue');
}

// An action's timescale as written, or its months.
export function timescaleText(timescale = {}) {
  if (timescale.text) return timescale.text;
  if (timescale.ongoing) return 'Ongoing';
  if (timescale.start && timescale.end) {
    return `${formatMonth(timescale.start)} to ${formatMonth(timescale.end)}`;
  }
  return formatMonth(timescale.end || timescale.start) || 'Not set';
}

// The RAG and, when overdue, a second tag.
export function statusTags(action) {
  return h('span', {}, ragTag(action.rag), isOverdue(action) ? [' ', overdueTag()] : null);
}

// A table: `columns` are [{label, cell(row) -> node or text}]. Narrow
// screens stack each row (app.css).
export function table(caption, columns, rows) {
  return h('table', { className: 'govuk-table app-stack' },
    caption ? h('caption', { className: 'govuk-table__caption govuk-table__caption--m' }, caption) : null,
    h('thead', { className: 'govuk-table__head' },
      h('tr', { className: 'govuk-table__row' },
        columns.map((c) => h('th', { scope: 'col', className: 'govuk-table__header' }, c.label)))),
    h('tbody', { className: 'govuk-table__body' },
      rows.map((row) => h('tr', { className: 'govuk-table__row' },
        columns.map((c, i) => (i === 0 && c.header
          ? h('th', { scope: 'row', className: 'govuk-table__header', 'data-label': c.label }, c.cell(row))
          : h('td', { className: 'govuk-table__cell', 'data-label': c.label }, c.cell(row))))))));
}

// A GOV.UK error summary for `error` (an ApiError or a list of
// {field, description, href}), focused so that it is read out.
export function errorSummary(title, items) {
  if (!document.title.startsWith('Error: ')) document.title = `Error: ${document.title}`;
  const summary = h('div', {
    className: 'govuk-error-summary', 'data-module': 'govuk-error-summary', tabindex: '-1',
  },
  h('div', { role: 'alert' },
    h('h2', { className: 'govuk-error-summary__title' }, title),
    h('div', { className: 'govuk-error-summary__body' },
      h('ul', { className: 'govuk-list govuk-error-summary__list' },
        items.map((item) => h('li', {},
          item.href ? h('a', { href: item.href, onclick: focusField(item.href) }, item.text) : item.text))))));
  return summary;
}

function focusField(href) {
  return (event) => {
    const target = document.getElementById(href.slice(1));
    if (target) {
      event.preventDefault();
      target.focus();
    }
  };
}

// The summary of an ApiError: its message, then each field it named.
export function apiErrorSummary(error, fieldIds = {}) {
  if (!error.violations) {  // not the server's answer: the network, say
    return errorSummary('There is a problem', [{ text: `Could not reach the server: ${error.message}` }]);
  }
  const items = error.violations.length
    ? error.violations.map((v) => ({
      text: `${v.field}: ${v.description}`,
      href: fieldIds[v.field] ? `#${fieldIds[v.field]}` : undefined,
    }))
    : [{ text: error.message }];
  return errorSummary('There is a problem', items);
}

// A labelled field: input, select or textarea.
export function field(id, label, control, hint) {
  if (hint) control.setAttribute('aria-describedby', `${id}-hint`);
  return h('div', { className: 'govuk-form-group' },
    h('label', { className: 'govuk-label govuk-label--s', for: id }, label),
    hint ? h('div', { className: 'govuk-hint', id: `${id}-hint` }, hint) : null,
    control);
}

export function select(id, name, options, value, attributes = {}) {
  return h('select', { className: 'govuk-select', id, name, ...attributes },
    options.map(([optionValue, text]) => h('option', {
      value: optionValue, selected: optionValue === value,
    }, text)));
}

export function button(text, attributes = {}) {
  return h('button', {
    type: 'submit', className: 'govuk-button', 'data-module': 'govuk-button', ...attributes,
  }, text);
}

export function secondaryButton(text, attributes = {}) {
  return button(text, { className: 'govuk-button govuk-button--secondary', ...attributes });
}

// A notification banner for a success, with role=alert so it is read out.
export function successBanner(text) {
  return h('div', {
    className: 'govuk-notification-banner govuk-notification-banner--success',
    role: 'alert', 'aria-labelledby': 'success-title', tabindex: '-1',
  },
  h('div', { className: 'govuk-notification-banner__header' },
    h('h2', { className: 'govuk-notification-banner__title', id: 'success-title' }, 'Success')),
  h('div', { className: 'govuk-notification-banner__content' },
    h('p', { className: 'govuk-notification-banner__heading' }, text)));
}

// Runs `work` with `control` (a button) disabled, so that a second click
// cannot send the same request again.
export async function whileBusy(control, work) {
  if (control.disabled) return;
  control.disabled = true;
  control.setAttribute('aria-disabled', 'true');
  try {
    await work();
  } finally {
    control.disabled = false;
    control.removeAttribute('aria-disabled');
  }
}

// The last segment of a resource name, as words: "staffordshire-police" ->
// "staffordshire police".
export function idOf(name) {
  return (name || '').split('/').pop();
}
