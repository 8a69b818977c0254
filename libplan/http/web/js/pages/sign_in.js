// Signing in with a local account, and, on an agent, giving a name for
// the record.
import { ApiError, call, currentSession, personName, setPersonName } from '../api.js';
import { apiErrorSummary, button, errorSummary, field, h } from '../dom.js';

export async function render(view, onSignedIn) {
  const session = currentSession();
  if (!session.passwordSignIn) {
    view.show('Sign in',
      h('p', { className: 'govuk-body' },
        'This server has no accounts to sign in to here. Sign in through your organisation’s single sign-on address, or ask the plan’s administrator.'));
    return;
  }
  const errors = h('div', {});
  const user = h('input', {
    className: 'govuk-input', id: 'user', name: 'user', type: 'text',
    autocomplete: 'username', spellcheck: 'false', autocapitalize: 'none',
  });
  const password = h('input', {
    className: 'govuk-input', id: 'password', name: 'password', type: 'password',
    autocomplete: 'current-password',
  });
  const form = h('form', { novalidate: true },
    field('user', 'User name', user, 'Usually your work email address'),
    field('password', 'Password', password),
    button('Sign in'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const missing = [];
    if (!user.value.trim()) missing.push({ text: 'Enter your user name', href: '#user' });
    if (!password.value) missing.push({ text: 'Enter your password', href: '#password' });
    if (missing.length) {
      const summary = errorSummary('There is a problem', missing);
      view.report(errors, summary);
      return;
    }
    try {
      const signedIn = await call('POST', '/auth/sign-in', {
        body: { user: user.value.trim(), password: password.value },
      });
      await onSignedIn(signedIn);
    } catch (error) {
      password.value = '';
      const summary = error instanceof ApiError && error.status === 401
        ? errorSummary('There is a problem', [{ text: 'The user name or password is wrong', href: '#user' }])
        : apiErrorSummary(error);
      document.title = 'Error: Sign in – Prevent delivery plan';
      view.report(errors, summary);
    }
  });
  view.show('Sign in', errors, form);
}

// On an agent nobody signs in: the person's name goes with each change.
export async function renderName(view, onNamed) {
  const errors = h('div', {});
  const name = h('input', {
    className: 'govuk-input govuk-!-width-two-thirds', id: 'person-name', name: 'name', type: 'text',
    autocomplete: 'name', value: personName(), 'aria-describedby': 'person-name-hint',
  });
  const form = h('form', { novalidate: true },
    field('person-name', 'Your name', name,
      'It is recorded with each change you make here, and sent to the partnership with it. Use letters without accents (for example Sian rather than Siân).'),
    button('Continue'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = name.value.trim();
    let problem = '';
    if (!value) problem = 'Enter your name';
    else if (value.length > 200) problem = 'Your name must be 200 characters or fewer';
    else if (!/^[\x20-\x7e]+$/.test(value)) problem = 'Use letters without accents, as the record keeps plain text';
    if (problem) {
      const summary = errorSummary('There is a problem', [{ text: problem, href: '#person-name' }]);
      view.report(errors, summary);
      return;
    }
    setPersonName(value);
    await onNamed();
  });
  view.show('Who is using this computer?',
    h('p', { className: 'govuk-body' }, `This is ${currentSession().organisation.split('/').pop()}’s own copy of the plan, which works without a network.`),
    errors, form);
}
