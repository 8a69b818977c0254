// Reading plans through the API, with the little the pages share: display
// names of organisations, and a plan's strands, activities and actions in
// document order.
import { call, listAll } from './api.js';

let organisations = null;

// organisation name -> display name (cached for the page's life).
export async function organisationNames() {
  if (!organisations) {
    const list = await listAll('/v1/organisations', 'organisations');
    organisations = new Map(list.map((o) => [o.name, o.displayName || o.name.split('/').pop()]));
  }
  return organisations;
}

export function displayName(names, organisation) {
  return names.get(organisation) || (organisation || '').split('/').pop() || '';
}

export async function plans() {
  const list = await listAll('/v1/plans', 'plans');
  return list.sort((a, b) => (a.title || a.name).localeCompare(b.title || b.name, 'en-GB'));
}

function byPosition(a, b) {
  return (a.position || '').localeCompare(b.position || '') || a.name.localeCompare(b.name);
}

// A plan and its contents: {plan, strands, activities, actions}, each list in
// document order.
export async function planContents(planName) {
  const [plan, strands, activities, actions] = await Promise.all([
    call('GET', `/v1/${planName}`),
    listAll(`/v1/${planName}/strands`, 'strands'),
    listAll(`/v1/${planName}/activities`, 'activities'),
    listAll(`/v1/${planName}/activities/-/actions`, 'actions'),
  ]);
  return {
    plan,
    strands: strands.sort(byPosition),
    activities: activities.sort(byPosition),
    actions: actions.sort(byPosition),
  };
}

// The activity an action belongs to: "plans/p/activities/a".
export function activityOf(actionName) {
  return actionName.split('/').slice(0, 4).join('/');
}

// The organisations an action is attributed to: its owner when set, else
// its activity's leads (as the service's reports attribute it).
export function responsibleFor(action, activity) {
  if (action.ownerOrganisation) return [action.ownerOrganisation];
  return (activity && activity.leadOrganisations) || [];
}

// The route of an action's page.
export function actionHref(actionName) {
  return `#/${actionName}`;
}
