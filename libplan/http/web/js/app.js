// The web app (docs/web.md): one page whose hash names what it shows.
// Routes:
//   #/                          my actions
//   #/plans                     the plans
//   #/plans/P?strand=&rag=&lead=&overdue=on   a plan, laid out like the
//                               published one, filtered
//   #/plans/P/activities/A/actions/X           an action: edit, progress
//   #/conflicts                 open conflicts, side by side
//   #/dashboard                 the county dashboard, live
//   #/import, #/export          CSV in, CSV, HTML or Markdown out
//   #/sync                      an agent's sync status and Sync now
import { ApiError, call, currentSession, personName, setSession } from './api.js';
import { h } from './dom.js';
import { organisationNames, displayName } from './data.js';
import * as myActions from './pages/my_actions.js';
import * as planPages from './pages/plan.js';
import * as actionPage from './pages/action.js';
import * as conflicts from './pages/conflicts.js';
import * as dashboard from './pages/dashboard.js';
import * as transfer from './pages/transfer.js';
import * as sync from './pages/sync.js';
import * as signIn from './pages/sign_in.js';

const main = () => document.getElementById('page');

// What a page draws with: `show` replaces the page's content with a heading
// and nodes, names the window, and (on arrival) moves focus to the heading.
function makeView(arrived) {
  return {
    show(title, ...nodes) {
      // A long title (an action's description) takes a smaller heading.
      const size = title.length > 90 ? 'govuk-heading-m' : 'govuk-heading-l';
      const heading = h('h1', { className: size, tabindex: '-1', id: 'page-heading' }, title);
      main().replaceChildren(heading, ...nodes.flat());
      const short = title.length > 60 ? `${title.slice(0, 57).trimEnd()}…` : title;
      document.title = `${short} – Prevent delivery plan`;
      if (arrived) {
        heading.focus();
        arrived = false;
      }
    },
    // Moves focus to `node` (an error summary or a banner) and reads it out.
    announce(node) {
      node.focus();
    },
    // Shows `node` (an error summary or a banner) in `container`, alone,
    // and announces it.
    report(container, node) {
      container.replaceChildren(node);
      node.focus();
    },
    navigate(hash) {
      window.location.hash = hash;
    },
    refreshHeader: renderHeader,
  };
}

const ROUTES = [
  [/^\/$/, (view) => myActions.render(view)],
  [/^\/plans$/, (view) => planPages.renderList(view)],
  [/^\/plans\/([a-z0-9-]+)$/, (view, m, query) => planPages.renderPlan(view, `plans/${m[1]}`, query)],
  [/^\/(plans\/[a-z0-9-]+\/activities\/[a-z0-9-]+\/actions\/[a-z0-9-]+)$/,
    (view, m) => actionPage.render(view, m[1])],
  [/^\/conflicts$/, (view) => conflicts.render(view)],
  [/^\/dashboard$/, (view) => dashboard.render(view)],
  [/^\/import$/, (view) => transfer.renderImport(view)],
  [/^\/export$/, (view, m, query) => transfer.renderExport(view, query)],
  [/^\/sync$/, (view) => sync.render(view)],
];

function navItems(session) {
  const items = [['#/', 'My actions'], ['#/plans', 'Plans'], ['#/conflicts', 'Conflicts']];
  if (session.method === 'agent') {
    items.push(['#/sync', 'Sync']);
  } else {
    items.push(['#/dashboard', 'Dashboard']);
  }
  items.push(['#/import', 'Import'], ['#/export', 'Export']);
  return items;
}

async function renderHeader() {
  const session = currentSession();
  const who = document.getElementById('who');
  const nav = document.getElementById('nav');
  if (!session || !session.signedIn) {
    who.replaceChildren();
    nav.hidden = true;
    return;
  }
  let organisation = session.organisation;
  try {
    organisation = displayName(await organisationNames(), session.organisation);
  } catch (e) {
    // The name stays the resource name.
  }
  if (session.method === 'agent') {
    who.replaceChildren(
      `${personName() || 'Name not given'}, for ${organisation} `,
      h('a', { href: '#/name', className: 'govuk-link govuk-link--inverse' }, 'Change name'));
  } else {
    who.replaceChildren(
      `${session.user || 'Signed in'}, for ${organisation} `,
      session.method === 'password'
        ? h('button', { type: 'button', className: 'govuk-button govuk-button--inverse app-sign-out', onclick: signOut }, 'Sign out')
        : null);
  }
  const current = window.location.hash.split('?')[0] || '#/';
  nav.replaceChildren(h('ul', { className: 'app-nav__list' },
    navItems(session).map(([href, text]) => h('li', {},
      h('a', {
        href,
        className: 'govuk-link govuk-link--no-visited-state app-nav__link',
        'aria-current': (href === current || (href !== '#/' && current.startsWith(href))) ? 'page' : false,
      }, text)))));
  nav.hidden = false;
}

async function signOut() {
  try {
    await call('POST', '/auth/sign-out');
  } finally {
    setSession({ signedIn: false, passwordSignIn: true });
    window.location.hash = '#/';
    await route();
  }
}

async function route() {
  const hash = window.location.hash.slice(1) || '/';
  if (!hash.startsWith('/')) return;  // the skip link, or an in-page link
  // Which route is drawn (for tests): empty while one is being drawn.
  document.documentElement.dataset.route = '';
  try {
    await draw(hash);
  } finally {
    document.documentElement.dataset.route = hash;
  }
}

async function draw(hash) {
  const [path, queryString] = hash.split('?');
  const query = new URLSearchParams(queryString || '');
  const view = makeView(true);
  const session = currentSession();
  await renderHeader();
  try {
    if (!session.signedIn) {
      await signIn.render(view, async (signedIn) => {
        setSession(signedIn);
        await route();
      });
      return;
    }
    if (session.method === 'agent' && (!personName() || path === '/name')) {
      await signIn.renderName(view, async () => {
        if (path === '/name') window.location.hash = '#/';
        await route();
      });
      return;
    }
    for (const [pattern, render] of ROUTES) {
      const match = pattern.exec(path);
      if (match) {
        await render(view, match, query);
        return;
      }
    }
    view.show('Page not found', h('p', { className: 'govuk-body' },
      'There is no page at this address. ', h('a', { href: '#/', className: 'govuk-link' }, 'Go to my actions'), '.'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      // The session ended: ask the server how to sign in again.
      try {
        setSession(await call('GET', '/auth/session'));
      } catch (e) {
        setSession({ signedIn: false, passwordSignIn: false });
      }
      if (!currentSession().signedIn) {
        await draw(hash);
        return;
      }
    }
    view.show('Sorry, there is a problem', h('p', { className: 'govuk-body' },
      error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`));
  }
}

// The skip link moves focus to the page's content without changing the
// address (which names the page).
function skipLink() {
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main-content').focus();
  });
}

async function boot() {
  skipLink();
  try {
    setSession(await call('GET', '/auth/session'));
  } catch (error) {
    setSession({ signedIn: false, passwordSignIn: false, error: error.message });
  }
  window.addEventListener('hashchange', route);
  await route();
}

boot();
